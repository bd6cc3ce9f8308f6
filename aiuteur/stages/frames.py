"""Stage 10 — anchor frames: a start and an end frame per shot from its frame prompt.

Characters' asset images and the previous shot's end frame go along as reference images, so a
real image model can hold faces, costumes and light steady from shot to shot.

That reference is the only thing one frame waits for: in a scene, shot N's two frames need shot
N-1's end frame, and nothing else. So a shot's start and end frames are asked for together, and
the scenes — each its own chain — run side by side (`generate_scenes`), as many at once as the
image provider's concurrency limit (the job runner keeps the calls within it; an offline engine
draws one scene at a time, locally). What each frame is asked for is the same as one shot at a
time would ask: same prompt, same references, same idempotency key, paid once.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from aiuteur.engines.gateway import Call, generate_images, is_paid
from aiuteur.engines.protocols import EngineError, ImageRequest
from aiuteur.engines.registry import Engines
from aiuteur.engines.templates import load_template
from aiuteur.models.assets import AssetSet
from aiuteur.models.media import ShotFrames
from aiuteur.models.project import Project, frame_size
from aiuteur.models.prompts import ShotPrompt
from aiuteur.models.shots import Shot, ShotList
from aiuteur.models.states import SceneStates
from aiuteur.models.versions import Version
from aiuteur.screenplay import SceneInfo
from aiuteur.stages import assets as assets_stage
from aiuteur.stages import prompts as prompts_stage
from aiuteur.stages import shots as shots_stage
from aiuteur.stages import visual_states
from aiuteur.stages.gates import require
from aiuteur.store import Store

Progress = Callable[[str], None]
MOMENTS = ("start", "end")


def key(shot_id: str) -> str:
    return f"shot/{shot_id}/frames"


def caption(shot: Shot) -> str:
    if shot.dialogue:
        return f"{shot.dialogue.speaker}: {shot.dialogue.line}"
    return shot.action


@dataclass(frozen=True)
class _Scene:
    """What a scene's frames are made from, read (and its gates checked) before anything is made."""

    number: int
    shot_list: ShotList
    states: SceneStates
    info: SceneInfo
    prompts: dict[str, Version]  # shot id -> its current, fresh prompt version


def generate_scene(store: Store, project: Project, engines: Engines, scene: int, *, seed: int = 0,
                   progress: Progress | None = None) -> list[Version]:
    """One scene's frames, shot by shot (each shot's two frames at once)."""
    return generate_scenes(store, project, engines, [scene], seed=seed, progress=progress)


def generate_scenes(store: Store, project: Project, engines: Engines, scenes: list[int], *, seed: int = 0,
                    progress: Progress | None = None, workers: int | None = None) -> list[Version]:
    """The frames of `scenes`, in cut order. Scenes run side by side: `workers` at once (default:
    the image provider's concurrency limit for a paid engine, one for an offline engine). Every
    gate (shot lists locked, states and prompts fresh) is checked before the first frame is asked
    for. If a frame fails, no new shot is started, the shots in flight finish (and are kept), and
    the first error is raised."""
    if not scenes:
        return []
    plans = [_read_scene(store, project, scene) for scene in scenes]
    assets, asset_versions = assets_stage.master_versions(store, project)  # each asset's master image (stage 5)
    chain = _Chain(store, project, engines, assets, asset_versions, seed, progress)
    if len(plans) == 1:
        return chain.run(plans[0])
    pool = ThreadPoolExecutor(max_workers=workers or _default_workers(engines.image.id),
                              thread_name_prefix="aiuteur-frames")
    try:
        # the longest scenes first, so the last scene to finish is a short one
        futures = {plan.number: pool.submit(chain.run, plan)
                   for plan in sorted(plans, key=lambda p: -len(p.shot_list.shots))}
        done = {number: future.exception() for number, future in futures.items()}
    except BaseException:  # e.g. Ctrl-C in a notebook: no new shot starts; those in flight finish
        chain.failed.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    failed = [error for error in (done[p.number] for p in plans) if error is not None]
    if failed:
        raise next((e for e in failed if not isinstance(e, _Stopped)), failed[0])
    return [v for plan in plans for v in futures[plan.number].result()]


