"""Stage 10 — anchor frames: a start and an end frame per shot from its frame prompt.

What goes along as reference images, and why:

- the key images of the assets the shot shows: its characters, its location, its props (every
  paid asset image is sent for the frames that show that asset);
- for the end frame, the shot's own start frame (first), so the shot ends where it began;
- the previous shot's end frame only where continuity needs it (`continues`: the same setup, or
  the shot list says the action is continuous). That end frame is recorded in the frames
  (`ShotFrames.continues_from` / `continuity_end`) but is not a version input: regenerating one
  shot's frames pays for that shot only. The shot after it is shown with `continuity_changed`, and
  follows the change only when a person asks (`regenerate_frames(carry_forward=True)`, priced first
  by `carry_forward_cost`).

Shots that do not wait for each other are made at the same time: each run of continuing shots is
one chain (a shot's start frame, then its end frame), and the chains run side by side, as many at
once as the image provider's concurrency limit (an offline engine: one a core). A shot
whose frames are fresh is not asked for again, so a retake, repair or rollback is kept by later
runs.

Modes (`set_frames_mode`, stored in the project as the setting `settings/frames-mode`): `quick`
makes every shot's frames at once; `control` makes one shot per scene at a time, the next only
once a person approved it (`approve_frames`). Stage 10 is locked when every frame is approved
(`frames_locked`).
"""
from __future__ import annotations

import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Literal, Sequence

from aiuteur.engines.gateway import Call, call_estimate, generate_image, is_paid
from aiuteur.engines.protocols import EngineError, ImageRequest, VideoRequest
from aiuteur.engines.registry import Engines
from aiuteur.engines.templates import load_template
from aiuteur.models.assets import Asset, AssetSet
from aiuteur.models.frames import DriftFlag, FrameCard, FramesMode, FrameVersionInfo, ModeEstimate
from aiuteur.models.media import FrameReference, MediaRef, ShotFrames
from aiuteur.models.project import Project, output_size
from aiuteur.models.prompts import ShotPrompt
from aiuteur.models.shots import Shot, ShotList
from aiuteur.models.states import SceneStates
from aiuteur.models.versions import Version
from aiuteur.screenplay import SceneInfo
from aiuteur.stages import assets as assets_stage
from aiuteur.stages import prompts as prompts_stage
from aiuteur.stages import shots as shots_stage
from aiuteur.stages import visual_states
from aiuteur.stages.gates import StageError, require
from aiuteur.store import Store

Progress = Callable[[str], None]
MOMENTS = ("start", "end")
MODE_KEY = "settings/frames-mode"
Which = Literal["start", "end"]
Rect = tuple[int, int, int, int]
#: words in a shot's notes or action that say it continues the shot before
CONTINUITY_WORDS = re.compile(r"\b(continuous|continues|continuing|cont'd|same angle|same setup|match cut)\b", re.I)


class FramesError(StageError):
    """A frames action cannot be done as asked; the message says why and what to do."""


def key(shot_id: str) -> str:
    return f"shot/{shot_id}/frames"


def caption(shot: Shot) -> str:
    if shot.dialogue:
        return f"{shot.dialogue.speaker}: {shot.dialogue.line}"
    return shot.action


def continues(before: Shot, shot: Shot) -> bool:
    """Does `shot` continue `before` (so its frames start from `before`'s end frame)? When the shot
    list says so (its notes or action: "continuous", "match cut from <before>"...), or when it is the
    same setup: same location, shot type and lens, and a character in common."""
    said = " ".join([shot.notes, shot.action])
    if CONTINUITY_WORDS.search(said) and (before.shot_id in said or "match cut" not in said.lower()):
        return True
    same_place = (shot.location or "").strip().upper() == (before.location or "").strip().upper()
    shared = {c.upper() for c in shot.characters} & {c.upper() for c in before.characters}
    return same_place and shot.shot_type == before.shot_type and shot.lens == before.lens and bool(shared)


def runs(shot_list: ShotList) -> list[list[Shot]]:
    """The scene's shots cut into chains of continuing shots (each chain waits only on itself)."""
    out: list[list[Shot]] = []
    for shot in shot_list.shots:
        if out and continues(out[-1][-1], shot):
            out[-1].append(shot)
        else:
            out.append([shot])
    return out


# -- mode --------------------------------------------------------------------------------------
def frames_mode(store: Store, project: Project) -> str:
    head = store.head(project, MODE_KEY)
    return head.model(FramesMode).mode if head else "quick"


