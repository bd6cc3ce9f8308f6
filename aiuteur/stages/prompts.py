"""Stage 9 — prompts: frame, video and system prompts assembled per shot from locked inputs.

Sections follow Veo-style structure (visual, subjects, action, dialogue, audio, timing, style).
A human edit makes a new version marked `edited` (manual). Regeneration keeps it while it is
fresh; when its inputs change under it, it is never replaced silently: the edit stays the head,
the freshly assembled prompt is stored beside it (`ShotPrompt.regenerated`) and the prompt is
"edited, stale" until a person keeps, takes or merges (`resolve_stale_prompt`). Because the
rendered prompt is part of every idempotency key, an edited prompt is never ignored.

The inspector (`list_prompts`) checks each prompt against the capability matrix of the engines
the project uses (length, empty sections, a character without a description, characters the
model refuses); a prompt with problems cannot be locked (`lock_prompts`).
"""
from __future__ import annotations

import difflib
import hashlib
import re

from aiuteur.capsules.lock import style_text
from aiuteur.capsules.log import log_application
from aiuteur.engines.templates import load_template
from aiuteur.models.assets import AssetSet
from aiuteur.models.gates import EngineBadge, PromptCard, PromptState
from aiuteur.models.media import ShotFrames
from aiuteur.models.project import Project
from aiuteur.models.prompts import PromptText, ShotPrompt
from aiuteur.models.shots import Shot, ShotList
from aiuteur.models.states import SceneStates
from aiuteur.models.story import MasterScript
from aiuteur.models.versions import Version
from aiuteur.screenplay import SceneInfo
from aiuteur.stages import assets as assets_stage
from aiuteur.stages import shots as shots_stage
from aiuteur.stages import visual_states
from aiuteur.stages.common import system_prompt
from aiuteur.stages.gates import StageError, require
from aiuteur.store import Store

#: the longest prompt an engine without a `prompt_chars` entry in the capability matrix is sent
MAX_PROMPT_CHARS = 4000
#: words in an asset description that make a character a minor (models set to adults refuse them)
_MINOR = re.compile(r"\b(child|children|kid|baby|toddler|infant|schoolboy|schoolgirl|(?:[1-9]|1[0-7])[- ]year[- ]old)\b",
                    re.IGNORECASE)


class PromptInvalid(StageError):
    """A prompt with problems (or an edit awaiting keep/take/merge) cannot be locked; the message
    names each shot and problem."""


def key(shot_id: str) -> str:
    return f"shot/{shot_id}/prompt"


def continuity(shot: Shot, scene: SceneInfo, assets: AssetSet, tags: dict[str, list[str]]) -> dict[str, list[str]]:
    """Asset name -> its continuity tags, for the assets in this shot only (its characters, props
    and location): a tag belongs to the asset that carries it, never to everyone in the scene."""
    present: dict[str, str] = {}
    for name in [*shot.characters, *shot.props, shot.location or scene.location or ""]:
        asset = assets.find(name) if name else None
        if asset is not None:
            present.setdefault(asset.slug, asset.name)
    return {present[slug]: list(t) for slug, t in tags.items() if slug in present and t}


def assemble(project: Project, scene: SceneInfo, shot: Shot, assets: AssetSet, tags: dict[str, list[str]],
             style: str | None = None, audio: str | None = None) -> ShotPrompt:
    """`tags`: asset slug -> tags in this shot (`visual_states.tags_in_shot`); `style`: the locked
    visual capsule's text (`aiuteur.capsules`), which wins over the config."""
    subjects = []
    for name in shot.characters:
        asset = assets.find(name)
        state = tags.get(asset.slug, []) if asset else []
        subjects.append(f"{name} ({asset.description if asset else 'character'})" + (f" [{', '.join(state)}]" if state else ""))
    carried = continuity(shot, scene, assets, tags)
    values = dict(
        shot_type=shot.shot_type, lens=shot.lens, framing=shot.framing or "as blocked", int_ext={"INT": "interior", "EXT": "exterior"}.get(scene.int_ext or "", scene.int_ext or ""),
        location=scene.location, time_of_day=(scene.time_of_day or "day").lower(), subjects="; ".join(subjects) or "no people",
        action=shot.action, style=style or project.config.visual_style or f"{project.config.genre}, {project.config.tone}",
        continuity="; ".join(f"{k}: {', '.join(v)}" for k, v in carried.items()) or "none",
        camera_move=shot.camera_move, sound=audio or shot.sound or "ambience", duration=shot.duration,
        dialogue=f'{shot.dialogue.speaker}: "{shot.dialogue.line}"' if shot.dialogue else "none",
    )
    frame = load_template("frame").render(**values)
    video = load_template("video").render(**values)
    return ShotPrompt(shot_id=shot.shot_id, system_prompt=system_prompt(project), frame_prompt=frame,
                      video_prompt=video, sections=sections_of(video))


