"""Stage 9 — prompts: frame, video and system prompts assembled per shot from locked inputs.

Sections follow Veo-style structure (visual, subjects, action, dialogue, audio, timing, style).
A human edit makes a new version marked `edited`; regeneration keeps it while it is fresh, and
because the rendered prompt is part of every idempotency key, an edited prompt is never ignored.
"""
from __future__ import annotations

from aiuteur.capsules.lock import style_text
from aiuteur.capsules.log import log_application
from aiuteur.engines.templates import load_template
from aiuteur.models.assets import AssetSet
from aiuteur.models.project import Project
from aiuteur.models.prompts import ShotPrompt
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

MAX_PROMPT_CHARS = 4000


def key(shot_id: str) -> str:
    return f"shot/{shot_id}/prompt"


def assemble(project: Project, scene: SceneInfo, shot: Shot, assets: AssetSet, tags: dict[str, list[str]],
             style: str | None = None) -> ShotPrompt:
    """`style`: the locked visual capsule's text (`aiuteur.capsules`), which wins over the config."""
    by_name = {a.name: a for a in assets.assets}
    subjects = []
    for name in shot.characters:
        asset = by_name.get(name)
        state = tags.get(asset.slug, []) if asset else []
        subjects.append(f"{name} ({asset.description if asset else 'character'})" + (f" [{', '.join(state)}]" if state else ""))
    values = dict(
        shot_type=shot.shot_type, lens=shot.lens, framing=shot.framing or "as blocked", int_ext={"INT": "interior", "EXT": "exterior"}.get(scene.int_ext or "", scene.int_ext or ""),
        location=scene.location, time_of_day=(scene.time_of_day or "day").lower(), subjects="; ".join(subjects) or "no people",
        action=shot.action, style=style or project.config.visual_style or f"{project.config.genre}, {project.config.tone}",
        continuity="; ".join(f"{k}: {', '.join(v)}" for k, v in tags.items()) or "none",
        camera_move=shot.camera_move, sound=shot.sound or "ambience", duration=shot.duration,
        dialogue=f'{shot.dialogue.speaker}: "{shot.dialogue.line}"' if shot.dialogue else "none",
    )
    frame = load_template("frame").render(**values)
    video = load_template("video").render(**values)
    sections = {line.split("]")[0].strip("["): line.split("]", 1)[1].strip() for line in video.splitlines() if line.startswith("[")}
    return ShotPrompt(shot_id=shot.shot_id, system_prompt=system_prompt(project), frame_prompt=frame,
                      video_prompt=video, sections=sections)


def generate_scene(store: Store, project: Project, scene: int, *, auto_lock: bool = False) -> list[Version]:
    shots_version = require(store, project, shots_stage.key(scene), auto_lock=auto_lock)
    states_version = require(store, project, visual_states.key(scene), locked=False)
    assets_version = require(store, project, "assets", auto_lock=auto_lock)
    shot_list, states = shots_version.model(ShotList), states_version.model(SceneStates)
    info = scene_info(store, project, scene)
    assets, asset_versions = assets_stage.master_versions(store, project)  # each asset's master look (stage 5)
    style_version, style = style_text(store, project, "visual")  # the locked visual style is an input
    written = []
    for shot in shot_list.shots:
        head = store.head(project, key(shot.shot_id))
        if head and head.model(ShotPrompt).edited and store.staleness(head).status == "fresh":
            written.append(head)  # a human's edit on current inputs is kept
            continue
        prompt = assemble(project, info, shot, assets, visual_states.tags_in_shot(states, shot_list, shot.shot_id), style)
        inputs = [shots_version, states_version, assets_version] + ([style_version] if style_version else []) + \
            assets_stage.versions_for(assets, asset_versions, shot.characters)
        written.append(store.commit_if_changed(project, key(shot.shot_id), prompt, inputs=inputs, message="assembled"))
        if style_version:
            log_application(store, project, style_version, stage="prompts", target_version_id=written[-1].id)
    return written


def scene_info(store: Store, project: Project, scene: int) -> SceneInfo:
    script = require(store, project, "script").model(MasterScript)
    return next(s for s in script.scenes if s.number == scene)


def validate(prompt: ShotPrompt) -> list[str]:
    problems = []
    for name in ("frame_prompt", "video_prompt"):
        text = getattr(prompt, name)
        if not text.strip():
            problems.append(f"{prompt.shot_id}: {name} is empty")
        if len(text) > MAX_PROMPT_CHARS:
            problems.append(f"{prompt.shot_id}: {name} is {len(text)} characters (max {MAX_PROMPT_CHARS})")
    return problems


def edit(store: Store, project: Project, shot_id: str, *, frame_prompt: str | None = None,
         video_prompt: str | None = None, author: str = "user") -> Version:
    """A manual edit: a new version marked edited, validated before it is written."""
    head = require(store, project, key(shot_id), locked=False)
    current = head.model(ShotPrompt)
    changed = current.model_copy(update={
        "frame_prompt": frame_prompt if frame_prompt is not None else current.frame_prompt,
        "video_prompt": video_prompt if video_prompt is not None else current.video_prompt,
        "edited": True,
    })
    problems = validate(changed)
    if problems:
        raise StageError("; ".join(problems))
    return store.commit(project, key(shot_id), changed, inputs=head.inputs, author=author, message="edited by hand")
