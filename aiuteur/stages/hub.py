"""Stage 6 — script hub: each scene's status, its dependencies matched to assets, continuity risks.

Dependencies are the scene's characters (speakers and people its action names), its location
and its props, each matched to an asset by rapidfuzz's normalised Levenshtein similarity on the
asset's name and aliases; a name scoring below MATCH_THRESHOLD (0.85) is listed as unmatched for
a human to resolve (add an alias, or an asset). Risks are advisory (`aiuteur.continuity.risks`).

`build` records the hub as a version (the stage's output); `overview` reads where every scene
stands now — not started, shots draft, shots locked, frames done, video done or stale — which is
computed from the heads, never stored.
"""
from __future__ import annotations

from aiuteur.continuity.extraction import location_name, scene_texts
from aiuteur.continuity.matching import MATCH_THRESHOLD, best_match
from aiuteur.continuity.mentions import Mentions
from aiuteur.continuity.risks import analyse_script
from aiuteur.models.assets import AssetKind, AssetSet, DependencyMatch, HubOverview, HubScene, SceneDependencies, ScriptHub
from aiuteur.models.project import Project
from aiuteur.models.shots import ShotList
from aiuteur.models.story import MasterScript
from aiuteur.models.versions import Staleness, Version
from aiuteur.stages import assets as assets_stage
from aiuteur.stages.gates import require
from aiuteur.store import Store

KEY = "hub"
__all__ = ["KEY", "MATCH_THRESHOLD", "match", "dependencies", "analyse", "build", "overview", "scene_status"]


def match(name: str, candidates: dict[str, str]) -> str | None:
    """The slug whose name (or alias) is most similar to `name`, if similar enough (kept for callers
    holding a name -> slug dict; `aiuteur.continuity.matching.best_match` gives the score too)."""
    found = best_match(name, candidates.items())
    return found.slug if found else None


def dependencies(script: MasterScript, assets: AssetSet) -> list[SceneDependencies]:
    """Per scene: characters, location and props matched to assets; unmatched names listed."""
    texts = {s.number: s for s in scene_texts(script)}
    by_kind: dict[AssetKind, list[tuple[str, str]]] = {
        kind: [(n, a.slug) for a in assets.by_kind(kind) for n in a.names] for kind in ("character", "location", "prop")}
    finder = Mentions(assets.by_kind("character"), possessive=False)
    out = []
    for scene in script.scenes:
        text = texts.get(scene.number)
        named = [assets.get(s).name for s in finder.find("\n".join(text.action))] if text else []
        people = list(dict.fromkeys([*scene.characters, *named]))
        matches = [_match(n, "character", by_kind["character"]) for n in people]
        place = location_name(scene.location)
        if place:
            matches.append(_match(place, "location", by_kind["location"]))
        props = [a for a in assets.by_kind("prop") if scene.number in a.scenes]
        matches += [DependencyMatch(name=p.name, kind="prop", slug=p.slug, matched_name=p.name, score=1.0) for p in props]
        out.append(SceneDependencies(
            scene=scene.number, heading=scene.heading,
            characters=list(dict.fromkeys(m.slug for m in matches if m.kind == "character" and m.slug)),
            location=next((m.slug for m in matches if m.kind == "location"), None),
            props=[p.slug for p in props],
            unmatched=[m.name for m in matches if m.slug is None],
            matches=matches,
        ))
    return out


def _match(name: str, kind: AssetKind, candidates: list[tuple[str, str]]) -> DependencyMatch:
    found = best_match(name, candidates)
    if found is None:
        return DependencyMatch(name=name, kind=kind)
    return DependencyMatch(name=name, kind=kind, slug=found.slug, matched_name=found.name, score=round(found.score, 4))


def analyse(script: MasterScript, assets: AssetSet, shot_lists: dict[int, ShotList] | None = None) -> ScriptHub:
    """The hub's content from a script and roster (pure: no store)."""
    return ScriptHub(scenes=dependencies(script, assets), risks=analyse_script(script, assets, shot_lists))


def build(store: Store, project: Project, *, auto_lock: bool = False) -> Version:
    """Record the hub (dependencies and script risks) made from the locked script and assets."""
    script_version = require(store, project, "script", auto_lock=auto_lock)
    assets_version = assets_stage.require_master(store, project, auto_lock=auto_lock)
    hub = analyse(script_version.model(MasterScript), assets_version.model(AssetSet))
    return store.commit_if_changed(project, KEY, hub, inputs=[script_version, assets_version], message="script hub")


def overview(store: Store, project: Project) -> HubOverview:
    """Every scene with its status now, its dependencies, the unmatched names and all risks
    (script risks plus props shown in shots before their introduction). Reads only."""
    script = require(store, project, "script", locked=False).model(MasterScript)
    roster = require(store, project, assets_stage.KEY, locked=False).model(AssetSet)
    heads = store.heads(project)
    shot_lists = {s.number: heads[f"scene/{s.number}/shots"].model(ShotList)
                  for s in script.scenes if f"scene/{s.number}/shots" in heads}
    hub = analyse(script, roster, shot_lists)
    statuses = scene_status(store, project, [s.number for s in script.scenes], heads=heads, shot_lists=shot_lists)
    rows = []
    for deps in hub.scenes:
        status, reasons = statuses[deps.scene]
        shots = shot_lists.get(deps.scene)
        rows.append(HubScene(scene=deps.scene, heading=deps.heading, status=status, reasons=reasons,
                             shots=len(shots.shots) if shots else 0,
                             seconds=round(shots.duration, 1) if shots else 0.0, dependencies=deps))
    return HubOverview(project=project.name, scenes=rows, unmatched=hub.unmatched, risks=hub.risks,
                       threshold=MATCH_THRESHOLD)


def scene_status(store: Store, project: Project, scenes: list[int], *, heads: dict[str, Version] | None = None,
                 shot_lists: dict[int, ShotList] | None = None) -> dict[int, tuple[str, list[str]]]:
    """scene -> (status, reasons): stale wins, then the furthest stage every shot has reached."""
    heads = heads if heads is not None else store.heads(project)
    memo: dict[str, Staleness] = {}
    out: dict[int, tuple[str, list[str]]] = {}
    for number in scenes:
        shots_head = heads.get(f"scene/{number}/shots")
        if shots_head is None:
            out[number] = ("not started", [])
            continue
        shot_list = (shot_lists or {}).get(number) or shots_head.model(ShotList)
        made = [shots_head, heads.get(f"scene/{number}/states")]
        frames = [heads.get(f"shot/{s.shot_id}/frames") for s in shot_list.shots]
        videos = [heads.get(f"shot/{s.shot_id}/video") for s in shot_list.shots]
        prompts = [heads.get(f"shot/{s.shot_id}/prompt") for s in shot_list.shots]
        reasons = []
        for version in [*made, *prompts, *frames, *videos]:
            if version is not None:
                staleness = store.staleness(version, memo)
                if staleness.status == "stale":
                    reasons.append(f"{version.artifact_key}: {staleness.reasons[0]}")
        if reasons:
            out[number] = ("stale", reasons[:5])
        elif all(videos):
            out[number] = ("video done", [])
        elif all(frames):
            out[number] = ("frames done", [])
        elif shots_head.status == "locked":
            out[number] = ("shots locked", [])
        else:
            out[number] = ("shots draft", [])
    return out
