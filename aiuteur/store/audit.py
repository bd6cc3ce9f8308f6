"""The audit log: one row per change (who, what, when) — versions, head moves, notes, approvals,
budget changes, project and branch changes. The author is the Store's `user` (the person making
the change), whatever the change's own author field says (an engine, "aiuteur")."""
from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from aiuteur.store.database import Database, utcnow

#: the columns of `audit_csv`, in order
AUDIT_CSV_COLUMNS = ("created_at", "author", "project_id", "action", "detail", "id")


class AuditEntry(BaseModel):
    id: str
    project_id: str | None
    action: str  # e.g. version.commit, head.move, note.add, budget.set, budget.approve
    detail: dict[str, Any]
    author: str
    created_at: datetime


class AuditMixin:
    db: Database
    user: str

    def audit(self, project_id: str | None, action: str, detail: dict, *, author: str | None = None) -> None:
        """Record one change; written inside the change's own transaction, so both or neither stay."""
        self.db.execute(
            "INSERT INTO audit_log (id, project_id, action, detail, created_at, author) VALUES (?, ?, ?, ?, ?, ?)",
            [f"aud_{uuid.uuid4().hex[:12]}", project_id, action, json.dumps(detail, default=str, sort_keys=True),
             utcnow(), author or getattr(self, "user", None) or "unknown"],
        )

    def audit_log(self, project: Any = None, since: datetime | None = None, *, action: str | None = None,
                  limit: int | None = None, author: str | None = None) -> list[AuditEntry]:
        """Changes, oldest first: of one project (a Project, a name or an id; None: the whole
        workspace), at or after `since`, whose action starts with `action` (e.g. "budget."), made by
        `author` (a user name; None: anyone)."""
        sql = "SELECT id, project_id, action, detail, author, created_at FROM audit_log WHERE 1 = 1"
        params: list[Any] = []
        if project is not None:
            project_id = project if isinstance(project, str) and project.startswith("prj_") else None
            if project_id is None:
                project_id = self.get_project(project).id  # type: ignore[attr-defined]
            sql += " AND project_id = ?"
            params.append(project_id)
        if since is not None:
            sql += " AND created_at >= ?"
            params.append(since.replace(tzinfo=None) if since.tzinfo is None else
                          since.astimezone(__import__("datetime").timezone.utc).replace(tzinfo=None))
        if action:
            sql += " AND action LIKE ?"
            params.append(action.replace("%", r"\%") + "%")
        if author:
            sql += " AND author = ?"
            params.append(author)
        sql += " ORDER BY created_at, id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [AuditEntry(**{**row, "detail": json.loads(row["detail"]), "author": row["author"] or "unknown"})
                for row in self.db.rows(sql, params)]

    def audit_csv(self, project: Any = None, since: datetime | None = None, *, action: str | None = None,
                  author: str | None = None) -> str:
        """`audit_log` as CSV text (header first; `detail` as JSON), for a spreadsheet or an auditor."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(AUDIT_CSV_COLUMNS)
        for entry in self.audit_log(project, since, action=action, author=author):
            writer.writerow([entry.created_at.isoformat(sep=" "), entry.author, entry.project_id or "", entry.action,
                             json.dumps(entry.detail, sort_keys=True), entry.id])
        return out.getvalue()
