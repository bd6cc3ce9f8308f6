"""Stage 5 — assets: characters, locations and props from the locked script, each with an image key.

Two passes. The parser pass (`aiuteur.continuity.extraction`) is exact on cues and headings and
finds people introduced in action and prop candidates; the text engine writes descriptions and
may add props. Each asset then gets a reference image from the image engine, in the project's
locked visual style.

Artifacts: the roster `assets` holds every asset's identity (name, aliases, kind, scenes), and
`asset/<slug>` holds its master version (description, image, guidance history, library source).
Shot lists, the hub and visual states read the roster; prompts and frames read the master assets
of the characters in each shot, so regenerating one image makes only those shots stale. Locking
the master assets (the stage gate) locks the roster and every master asset.

Asset slugs are the code's, made from the names the script uses, never the engine's. The engine
only describes: names it gives are matched to the roster in upper case (blank ones dropped), and an
asset it gave no description gets the script's introduction or its name, flagged on its master
version (`answer_flags`) until a person edits the description.
"""
from __future__ import annotations

import re

from aiuteur.continuity import extraction
from aiuteur.continuity.extraction import location_name, slug
from aiuteur.engines.gateway import Call, Outcome, generate_image, generate_text
from aiuteur.engines.protocols import ImageRequest, TextRequest
from aiuteur.engines.registry import Engines
from aiuteur.engines.templates import load_template
from aiuteur.models.answers import AnswerFlag
from aiuteur.models.assets import Asset, AssetDescriptions, AssetKind, AssetSet, ImageTake
from aiuteur.models.media import MediaRef
from aiuteur.models.project import Project, frame_size
from aiuteur.models.story import MasterScript, StoryInput
from aiuteur.models.versions import Version
from aiuteur.stages.common import system_prompt
from aiuteur.stages.gates import StageError, require
from aiuteur.store import Store

KEY = "assets"
PREFIX = "asset/"
__all__ = [
    "KEY", "asset_key", "extract", "lock", "lock_asset", "master", "master_versions", "require_master",
    "regenerate_image", "image_history", "use_image", "edit", "add", "location_name", "slug", "visual_style",
    "versions_for", "outdated", "save", "heard_only", "unused_images", "UnusedImage",
]


def asset_key(asset_slug: str) -> str:
    return f"{PREFIX}{asset_slug}"


# -- extraction ---------------------------------------------------------------------------------
def extract(store: Store, project: Project, engines: Engines, *, auto_lock: bool = False, seed: int = 0,
            images: bool = True, regenerate: bool = False) -> Version:
    """Extract the assets from the locked script; returns the roster version.

    A master asset that already exists keeps its description, image and history (a person may
    have worked on it); `regenerate=True` describes and draws everything again. `images=False`
    skips the image engine (descriptions only).
    """
    script_version = require(store, project, "script", auto_lock=auto_lock)
    script = script_version.model(MasterScript)
    parsed = extraction.extract(script)
    described, outcome = _describe(store, project, engines, script_version, parsed, seed)
    roster = [*parsed.characters, *parsed.locations, *_props(parsed, described)]
    style_version, style = visual_style(store, project)
    heads = store.heads(project, PREFIX)
    call = Call(project, "assets", load_template("asset_image"), [script_version])
    idea_version = store.head(project, "input")
    heard = heard_only(script, parsed, idea_version.model(StoryInput).idea if idea_version else "")
    made: list[tuple[Asset, str | None]] = []
    for identity in roster:
        head = heads.get(asset_key(identity.slug))
        previous = head.model(Asset) if head else None
        intro = parsed.introductions.get(identity.name, "")
        if previous is not None and not regenerate and previous.description:
            asset = previous.model_copy(update={**_identity_fields(identity), "introduction": intro, "retired": False})
        else:
            asset = _described(identity, described, intro)
        generation = outcome.generation_id
        seen = asset.name not in heard  # only heard: keeps its voice, gets no image (nobody would see it)
        if images and seen and (asset.image is None or regenerate or asset.style != style):
            ref, image_outcome = _draw(store, project, engines, call, asset, style, seed)
            asset, generation = asset.model_copy(update={"image": ref, "style": style}), image_outcome.generation_id
        made.append((asset, generation))
    inputs = [script_version] + ([style_version] if style_version else [])
    with store.db.transaction():
        for asset, generation in made:
            store.commit_if_changed(project, asset_key(asset.slug), asset, inputs=inputs, generation_id=generation,
                                    message=f"{asset.kind} {asset.name}"
                                    + (" (only heard: no image)" if asset.name in heard else ""))
        kept = {a.slug for a, _ in made}
        for key, head in heads.items():  # cut from the script: kept, marked retired, never deleted
            old = head.model(Asset)
            if old.slug not in kept and not old.retired:
                store.commit(project, key, old.model_copy(update={"retired": True, "scenes": []}), inputs=inputs,
                             message=f"{old.name} is no longer in the script")
        return store.commit_if_changed(project, KEY, AssetSet(assets=[a.identity() for a, _ in made]),
                                       inputs=[script_version], generation_id=outcome.generation_id,
                                       message=f"{len(made)} assets")


