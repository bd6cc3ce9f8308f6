"""Immutable versions and computed staleness."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

M = TypeVar("M", bound=BaseModel)


class Version(BaseModel):
    """One immutable artifact version. Edits and regenerations make new ones."""

    model_config = ConfigDict(frozen=True)

    id: str
    project_id: str
    artifact_key: str
    number: int
    kind: str
    parent_id: str | None
    inputs: list[str]
    payload: dict[str, Any]
    content_hash: str
    status: Literal["draft", "locked"]
    generation_id: str | None
    author: str
    message: str
    branch: str
    created_at: datetime

    def model(self, cls: type[M]) -> M:
        """The payload as its Pydantic model."""
        return cls.model_validate(self.payload, context={"stored": True})  # later rules keep old versions readable

    @property
    def label(self) -> str:
        return f"{self.artifact_key} v{self.number}"


class Staleness(BaseModel):
    """FRESH, STALE (with reasons) or MISSING — computed from lineage, never stored."""

    status: Literal["fresh", "stale", "missing"]
    reasons: list[str] = []
