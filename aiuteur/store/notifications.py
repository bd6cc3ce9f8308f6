"""Rows of notification hooks, notifications and deliveries (migration 0007). What is notified
and how it is sent is `aiuteur.notify`'s business; this is their portable SQL."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from aiuteur.store.database import Database


class NotificationRowsMixin:
    db: Database

    def insert_hook_row(self, hook_id: str, project_id: str, channel: str, target: str, kinds_json: str,
                        created_at: datetime) -> None:
        self.db.execute("INSERT INTO notification_hooks (id, project_id, channel, target, kinds, created_at, deleted_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, NULL)", [hook_id, project_id, channel, target, kinds_json, created_at])

    def hook_rows(self, project_id: str) -> list[dict]:
        return self.db.rows("SELECT id, project_id, channel, target, kinds, created_at FROM notification_hooks "
                            "WHERE project_id = ? AND deleted_at IS NULL ORDER BY created_at, id", [project_id])

    def mark_hook_deleted(self, hook_id: str, when: datetime) -> None:
        self.db.execute("UPDATE notification_hooks SET deleted_at = ? WHERE id = ?", [when, hook_id])

    def notified(self, event_key: str) -> bool:
        """An event with this key was recorded (by any process)."""
        return self.db.fetchone("SELECT 1 FROM notifications WHERE event_key = ?", [event_key]) is not None

    def insert_notification_once(self, values: Sequence[Any]) -> bool:
        """(id, project_id, kind, event_key, level, title, body, detail, occurred_at, created_at); False
        when the event key was recorded already — by this process or another one at the same moment."""
        changed = self.db.execute(
            "INSERT INTO notifications (id, project_id, kind, event_key, level, title, body, detail, occurred_at, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", list(values))
        return changed != 0

    def finished_batch_rows(self, project_id: str) -> list[dict]:
        """Per batch with no open job: its counts by status and when it finished, oldest first."""
        return self.db.rows(
            "SELECT batch_id, min(stage) AS stage, min(kind) AS kind, min(engine) AS engine, count(*) AS jobs, "
            "sum(CASE WHEN status = 'done' THEN 1 ELSE 0 END) AS done, "
            "sum(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed, "
            "sum(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled, max(finished_at) AS finished_at "
            "FROM jobs WHERE project_id = ? GROUP BY batch_id "
            "HAVING sum(CASE WHEN status IN ('queued', 'running') THEN 1 ELSE 0 END) = 0 ORDER BY max(finished_at)",
            [project_id])

    def notification_rows(self, project_id: str, *, after: datetime | None = None,
                          kinds: Sequence[str] | None = None) -> list[dict]:
        sql = ("SELECT id, project_id, kind, event_key, level, title, body, detail, occurred_at, created_at "
               "FROM notifications WHERE project_id = ?")
        params: list[Any] = [project_id]
        if after is not None:
            sql += " AND created_at > ?"
            params.append(after)
        if kinds:
            sql += f" AND kind IN ({', '.join('?' for _ in kinds)})"
            params.extend(kinds)
        return self.db.rows(sql + " ORDER BY created_at, id", params)

    def delivery_rows(self, project_id: str, notification_id: str | None = None) -> list[dict]:
        sql = ("SELECT id, notification_id, hook_id, channel, status, error, created_at FROM notification_deliveries "
               "WHERE project_id = ?")
        params: list[Any] = [project_id]
        if notification_id:
            sql += " AND notification_id = ?"
            params.append(notification_id)
        return self.db.rows(sql + " ORDER BY created_at, id", params)

    def insert_delivery_row(self, values: Sequence[Any]) -> None:
        """(id, project_id, notification_id, hook_id, channel, status, error, created_at)."""
        self.db.execute("INSERT INTO notification_deliveries (id, project_id, notification_id, hook_id, channel, "
                        "status, error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", list(values))
