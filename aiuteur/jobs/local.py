"""Local jobs: work this machine does itself (an export), kept in the jobs table beside the paid calls.

A local job is a job row like any other — kind `export`, provider `aiuteur`, engine `aiuteur:export`,
no estimate, no reservation — so `aiuteur jobs` lists it with its progress, `aiuteur cancel` stops it
from any process, and `jobs.progress` / `jobs.watch` count it. It is not run by the asyncio `Runner`:
there is no provider to pace, nothing to pay and nothing to retry, and the work (ffmpeg, adapters)
blocks anyway. The caller runs it in a thread of its choosing with `run(store, job, work)`, and `work`
reports each step through the `StepReport` it is given. Each report:

- reads the row (short of the last step): a job cancelled meanwhile (by this process or another,
  `cancel_jobs`) raises `StepCancelled` from inside the work. That is a `BaseException`, like Ctrl-C,
  on purpose: it passes the work's `except Exception` handlers (an export records its *failures* in
  the history; a cancelled export did not fail) while its `finally` blocks still clean up;
- keeps the progress on the row (`table.set_progress`: `"42% encoding ..."`), at most every
  `PROGRESS_EVERY_S` and always at the last step.

Every write to the row is repeated when it lost a race (`retry_on_conflict`): in one process, a cancel
from another thread (the studio's) and the job's own progress are two connections writing one row.

The row ends done (the work returned), failed (it raised; the error is kept on the row) or cancelled
(cancelled, or the process was interrupted: Ctrl-C, SIGTERM). A cancel that lands after the work's
last step is too late to stop it: like a paid call in flight, the job stays cancelled but its result
is kept. A row left open by a process that died without a word (kill -9, a power cut) is failed by
`settle_orphans` once that process is gone — `control.resume` and `queue` call it; it can only tell
for processes on this host.
"""
from __future__ import annotations

import os
import re
import socket
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from aiuteur.jobs import table
from aiuteur.jobs.errors import JobCancelled
from aiuteur.jobs.models import OPEN, Job
from aiuteur.jobs.queue import new_batch_id
from aiuteur.jobs.runner import _claim, _unclaim, running_here
from aiuteur.models.project import Project
from aiuteur.store import Store, retry_on_conflict
from aiuteur.store.database import utcnow

LOCAL_KINDS: tuple[str, ...] = ("export",)
LOCAL_PROVIDER = "aiuteur"
#: the shortest time between two progress writes to the row (every report still checks for a cancel)
PROGRESS_EVERY_S = 0.25
_PROGRESS = re.compile(r"^(\d{1,3})% (.*)$", re.S)

T = TypeVar("T")


class StepCancelled(BaseException):
    """Raised by a `StepReport` inside the work of a cancelled local job, so the work stops at once.
    A BaseException so no `except Exception` in the work takes it for a failure; `run` turns it into
    `JobCancelled` for the caller."""


@dataclass(frozen=True)
class LocalProgress:
    """A local job's progress as its row keeps it."""

    percent: int
    message: str

    def __str__(self) -> str:
        """How the row keeps it and every view shows it: `42% encoding SC010_SH0010_v003.mp4 (h264)`."""
        return f"{self.percent}% {self.message}"


def engine_of(kind: str) -> str:
    return f"{LOCAL_PROVIDER}:{kind}"


def is_local(job: Job) -> bool:
    return job.kind in LOCAL_KINDS


def progress_of(job: Job) -> LocalProgress | None:
    """The last progress a local job wrote (None before its first step, or for a paid call)."""
    found = _PROGRESS.match(job.operation_id or "") if is_local(job) else None
    return LocalProgress(int(found.group(1)), found.group(2)) if found else None


