"""Stage 10 documents: frame cards, frame history, drift flags, the frames mode.

The frames themselves are `aiuteur.models.media.ShotFrames` versions (artifact `shot/<id>/frames`);
these are what the CLI, the Panel page and a notebook are shown about them.
"""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aiuteur.models.media import FrameReference, MediaRef

__all__ = ["DriftFlag", "FrameCard", "FrameReference", "FrameVersionInfo", "FramesMode", "ModeEstimate"]

FramesModeName = Literal["quick", "control"]
FrameState = Literal["pending", "approved", "stale", "missing"]
Moment = Literal["start", "end"]


class FramesMode(BaseModel):
    """How stage 10 runs: `quick` makes every shot's frames at once; `control` makes one shot at a
    time per scene, the next only after a person approved the one before."""

    model_config = ConfigDict(frozen=True)

    mode: FramesModeName = "quick"


class DriftFlag(BaseModel):
    """A character in a frame that no longer looks like its asset's key image."""

    model_config = ConfigDict(frozen=True)

    shot_id: str
    moment: Moment
    character: str
    asset: str  # slug
    distance: float = Field(ge=0)  # 0 = the same look; 1 = nothing in common
    threshold: float
    drifted: bool


class FrameCard(BaseModel):
    """One shot on the stage-10 contact sheet."""

    model_config = ConfigDict(frozen=True)

    shot_id: str
    scene: int
    state: FrameState
    version: int | None = None
    start: MediaRef | None = None
    end: MediaRef | None = None
    start_path: str | None = None  # absolute paths for thumbnails
    end_path: str | None = None
    stale_reasons: list[str] = []
    references: dict[str, list[FrameReference]] = {}  # moment -> what went along
    continues_from: str | None = None  # the shot whose end frame this shot's frames start from
    continuity_changed: bool = False  # that end frame has changed since (carry forward to follow it)
    drift: list[DriftFlag] = []
    waiting: bool = False  # control mode: not made until the shot before is approved


class FrameVersionInfo(BaseModel):
    """One version in a shot's frames history."""

    model_config = ConfigDict(frozen=True)

    version: int
    version_id: str
    status: Literal["draft", "locked"]
    current: bool
    start: MediaRef
    end: MediaRef
    message: str
    author: str
    created_at: datetime
    guidance: str = ""


class ModeEstimate(BaseModel):
    """What stage 10 costs in one mode: images, money, and how many approvals a person gives before
    the last frame is made."""

    model_config = ConfigDict(frozen=True)

    mode: FramesModeName
    engine: str
    images: int
    cost_usd: float
    rounds: int  # batches a person waits for: 1 in quick mode, the longest scene's shot count in control
    note: str
