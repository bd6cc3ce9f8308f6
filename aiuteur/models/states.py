"""Stage 8: the state of every asset at the start of a scene, and changes inside it."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class AssetState(BaseModel):
    model_config = ConfigDict(frozen=True)

    asset: str  # asset slug
    tags: list[str] = []
    note: str = ""


class StateChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    shot_id: str
    asset: str
    add_tags: list[str] = []
    remove_tags: list[str] = []
    note: str = ""


class SceneStates(BaseModel):
    model_config = ConfigDict(frozen=True)

    scene: int
    start: list[AssetState]
    changes: list[StateChange] = []
    end: list[AssetState]
    flags: list[str] = []

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
