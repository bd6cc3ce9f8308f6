"""Stage 10 makes frames that do not wait for each other at the same time — and asks for exactly
what one shot at a time would ask for (the same requests, keys and references), paying once.

A shot waits only on itself (its end frame takes its start frame as a reference) and, where it
continues the shot before (`frames.continues`), on that shot's end frame."""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from aiuteur import Engines, start_project
from aiuteur.jobs.testing import ScriptedEngine
from aiuteur.models.media import ShotFrames
from aiuteur.models.project import ProjectConfig
from aiuteur.models.shots import ShotList
from aiuteur.pipeline import run
from aiuteur.stages import frames, shots
from aiuteur.store import Store
from tests.conftest import LIGHTHOUSE

IMAGE = "openai:gpt-image-1"  # paid: the jobs runner, at the default limit of 4 calls at once


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """A folder holding a workspace with stages 2-9 done offline; tests work on copies of it."""
    folder = tmp_path_factory.mktemp("prompts-done")
    with Store(folder / "ws.duckdb") as store:
        project, _ = start_project(store, "film", LIGHTHOUSE, ProjectConfig(title="The Last Light", target_minutes=3.0))
        run(store, project, Engines.offline(), until="prompts")
    return folder


def prepared(workspace: Path, copy: Path) -> tuple[Store, object, list[int]]:
    shutil.copytree(workspace, copy)
    store = Store(copy / "ws.duckdb")
    project = store.get_project("film")
    return store, project, shots.scenes(store, project)


def made(store: Store, project, scenes: list[int], workers: int | None, latency: float = 0.2):
    engine = ScriptedEngine(IMAGE, latency=latency)
    engines = dataclasses.replace(Engines.offline(), image=engine)
    versions = frames.generate_scenes(store, project, engines, scenes, workers=workers)
    keys = {r[0] for r in store.db.fetchall("SELECT idempotency_key FROM generations WHERE stage = 'frames'")}
    return engine, versions, keys


def test_scenes_run_side_by_side_and_ask_what_one_at_a_time_asks(workspace, tmp_path):
    store, project, scenes = prepared(workspace, tmp_path / "a")
    scenes = scenes[:3]  # three chains are enough to fill four slots
    assert len(scenes) == 3
    engine, versions, keys = made(store, project, scenes, workers=None)
    shot_count = sum(len(store.require_head(project, shots.key(n)).model(ShotList).shots) for n in scenes)
    assert len(versions) == shot_count and len(engine.calls) == len(keys) == 2 * shot_count
    assert engine.peak == 4  # the provider's limit, reached and never passed: frames were not made one at a time
    order = [v.artifact_key for v in versions]
    assert order == [frames.key(s.shot_id) for n in scenes
                     for s in store.require_head(project, shots.key(n)).model(ShotList).shots]  # cut order

    # a shot that continues the one before refers to its end frame; the others do not wait for it;
    # every end frame refers to its own shot's start frame first
    for n in scenes:
        shot_list = store.require_head(project, shots.key(n)).model(ShotList)
        for before, shot in zip(shot_list.shots, shot_list.shots[1:]):
            end = store.media_path(store.require_head(project, frames.key(before.shot_id)).model(ShotFrames).end)
            asked = [r for r in engine.calls if r.context["title"] == shot.shot_id]
            assert len(asked) == 2
            assert all((r.references[-1] == end) == frames.continues(before, shot) for r in asked)
        for shot in shot_list.shots:
            start = store.media_path(store.require_head(project, frames.key(shot.shot_id)).model(ShotFrames).start)
            [end_request] = [r for r in engine.calls if r.context["title"] == shot.shot_id and r.context["moment"] == "end"]
            assert end_request.references[0] == start

    again = ScriptedEngine(IMAGE)
    frames.generate_scenes(store, project, dataclasses.replace(Engines.offline(), image=again), scenes)
    assert again.calls == []  # everything was paid for once

    one_store, one_project, _ = prepared(workspace, tmp_path / "b")
    one, _, one_keys = made(one_store, one_project, scenes, workers=1)
    assert one_keys == keys  # scene by scene, the very same requests
    assert one.peak == 1  # one chain at a time: a shot's end frame waits for its start frame
    store.close()
    one_store.close()


def test_a_failed_frame_stops_new_shots_keeps_finished_ones_and_raises_it(workspace, tmp_path):
    store, project, scenes = prepared(workspace, tmp_path / "a")
    total = sum(len(store.require_head(project, shots.key(n)).model(ShotList).shots) for n in scenes)
    failing = ScriptedEngine(IMAGE, ["ok"] * 4, default="400", latency=0.05)  # a 400 is not retried
    with pytest.raises(Exception, match="400"):
        frames.generate_scenes(store, project, dataclasses.replace(Engines.offline(), image=failing), scenes)
    finished = [s.shot_id for n in scenes for s in store.require_head(project, shots.key(n)).model(ShotList).shots
                if store.head(project, frames.key(s.shot_id)) is not None]
    assert len(finished) <= 2  # the four good frames are at most two shots; they are kept
    # no scene starts a new shot once one failed: at most each of the 4 scenes' next shot was in flight
    assert len(failing.calls) <= 4 + 2 * 2 * 4 < 2 * total
    store.close()


def test_one_scene_runs_its_independent_shots_side_by_side(workspace, tmp_path):
    store, project, scenes = prepared(workspace, tmp_path / "a")
    engine = ScriptedEngine(IMAGE, latency=0.1)
    versions = frames.generate_scene(store, project, dataclasses.replace(Engines.offline(), image=engine), scenes[0])
    shot_list = store.require_head(project, shots.key(scenes[0])).model(ShotList)
    assert len(versions) == len(shot_list.shots)
    chains = len(frames.runs(shot_list))
    assert chains > 1 and 1 < engine.peak <= min(4, chains)
    store.close()
