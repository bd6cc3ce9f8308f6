"""What an action would make stale, asked before it is done.

Kept apart from `gate_actions` (which drives every stage) so a stage — e.g. a prompt edit in
`stages.prompts` — can ask first without importing the stages that import it.
"""
from __future__ import annotations

from typing import Any

from aiuteur.models.gates import InvalidatedVersion, Invalidation
from aiuteur.models.project import Project
from aiuteur.models.versions import Version
from aiuteur.stages.catalog import stage_for_key
from aiuteur.stages.gates import StageError
from aiuteur.store import Store

_FINISHED = ("/frames", "/video")


class InvalidationNeedsConfirmation(StageError):
    """The action would make locked or finished work stale; `preview` says what (and what it cost).
    Call again with `confirm_invalidation=True` once a person has agreed."""

    def __init__(self, preview: Invalidation) -> None:
        super().__init__(preview.summary() + ": confirm to go ahead (CLI: --yes)")
        self.preview = preview


# -- what an action invalidates ------------------------------------------------------------------
def _roots(action: str, kw: dict[str, Any]) -> list[str]:
    if action == "select-treatment":
        return ["treatment"]
    if action == "edit-prompt":
        return [f"shot/{kw['shot_id']}/prompt"]
    if action == "edit-shot":
        return [f"scene/{kw['scene']}/shots"]
    if action == "change":
        keys = kw.get("keys") or [kw["key"]]
        return list(keys)
    raise StageError(f"no invalidation preview for {action!r}: select-treatment, edit-prompt, edit-shot or change")


def invalidation_preview(store: Store, project: Project, action: str, **kw: Any) -> Invalidation:
    """What `action` would make stale: every current, fresh version made (directly or through
    others) from the artifacts it changes, the shots among them, and what their generations cost.
    `action`: select-treatment, edit-prompt (`shot_id`), edit-shot (`scene`, `shot_id`), or
    change (`key` / `keys`: any artifact keys)."""
    roots = _roots(action, kw)
    heads = store.heads(project)
    known = store.version_keys(project)
    dependents: dict[str, list[str]] = {}
    for head in heads.values():
        for input_id in head.inputs:
            used_key, used_hash = known.get(input_id, (None, None))
            current = heads.get(used_key) if used_key else None
            if current is not None and current.content_hash == used_hash:  # made from the current head
                dependents.setdefault(used_key, []).append(head.artifact_key)  # type: ignore[arg-type]
    affected: dict[str, Version] = {}
    queue = list(roots)
    while queue:
        for dependent in dependents.get(queue.pop(), []):
            if dependent not in affected and dependent not in roots:
                affected[dependent] = heads[dependent]
                queue.append(dependent)
    memo: dict = {}
    fresh = [v for v in affected.values() if store.staleness(v, memo).status == "fresh"]
    ids = {v.id for v in fresh}
    generation_ids = {v.generation_id for v in fresh if v.generation_id}
    spent = 0.0
    for g in store.generations(project.id):
        if g.id in generation_ids or g.output_version in ids or ids.intersection(g.input_versions):
            spent += float(g.actual_cost or 0.0)
    versions = []
    for v in sorted(fresh, key=lambda v: v.artifact_key):
        try:
            number: int | None = stage_for_key(v.artifact_key).number
        except KeyError:
            number = None
        versions.append(InvalidatedVersion(key=v.artifact_key, number=v.number, status=v.status, stage=number))
    shots = sorted({v.artifact_key.split("/")[1] for v in fresh if v.artifact_key.startswith("shot/")})
    asks = any(v.status == "locked" or v.key.endswith(_FINISHED) or v.key == "film" for v in versions) or spent > 0
    return Invalidation(action=kw.get("label") or _describe(action, kw), versions=versions, shots=shots,
                        spent_usd=round(spent, 6), asks=asks)


def _describe(action: str, kw: dict[str, Any]) -> str:
    if action == "edit-prompt":
        return f"editing {kw['shot_id']}'s prompt"
    if action == "edit-shot":
        return f"editing shot {kw.get('shot_id', '')} in scene {kw['scene']}".replace("shot  in", "a shot in")
    if action == "select-treatment":
        return "selecting another treatment variant"
    return f"changing {', '.join(_roots(action, kw))}"


def require_confirmation(store: Store, project: Project, action: str, confirmed: bool, **kw: Any) -> Invalidation:
    """The preview of `action`; raises `InvalidationNeedsConfirmation` when it would make locked
    or finished work stale and `confirmed` is False."""
    preview = invalidation_preview(store, project, action, **kw)
    if preview.asks and not confirmed:
        raise InvalidationNeedsConfirmation(preview)
    return preview