def sections_of(text: str) -> dict[str, str]:
    """`[SECTION] text` lines of a prompt, by section name."""
    return {line.split("]")[0].strip("["): line.split("]", 1)[1].strip()
            for line in text.splitlines() if line.startswith("[") and "]" in line}


class _SceneInputs:
    """What every prompt of a scene is assembled from, read once."""

    def __init__(self, store: Store, project: Project, scene: int, *, auto_lock: bool = False) -> None:
        self.shots_version = require(store, project, shots_stage.key(scene), auto_lock=auto_lock)
        self.states_version = require(store, project, visual_states.key(scene), locked=False)
        self.assets_version = require(store, project, "assets", auto_lock=auto_lock)
        self.shot_list = self.shots_version.model(ShotList)
        self.states = self.states_version.model(SceneStates)
        self.info = scene_info(store, project, scene)
        self.assets, self.asset_versions = assets_stage.master_versions(store, project)  # each asset's master look
        self.style_version, self.style = style_text(store, project, "visual")  # the locked visual style is an input
        from aiuteur.stages.sound import audio_sections  # [AUDIO]: voice map, effects, ambience (stage 12's plan)

        self.audio = audio_sections(store, project, scene)

    def assemble(self, project: Project, shot: Shot) -> tuple[ShotPrompt, list[Version]]:
        prompt = assemble(project, self.info, shot, self.assets,
                          visual_states.tags_in_shot(self.states, self.shot_list, shot.shot_id), self.style,
                          self.audio.get(shot.shot_id))
        inputs = [self.shots_version, self.states_version, self.assets_version] + \
            ([self.style_version] if self.style_version else []) + \
            assets_stage.versions_for(self.assets, self.asset_versions, shot.characters)
        return prompt, inputs


def generate_scene(store: Store, project: Project, scene: int, *, auto_lock: bool = False) -> list[Version]:
    """Every shot's prompt in the scene. Fresh prompts are kept; a hand edit whose inputs changed
    is kept too, with the regenerated prompt beside it ("edited, stale")."""
    inputs_of = _SceneInputs(store, project, scene, auto_lock=auto_lock)
    written = []
    memo: dict = {}
    for shot in inputs_of.shot_list.shots:
        head = store.head(project, key(shot.shot_id))
        current = head.model(ShotPrompt) if head else None
        if head and current and current.edited and store.staleness(head, memo).status == "fresh":
            written.append(head)  # a human's edit on current inputs is kept (with any regeneration beside it)
            continue
        prompt, inputs = inputs_of.assemble(project, shot)
        if head and current and current.edited:  # inputs changed under a hand edit: never replaced silently
            beside = current.model_copy(update={"regenerated": PromptText(frame_prompt=prompt.frame_prompt,
                                                                          video_prompt=prompt.video_prompt)})
            written.append(store.commit(project, key(shot.shot_id), beside, inputs=inputs, author="aiuteur",
                                        message="inputs changed under a hand edit: kept, regenerated prompt beside it"))
            continue
        written.append(store.commit_if_changed(project, key(shot.shot_id), prompt, inputs=inputs, message="assembled"))
        if inputs_of.style_version and written[-1].id != (head.id if head else None):
            log_application(store, project, inputs_of.style_version, stage="prompts", target_version_id=written[-1].id)
    return written


def scene_info(store: Store, project: Project, scene: int) -> SceneInfo:
    script = require(store, project, "script").model(MasterScript)
    return next(s for s in script.scenes if s.number == scene)


