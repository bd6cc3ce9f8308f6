"""Project identity and configuration (stage 1's validated settings)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

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
    """The small working size (width, height) for an aspect ratio: the `preview` resolution."""
    return _FRAME_SIZES[aspect_ratio]


#: The named output resolutions: the 16:9 box each one means. A film's frame is the largest frame of
#: its aspect ratio inside that box (turned upright for portrait aspects), in even numbers: 1080p is
#: 1920x1080 at 16:9, 1080x1920 at 9:16, 1440x1080 at 4:3 and 1920x804 at 2.39:1.
RESOLUTIONS: dict[str, tuple[int, int]] = {"720p": (1280, 720), "1080p": (1920, 1080), "2160p": (3840, 2160)}
#: The small working sizes of `frame_size` (fast offline drafts; what projects made before the
#: resolution setting existed keep, so their frames, clips and paid requests do not change).
PREVIEW_RESOLUTION = "preview"
#: New projects render at 720p (the demo); 1080p and up are for delivery.
DEFAULT_RESOLUTION = "720p"
#: Bounds of a custom WIDTHxHEIGHT: each side even, within these pixels.
MIN_SIDE, MAX_SIDE = 128, 8192
#: How far a custom size may be from its aspect ratio: two pixels or 1 % of the width.
_ASPECT_SLACK = 0.01


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def _ratio(aspect_ratio: str) -> float:
    w, h = aspect_ratio.split(":")
    return float(w) / float(h)


def resolution_size(resolution: str, aspect_ratio: str) -> tuple[int, int]:
    """(width, height) of a resolution at an aspect ratio: `preview`, `720p`, `1080p`, `2160p` or
    `WIDTHxHEIGHT`. Raises ValueError naming what is wrong (odd, out of range, another aspect)."""
    if aspect_ratio not in _FRAME_SIZES:
        raise ValueError(f"unknown aspect ratio {aspect_ratio!r}; use one of {', '.join(_FRAME_SIZES)}")
    name = resolution.strip().lower()
    if name == PREVIEW_RESOLUTION:
        return frame_size(aspect_ratio)
    ratio = _ratio(aspect_ratio)
    if name in RESOLUTIONS:
        box_w, box_h = RESOLUTIONS[name]
        if ratio < 1:  # portrait: the box stands upright
            box_w, box_h = box_h, box_w
        width = min(box_w, _even(box_h * ratio))
        return width, min(box_h, _even(width / ratio))
    parts = name.replace("×", "x").split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise ValueError(f"resolution {resolution!r}: use {', '.join([PREVIEW_RESOLUTION, *RESOLUTIONS])} "
                         "or WIDTHxHEIGHT such as 1920x1080")
    width, height = (int(p) for p in parts)
    if width % 2 or height % 2:
        raise ValueError(f"resolution {width}x{height}: width and height must be even (H.264 needs it)")
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise ValueError(f"resolution {width}x{height}: each side must be within {MIN_SIDE}..{MAX_SIDE} pixels")
    if abs(width - height * ratio) > max(2.0, _ASPECT_SLACK * width):
        want = f"{_even(height * ratio)}x{height}"
        raise ValueError(f"resolution {width}x{height} is {width / height:.3f}:1, not the project's {aspect_ratio} "
                         f"(at that height: {want})")
    return width, height


def output_size(config: "ProjectConfig") -> tuple[int, int]:
    """The size storyboard frames and animatic clips of a project are made at."""
    return resolution_size(config.resolution, config.aspect_ratio)


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
    #: frames and clips are made at this size: `preview`, `720p`, `1080p`, `2160p` or WIDTHxHEIGHT
    #: (even, matching `aspect_ratio`; see `resolution_size`)
    resolution: str = Field(default=DEFAULT_RESOLUTION, min_length=1, max_length=20)

    @model_validator(mode="before")
    @classmethod
    def _stored_resolution(cls, data: Any, info: ValidationInfo) -> Any:
        """A config stored before the resolution setting existed keeps the preview size it was made
        at: its frames, clips and paid requests (and their idempotency keys) stay what they were."""
        if (info.context or {}).get("stored") and isinstance(data, dict) and "resolution" not in data:
            return {**data, "resolution": PREVIEW_RESOLUTION}
        return data

    @field_validator("resolution")
    @classmethod
    def _resolution_spelling(cls, value: str) -> str:
        """One spelling per size: `1080P` is `1080p`, `1920 × 1080` is `1920x1080`."""
        return "".join(value.lower().replace("×", "x").split())

    @model_validator(mode="after")
    def _resolution_fits(self) -> "ProjectConfig":
        resolution_size(self.resolution, self.aspect_ratio)  # ValueError: odd, out of range or another aspect
        return self

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
