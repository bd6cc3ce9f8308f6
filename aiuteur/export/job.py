"""The delivery export as a job: what `aiuteur export` and the studio's Delivery page run.

    job = queue_export(store, project, Path("deliveries"), codec="prores")   # the row, queued
    result = run_export(store, job, progress=print)     # in this thread -> PackageResult
    result = export_as_job(store, project, Path("deliveries"), progress=print)  # both (the CLI)
    running = BackgroundExport(workspace, "lighthouse", Path("deliveries"))      # in a thread (the studio)
    running.progress, running.done, running.wait(), running.cancel()

The export is a local job (`aiuteur.jobs.local`): a row of the jobs table, kind `export`, stage
`delivery`, engine `aiuteur:export`, no cost. `aiuteur jobs P` lists it with its progress (`42%
encoding SC010_SH0010_v003.mp4 (h264)`); `aiuteur cancel P JOB` from any process stops it at its next
step. The work is `aiuteur.stages.delivery.export_project` as before — the package built in a hidden
temporary folder and moved into place at the end, the export history recorded — so a cancelled export
leaves no package, no temporary folder and no history entry (the cancel comes out of a progress
report as a BaseException, which the history's `except Exception` does not record, while every
`finally` cleans up). The last check is the step just before the package is moved into place; a
cancel after it is too late, and the export completes (its job row stays cancelled, as a paid call
cancelled in flight does).

This module sits above `package.py`: it uses the store (through `aiuteur.stages.delivery`), so
`aiuteur.export` does not import it; callers import `aiuteur.export.job`.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiuteur.export.package import PackageOptions, PackageProgress, PackageResult, ProgressFn
from aiuteur.jobs import local
from aiuteur.jobs.errors import JobCancelled

if TYPE_CHECKING:  # pragma: no cover
    from aiuteur.jobs.models import Job
    from aiuteur.models.project import Project
    from aiuteur.store import Store

EXPORT_KIND = "export"
EXPORT_STAGE = "delivery"


def queue_export(store: "Store", project: "Project", to: Path, *, codec: str = "h264", resolution: str | None = None,
                 handles: int | None = None, formats: list[str] | None = None) -> "Job":
    """The export's job row, queued: its options and destination are the row's request. The options'
    form is checked first (an unknown codec, negative handles: refused with no row and no history
    entry, as before there were jobs); anything found wrong later fails the job and is recorded."""
    checked = PackageOptions(codec=codec, resolution=resolution, handles=handles, formats=formats)
    request = {"to": str(Path(to).absolute()), **checked.model_dump(mode="json")}
    return local.queue(store, project, EXPORT_KIND, stage=EXPORT_STAGE, request=request)


def run_export(store: "Store", job: "Job", *, progress: ProgressFn | None = None) -> PackageResult:
    """Run a queued export job in this thread: each step goes on the job row (and to `progress`).
    Raises `JobCancelled` when it was cancelled (nothing written, nothing recorded), and what the
    export raised when it failed (recorded in the history as before)."""
    from aiuteur.stages import delivery

    options: dict[str, Any] = dict(job.request)
    to = Path(options.pop("to"))
    project = store.get_project(job.project_id)

    def work(report: local.StepReport) -> PackageResult:
        def step(at: PackageProgress) -> None:
            report(at.done, at.total, at.message)  # raises first when the job was cancelled
            if progress is not None:
                progress(at)

        return delivery.export_project(store, project, to, progress=step, **options)

    try:
        return local.run(store, job, work)
    except JobCancelled:
        raise JobCancelled(f"export {job.id} was cancelled: no package was written to {to} and the export history "
                           "is unchanged", job_id=job.id) from None


def export_as_job(store: "Store", project: "Project", to: Path, *, progress: ProgressFn | None = None,
                  **options: Any) -> PackageResult:
    """`queue_export` then `run_export`, in this thread: what `aiuteur export` does."""
    return run_export(store, queue_export(store, project, to, **options), progress=progress)


class BackgroundExport:
    """An export job running in a thread of this process: what the Delivery page's Export button and
    the notebooks start.

    Given a workspace (path or URL), the thread opens it itself as `user`; given an open `Store`, the
    thread uses that store (its writes go through the store's lock). The row is queued before this
    returns (`job`: its id is in `aiuteur jobs` at once; a bad option or an unknown project raises
    here). `progress` is the latest `PackageProgress`; `done`, `wait()` (the `PackageResult`, or raises
    what the export raised: `JobCancelled` when cancelled) and `cancel()` (through the job row, as
    `aiuteur cancel` would from another process)."""

    def __init__(self, workspace: "Store | str | Path", project: "Project | str", to: Path, *,
                 user: str | None = None, **options: Any) -> None:
        from aiuteur.store import Store

        self._store = workspace if isinstance(workspace, Store) else None
        self.workspace = None if self._store is not None else workspace
        self.user = user
        with self._session() as store:
            found = store.get_project(project if isinstance(project, str) else project.id)
            self.job = queue_export(store, found, to, **options)
        self.progress: PackageProgress | None = None
        self.result: PackageResult | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"aiuteur-export-{self.job.id}", daemon=True)
        self._thread.start()

    def _session(self):
        """The store to use: the caller's open one (left open), or the workspace opened for a while."""
        from contextlib import nullcontext

        from aiuteur.store import open_store

        return nullcontext(self._store) if self._store is not None else open_store(self.workspace, user=self.user)

    @property
    def job_id(self) -> str:
        return self.job.id

    def _run(self) -> None:
        try:
            with self._session() as store:
                self.result = run_export(store, self.job, progress=self._tell)
        except BaseException as exc:  # noqa: BLE001 — kept for wait() to raise in the caller
            self.error = exc

    def _tell(self, step: PackageProgress) -> None:
        self.progress = step

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> PackageResult:
        """The `PackageResult`; raises what the export raised."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"export {self.job.id} still running after {timeout} s")
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result

    def cancel(self) -> bool:
        """Cancel the job (it stops at its next step); False when it had already finished."""
        from aiuteur.jobs.runner import cancel_jobs
        from aiuteur.store import retry_on_conflict

        with self._session() as store:  # the job's thread writes the same row
            return bool(retry_on_conflict(lambda: cancel_jobs(store, [self.job.id])))
