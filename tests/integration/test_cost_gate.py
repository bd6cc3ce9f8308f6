"""The cost gate (stage 11): the estimate by shot and scene (parts sum to the total, paid work at
0), what-ifs for other models and for a proposed change, `aiuteur estimate` / `aiuteur confirm`,
the budget respected — and, against the fake Google provider, the estimate held against what the
fake itself billed for the frames and clips."""
from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from aiuteur import Engines, start_project
from aiuteur.cli import app
from aiuteur.costs import budgets, load_prices
from aiuteur.costs.budgets import BudgetExceeded
from aiuteur.engines.protocols import Usage
from aiuteur.models.project import ProjectConfig
from aiuteur.pipeline import run
from aiuteur.stages import confirm, gate_actions, prompts
from aiuteur.stages.confirm import all_shots
from aiuteur.store import Store
from tests.conftest import LIGHTHOUSE
from tests.fakes.fixtures import *  # noqa: F401,F403  (fake_vertex)

pytestmark = pytest.mark.slow
runner = CliRunner()
IMAGE, VIDEO = "gemini:gemini-2.5-flash-image", "veo:veo-3.1-fast-generate-preview"
PER_IMAGE, PER_SECOND = 0.039, 0.15  # data/prices.json, written out so a price change shows here


@pytest.fixture(scope="module")
def framed(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cost-gate")
    with Store(folder / "ws.duckdb") as store:
        project, _ = start_project(store, "film", LIGHTHOUSE, ProjectConfig(title="The Last Light", target_minutes=0.5))
        run(store, project, Engines.offline(), until="confirm")
    return folder


@pytest.fixture
def ws(framed, tmp_path):
    shutil.copytree(framed, tmp_path / "ws")
    store = Store(tmp_path / "ws" / "ws.duckdb")
    yield store, store.get_project("film"), str(tmp_path / "ws" / "ws.duckdb")
    store.close()


def veo_seconds(duration: float) -> int:
    return next(d for d in (4, 6, 8) if d >= duration - 1e-9)


def test_offline_work_made_is_priced_zero_and_parts_sum_to_the_total(ws):
    store, project, path = ws
    table = confirm.estimate_table(store, project)
    shots = all_shots(store, project)
    assert [r.id for r in table.rows] == [s.shot_id for s in shots]
    assert table.total_usd == 0 and all(r.paid_already for r in table.rows)
    assert table.engines["image"] == "offline:storyboard" and table.engines["speech"] == "offline:espeak"
    data = json.loads(runner.invoke(app, ["estimate", "film", "--by", "scene", "--json", "-w", path]).stdout)
    assert data["by"] == "scene" and data["total_usd"] == 0
    assert [r["id"] for r in data["rows"]] == [f"scene {n}" for n in sorted({s.scene for s in shots})]


def test_what_if_other_models_prices_every_shot_at_what_the_model_bills(ws):
    store, project, path = ws
    shots = all_shots(store, project)
    table = confirm.what_if(store, project, engine_ids={"image": IMAGE, "video": VIDEO})
    for row, shot in zip(table.rows, shots):
        assert row.image_usd == pytest.approx(2 * PER_IMAGE)  # offline frames would be asked of Gemini again
        assert row.video_usd == pytest.approx(veo_seconds(shot.duration) * PER_SECOND)
        assert not row.paid_already
    expected = sum(2 * PER_IMAGE + veo_seconds(s.duration) * PER_SECOND for s in shots)
    assert table.total_usd == pytest.approx(expected) and sum(r.total_usd for r in table.rows) == pytest.approx(expected)
    by_scene = confirm.what_if(store, project, by="scene", engine_ids={"image": IMAGE, "video": VIDEO})
    assert by_scene.total_usd == pytest.approx(expected)
    for row in by_scene.rows:
        scene = int(row.id.split()[1])
        assert row.total_usd == pytest.approx(sum(r.total_usd for r in table.rows if r.scene == scene))
    # a proposed change: re-doing scene 2's frames (and so its clips), on the real models
    redo = confirm.what_if(store, project, "redo-frames-scene:2", engine_ids={"image": IMAGE, "video": VIDEO})
    scene_2 = [s for s in shots if s.scene == 2]
    assert [r.id for r in redo.rows] == [s.shot_id for s in scene_2] and redo.change == "re-doing scene 2's frames"
    assert redo.total_usd == pytest.approx(sum(2 * PER_IMAGE + veo_seconds(s.duration) * PER_SECOND for s in scene_2))
    out = runner.invoke(app, ["estimate", "film", "--redo-frames-scene", "2", "--image", IMAGE, "--video", VIDEO,
                              "--by", "scene", "-w", path])
    assert out.exit_code == 0 and f"total ${redo.total_usd:.2f} for re-doing scene 2's frames" in " ".join(out.stdout.split())
    # offline, re-doing a scene costs nothing
    assert confirm.what_if(store, project, "redo-frames-scene:2").total_usd == 0
    with pytest.raises(Exception, match="no scene 99"):
        confirm.what_if(store, project, "redo-frames-scene:99")


def test_paid_speech_and_music_are_priced_per_line_and_per_mood(ws):
    """A character on ElevenLabs (billed per character) and a Lyria score (billed per piece, one per
    mood and film): the estimate prices each line and each new mood; offline sound stays 0."""
    from aiuteur.sound import music
    from aiuteur.stages import sound, voices

    store, project, _ = ws
    shots = all_shots(store, project)
    speaker = next(s.dialogue.speaker for s in shots if s.dialogue)
    voices.set_voice(store, project, speaker, engine="elevenlabs:eleven_flash_v2_5")
    sound.set_settings(store, project, music_engine="gemini:lyria-3.5")
    table = confirm.estimate_table(store, project)
    lines = {s.shot_id: len(s.dialogue.line) / 1000 * 0.05 for s in shots if s.dialogue and s.dialogue.speaker == speaker}
    moods, firsts = set(), {}
    for scene in sorted({s.scene for s in shots}):
        in_scene = [s for s in shots if s.scene == scene]
        head = store.head(project, f"scene/{scene}/shots").model(confirm.ShotList)
        mood = music.mood_for(project.config.tone, head.heading, " ".join(s.action for s in in_scene))
        if mood not in moods:
            moods.add(mood)
            firsts[in_scene[0].shot_id] = 0.08
    for row in table.rows:
        assert row.sound_usd == pytest.approx(lines.get(row.id, 0.0) + firsts.get(row.id, 0.0), abs=1e-6), row.id
    assert sum(r.sound_usd for r in table.rows) == pytest.approx(sum(lines.values()) + 0.08 * len(moods))
    assert table.engines["music"] == "gemini:lyria-3.5" and "elevenlabs:eleven_flash_v2_5" in table.engines["speech"]
    assert lines and len(moods) >= 1


def test_confirm_shows_the_estimate_and_passes_the_gate_only_with_yes(ws):
    store, project, path = ws
    head = store.head(project, confirm.KEY)
    out = runner.invoke(app, ["confirm", "film", "-w", path, "--json"])
    data = json.loads(out.stdout)
    assert out.exit_code == 0 and data["approved"] is False and data["estimate"]["total_usd"] == 0
    assert store.head(project, confirm.KEY).id == head.id  # nothing written without --yes
    prompts.edit(store, project, all_shots(store, project)[0].shot_id, frame_prompt="[VISUAL] a new look",
                 confirm_invalidation=True)
    assert gate_actions.next_gate(store, project).gate == "prompts"
    prompts.lock_prompts(store, project)
    # the frames are stale now: the gate refuses until stage 10 ran again
    with pytest.raises(Exception, match="stale"):
        gate_actions.pass_gate(store, project, "costs")
    run(store, project, Engines.offline(), until="frames")
    refused = runner.invoke(app, ["confirm", "film", "--yes", "-w", path])  # the new frames wait for approval
    scene = all_shots(store, project)[0].scene
    assert refused.exit_code == 1 and f"aiuteur frames-approve film --scene {scene} first" in " ".join(refused.output.split())
    assert runner.invoke(app, ["frames-approve", "film", "--scene", str(scene), "-w", path]).exit_code == 0
    out = runner.invoke(app, ["confirm", "film", "--yes", "-w", path, "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["approved"] is True
    head = store.head(project, confirm.KEY)
    assert head.status == "locked" and store.staleness(head).status == "fresh"


def test_the_gate_respects_the_budget(ws):
    store, project, _ = ws
    budgets.set_budget(store, project, limit_usd=1.0, mode="cap")
    veo = SimpleNamespace(ids=lambda: {"text": "offline:draft-writer", "image": "offline:storyboard", "video": VIDEO},
                          video=SimpleNamespace(id=VIDEO))  # pricing needs only the ids: no key, no call
    table = confirm.what_if(store, project, engine_ids={"video": VIDEO})
    assert table.total_usd > 1.0 and table.over_budget and table.budget_usd == 1.0
    before = store.head(project, confirm.KEY)
    with pytest.raises(BudgetExceeded, match="over the budget of \\$1.00"):
        gate_actions.pass_gate(store, project, "costs", engines=veo)
    assert store.head(project, confirm.KEY).id == before.id


@pytest.fixture
def google(fake_vertex, monkeypatch):
    from aiuteur.jobs.limits import set_limits

    monkeypatch.setenv("AIUTEUR_VIDEO_POLL_SECONDS", "0.01")
    set_limits("veo", poll_interval=0.01)
    yield fake_vertex
    set_limits("veo", None)


def test_the_estimate_is_what_the_fake_provider_then_bills_and_paid_work_is_zero(tmp_path, google):
    engines = Engines.from_ids(image=IMAGE, video=VIDEO)
    prices = load_prices()
    with Store(tmp_path / "ws.duckdb") as store:
        project, _ = start_project(store, "film", LIGHTHOUSE, ProjectConfig(title="The Last Light", target_minutes=0.25))
        run(store, project, engines, until="prompts")
        before = confirm.estimate_table(store, project, engine_ids={"image": IMAGE, "video": VIDEO})
        assert before.total_usd > 0
        billed_so_far = len(google.control.usage)  # the master assets' images, made at stage 5
        run(store, project, engines, until="video")
        usage = google.control.usage[billed_so_far:]  # what stages 10-12 bought, as the fake billed it
        images = sum(b.get("images", 0) for b in usage)
        billed_images = prices.cost(IMAGE, Usage(images=images))
        billed_video = sum(prices.cost(VIDEO, Usage(video_seconds=b["video_seconds"],
                                                    tier=f"{b['resolution']}/{'audio' if b['audio'] else 'silent'}"))
                           for b in usage if b.get("video_seconds"))
        assert images == 2 * len(all_shots(store, project))
        assert sum(r.image_usd for r in before.rows) == pytest.approx(billed_images, abs=1e-6)
        assert sum(r.video_usd for r in before.rows) == pytest.approx(billed_video, abs=1e-6)
        after = confirm.estimate_table(store, project, engine_ids={"image": IMAGE, "video": VIDEO})
        assert after.total_usd == 0 and all(r.paid_already for r in after.rows)
        assert after.spent_usd == pytest.approx(budgets.budget_status(store, project).spent_usd)
        assert after.spent_usd >= billed_images + billed_video - 1e-6  # the assets' images were paid too
        # what editing one shot's prompt would throw away: its frames and clip, at what they were billed
        shot = all_shots(store, project)[0]
        preview = gate_actions.invalidation_preview(store, project, "edit-prompt", shot_id=shot.shot_id)
        assert preview.shots == [shot.shot_id] and preview.asks
        clip = next(b for b in usage if b.get("video_seconds") and math.isclose(b["video_seconds"], veo_seconds(shot.duration)))
        assert preview.spent_usd >= 2 * PER_IMAGE + clip["video_seconds"] * PER_SECOND - 1e-6