def set_frames_mode(store: Store, project: Project, mode: str, *, author: str = "user") -> Version:
    """Store the frames mode in the project (`quick` or `control`); a logged setting version."""
    if mode not in ("quick", "control"):
        raise FramesError(f"frames mode must be 'quick' or 'control', not {mode!r}")
    return store.commit_if_changed(project, MODE_KEY, FramesMode(mode=mode), author=author,  # type: ignore[arg-type]
                                   message=f"frames mode: {mode}")


# -- making frames -------------------------------------------------------------------------------
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
    """One scene's frames."""
    return generate_scenes(store, project, engines, [scene], seed=seed, progress=progress)


def generate_scenes(store: Store, project: Project, engines: Engines, scenes: list[int], *, seed: int = 0,
                    progress: Progress | None = None, workers: int | None = None) -> list[Version]:
    """The frames of `scenes` that are missing or stale, in cut order (fresh ones are kept as they
    are). Chains of continuing shots run side by side: `workers` at once (default: the image
    provider's concurrency limit for a paid engine, one a core for an offline engine). In control mode a
    scene stops at its first shot not yet approved. Every gate (shot lists locked, states and
    prompts fresh) is checked before the first frame is asked for. If a frame fails, no new shot is
    started, the shots in flight finish (and are kept), and the first error is raised."""
    if not scenes:
        return []
    plans = [_read_scene(store, project, scene) for scene in scenes]
    chain = _Chain(store, project, engines, seed, progress)
    if frames_mode(store, project) == "control":
        units = [(plan, plan.shot_list.shots, True) for plan in plans]
    else:
        units = [(plan, run, False) for plan in plans for run in runs(plan.shot_list)]
    if len(units) == 1 or (workers or _default_workers(engines.image.id)) == 1:
        done = {}
        for index, unit in enumerate(units):
            done[index] = chain.run(*unit)
        return _in_cut_order(plans, done)
    pool = ThreadPoolExecutor(max_workers=workers or _default_workers(engines.image.id),
                              thread_name_prefix="aiuteur-frames")
    try:
        # the longest chains first, so the last to finish is a short one
        order = sorted(range(len(units)), key=lambda i: -len(units[i][1]))
        futures = {i: pool.submit(chain.run, *units[i]) for i in order}
        errors = {i: future.exception() for i, future in futures.items()}
    except BaseException:  # e.g. Ctrl-C in a notebook: no new shot starts; those in flight finish
        chain.failed.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    failed = [error for error in (errors[i] for i in range(len(units))) if error is not None]
    if failed:
        raise next((e for e in failed if not isinstance(e, _Stopped)), failed[0])
    return _in_cut_order(plans, {i: f.result() for i, f in futures.items()})


def _in_cut_order(plans: list[_Scene], done: dict[int, list[Version]]) -> list[Version]:
    by_key = {v.artifact_key: v for versions in done.values() for v in versions}
    return [by_key[key(s.shot_id)] for plan in plans for s in plan.shot_list.shots if key(s.shot_id) in by_key]


class _Stopped(EngineError):
    """A chain left unfinished because another chain's frame failed."""


def _default_workers(image_engine_id: str) -> int:
    if not is_paid(image_engine_id):
        # drawn locally: one chain a core (capped like the encoder's threads), since Pillow lets go of
        # the GIL while it resizes, blurs, composites and encodes, which is most of a panel's time
        from aiuteur.render._ffmpeg import default_threads

        return default_threads()
    from aiuteur.jobs.limits import limits_for

    return limits_for(image_engine_id.partition(":")[0]).concurrency


def _read_scene(store: Store, project: Project, scene: int) -> _Scene:
    shots_version = require(store, project, shots_stage.key(scene))
    require(store, project, "assets")
    states = require(store, project, visual_states.key(scene), locked=False).model(SceneStates)
    shot_list = shots_version.model(ShotList)
    prompts = {s.shot_id: require(store, project, prompts_stage.key(s.shot_id), locked=False) for s in shot_list.shots}
    return _Scene(scene, shot_list, states, prompts_stage.scene_info(store, project, scene), prompts)


def is_fresh(store: Store, version: Version | None) -> bool:
    return version is not None and store.staleness(version).status == "fresh"


