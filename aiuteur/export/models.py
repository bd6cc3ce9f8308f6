"""Typed inputs and outputs of the export package.

``CutClip`` is what the edit stage hands over: one entry per shot in cut
order, already rendered to a media file.  Validation happens here, once, so
the timeline builder and writers can trust lengths, rates and names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .rates import normalize_rate
from .text import clean_text

__all__ = ["AudioStem", "CutClip", "ExportPaths"]

# Keys build_timeline writes into clip.metadata["aiuteur"] itself.
_RESERVED_METADATA_KEYS = ("shot_id", "scene_number", "scene_heading")


class CutClip(BaseModel):
    """One shot in the edit, with its exact length in frames at ``rate``."""

    model_config = ConfigDict(extra="forbid")

    shot_id: str = Field(min_length=1, description='e.g. "SC010_SH0020"')
    scene_number: int = Field(ge=0)
    scene_heading: str = Field(description="\"INT. MARA'S KITCHEN - NIGHT\"")
    media_path: Path = Field(description="rendered shot clip (mp4), absolute")
    frames: int = Field(gt=0, description="length used in the cut, in frames at rate")
    rate: float = 24.0
    source_start_frame: int = Field(default=0, ge=0)
    name: str | None = Field(default=None, description="display name; default shot_id")
    media_frames: int | None = Field(
        default=None,
        gt=0,
        description="total frames in the media file if known; "
        "default source_start_frame + frames",
    )
    metadata: dict[str, Any] = Field(
        default_factory=dict,
        description='extra ids (version ids etc.) stored under metadata["aiuteur"]',
    )

    @field_validator("shot_id")
    @classmethod
    def _clean_shot_id(cls, value: str) -> str:
        value = clean_text(value)
        if not value:
            raise ValueError("shot_id must not be blank")
        return value

    @field_validator("scene_heading")
    @classmethod
    def _clean_heading(cls, value: str) -> str:
        return clean_text(value)

    @field_validator("name")
    @classmethod
    def _clean_name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return clean_text(value) or None

    @field_validator("media_path")
    @classmethod
    def _absolute_media(cls, value: Path) -> Path:
        if not value.is_absolute():
            raise ValueError(f"media_path must be absolute, got {str(value)!r}")
        return value

    @field_validator("rate")
    @classmethod
    def _canonical_rate(cls, value: float) -> float:
        return normalize_rate(value)

    @model_validator(mode="after")
    def _check_consistency(self) -> CutClip:
        used_end = self.source_start_frame + self.frames
        if self.media_frames is not None and self.media_frames < used_end:
            raise ValueError(
                f"shot {self.shot_id}: source_start_frame + frames = {used_end} "
                f"exceeds media_frames = {self.media_frames}"
            )
        for key in _RESERVED_METADATA_KEYS:
            if key in self.metadata and self.metadata[key] != getattr(self, key):
                raise ValueError(
                    f"shot {self.shot_id}: metadata[{key!r}] = {self.metadata[key]!r} "
                    f"contradicts the field value {getattr(self, key)!r}"
                )
        return self

    @property
    def display_name(self) -> str:
        """Clip name shown in the NLE: ``name`` or the shot id."""
        return self.name or self.shot_id

    @property
    def available_frames(self) -> int:
        """Frames known to exist in the media file (for available_range)."""
        return self.media_frames or self.source_start_frame + self.frames


class AudioStem(BaseModel):
    """One sound stem (dialogue, effects, music...) that runs the whole cut from its first frame:
    an audio track of its own in the .otio and FCP XML (a CMX 3600 EDL keeps picture only)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description='"dialogue", "effects", "music"')
    media_path: Path = Field(description="the stem's WAV, absolute")
    frames: int = Field(gt=0, description="its length at the cut's rate (the cut's length)")

    @field_validator("media_path")
    @classmethod
    def _absolute_media(cls, value: Path) -> Path:
        if not value.is_absolute():
            raise ValueError(f"media_path must be absolute, got {str(value)!r}")
        return value


class ExportPaths(BaseModel):
    """Where :func:`write_exports` put the three files."""

    model_config = ConfigDict(frozen=True)

    otio: Path
    edl: Path
    xml: Path
