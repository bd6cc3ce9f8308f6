"""The store: one DuckDB file per workspace, media files beside it."""
from __future__ import annotations

import os
from pathlib import Path

from aiuteur.store.database import Database
from aiuteur.store.errors import (
    BranchError, ConfirmationRequired, ProjectExists, ProjectNotFound, StoreError, VersionNotFound, WorkspaceDamaged,
)
from aiuteur.store.generations import GenerationRecord, GenerationsMixin
from aiuteur.store.media import MediaMixin
from aiuteur.store.notes import NotesMixin
from aiuteur.store.projects import ProjectsMixin
from aiuteur.store.versions import VersionsMixin

WORKSPACE_ENV = "AIUTEUR_WORKSPACE"
DEFAULT_WORKSPACE = "aiuteur.duckdb"


class Store(ProjectsMixin, VersionsMixin, GenerationsMixin, MediaMixin, NotesMixin):
    """A workspace: `<name>.duckdb` holds the facts, `<name>.media/` the content-addressed files."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.db = Database(path, read_only=read_only)
        path = Path(path)
        self.media_root = path.with_name(path.stem + ".media")

    @property
    def path(self) -> Path:
        return self.db.path

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # a command refused (or interrupted) before it wrote anything leaves no empty workspace
        if exc_type is not None and self.db.discard_if_empty():
            return
        self.close()


def default_workspace() -> Path:
    """`AIUTEUR_WORKSPACE`, else `aiuteur.duckdb` in the current folder."""
    return Path(os.environ.get(WORKSPACE_ENV) or DEFAULT_WORKSPACE)


def open_store(path: str | Path | None = None, *, read_only: bool = False) -> Store:
    return Store(path or default_workspace(), read_only=read_only)


__all__ = [
    "Store", "open_store", "default_workspace", "GenerationRecord",
    "StoreError", "ProjectNotFound", "ProjectExists", "ConfirmationRequired", "VersionNotFound", "BranchError",
    "WorkspaceDamaged",
]