def is_approved(store: Store, version: Version | None) -> bool:
    return is_fresh(store, version) and version is not None and version.status == "locked"


class _Chain:
    """Makes shots' frames (a shot's start frame, then its end frame with the start as a
    reference); stops starting new shots once any chain failed."""

    def __init__(self, store: Store, project: Project, engines: Engines, seed: int,
                 progress: Progress | None) -> None:
        self.store, self.project, self.engine, self.seed = store, project, engines.image, seed
        self.assets, self.asset_versions = assets_stage.master_versions(store, project)
        self.size = output_size(project.config)
        self.progress = progress
        self.failed = threading.Event()
        self._lock = threading.Lock()

    def run(self, scene: _Scene, shots: Sequence[Shot], control: bool) -> list[Version]:
        try:
            return self._run(scene, shots, control)
        except BaseException:
            self.failed.set()
            raise

    def _run(self, scene: _Scene, shots: Sequence[Shot], control: bool) -> list[Version]:
        written: list[Version] = []
        all_shots = scene.shot_list.shots
        for shot in shots:
            if self.failed.is_set():
                raise _Stopped(f"scene {scene.number}: stopped before {shot.shot_id}: another frame failed")
            head = self.store.head(self.project, key(shot.shot_id))
            keep = is_fresh(self.store, head) and _same_engine(head, self.engine.id)
            if not keep:
                index = all_shots.index(shot)
                before = all_shots[index - 1] if index else None
                previous = (self.store.head(self.project, key(before.shot_id))
                            if before is not None and continues(before, shot) else None)
                if head is not None and _same_engine(head, self.engine.id):  # a take a person chose stays theirs
                    made = head.model(ShotFrames)
                    plan = _requests(self, scene, shot, previous, seed=made.seed, guidance=made.guidance)
                    if _unchanged_for_frames(self.store, head, plan.inputs):
                        head = self.store.commit(self.project, key(shot.shot_id), made, inputs=plan.inputs,
                                                 status=head.status, message="kept: only the video prompt changed")
                    else:
                        head = make_shot(self, scene, shot, previous, seed=made.seed, guidance=made.guidance)
                else:
                    head = make_shot(self, scene, shot, previous, seed=self.seed)
            assert head is not None
            written.append(head)
            if self.progress:
                with self._lock:  # progress callbacks need not be thread-safe
                    self.progress(shot.shot_id)
            if control and not is_approved(self.store, head):
                break  # control mode: the next shot waits for a person's approval of this one
        return written

    # -- the pieces of one shot's requests --
    def shown_assets(self, shot: Shot, info: SceneInfo) -> list[tuple[str, Asset]]:
        """(role, asset) for every asset the shot shows: characters, its location, its props."""
        out: list[tuple[str, Asset]] = []
        for name in shot.characters:
            asset = self.assets.find(name)
            if asset is not None and asset.kind == "character":
                out.append(("character", asset))
        place = _location(self.assets, shot.location or info.location)
        if place is not None:
            out.append(("location", place))
        for name in shot.props:
            asset = self.assets.find(name)
            if asset is not None and asset.kind == "prop":
                out.append(("prop", asset))
        seen: set[str] = set()
        return [(r, a) for r, a in out if not (a.slug in seen or seen.add(a.slug))]  # type: ignore[func-returns-value]


def _unchanged_for_frames(store: Store, head: Version, inputs: list[Version]) -> bool:
    """Were the frames in `head` made from what `inputs` hold, as far as frames go: the same frame
    prompt (a video prompt edit is no reason to redraw them) and the same asset looks?"""
    old = [store.version(i) for i in head.inputs]
    old_prompt = next((v for v in old if v.artifact_key.endswith("/prompt")), None)
    new_prompt = next((v for v in inputs if v.artifact_key.endswith("/prompt")), None)
    if old_prompt is None or new_prompt is None:
        return False
    if old_prompt.model(ShotPrompt).frame_prompt != new_prompt.model(ShotPrompt).frame_prompt:
        return False
    return ({v.content_hash for v in old if v is not old_prompt}
            == {v.content_hash for v in inputs if v is not new_prompt})


def _same_engine(version: Version | None, engine_id: str) -> bool:
    made_by = (version.payload.get("engine") if version is not None else None)
    return made_by is None or made_by == engine_id  # frames from before engines were recorded are kept


