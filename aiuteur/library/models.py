"""Library entries and who uses them."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from aiuteur.models.assets import AssetKind
from aiuteur.models.media import MediaRef


class LibraryPayload(BaseModel):
    """What one library version holds: an asset's look, without anything project-specific."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: AssetKind
    description: str
    aliases: list[str] = []
    tags: list[str] = []
    image: MediaRef | None = None
    style: str | None = None
    guidance: list[str] = []


class LibraryAsset(LibraryPayload):
    """One version of a library entry (`version_id` is `<id>@v<number>`)."""

    id: str
    number: int
    version_id: str
    author: str
    message: str
    created_at: datetime
    source_project: str | None = None
    deleted: bool = False


class LibraryUsage(BaseModel):
    """A project asset copied from a library entry (on some branch)."""

    project_id: str
    project: str
    branch: str
    artifact_key: str
    version: int  # the project's master version number
    library_version: int  # the library version it was imported from
