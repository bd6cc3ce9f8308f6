"""What one farm task does: a self-contained step reading its inputs from the shared workspace and media
store and writing its outputs there. Each kind calls the library function the local pipeline calls, with
the engines the job was planned with, so a farm never buys anything the cost gate did not approve: clip
tasks go through `video.generate_shot`, which requires the locked cost confirmation, and every paid call
goes through the engine gateway's budget gate."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from aiuteur.engines.registry import Engines
from aiuteur.models.project import Project
from aiuteur.stages.gates import StageError
from aiuteur.store import Store

TaskKind = Literal["frames", "clip", "sound", "film", "export"]
TASK_KINDS: tuple[str, ...] = ("frames", "clip", "sound", "film", "export")


class FarmRefused(StageError):
    """A farm job or task cannot run as asked; the message says what to do first."""


def run_task(store: Store, project: Project, engines: Engines, kind: str, *, scene: int | None = None,
             shot: str | None = None, out: Path | None = None, seed: int = 0) -> str:
    """Run one task; returns a one-line summary for the farm's log."""
    from aiuteur.stages import delivery, frames, sound, video
    from aiuteur.stages.confirm import all_shots

    if kind == "frames":
        if scene is None:
            raise FarmRefused("a frames task needs --scene N")
        made = frames.generate_scene(store, project, engines, scene, seed=seed)
        return f"scene {scene}: frames for {len(made)} shot(s)"
    if kind == "clip":
        found = {s.shot_id: s for s in all_shots(store, project)}
        if shot not in found:
            raise FarmRefused(f"no shot {shot!r} in project {project.name!r}: the job was planned from another shot "
                              "list; plan it again with `aiuteur farm`")
        version = video.generate_shot(store, project, engines, found[shot], seed=seed)
        return f"{shot}: clip v{version.number}"
    if kind == "sound":
        report = sound.generate(store, project, seed=seed)
        return f"sound: {report.spoken} line(s) spoken"
    if kind == "film":
        version = video.assemble(store, project)
        return f"film v{version.number}"
    if kind == "export":
        if out is None:
            raise FarmRefused("an export task needs --out DIR")
        # the versioned package (a new <Title>_v### folder in `out`, built aside and renamed into place), never
        # the quick preview folder: two farm exports into one folder are two packages, not one film over another
        made = delivery.export_project(store, project, Path(out))
        return f"exported {made.name} to {made.path}"
    raise FarmRefused(f"unknown farm task {kind!r}: one of {', '.join(TASK_KINDS)}")
