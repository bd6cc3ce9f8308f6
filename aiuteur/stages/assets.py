"""Stage 5 — assets: characters, locations and props from the locked script, each with an image key.

Characters and locations come from an exact parser pass (cues and headings); descriptions and
props from the text engine; the image key from the image engine.
"""
from __future__ import annotations

import re

from aiuteur.engines.gateway import Call, generate_image, generate_text
from aiuteur.engines.protocols import ImageRequest, TextRequest
from aiuteur.engines.registry import Engines
from aiuteur.engines.templates import load_template
from aiuteur.models.assets import Asset, AssetDescriptions, AssetSet
from aiuteur.models.project import Project, frame_size
from aiuteur.models.story import MasterScript, StoryInput
from aiuteur.models.versions import Version
from aiuteur.screenplay import parse
from aiuteur.stages.common import system_prompt
from aiuteur.stages.gates import require
from aiuteur.store import Store

KEY = "assets"
_TRAILING_TIME = re.compile(r"\s*-\s*(LATER|CONTINUOUS|MOMENTS LATER|SAME|SAME TIME)\s*$")


def slug(kind: str, name: str) -> str:
    prefix = {"character": "char", "location": "loc", "prop": "prop"}[kind]
    return f"{prefix}-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def location_name(location: str) -> str:
    """One location however a heading dresses it: "BRICK'S PATIO - LATER" is "BRICK'S PATIO"."""
    return _TRAILING_TIME.sub("", location.upper()).strip()


def extract(store: Store, project: Project, engines: Engines, *, auto_lock: bool = False, seed: int = 0) -> Version:
    script_version = require(store, project, "script", auto_lock=auto_lock)
    script = script_version.model(MasterScript)
    idea = require(store, project, "input").model(StoryInput).idea
    characters: dict[str, list[int]] = {}
    locations: dict[str, list[int]] = {}
    for scene in script.scenes:
        for name in scene.characters:
            characters.setdefault(name, []).append(scene.number)
        locations.setdefault(location_name(scene.location), []).append(scene.number)
    action_lines = [e.text for e in parse(script.fountain).elements if e.type.name.lower() == "action"]
    template = load_template("assets")
    request = TextRequest(
        task="assets", system=system_prompt(project), seed=seed,
        prompt=template.render(characters=", ".join(characters), locations=", ".join(locations),
                               excerpts="\n".join(action_lines[:40])),
        context={"idea": idea, "characters": list(characters), "locations": list(locations),
                 "action_lines": action_lines, "genre": project.config.genre, "tone": project.config.tone},
    )
    call = Call(project, "assets", template, [script_version])
    described, outcome = generate_text(store, call, engines.text, request, AssetDescriptions)
    assets: list[Asset] = []
    for kind, names in (("character", characters), ("location", locations)):
        for name, scenes in names.items():
            assets.append(Asset(slug=slug(kind, name), name=name, kind=kind, scenes=scenes,  # type: ignore[arg-type]
                                description=described.descriptions.get(name, name.title())))
    for prop, description in described.props.items():
        scenes = [s.number for s in script.scenes if prop.lower() in s.text.lower()]
        assets.append(Asset(slug=slug("prop", prop), name=prop.upper(), kind="prop", description=description, scenes=scenes))
    with_images = [_with_image(store, project, engines, call, a, seed) for a in assets]
    return store.commit(project, KEY, AssetSet(assets=with_images), inputs=[script_version],
                        generation_id=outcome.generation_id, message=f"{len(assets)} assets")


def _with_image(store: Store, project: Project, engines: Engines, call: Call, asset: Asset, seed: int) -> Asset:
    """The asset's image key: a portrait, an empty establishing view, or an insert of the prop."""
    width, height = frame_size(project.config.aspect_ratio)
    shot_type = {"character": "close-up", "location": "wide", "prop": "insert"}[asset.kind]
    context = {
        "int_ext": None, "time_of_day": "DAY", "location": asset.name if asset.kind == "location" else "",
        "shot_type": shot_type, "characters": [asset.name] if asset.kind == "character" else [],
        "caption": f"{asset.kind.upper()}: {asset.name} - {asset.description}", "moment": "start", "title": asset.slug,
    }
    prompt = f"Reference image, {shot_type}, of {asset.kind} {asset.name}: {asset.description}"
    ref, _ = generate_image(store, call, engines.image,
                            ImageRequest(prompt=prompt, width=width, height=height, context=context, seed=seed))
    return asset.model_copy(update={"image": ref})


def lock(store: Store, project: Project, *, author: str = "user") -> Version:
    return store.lock(project, KEY, author=author, message="master assets locked")
