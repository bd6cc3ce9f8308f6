"""The store: a workspace's facts in a database, its media files in a content-addressed folder.

Two backends, chosen by the workspace: a DuckDB file (`aiuteur.duckdb`, the embedded default,
media in `aiuteur.media/` beside it) or a PostgreSQL server (`postgresql://…`, for a team; see
`aiuteur.store.postgres` and docs/studio-setup.md).
"""
from __future__ import annotations

import getpass
import os
from pathlib import Path

from aiuteur.store.audit import AuditEntry, AuditMixin
from aiuteur.store.costs import CostRowsMixin
from aiuteur.store.database import Database, DuckDBDatabase
from aiuteur.store.errors import (
    BranchError, ConfirmationRequired, HeadMoved, ProjectExists, ProjectNotFound, StoreError, VersionNotFound,
    WorkspaceBusy, WorkspaceDamaged, WriteConflict, retry_on_conflict,
)
from aiuteur.store.generations import GenerationRecord, GenerationsMixin
from aiuteur.store.jobs import JobRowsMixin
from aiuteur.store.library import LibraryRowsMixin
from aiuteur.store.media import MediaMixin
from aiuteur.store.notes import NotesMixin
from aiuteur.store.notifications import NotificationRowsMixin
from aiuteur.store.postgres import postgres_url
from aiuteur.store.projects import ProjectsMixin
from aiuteur.store.rows import RowsMixin
from aiuteur.store.versions import VersionsMixin

WORKSPACE_ENV = "AIUTEUR_WORKSPACE"
USER_ENV = "AIUTEUR_USER"
DEFAULT_WORKSPACE = "aiuteur.duckdb"


def default_user() -> str:
    """Who is making changes: `$AIUTEUR_USER`, else the operating-system user."""
    name = os.environ.get(USER_ENV, "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment (a container without passwd entry)
        return "unknown"


class Store(ProjectsMixin, VersionsMixin, GenerationsMixin, MediaMixin, NotesMixin, AuditMixin, JobRowsMixin,
            CostRowsMixin, LibraryRowsMixin, NotificationRowsMixin, RowsMixin):
    """A workspace: a DuckDB file (`<name>.duckdb` + `<name>.media/`) or a PostgreSQL URL.

    `user` is who the audit log names as the author of every change made through this object
    (default `$AIUTEUR_USER`, else the OS user; the studio sets the signed-in user)."""

    def __init__(self, path: str | Path, *, read_only: bool = False, user: str | None = None,
                 migrate_upto: int | None = None) -> None:
        url = postgres_url(path)
        self.db: Database
        if url is not None:
            from aiuteur.store.postgres import PostgresDatabase, default_media_root

            pg = PostgresDatabase(url, read_only=read_only, migrate_upto=migrate_upto)
            self.db = pg
            self.media_root = default_media_root(pg.location)
        else:
            self.db = DuckDBDatabase(path, read_only=read_only, migrate_upto=migrate_upto)
            path = Path(path)
            self.media_root = path.with_name(path.stem + ".media")
        self.user = user or default_user()

    @property
    def path(self):
        """The DuckDB file, or the PostgreSQL URL with its password masked."""
        return self.db.path

    @property
    def backend(self) -> str:
        """`duckdb` or `postgresql`."""
        return self.db.backend

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # a command refused (or interrupted) before it wrote anything leaves no empty workspace
        if exc_type is not None and self.db.discard_if_empty():
            return
        self.close()


def default_workspace() -> Path | str:
    """`AIUTEUR_WORKSPACE` (a file path or a `postgresql://` URL), else `aiuteur.duckdb` here."""
    value = os.environ.get(WORKSPACE_ENV) or DEFAULT_WORKSPACE
    return postgres_url(value) or Path(value)


def workspace_display(workspace: str | Path) -> str:
    """The workspace as it may be shown (a page, a log, a message): a PostgreSQL URL with its password
    masked, a DuckDB file as its path."""
    url = postgres_url(workspace)
    if url is None:
        return str(workspace)
    from aiuteur.store.postgres import parse_postgres_url

    return parse_postgres_url(url).display


def change_stamp(workspace: str | Path) -> tuple:
    """A value that changes whenever any process commits to the workspace, read without opening it
    (no lock taken, nothing migrated): a DuckDB file's and its WAL's size and modification time, or
    a PostgreSQL server's write position. For a page deciding whether to re-read."""
    url = postgres_url(workspace)
    if url is not None:
        from aiuteur.store.postgres import write_position

        return (write_position(url),)
    path = Path(workspace)
    stamp: list = []
    for file in (path, path.with_name(path.name + ".wal")):
        try:
            info = os.stat(file)
        except OSError:
            stamp.append(None)
            continue
        stamp.append((info.st_mtime_ns, info.st_size))
    return tuple(stamp)


def open_store(path: str | Path | None = None, *, read_only: bool = False, user: str | None = None) -> Store:
    return Store(path or default_workspace(), read_only=read_only, user=user)


__all__ = [
    "Store", "open_store", "default_workspace", "default_user", "change_stamp", "workspace_display", "GenerationRecord", "AuditEntry",
    "StoreError", "ProjectNotFound", "ProjectExists", "ConfirmationRequired", "VersionNotFound", "BranchError",
    "WorkspaceDamaged", "WorkspaceBusy", "WriteConflict", "HeadMoved", "retry_on_conflict",
]