def _describe(store: Store, project: Project, engines: Engines, script_version: Version, parsed: extraction.Parsed,
              seed: int) -> tuple[AssetDescriptions, Outcome]:
    idea_version = store.head(project, "input")
    idea = idea_version.model(StoryInput).idea if idea_version else ""
    characters = [a.name for a in parsed.characters]
    locations = [a.name for a in parsed.locations]
    props = [a.name.lower() for a in parsed.props]
    action_lines = [line for scene in parsed.scenes for line in scene.action]
    template = load_template("assets")
    request = TextRequest(
        task="assets", system=system_prompt(project), seed=seed,
        prompt=template.render(characters=", ".join(characters), locations=", ".join(locations),
                               props=", ".join(props) or "(none found)",
                               introductions="\n".join(f"- {k}: {v}" for k, v in parsed.introductions.items()),
                               excerpts="\n".join(action_lines[:40])),
        context={"idea": idea, "characters": characters, "locations": locations, "prop_candidates": props,
                 "introductions": parsed.introductions, "action_lines": action_lines,
                 "genre": project.config.genre, "tone": project.config.tone},
    )
    described, outcome = generate_text(store, Call(project, "assets", template, [script_version]), engines.text,
                                       request, AssetDescriptions)
    upper = AssetDescriptions(descriptions=_by_name(described.descriptions), props=_by_name(described.props))
    return upper, outcome


def _by_name(answer: dict[str, str]) -> dict[str, str]:
    """The engine's names as the roster writes them (upper case, single spaces); blank names dropped."""
    out: dict[str, str] = {}
    for name, text in answer.items():
        name = " ".join(name.split()).upper()
        if name and (text.strip() or name not in out):
            out[name] = text.strip()
    return out


def _described(identity: Asset, described: AssetDescriptions, intro: str) -> Asset:
    """A newly extracted asset with the engine's description; without one it gets the script's
    introduction or its name, flagged for a person."""
    description = described.descriptions.get(identity.name, "")
    if not description and identity.kind == "prop":
        description = described.props.get(identity.name, "")
    flags = []
    if not description:
        description = intro or identity.name.title()
        flags.append(AnswerFlag(item=identity.name, field="description", repaired=True,
                                problem=f"the engine gave no description: using {description!r}"))
    return identity.model_copy(update={"description": description, "introduction": intro, "answer_flags": flags})


def _props(parsed: extraction.Parsed, described: AssetDescriptions) -> list[Asset]:
    """The parser's props, then the engine's that the script really shows (an engine cannot invent one)."""
    props = [p.model_copy(update={"found_in": ["lexicon", "engine"] if p.name in described.props else ["lexicon"]})
             for p in parsed.props]
    known = {p.name for p in props} | {a.name for a in parsed.characters + parsed.locations}
    extra = [Asset(slug=slug("prop", name), name=name, kind="prop", description="", found_in=["engine"])
             for name in described.props if name not in known]
    if extra:
        scenes = extraction.scenes_naming(extra, parsed.scenes)
        spoken = extraction.scenes_naming(extra, parsed.scenes, dialogue=True)
        for asset in extra:
            found = scenes[asset.slug] or spoken[asset.slug]
            if found:
                props.append(asset.model_copy(update={"scenes": found}))
    return [p.model_copy(update={"description": described.props.get(p.name, "")}) for p in props]


