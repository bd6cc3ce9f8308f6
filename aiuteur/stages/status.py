"""Where a project stands: each stage's state (not started, draft, locked, done, stale) and versions."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from aiuteur.models.project import Project
from aiuteur.models.versions import Staleness
from aiuteur.stages.catalog import STAGES, is_setting, stage_for_key
from aiuteur.store import Store

#: stages whose gate is a lock; the others are "done" once they have output
LOCKING = {"input", "treatment", "beats", "script", "assets", "shots", "confirm"}


class StageStatus(BaseModel):
    number: int
    slug: str
    title: str
    state: Literal["not started", "draft", "locked", "done", "stale"]
    artifacts: int
    versions: int
    reasons: list[str] = []
    imported: bool = False  # passed by import (stage 1's import mode), not generated
    heads: list[str] = []  # the current versions, e.g. "beats v7" (earlier ones stay readable)
    answer_flags: list[str] = []  # to check in the engines' answers: "scene/1/shots: SC010_SH0020: duration: ..."


def project_status(store: Store, project: Project) -> list[StageStatus]:
    heads = store.heads(project)
    counts = store.version_counts(project)
    memo: dict[str, Staleness] = {}
    grouped: dict[str, list] = {s.slug: [] for s in STAGES}
    for key, version in heads.items():
        if not is_setting(key):  # settings (e.g. the engine choice) are not a stage
            grouped[stage_for_key(key).slug].append(version)
    out = []
    for stage in STAGES:
        versions = grouped[stage.slug]
        reasons = [r for v in versions for r in store.staleness(v, memo).reasons]
        if not versions:
            state = "not started"
        elif reasons:
            state = "stale"
        elif stage.slug in LOCKING:
            state = "locked" if all(v.status == "locked" for v in versions) else "draft"
        else:
            state = "done"
        out.append(StageStatus(
            number=stage.number, slug=stage.slug, title=stage.title, state=state, artifacts=len(versions),
            versions=sum(counts.get(v.artifact_key, 0) for v in versions), reasons=reasons[:5],
            imported=bool(versions) and all(v.kind == "imported" for v in versions),
            heads=[v.label for v in versions[:20]],
            answer_flags=[f"{v.artifact_key}: {f['item']}: {f['field']}: {f['problem']}"
                          for v in versions for f in v.payload.get("answer_flags", [])][:50],
        ))
    return out
