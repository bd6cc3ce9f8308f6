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
from aiuteur.store.database import utcnow


class JobNotFound(StoreError):
    """No job with that id in the project."""


_COLUMNS = ("id, project_id, batch_id, kind, stage, provider, engine, idempotency_key, request, call, status, "
            "attempts, operation_id, next_attempt_at, estimated_cost, error, provider_reason, generation_id, "
            "created_at, started_at, finished_at, updated_at, start_sent_at")


def insert(store: Store, jobs: Sequence[Job]) -> None:
    """All rows in one statement: a batch of 64 is one write, not 64."""
    if not jobs:
        return
    row = f"({', '.join('?' for _ in range(23))})"
    params: list = []
    for job in jobs:
        params.extend([job.id, job.project_id, job.batch_id, job.kind, job.stage, job.provider, job.engine,
                       job.idempotency_key, json.dumps(job.request, sort_keys=True), json.dumps(job.call, sort_keys=True),
                       job.status, job.attempts, job.operation_id, job.next_attempt_at, job.estimated_cost, job.error,
                       job.provider_reason, job.generation_id, job.created_at, job.started_at, job.finished_at,
                       job.updated_at, job.start_sent_at])
    store.db.execute(f"INSERT INTO jobs ({_COLUMNS}) VALUES {', '.join(row for _ in jobs)}", params)


def _job(row: dict) -> Job:
    data = dict(row)
    data["request"] = json.loads(data["request"])
    data["call"] = json.loads(data["call"])
    return Job(**data)


