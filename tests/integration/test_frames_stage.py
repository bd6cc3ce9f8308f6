"""Stage 10 as a studio uses it, offline: references, continuity, retakes that pay for one shot,
approval, repair, history/compare/rollback, the control mode, drift — library and CLI."""
from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from aiuteur import Engines, start_project
from aiuteur.cli import app
from aiuteur.models.media import ShotFrames
from aiuteur.models.project import ProjectConfig
from aiuteur.models.shots import ShotList
from aiuteur.pipeline import run
from aiuteur.stages import assets as assets_stage
from aiuteur.stages import frames, shots
from aiuteur.store import Store
from tests.conftest import LIGHTHOUSE

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture(scope="module")
def prompts_done(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("frames-prompts")
    with Store(folder / "ws.duckdb") as store:
        project, _ = start_project(store, "film", LIGHTHOUSE, ProjectConfig(title="The Last Light", target_minutes=3.0))
        run(store, project, Engines.offline(), until="prompts")
    return folder


@pytest.fixture(scope="module")
def frames_done(prompts_done, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("frames-done")
    shutil.copytree(prompts_done, folder, dirs_exist_ok=True)
    with Store(folder / "ws.duckdb") as store:
        project = store.get_project("film")
        frames.generate_scenes(store, project, Engines.offline(), shots.scenes(store, project))
    return folder


@pytest.fixture
def ws(frames_done, tmp_path):
    shutil.copytree(frames_done, tmp_path / "ws")
    store = Store(tmp_path / "ws" / "ws.duckdb")
    yield store, store.get_project("film")
    store.close()


def shot_lists(store, project) -> list[ShotList]:
    return [store.require_head(project, shots.key(n)).model(ShotList) for n in shots.scenes(store, project)]


def head_frames(store, project, shot_id) -> ShotFrames:
    return store.require_head(project, frames.key(shot_id)).model(ShotFrames)


def image_generations(store, project) -> int:
    return sum(1 for g in store.generations(project.id) if g.kind == "image" and g.stage == "frames")


def continuing_pair(store, project):
    for shot_list in shot_lists(store, project):
        for before, shot in zip(shot_list.shots, shot_list.shots[1:]):
            if frames.continues(before, shot):
                return before, shot
    raise AssertionError("no continuing shots in the test film")


def test_references_start_frame_continuity_and_every_asset_image(ws):
    store, project = ws
    used: set[str] = set()
    continued = standalone = 0
    for shot_list in shot_lists(store, project):
        for index, shot in enumerate(shot_list.shots):
            made = head_frames(store, project, shot.shot_id)
            end_refs = made.references["end"]
            assert end_refs[0].role == "start frame" and end_refs[0].sha256 == made.start.sha256
            roles = [r.role for r in made.references["start"]]
            before = shot_list.shots[index - 1] if index else None
            if before is not None and frames.continues(before, shot):
                continued += 1
                assert made.continues_from == before.shot_id and "previous end frame" in roles
                assert made.continuity_end == head_frames(store, project, before.shot_id).end
            else:
                standalone += 1
                assert made.continues_from is None and "previous end frame" not in roles
            used |= {r.sha256 for r in made.references["start"]}
    assert continued and standalone  # both kinds are in the film
    roster = assets_stage.master(store, project)
    shown = {name.upper() for sl in shot_lists(store, project) for s in sl.shots
             for name in [*s.characters, *s.props, s.location]}
    bought = {a.image.sha256 for a in roster.assets if a.image is not None and shown & {n.upper() for n in a.names}}
    assert len(bought) >= 6 and bought <= used  # every asset image is sent with the frames that show it


def test_regenerating_one_shot_pays_for_that_shot_only_unless_carried_forward(ws):
    store, project = ws
    before, after = continuing_pair(store, project)
    others = {s.shot_id: store.require_head(project, frames.key(s.shot_id)).id
              for sl in shot_lists(store, project) for s in sl.shots if s.shot_id != before.shot_id}
    paid = image_generations(store, project)
    old_end = head_frames(store, project, before.shot_id).end
    [version] = frames.regenerate_frames(store, project, Engines.offline(), before.shot_id, guidance="rain on the glass")
    assert image_generations(store, project) == paid + 2
    assert head_frames(store, project, before.shot_id).end != old_end
    assert version.model(ShotFrames).guidance == "rain on the glass"
    assert {k: store.require_head(project, frames.key(k)).id for k in others} == others  # nothing else moved
    card = next(c for c in frames.frame_cards(store, project, after.scene) if c.shot_id == after.shot_id)
    assert card.continuity_changed and card.state == "pending"  # shown, not silently redone
    # running the stage again keeps every fresh frame
    frames.generate_scenes(store, project, Engines.offline(), shots.scenes(store, project))
    assert image_generations(store, project) == paid + 2
    assert frames.carry_forward_cost(store, project, Engines.offline(), before.shot_id) == 0.0  # offline is free
    written = frames.regenerate_frames(store, project, Engines.offline(), before.shot_id, carry_forward=True)
    assert [v.artifact_key for v in written][:2] == [frames.key(before.shot_id), frames.key(after.shot_id)]
    assert head_frames(store, project, after.shot_id).continuity_end == head_frames(store, project, before.shot_id).end


def test_approval_locks_stage_10_only_when_every_frame_is_approved(ws):
    store, project = ws
    ids = [s.shot_id for sl in shot_lists(store, project) for s in sl.shots]
    for shot_id in ids[:-1]:
        frames.approve_frames(store, project, shot_id, author="ana")
    assert not frames.frames_locked(store, project)
    frames.approve_frames(store, project, ids[-1], author="ana")
    assert frames.frames_locked(store, project)
    cards = frames.frame_cards(store, project, shots.scenes(store, project)[0])
    assert {c.state for c in cards} == {"approved"}
    frames.regenerate_frames(store, project, Engines.offline(), ids[0])  # a new take is a draft again
    assert not frames.frames_locked(store, project)


def _pixels(store, ref) -> np.ndarray:
    with Image.open(store.media_path(ref)) as image:
        return np.asarray(image.convert("RGB")).astype(int)


def test_repair_changes_the_region_and_keeps_every_other_pixel(ws):
    store, project = ws
    shot_id = shot_lists(store, project)[0].shots[0].shot_id
    before = _pixels(store, head_frames(store, project, shot_id).start)
    frames.repair_region(store, project, Engines.offline(), shot_id, "start", (40, 30, 100, 80), guidance="a red lamp")
    after = _pixels(store, head_frames(store, project, shot_id).start)
    inside = np.zeros(before.shape[:2], bool)
    inside[30:110, 40:140] = True
    assert (after[~inside] == before[~inside]).all()
    assert np.abs(after[inside] - before[inside]).mean() > 5
    # a brush mask (PNG bytes) on the end frame
    end_before = _pixels(store, head_frames(store, project, shot_id).end)
    brush = Image.new("L", (end_before.shape[1], end_before.shape[0]), 0)
    brush.paste(255, (200, 100, 260, 180))
    data = io.BytesIO()
    brush.save(data, format="PNG")
    frames.repair_region(store, project, Engines.offline(), shot_id, "end", data.getvalue())
    end_after = _pixels(store, head_frames(store, project, shot_id).end)
    painted = np.asarray(brush) > 0
    assert (end_after[~painted] == end_before[~painted]).all() and (end_after[painted] != end_before[painted]).any()
    with pytest.raises(frames.FramesError, match="not inside"):
        height, width = before.shape[:2]
        frames.repair_region(store, project, Engines.offline(), shot_id, "start", (width - 50, height - 50, 100, 100))
    with pytest.raises(frames.FramesError, match="empty"):
        frames.repair_region(store, project, Engines.offline(), shot_id, "start", _blank_png())


def _blank_png() -> bytes:
    data = io.BytesIO()
    Image.new("L", (64, 36), 0).save(data, format="PNG")
    return data.getvalue()


def test_an_engine_that_cannot_edit_is_refused_before_anything_is_asked(ws):
    import dataclasses

    from aiuteur.jobs.testing import ScriptedEngine

    store, project = ws
    engine = ScriptedEngine("imagen:imagen-4.0-generate-001")
    engines = dataclasses.replace(Engines.offline(), image=engine)
    shot_id = shot_lists(store, project)[0].shots[0].shot_id
    with pytest.raises(frames.FramesError, match="cannot repair"):
        frames.repair_region(store, project, engines, shot_id, "start", (0, 0, 10, 10))
    assert engine.calls == []


def test_history_compare_and_rollback_as_a_logged_head_move(ws):
    store, project = ws
    shot_id = shot_lists(store, project)[0].shots[1].shot_id
    first = head_frames(store, project, shot_id)
    frames.regenerate_frames(store, project, Engines.offline(), shot_id, guidance="dusk")
    history = frames.frame_history(store, project, shot_id)
    assert [h.version for h in history] == [1, 2] and history[-1].current and history[-1].guidance == "dusk"
    blend = Image.open(io.BytesIO(frames.compare_frames(store, project, shot_id, 1, 2, mode="blend")))
    assert blend.format == "PNG" and blend.width == 2 * first.start.width
    flicker = Image.open(io.BytesIO(frames.compare_frames(store, project, shot_id, 1, 2, mode="flicker")))
    assert flicker.format == "GIF" and flicker.n_frames == 2
    frames.rollback_frames(store, project, shot_id, 1, author="ana")
    assert head_frames(store, project, shot_id) == first
    log = store.head_log(project, frames.key(shot_id))
    assert log[-1]["reason"] == "rollback to v1 by ana"
    with pytest.raises(frames.FramesError, match="no frames version 9"):
        frames.rollback_frames(store, project, shot_id, 9)


def test_control_mode_makes_the_next_shot_only_after_approval(prompts_done, tmp_path):
    shutil.copytree(prompts_done, tmp_path / "ws")
    with Store(tmp_path / "ws" / "ws.duckdb") as store:
        project = store.get_project("film")
        frames.set_frames_mode(store, project, "control")
        assert frames.frames_mode(store, project) == "control"
        scene = shots.scenes(store, project)[0]
        ids = store.require_head(project, shots.key(scene)).model(ShotList).ids
        estimates = {e.mode: e for e in frames.estimate_frames_mode(store, project)}
        assert estimates["control"].images == estimates["quick"].images > 0
        assert estimates["control"].rounds > estimates["quick"].rounds == 1
        frames.generate_scene(store, project, Engines.offline(), scene)
        assert [store.head(project, frames.key(i)) is not None for i in ids] == [True] + [False] * (len(ids) - 1)
        cards = frames.frame_cards(store, project, scene)
        assert cards[0].state == "pending" and cards[1].waiting
        frames.generate_scene(store, project, Engines.offline(), scene)  # nothing new until approval
        assert store.head(project, frames.key(ids[1])) is None
        frames.approve_frames(store, project, ids[0])
        frames.generate_scene(store, project, Engines.offline(), scene)
        assert store.head(project, frames.key(ids[1])) is not None and store.head(project, frames.key(ids[2])) is None
        with pytest.raises(frames.FramesError, match="quick.*control"):
            frames.set_frames_mode(store, project, "fast")


def test_drift_flags_a_character_that_looks_like_someone_else(ws):
    store, project = ws
    roster = assets_stage.master(store, project)
    characters = [a for a in roster.assets if a.kind == "character" and a.image is not None]
    scene = next(n for n in shots.scenes(store, project) if frames.drift_report(store, project, n))
    report = frames.drift_report(store, project, scene)
    assert report and not any(f.drifted for f in report)  # every character looks like its key image
    # give one character another character's key image: its frames now drift
    victim = report[0].asset
    other = next(a for a in characters if a.slug != victim)
    current = store.require_head(project, assets_stage.asset_key(victim))
    asset = current.model(type(other))
    store.commit(project, assets_stage.asset_key(victim), asset.model_copy(update={"image": other.image}),
                 inputs=current.inputs, message="wrong key image")
    flagged = [f for f in frames.drift_report(store, project, scene) if f.drifted]
    assert flagged and {f.asset for f in flagged} == {victim}
    assert not [f for f in frames.drift_report(store, project, scene, threshold=1.0) if f.drifted]


def test_cli(ws, tmp_path):
    store, project = ws
    workspace = str(store.path)
    store.close()
    scene = "1"
    listed = runner.invoke(app, ["frames", "film", "--scene", scene, "--json", "--workspace", workspace])
    assert listed.exit_code == 0, listed.output
    cards = json.loads(listed.output)
    shot_id = cards[0]["shot_id"]
    assert cards[0]["state"] == "pending" and cards[0]["references"]["end"][0]["role"] == "start frame"
    repaired = runner.invoke(app, ["frames-repair", "film", shot_id, "--rect", "10,10,50,40", "--guidance", "a gull",
                                   "--workspace", workspace])
    assert repaired.exit_code == 0, repaired.output
    bad = runner.invoke(app, ["frames-repair", "film", shot_id, "--rect", "10,10", "--workspace", workspace])
    assert bad.exit_code == 1 and "x,y,w,h" in bad.output
    out = tmp_path / "cmp.gif"
    compared = runner.invoke(app, ["frames-compare", "film", shot_id, "1", "2", "--mode", "flicker", "--out", str(out),
                                   "--workspace", workspace])
    assert compared.exit_code == 0 and Image.open(out).n_frames == 2
    back = runner.invoke(app, ["frames-rollback", "film", shot_id, "1", "--workspace", workspace])
    assert back.exit_code == 0 and "v1 again" in back.output
    approved = runner.invoke(app, ["frames-approve", "film", "--shot", shot_id, "--workspace", workspace])
    assert approved.exit_code == 0, approved.output
    mode = runner.invoke(app, ["frames-mode", "film", "control", "--json", "--workspace", workspace])
    assert mode.exit_code == 0 and json.loads(mode.output)["mode"] == "control"
    drift = runner.invoke(app, ["frames-drift", "film", "--scene", scene, "--json", "--workspace", workspace])
    assert drift.exit_code == 0 and isinstance(json.loads(drift.output), list)
