"""Rows of the jobs table (migrations 0002, 0006). What a job *is* and how it runs is
`aiuteur.jobs`'s business; this is only how its rows are read and changed, in portable SQL.
Every state change is one statement, so a process killed at any instant leaves each job in a
state another process can continue from (or cancel: any process may, on either backend)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Sequence

from aiuteur.store.database import Database, utcnow

JOB_COLUMNS = ("id", "project_id", "batch_id", "kind", "stage", "provider", "engine", "idempotency_key", "request",
               "call", "status", "attempts", "operation_id", "next_attempt_at", "estimated_cost", "error",
               "provider_reason", "generation_id", "created_at", "started_at", "finished_at", "updated_at",
               "start_sent_at")
_SELECT = f"SELECT {', '.join(JOB_COLUMNS)} FROM jobs"
_OPEN = ("queued", "running")


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


class JobRowsMixin:
    db: Database

    def insert_job_rows(self, rows: Sequence[Sequence[Any]]) -> None:
        """Rows with `JOB_COLUMNS` values, all in one statement: a batch of 64 is one write, not 64."""
        if not rows:
            return
        one = f"({_marks(JOB_COLUMNS)})"
        params = [value for row in rows for value in row]
        self.db.execute(f"INSERT INTO jobs ({', '.join(JOB_COLUMNS)}) VALUES {', '.join(one for _ in rows)}", params)

    def job_rows(self, project_id: str | None = None, *, ids: Sequence[str] | None = None, batch_id: str | None = None,
                 statuses: Iterable[str] | None = None, keys: Sequence[str] | None = None) -> list[dict]:
        """Job rows (oldest first) filtered by project, ids, batch, statuses and idempotency keys."""
        sql, params = _SELECT + " WHERE 1 = 1", []  # type: ignore[var-annotated]
        for column, values in (("id", ids), ("idempotency_key", keys)):
            if values is not None:
                if not values:
                    return []
                sql += f" AND {column} IN ({_marks(values)})"
                params.extend(values)
        if project_id is not None:
            sql += " AND project_id = ?"
            params.append(project_id)
        if batch_id:
            sql += " AND batch_id = ?"
            params.append(batch_id)
        if statuses is not None:
            wanted = list(statuses)
            if not wanted:
                return []
            sql += f" AND status IN ({_marks(wanted)})"
            params.extend(wanted)
        return self.db.rows(sql + " ORDER BY created_at, id", params)

    def job_status(self, job_id: str) -> str | None:
        row = self.db.fetchone("SELECT status FROM jobs WHERE id = ?", [job_id])
        return row[0] if row else None

    def job_status_counts(self, project_id: str, *, batch_id: str | None = None) -> dict[str, int]:
        sql = "SELECT status, count(*) FROM jobs WHERE project_id = ?"
        params: list = [project_id]
        if batch_id:
            sql += " AND batch_id = ?"
            params.append(batch_id)
        return {status: int(n) for status, n in self.db.fetchall(sql + " GROUP BY status", params)}

    def job_projects(self, job_ids: Sequence[str]) -> list[str]:
        """The projects the given jobs belong to."""
        if not job_ids:
            return []
        return [r[0] for r in self.db.fetchall(f"SELECT DISTINCT project_id FROM jobs WHERE id IN ({_marks(job_ids)})",
                                               list(job_ids))]

    def first_failed_job(self, batch_id: str) -> tuple[str, str | None] | None:
        """(id, error) of a batch's first failed job."""
        row = self.db.fetchone("SELECT id, error FROM jobs WHERE batch_id = ? AND status = 'failed' "
                               "ORDER BY finished_at, id LIMIT 1", [batch_id])
        return (row[0], row[1]) if row else None

    # -- state changes: one statement each ------------------------------------------------------
    def job_mark_attempt(self, job_id: str, attempts: int, *, starting: bool = False) -> None:
        now = utcnow()
        self.db.execute(
            "UPDATE jobs SET status = 'running', attempts = ?, started_at = coalesce(started_at, ?), "
            "start_sent_at = CASE WHEN ? THEN ? ELSE start_sent_at END, "
            "next_attempt_at = NULL, updated_at = ? WHERE id = ? AND status IN ('queued', 'running')",
            [attempts, now, starting, now, now, job_id],
        )

    def job_set_operation(self, job_id: str, operation_id: str | None) -> None:
        self.db.execute("UPDATE jobs SET operation_id = ?, start_sent_at = NULL, updated_at = ? WHERE id = ?",
                        [operation_id, utcnow(), job_id])

    def job_clear_start(self, job_id: str, note: str | None) -> None:
        self.db.execute("UPDATE jobs SET start_sent_at = NULL, error = coalesce(?, error), updated_at = ? WHERE id = ?",
                        [note, utcnow(), job_id])

    def job_note_error(self, job_id: str, error: str) -> None:
        self.db.execute("UPDATE jobs SET error = ?, updated_at = ? WHERE id = ? AND status IN ('queued', 'running')",
                        [error, utcnow(), job_id])

    def job_set_retry(self, job_id: str, next_attempt_at: datetime, error: str | None, reason: str | None) -> None:
        self.db.execute(
            "UPDATE jobs SET next_attempt_at = ?, error = ?, provider_reason = ?, updated_at = ? "
            "WHERE id = ? AND status IN ('queued', 'running')",
            [next_attempt_at, error, reason, utcnow(), job_id],
        )

    def job_mark_done(self, job_id: str, generation_id: str) -> None:
        now = utcnow()
        self.db.execute(
            "UPDATE jobs SET status = CASE WHEN status = 'cancelled' THEN 'cancelled' ELSE 'done' END, "
            "generation_id = ?, error = CASE WHEN status = 'cancelled' THEN error ELSE NULL END, "
            "next_attempt_at = NULL, finished_at = coalesce(finished_at, ?), updated_at = ? WHERE id = ?",
            [generation_id, now, now, job_id],
        )

    def job_mark_failed(self, job_id: str, error: str | None, reason: str | None, generation_id: str | None) -> None:
        now = utcnow()
        self.db.execute(
            "UPDATE jobs SET status = 'failed', error = ?, provider_reason = ?, generation_id = ?, "
            "next_attempt_at = NULL, finished_at = ?, updated_at = ? WHERE id = ? AND status IN ('queued', 'running')",
            [error, reason, generation_id, now, now, job_id],
        )

    def job_mark_cancelled(self, job_id: str, note: str | None) -> bool:
        """True when the job was open and is now cancelled (one conditional statement: two
        processes cancelling at once cancel it once)."""
        now = utcnow()
        changed = self.db.execute(
            "UPDATE jobs SET status = 'cancelled', error = ?, next_attempt_at = NULL, finished_at = ?, updated_at = ? "
            "WHERE id = ? AND status IN ('queued', 'running')",
            [note, now, now, job_id],
        )
        if changed >= 0:
            return changed > 0
        return self.job_status(job_id) == "cancelled"  # pragma: no cover - both backends report counts
