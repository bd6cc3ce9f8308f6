"""Stage 12 — video: a clip per shot from its anchor frames, then the film assembled from them.

Video runs only behind a locked, fresh cost confirmation. Shot clips run concurrently; a retake of
one shot makes the film stale, and assembling again rebuilds it from the current clips.
"""
from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from aiuteur.engines.gateway import Call, generate_video
from aiuteur.engines.protocols import VideoRequest
from aiuteur.engines.registry import Engines
from aiuteur.engines.templates import load_template
from aiuteur.models.media import Film, FilmClip, ShotFrames, ShotVideo
from aiuteur.models.project import Project, frame_size
from aiuteur.models.prompts import ShotPrompt
from aiuteur.models.shots import Shot
from aiuteur.models.story import MasterScript
from aiuteur.models.versions import Version
from aiuteur.render import concat_clips, probe
from aiuteur.stages import frames as frames_stage
from aiuteur.stages import prompts as prompts_stage
from aiuteur.stages.confirm import KEY as CONFIRMATION, all_shots
from aiuteur.stages.gates import require
from aiuteur.store import Store

FILM = "film"
Progress = Callable[[str], None]


def key(shot_id: str) -> str:
    return f"shot/{shot_id}/video"


def generate_shot(store: Store, project: Project, engines: Engines, shot: Shot, *, seed: int = 0) -> Version:
    confirmation = require(store, project, CONFIRMATION)
    prompt_version = require(store, project, prompts_stage.key(shot.shot_id), locked=False)
    frames_version = require(store, project, frames_stage.key(shot.shot_id), locked=False)
    frames = frames_version.model(ShotFrames)
    width, height = frame_size(project.config.aspect_ratio)
    request = VideoRequest(
        prompt=prompt_version.model(ShotPrompt).video_prompt, duration=shot.duration, fps=project.config.fps,
        width=width, height=height, start_frame=store.media_path(frames.start), end_frame=store.media_path(frames.end),
        context={"camera_move": shot.camera_move,
                 "subtitle": f"{shot.dialogue.speaker}: {shot.dialogue.line}" if shot.dialogue else None},
        seed=seed,
    )
    call = Call(project, "video", load_template("video"), [prompt_version, frames_version, confirmation])
    ref, outcome = generate_video(store, call, engines.video, request)
    return store.commit_if_changed(project, key(shot.shot_id), ShotVideo(shot_id=shot.shot_id, media=ref),
                                   inputs=[prompt_version, frames_version], generation_id=outcome.generation_id,
                                   message="shot clip")


def generate_all(store: Store, project: Project, engines: Engines, *, workers: int = 2, seed: int = 0,
                 progress: Progress | None = None) -> list[Version]:
    """Every shot's clip, `workers` at a time; results in cut order."""
    require(store, project, CONFIRMATION)  # fail before starting anything
    shots = all_shots(store, project)

    def one(shot: Shot) -> Version:
        version = generate_shot(store, project, engines, shot, seed=seed)
        if progress:
            progress(shot.shot_id)
        return version

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(one, shots))


def assemble(store: Store, project: Project) -> Version:
    """Join every shot clip, in cut order, into the film (stream copy, no re-encode)."""
    shots = all_shots(store, project)
    headings = {s.number: s.heading for s in require(store, project, "script").model(MasterScript).scenes}
    versions = [require(store, project, key(shot.shot_id), locked=False) for shot in shots]
    clips, start = [], 0
    paths = []
    for shot, version in zip(shots, versions):
        media = version.model(ShotVideo).media
        frames = media.frames or round(shot.duration * project.config.fps)
        clips.append(FilmClip(shot_id=shot.shot_id, scene=shot.scene, heading=headings.get(shot.scene, ""),
                              media=media, start_frame=start, frames=frames))
        start += frames
        paths.append(store.media_path(media))
    with tempfile.TemporaryDirectory(prefix="aiuteur-film-") as tmp:
        out = concat_clips(paths, Path(tmp) / "film.mp4")
        info = probe(out)
        ref = store.put_media(out.read_bytes(), "video/mp4", width=info.width, height=info.height,
                              duration=info.duration, frames=info.frames)
    film = Film(media=ref, fps=project.config.fps, clips=clips)
    return store.commit(project, FILM, film, inputs=versions, message=f"film of {len(clips)} shots")
