"""Stage 8 — visual states: each asset's state at the start of a scene, inherited from the scene before.

Status tags (muddy, wet, bloody, torn, injured...) are found in shot actions by a small lexicon,
recorded at the shot where they happen, and carried forward until a later change removes them.
"""
from __future__ import annotations

import re

from aiuteur.models.assets import AssetSet
from aiuteur.models.project import Project
from aiuteur.models.shots import ShotList
from aiuteur.models.states import AssetState, SceneStates, StateChange
from aiuteur.models.versions import Version
from aiuteur.stages import shots as shots_stage
from aiuteur.stages.gates import require
from aiuteur.store import Store

TAG_WORDS = {
    "muddy": r"\bmud(dy)?\b", "wet": r"\b(wet|soaked|drenched|rain-soaked)\b", "bloody": r"\b(blood|bloody|bleeding)\b",
    "torn": r"\b(torn|rips?|ripped)\b", "injured": r"\b(injured|limps?|limping|wounded)\b",
}
CLEAN_WORDS = {"muddy": r"\b(washes|cleans)\b", "wet": r"\b(dries|dry clothes|towel)\b", "bloody": r"\b(bandages?|washes)\b"}


def key(scene: int) -> str:
    return f"scene/{scene}/states"


def derive(store: Store, project: Project, scene: int, *, auto_lock: bool = False) -> Version:
    shots_version = require(store, project, shots_stage.key(scene), auto_lock=auto_lock)
    assets_version = require(store, project, "assets", auto_lock=auto_lock)
    previous = store.head(project, key(scene - 1)) if scene > 1 else None
    inherited = {s.asset: s for s in previous.model(SceneStates).end} if previous else {}
    assets = assets_version.model(AssetSet)
    slugs = {a.name: a.slug for a in assets.assets}
    shot_list = shots_version.model(ShotList)
    present = {slugs[c] for shot in shot_list.shots for c in shot.characters if c in slugs}
    start = [inherited.get(slug, AssetState(asset=slug)) for slug in sorted(present | set(inherited))]
    changes = list(_changes(shot_list, slugs))
    states = SceneStates(scene=scene, start=start, changes=changes, end=[])
    order = [s.shot_id for s in shot_list.shots]
    end = [AssetState(asset=s.asset, tags=states.tags_at(s.asset, order[-1], order), note=s.note) for s in start]
    inputs = [shots_version, assets_version] + ([previous] if previous else [])
    return store.commit_if_changed(project, key(scene), states.model_copy(update={"end": end}), inputs=inputs,
                        message=f"states for scene {scene}")


def _changes(shot_list: ShotList, slugs: dict[str, str]):
    for shot in shot_list.shots:
        text = f"{shot.action} {shot.notes}".lower()
        added = [tag for tag, pattern in TAG_WORDS.items() if re.search(pattern, text)]
        removed = [tag for tag, pattern in CLEAN_WORDS.items() if re.search(pattern, text)]
        if not (added or removed):
            continue
        for name in shot.characters:
            if name in slugs:
                yield StateChange(shot_id=shot.shot_id, asset=slugs[name], add_tags=added, remove_tags=removed,
                                  note=shot.action[:120])


def tags_in_shot(states: SceneStates, shot_list: ShotList, shot_id: str) -> dict[str, list[str]]:
    """Asset slug -> tags as they are in this shot."""
    order = [s.shot_id for s in shot_list.shots]
    return {s.asset: states.tags_at(s.asset, shot_id, order) for s in states.start if states.tags_at(s.asset, shot_id, order)}
