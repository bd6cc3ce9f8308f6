"""Stage 6 — script hub: each scene's dependencies matched to assets, and continuity risks.

Names are matched with rapidfuzz's normalised Levenshtein similarity; a name scoring below
MATCH_THRESHOLD is listed as unmatched for a human to resolve.
"""
from __future__ import annotations

from rapidfuzz.distance import Levenshtein

from aiuteur.models.assets import AssetSet, SceneDependencies, ScriptHub
from aiuteur.models.project import Project
from aiuteur.models.story import MasterScript
from aiuteur.models.versions import Version
from aiuteur.stages.assets import location_name
from aiuteur.stages.gates import require
from aiuteur.store import Store

KEY = "hub"
MATCH_THRESHOLD = 0.85


def match(name: str, candidates: dict[str, str]) -> str | None:
    """The slug whose name (or alias) is most similar to `name`, if similar enough."""
    best, score = None, 0.0
    for candidate, slug in candidates.items():
        similarity = Levenshtein.normalized_similarity(name.upper(), candidate.upper())
        if similarity > score:
            best, score = slug, similarity
    return best if score >= MATCH_THRESHOLD else None


def build(store: Store, project: Project, *, auto_lock: bool = False) -> Version:
    script_version = require(store, project, "script", auto_lock=auto_lock)
    assets_version = require(store, project, "assets", auto_lock=auto_lock)
    script, assets = script_version.model(MasterScript), assets_version.model(AssetSet)
    names = {n: a.slug for a in assets.assets for n in [a.name, *a.aliases]}
    scenes = []
    for scene in script.scenes:
        unmatched = []
        characters = []
        for name in scene.characters:
            found = match(name, names)
            (characters.append(found) if found else unmatched.append(name))
        location = match(location_name(scene.location), names)
        if location is None:
            unmatched.append(scene.location)
        props = [a.slug for a in assets.by_kind("prop") if scene.number in a.scenes]
        scenes.append(SceneDependencies(scene=scene.number, heading=scene.heading, characters=characters,
                                        location=location, props=props, unmatched=unmatched))
    return store.commit_if_changed(project, KEY, ScriptHub(scenes=scenes, risks=continuity_risks(script)),
                        inputs=[script_version, assets_version], message="script hub")


def continuity_risks(script: MasterScript) -> list[str]:
    """Advisory risks: time of day jumping inside continuous action, a character vanishing for long stretches."""
    risks = []
    for before, after in zip(script.scenes, script.scenes[1:]):
        if (after.time_of_day or "").upper() == "CONTINUOUS" and before.time_of_day not in (None, "CONTINUOUS"):
            if location_name(before.location) != location_name(after.location):
                risks.append(f"scene {after.number} is CONTINUOUS from scene {before.number} but changes location")
        if (before.time_of_day, after.time_of_day) in {("NIGHT", "DAY"), ("DAY", "NIGHT")} and \
                location_name(before.location) == location_name(after.location) and \
                set(before.characters) & set(after.characters):
            risks.append(f"scenes {before.number}-{after.number}: same place and people, {before.time_of_day} -> "
                         f"{after.time_of_day}: check costumes and states carry over")
    return risks