class _Stopped(EngineError):
    """A scene left unfinished because another scene's frame failed."""


def _default_workers(image_engine_id: str) -> int:
    if not is_paid(image_engine_id):
        return 1  # drawn locally: more threads would only share the same cores
    from aiuteur.jobs.limits import limits_for

    return limits_for(image_engine_id.partition(":")[0]).concurrency


def _read_scene(store: Store, project: Project, scene: int) -> _Scene:
    shots_version = require(store, project, shots_stage.key(scene))
    require(store, project, "assets")
    states = require(store, project, visual_states.key(scene), locked=False).model(SceneStates)
    shot_list = shots_version.model(ShotList)
    prompts = {s.shot_id: require(store, project, prompts_stage.key(s.shot_id), locked=False) for s in shot_list.shots}
    return _Scene(scene, shot_list, states, prompts_stage.scene_info(store, project, scene), prompts)


class _Chain:
    """Makes a scene's frames in shot order, each shot's start and end frame in one batch; stops
    starting new shots once any scene failed."""

    def __init__(self, store: Store, project: Project, engines: Engines, assets: AssetSet,
                 asset_versions: dict[str, Version], seed: int, progress: Progress | None) -> None:
        self.store, self.project, self.engine, self.seed = store, project, engines.image, seed
        self.assets, self.asset_versions = assets, asset_versions
        self.images = {a.name: store.media_path(a.image) for a in assets.assets if a.image}
        self.names = {a.slug: a.name for a in assets.assets}
        self.size = frame_size(project.config.aspect_ratio)
        self.progress = progress
        self.failed = threading.Event()
        self._lock = threading.Lock()

    def run(self, scene: _Scene) -> list[Version]:
        try:
            return self._run(scene)
        except BaseException:
            self.failed.set()
            raise

    def _run(self, scene: _Scene) -> list[Version]:
        written: list[Version] = []
        previous_end: Path | None = None
        for shot in scene.shot_list.shots:
            if self.failed.is_set():
                raise _Stopped(f"scene {scene.number}: stopped before {shot.shot_id}: another scene's frame failed")
            version, previous_end = self._shot(scene, shot, previous_end)
            written.append(version)
            if self.progress:
                with self._lock:  # progress callbacks need not be thread-safe
                    self.progress(shot.shot_id)
        return written

    def _shot(self, scene: _Scene, shot: Shot, previous_end: Path | None) -> tuple[Version, Path]:
        store, project = self.store, self.project
        prompt_version = scene.prompts[shot.shot_id]
        prompt = prompt_version.model(ShotPrompt)
        tags = {self.names.get(slug, slug): t
                for slug, t in visual_states.tags_in_shot(scene.states, scene.shot_list, shot.shot_id).items()}
        references = [self.images[c] for c in shot.characters if c in self.images]
        if previous_end is not None:
            references.append(previous_end)
        used = assets_stage.versions_for(self.assets, self.asset_versions, shot.characters)  # only these images matter
        call = Call(project, "frames", load_template("frame"), [prompt_version, *used])
        width, height = self.size
        info = scene.info
        requests = [(call, ImageRequest(
            prompt=prompt.frame_prompt + f"\n[MOMENT] {moment} of the shot", width=width, height=height,
            context={"int_ext": info.int_ext, "time_of_day": info.time_of_day, "location": info.location,
                     "shot_type": shot.shot_type, "characters": shot.characters, "caption": caption(shot),
                     "moment": moment, "title": shot.shot_id, "tags": tags},
            references=references, seed=self.seed)) for moment in MOMENTS]
        refs = {}
        for item in list(generate_images(store, requests, self.engine)):  # both frames in flight at once
            if item.error is not None:
                raise item.error
            refs[MOMENTS[item.index]] = item.value
        frames = ShotFrames(shot_id=shot.shot_id, start=refs["start"], end=refs["end"])
        version = store.commit_if_changed(project, key(shot.shot_id), frames, inputs=[prompt_version, *used],
                                          message="start and end frames")
        return version, store.media_path(refs["end"])
