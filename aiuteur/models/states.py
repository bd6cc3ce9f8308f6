"""Stage 8: the state of every asset at the start of a scene, and changes inside it.

A scene's `start` is inherited from the end of the previous scene (which carries every asset seen
so far), `changes` happen at the shot where they happen (`shot_id` None: at the scene's start,
an off-screen change a person recorded), and `end` is what the next scene inherits.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class AssetState(BaseModel):
    model_config = ConfigDict(frozen=True)

    asset: str  # asset slug
    tags: list[str] = []
    note: str = ""


class StateChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    shot_id: str | None  # None: at the start of the scene, before its first shot
    asset: str
    add_tags: list[str] = []
    remove_tags: list[str] = []
    note: str = ""
    source: Literal["script", "manual"] = "script"
    author: str = ""


class FlagOverride(BaseModel):
    """A person decided a continuity flag is fine: who, and why."""

    model_config = ConfigDict(frozen=True)

    author: str
    reason: str
    at: str  # ISO timestamp


FlagKind = Literal["contradicted", "broken_inheritance"]


class ContinuityFlag(BaseModel):
    """A state the scene contradicts; `override` set when a person accepted it."""

    model_config = ConfigDict(frozen=True)

    id: str  # stable: kind, scene, asset, tag and shot
    kind: FlagKind
    scene: int
    asset: str
    tag: str
    shot_id: str | None = None
    message: str
    override: FlagOverride | None = None

    @property
    def open(self) -> bool:
        return self.override is None


class SceneStates(BaseModel):
    model_config = ConfigDict(frozen=True)

    scene: int
    start: list[AssetState]
    changes: list[StateChange] = []
    end: list[AssetState]
    flags: list[ContinuityFlag] = []
    present: list[str] = []  # slugs of the assets seen in this scene (in a shot, or its location)
    inherited_from: dict[str, int] = {}  # asset slug -> the scene its start state came from
    overrides: dict[str, FlagOverride] = {}  # flag id -> override, kept across re-derivations

    def tags_at(self, asset: str, shot_id: str | None = None, shot_order: list[str] | None = None) -> list[str]:
        """Tags of `asset` as seen in `shot_id` (start state plus changes up to that shot)."""
        tags = next((list(s.tags) for s in self.start if s.asset == asset), [])
        order = shot_order or []
        limit = order.index(shot_id) if shot_id in order else len(order)
        for change in self.changes:
            if change.asset != asset:
                continue
            if order and change.shot_id in order and order.index(change.shot_id) > limit:
                continue
            tags = [t for t in tags if t not in change.remove_tags]
            tags += [t for t in change.add_tags if t not in tags]
        return tags

    def end_tags(self, asset: str) -> list[str]:
        return next((list(s.tags) for s in self.end if s.asset == asset), [])


class TimelineEntry(BaseModel):
    """One scene in an asset's life: its state coming in, what changed (at which shot), going out."""

    scene: int
    heading: str
    present: bool
    start: list[str]
    changes: list[StateChange] = []
    end: list[str]
    inherited_from: int | None = None
    flags: list[ContinuityFlag] = []
    version: int | None = None  # the scene states version this row was read from


class AssetTimeline(BaseModel):
    """What `aiuteur states PROJECT --asset NAME --json` prints."""

    asset: str  # slug
    name: str
    kind: str
    scenes: list[TimelineEntry]