def _location(assets: AssetSet, name: str) -> Asset | None:
    if not name:
        return None
    from aiuteur.continuity.extraction import location_name

    for candidate in (name, location_name(name) or ""):
        asset = assets.find(candidate) if candidate else None
        if asset is not None and asset.kind == "location":
            return asset
    return None


@dataclass(frozen=True)
class _Request:
    call: Call
    start: ImageRequest
    end_prompt: str
    end_context: dict
    common: list[tuple[FrameReference, Path]]
    previous: tuple[FrameReference, Path] | None
    inputs: list[Version]


def _requests(chain: _Chain, scene: _Scene, shot: Shot, previous: Version | None, *, seed: int,
              guidance: str = "") -> _Request:
    store = chain.store
    prompt_version = scene.prompts[shot.shot_id]
    prompt = prompt_version.model(ShotPrompt)
    shown = chain.shown_assets(shot, scene.info)
    shown_slugs = {a.slug for _, a in shown}
    tags = {chain.assets.get(slug).name if slug in {a.slug for a in chain.assets.assets} else slug: t
            for slug, t in visual_states.tags_in_shot(scene.states, scene.shot_list, shot.shot_id).items()
            if slug in shown_slugs}  # a tag goes only to the asset that carries it, when it is shown
    common = [(FrameReference(role=role, name=a.name, sha256=a.image.sha256), store.media_path(a.image))  # type: ignore[arg-type]
              for role, a in shown if a.image is not None and store.has_media(a.image)]
    prev = None
    if previous is not None:
        end = previous.model(ShotFrames).end
        prev = (FrameReference(role="previous end frame", name=previous.model(ShotFrames).shot_id, sha256=end.sha256),
                store.media_path(end))
    used = [chain.asset_versions[a.slug] for _, a in shown if a.slug in chain.asset_versions]
    call = Call(chain.project, "frames", load_template("frame"), [prompt_version, *used])
    width, height = chain.size
    info = scene.info
    base_context = {"int_ext": info.int_ext, "time_of_day": info.time_of_day, "location": info.location,
                    "shot_type": shot.shot_type, "characters": shot.characters, "caption": caption(shot),
                    "title": shot.shot_id, "tags": tags}
    extra = f"\n[GUIDANCE] {guidance}" if guidance else ""
    if guidance:  # the offline engine draws it in the caption; a real model reads it in the prompt
        base_context["guidance"] = guidance
        base_context["caption"] = f"{caption(shot)} | {guidance}"
    refs = [p for _, p in common] + ([prev[1]] if prev else [])
    start = ImageRequest(prompt=prompt.frame_prompt + "\n[MOMENT] start of the shot" + extra, width=width, height=height,
                         context={**base_context, "moment": "start"}, references=refs, seed=seed)
    end_prompt = (prompt.frame_prompt + "\n[MOMENT] end of the shot"
                  + "\n[REFERENCE] the first reference image is this shot's start frame: keep its people, place "
                    "and light" + extra)
    return _Request(call, start, end_prompt, {**base_context, "moment": "end"}, common, prev,
                    [prompt_version, *used])


def make_shot(chain: _Chain, scene: _Scene, shot: Shot, previous: Version | None, *, seed: int,
              guidance: str = "", author: str = "aiuteur", message: str = "start and end frames") -> Version:
    """One shot's frames: the start frame, then the end frame with the start frame as its first
    reference; committed as a new version when they differ from the head."""
    store = chain.store
    plan = _requests(chain, scene, shot, previous, seed=seed, guidance=guidance)
    start_ref, _ = generate_image(store, plan.call, chain.engine, plan.start)
    start_path = store.media_path(start_ref)
    end_request = ImageRequest(prompt=plan.end_prompt, width=plan.start.width, height=plan.start.height,
                               context=plan.end_context, references=[start_path, *plan.start.references], seed=seed)
    end_ref, _ = generate_image(store, plan.call, chain.engine, end_request)
    start_refs = [r for r, _ in plan.common] + ([plan.previous[0]] if plan.previous else [])
    frames = ShotFrames(
        shot_id=shot.shot_id, start=start_ref, end=end_ref, engine=chain.engine.id, seed=seed, guidance=guidance,
        continues_from=plan.previous[0].name if plan.previous else None,
        continuity_end=previous.model(ShotFrames).end if previous is not None else None,
        references={"start": start_refs,
                    "end": [FrameReference(role="start frame", name=shot.shot_id, sha256=start_ref.sha256), *start_refs]})
    return store.commit_if_changed(chain.project, key(shot.shot_id), frames, inputs=plan.inputs, author=author,
                                   message=message)