def _identity_fields(identity: Asset) -> dict:
    return {k: getattr(identity, k) for k in ("slug", "name", "kind", "aliases", "scenes", "found_in", "parent")}


# -- images -------------------------------------------------------------------------------------
def visual_style(store: Store, project: Project) -> tuple[Version | None, str | None]:
    """(the locked visual style version or None, the style text every image prompt carries).

    The project's locked visual capsule when there is one (`aiuteur.capsules`), else the
    configuration's `visual_style` name, else None (no style line).
    """
    try:
        from aiuteur.capsules.lock import style_text
    except ImportError:  # pragma: no cover - capsules are optional to this stage
        style_text = None
    if style_text is not None:
        version, text = style_text(store, project, "visual")
        if version is not None:
            return version, text
    return None, project.config.visual_style


def _draw(store: Store, project: Project, engines: Engines, call: Call, asset: Asset, style: str | None, seed: int,
          references: list[MediaRef] = ()) -> tuple[MediaRef, Outcome]:
    """The asset's image key: a portrait, an empty establishing view, or an insert of the prop."""
    width, height = frame_size(project.config.aspect_ratio)
    shot_type = {"character": "close-up", "location": "wide", "prop": "insert"}[asset.kind]
    guidance = "; ".join(asset.guidance) or "none"
    context = {
        "int_ext": None, "time_of_day": "DAY", "location": asset.name if asset.kind == "location" else "",
        "shot_type": shot_type, "characters": [asset.name] if asset.kind == "character" else [],
        "caption": f"{asset.kind.upper()}: {asset.name} - {asset.description}"
                   + (f" | {asset.guidance[-1]}" if asset.guidance else "")
                   + (f" | style: {style.split(':')[0][:40]}" if style else ""),  # offline panels show the style too
        "moment": "start", "title": asset.slug,
    }
    prompt = call.template.render(shot_type=shot_type, kind=asset.kind, name=asset.name,
                                  description=" ".join(filter(None, [asset.description, asset.introduction])),
                                  style=style or "none set", guidance=guidance)
    ref, outcome = generate_image(store, call, engines.image, ImageRequest(
        prompt=prompt, width=width, height=height, context=context, seed=seed,
        references=[store.media_path(r) for r in references if store.has_media(r)]))
    return ref, outcome


def regenerate_image(store: Store, project: Project, engines: Engines, asset_slug: str, guidance: str = "", *,
                     seed: int = 0, author: str = "user", unlock: bool = False) -> Version:
    """A new image for one asset, following `guidance`, with the current image as a reference.

    Each regeneration is a new version (the history is the list of takes); a locked master asset
    is only redrawn with `unlock=True`, which leaves a draft to lock again.
    """
    head = _require_asset(store, project, asset_slug)
    if head.status == "locked" and not unlock:
        raise StageError(f"master asset {asset_slug!r} is locked: pass unlock=True (CLI/UI: unlock) to redraw it")
    asset = head.model(Asset)
    note = " ".join(guidance.split())
    updated = asset.model_copy(update={"guidance": [*asset.guidance, note] if note else list(asset.guidance)})
    _, style = visual_style(store, project)
    call = Call(project, "assets", load_template("asset_image"), [head])
    ref, outcome = _draw(store, project, engines, call, updated, style, seed + len(updated.guidance),
                         references=[asset.image] if asset.image else [])
    return store.commit(project, asset_key(asset_slug), updated.model_copy(update={"image": ref, "style": style}),
                        inputs=head.inputs, generation_id=outcome.generation_id, author=author,
                        message=f"image regenerated: {note}" if note else "image regenerated")


