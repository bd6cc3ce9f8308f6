"""Resuming a project after a crash: finish its open jobs, then file the clips they made.

`control.resume` finishes jobs; a stage-12 clip also needs its version committed, which is the
video stage's business. This puts the two together for `aiuteur resume`, so a killed video batch
is whole again without re-running the stage (which would adopt the same jobs anyway).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from aiuteur.jobs.control import resume
from aiuteur.jobs.runner import JobResult, ProgressFn, Runner
from aiuteur.models.project import Project
from aiuteur.stages.gates import StageError
from aiuteur.store import Store


@dataclass
class ResumeReport:
    results: list[JobResult] = field(default_factory=list)
    clips_filed: int = 0


def resume_project(store: Store, project: Project, *, engines: Mapping[str, Any] | None = None,
                   runner: Runner | None = None, on_progress: ProgressFn | None = None) -> ResumeReport:
    """Finish open jobs; then, if they made shot clips and the cost confirmation is still fresh,
    commit those clips as stage-12 versions (no engine is called for that)."""
    from aiuteur.stages import video

    results = resume(store, project, engines=engines, runner=runner, on_progress=on_progress)
    report = ResumeReport(results=results)
    finished_video = [r.job for r in results if r.job.kind == "video" and r.job.status == "done"]
    for engine_id in sorted({job.engine for job in finished_video}):
        seeds = tuple(sorted({int(job.request.get("seed", 0)) for job in finished_video if job.engine == engine_id}))
        try:
            report.clips_filed += len(video.adopt_finished(store, project, engine_id, seeds=seeds))
        except StageError:  # the confirmation moved on (an edit since): the clips wait for the next run
            pass
    return report
