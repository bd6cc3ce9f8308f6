"""Run the stages in order: what `aiuteur demo`, the notebook and the studio app all call.

With `auto_lock=True` every gate is passed with its default (first treatment variant, beats and
script locked as written, shot lists and prompts locked when they validate, frames approved, the
estimate approved within the budget); without it, the run stops at the first gate a human must
pass before the stage asked for: `report.stopped_at` says which, with the exact CLI command that
passes it (`aiuteur.stages.gate_actions`).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from aiuteur.engines.config import engines_for
from aiuteur.engines.registry import Engines
from aiuteur.models.costs import Confirmation
from aiuteur.models.gates import GateInfo
from aiuteur.models.media import Film
from aiuteur.models.project import Project
from aiuteur.stages import (
    assets, beats, confirm, delivery, frames, gate_actions, hub, prompts, script, shots, sound, treatment, video,
    visual_states, voices,
)
from aiuteur.stages.catalog import stage as stage_info
from aiuteur.store import Store
from aiuteur.validate import require_type

#: (stage slug, done, total, message) — the CLI, notebooks and Panel each show this their way
ProgressFn = Callable[[str, int, int, str], None]


@dataclass
class RunReport:
    project: Project
    phases: dict[str, float] = field(default_factory=dict)  # phase -> seconds
    film: Film | None = None
    confirmation: Confirmation | None = None
    delivery: delivery.Delivery | None = None
    stopped_at: GateInfo | None = None  # the gate a person must pass before the stages asked for can run

    @property
    def wall_seconds(self) -> float:
        return sum(self.phases.values())


def run(store: Store, project: Project, engines: Engines | None = None, *, until: str = "video",
        auto_lock: bool = True, out_dir: Path | None = None, workers: int = 2, seed: int = 0,
        progress: ProgressFn | None = None) -> RunReport:
    """Run stages 2..`until` (a stage slug or number); deliver to `out_dir` when given.

    `engines=None` uses the engines configured for the project (`engines_for`: environment, then
    the project's settings, then offline) — what the CLI, Panel and notebooks use too."""
    require_type(store, Store, "store")
    require_type(project, Project, "project (store.get_project(name) gives one)")
    last = stage_info(until).number  # 0, 99, "", 2.5... are refused here, before anything runs
    engines = engines if engines is not None else engines_for(store, project)
    if out_dir is not None:
        delivery.writable_folder(out_dir)  # fail before any work, not after it
    report = RunReport(project=project)
    tell = progress or (lambda *_: None)
    started = time.perf_counter()

    def step(slug: str) -> bool:
        number = stage_info(slug).number
        if number <= last:
            tell(slug, 0, 1, stage_info(slug).title)
        return number <= last

    def waits(gate: str, needed_by: str) -> bool:
        """Without auto_lock: stop before `needed_by` (when asked for) while `gate` waits for a person."""
        if auto_lock or stage_info(needed_by).number > last:
            return False
        report.stopped_at = gate_actions.waiting_at(store, project, gate)
        return report.stopped_at is not None

    if step("treatment") and store.head(project, "treatment") is None:
        treatment.generate(store, project, engines, seed=seed)
    if waits("treatment", "beats"):
        return report
    if step("beats") and _needs(store, project, "beats"):
        beats.generate(store, project, engines, auto_lock=auto_lock, seed=seed)
    if waits("beats", "script"):
        return report
    if step("script") and _needs(store, project, "script"):
        script.generate(store, project, engines, auto_lock=auto_lock, seed=seed)
    if waits("script", "assets"):
        return report
    if step("assets") and assets.outdated(store, project):  # the roster, or a master asset (e.g. new style)
        assets.extract(store, project, engines, auto_lock=auto_lock, seed=seed)
    if step("assets"):  # every speaking character gets a voice with the master assets (kept ones are kept)
        voices.cast(store, project, auto_lock=auto_lock)
    if waits("assets", "hub"):
        return report
    if step("hub"):
        hub.build(store, project, auto_lock=auto_lock)
    scene_numbers = shots.scenes(store, project) if last >= 7 else []
    if step("shots"):
        for i, scene in enumerate(scene_numbers, 1):
            if _needs(store, project, shots.key(scene)):
                shots.generate(store, project, engines, scene, auto_lock=auto_lock, seed=seed)
            if auto_lock:
                shots.lock(store, project, scene, force=False)
            tell("shots", i, len(scene_numbers), f"scene {scene}")
    if waits("shots", "visual_states"):
        return report
    if step("visual_states"):
        for scene in scene_numbers:
            if _needs(store, project, visual_states.key(scene)):
                visual_states.derive(store, project, scene, auto_lock=auto_lock)
    if step("prompts"):
        for scene in scene_numbers:
            prompts.generate_scene(store, project, scene, auto_lock=auto_lock)
        if auto_lock and last >= stage_info("frames").number:
            _lock_prompts(store, project)
    report.phases["generation"] = time.perf_counter() - started
    if waits("prompts", "frames"):
        return report

    if step("frames"):
        started = time.perf_counter()
        frame_done = _shot_counter(tell, "frames", len(confirm.all_shots(store, project)))
        frames.generate_scenes(store, project, engines, scene_numbers, seed=seed, progress=frame_done)
        if auto_lock and last >= stage_info("confirm").number:
            for _ in range(len(confirm.all_shots(store, project))):  # control mode: one more shot per approval
                if not _approve_frames(store, project):
                    break
                frames.generate_scenes(store, project, engines, scene_numbers, seed=seed)
        report.phases["frames"] = time.perf_counter() - started
    if waits("frames", "confirm"):
        return report
    if step("confirm"):
        head = store.head(project, confirm.KEY)
        if head is None or store.staleness(head).status != "fresh" or not auto_lock and head.status != "locked":
            if auto_lock or head is None or store.staleness(head).status != "fresh":
                confirm.confirm(store, project, engines, approve=auto_lock)
        report.confirmation = store.require_head(project, confirm.KEY).model(Confirmation)
    if waits("costs", "video"):
        return report
    if step("video"):
        started = time.perf_counter()
        total = len(confirm.all_shots(store, project))
        clip_done = _shot_counter(tell, "video", total)
        video.generate_all(store, project, engines, workers=workers, seed=seed, progress=clip_done)
        sound_started = time.perf_counter()
        tell("video", total, total, "sound")
        sound.generate(store, project, auto_lock=auto_lock, seed=seed)  # lines, beds: the mix is made with the film
        report.phases["sound"] = time.perf_counter() - sound_started
        film_head = store.head(project, video.FILM)
        if film_head is None or store.staleness(film_head).status != "fresh" or sound.film_sound(store, film_head) is None:
            video.assemble(store, project)
        report.film = store.require_head(project, video.FILM).model(Film)
        report.phases["render"] = time.perf_counter() - started - report.phases["sound"]
        if out_dir is not None:
            started = time.perf_counter()
            tell("video", total, total, "exporting")
            report.delivery = delivery.deliver(store, project, out_dir)
            report.phases["export"] = time.perf_counter() - started
    return report


def _lock_prompts(store: Store, project: Project) -> None:
    """The prompt gate passed with defaults: every prompt not locked yet is locked (refused, naming
    the shots, while one has problems or a hand edit waits for keep/take/merge)."""
    heads = store.heads(project, "shot/")
    if any(key.endswith("/prompt") and v.status != "locked" for key, v in heads.items()):
        # the default for a hand edit whose inputs changed is to keep it (never replaced silently);
        # the regenerated prompt stays in its history for a person to take later
        for card in prompts.list_prompts(store, project):
            if card.state == "edited, stale":
                prompts.resolve_stale_prompt(store, project, card.shot_id, "keep", author="aiuteur (defaults)")
        prompts.lock_prompts(store, project, author="aiuteur")


def _approve_frames(store: Store, project: Project) -> bool:
    """The frames gate passed with defaults: every pending frame approved. True when stage 10
    still is not locked after that (control mode: the next shots are made only now)."""
    approve, locked = getattr(frames, "approve_frames", None), getattr(frames, "frames_locked", None)
    if approve is None or locked is None or locked(store, project):
        return False
    memo: dict = {}
    pending = [s.shot_id for s in confirm.all_shots(store, project)
               if (head := store.head(project, frames.key(s.shot_id))) is not None and head.status != "locked"
               and store.staleness(head, memo).status == "fresh"]
    for shot_id in pending:
        approve(store, project, shot_id, author="aiuteur")
    return bool(pending) and not locked(store, project)


def _shot_counter(tell: ProgressFn, stage: str, total: int) -> Callable[[str], None]:
    """A per-shot callback reporting `done of total` for a stage; locked because clips finish on worker threads."""
    lock = threading.Lock()
    done = 0

    def one(shot_id: str) -> None:
        nonlocal done
        with lock:
            done += 1
            tell(stage, done, total, shot_id)

    return one


def _needs(store: Store, project: Project, key: str) -> bool:
    """A stage's output is (re)made when it is missing or stale; fresh work is kept."""
    head = store.head(project, key)
    return head is None or store.staleness(head).status != "fresh"
