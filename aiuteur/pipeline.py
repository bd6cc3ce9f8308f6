"""Run the stages in order: what `aiuteur demo`, the notebook and the studio app all call.

With `auto_lock=True` every gate is passed with its default (first treatment variant, beats and
script locked as written, shot lists locked when they validate); without it, the run stops at the
first gate a human must pass and the error says which.
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
from aiuteur.models.media import Film
from aiuteur.models.project import Project
from aiuteur.stages import (
    assets, beats, confirm, delivery, frames, hub, prompts, script, shots, sound, treatment, video, visual_states,
    voices,
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

    if step("treatment") and store.head(project, "treatment") is None:
        treatment.generate(store, project, engines, seed=seed)
    if step("beats") and _needs(store, project, "beats"):
        beats.generate(store, project, engines, auto_lock=auto_lock, seed=seed)
    if step("script") and _needs(store, project, "script"):
        script.generate(store, project, engines, auto_lock=auto_lock, seed=seed)
    if step("assets") and assets.outdated(store, project):  # the roster, or a master asset (e.g. new style)
        assets.extract(store, project, engines, auto_lock=auto_lock, seed=seed)
    if step("assets"):  # every speaking character gets a voice with the master assets (kept ones are kept)
        voices.cast(store, project, auto_lock=auto_lock)
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
    if step("visual_states"):
        for scene in scene_numbers:
            if _needs(store, project, visual_states.key(scene)):
                visual_states.derive(store, project, scene, auto_lock=auto_lock)
    if step("prompts"):
        for scene in scene_numbers:
            prompts.generate_scene(store, project, scene, auto_lock=auto_lock)
    report.phases["generation"] = time.perf_counter() - started

    if step("frames"):
        started = time.perf_counter()
        frame_done = _shot_counter(tell, "frames", len(confirm.all_shots(store, project)))
        frames.generate_scenes(store, project, engines, scene_numbers, seed=seed, progress=frame_done)
        report.phases["frames"] = time.perf_counter() - started
    if step("confirm"):
        head = store.head(project, confirm.KEY)
        if head is None or store.staleness(head).status != "fresh" or not auto_lock and head.status != "locked":
            confirm.confirm(store, project, engines, approve=auto_lock)
        report.confirmation = store.require_head(project, confirm.KEY).model(Confirmation)
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