def validate(prompt: ShotPrompt) -> list[str]:
    """What no engine takes: an empty prompt, or one over `MAX_PROMPT_CHARS` (checked on every edit)."""
    problems = []
    for name in ("frame_prompt", "video_prompt"):
        text = getattr(prompt, name)
        if not text.strip():
            problems.append(f"{prompt.shot_id}: {name} is empty")
        if len(text) > MAX_PROMPT_CHARS:
            problems.append(f"{prompt.shot_id}: {name} is {len(text)} characters (max {MAX_PROMPT_CHARS})")
    return problems


# -- checking against the capability matrix ------------------------------------------------------
def badge(engine_id: str, kind: str) -> EngineBadge:
    """The model a prompt is for and its limits: `prompt_chars` and `people` (all | adult | none)
    from the capability matrix where it has them (offline engines: `MAX_PROMPT_CHARS`, everyone)."""
    from aiuteur.engines import capabilities

    caps = capabilities.lookup(engine_id)
    extra = (caps.model_extra or {}) if caps is not None else {}
    return EngineBadge(engine=engine_id, kind=kind,  # type: ignore[arg-type]
                       prompt_chars=int(extra.get("prompt_chars") or MAX_PROMPT_CHARS),
                       people=str(extra.get("people") or "all"),
                       reference_images=caps.reference_images if caps is not None else 0,
                       durations=list(caps.durations) if caps is not None else [])


def check(prompt: ShotPrompt, shot: Shot | None, assets: AssetSet, image: EngineBadge, video: EngineBadge) -> list[str]:
    """Problems that stop a prompt from being locked, each naming the shot: an empty prompt or
    section, a prompt longer than its model takes, a character without a description, a character
    the model refuses to draw."""
    sid = prompt.shot_id
    problems = []
    for name, text, limit in (("frame prompt", prompt.frame_prompt, image), ("video prompt", prompt.video_prompt, video)):
        if not text.strip():
            problems.append(f"{sid}: the {name} is empty")
            continue
        if len(text) > limit.prompt_chars:
            problems.append(f"{sid}: the {name} is {len(text)} characters; {limit.engine} takes at most {limit.prompt_chars}")
        for section, value in sections_of(text).items():
            if not value:
                problems.append(f"{sid}: the {name}'s [{section}] section is empty")
    if prompt.regenerated is not None:
        problems.append(f"{sid}: inputs changed under a hand edit: keep, take or merge the regenerated prompt")
    for name in (shot.characters if shot else []):
        asset = assets.find(name)
        if asset is None or not asset.description.strip():
            problems.append(f"{sid}: {name} has no description (stage 5: describe the character)")
            continue
        for limit in (image, video):
            if limit.people == "none":
                problems.append(f"{sid}: {limit.engine} draws no people, and {name} is in the shot")
            elif limit.people == "adult" and _MINOR.search(asset.description):
                problems.append(f"{sid}: {limit.engine} refuses minors, and {name} is described as one "
                                f"({_MINOR.search(asset.description).group(0)})")  # type: ignore[union-attr]
    return problems


# -- the inspector ---------------------------------------------------------------------------------
def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def state_of(version: Version, prompt: ShotPrompt, stale: bool) -> PromptState:
    if prompt.regenerated is not None or (prompt.edited and stale):
        return "edited, stale"
    if version.status == "locked":
        return "locked"
    return "edited" if prompt.edited else "generated"


