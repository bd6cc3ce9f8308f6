"""Project identity and configuration (stage 1's validated settings)."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

AspectRatio = Literal["16:9", "9:16", "1:1", "4:3", "2.39:1"]

#: Storyboard/animatic working sizes per aspect ratio: small enough to render fast on two
#: cores, even numbers so H.264 (yuv420p) accepts them.
_FRAME_SIZES: dict[str, tuple[int, int]] = {
    "16:9": (640, 360),
    "9:16": (360, 640),
    "1:1": (480, 480),
    "4:3": (576, 432),
    "2.39:1": (688, 288),
}


def frame_size(aspect_ratio: str) -> tuple[int, int]:
    """The offline render size (width, height) for an aspect ratio."""
    return _FRAME_SIZES[aspect_ratio]


class ProjectConfig(BaseModel):
    """What a film is meant to be. Validated at the edge so every stage can trust it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, max_length=200)
    genre: str = Field(default="drama", min_length=1, max_length=60)
    tone: str = Field(default="hopeful", min_length=1, max_length=60)
    audience_rating: str = Field(default="PG", max_length=10)
    target_minutes: float = Field(default=3.0, gt=0, le=180)
    aspect_ratio: AspectRatio = "16:9"
    language: str = Field(default="en", min_length=2, max_length=10)
    fps: Literal[24, 25, 30] = 24
    writing_style: str | None = None
    visual_style: str | None = None
    budget_usd: float | None = Field(default=None, ge=0)

    @field_validator("title", "genre", "tone")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value


class Project(BaseModel):
    """A film in a workspace. `name` is unique in the workspace and may be renamed."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    config: ProjectConfig
    branch: str = "main"
    created_at: datetime
