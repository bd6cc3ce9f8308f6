"""Advisory continuity risks in a script (and its shot lists, when they exist). Nothing is blocked.

Three kinds, each a thing a script supervisor checks:

* **offscreen_state_change** — a character enters a scene already in a state they left the
  previous one without ("Mara comes in, soaked"), or contradicting one they had ("spotless" after
  "mud-caked"): the change happened off-screen; make sure it is meant.
* **prop_before_introduction** — a prop is in a shot (or the action) of a scene before the scene
  that introduces it (its first appearance in action, or its caps introduction when it has one).
* **time_jump_in_continuous_action** — a scene that carries straight on (CONTINUOUS, SAME, MOMENTS
  LATER) inherits the light of the scene before it; action light of the other kind ("sunlight" in
  a night chain) is a jump. A scene whose action light contradicts its own heading is reported too.
"""
from __future__ import annotations

import re

from aiuteur.continuity import lexicon
from aiuteur.continuity.extraction import SceneText, scene_texts
from aiuteur.continuity.mentions import Mentions
from aiuteur.models.assets import AssetSet, ContinuityRisk
from aiuteur.models.shots import ShotList
from aiuteur.models.story import MasterScript


def analyse_script(script: MasterScript, assets: AssetSet, shot_lists: dict[int, ShotList] | None = None,
                   scenes: list[SceneText] | None = None) -> list[ContinuityRisk]:
    """Every advisory risk, in scene order."""
    texts = scenes if scenes is not None else scene_texts(script)
    risks = [*offscreen_state_changes(texts, assets), *props_before_introduction(texts, assets, shot_lists or {}),
             *time_jumps(script, texts)]
    return sorted(risks, key=lambda r: (r.scene, r.kind, r.subject))


def offscreen_state_changes(scenes: list[SceneText], assets: AssetSet) -> list[ContinuityRisk]:
    people = assets.by_kind("character")
    finder = Mentions(people)
    names = {a.slug: a.name for a in people}
    state: dict[str, set[str]] = {}
    last_seen: dict[str, int] = {}
    risks: list[ContinuityRisk] = []
    for scene in scenes:
        entered: set[str] = set()
        for paragraph in scene.action:
            for sentence in lexicon.sentences(paragraph):
                named = finder.find(sentence)
                added = [t for t in lexicon.tags_added(sentence) if lexicon.applies(t, "character")]
                cleared = lexicon.tags_cleared(sentence)
                for slug in named:
                    tags = state.setdefault(slug, set())
                    if slug not in entered:
                        entered.add(slug)
                        if slug in last_seen:
                            risks += _entry_risks(scene.number, last_seen[slug], names[slug], tags, added, cleared,
                                                  sentence)
                    tags.difference_update(cleared)
                    tags.update(added)
                    last_seen[slug] = scene.number
    return risks


def _entry_risks(scene: int, previous: int, name: str, tags: set[str], added: list[str], cleared: list[str],
                 sentence: str) -> list[ContinuityRisk]:
    risks = []
    for tag in added:
        if tag not in tags:
            risks.append(ContinuityRisk(
                kind="offscreen_state_change", scene=scene, subject=name,
                message=f"{name} enters scene {scene} {tag} but left scene {previous} without it: the change "
                        f"happened off-screen (\"{_clip(sentence)}\")"))
    for tag in sorted(tags):
        if tag not in cleared and lexicon.contradicts(tag, sentence):
            risks.append(ContinuityRisk(
                kind="offscreen_state_change", scene=scene, subject=name,
                message=f"{name} was {tag} at the end of scene {previous} but enters scene {scene} without it, "
                        f"and nothing on screen changed it (\"{_clip(sentence)}\")"))
    return risks


def props_before_introduction(scenes: list[SceneText], assets: AssetSet,
                              shot_lists: dict[int, ShotList]) -> list[ContinuityRisk]:
    risks: list[ContinuityRisk] = []
    for prop in assets.by_kind("prop"):
        finder = Mentions([prop])
        in_action = [s.number for s in scenes if finder.find("\n".join(s.action))]
        caps = [s.number for s in scenes
                if any(re.search(rf"(?<![\w-]){re.escape(n)}S?(?![\w-])", "\n".join(s.action)) for n in prop.names)]
        introduced = caps[0] if caps else (in_action[0] if in_action else None)
        if introduced is None:
            continue
        if caps:
            for number in (n for n in in_action if n < introduced):
                risks.append(ContinuityRisk(
                    kind="prop_before_introduction", scene=number, subject=prop.name,
                    message=f"{prop.name} is in the action of scene {number} but is introduced (in caps) in "
                            f"scene {introduced}"))
        for number, shot_list in sorted(shot_lists.items()):
            if number >= introduced:
                continue
            for shot in shot_list.shots:
                if any(p.upper() in (n.upper() for n in prop.names) for p in shot.props):
                    risks.append(ContinuityRisk(
                        kind="prop_before_introduction", scene=number, subject=prop.name,
                        message=f"{prop.name} appears in {shot.shot_id} (scene {number}) before scene "
                                f"{introduced} introduces it"))
    return risks


def time_jumps(script: MasterScript, scenes: list[SceneText]) -> list[ContinuityRisk]:
    action = {s.number: "\n".join(s.action) for s in scenes}
    risks: list[ContinuityRisk] = []
    light: str | None = None
    anchor: int | None = None
    for scene in script.scenes:
        stated = lexicon.light_of(scene.time_of_day)
        continuous = lexicon.is_continuous(scene.time_of_day)
        if stated is not None:
            light, anchor = stated, scene.number
        elif not continuous:
            light, anchor = None, None  # LATER, no time: the light is not known
        text = action.get(scene.number, "")
        seen = "day" if lexicon.DAY_LIGHT.search(text) else "night" if lexicon.NIGHT_LIGHT.search(text) else None
        if light is None or seen is None or seen == light:
            continue
        words = (lexicon.DAY_LIGHT if seen == "day" else lexicon.NIGHT_LIGHT).search(text).group()  # type: ignore[union-attr]
        if continuous and anchor != scene.number:
            message = (f"scene {scene.number} is {scene.time_of_day} from scene {anchor} ({light}) but its action has "
                       f"{seen} light (\"{words}\"): time of day jumps inside continuous action")
        else:
            message = f"scene {scene.number} is set at {scene.time_of_day} but its action has {seen} light (\"{words}\")"
        risks.append(ContinuityRisk(kind="time_jump_in_continuous_action", scene=scene.number,
                                    subject=scene.heading, message=message))
    return risks


def _clip(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
