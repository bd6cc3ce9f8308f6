"""Controlling jobs from outside the runner: cancel, watch progress, resume after a crash.

These are what the CLI (`aiuteur jobs|cancel|resume`), notebooks and Panel call. Cancelling
marks the job and releases its reservation in one transaction, and tells a runner in this
process to stop it at its next step; a runner in another process (or on another machine, on a
PostgreSQL workspace) sees the cancelled row before its next try or poll and stops too.
"""
from __future__ import annotations

import time
from typing import Any, Iterator, Mapping, Sequence

from aiuteur.jobs import service, table
from aiuteur.jobs.models import OPEN, Job, JobCounts
from aiuteur.jobs.runner import JobResult, ProgressFn, Runner, cancel_jobs
from aiuteur.models.project import Project
from aiuteur.store import Store


def cancel(store: Store, project: Project, job_id: str) -> bool:
    """Cancel one job of `project`; False when it had already finished."""
    job = table.get(store, job_id)
    if job.project_id != project.id:
        raise table.JobNotFound(f"job {job_id!r} is not a job of project {project.name!r}")
    return bool(cancel_jobs(store, [job_id]))


def cancel_batch(store: Store, project: Project, batch_id: str) -> list[str]:
    ids = [j.id for j in table.list_jobs(store, project.id, batch_id=batch_id, statuses=OPEN)]
    return cancel_jobs(store, ids)


def cancel_all(store: Store, project: Project) -> list[str]:
    return cancel_jobs(store, [j.id for j in table.pending(store, project.id)])


def progress(store: Store, project: Project, *, batch_id: str | None = None) -> JobCounts:
    """Done/running/queued/failed/cancelled counts, from the table (any process's jobs)."""
    return table.counts(store, project.id, batch_id=batch_id)


def watch(store: Store, project: Project, *, batch_id: str | None = None, interval: float = 0.5,
          timeout: float | None = None) -> Iterator[JobCounts]:
    """Counts now and after each change, until nothing is queued or running (or `timeout`).
    For a notebook cell or a Panel periodic callback while a batch runs in the background."""
    started = time.monotonic()
    last = None
    while True:
        now = progress(store, project, batch_id=batch_id)
        if now != last:
            yield now
            last = now
        if now.open == 0 or (timeout is not None and time.monotonic() - started >= timeout):
            return
        time.sleep(interval)


def resume(store: Store, project: Project, *, engines: Mapping[str, Any] | None = None, runner: Runner | None = None,
           on_progress: ProgressFn | None = None, leave: Sequence[str] = ()) -> list[JobResult]:
    """Finish the jobs a stopped process left open: finished jobs are kept, long-running
    operations are polled by their ids, and nothing with a fulfilled key is requested again.
    A video start that may already be bought is not sent again without consent: its job stays
    open with `RebuyConsentRequired` as its result (see `recovery.resume_project`). `leave`: job
    ids not to run now. Engines come from `engines` (by id) or the registry. Local jobs (an export)
    are not resumed — their process runs them or they are over: one whose process died is failed
    here (`local.settle_orphans`), so it does not stay open for ever."""
    from aiuteur.jobs import local

    local.settle_orphans(store, project)
    open_jobs: list[Job] = [j for j in table.pending(store, project.id)
                            if j.id not in set(leave) and not local.is_local(j)]
    if not open_jobs:
        return []
    return service.run(store, open_jobs, runner=runner, engines=engines, on_progress=on_progress)
