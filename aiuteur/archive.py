"""Archive a project into one zip file, and restore it into any workspace, identical.

An archive (``aiuteur archive P FILE [--branch B]``) holds:

* ``archive.json`` — format, aiuteur version, schema version, the project's id and name, the
  branch (if one was chosen), row counts per table and every media file with its sha256;
* ``tables/<table>.json`` — the project's rows of every table that has a ``project_id`` column
  (versions, heads, head log, branches, generations, jobs, notes, budgets, the audit log...) plus
  its ``projects`` row and the ``media`` rows of the files it uses, as columns + rows (timestamps
  tagged so they come back as timestamps);
* ``media/<path>`` — each media file the rows name (any 64-hex sha256 found in them that is a
  media row), stored under its content-addressed path.

``--branch B`` keeps only that branch: its branch row, heads and head-log entries, the versions
those name and everything they were made from (inputs, parents), and the media those use; the
restored project is on ``B``. Other tables are kept whole.

``aiuteur restore FILE --workspace W`` writes it all into ``W`` in one transaction, after checking
every media file against its sha256; a project with the same id or name already in ``W`` is
refused (nothing is written over). Ids are kept, so versions, status and media hashes are the same
as in the workspace archived. Archives are written to a temporary sibling and renamed at the end;
an existing file is refused. Global libraries (style capsules, the asset library) are not part of
a project and are not archived.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from aiuteur.models.project import Project
from aiuteur.store import Store
from aiuteur.store.errors import ProjectExists, StoreError

__all__ = ["ARCHIVE_FORMAT", "ArchiveError", "ArchiveSummary", "archive_project", "read_summary", "restore_project"]

ARCHIVE_FORMAT = "aiuteur-archive/1"
_SHA = re.compile(r"\b[0-9a-f]{64}\b")
_DT = "$datetime"
_D = "$date"


class ArchiveError(StoreError):
    """The archive cannot be written, read or restored (bad file, changed media, name taken)."""


class ArchiveSummary(BaseModel):
    format: str
    aiuteur_version: str
    schema_version: int
    project_id: str
    project_name: str
    branch: str | None
    created_at: str
    tables: dict[str, int]
    media: dict[str, str]  # sha256 -> path inside the workspace's media folder
    path: Path | None = None


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {_DT: value.isoformat()}
    if isinstance(value, date):
        return {_D: value.isoformat()}
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise ArchiveError("binary columns are not supported in archives")
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        if _DT in value:
            return datetime.fromisoformat(value[_DT])
        if _D in value:
            return date.fromisoformat(value[_D])
    return value


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _project_tables(store: Store) -> list[str]:
    return [t for t in store.db.table_names() if "project_id" in store.db.columns(t) and t != "projects"]


def _branch_filter(store: Store, tables: dict[str, tuple[list[str], list[tuple]]], branch: str) -> None:
    """Keep only `branch` in the branch tables, and the versions it uses (inputs and parents too)."""
    def keep(table: str, predicate) -> list[dict]:
        columns, rows = tables[table]
        dicts = [dict(zip(columns, r)) for r in rows]
        kept = [d for d in dicts if predicate(d)]
        tables[table] = (columns, [tuple(d[c] for c in columns) for d in kept])
        return kept

    heads = keep("heads", lambda d: d["branch"] == branch)
    log = keep("head_log", lambda d: d.get("branch") == branch) if "head_log" in tables else []
    keep("branches", lambda d: d["name"] == branch)
    columns, rows = tables["versions"]
    by_id = {r[columns.index("id")]: dict(zip(columns, r)) for r in rows}
    wanted = [d["version_id"] for d in heads] + [d[k] for d in log for k in ("old_version", "new_version") if d.get(k)]
    needed: set[str] = set()
    while wanted:
        version_id = wanted.pop()
        if version_id in needed or version_id not in by_id:
            continue
        needed.add(version_id)
        row = by_id[version_id]
        wanted.extend(json.loads(row["inputs"]) if isinstance(row["inputs"], str) else row["inputs"] or [])
        if row.get("parent_id"):
            wanted.append(row["parent_id"])
    keep("versions", lambda d: d["id"] in needed)


def archive_project(store: Store, project: Project | str, path: Path, *, branch: str | None = None) -> ArchiveSummary:
    """Write the project (or one of its branches) and its media to the zip `path`."""
    from aiuteur import __version__

    project = store.get_project(project) if isinstance(project, str) else project
    path = Path(path)
    if path.exists() or path.is_symlink():
        raise ArchiveError(f"{path} exists: an archive never writes over a file; give a new name")
    tables: dict[str, tuple[list[str], list[tuple]]] = {}
    for table in _project_tables(store):
        tables[table] = store.table_rows(table, "project_id = ?", [project.id])
    tables["projects"] = store.table_rows("projects", "id = ?", [project.id])
    if branch is not None:
        if branch not in {row["name"] for row in store.branches(project)}:
            raise ArchiveError(f"project {project.name!r} has no branch {branch!r}")
        _branch_filter(store, tables, branch)
        columns, rows = tables["projects"]
        at = columns.index("branch")
        tables["projects"] = (columns, [tuple(branch if i == at else v for i, v in enumerate(r)) for r in rows])
    found: set[str] = set()
    for table, (_, rows) in tables.items():
        for row in rows:
            for value in row:
                if isinstance(value, str):
                    found.update(_SHA.findall(value))
    media_columns, media_rows = store.table_rows("media")
    sha_at, path_at = media_columns.index("sha256"), media_columns.index("path")
    media_rows = [r for r in media_rows if r[sha_at] in found]
    tables["media"] = (media_columns, media_rows)
    media = {r[sha_at]: r[path_at] for r in media_rows}
    summary = ArchiveSummary(format=ARCHIVE_FORMAT, aiuteur_version=__version__, schema_version=store.db.schema_version(),
                             project_id=project.id, project_name=project.name, branch=branch,
                             created_at=datetime.now().astimezone().isoformat(timespec="seconds"),
                             tables={t: len(rows) for t, (_, rows) in sorted(tables.items())}, media=media)
    temp = path.with_name(f".{path.name}.part-{secrets.token_hex(4)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            archive.writestr("archive.json", summary.model_dump_json(indent=2, exclude={"path"}))
            for table, (columns, rows) in sorted(tables.items()):
                body = {"columns": columns, "rows": [[_encode(v) for v in row] for row in rows]}
                archive.writestr(f"tables/{table}.json", json.dumps(body, ensure_ascii=False, default=str))
            for sha, rel in sorted(media.items()):
                source = store.media_root / rel
                if not source.is_file():
                    raise ArchiveError(f"media file {source} (sha256 {sha[:12]}) is missing from the workspace")
                archive.write(source, f"media/{rel}", compress_type=zipfile.ZIP_STORED)
        os.link(temp, path)  # refuses a file that appeared meanwhile
    except OSError as exc:
        raise ArchiveError(f"cannot write the archive {path}: {exc.strerror or exc}") from exc
    finally:
        temp.unlink(missing_ok=True)
    return summary.model_copy(update={"path": path})


def read_summary(path: Path) -> ArchiveSummary:
    """What an archive holds (its archive.json), without restoring it."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            data = json.loads(archive.read("archive.json"))
    except (OSError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        raise ArchiveError(f"{path} is not an aiuteur archive: {exc}") from exc
    if data.get("format") != ARCHIVE_FORMAT:
        raise ArchiveError(f"{path} is a {data.get('format')!r} archive; this aiuteur reads {ARCHIVE_FORMAT}")
    return ArchiveSummary(**data, path=path)


def restore_project(store: Store, path: Path) -> Project:
    """Restore the archive at `path` into `store`; the project is refused if its id or name is taken."""
    summary = read_summary(path)
    if summary.schema_version > store.db.schema_version():
        raise ArchiveError(f"{path} was made with a newer workspace schema ({summary.schema_version} > "
                           f"{store.db.schema_version()}): upgrade aiuteur first")
    taken = {p.id: p for p in store.list_projects()} | {p.name: p for p in store.list_projects()}
    if summary.project_id in taken or summary.project_name in taken:
        raise ProjectExists(f"this workspace already has a project {summary.project_name!r} "
                            f"({summary.project_id}); restore into another workspace")
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        for sha, rel in summary.media.items():  # check and place the files first: they are content-addressed
            member = f"media/{rel}"
            if member not in names:
                raise ArchiveError(f"{path} lacks media {rel}")
            target = store.media_root / rel
            if target.is_file() and _sha256_file(target) == sha:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            temp = target.with_name(f".{target.name}.part-{secrets.token_hex(4)}")
            digest = hashlib.sha256()
            try:
                with archive.open(member) as source, open(temp, "wb") as out:
                    for block in iter(lambda: source.read(1 << 20), b""):
                        digest.update(block)
                        out.write(block)
                if digest.hexdigest() != sha:
                    raise ArchiveError(f"media {rel} in {path} does not match its sha256: the archive is damaged")
                os.replace(temp, target)
            finally:
                temp.unlink(missing_ok=True)
        order = ["projects", *sorted(t for t in summary.tables if t not in ("projects", "media"))]
        with store.db.transaction():
            media = json.loads(archive.read("tables/media.json"))
            store.insert_rows("media", media["columns"], [[_decode(v) for v in r] for r in media["rows"]],
                              skip_existing=True)
            for table in order:
                body = json.loads(archive.read(f"tables/{table}.json"))
                if body["rows"]:
                    store.insert_rows(table, body["columns"], ([_decode(v) for v in r] for r in body["rows"]))
    store.__dict__.get("_version_cache", {}).clear()  # versions read before the restore are re-read
    return store.get_project(summary.project_id)
