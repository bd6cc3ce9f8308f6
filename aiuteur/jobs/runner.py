"""The asyncio job runner: per-provider limits, retries, cancellation, progress, resume.

Engines are synchronous (SDK calls block), so each call runs in the runner's thread pool while
the event loop keeps the bookkeeping: which provider slot is free, when the next request may
start, which job waits for a retry, which was cancelled. A video engine that offers
`start(request) -> operation_id` and `poll(operation_id) -> MediaResult | None` is driven as a
long-running operation: the operation id is written to the job row the moment the provider names
it, so a process killed mid-batch is followed by one that *polls* the operation rather than
paying for it again. Engines with only `video()` are called like any other.

Two things keep the runner honest about what it bought:

- every image or clip an engine returns is checked (`aiuteur.engines.output_check`) before it is
  stored: one that does not decode, has the wrong size or the wrong length is `OutputRejected` —
  billed, retried within the retry policy, never a fulfilled generation;
- a video start is marked on the job row (`start_sent_at`) before it is sent and unmarked when
  its answer is saved. A start left marked (the process died, or the start got no answer) may have
  been bought: it is looked up at the provider when the engine can `find(request)`, and otherwise
  not sent again until the user consents (`RebuyConsentRequired`; `aiuteur resume`).

Every job ends in exactly one transaction that writes its generation row (through the gateway),
settles its ledger reservation, and marks the job: a kill at any instant leaves nothing half done.
"""
from __future__ import annotations

import asyncio
import contextvars
import inspect
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any, Callable, Mapping, Sequence

from pydantic import BaseModel
from tenacity import RetryCallState

from aiuteur import tracing
from aiuteur.costs import ledger
from aiuteur.engines import output_check, records
from aiuteur.engines.errors import (
    ProviderTimeout, billed_usage, describe, is_operation_failed, is_rate_limit, is_retryable, provider_reason,
)
from aiuteur.engines.protocols import EngineError
from aiuteur.engines.registry import get_engine
from aiuteur.jobs import table
from aiuteur.jobs.clock import Clock, SystemClock
from aiuteur.jobs.errors import JobCancelled, JobFailed, RebuyConsentRequired, UncertainStart
from aiuteur.jobs.limits import ProviderLimits, RetryPolicy, limits_for
from aiuteur.jobs.models import OPEN, STATUSES, Job, JobCounts
from aiuteur.jobs.retry import retrying
from aiuteur.jobs.throttle import ProviderThrottle
from aiuteur.store import Store
from aiuteur.store.database import utcnow

ProgressFn = Callable[[JobCounts], None]


@dataclass
class JobResult:
    """A job as it ended, with the in-process error (if this process ran it) and value."""

    job: Job
    error: BaseException | None = None
    value: Any = None
    cached: bool = False  # finished without a new call (already paid, or already done)

    def as_error(self) -> EngineError:
        job = self.job
        if isinstance(self.error, RebuyConsentRequired):  # left open, waiting for the user's decision
            return self.error
        if job.status == "cancelled":
            return JobCancelled(f"{job.engine} call in stage {job.stage} was cancelled (job {job.id})", job_id=job.id)
        failed = JobFailed(f"{job.engine} failed in stage {job.stage}: {job.error or self.error}", job_id=job.id,
                           reason=job.provider_reason)
        failed.__cause__ = self.error
        return failed


