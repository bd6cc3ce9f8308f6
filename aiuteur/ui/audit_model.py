"""The Audit page's state: who changed what, when — the workspace's audit log filtered by project,
action and user, with the same rows as CSV for download.

Plain `param` logic over `Store.audit_log` / `Store.audit_csv` (the `aiuteur audit` command reads
the same); the Audit tab only lays it out. Each call opens the workspace through the studio and
closes it (see `StudioModel.open_store`).
"""
from __future__ import annotations

import json
from typing import Any

import param

from aiuteur.errors import not_yet_errors
from aiuteur.store import AuditEntry
from aiuteur.ui.studio_model import StudioModel

#: the table's columns, in order
AUDIT_COLUMNS = ("when (UTC)", "who", "project", "action", "detail")


class AuditModel(param.Parameterized):
    studio = param.ClassSelector(class_=StudioModel)
    project = param.String(default="", doc="Only this project's changes (a name); empty: the whole workspace")
    action = param.String(default="", doc="Only actions starting with this, e.g. 'note.' or 'budget.'")
    author = param.String(default="", doc="Only changes made by this user; empty: anyone")
    limit = param.Integer(default=5000, bounds=(1, None), doc="At most this many rows, the newest")
    message = param.String(default="")

    def _filters(self) -> dict[str, Any]:
        return {"action": self.action.strip() or None, "author": self.author.strip() or None}

    def entries(self) -> list[AuditEntry]:
        """The changes the filters select, oldest first (a workspace not there yet, or busy, shows none)."""
        try:
            with self.studio.open_store() as store:
                entries = store.audit_log(self.project or None, **self._filters())
        except not_yet_errors() as exc:
            self.message = f"audit log not read: {exc}"
            return []
        self.message = ""
        return entries[-self.limit:]

    def project_names(self) -> dict[str, str]:
        """Project id -> name, for the table (a change outside any project has no name)."""
        try:
            with self.studio.open_store() as store:
                return {p.id: p.name for p in store.list_projects()}
        except not_yet_errors():
            return {}

    def authors(self) -> list[str]:
        """Everyone who changed something in the selected project (or the workspace): the user filter's choices."""
        try:
            with self.studio.open_store() as store:
                return sorted({e.author for e in store.audit_log(self.project or None)})
        except not_yet_errors():
            return []

    def rows(self) -> list[dict[str, Any]]:
        """The table: newest first, `detail` as compact JSON."""
        names = self.project_names()
        return [{"when (UTC)": e.created_at.isoformat(sep=" ", timespec="seconds"), "who": e.author,
                 "project": names.get(e.project_id or "", e.project_id or ""), "action": e.action,
                 "detail": json.dumps(e.detail, sort_keys=True, default=str)[:300]}
                for e in reversed(self.entries())]

    def csv_text(self) -> str:
        """The filtered log as CSV (`Store.audit_csv`: every row, full detail), for the download button."""
        with self.studio.open_store() as store:
            return store.audit_csv(self.project or None, **self._filters())

    def csv_filename(self) -> str:
        parts = ["audit", self.project or "workspace"]
        if self.action.strip():
            parts.append(self.action.strip().rstrip("."))
        if self.author.strip():
            parts.append(self.author.strip())
        return "-".join(p.replace("/", "_").replace(" ", "_") for p in parts) + ".csv"
