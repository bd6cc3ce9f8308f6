"""Content-addressed media references and the media-bearing artifacts (frames, videos, film)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class MediaRef(BaseModel):
    """A file in the workspace's media folder, named by its sha256."""

    model_config = ConfigDict(frozen=True)

    sha256: str
    path: str  # relative to the media root
    mime: str
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    frames: int | None = None


class FrameReference(BaseModel):
    """One image sent with a frame request as a reference, and why (stage 10)."""

    model_config = ConfigDict(frozen=True)

    role: Literal["character", "location", "prop", "start frame", "previous end frame", "frame to repair"]
    name: str  # the asset's name, or the shot id the frame belongs to
    sha256: str


class ShotFrames(BaseModel):
    """A shot's start and end frame. The rest says how they were made (stage 10): the engine and
    seed, the guidance a person gave, the references sent with each moment, and — where the shot
    continues the one before it — that shot's end frame as it was used (`continuity_end`), so a
    later change to it is seen and carried forward only when a person asks."""

    model_config = ConfigDict(frozen=True)

    shot_id: str
    start: MediaRef
    end: MediaRef
    engine: str | None = None
    seed: int = 0
    guidance: str = ""
    continues_from: str | None = None
    continuity_end: MediaRef | None = None
    references: dict[str, list[FrameReference]] = {}


class ShotVideo(BaseModel):
    model_config = ConfigDict(frozen=True)

    shot_id: str
    media: MediaRef
    fallback_note: str | None = None


class FilmClip(BaseModel):
    model_config = ConfigDict(frozen=True)

    shot_id: str
    scene: int
    heading: str
    media: MediaRef
    start_frame: int
    frames: int


class Film(BaseModel):
    model_config = ConfigDict(frozen=True)

    media: MediaRef
    fps: int
    clips: list[FilmClip]

    @property
    def duration(self) -> float:
        return sum(c.frames for c in self.clips) / self.fps
