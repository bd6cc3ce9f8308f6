"""The jobs table: reads and state changes. Only `aiuteur.jobs` writes here.

Every state change is one statement (or one transaction with its ledger and generation rows),
so a process killed at any instant leaves each job in a state a new process can continue from.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Iterable, Sequence

from aiuteur.engines.secrets import scrub_optional
from aiuteur.jobs.models import OPEN, STATUSES, Job, JobCounts
from aiuteur.store import Store, StoreError


class JobNotFound(StoreError):
    """No job with that id in the project."""


def _values(job: Job) -> list:
    return [job.id, job.project_id, job.batch_id, job.kind, job.stage, job.provider, job.engine,
            job.idempotency_key, json.dumps(job.request, sort_keys=True), json.dumps(job.call, sort_keys=True),
            job.status, job.attempts, job.operation_id, job.next_attempt_at, job.estimated_cost, job.error,
            job.provider_reason, job.generation_id, job.created_at, job.started_at, job.finished_at,
            job.updated_at, job.start_sent_at]


def insert(store: Store, jobs: Sequence[Job]) -> None:
    """All rows in one statement: a batch of 64 is one write, not 64."""
    store.insert_job_rows([_values(job) for job in jobs])


def _job(row: dict) -> Job:
    data = dict(row)
    data["request"] = json.loads(data["request"])
    data["call"] = json.loads(data["call"])
    return Job(**data)


def get(store: Store, job_id: str) -> Job:
    rows = store.job_rows(ids=[job_id])
    if not rows:
        raise JobNotFound(f"no job {job_id!r} in {store.path}; `aiuteur jobs PROJECT` lists them")
    return _job(rows[0])


def get_many(store: Store, job_ids: Sequence[str]) -> dict[str, Job]:
    """Jobs by id, in one query per 500; unknown ids are an error naming the first."""
    found: dict[str, Job] = {}
    ids = list(dict.fromkeys(job_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row in store.job_rows(ids=chunk):
            found[row["id"]] = _job(row)
    missing = [i for i in ids if i not in found]
    if missing:
        raise JobNotFound(f"no job {missing[0]!r} in {store.path}; `aiuteur jobs PROJECT` lists them")
    return found


def status_of(store: Store, job_id: str) -> str | None:
    return store.job_status(job_id)


def open_jobs_for_keys(store: Store, project_id: str, keys: Sequence[str]) -> dict[str, Job]:
    """The open job (the oldest) of each key that has one, in one query."""
    found: dict[str, Job] = {}
    for start in range(0, len(keys), 500):
        chunk = list(keys[start:start + 500])
        for row in store.job_rows(project_id, statuses=OPEN, keys=chunk):
            found.setdefault(row["idempotency_key"], _job(row))
    return found


def list_jobs(store: Store, project_id: str, *, batch_id: str | None = None,
              statuses: Iterable[str] | None = None, ids: Sequence[str] | None = None) -> list[Job]:
    wanted = None
    if statuses is not None:
        wanted = list(statuses)
        unknown = set(wanted) - set(STATUSES)
        if unknown:
            raise ValueError(f"unknown job status {sorted(unknown)}; known: {', '.join(STATUSES)}")
    return [_job(r) for r in store.job_rows(project_id, batch_id=batch_id, statuses=wanted, ids=ids)]


def pending(store: Store, project_id: str) -> list[Job]:
    return list_jobs(store, project_id, statuses=OPEN)


def counts(store: Store, project_id: str, *, batch_id: str | None = None) -> JobCounts:
    found = store.job_status_counts(project_id, batch_id=batch_id)
    return JobCounts(**{s: int(found.get(s, 0)) for s in STATUSES})


def mark_attempt(store: Store, job_id: str, attempts: int, *, starting: bool = False) -> None:
    """A try begins: the job is running; `started_at` keeps the first try's time. `starting`: the
    try sends a video start, so `start_sent_at` is set in the same statement, before the request."""
    store.job_mark_attempt(job_id, attempts, starting=starting)


def set_operation(store: Store, job_id: str, operation_id: str | None) -> None:
    """Kept the moment the provider names it: after a crash this is what is polled, not re-requested.
    The start it answers is no longer uncertain."""
    store.job_set_operation(job_id, operation_id)


def clear_start(store: Store, job_ids: Sequence[str], note: str | None = None) -> None:
    """The starts of `job_ids` are settled without an operation: the provider answered with an error,
    was searched and has none, or the user consented to buy again (`note` says which, on the job)."""
    for job_id in job_ids:
        store.job_clear_start(job_id, note)


def note_error(store: Store, job_id: str, error: str) -> None:
    """Why an open job waits (e.g. its start may already be bought): what `aiuteur jobs` shows."""
    store.job_note_error(job_id, error)


def set_retry(store: Store, job_id: str, next_attempt_at: datetime, error: str, reason: str | None) -> None:
    store.job_set_retry(job_id, next_attempt_at, scrub_optional(error), scrub_optional(reason))


def mark_done(store: Store, job_id: str, generation_id: str | None) -> None:
    """Done; a job cancelled while its last call was in flight stays cancelled but keeps the result.
    A local job (an export) has no generation: None."""
    store.job_mark_done(job_id, generation_id)


def set_progress(store: Store, job_id: str, text: str) -> None:
    """A local job's progress (`"42% encoding SC010_SH0010_v003.mp4 (h264)"`), kept in the row's
    `operation_id` column: a local job has no provider operation, and that is the column `aiuteur
    jobs` shows beside the status. Also bumps `updated_at`."""
    store.job_set_operation(job_id, text)


def mark_failed(store: Store, job_id: str, error: str, reason: str | None, generation_id: str | None) -> None:
    store.job_mark_failed(job_id, scrub_optional(error), scrub_optional(reason), generation_id)


def mark_cancelled(store: Store, job_id: str, note: str) -> bool:
    """True when the job was open and is now cancelled."""
    return store.job_mark_cancelled(job_id, scrub_optional(note))