# -- the studio's actions on one shot --------------------------------------------------------------
def _scene_of(store: Store, project: Project, shot_id: str) -> tuple[_Scene, Shot]:
    for number in shots_stage.scenes(store, project):
        head = store.head(project, shots_stage.key(number))
        if head is not None and shot_id in head.model(ShotList).ids:
            plan = _read_scene(store, project, number)
            return plan, plan.shot_list.get(shot_id)
    raise FramesError(f"project {project.name!r} has no shot {shot_id!r} in a locked shot list")


def _head(store: Store, project: Project, shot_id: str) -> Version:
    head = store.head(project, key(shot_id))
    if head is None:
        raise FramesError(f"{shot_id} has no frames yet: run stage 10 (`aiuteur run {project.name} --until frames`)")
    return head


def _successors(scene: _Scene, shot: Shot) -> list[Shot]:
    """The shots after `shot` that continue it, one from the other (what carrying forward redoes)."""
    shots = scene.shot_list.shots
    out: list[Shot] = []
    before = shot
    for after in shots[shots.index(shot) + 1:]:
        if not continues(before, after):
            break
        out.append(after)
        before = after
    return out


def regenerate_frames(store: Store, project: Project, engines: Engines, shot_id: str, *, guidance: str = "",
                      carry_forward: bool = False, author: str = "user") -> list[Version]:
    """New frames for one shot, following `guidance` (a new take: a new seed). Pays for this shot's
    two frames only; with `carry_forward`, the shots that continue it are made again from its new
    end frame too (see `carry_forward_cost` first). Returns the versions written, this shot first."""
    scene, shot = _scene_of(store, project, shot_id)
    head = store.head(project, key(shot_id))
    take = 1 + max((v.model(ShotFrames).seed for v in store.history(project, key(shot_id))), default=0)
    chain = _Chain(store, project, engines, take, None)
    shots = scene.shot_list.shots
    index = shots.index(shot)
    before = shots[index - 1] if index else None
    previous = store.head(project, key(before.shot_id)) if before is not None and continues(before, shot) else None
    if head is not None and head.model(ShotFrames).continuity_end is not None and previous is not None and not carry_forward:
        pinned = head.model(ShotFrames).continuity_end
        if pinned != previous.model(ShotFrames).end:  # keep following the end frame it was made from
            previous = _with_end(store, project, previous, pinned)
    note = f"regenerated: {guidance}" if guidance else "regenerated"
    written = [make_shot(chain, scene, shot, previous, seed=take, guidance=guidance, author=author, message=note)]
    if carry_forward:
        for after in _successors(scene, shot):
            written.append(make_shot(chain, scene, after, written[-1], seed=take, author=author,
                                     message=f"carried forward from {shot_id}"))
    return written


def _with_end(store: Store, project: Project, version: Version, end: MediaRef) -> Version:
    """`version` as it was when its end frame was `end` (the earlier version holding it)."""
    for old in reversed(store.history(project, version.artifact_key)):
        if old.model(ShotFrames).end == end:
            return old
    return version


def carry_forward_cost(store: Store, project: Project, engines: Engines, shot_id: str) -> float:
    """What carrying a change of `shot_id`'s frames forward costs: two frames for every shot that
    continues it (one from the other), and their clips on the video engine, which would be redone."""
    from aiuteur.costs.prices import load_prices

    scene, shot = _scene_of(store, project, shot_id)
    prices = load_prices()
    total = 0.0
    width, height = output_size(project.config)
    for after in _successors(scene, shot):
        request = ImageRequest(prompt=scene.prompts[after.shot_id].model(ShotPrompt).frame_prompt, width=width,
                               height=height)
        if is_paid(engines.image.id):
            total += 2 * prices.cost(engines.image.id, call_estimate(engines.image, "image", request))
        if is_paid(engines.video.id):
            frames = store.head(project, key(after.shot_id))
            start = store.media_path(frames.model(ShotFrames).start) if frames else Path("start.png")
            clip = VideoRequest(prompt=scene.prompts[after.shot_id].model(ShotPrompt).video_prompt,
                                duration=after.duration, fps=project.config.fps, width=width, height=height,
                                start_frame=start)
            total += prices.cost(engines.video.id, call_estimate(engines.video, "video", clip))
    return round(total, 4)