def image_history(store: Store, project: Project, asset_slug: str) -> list[ImageTake]:
    """Every image the asset has had, oldest first, with the guidance that made it."""
    head = _require_asset(store, project, asset_slug)
    takes: list[ImageTake] = []
    for version in store.history(project, asset_key(asset_slug)):
        asset = version.model(Asset)
        if asset.image is None:
            continue
        current = version.id == head.id
        if takes and takes[-1].image.sha256 == asset.image.sha256:
            takes[-1] = takes[-1].model_copy(update={"status": version.status, "current": current or takes[-1].current})
            continue
        takes.append(ImageTake(version=version.number, image=asset.image, status=version.status, current=current,
                               guidance=asset.guidance[-1] if asset.guidance else ""))
    return takes


def use_image(store: Store, project: Project, asset_slug: str, version: int, *, author: str = "user") -> Version:
    """Go back to the image of an earlier version (a new version; the later takes stay in history)."""
    head = _require_asset(store, project, asset_slug)
    old = next((v for v in store.history(project, asset_key(asset_slug)) if v.number == version), None)
    if old is None or old.model(Asset).image is None:
        raise StageError(f"asset {asset_slug!r} has no image at version {version}")
    chosen = old.model(Asset)
    current = head.model(Asset)
    return store.commit(project, asset_key(asset_slug),
                        current.model_copy(update={"image": chosen.image, "guidance": chosen.guidance,
                                                   "style": chosen.style}),
                        inputs=head.inputs, author=author, message=f"image of v{version} chosen again")


# -- edits --------------------------------------------------------------------------------------
def edit(store: Store, project: Project, asset_slug: str, *, description: str | None = None,
         aliases: list[str] | None = None, tags: list[str] | None = None, author: str = "user") -> Version:
    """Change an asset's description, aliases or tags: a new master version (and roster, for aliases)."""
    head = _require_asset(store, project, asset_slug)
    asset = head.model(Asset)
    update: dict = {}
    if description is not None:
        if not description.strip():
            raise StageError(f"asset {asset_slug!r}: description must not be blank")
        update["description"] = description.strip()
        update["answer_flags"] = [f for f in asset.answer_flags if f.field != "description"]  # a person wrote it
    if aliases is not None:
        update["aliases"] = _clean_names(aliases, exclude=asset.name)
    if tags is not None:
        update["tags"] = sorted({t.strip().lower() for t in tags if t.strip()})
    changed = [name for name in update if name != "answer_flags"]
    return save(store, project, asset.model_copy(update=update), inputs=head.inputs, author=author,
                message="edited: " + ", ".join(changed) if changed else "edited")


def add(store: Store, project: Project, name: str, kind: AssetKind, description: str = "", *,
        aliases: list[str] = (), author: str = "user") -> Version:
    """An asset the parser missed, added by hand; its scenes are where the script names it."""
    script_version = require(store, project, "script", locked=False)
    name = " ".join(name.split()).upper()
    if not name:
        raise StageError("an asset needs a name")
    if kind not in ("character", "location", "prop"):
        raise StageError(f"asset kind must be character, location or prop, not {kind!r}")
    roster = require(store, project, KEY, locked=False).model(AssetSet)
    if roster.find(name) is not None:
        raise StageError(f"the project already has an asset called {name!r} ({roster.find(name).slug})")  # type: ignore[union-attr]
    asset = Asset(slug=slug(kind, name), name=name, kind=kind, description=description.strip() or name.title(),
                  aliases=_clean_names(list(aliases), exclude=name), found_in=["manual"])
    parsed = extraction.scene_texts(script_version.model(MasterScript))
    scenes = extraction.scenes_naming([asset], parsed)[asset.slug] or \
        extraction.scenes_naming([asset], parsed, dialogue=True)[asset.slug]
    return save(store, project, asset.model_copy(update={"scenes": scenes}), inputs=[script_version], author=author,
                message=f"added {kind} {name}")


