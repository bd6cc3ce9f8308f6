"""What stage 12 would ask a video engine for, shot by shot — shared by stage 11 (which prices and
approves it) and stage 12 (which buys it).

Stage 11 (`aiuteur.stages.confirm`) must know which clips a run would still buy and which approval
each gets; stage 12 (`aiuteur.stages.video`) makes them. Both import this module, so the later
stage depends on the earlier one and never the other way round (tests/unit/test_import_graph.py).
`aiuteur.stages.video` re-exports `approval_scope` and `unpaid_shots`.
"""
from __future__ import annotations

from aiuteur.engines.gateway import already_paid, idempotency_key
from aiuteur.engines.protocols import VideoRequest
from aiuteur.models.media import ShotFrames
from aiuteur.models.project import Project, output_size
from aiuteur.models.prompts import ShotPrompt
from aiuteur.models.shots import Shot
from aiuteur.models.versions import Version
from aiuteur.stages import frames as frames_stage
from aiuteur.stages import prompts as prompts_stage
from aiuteur.stages.gates import require
from aiuteur.stages.shots import all_shots
from aiuteur.store import Store


def approval_scope(confirmation: Version, shot_id: str) -> str:
    """The approval a stage-11 confirmation gives one shot's clip (see `confirm.confirm`)."""
    return f"{confirmation.id}/{shot_id}"


def clip_request(store: Store, project: Project, shot: Shot, seed: int) -> tuple[VideoRequest, Version, Version]:
    """The video request for one shot from its current prompt and anchor frames, with those versions."""
    prompt_version = require(store, project, prompts_stage.key(shot.shot_id), locked=False)
    frames_version = require(store, project, frames_stage.key(shot.shot_id), locked=False)
    frames = frames_version.model(ShotFrames)
    width, height = output_size(project.config)
    request = VideoRequest(
        prompt=prompt_version.model(ShotPrompt).video_prompt, duration=shot.duration, fps=project.config.fps,
        width=width, height=height, start_frame=store.media_path(frames.start), end_frame=store.media_path(frames.end),
        context={"camera_move": shot.camera_move,
                 "subtitle": f"{shot.dialogue.speaker}: {shot.dialogue.line}" if shot.dialogue else None},
        seed=seed,
    )
    return request, prompt_version, frames_version


def unpaid_shots(store: Store, project: Project, video_engine_id: str, *, seed: int = 0) -> list[Shot]:
    """The shots whose clip on this engine is not paid for yet: what running the stage would buy."""
    out = []
    for shot in all_shots(store, project):
        request, _, _ = clip_request(store, project, shot, seed)
        if already_paid(store, "video", idempotency_key(video_engine_id, "video", request)) is None:
            out.append(shot)
    return out
