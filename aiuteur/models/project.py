"""Project identity and configuration (stage 1's validated settings)."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from aiuteur.validate import describe_character, unsafe_character

AspectRatio = Literal["16:9", "9:16", "1:1", "4:3", "2.39:1"]
#: the shortest film worth a scene: 15 s, an establishing shot and a few lines
MIN_TARGET_MINUTES = 0.25
#: the longest: a three-hour feature
MAX_TARGET_MINUTES = 180.0

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
    #: at least one short scene (`MIN_TARGET_MINUTES`), at most a feature; checked by `_long_enough`
    target_minutes: float = Field(default=3.0, gt=0, le=MAX_TARGET_MINUTES, allow_inf_nan=False)
    aspect_ratio: AspectRatio = "16:9"
    language: str = Field(default="en", min_length=2, max_length=10)
    fps: Literal[24, 25, 30] = 24
    writing_style: str | None = None
    visual_style: str | None = None
    budget_usd: float | None = Field(default=None, ge=0, allow_inf_nan=False)  # NaN/inf would switch the cap off

    @field_validator("title", "genre", "tone")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value

    @field_validator("target_minutes")
    @classmethod
    def _long_enough(cls, value: float, info: ValidationInfo) -> float:
        """New settings need room for one scene; a stored config (`context={"stored": True}`) made
        before this rule still loads, so no existing project becomes unreadable."""
        if value < MIN_TARGET_MINUTES and not (info.context or {}).get("stored"):
            raise ValueError(f"must be at least {MIN_TARGET_MINUTES:g} minutes ({MIN_TARGET_MINUTES * 60:g} s): "
                             "too short for one scene")
        return value

    @field_validator("title", "genre", "tone", "audience_rating", "language", "writing_style", "visual_style")
    @classmethod
    def _one_safe_line(cls, value: str | None) -> str | None:
        """No control characters or terminal escapes: these are printed by the CLI and put in prompts."""
        found = unsafe_character(value, multiline=False) if value is not None else None
        if found:
            raise ValueError(f"contains {describe_character(found[1])} at character {found[0] + 1}; "
                             "give one line without control characters or escape sequences")
        return value


class Project(BaseModel):
    """A film in a workspace. `name` is unique in the workspace and may be renamed."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    config: ProjectConfig
    branch: str = "main"
    created_at: datetime
