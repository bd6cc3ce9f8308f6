"""Stage 10 — anchor frames: a start and an end frame per shot from its frame prompt.

Characters' asset images and the previous shot's end frame go along as reference images, so a
real image model can hold faces, costumes and light steady from shot to shot.
"""
from __future__ import annotations

from typing import Callable

from aiuteur.engines.gateway import Call, generate_image
from aiuteur.engines.protocols import ImageRequest
from aiuteur.engines.registry import Engines
from aiuteur.engines.templates import load_template
from aiuteur.models.assets import AssetSet
from aiuteur.models.media import ShotFrames
from aiuteur.models.project import Project, frame_size
from aiuteur.models.prompts import ShotPrompt
from aiuteur.models.shots import Shot, ShotList
from aiuteur.models.states import SceneStates
from aiuteur.models.versions import Version
from aiuteur.stages import assets as assets_stage
from aiuteur.stages import prompts as prompts_stage
from aiuteur.stages import shots as shots_stage
from aiuteur.stages import visual_states
from aiuteur.stages.gates import require
from aiuteur.store import Store

Progress = Callable[[str], None]


def key(shot_id: str) -> str:
    return f"shot/{shot_id}/frames"


def caption(shot: Shot) -> str:
    if shot.dialogue:
        return f"{shot.dialogue.speaker}: {shot.dialogue.line}"
    return shot.action


def generate_scene(store: Store, project: Project, engines: Engines, scene: int, *, seed: int = 0,
                   progress: Progress | None = None) -> list[Version]:
    shots_version = require(store, project, shots_stage.key(scene))
    assets_version = require(store, project, "assets")
    states = require(store, project, visual_states.key(scene), locked=False).model(SceneStates)
    shot_list = shots_version.model(ShotList)
    assets, asset_versions = assets_stage.master_versions(store, project)  # each asset's master image (stage 5)
    info = prompts_stage.scene_info(store, project, scene)
    width, height = frame_size(project.config.aspect_ratio)
    images = {a.name: store.media_path(a.image) for a in assets.assets if a.image}
    names = {a.slug: a.name for a in assets.assets}
    written = []
    previous_end = None
    for shot in shot_list.shots:
        prompt_version = require(store, project, prompts_stage.key(shot.shot_id), locked=False)
        prompt = prompt_version.model(ShotPrompt)
        tags = {names.get(slug, slug): t for slug, t in visual_states.tags_in_shot(states, shot_list, shot.shot_id).items()}
        references = [images[c] for c in shot.characters if c in images]
        if previous_end is not None:
            references.append(previous_end)
        used = assets_stage.versions_for(assets, asset_versions, shot.characters)  # only these assets' images matter
        call = Call(project, "frames", load_template("frame"), [prompt_version, *used])
        refs = {}
        for moment in ("start", "end"):
            context = {"int_ext": info.int_ext, "time_of_day": info.time_of_day, "location": info.location,
                       "shot_type": shot.shot_type, "characters": shot.characters, "caption": caption(shot),
                       "moment": moment, "title": shot.shot_id, "tags": tags}
            request = ImageRequest(prompt=prompt.frame_prompt + f"\n[MOMENT] {moment} of the shot", width=width,
                                   height=height, context=context, references=references, seed=seed)
            refs[moment], _ = generate_image(store, call, engines.image, request)
        previous_end = store.media_path(refs["end"])
        frames = ShotFrames(shot_id=shot.shot_id, start=refs["start"], end=refs["end"])
        written.append(store.commit_if_changed(project, key(shot.shot_id), frames,
                                               inputs=[prompt_version, *used], message="start and end frames"))
        if progress:
            progress(shot.shot_id)
    return written
