"""Content-addressed media references and the media-bearing artifacts (frames, videos, film)."""
from __future__ import annotations

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


class ShotFrames(BaseModel):
    model_config = ConfigDict(frozen=True)

    shot_id: str
    start: MediaRef
    end: MediaRef


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