def save(store: Store, project: Project, asset: Asset, *, inputs: list, author: str = "user", message: str = "",
         generation_id: str | None = None) -> Version:
    """Commit a master asset and, when its identity changed, a new roster (one transaction)."""
    with store.db.transaction():
        version = store.commit(project, asset_key(asset.slug), asset, inputs=inputs, author=author, message=message,
                               generation_id=generation_id)
        roster_head = store.head(project, KEY)
        roster = roster_head.model(AssetSet) if roster_head else AssetSet(assets=[])
        entries = list(roster.assets)
        position = next((i for i, a in enumerate(entries) if a.slug == asset.slug), None)
        identity = asset.identity()
        if position is None:
            entries.append(identity)
        elif entries[position] != identity:
            entries[position] = identity
        else:
            return version
        store.commit(project, KEY, AssetSet(assets=entries), inputs=roster_head.inputs if roster_head else inputs,
                     author=author, message=f"roster: {asset.name} {'added' if position is None else 'changed'}")
    return version


def _clean_names(names: list[str], exclude: str) -> list[str]:
    out: list[str] = []
    for name in names:
        name = " ".join(name.split()).upper()
        if name and name != exclude and name not in out:
            out.append(name)
    return out


# -- the gate and reading -----------------------------------------------------------------------
def lock(store: Store, project: Project, *, author: str = "user") -> Version:
    """"Lock master assets": every master asset and the roster (the stage gate)."""
    store.require_head(project, KEY)
    with store.db.transaction():
        for key in store.heads(project, PREFIX):
            store.lock(project, key, author=author, message="master asset locked")
        return store.lock(project, KEY, author=author, message="master assets locked")


def lock_asset(store: Store, project: Project, asset_slug: str, *, author: str = "user") -> Version:
    """"Lock master asset" for one asset: its look is final."""
    _require_asset(store, project, asset_slug)
    return store.lock(project, asset_key(asset_slug), author=author, message="master asset locked")


def require_master(store: Store, project: Project, *, auto_lock: bool = False) -> Version:
    """The locked roster, for the stages after this one; with `auto_lock` every master asset is locked too."""
    head = store.head(project, KEY)
    if auto_lock and head is not None and store.staleness(head).status == "fresh":
        if head.status != "locked" or any(v.status != "locked" for v in store.heads(project, PREFIX).values()):
            lock(store, project, author="aiuteur")
    return require(store, project, KEY, auto_lock=auto_lock)


def outdated(store: Store, project: Project) -> bool:
    """Whether extraction must run (again): no roster, a stale roster, or a stale master asset
    (e.g. the locked visual style changed, so its image must be redrawn)."""
    roster = store.head(project, KEY)
    if roster is None:
        return True
    memo: dict = {}
    if store.staleness(roster, memo).status != "fresh":
        return True
    return any(store.staleness(v, memo).status != "fresh" for v in store.heads(project, PREFIX).values()
               if not v.model(Asset).retired)


def master_versions(store: Store, project: Project) -> tuple[AssetSet, dict[str, Version]]:
    """The roster's assets with their master looks, and each one's master version by slug."""
    roster = require(store, project, KEY, locked=False).model(AssetSet)
    heads = store.heads(project, PREFIX)
    assets, versions = [], {}
    for identity in roster.assets:
        version = heads.get(asset_key(identity.slug))
        if version is None:
            assets.append(identity)
            continue
        versions[identity.slug] = version
        assets.append(version.model(Asset).model_copy(update=_identity_fields(identity)))
    return AssetSet(assets=assets), versions


def master(store: Store, project: Project) -> AssetSet:
    return master_versions(store, project)[0]


def versions_for(assets: AssetSet, versions: dict[str, Version], names: list[str]) -> list[Version]:
    """The master versions of the assets called `names` (a shot's characters): a shot's exact inputs."""
    out = []
    for name in names:
        asset = assets.find(name)
        if asset is not None and asset.slug in versions and versions[asset.slug] not in out:
            out.append(versions[asset.slug])
    return out


