"""The process's job service: one runner on one background event loop, for every caller.

Why a background loop: per-provider limits only mean something if every call in the process
shares them, and callers come from everywhere — a plain script, a Jupyter kernel (which already
runs an event loop in its main thread, so `asyncio.run` is not allowed there), Panel's server
loop, worker threads. They all hand their jobs to this loop and wait on a future, so the same
limits hold across them and no caller needs to know about asyncio.
"""
from __future__ import annotations

import asyncio
import queue as queue_module
import threading
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any, Coroutine, Iterator, Mapping, Sequence

from pydantic import BaseModel

from aiuteur.jobs.models import Job
from aiuteur.jobs.runner import JobResult, ProgressFn, Runner, cancel_jobs
from aiuteur.store import Store

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None
_runner: Runner | None = None


def _background_loop() -> asyncio.AbstractEventLoop:
    global _loop, _thread
    with _lock:
        if _loop is None or not _thread or not _thread.is_alive():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="aiuteur-jobs", daemon=True)
            thread.start()
            _loop, _thread = loop, thread
        return _loop


def default_runner() -> Runner:
    """The process's runner; its limits come from `set_limits` and the environment."""
    global _runner
    with _lock:
        if _runner is None:
            _runner = Runner()
        return _runner


@contextmanager
def using(runner: Runner) -> Iterator[Runner]:
    """Make `runner` the process's runner for a while (tests: a runner with a `FakeClock`)."""
    global _runner
    with _lock:
        previous, _runner = _runner, runner
    try:
        yield runner
    finally:
        with _lock:
            _runner = previous


def submit(coro: Coroutine[Any, Any, Any]) -> Future:
    """Run a coroutine on the job loop; wait on the returned future from any thread."""
    loop = _background_loop()
    if threading.current_thread() is _thread:
        coro.close()
        raise RuntimeError("a job callback must not wait for jobs itself (it runs on the job loop)")
    return asyncio.run_coroutine_threadsafe(coro, loop)


def run(store: Store, jobs: Sequence[Job | str], *, runner: Runner | None = None, engines: Mapping[str, Any] | None = None,
        schemas: Mapping[str, type[BaseModel]] | None = None, on_progress: ProgressFn | None = None) -> list[JobResult]:
    """Run jobs to their end and return their results (blocking; usable from any thread)."""
    return list(run_iter(store, jobs, runner=runner, engines=engines, schemas=schemas, on_progress=on_progress))


def run_iter(store: Store, jobs: Sequence[Job | str], *, runner: Runner | None = None,
             engines: Mapping[str, Any] | None = None, schemas: Mapping[str, type[BaseModel]] | None = None,
             on_progress: ProgressFn | None = None) -> Iterator[JobResult]:
    """Start running the jobs now, and return an iterator of results as each job ends, in the
    caller's thread (so the caller commits versions and draws progress there). The jobs run
    whether or not it is iterated; stopping early while iterating — an exception, Ctrl-C in a
    notebook — cancels what is left."""
    runner = runner or default_runner()
    ids = list(dict.fromkeys(j if isinstance(j, str) else j.id for j in jobs))
    finished: queue_module.Queue[JobResult | BaseException] = queue_module.Queue()
    future = submit(runner.run(store, ids, engines=engines, schemas=schemas, on_progress=on_progress,
                               on_done=finished.put))

    def crashed(done: Future) -> None:  # the run itself failed (not a job): wake the waiting caller
        if not done.cancelled() and done.exception() is not None:
            finished.put(done.exception())

    future.add_done_callback(crashed)
    return _collect(store, ids, future, finished)


def _collect(store: Store, ids: list[str], future: Future,
             finished: "queue_module.Queue[JobResult | BaseException]") -> Iterator[JobResult]:
    seen = 0
    try:
        while seen < len(ids):
            item = finished.get()
            if isinstance(item, BaseException):
                raise item
            seen += 1
            yield item
        future.result()
        from aiuteur.notify import sweep_after_jobs

        sweep_after_jobs(store, ids)  # batch finished or failed -> history, toasts, hooks (never raises)
    except BaseException:
        if not future.done():
            cancel_jobs(store, ids, note="the caller stopped waiting")
        raise