def queue(store: Store, project: Project, kind: str, *, stage: str, request: dict[str, Any]) -> Job:
    """A queued local job row (its own batch) naming this process, so a row it leaves open if it
    dies can be settled. Orphans of the project are settled first, so the list stays true."""
    if kind not in LOCAL_KINDS:
        raise ValueError(f"unknown local job kind {kind!r}; known: {', '.join(LOCAL_KINDS)}")
    settle_orphans(store, project)
    now = utcnow()
    job_id = f"job_{uuid.uuid4().hex[:16]}"
    job = Job(id=job_id, project_id=project.id, batch_id=new_batch_id(), kind=kind,  # type: ignore[arg-type]
              stage=stage, provider=LOCAL_PROVIDER, engine=engine_of(kind), idempotency_key=f"local:{job_id}",
              request=request, call={"pid": os.getpid(), "host": socket.gethostname()}, status="queued",
              created_at=now, updated_at=now)
    table.insert(store, [job])
    return job


class StepReport:
    """What a local job's work calls at each step: `report(done, total, message)`. A step short of
    the end checks for a cancel first; the last one (`done >= total`) is the work saying it is over —
    what it made is in place — so it is written and never refused."""

    def __init__(self, store: Store, job: Job) -> None:
        self.store = store
        self.job = job
        self._written = float("-inf")

    def __call__(self, done: int, total: int, message: str) -> None:
        last = done >= total
        if not last and table.status_of(self.store, self.job.id) == "cancelled":
            raise StepCancelled(self.job.id)
        now = time.monotonic()
        if last or now - self._written >= PROGRESS_EVERY_S:
            percent = max(0, min(100, round(100 * done / total))) if total > 0 else 0
            retry_on_conflict(lambda: table.set_progress(self.store, self.job.id, str(LocalProgress(percent, message))))
            self._written = now


def run(store: Store, job: Job, work: Callable[[StepReport], T]) -> T:
    """Run `work` in this thread as the local job `job` (see the module docstring) and return what
    it returns. Raises `JobCancelled` when the job was cancelled, and what the work raised otherwise."""
    if not is_local(job):
        raise ValueError(f"job {job.id} is a {job.kind} call, not a local job")
    if not _claim(job.id):
        raise RuntimeError(f"job {job.id} is already running in this process")
    try:
        retry_on_conflict(lambda: table.mark_attempt(store, job.id, job.attempts + 1))
        try:
            if table.status_of(store, job.id) != "running":  # cancelled before it started
                raise StepCancelled(job.id)
            value = work(StepReport(store, job))
        except StepCancelled:
            raise JobCancelled(f"the {job.kind} job {job.id} was cancelled before it finished", job_id=job.id) from None
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            retry_on_conflict(lambda: table.mark_failed(store, job.id, error, None, None))
            raise
        except BaseException:  # Ctrl-C, SIGTERM: the work's `finally` blocks ran; the job did not fail
            note = "interrupted (Ctrl-C or SIGTERM) before it finished"
            retry_on_conflict(lambda: table.mark_cancelled(store, job.id, note))
            raise
        retry_on_conflict(lambda: table.mark_done(store, job.id, None))
        return value
    finally:
        _unclaim(job.id)


def _process_gone(call: dict[str, Any]) -> bool:
    """Whether the process a local job row names has ended (only knowable on its own host, on POSIX,
    where signal 0 asks without touching it)."""
    pid = call.get("pid")
    if os.name != "posix" or not isinstance(pid, int) or call.get("host") != socket.gethostname():
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists (another user's): not gone
        return False
    return False


def settle_orphans(store: Store, project: Project) -> list[str]:
    """Fail the project's open local jobs whose process is gone (killed without a word); their ids.
    A job of this process is never touched (it may be queued, its thread about to run it), nor one
    whose process is on another host."""
    settled = []
    for job in table.list_jobs(store, project.id, statuses=OPEN):
        if is_local(job) and not running_here(job.id) and _process_gone(job.call):
            table.mark_failed(store, job.id, f"the process running this {job.kind} job (pid {job.call.get('pid')}) "
                                             "stopped before it finished; run it again", None, None)
            settled.append(job.id)
    return settled
