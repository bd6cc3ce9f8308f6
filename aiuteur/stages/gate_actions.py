"""The human gates, one call each: what is waiting, the exact command that passes it, and what an
action would invalidate before it is done.

A gate is passed on purpose: `pass_gate(store, project, "shots", scene=3)` is the same call under
the CLI (`aiuteur shots-lock P --scene 3`), the Panel pages and the notebooks. `next_gate` says
which gate the project waits at (what `aiuteur run P --until N` stops at and prints).

An action that would make locked or finished work stale (another treatment variant on a finished
film, a shot or prompt edit once frames or clips exist) is not done silently:
`invalidation_preview` lists the versions that would turn stale (locked ones marked), the shots,
and the money already spent on them, and the acting functions raise
`InvalidationNeedsConfirmation` carrying that preview unless called with `confirm_invalidation=True`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiuteur.models.gates import GateInfo
from aiuteur.models.project import Project
from aiuteur.models.story import TreatmentSet
from aiuteur.models.versions import Version
from aiuteur.stages.gates import StageError, StageOrderError, StaleInputError
from aiuteur.store import Store
from aiuteur.stages.invalidation import (  # noqa: F401  (re-exported: callers import them from here)
    InvalidationNeedsConfirmation, invalidation_preview, require_confirmation,
)


@dataclass(frozen=True)
class Gate:
    stage: int
    gate: str
    title: str
    command: str  # a template: {project}, {scene}, {shot}


GATES: tuple[Gate, ...] = (
    Gate(2, "treatment", "select a treatment variant", "aiuteur treatment-select {project} A"),
    Gate(3, "beats", "confirm the beat sheet", "aiuteur beats-confirm {project}"),
    Gate(4, "script", "approve the master script", "aiuteur script-approve {project}"),
    Gate(5, "assets", "lock the master assets and voices", "aiuteur assets-lock {project}"),
    Gate(7, "shots", "lock each scene's shot list", "aiuteur shots-lock {project} --scene {scene}"),
    Gate(9, "prompts", "review and lock the prompts", "aiuteur prompts-lock {project}"),
    Gate(10, "frames", "approve the start/end frames", "aiuteur frames-approve {project} --scene {scene}"),
    Gate(11, "costs", "confirm the cost estimate", "aiuteur confirm {project} --yes"),
)
BY_GATE = {g.gate: g for g in GATES}
#: artifacts that cost media to make: invalidating them always asks


def _gate(slug: str) -> Gate:
    if slug not in BY_GATE:
        raise StageError(f"no gate {slug!r}: the gates are {', '.join(BY_GATE)}")
    return BY_GATE[slug]


def _info(project: Project, slug: str, waiting: str, *, scene: int | None = None, shot_id: str | None = None,
          command: str | None = None) -> GateInfo:
    gate = _gate(slug)
    return GateInfo(stage=gate.stage, gate=slug, title=gate.title, waiting=waiting,  # type: ignore[arg-type]
                    command=command or gate.command.format(project=project.name, scene=scene, shot=shot_id),
                    scene=scene, shot_id=shot_id)


# -- where the project waits -------------------------------------------------------------------------
def waiting_at(store: Store, project: Project, gate: str) -> GateInfo | None:
    """The gate, if work is there for a person to pass and it is not passed; None when passed or
    when there is nothing to pass yet (the stage has not run, or its inputs are stale: the
    pipeline remakes them first)."""
    _gate(gate)
    try:
        return _waiting_at(store, project, gate)
    except (StaleInputError, StageOrderError):
        return None


def _waiting_at(store: Store, project: Project, gate: str) -> GateInfo | None:
    from aiuteur.stages import assets, confirm, shots, voices

    if gate in ("treatment", "beats", "script"):
        head = store.head(project, gate)
        if head is None or head.status == "locked":
            return None
        if gate == "treatment":
            ts = head.model(TreatmentSet)
            names = ", ".join(v.variant for v in ts.variants)
            return _info(project, gate, f"{len(ts.variants)} treatment variants ({names}), none selected")
        return _info(project, gate, f"{head.label} is a draft")
    if gate == "assets":
        roster = store.head(project, assets.KEY)
        if roster is None:
            return None
        drafts = [v.artifact_key for v in store.heads(project, assets.PREFIX).values() if v.status != "locked"]
        drafts += [v.artifact_key for v in voices.all_voices(store, project).values() if v.status != "locked"]
        if roster.status == "locked" and not drafts:
            return None
        return _info(project, gate, f"{len(drafts) + (roster.status != 'locked')} asset/voice version(s) are drafts")
    if gate == "shots":
        if store.head(project, "script") is None:
            return None
        for scene in shots.scenes(store, project):
            head = store.head(project, shots.key(scene))
            if head is not None and head.status != "locked":
                problems = shots.check(store, project, scene)
                return _info(project, gate, f"scene {scene}'s shot list is a draft"
                             + (f" with {len(problems)} problem(s)" if problems else ""), scene=scene)
        return None
    if gate == "prompts":
        return _prompts_waiting(store, project)
    if gate == "frames":
        return _frames_waiting(store, project)
    if gate == "costs":
        head = store.head(project, confirm.KEY)
        if head is None:
            return None
        if head.status == "locked" and store.staleness(head).status == "fresh":
            return None
        why = "stale: prompts or frames changed since it was approved" if head.status == "locked" else "not approved"
        return _info(project, gate, f"the cost estimate is {why}")
    _gate(gate)
    return None


def _prompts_waiting(store: Store, project: Project) -> GateInfo | None:
    from aiuteur.stages import prompts

    heads = store.heads(project, "shot/")
    if not any(k.endswith("/prompt") and v.status != "locked" for k, v in heads.items()):
        return None
    cards = prompts.list_prompts(store, project)
    for card in cards:
        if card.state == "edited, stale":
            return _info(project, "prompts", f"{card.shot_id}: inputs changed under a hand edit",
                         shot_id=card.shot_id, command=f"aiuteur prompt-resolve {project.name} {card.shot_id} keep")
    for card in cards:
        if card.problems:
            return _info(project, "prompts", card.problems[0], shot_id=card.shot_id,
                         command=f"aiuteur prompt-edit {project.name} {card.shot_id} --frame TEXT")
    drafts = [c for c in cards if c.state != "locked"]
    if not drafts:
        return None
    return _info(project, "prompts", f"{len(drafts)} prompt(s) not locked")


def _frames_waiting(store: Store, project: Project) -> GateInfo | None:
    """Waiting while frames exist and stage 10 is not locked (every frame approved: H2's
    `frames.frames_locked`; without it, frames need no approval)."""
    from aiuteur.stages import frames, shots

    frames_locked = getattr(frames, "frames_locked", None)
    if frames_locked is None or not any(k.endswith("/frames") for k in store.heads(project, "shot/")):
        return None
    if frames_locked(store, project):
        return None
    cards_of = getattr(frames, "frame_cards", None)
    for scene in shots.scenes(store, project):
        if cards_of is None:
            return _info(project, "frames", "frames are not approved", scene=scene)
        try:
            cards = cards_of(store, project, scene)
        except StageError:
            continue
        pending = [c for c in cards if getattr(c, "state", "approved") == "pending"]  # missing/stale: stage 10 runs
        if pending:
            return _info(project, "frames", f"scene {scene}: {len(pending)} shot(s) with frames not approved",
                         scene=scene, shot_id=pending[0].shot_id)
    return None


def next_gate(store: Store, project: Project) -> GateInfo | None:
    """The first gate, in stage order, that waits for a person (None: nothing waits)."""
    for gate in GATES:
        found = waiting_at(store, project, gate.gate)
        if found is not None:
            return found
    return None


def gate_table(store: Store, project: Project) -> list[dict[str, Any]]:
    """Every gate with whether it waits now and the command (what `aiuteur gates P` prints)."""
    rows = []
    for gate in GATES:
        found = waiting_at(store, project, gate.gate)
        rows.append({"stage": gate.stage, "gate": gate.gate, "title": gate.title, "waiting": found is not None,
                     "what": found.waiting if found else "", "command": found.command if found else
                     gate.command.format(project=project.name, scene="N", shot="SHOT")})
    return rows


# -- passing a gate ----------------------------------------------------------------------------------
def pass_gate(store: Store, project: Project, gate: str, *, author: str = "user", **choice: Any) -> list[Version]:
    """Pass one gate (the versions written). Choices: treatment `variant` (A/B/C or 0..2,
    `confirm_invalidation`); shots `scene` (default: every draft scene), `force`; prompts and
    frames `shot_id` or `scene`; costs `engines`, `budget_usd`."""
    from aiuteur.stages import assets, beats, confirm, frames, prompts, script, shots, voices

    _gate(gate)
    if gate == "treatment":
        return [select_treatment(store, project, choice.get("variant", 0), author=author,
                                 confirm_invalidation=bool(choice.get("confirm_invalidation", False)))]
    if gate == "beats":
        return [beats.confirm(store, project, author=author)[0]]
    if gate == "script":
        return [script.approve(store, project, author=author)]
    if gate == "assets":
        with store.db.transaction():
            return [assets.lock(store, project, author=author), *voices.lock(store, project, author=author)]
    if gate == "shots":
        scene = choice.get("scene")
        numbers = [scene] if scene is not None else [n for n in shots.scenes(store, project)
                                                       if (h := store.head(project, shots.key(n))) is not None
                                                       and h.status != "locked"]
        return [shots.lock(store, project, n, author=author, force=bool(choice.get("force", False))) for n in numbers]
    if gate == "prompts":
        return prompts.lock_prompts(store, project, shot_id=choice.get("shot_id"), author=author)
    if gate == "frames":
        approve = getattr(frames, "approve_frames", None)
        if approve is None:
            raise StageError("frames need no approval in this version")
        return [approve(store, project, shot_id, author=author) for shot_id in _shot_ids(store, project, choice)]
    waiting = _frames_waiting(store, project)
    if waiting is not None:
        raise StageError(f"the frames are not approved yet ({waiting.waiting}): {waiting.command} first")
    engines = choice.get("engines")
    if engines is None:
        from aiuteur.engines.config import engines_for

        engines = engines_for(store, project)
    return [confirm.confirm(store, project, engines, approve=True, author=author, budget_usd=choice.get("budget_usd"))]


def _shot_ids(store: Store, project: Project, choice: dict[str, Any]) -> list[str]:
    from aiuteur.stages.confirm import all_shots

    if choice.get("shot_id"):
        return [choice["shot_id"]]
    scene = choice.get("scene")
    ids = [s.shot_id for s in all_shots(store, project) if scene is None or s.scene == scene]
    heads = store.heads(project, "shot/")
    return [sid for sid in ids if f"shot/{sid}/frames" in heads]


def variant_index(ts: TreatmentSet, variant: int | str) -> int:
    """A variant by letter (A, B, C) or index (0..n-1)."""
    if isinstance(variant, str) and not variant.strip().isdigit():
        letters = [v.variant.upper() for v in ts.variants]
        if variant.strip().upper() not in letters:
            raise StageError(f"no treatment variant {variant!r}: choose {', '.join(letters)}")
        return letters.index(variant.strip().upper())
    index = int(variant)
    if not 0 <= index < len(ts.variants):
        raise StageError(f"there are {len(ts.variants)} treatment variants; choose 0..{len(ts.variants) - 1}")
    return index


def select_treatment(store: Store, project: Project, variant: int | str, *, author: str = "user",
                     confirm_invalidation: bool = False) -> Version:
    """Select a treatment variant (passes stage 2). Choosing another variant once work was made
    from the selected one asks first (`InvalidationNeedsConfirmation`)."""
    from aiuteur.stages import treatment

    head = store.require_head(project, treatment.KEY)
    ts = head.model(TreatmentSet)
    index = variant_index(ts, variant)
    if head.status == "locked" and ts.selected == index:
        return head
    if head.status == "locked" and ts.selected is not None:
        require_confirmation(store, project, "select-treatment", confirm_invalidation,
                             label=f"selecting variant {ts.variants[index].variant} instead of "
                                   f"{ts.variants[ts.selected].variant}")
    return treatment.select(store, project, index, author=author)


def edit_shot(store: Store, project: Project, scene: int, shot_id: str, changes: dict[str, Any], *,
              author: str = "user", confirm_invalidation: bool = False) -> Version:
    """`shots.edit_shot`, asking first when frames or clips were made from the scene's shot list."""
    from aiuteur.stages import shots

    require_confirmation(store, project, "edit-shot", confirm_invalidation, scene=scene, shot_id=shot_id)
    return shots.edit_shot(store, project, scene, shot_id, changes, author=author)


