"""Rows of budgets, approvals and the append-only cost ledger (migration 0003). The rules (what
may be admitted, what a reservation means) are `aiuteur.costs`'s; this is their portable SQL."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from aiuteur.store.database import Database

LEDGER_COLUMNS = ("id", "project_id", "job_id", "generation_id", "engine", "entry", "amount_usd", "note", "created_at")


class CostRowsMixin:
    db: Database

    # -- budgets and approvals ------------------------------------------------------------------
    def budget_row(self, project_id: str) -> dict | None:
        rows = self.db.rows("SELECT * FROM budgets WHERE project_id = ?", [project_id])
        return rows[0] if rows else None

    def put_budget_row(self, project_id: str, limit_usd: float | None, mode: str, threshold_usd: float | None,
                       updated_at: datetime) -> None:
        """Replace the project's budget row (call inside the transaction that audits the change)."""
        with self.db.transaction():
            self.db.execute("DELETE FROM budgets WHERE project_id = ?", [project_id])
            self.db.execute("INSERT INTO budgets (project_id, limit_usd, mode, approval_threshold_usd, updated_at) "
                            "VALUES (?, ?, ?, ?, ?)", [project_id, limit_usd, mode, threshold_usd, updated_at])

    def insert_approval_rows(self, rows: Sequence[Sequence[Any]]) -> None:
        """(id, project_id, scope, max_usd, approved_by, created_at) each."""
        for row in rows:
            self.db.execute("INSERT INTO approvals (id, project_id, scope, max_usd, approved_by, created_at) "
                            "VALUES (?, ?, ?, ?, ?, ?)", list(row))

    def approval_rows(self, project_id: str) -> list[dict]:
        return self.db.rows("SELECT * FROM approvals WHERE project_id = ? ORDER BY created_at, id", [project_id])

    def approved_count(self, project_id: str, scopes: Sequence[str], min_usd: float) -> int:
        """How many approvals of these scopes allow at least `min_usd` per call."""
        if not scopes:
            return 0
        row = self.db.fetchone(
            f"SELECT count(*) FROM approvals WHERE project_id = ? AND scope IN ({', '.join('?' for _ in scopes)}) "
            "AND max_usd >= ?", [project_id, *scopes, min_usd])
        return int(row[0]) if row else 0

    # -- the ledger -----------------------------------------------------------------------------
    def insert_ledger_rows(self, rows: Sequence[Sequence[Any]]) -> None:
        """`LEDGER_COLUMNS` values each, in one statement."""
        if not rows:
            return
        one = f"({', '.join('?' for _ in LEDGER_COLUMNS)})"
        self.db.execute(f"INSERT INTO cost_ledger ({', '.join(LEDGER_COLUMNS)}) VALUES {', '.join(one for _ in rows)}",
                        [value for row in rows for value in row])

    def ledger_sum(self, job_id: str, entries: Sequence[str]) -> float:
        """The sum of a job's ledger amounts of these entry kinds."""
        row = self.db.fetchone(
            f"SELECT coalesce(sum(amount_usd), 0) FROM cost_ledger WHERE job_id = ? "
            f"AND entry IN ({', '.join('?' for _ in entries)})", [job_id, *entries])
        return float(row[0]) if row else 0.0

    def ledger_totals(self, project_id: str) -> tuple[float, float]:
        """(charged, everything else) summed over a project's ledger."""
        row = self.db.fetchone(
            "SELECT coalesce(sum(CASE WHEN entry = 'charge' THEN amount_usd ELSE 0 END), 0), "
            "coalesce(sum(CASE WHEN entry <> 'charge' THEN amount_usd ELSE 0 END), 0) "
            "FROM cost_ledger WHERE project_id = ?", [project_id])
        return (float(row[0]), float(row[1])) if row else (0.0, 0.0)

    def ledger_rows(self, project_id: str, *, job_id: str | None = None) -> list[dict]:
        sql = "SELECT * FROM cost_ledger WHERE project_id = ?"
        params: list = [project_id]
        if job_id:
            sql += " AND job_id = ?"
            params.append(job_id)
        return self.db.rows(sql + " ORDER BY created_at, id", params)