def approve_frames(store: Store, project: Project, shot_id: str, *, author: str = "user") -> Version:
    """A person approves a shot's frames (its head, locked). Stale frames cannot be approved."""
    head = _head(store, project, shot_id)
    staleness = store.staleness(head)
    if staleness.status == "stale":
        raise FramesError(f"{shot_id} frames v{head.number} are stale ({'; '.join(staleness.reasons)}): "
                          "regenerate them before approving")
    return store.lock(project, key(shot_id), author=author, message=f"frames approved by {author}")


def frames_locked(store: Store, project: Project) -> bool:
    """Stage 10 is locked when every shot's frames are approved (locked and fresh)."""
    from aiuteur.stages.shots import all_shots

    shots = all_shots(store, project)
    return bool(shots) and all(is_approved(store, store.head(project, key(s.shot_id))) for s in shots)


def frame_history(store: Store, project: Project, shot_id: str) -> list[FrameVersionInfo]:
    """Every version of a shot's frames, oldest first; `current` marks the head."""
    head = store.head(project, key(shot_id))
    out = []
    for version in store.history(project, key(shot_id)):
        frames = version.model(ShotFrames)
        out.append(FrameVersionInfo(version=version.number, version_id=version.id, status=version.status,
                                    current=head is not None and head.id == version.id, start=frames.start,
                                    end=frames.end, message=version.message, author=version.author,
                                    created_at=version.created_at, guidance=frames.guidance))
    if not out:
        raise FramesError(f"{shot_id} has no frames yet")
    return out


def _version_number(store: Store, project: Project, shot_id: str, number: int) -> Version:
    for version in store.history(project, key(shot_id)):
        if version.number == number:
            return version
    known = ", ".join(f"v{v.number}" for v in store.history(project, key(shot_id))) or "none"
    raise FramesError(f"{shot_id} has no frames version {number} (versions: {known})")


def rollback_frames(store: Store, project: Project, shot_id: str, version: int, *, author: str = "user") -> Version:
    """Point the shot's frames head back at an earlier version: a logged head move (the later
    versions stay in the history)."""
    target = _version_number(store, project, shot_id, version)
    return store.set_head(project, key(shot_id), target.id, f"rollback to v{version} by {author}")


def compare_frames(store: Store, project: Project, shot_id: str, a: int, b: int,
                   mode: Literal["blend", "flicker"] = "blend") -> bytes:
    """Two versions of a shot's frames side by side (start | end): `blend` a 50/50 PNG, `flicker` a
    GIF alternating between them."""
    from PIL import Image

    if mode not in ("blend", "flicker"):
        raise FramesError(f"compare mode must be 'blend' or 'flicker', not {mode!r}")

    def strip(number: int) -> Image.Image:
        frames = _version_number(store, project, shot_id, number).model(ShotFrames)
        with Image.open(store.media_path(frames.start)) as start, Image.open(store.media_path(frames.end)) as end:
            start, end = start.convert("RGB"), end.convert("RGB").resize(start.size)
            out = Image.new("RGB", (start.width * 2, start.height))
            out.paste(start, (0, 0))
            out.paste(end, (start.width, 0))
        return out

    first, second = strip(a), strip(b)
    second = second.resize(first.size)
    buffer = io.BytesIO()
    if mode == "blend":
        Image.blend(first, second, 0.5).save(buffer, format="PNG")
    else:
        first.save(buffer, format="GIF", save_all=True, append_images=[second], duration=400, loop=0)
    return buffer.getvalue()


def mask_image(mask: Rect | bytes, size: tuple[int, int]) -> bytes:
    """A greyscale PNG mask at `size`, white where to repaint: from a rectangle (x, y, w, h) or from
    a brush mask (PNG bytes, white or opaque where painted; scaled to the frame)."""
    from PIL import Image, ImageDraw

    width, height = size
    if isinstance(mask, (bytes, bytearray)):
        try:
            with Image.open(io.BytesIO(mask)) as painted:
                if painted.mode in ("RGBA", "LA") and painted.getextrema()[-1][0] < 255:
                    grey = painted.getchannel("A")  # a brush layer: painted where opaque
                else:
                    grey = painted.convert("L")
                grey = grey.resize((width, height)).point(lambda v: 255 if v >= 128 else 0)
        except Exception as exc:  # PIL raises many kinds for a bad file
            raise FramesError(f"the mask is not a readable PNG: {exc}") from exc
    else:
        if len(mask) != 4:
            raise FramesError(f"a rectangle is x,y,w,h (4 numbers), not {mask!r}")
        x, y, w, h = (int(v) for v in mask)
        if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > width or y + h > height:
            raise FramesError(f"rectangle {x},{y},{w},{h} is not inside the {width}x{height} frame")
        grey = Image.new("L", (width, height), 0)
        ImageDraw.Draw(grey).rectangle([x, y, x + w - 1, y + h - 1], fill=255)
    if grey.getextrema()[1] == 0:
        raise FramesError("the mask is empty: paint (white) the region to repair")
    buffer = io.BytesIO()
    grey.save(buffer, format="PNG")
    return buffer.getvalue()


