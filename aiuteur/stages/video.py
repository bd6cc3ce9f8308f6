"""Stage 12 — video: a clip per shot from its anchor frames, then the film assembled from them.

Video runs only behind a locked, fresh cost confirmation. On a paid engine the shots are one
batch of jobs (`aiuteur.jobs`): admitted by the budget gate as a whole before any call starts,
run under the provider's concurrency and rate limits with retries, each clip committed as soon as
it is finished — so a process killed mid-batch keeps every finished clip, and running the stage
again (or `aiuteur resume`) adopts the jobs left open, polls their operations and pays for none
twice. The offline animatic renderer runs directly, a few shots at a time. A retake of one shot
makes the film stale, and assembling again rebuilds it from the current clips.
"""
from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from aiuteur.engines.gateway import Call, already_paid, generate_video, generate_videos, idempotency_key, is_paid
from aiuteur.engines.protocols import EngineError, VideoRequest
from aiuteur.engines.registry import Engines
from aiuteur.engines.templates import load_template
from aiuteur.models.media import Film, FilmClip, MediaRef, ShotVideo
from aiuteur.models.project import Project
from aiuteur.models.shots import Shot
from aiuteur.models.story import MasterScript
from aiuteur.models.versions import Version
from aiuteur.render import concat_clips, probe
from aiuteur.stages import sound as sound_stage
from aiuteur.stages.clip_requests import approval_scope, unpaid_shots  # re-exported: stage 12's own names
from aiuteur.stages.clip_requests import clip_request as _request
from aiuteur.stages.confirm import KEY as CONFIRMATION
from aiuteur.stages.shots import all_shots
from aiuteur.stages.gates import require
from aiuteur.store import Store

FILM = "film"
Progress = Callable[[str], None]


class VideoBatchFailed(EngineError):
    """Some shots' clips failed (the others were kept); `failures` maps shot id -> error."""

    def __init__(self, message: str, failures: dict[str, EngineError]) -> None:
        super().__init__(message)
        self.failures = failures


def key(shot_id: str) -> str:
    return f"shot/{shot_id}/video"


@dataclass(frozen=True)
class _Plan:
    shot: Shot
    call: Call
    request: VideoRequest
    prompt_version: Version
    frames_version: Version


def _plan(store: Store, project: Project, shot: Shot, confirmation: Version, seed: int) -> _Plan:
    request, prompt_version, frames_version = _request(store, project, shot, seed)
    call = Call(project, "video", load_template("video"), [prompt_version, frames_version, confirmation],
                approval=approval_scope(confirmation, shot.shot_id))
    return _Plan(shot, call, request, prompt_version, frames_version)


def _commit(store: Store, project: Project, plan: _Plan, ref: MediaRef, generation_id: str,
            note: str | None) -> Version:
    return store.commit_if_changed(project, key(plan.shot.shot_id),
                                   ShotVideo(shot_id=plan.shot.shot_id, media=ref, fallback_note=note),
                                   inputs=[plan.prompt_version, plan.frames_version], generation_id=generation_id,
                                   message="shot clip")


def generate_shot(store: Store, project: Project, engines: Engines, shot: Shot, *, seed: int = 0) -> Version:
    confirmation = require(store, project, CONFIRMATION)
    plan = _plan(store, project, shot, confirmation, seed)
    ref, outcome = generate_video(store, plan.call, engines.video, plan.request)
    return _commit(store, project, plan, ref, outcome.generation_id, outcome.note)


def generate_all(store: Store, project: Project, engines: Engines, *, workers: int = 2, seed: int = 0,
                 progress: Progress | None = None) -> list[Version]:
    """Every shot's clip; results in cut order. Offline: `workers` at a time. Paid: one batch of
    jobs at the provider's limits; if some shots fail, the rest are kept and `VideoBatchFailed`
    names the failures."""
    confirmation = require(store, project, CONFIRMATION)  # fail before starting anything
    shots = all_shots(store, project)
    if not is_paid(engines.video.id):
        def one(shot: Shot) -> Version:
            version = generate_shot(store, project, engines, shot, seed=seed)
            if progress:
                progress(shot.shot_id)
            return version

        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            return list(pool.map(one, shots))

    plans = [_plan(store, project, shot, confirmation, seed) for shot in shots]
    versions: list[Version | None] = [None] * len(plans)
    failures: dict[str, EngineError] = {}
    for item in generate_videos(store, [(p.call, p.request) for p in plans], engines.video):
        plan = plans[item.index]
        if item.error is not None or item.outcome is None:
            failures[plan.shot.shot_id] = item.error or EngineError("no result")
        else:
            versions[item.index] = _commit(store, project, plan, item.value, item.outcome.generation_id,
                                           item.outcome.note)
        if progress:
            progress(plan.shot.shot_id)
    if failures:
        first_shot, first = next(iter(failures.items()))
        raise VideoBatchFailed(f"{len(failures)} of {len(plans)} shot clips failed (finished ones are kept), "
                               f"e.g. {first_shot}: {first}", failures)
    return [v for v in versions if v is not None]


def adopt_finished(store: Store, project: Project, video_engine_id: str, *, seeds: tuple[int, ...] = (0,)) -> list[Version]:
    """Commit the clips whose generations already exist (e.g. finished by `aiuteur resume` after a
    crash) without calling any engine; shots with no finished clip are left alone."""
    confirmation = require(store, project, CONFIRMATION)
    written = []
    for shot in all_shots(store, project):
        for seed in seeds:
            plan = _plan(store, project, shot, confirmation, seed)
            generation = already_paid(store, "video", idempotency_key(video_engine_id, "video", plan.request))
            if generation is not None:
                ref = MediaRef.model_validate(generation.output)
                note = generation.output.get("note") if isinstance(generation.output, dict) else None
                written.append(_commit(store, project, plan, ref, generation.id, note))
                break
    return written


def assemble(store: Store, project: Project) -> Version:
    """Join every shot clip, in cut order, into the film (picture stream-copied, no re-encode).
    Once the project's sound is made (`sound.generate`), its mix is laid on as the audio track."""
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
    mixed = sound_stage.film_audio(store, project, clips, project.config.fps, paths)
    with tempfile.TemporaryDirectory(prefix="aiuteur-film-") as tmp:
        out = concat_clips(paths, Path(tmp) / "film.mp4", audio=mixed[1] if mixed else None)
        info = probe(out)
        ref = store.put_media(out.read_bytes(), "video/mp4", width=info.width, height=info.height,
                              duration=info.duration, frames=info.frames)
    film = Film(media=ref, fps=project.config.fps, clips=clips)
    inputs = versions + ([mixed[0]] if mixed else [])
    return store.commit(project, FILM, film, inputs=inputs, message=f"film of {len(clips)} shots"
                        + (" with sound" if mixed else ""))