def _require_asset(store: Store, project: Project, asset_slug: str) -> Version:
    head = store.head(project, asset_key(asset_slug))
    if head is None:
        roster = store.head(project, KEY)
        known = ", ".join(a.slug for a in roster.model(AssetSet).assets[:12]) if roster else "none (run stage 5 first)"
        raise StageError(f"project {project.name!r} has no asset {asset_slug!r} (assets: {known})")
    return head


# -- who is only heard, and which images no frame uses ------------------------------------------
#: words in an action sentence that name someone without showing them (their voice, a message, a memory)
_NOT_SHOWN = re.compile(r"\b(voice|voices|radio|radios|message|messages|static|crackl\w*|speaker|phone|call sign|"
                        r"recording|tape|heard|hears|hear|memory|memories|photo\w*|picture|grave|drowned|dead)\b",
                        re.I)
#: a parenthetical that puts the speaker off screen ("(on the phone)"; "(into the phone)" is someone we see)
_OFF_SCREEN_NOTE = re.compile(r"\b((on|over|through|from) (the |a )?(radio|phone|line|speaker|intercom|air|tape)|"
                              r"filtered|off[- ]?screen|off[- ]?camera|v\.?o\.?|o\.?s\.?|o\.?c\.?)(?![a-z])", re.I)
#: words of an idea that put a person out of the world: "her drowned brother Tomas", "his late father"
_GONE = r"(dead|drowned|late|lost|missing|deceased|departed|absent|vanished|ghost of|memory of)"


def heard_only(script: MasterScript, parsed: extraction.Parsed, idea: str = "") -> set[str]:
    """The characters the film only hears: every cue of theirs is off screen (V.O., O.S., on a radio
    or a phone, by extension or parenthetical) and no action sentence shows them — one that starts
    with them does, one that names their voice, a message or their death does not, and for someone
    dead or absent per the idea ("her drowned brother Tomas") no mention does. They keep their
    voice but get no image: an image nobody sees is money spent for nothing."""
    from aiuteur.screenplay import ElementType, parse
    from aiuteur.screenplay.names import character_name
    from aiuteur.sound.treatments import treatment_of

    cues: dict[str, list[bool]] = {}  # name -> for each of their cues, whether it is off screen
    elements = parse(script.fountain).elements
    for i, element in enumerate(elements):
        if element.type is not ElementType.CHARACTER:
            continue
        following = elements[i + 1] if i + 1 < len(elements) else None
        note = following.text if following is not None and following.type is ElementType.PARENTHETICAL else None
        extension = element.text[element.text.find("("):] if "(" in element.text else None
        off = bool(extension and treatment_of(extension) != "on_screen") or bool(note and _OFF_SCREEN_NOTE.search(note))
        cues.setdefault(character_name(element.text), []).append(off)
    out: set[str] = set()
    for person in parsed.characters:
        off_screen = [off for name in person.names for off in cues.get(name.upper(), [])]
        if not off_screen or not all(off_screen):
            continue
        gone = any(re.search(rf"\b{_GONE}\b([^\w.!?;]+\w+){{0,3}}?[^\w.!?;]+{re.escape(n)}\b", idea, re.I)
                   for n in person.names)  # "drowned brother Tomas", within one sentence
        if gone or not _shown_in_action(person, parsed.scenes):
            out.add(person.name)
    return out


def _shown_in_action(person: Asset, scenes: list[extraction.SceneText]) -> bool:
    """Does an action sentence name `person` as someone on screen (not their voice or memory)?"""
    from aiuteur.continuity.mentions import Mentions

    finder = Mentions([person], possessive=False)
    for scene in scenes:
        for paragraph in scene.action:
            for sentence in re.split(r"(?<=[.!?])\s+", paragraph):
                if not finder.find(sentence):
                    continue
                subject = " ".join(sentence.split()[:3])  # "Ida listens to the radio": Ida is there
                if finder.find(subject) or not _NOT_SHOWN.search(sentence):
                    return True
    return False
