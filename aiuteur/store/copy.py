"""Copy a project from one workspace to another — DuckDB file or PostgreSQL, either way round.

Everything that names the project comes along, ids unchanged: its row, branches, versions, heads
and their log, generations, jobs, budgets, approvals and the cost ledger, review notes with their
history and retakes, notifications, capsule applications and its audit log; plus the `media` rows
and files its rows refer to (each file checked against its sha256). Workspace-wide libraries
(style capsules, the asset library) are not part of a project and stay where they are.

The target is written in one transaction: a project whose id or name is already there is refused
(`ProjectExists`), and a failure leaves nothing behind but media files (content-addressed, so a
stray one is harmless and reused by the next copy)."""
from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from aiuteur.models.project import Project
from aiuteur.store.errors import ProjectExists, StoreError

_SHA = re.compile(r"\b[0-9a-f]{64}\b")


class CopySummary(BaseModel):
    project_id: str
    project: str
    source: str
    target: str
    rows: dict[str, int]  # table -> rows copied
    media_files: int
    media_bytes: int


def project_tables(store: Any) -> list[str]:
    """Every table with a `project_id` column (the projects table itself aside)."""
    return [t for t in store.db.table_names() if "project_id" in store.db.columns(t) and t != "projects"]


def copy_project(source: Any, project: Project | str, target: Any) -> CopySummary:
    """Copy `project` from the `source` Store into the `target` Store (see the module docstring)."""
    project = source.get_project(project)
    for other in target.list_projects():
        if other.id == project.id or other.name == project.name:
            raise ProjectExists(f"{target.path} already has a project {other.name!r} ({other.id}): "
                                "rename or delete it there first; nothing was copied")
    tables = {t: source.table_rows(t, "project_id = ?", [project.id]) for t in project_tables(source)}
    tables["projects"] = source.table_rows("projects", "id = ?", [project.id])
    used = {sha for _, rows in tables.values() for row in rows for sha in _SHA.findall(repr(row))}
    media_columns, media_rows = source.table_rows("media")
    sha_index, path_index = media_columns.index("sha256"), media_columns.index("path")
    media = [row for row in media_rows if row[sha_index] in used]
    size = 0
    for row in media:  # files first: rows must never name a file the target does not have
        size += _copy_file(source.media_root / row[path_index], target.media_root / row[path_index], row[sha_index])
    missing_tables = sorted(set(tables) - set(target.db.table_names()))
    if missing_tables:
        raise StoreError(f"{target.path} has no table {missing_tables[0]!r}: it was made by an older aiuteur; "
                         "open it once with this version to migrate it")
    with target.db.transaction():
        target.insert_rows("projects", *tables.pop("projects"))
        target.insert_rows("media", media_columns, media, skip_existing=True)
        for table, (columns, rows) in sorted(tables.items()):
            target.insert_rows(table, columns, rows)
        target.audit(project.id, "project.copy", {"from": str(source.path), "to": str(target.path),
                                                  "rows": sum(len(r) for _, r in tables.values()),
                                                  "media_files": len(media)})
    target.__dict__.get("_version_cache", {}).clear()
    return CopySummary(project_id=project.id, project=project.name, source=str(source.path), target=str(target.path),
                       rows={t: len(r) for t, (_, r) in tables.items()}, media_files=len(media), media_bytes=size)


def _copy_file(source: Path, target: Path, sha256: str) -> int:
    """Copy one media file (checked against its hash); an identical file already there is kept."""
    if target.exists() and _sha256(target) == sha256:
        return 0
    if not source.exists():
        raise StoreError(f"media file {source} is missing from the source workspace (sha256 {sha256[:12]}); "
                         "nothing was copied")
    if _sha256(source) != sha256:
        raise StoreError(f"media file {source} does not match its sha256 {sha256[:12]}: the source is damaged; "
                         "nothing was copied")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    shutil.copyfile(source, partial)
    partial.replace(target)
    return target.stat().st_size


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
