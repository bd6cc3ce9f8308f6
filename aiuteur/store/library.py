"""Rows of the workspace-wide libraries: the asset library (migration 0005) and style capsules
with their application log (migration 0004). Their rules live in `aiuteur.library` and
`aiuteur.capsules`; this is their portable SQL."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from aiuteur.store.database import Database


class LibraryRowsMixin:
    db: Database

    # -- the asset library ----------------------------------------------------------------------
    def library_entry_row(self, library_id: str) -> dict | None:
        rows = self.db.rows("SELECT * FROM library_assets WHERE id = ?", [library_id])
        return rows[0] if rows else None

    def library_entry_rows(self, *, kind: str | None = None, include_deleted: bool = False) -> list[dict]:
        sql, params = "SELECT * FROM library_assets WHERE 1 = 1", []  # type: ignore[var-annotated]
        if not include_deleted:
            sql += " AND deleted_at IS NULL"
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        return self.db.rows(sql + " ORDER BY name, id", params)

    def library_version_rows(self, library_id: str, number: int | None = None, *, newest: bool = False) -> list[dict]:
        """An entry's versions, oldest first; `number` only that one; `newest` only the last."""
        sql, params = "SELECT * FROM library_asset_versions WHERE asset_id = ?", [library_id]  # type: ignore[list-item]
        if number is not None:
            sql, params = sql + " AND number = ?", params + [number]
        if newest:
            return self.db.rows(sql + " ORDER BY number DESC LIMIT 1", params)
        return self.db.rows(sql + " ORDER BY number", params)

    def library_newest_versions(self) -> dict[str, dict]:
        """Every entry's newest version row, by entry id."""
        return {r["asset_id"]: r for r in self.db.rows(
            "SELECT v.* FROM library_asset_versions v JOIN (SELECT asset_id, max(number) AS n "
            "FROM library_asset_versions GROUP BY asset_id) m ON m.asset_id = v.asset_id AND m.n = v.number")}

    def asset_head_rows(self) -> list[dict]:
        """Every project's master-asset heads (any branch) with their payloads: where library entries are used."""
        return self.db.rows(
            "SELECT h.project_id, h.branch, h.artifact_key, v.number, v.payload, p.name AS project FROM heads h "
            "JOIN versions v ON v.id = h.version_id JOIN projects p ON p.id = h.project_id "
            "WHERE h.artifact_key LIKE 'asset/%' ORDER BY p.name, h.branch, h.artifact_key")

    def insert_library_entry(self, library_id: str, name: str, kind: str, tags_json: str, now: datetime) -> None:
        self.db.execute("INSERT INTO library_assets (id, name, kind, tags, created_at, updated_at, deleted_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, NULL)", [library_id, name, kind, tags_json, now, now])

    def insert_library_version(self, library_id: str, payload_json: str, content_hash: str, *,
                               source_project: str | None, source_version: str | None, author: str, message: str,
                               name: str, tags_json: str, now: datetime) -> int:
        """The entry's next version (its number returned) and its name and tags updated, in one transaction."""
        with self.db.transaction():
            row = self.db.fetchone("SELECT coalesce(max(number), 0) FROM library_asset_versions WHERE asset_id = ?",
                                   [library_id])
            number = int(row[0]) + 1 if row else 1
            self.db.execute(
                "INSERT INTO library_asset_versions (asset_id, number, payload, content_hash, source_project, "
                "source_version, author, message, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [library_id, number, payload_json, content_hash, source_project, source_version, author, message, now])
            self.db.execute("UPDATE library_assets SET name = ?, tags = ?, updated_at = ? WHERE id = ?",
                            [name, tags_json, now, library_id])
        return number

    def mark_library_entry_deleted(self, library_id: str, when: datetime) -> None:
        self.db.execute("UPDATE library_assets SET deleted_at = ? WHERE id = ?", [when, library_id])

    # -- style capsules -------------------------------------------------------------------------
    def capsule_row(self, library: str, kind: str, name: str) -> dict | None:
        rows = self.db.rows("SELECT * FROM capsules WHERE library = ? AND kind = ? AND name = ? AND deleted_at IS NULL",
                            [library, kind, name])
        return rows[0] if rows else None

    def capsule_rows(self, library: str) -> list[dict]:
        return self.db.rows("SELECT * FROM capsules WHERE library = ? AND deleted_at IS NULL ORDER BY kind, name",
                            [library])

    def capsule_version_row(self, capsule_id: str, number: int | None = None) -> dict | None:
        """A capsule's version `number`, or its newest."""
        sql, params = "SELECT * FROM capsule_versions WHERE capsule_id = ?", [capsule_id]  # type: ignore[list-item]
        if number is not None:
            sql, params = sql + " AND number = ?", params + [number]
        rows = self.db.rows(sql + " ORDER BY number DESC LIMIT 1", params)
        return rows[0] if rows else None

    def capsule_version_numbers(self, capsule_id: str) -> list[int]:
        return [int(r[0]) for r in self.db.fetchall(
            "SELECT number FROM capsule_versions WHERE capsule_id = ? ORDER BY number", [capsule_id])]

    def insert_capsule(self, capsule_id: str, library: str, kind: str, name: str, now: datetime) -> None:
        self.db.execute("INSERT INTO capsules (id, library, kind, name, created_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?)",
                        [capsule_id, library, kind, name, now, None])

    def insert_capsule_version(self, capsule_id: str, number: int, payload_json: str, content_hash: str, author: str,
                               message: str, now: datetime) -> None:
        self.db.execute("INSERT INTO capsule_versions (capsule_id, number, payload, content_hash, author, message, "
                        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [capsule_id, number, payload_json, content_hash, author, message, now])

    def mark_capsule_deleted(self, capsule_id: str, when: datetime) -> None:
        self.db.execute("UPDATE capsules SET deleted_at = ? WHERE id = ?", [when, capsule_id])

    def capsule_application_logged(self, style_version_id: str, generation_id: str | None,
                                   target_version_id: str | None) -> bool:
        return self.db.fetchone(
            "SELECT 1 FROM capsule_applications WHERE style_version_id = ? AND coalesce(generation_id, '') = ? "
            "AND coalesce(target_version_id, '') = ?",
            [style_version_id, generation_id or "", target_version_id or ""]) is not None

    def insert_capsule_application(self, values: list[Any]) -> None:
        """(id, project_id, kind, capsule_name, capsule_source, capsule_version, style_version_id, stage,
        generation_id, target_version_id, created_at)."""
        self.db.execute(
            "INSERT INTO capsule_applications (id, project_id, kind, capsule_name, capsule_source, capsule_version, "
            "style_version_id, stage, generation_id, target_version_id, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)

    def capsule_application_rows(self, project_id: str, *, kind: str | None = None) -> list[dict]:
        sql, params = "SELECT * FROM capsule_applications WHERE project_id = ?", [project_id]
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        return self.db.rows(sql + " ORDER BY created_at, id", params)