def list_prompts(store: Store, project: Project, *, shot_id: str | None = None,
                 engine_ids: dict[str, str] | None = None) -> list[PromptCard]:
    """One card per shot with a prompt, in cut order: both prompts, state, version, the target
    models' badges, problems, the regenerated prompt beside an edited, stale one, and the frames."""
    from aiuteur.engines.config import resolve

    ids = {**resolve(store, project).ids(), **{k: v for k, v in (engine_ids or {}).items() if v}}
    image, video = badge(ids["image"], "image"), badge(ids["video"], "video")
    heads = store.heads(project, "shot/")
    scene_heads = store.heads(project, "scene/")
    _remember(store, heads, scene_heads, store.heads(project, "asset"))  # staleness then reads no version again
    roster = store.head(project, assets_stage.KEY)
    assets = assets_stage.master(store, project) if roster is not None else AssetSet(assets=[])
    memo: dict = {}
    cards = []
    for scene_key in sorted((k for k in scene_heads if k.endswith("/shots")), key=lambda k: int(k.split("/")[1])):
        for shot in scene_heads[scene_key].model(ShotList).shots:
            if shot_id is not None and shot.shot_id != shot_id:
                continue
            version = heads.get(key(shot.shot_id))
            if version is None:
                continue
            prompt = version.model(ShotPrompt)
            staleness = store.staleness(version, memo)
            frames = heads.get(f"shot/{shot.shot_id}/frames")
            shot_frames = frames.model(ShotFrames) if frames is not None else None
            cards.append(PromptCard(
                shot_id=shot.shot_id, scene=shot.scene, frame_prompt=prompt.frame_prompt,
                video_prompt=prompt.video_prompt, state=state_of(version, prompt, staleness.status == "stale"),
                version=version.number, manual=prompt.edited, image=image, video=video,
                problems=check(prompt, shot, assets, image, video), stale_reasons=staleness.reasons,
                regenerated=prompt.regenerated, start_frame=shot_frames.start if shot_frames else None,
                end_frame=shot_frames.end if shot_frames else None,
                frame_hash=_sha(prompt.frame_prompt), video_hash=_sha(prompt.video_prompt)))
    if shot_id is not None and not cards:
        raise StageError(f"no prompt for shot {shot_id!r} yet: run stage 9 (`aiuteur run {project.name} --until prompts`)")
    return cards


def _remember(store: Store, *listings: dict[str, Version]) -> None:
    remember = getattr(store, "remember", None)  # a store without the cache reads versions one by one
    if remember is not None:
        for listing in listings:
            remember(listing.values())


def lock_prompts(store: Store, project: Project, *, shot_id: str | None = None, author: str = "user") -> list[Version]:
    """Lock every prompt (or one shot's): refused with `PromptInvalid`, naming each shot and
    problem, when any has problems; nothing is locked then."""
    cards = list_prompts(store, project, shot_id=shot_id)
    problems = [p for card in cards for p in card.problems]
    problems += [f"{card.shot_id}: stale ({card.stale_reasons[0]}): run stage 9 again" for card in cards
                 if card.stale_reasons and not card.manual]
    if problems:
        raise PromptInvalid(f"{len(problems)} prompt problem(s), nothing locked: " + "; ".join(problems))
    locked = []
    with store.db.transaction():
        for card in cards:
            locked.append(store.lock(project, key(card.shot_id), author=author, message="prompt locked"))
    return locked


def diff_prompts(store: Store, project: Project, shot_id: str, a: int, b: int) -> str:
    """A unified diff of two versions (by number) of a shot's prompts: frame, then video."""
    history = {v.number: v for v in store.history(project, key(shot_id))}
    for n in (a, b):
        if n not in history:
            raise StageError(f"{key(shot_id)} has versions {', '.join(map(str, sorted(history))) or 'none'}, not v{n}")
    old, new = history[a].model(ShotPrompt), history[b].model(ShotPrompt)
    out = []
    for name in ("frame_prompt", "video_prompt"):
        out += difflib.unified_diff(getattr(old, name).splitlines(), getattr(new, name).splitlines(),
                                    f"{shot_id} {name} v{a}", f"{shot_id} {name} v{b}", lineterm="")
    return "\n".join(out)


def _head_prompt(store: Store, project: Project, shot_id: str) -> tuple[Version, ShotPrompt]:
    head = store.head(project, key(shot_id))
    if head is None:
        raise StageError(f"no prompt for shot {shot_id!r} yet: run stage 9 (`aiuteur run {project.name} --until prompts`)")
    return head, head.model(ShotPrompt)


def find_shot(store: Store, project: Project, shot_id: str) -> Shot:
    """A shot by id, from the current shot lists (drafts too)."""
    for version in store.heads(project, "scene/").values():
        if version.artifact_key.endswith("/shots"):
            for shot in version.model(ShotList).shots:
                if shot.shot_id == shot_id:
                    return shot
    raise StageError(f"no shot {shot_id!r} in the project's shot lists")