def repair_region(store: Store, project: Project, engines: Engines, shot_id: str, which: Which,
                  mask: Rect | bytes, *, guidance: str = "", author: str = "user") -> Version:
    """Repaint one region of a frame (a rectangle or a brush mask) following `guidance`; every pixel
    outside the region is kept as it was. Needs an image engine that can edit (offline:storyboard,
    openai:gpt-image-1, Gemini image models by reference); a new draft version of the frames."""
    from PIL import Image

    if which not in MOMENTS:
        raise FramesError(f"which frame: 'start' or 'end', not {which!r}")
    engine = engines.image
    can_edit = getattr(engine, "can_edit", None)
    if not callable(can_edit) or not can_edit():
        raise FramesError(f"{engine.id} cannot repair a region: use an image engine that edits "
                          "(offline:storyboard, openai:gpt-image-1, a gemini: image model)")
    scene, shot = _scene_of(store, project, shot_id)
    head = _head(store, project, shot_id)
    frames = head.model(ShotFrames)
    original_ref = frames.start if which == "start" else frames.end
    original_path = store.media_path(original_ref)
    with Image.open(original_path) as original:
        size = original.size
    mask_ref = store.put_media(mask_image(mask, size), "image/png", width=size[0], height=size[1])
    chain = _Chain(store, project, engines, frames.seed, None)
    plan = _requests(chain, scene, shot, None, seed=frames.seed, guidance=guidance)
    context = {**(plan.start.context if which == "start" else plan.end_context), "repair": True}
    request = ImageRequest(prompt=(plan.start.prompt if which == "start" else plan.end_prompt)
                           + ("" if guidance else "\n[REPAIR] repaint the masked region"),
                           width=size[0], height=size[1], context=context,
                           references=[original_path, *[p for _, p in plan.common]], seed=frames.seed,
                           mask=store.media_path(mask_ref))
    made, _ = generate_image(store, plan.call, engine, request)
    with Image.open(original_path) as original, Image.open(store.media_path(made)) as repainted, \
            Image.open(store.media_path(mask_ref)) as region:
        base = original.convert("RGB")
        result = Image.composite(repainted.convert("RGB").resize(base.size), base, region.convert("L"))
        buffer = io.BytesIO()
        result.save(buffer, format="PNG")
    fixed = store.put_media(buffer.getvalue(), "image/png", width=size[0], height=size[1])
    refs = dict(frames.references)
    refs[which] = [FrameReference(role="frame to repair", name=shot_id, sha256=original_ref.sha256),
                   *[r for r, _ in plan.common]]
    updated = frames.model_copy(update={which: fixed, "references": refs,
                                        "guidance": guidance or frames.guidance})
    where = f"{mask[0]},{mask[1]},{mask[2]},{mask[3]}" if isinstance(mask, tuple) else "brush mask"
    return store.commit(project, key(shot_id), updated, inputs=head.inputs, author=author,
                        message=f"{which} frame repaired ({where})" + (f": {guidance}" if guidance else ""))