# -- process-wide state: which jobs this process is running, and which were asked to stop --------
_lock = threading.Lock()
_claimed: set[str] = set()
_cancel_requested: set[str] = set()
_wakeups: dict[str, list[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}


def request_cancel(job_id: str) -> None:
    """Tell a runner in this process to stop the job at its next step (a call in flight finishes)."""
    with _lock:
        _cancel_requested.add(job_id)
        waiters = list(_wakeups.get(job_id, []))
    for loop, event in waiters:
        try:
            loop.call_soon_threadsafe(event.set)
        except RuntimeError:  # that loop is closed
            pass


def cancel_jobs(store: Store, job_ids: Sequence[str], *, note: str = "cancelled by the user") -> list[str]:
    """Cancel the open jobs among `job_ids`; the ids actually cancelled. Finished jobs are kept.
    (Here, beside `request_cancel`, because both `jobs.control` and `jobs.service` cancel.)"""
    cancelled = []
    for job_id in job_ids:
        with store.db.transaction():
            job = table.get(store, job_id)
            if table.mark_cancelled(store, job_id, note):
                ledger.release(store, job.project_id, job_id, job.engine, note=note)
                cancelled.append(job_id)
        request_cancel(job_id)
    return cancelled


def _claim(job_id: str) -> bool:
    with _lock:
        if job_id in _claimed:
            return False
        _claimed.add(job_id)
        return True


def running_here(job_id: str) -> bool:
    """Whether a runner in this process is running the job now (its start is not lost, only in flight)."""
    with _lock:
        return job_id in _claimed


def _unclaim(job_id: str) -> None:
    with _lock:
        _claimed.discard(job_id)
        _cancel_requested.discard(job_id)


def supports_operations(engine: Any) -> bool:
    """A long-running video engine: `start(request)` and `poll(operation_id)`."""
    return callable(getattr(engine, "start", None)) and callable(getattr(engine, "poll", None))


def can_find(engine: Any) -> bool:
    """An operation engine whose provider can be searched: `find(request) -> operation_id | None`
    answers whether the provider already has an operation for this request (the one a dead process
    started), None meaning it has none. Optional; engines whose provider lists nothing omit it."""
    return supports_operations(engine) and callable(getattr(engine, "find", None))


def start_unanswered(exc: BaseException) -> bool:
    """Whether a start that raised `exc` may still have been made at the provider: no answer came
    (a timeout, a dropped connection: retryable and no HTTP status), the provider accepted it but
    its answer was unreadable (a 2xx), or a gateway timed out (408, 504). An HTTP error answer
    means nothing was made."""
    status = getattr(exc, "status", None)
    if status is None:
        return is_retryable(exc)
    return status < 400 or status in (408, 504)


def _accepts_key(fn: Callable) -> bool:
    try:
        return "idempotency_key" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _invoke(engine: Any, kind: str, request: BaseModel, schema: type[BaseModel] | None) -> Any:
    if kind == "text":
        return engine.write(request, schema)
    if kind == "image":
        return engine.image(request)
    if kind == "speech":
        return engine.speak(request)
    if kind == "music":
        return engine.compose(request)
    return engine.video(request)


def _poll(engine: Any, operation_id: str, request: BaseModel) -> Any:
    """Engines whose `poll` takes the request use it for exact usage and notes."""
    try:
        takes_request = "request" in inspect.signature(engine.poll).parameters
    except (TypeError, ValueError):
        takes_request = False
    return engine.poll(operation_id, request=request) if takes_request else engine.poll(operation_id)


def _poll_checked(engine: Any, operation_id: str, request: BaseModel, job: Job) -> Any:
    """A poll; a finished operation's clip is checked before it counts (`OutputRejected` marks the
    operation unusable, so a retry starts a new one)."""
    result = _poll(engine, operation_id, request)
    if result is not None:
        output_check.check_result(job.kind, job.engine, request, result)
    return result


def find_operation(engine: Any, request: BaseModel) -> tuple[bool, str | None]:
    """(searched, operation id) for a start that may have been made: searched is False when the
    engine cannot look (no `find`); a failing look-up raises."""
    if not can_find(engine):
        return False, None
    found = engine.find(request)
    return True, (str(found) if found else None)


def _start(engine: Any, request: BaseModel, key: str) -> str:
    """Providers that take an idempotency key get ours: a start repeated after a crash in the
    instant before its operation id was saved is then answered with the same operation."""
    if _accepts_key(engine.start):
        return str(engine.start(request, idempotency_key=key))
    return str(engine.start(request))


@dataclass
class _Boxed:
    """An engine's exception carried out of the worker thread, so the runner's own timeout
    (asyncio's TimeoutError) is never confused with one the engine raised."""

    exc: BaseException


def _boxed(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except Exception as exc:
        return _Boxed(exc)


@dataclass(frozen=True)
class _Prepared:
    """What a batch reads once for all its jobs, so a 64-job batch starts with a few queries."""

    job: Job
    project: Any
    maybe_paid: bool


@dataclass
class _State:
    job: Job
    attempts: int
    operation_id: str | None
    attempt_started: float = 0.0
    start_uncertain: bool = False  # a start went out and no answer came back: look before starting again


class Runner:
    """Runs jobs. One runner per process is the norm (`aiuteur.jobs.service.default_runner`) so its
    per-provider limits hold across every caller; tests build their own with a `FakeClock`.

    `limits`: per-provider limits (None: `limits_for`, i.e. `set_limits` and the environment).
    """

    def __init__(self, *, limits: Mapping[str, ProviderLimits] | None = None, default_limits: ProviderLimits | None = None,
                 retry: RetryPolicy | None = None, clock: Clock | None = None, max_threads: int = 64) -> None:
        self._limits = dict(limits) if limits is not None else None
        self._default_limits = default_limits
        self.retry = retry or RetryPolicy()
        self.clock = clock or SystemClock()
        self._pool = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="aiuteur-job")
        self._throttles: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, ProviderThrottle]]" = \
            weakref.WeakKeyDictionary()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def limits(self, provider: str) -> ProviderLimits:
        if self._limits is not None and provider in self._limits:
            return self._limits[provider]
        if self._default_limits is not None:
            return self._default_limits
        return limits_for(provider)

    def throttle(self, provider: str) -> ProviderThrottle:
        """The provider's throttle in the running loop (asyncio primitives belong to one loop)."""
        loop = asyncio.get_running_loop()
        per_loop = self._throttles.setdefault(loop, {})
        if provider not in per_loop:
            per_loop[provider] = ProviderThrottle(self.limits(provider), self.clock)
        return per_loop[provider]

    # -- running a set of jobs ------------------------------------------------------------------
    async def run(self, store: Store, jobs: Sequence[Job | str], *, engines: Mapping[str, Any] | None = None,
                  schemas: Mapping[str, type[BaseModel]] | None = None, on_progress: ProgressFn | None = None,
                  on_done: Callable[[JobResult], None] | None = None) -> list[JobResult]:
        """Run `jobs` to an end (done, failed or cancelled); results in the order given.

        Engines come from `engines` (by engine id) or else the registry, resolved before anything
        runs, so a job whose engine is unknown stops the run with a clear error, not a failed job.
        """
        ids = [j if isinstance(j, str) else j.id for j in jobs]
        by_id = table.get_many(store, ids)
        loaded = [by_id[i] for i in ids]
        unique = list(by_id.values())
        maybe_paid = records.paid_keys(store, [j.idempotency_key for j in unique])
        projects = {pid: store.get_project(pid) for pid in {j.project_id for j in unique}}
        resolved: dict[str, Any] = {}
        for job in unique:
            if job.status in OPEN and job.engine not in resolved:
                resolved[job.engine] = (engines or {}).get(job.engine) or get_engine(job.kind, job.engine)
        statuses = {job.id: job.status for job in unique}

        def report(job_id: str, status: str) -> None:
            statuses[job_id] = status
            if on_progress is not None:
                on_progress(JobCounts(**{s: sum(1 for v in statuses.values() if v == s) for s in STATUSES}))

        async def one(job: Job) -> JobResult:
            prepared = _Prepared(job, projects[job.project_id], job.idempotency_key in maybe_paid)
            result = await self._run_job(store, prepared, resolved.get(job.engine), (schemas or {}).get(job.id), report)
            report(job.id, result.job.status)
            if on_done is not None:
                on_done(result)
            return result

        done = await asyncio.gather(*(one(job) for job in unique))
        results = {r.job.id: r for r in done}
        return [results[j.id] for j in loaded]

    async def _run_job(self, store: Store, prepared: "_Prepared", engine: Any, schema: type[BaseModel] | None,
                       report: Callable[[str, str], None]) -> JobResult:
        job = prepared.job
        if not _claim(job.id):  # another caller in this process is running it: wait for its end
            return JobResult(await self._wait_elsewhere(store, job.id), cached=True)
        try:
            if job.status in OPEN and table.status_of(store, job.id) != job.status:
                prepared = _Prepared(table.get(store, job.id), prepared.project, prepared.maybe_paid)
            return await self._run_claimed(store, prepared, engine, schema, report)
        finally:
            _unclaim(job.id)

    async def _run_claimed(self, store: Store, prepared: "_Prepared", engine: Any, schema: type[BaseModel] | None,
                           report: Callable[[str, str], None]) -> JobResult:
        job = prepared.job
        if job.status not in OPEN:
            return JobResult(job, cached=True)
        paid = records.already_paid(store, job.kind, job.idempotency_key) if prepared.maybe_paid else None
        if paid is not None:  # e.g. finished by a process that died before marking the job
            with store.db.transaction():
                ledger.reconcile(store, job.project_id, job.id, job.engine, 0.0, generation_id=paid.id,
                                 note=f"already paid by {paid.id}")
                table.mark_done(store, job.id, paid.id)
            return JobResult(table.get(store, job.id), cached=True)
        if job.kind == "text" and schema is None:
            schema = records.load_schema(job.call["schema"])
        request = records.REQUESTS[job.kind].model_validate(job.request)
        project = prepared.project
        inputs = {"prompt": records.rendered_prompt(job.kind, request), "job": job.id,
                  "params": request.model_dump(mode="json", exclude={"prompt", "system", "context"})}
        with tracing.span(project, job.stage, job.engine, job.kind, inputs) as span:
            result = await self._execute(store, job, engine, request, schema, report, span.trace_id)
            span.outputs.update(status=result.job.status, generation=result.job.generation_id,
                                error=result.job.error if result.job.status != "done" else None)
        return result

    async def _execute(self, store: Store, job: Job, engine: Any, request: BaseModel, schema: type[BaseModel] | None,
                       report: Callable[[str, str], None], trace_id: str | None) -> JobResult:
        limits, throttle = self.limits(job.provider), self.throttle(job.provider)
        state = _State(job=job, attempts=job.attempts, operation_id=job.operation_id,
                       start_uncertain=job.start_sent_at is not None)
        try:
            if job.next_attempt_at is not None:  # a retry time set by an earlier process still holds
                wait = (job.next_attempt_at - utcnow()).total_seconds()
                if wait > 0:
                    await self._sleep(job.id, wait)

            async def before_sleep(retry_state: RetryCallState) -> None:
                exc = retry_state.outcome.exception() if retry_state.outcome else None
                delay = retry_state.next_action.sleep if retry_state.next_action else 0.0
                after = getattr(exc, "retry_after", None)
                if exc is not None and is_rate_limit(exc) and after:
                    throttle.cool_down(float(after))
                table.set_retry(store, job.id, utcnow() + timedelta(seconds=delay), describe(exc),
                                provider_reason(exc) if exc is not None else None)
                if exc is not None:
                    self._charge_failed_try(store, job, request, exc)

            attempts = retrying(self.retry, tries_left=self.retry.max_attempts - job.attempts,
                                sleep=partial(self._sleep, job.id), before_sleep=before_sleep)
            raw = await attempts(self._attempt, store, state, engine, request, schema, limits, throttle, report)
        except JobCancelled as exc:
            with store.db.transaction():
                table.mark_cancelled(store, job.id, "cancelled")
                ledger.release(store, job.project_id, job.id, job.engine, note="cancelled")
            return JobResult(table.get(store, job.id), error=exc)
        except RebuyConsentRequired as exc:  # stays open, its reservation held, until the user decides
            table.note_error(store, job.id, "start uncertain: may already be bought; decide with "
                                            "`aiuteur resume` (--rebuy-uncertain or --skip-uncertain)")
            return JobResult(table.get(store, job.id), error=exc)
        except Exception as exc:
            return await self._fail(store, state, request, exc, trace_id)
        latency = (time.perf_counter() - state.attempt_started) * 1000

        def record() -> JobResult:  # in a worker: media into the store, then one transaction
            output, usage, value = records.job_output(store, job.kind, raw)
            with store.db.transaction():
                if job.kind in ("image", "video"):  # checked in the attempt: this file need not be again
                    output_check.remember(store, output["sha256"], output_check.expect(job.kind, job.engine, request),
                                          None)
                earlier = ledger.charged(store, job.id)
                generation = records.record_job(store, job, usage=usage, latency_ms=latency, output=output,
                                                trace_id=trace_id, earlier_cost=earlier)
                ledger.reconcile(store, job.project_id, job.id, job.engine,
                                 round((generation.actual_cost or 0.0) - earlier, 6),
                                 generation_id=generation.id, note=f"billed for {generation.id}")
                table.mark_done(store, job.id, generation.id)
            return JobResult(table.get(store, job.id), value=value)

        return await self._call(record, None)

    async def _fail(self, store: Store, state: _State, request: BaseModel, exc: Exception,
                    trace_id: str | None) -> JobResult:
        """Record the failure at what the provider billed for it (most bill nothing)."""
        job = state.job
        billed = billed_usage(exc, records.estimate_usage(job.kind, request, job.engine))
        latency = (time.perf_counter() - state.attempt_started) * 1000 if state.attempt_started else None
        with store.db.transaction():
            earlier = ledger.charged(store, job.id)
            record = records.record_job(store, job, usage=billed, latency_ms=latency, error=describe(exc),
                                        trace_id=trace_id, earlier_cost=earlier)
            ledger.release(store, job.project_id, job.id, job.engine, note="failed")
            ledger.charge(store, job.project_id, job.id, job.engine, round((record.actual_cost or 0.0) - earlier, 6),
                          generation_id=record.id, note=f"failed call: {describe(exc)[:200]}")
            table.mark_failed(store, job.id, describe(exc), provider_reason(exc), record.id)
        return JobResult(table.get(store, job.id), error=exc)

    def _charge_failed_try(self, store: Store, job: Job, request: BaseModel, exc: BaseException) -> None:
        """A try that failed but was billed (rare: most providers bill nothing for failures)."""
        from aiuteur.costs.prices import load_prices

        cost = load_prices().cost(job.engine, billed_usage(exc, records.estimate_usage(job.kind, request, job.engine)))
        if cost > 0:
            ledger.charge(store, job.project_id, job.id, job.engine, cost, generation_id=None,
                          note=f"billed failed try: {describe(exc)[:200]}")

    async def _attempt(self, store: Store, state: _State, engine: Any, request: BaseModel,
                       schema: type[BaseModel] | None, limits: ProviderLimits, throttle: ProviderThrottle,
                       report: Callable[[str, str], None]) -> Any:
        """One try. Only the `slot` bounds concurrency; backoff sleeps happen outside it."""
        self._check_cancelled(store, state.job.id)
        if state.job.kind == "video" and supports_operations(engine):
            return await self._operation(store, state, engine, request, limits, throttle, report)
        async with throttle.slot():
            await throttle.pace()
            begin = self._beginner(store, state, report)

            def call() -> Any:  # in the worker: the loop is free to start the next call meanwhile
                begin()
                raw = _invoke(engine, state.job.kind, request, schema)
                output_check.check_result(state.job.kind, state.job.engine, request, raw)
                return raw

            return await self._call(call, limits.call_timeout)

    async def _operation(self, store: Store, state: _State, engine: Any, request: BaseModel,
                         limits: ProviderLimits, throttle: ProviderThrottle, report: Callable[[str, str], None]) -> Any:
        """Start (unless an operation is already running at the provider) and poll to the result;
        the slot is held throughout, since the operation is in flight the whole time."""
        job = state.job
        async with throttle.slot():
            if state.operation_id is None and state.start_uncertain:
                state.operation_id = await self._call(partial(self._settle_uncertain, store, state, engine, request),
                                                      limits.call_timeout)
            if state.operation_id is None:
                await throttle.pace()
                begin = self._beginner(store, state, report, starting=True)

                def start() -> str:  # the id is saved by the same worker, the instant the provider names it
                    begin()
                    try:
                        operation = _start(engine, request, job.idempotency_key)
                    except Exception as exc:
                        if start_unanswered(exc):
                            state.start_uncertain = True
                        else:  # the provider answered: nothing was made
                            table.clear_start(store, [job.id])
                        raise
                    table.set_operation(store, job.id, operation)
                    return operation

                try:
                    state.operation_id = await self._call(start, limits.call_timeout)
                except ProviderTimeout:  # ours: the worker may still get (and save) the answer
                    state.start_uncertain = True
                    raise
                state.start_uncertain = False
            else:
                await self._call(self._beginner(store, state, report), None)  # re-polling a previous try's operation
            try:
                while True:
                    try:
                        result = await self._call(partial(_poll_checked, engine, state.operation_id, request, job),
                                                  limits.call_timeout)
                    except Exception as exc:
                        if is_operation_failed(exc):  # dead: the next try starts a new operation
                            table.set_operation(store, job.id, None)
                            state.operation_id = None
                        raise
                    if result is not None:
                        return result
                    await self._sleep(job.id, limits.poll_interval)
                    self._check_cancelled(store, job.id)
            except JobCancelled:
                cancel = getattr(engine, "cancel", None)
                if callable(cancel) and state.operation_id:
                    try:  # ask the provider to stop it, where it can; it may still bill
                        await self._call(partial(cancel, state.operation_id), limits.call_timeout)
                    except Exception:
                        pass
                raise

    def _settle_uncertain(self, store: Store, state: _State, engine: Any, request: BaseModel) -> str | None:
        """In the worker, before a start that may repeat one already made: the operation id when it
        turned up (saved late, or found at the provider), None when it is safe to start (the provider
        has none, or the user consented); else `RebuyConsentRequired`."""
        row = table.get(store, state.job.id)
        if row.operation_id:
            return row.operation_id
        if row.start_sent_at is None:  # settled meanwhile (consent given)
            state.start_uncertain = False
            return None
        searched, operation = find_operation(engine, request)
        if operation is not None:
            table.set_operation(store, state.job.id, operation)
        elif searched:
            table.clear_start(store, [state.job.id])
        else:
            raise RebuyConsentRequired([UncertainStart.of(row)])
        state.start_uncertain = False
        return operation

    # -- small helpers --------------------------------------------------------------------------
    def _beginner(self, store: Store, state: _State, report: Callable[[str, str], None], *,
                  starting: bool = False) -> Callable[[], None]:
        """What a try does first, in the worker thread: check for a cancellation, count the try on
        the job row (and mark a video start as sent), tell progress (on the loop). Database work
        stays off the event loop, so a finishing call's bookkeeping never delays the start of the
        next one."""
        loop = asyncio.get_running_loop()

        def begin() -> None:
            self._check_cancelled(store, state.job.id)
            state.attempts += 1
            state.attempt_started = time.perf_counter()
            table.mark_attempt(store, state.job.id, state.attempts, starting=starting)
            loop.call_soon_threadsafe(report, state.job.id, "running")

        return begin

    async def _call(self, fn: Callable[[], Any], timeout: float | None) -> Any:
        """`fn` in the thread pool; past `timeout` it counts as a `ProviderTimeout` (the thread
        cannot be stopped and its late answer is dropped)."""
        context = contextvars.copy_context()  # the trace span (and any other context) follows the call
        future = asyncio.get_running_loop().run_in_executor(self._pool, _boxed, partial(context.run, fn))
        try:
            out = await (asyncio.wait_for(future, timeout) if timeout is not None else future)
        except asyncio.TimeoutError:
            raise ProviderTimeout(f"no answer in {timeout:g} s") from None
        if isinstance(out, _Boxed):
            raise out.exc
        return out

    def _check_cancelled(self, store: Store, job_id: str) -> None:
        """A cancellation in this process raises the flag (`request_cancel`); one made by another
        process (a second CLI, the studio, a notebook: any of them may write to the workspace) is
        seen in the job's row, read here before each try and each poll."""
        with _lock:
            asked = job_id in _cancel_requested
        if asked or table.status_of(store, job_id) == "cancelled":
            raise JobCancelled(f"job {job_id} was cancelled", job_id=job_id)

    async def _sleep(self, job_id: str, seconds: float) -> None:
        """The clock's sleep, cut short (with `JobCancelled`) when the job is cancelled."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        with _lock:
            if job_id in _cancel_requested:
                raise JobCancelled(f"job {job_id} was cancelled", job_id=job_id)
            _wakeups.setdefault(job_id, []).append((loop, event))
        sleeper = asyncio.ensure_future(self.clock.sleep(seconds))
        waker = asyncio.ensure_future(event.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waker):
                task.cancel()
            with _lock:
                entries = _wakeups.get(job_id, [])
                if (loop, event) in entries:
                    entries.remove((loop, event))
                if not entries:
                    _wakeups.pop(job_id, None)
        if event.is_set():
            raise JobCancelled(f"job {job_id} was cancelled", job_id=job_id)

    async def _wait_elsewhere(self, store: Store, job_id: str) -> Job:
        while True:
            job = table.get(store, job_id)
            if job.status not in OPEN:
                return job
            await asyncio.sleep(0.05)