def regenerate_beside(store: Store, project: Project, shot_id: str) -> Version:
    """For an edited prompt whose inputs changed: assemble the fresh prompt and store it beside the
    edit (what stage 9 does on its next run), so a person can compare and choose."""
    head, current = _head_prompt(store, project, shot_id)
    shot = find_shot(store, project, shot_id)
    fresh, inputs = _SceneInputs(store, project, shot.scene).assemble(project, shot)
    beside = current.model_copy(update={"regenerated": PromptText(frame_prompt=fresh.frame_prompt,
                                                                  video_prompt=fresh.video_prompt)})
    return store.commit(project, key(shot_id), beside, inputs=inputs, author="aiuteur",
                        message="inputs changed under a hand edit: kept, regenerated prompt beside it")


def resolve_stale_prompt(store: Store, project: Project, shot_id: str, choice: str, *,
                         merged: PromptText | dict | None = None, author: str = "user") -> Version:
    """A person's choice for an "edited, stale" prompt: `keep` the edit (on the new inputs),
    `take` the regenerated prompt, or `merge` (`merged`: the frame and video text to use)."""
    if choice not in ("keep", "take", "merge"):
        raise StageError(f"choice {choice!r}: choose keep, take or merge")
    head, current = _head_prompt(store, project, shot_id)
    if current.regenerated is None:
        if not (current.edited and store.staleness(head).status == "stale"):
            raise StageError(f"{shot_id}'s prompt is not edited and stale: there is nothing to keep, take or merge")
        head = regenerate_beside(store, project, shot_id)
        current = head.model(ShotPrompt)
    regenerated = current.regenerated
    assert regenerated is not None
    if choice == "keep":
        chosen, edited, message = PromptText(frame_prompt=current.frame_prompt, video_prompt=current.video_prompt), True, "kept the hand edit"
    elif choice == "take":
        chosen, edited, message = regenerated, False, "took the regenerated prompt"
    else:
        if merged is None:
            raise StageError("merge needs the merged text: give the frame and video prompt to keep")
        chosen = merged if isinstance(merged, PromptText) else PromptText.model_validate(
            {"frame_prompt": current.frame_prompt, "video_prompt": current.video_prompt, **merged})
        edited, message = True, "merged the hand edit and the regenerated prompt"
    resolved = current.model_copy(update={"frame_prompt": chosen.frame_prompt, "video_prompt": chosen.video_prompt,
                                          "sections": sections_of(chosen.video_prompt), "edited": edited,
                                          "regenerated": None})
    problems = validate(resolved)
    if problems:
        raise PromptInvalid("; ".join(problems))
    return store.commit(project, key(shot_id), resolved, inputs=head.inputs, author=author, message=message)


def edit(store: Store, project: Project, shot_id: str, *, frame_prompt: str | None = None,
         video_prompt: str | None = None, author: str = "user", confirm_invalidation: bool = False) -> Version:
    """A manual edit: a new version marked edited, validated before it is written. When frames or
    clips were made from this prompt, `confirm_invalidation=True` is needed (else
    `InvalidationNeedsConfirmation` carries what would turn stale and what it cost)."""
    from aiuteur.stages.invalidation import require_confirmation

    head = require(store, project, key(shot_id), locked=False)
    current = head.model(ShotPrompt)
    changed = current.model_copy(update={
        "frame_prompt": frame_prompt if frame_prompt is not None else current.frame_prompt,
        "video_prompt": video_prompt if video_prompt is not None else current.video_prompt,
        "edited": True,
    })
    if video_prompt is not None:
        changed = changed.model_copy(update={"sections": sections_of(changed.video_prompt)})
    problems = validate(changed)
    if problems:
        raise PromptInvalid("; ".join(problems))
    if (changed.frame_prompt, changed.video_prompt) == (current.frame_prompt, current.video_prompt) and current.edited:
        return head
    require_confirmation(store, project, "edit-prompt", confirm_invalidation, shot_id=shot_id)
    # made from `head`: if another writer saved a version meanwhile, HeadMoved (retryable) and nothing
    # is written, so their edit of the other prompt is never silently replaced
    return store.commit(project, key(shot_id), changed, inputs=head.inputs, author=author, message="edited by hand",
                        expected_head=head)