# -- what the studio is shown ----------------------------------------------------------------------
def frame_cards(store: Store, project: Project, scene: int, *, drift: bool = False,
                threshold: float | None = None) -> list[FrameCard]:
    """The scene's contact sheet: each shot's frames, state (pending | approved | stale | missing),
    version, the references each frame was made with, continuity, and (with `drift`) drift flags."""
    shot_list = require(store, project, shots_stage.key(scene), locked=False).model(ShotList)
    control = frames_mode(store, project) == "control"
    flags = {}
    if drift:
        for flag in drift_report(store, project, scene, threshold=threshold):
            flags.setdefault(flag.shot_id, []).append(flag)
    cards, blocked = [], False
    for shot in shot_list.shots:
        head = store.head(project, key(shot.shot_id))
        if head is None:
            cards.append(FrameCard(shot_id=shot.shot_id, scene=scene, state="missing", waiting=control and blocked))
            blocked = True
            continue
        staleness = store.staleness(head)
        frames = head.model(ShotFrames)
        state = "stale" if staleness.status == "stale" else ("approved" if head.status == "locked" else "pending")
        changed = False
        if frames.continues_from and frames.continuity_end is not None:
            source = store.head(project, key(frames.continues_from))
            changed = source is not None and source.model(ShotFrames).end != frames.continuity_end
        cards.append(FrameCard(
            shot_id=shot.shot_id, scene=scene, state=state, version=head.number, start=frames.start, end=frames.end,
            start_path=str(store.media_path(frames.start)), end_path=str(store.media_path(frames.end)),
            stale_reasons=staleness.reasons, references=frames.references, continues_from=frames.continues_from,
            continuity_changed=changed, drift=[f for f in flags.get(shot.shot_id, []) if f.drifted],
            waiting=control and blocked))
        blocked = blocked or state != "approved"
    return cards


def drift_report(store: Store, project: Project, scene: int, *, threshold: float | None = None) -> list[DriftFlag]:
    """For every frame of the scene and every character it shows: how far the character's look is
    from its asset's key image (`aiuteur.continuity.drift`); `drifted` past `threshold`."""
    from aiuteur.continuity import drift

    limit = drift.DEFAULT_THRESHOLD if threshold is None else float(threshold)
    shot_list = require(store, project, shots_stage.key(scene), locked=False).model(ShotList)
    assets = assets_stage.master(store, project)
    out = []
    for shot in shot_list.shots:
        head = store.head(project, key(shot.shot_id))
        if head is None:
            continue
        frames = head.model(ShotFrames)
        if not drift.checkable(shot.shot_type, len(shot.characters)):
            continue
        for name in shot.characters:
            asset = assets.find(name)
            if asset is None or asset.kind != "character" or asset.image is None or not store.has_media(asset.image):
                continue
            for moment in MOMENTS:
                ref = frames.start if moment == "start" else frames.end
                distance = drift.look_distance(store.media_path(ref), store.media_path(asset.image))
                out.append(DriftFlag(shot_id=shot.shot_id, moment=moment, character=asset.name, asset=asset.slug,  # type: ignore[arg-type]
                                     distance=round(distance, 4), threshold=limit, drifted=distance > limit))
    return out


def estimate_frames_mode(store: Store, project: Project, engines: Engines | None = None, *,
                         engine_id: str | None = None) -> list[ModeEstimate]:
    """Stage 10 in each mode: the frames still to make (missing or stale), what they cost on the
    image engine, and how many rounds of approval a person goes through."""
    from aiuteur.costs.prices import load_prices
    from aiuteur.engines.gateway import estimate_usage
    from aiuteur.stages.shots import all_shots

    engine_id = engine_id or (engines.image.id if engines is not None else "offline:storyboard")
    shots = all_shots(store, project)
    todo = [s for s in shots if not is_fresh(store, store.head(project, key(s.shot_id)))]
    width, height = output_size(project.config)
    request = ImageRequest(prompt="", width=width, height=height)
    usage = (call_estimate(engines.image, "image", request) if engines is not None and engines.image.id == engine_id
             else estimate_usage("image", request, engine_id))
    each = load_prices().cost(engine_id, usage) if is_paid(engine_id) else 0.0
    images = 2 * len(todo)
    per_scene: dict[int, int] = {}
    for shot in shots:
        if not is_approved(store, store.head(project, key(shot.shot_id))):
            per_scene[shot.scene] = per_scene.get(shot.scene, 0) + 1
    rounds = max(per_scene.values(), default=0)
    cost = round(images * each, 4)
    return [
        ModeEstimate(mode="quick", engine=engine_id, images=images, cost_usd=cost, rounds=1 if images else 0,
                     note="every shot's frames at once; approve them afterwards"),
        ModeEstimate(mode="control", engine=engine_id, images=images, cost_usd=cost, rounds=rounds,
                     note="one shot per scene at a time, the next after approval: a rejected frame is redone "
                          "before any shot is made from it"),
    ]