def get(store: Store, job_id: str) -> Job:
    rows = store.db.rows(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", [job_id])
    if not rows:
        raise JobNotFound(f"no job {job_id!r} in {store.path}; `aiuteur jobs PROJECT` lists them")
    return _job(rows[0])


def get_many(store: Store, job_ids: Sequence[str]) -> dict[str, Job]:
    """Jobs by id, in one query per 500; unknown ids are an error naming the first."""
    found: dict[str, Job] = {}
    ids = list(dict.fromkeys(job_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row in store.db.rows(f"SELECT {_COLUMNS} FROM jobs WHERE id IN ({', '.join('?' for _ in chunk)})", chunk):
            found[row["id"]] = _job(row)
    missing = [i for i in ids if i not in found]
    if missing:
        raise JobNotFound(f"no job {missing[0]!r} in {store.path}; `aiuteur jobs PROJECT` lists them")
    return found


def status_of(store: Store, job_id: str) -> str | None:
    row = store.db.fetchone("SELECT status FROM jobs WHERE id = ?", [job_id])
    return row[0] if row else None


def open_jobs_for_keys(store: Store, project_id: str, keys: Sequence[str]) -> dict[str, Job]:
    """The open job (the oldest) of each key that has one, in one query."""
    found: dict[str, Job] = {}
    for start in range(0, len(keys), 500):
        chunk = list(keys[start:start + 500])
        rows = store.db.rows(
            f"SELECT {_COLUMNS} FROM jobs WHERE project_id = ? AND status IN ('queued', 'running') "
            f"AND idempotency_key IN ({', '.join('?' for _ in chunk)}) ORDER BY created_at",
            [project_id, *chunk],
        )
        for row in rows:
            found.setdefault(row["idempotency_key"], _job(row))
    return found


def list_jobs(store: Store, project_id: str, *, batch_id: str | None = None,
              statuses: Iterable[str] | None = None, ids: Sequence[str] | None = None) -> list[Job]:
    sql = f"SELECT {_COLUMNS} FROM jobs WHERE project_id = ?"
    params: list = [project_id]
    if batch_id:
        sql += " AND batch_id = ?"
        params.append(batch_id)
    if statuses is not None:
        wanted = list(statuses)
        unknown = set(wanted) - set(STATUSES)
        if unknown:
            raise ValueError(f"unknown job status {sorted(unknown)}; known: {', '.join(STATUSES)}")
        sql += f" AND status IN ({', '.join('?' for _ in wanted)})"
        params.extend(wanted)
    if ids is not None:
        if not ids:
            return []
        sql += f" AND id IN ({', '.join('?' for _ in ids)})"
        params.extend(ids)
    return [_job(r) for r in store.db.rows(sql + " ORDER BY created_at, id", params)]


def pending(store: Store, project_id: str) -> list[Job]:
    return list_jobs(store, project_id, statuses=OPEN)


def counts(store: Store, project_id: str, *, batch_id: str | None = None) -> JobCounts:
    sql = "SELECT status, count(*) FROM jobs WHERE project_id = ?"
    params: list = [project_id]
    if batch_id:
        sql += " AND batch_id = ?"
        params.append(batch_id)
    found = dict(store.db.fetchall(sql + " GROUP BY status", params))
    return JobCounts(**{s: int(found.get(s, 0)) for s in STATUSES})


def mark_attempt(store: Store, job_id: str, attempts: int, *, starting: bool = False) -> None:
    """A try begins: the job is running; `started_at` keeps the first try's time. `starting`: the
    try sends a video start, so `start_sent_at` is set in the same statement, before the request."""
    now = utcnow()
    store.db.execute(
        "UPDATE jobs SET status = 'running', attempts = ?, started_at = coalesce(started_at, ?), "
        "start_sent_at = CASE WHEN ? THEN ? ELSE start_sent_at END, "
        "next_attempt_at = NULL, updated_at = ? WHERE id = ? AND status IN ('queued', 'running')",
        [attempts, now, starting, now, now, job_id],
    )


def set_operation(store: Store, job_id: str, operation_id: str | None) -> None:
    """Kept the moment the provider names it: after a crash this is what is polled, not re-requested.
    The start it answers is no longer uncertain."""
    store.db.execute("UPDATE jobs SET operation_id = ?, start_sent_at = NULL, updated_at = ? WHERE id = ?",
                     [operation_id, utcnow(), job_id])


def clear_start(store: Store, job_ids: Sequence[str], note: str | None = None) -> None:
    """The starts of `job_ids` are settled without an operation: the provider answered with an error,
    was searched and has none, or the user consented to buy again (`note` says which, on the job)."""
    for job_id in job_ids:
        store.db.execute(
            "UPDATE jobs SET start_sent_at = NULL, error = coalesce(?, error), updated_at = ? WHERE id = ?",
            [note, utcnow(), job_id])


def note_error(store: Store, job_id: str, error: str) -> None:
    """Why an open job waits (e.g. its start may already be bought): what `aiuteur jobs` shows."""
    store.db.execute("UPDATE jobs SET error = ?, updated_at = ? WHERE id = ? AND status IN ('queued', 'running')",
                     [error, utcnow(), job_id])


def set_retry(store: Store, job_id: str, next_attempt_at: datetime, error: str, reason: str | None) -> None:
    store.db.execute(
        "UPDATE jobs SET next_attempt_at = ?, error = ?, provider_reason = ?, updated_at = ? "
        "WHERE id = ? AND status IN ('queued', 'running')",
        [next_attempt_at, scrub_optional(error), scrub_optional(reason), utcnow(), job_id],
    )


def mark_done(store: Store, job_id: str, generation_id: str) -> None:
    """Done; a job cancelled while its last call was in flight stays cancelled but keeps the result."""
    now = utcnow()
    store.db.execute(
        "UPDATE jobs SET status = CASE WHEN status = 'cancelled' THEN 'cancelled' ELSE 'done' END, "
        "generation_id = ?, error = CASE WHEN status = 'cancelled' THEN error ELSE NULL END, "
        "next_attempt_at = NULL, finished_at = coalesce(finished_at, ?), updated_at = ? WHERE id = ?",
        [generation_id, now, now, job_id],
    )


def mark_failed(store: Store, job_id: str, error: str, reason: str | None, generation_id: str | None) -> None:
    now = utcnow()
    store.db.execute(
        "UPDATE jobs SET status = 'failed', error = ?, provider_reason = ?, generation_id = ?, "
        "next_attempt_at = NULL, finished_at = ?, updated_at = ? WHERE id = ? AND status IN ('queued', 'running')",
        [scrub_optional(error), scrub_optional(reason), generation_id, now, now, job_id],
    )


def mark_cancelled(store: Store, job_id: str, note: str) -> bool:
    """True when the job was open and is now cancelled."""
    with store.db.transaction():
        if status_of(store, job_id) not in OPEN:
            return False
        now = utcnow()
        store.db.execute(
            "UPDATE jobs SET status = 'cancelled', error = ?, next_attempt_at = NULL, finished_at = ?, updated_at = ? "
            "WHERE id = ?",
            [scrub_optional(note), now, now, job_id],
        )
        return True
