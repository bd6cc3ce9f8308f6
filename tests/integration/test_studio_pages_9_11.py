"""The studio's pages for stages 5-12, driven by their models (no browser): a project created in the
studio is taken to a film from the studio (run, stop at each gate, pass it, run again); the prompt
inspector (edit, lock refused for an invalid prompt, diff, keep/take/merge); frames in control mode
(approve, the next shot made after it, regenerate, repair, compare, rollback); the cost page (the
prompts to be sent with their hash, the estimate, Confirm & Render); and pages that stay true after
a change made elsewhere."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from aiuteur.store import open_store
from aiuteur.ui import StudioModel

#: a two-scene screenplay: eight shots, a film in ~15 s offline
TINY_SCRIPT = """Title: The Radio

INT. LIGHTHOUSE - NIGHT

ELSA (60s), a lighthouse keeper, turns the dial of an old radio. Static.

ELSA
Tomas? Is that you?

The lamp turns above her. Rain hits the glass.

EXT. HARBOR - DAWN

JONAH, a fisherman, walks the pier with a net over his shoulder.

JONAH
She talks to the sea again.

Elsa waves from the lighthouse door.
"""


def create_in_studio(workspace: Path, title: str = "The Radio") -> tuple[StudioModel, str]:
    """A project made the way the studio makes one: the Story page stages a screenplay file and
    creates the project (import mode: the script is stage 4, locked)."""
    from aiuteur.ui.story_model import StoryModel

    story = StoryModel(workspace=str(workspace))
    assert story.stage_upload("radio.fountain", TINY_SCRIPT.encode()), story.message
    story.title, story.minutes = title, 0.5
    name = story.create_project()
    assert name, story.message
    studio = StudioModel(workspace=str(workspace))
    studio.project = name
    return studio, name


def run_through_gates(studio: StudioModel, until: int = 12, *, stop_before: str | None = None) -> list[str]:
    """Run, and pass every gate the run stops at (as a person clicking "Pass gate" would), until the
    run gets to `until` — or until the gate `stop_before` waits. Returns the gates passed."""
    runner = studio.pipeline
    passed: list[str] = []
    for _ in range(20):
        assert runner.start(until, background=False), runner.message
        assert not runner.running and "run stopped" not in runner.message, runner.message
        if runner.gate is None:
            return passed
        if runner.gate["gate"] == stop_before:
            return passed
        assert runner.gate["command"].startswith("aiuteur ") and runner.message.startswith("stopped at stage")
        gate = runner.gate["gate"]
        assert runner.pass_gate(), runner.message
        passed.append(gate)
    raise AssertionError(f"still stopping at gates after 20 runs: {passed}")


@pytest.fixture(scope="module")
def at_prompts(tmp_path_factory) -> Path:
    """A studio-made project run (through the studio's runner) up to its stage-9 gate: prompts made,
    not locked. Tests copy it."""
    root = tmp_path_factory.mktemp("studio9")
    studio, _ = create_in_studio(root / "ws.duckdb")
    passed = run_through_gates(studio, 12, stop_before="prompts")
    assert passed[:2] == ["script", "assets"] and "shots" in passed and studio.pipeline.gate["gate"] == "prompts"
    return root / "ws.duckdb"


def copy_workspace(source: Path, tmp_path: Path) -> Path:
    shutil.copy(source, tmp_path / "ws.duckdb")
    media = source.with_name(source.stem + ".media")
    if media.exists():
        shutil.copytree(media, tmp_path / "ws.media")
    return tmp_path / "ws.duckdb"


def studio_on(workspace: Path) -> StudioModel:
    studio = StudioModel(workspace=str(workspace))
    studio.project = studio.param.project.objects[0]
    return studio


@pytest.mark.slow
def test_a_project_created_in_the_studio_reaches_its_film_from_the_studio(tmp_path):
    studio, name = create_in_studio(tmp_path / "ws.duckdb")
    states = {s.slug: s.state for s in studio.stages()}
    assert states["script"] == "draft" and states["assets"] == "not started"  # imported: approve it first
    passed = run_through_gates(studio, 12)
    # every human gate from the script on, passed on purpose, in stage order (shots: one per scene)
    assert passed == ["script", "assets", "shots", "shots", "prompts", "frames", "frames", "costs"], passed
    assert studio.pipeline.message.startswith("done: the film is made")
    film = studio.film_path()
    assert film is not None and film.stat().st_size > 10_000
    assert all(s.state in ("locked", "done") for s in studio.stages()), [(s.slug, s.state) for s in studio.stages()]
    import imageio_ffmpeg

    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(film))
    assert frames > 24 and seconds > 5  # the film on disk plays: pictures, not only version rows


def test_run_refuses_without_a_project_and_reports_where_clicked(tmp_path):
    studio, _ = create_in_studio(tmp_path / "ws.duckdb")
    studio.project = None
    assert not studio.pipeline.start(12, background=False, origin="review")
    assert studio.pipeline.message == "pick a project first" and studio.pipeline.origin == "review"
    assert not studio.pipeline.start(3, background=False)
    assert "choose a stage from 5 to 12" in studio.pipeline.message


def test_the_run_goes_on_a_thread_and_reports_progress(tmp_path):
    studio, _ = create_in_studio(tmp_path / "ws.duckdb")
    runner = studio.pipeline
    seen = []
    assert runner.start(5, background=True)
    assert runner.running and not runner.start(5)  # one run at a time
    assert runner.message == "a run is already in progress"
    while runner.poll():
        seen.append(runner.status)
        runner._thread.join(0.05)
    assert runner.gate["gate"] == "script" and "stopped at stage 4" in runner.message, runner.message
    assert runner.pass_gate() and runner.start(5, background=True)
    while runner.poll():
        seen.append(runner.status)
        runner._thread.join(0.05)
    assert runner.gate["gate"] == "assets" and runner.message.startswith("done: stages up to 5 ran; waiting at stage 5")
    assert any("stage 5 Assets" in s for s in seen if s)


def test_prompt_inspector_edit_lock_diff(at_prompts, tmp_path):
    from aiuteur.ui.prompts_model import PromptsModel

    studio = studio_on(copy_workspace(at_prompts, tmp_path))
    page = PromptsModel(studio=studio)
    cards = page.cards()
    assert len(cards) == 8 and {c.state for c in cards} == {"generated"}
    first = cards[0]
    assert first.image.engine and first.video.engine and first.image.prompt_chars > 0
    assert first.frame_hash == hashlib.sha256(first.frame_prompt.encode()).hexdigest()
    page.scene = 2
    assert {c.scene for c in page.cards()} == {2}
    page.scene = 0

    assert page.select(first.shot_id) and page.frame_text == first.frame_prompt
    revision = studio.store_revision
    page.video_text = first.video_prompt.replace("[STYLE]", "[STYLE] warm lamplight;", 1)
    version = page.save_edit()
    assert version is not None and version.number == 2 and page.message_at == "edit", page.message
    assert studio.store_revision > revision  # every page is told
    card = page.card()
    assert card.state == "edited" and card.manual and "warm lamplight" in card.video_prompt

    # an empty section is a problem: the edit is saved, the lock is refused and says why, where clicked
    page.frame_text = card.frame_prompt
    page.video_text = "[VISUAL] the keeper at the radio\n[STYLE]"
    assert page.save_edit() is not None
    assert any("[STYLE] section is empty" in p for p in page.card().problems)
    assert page.lock(all_shots=True) is None
    assert page.message_at == "lock" and "not locked" in page.message and first.shot_id in page.message
    assert "[STYLE] section is empty" in page.message
    with open_store(studio.workspace) as store:  # nothing was locked
        project = store.get_project(studio.project)
        assert all(v.status == "draft" for k, v in store.heads(project, "shot/").items() if k.endswith("/prompt"))

    page.diff_a, page.diff_b = 1, 3
    diff = page.show_diff()
    assert f"{first.shot_id} video_prompt v1" in diff and "+[STYLE]" in diff
    page.diff_b = 9
    assert page.show_diff() == "" and page.message_at == "diff" and "not v9" in page.message

    page.video_text = first.video_prompt
    assert page.save_edit() is not None
    assert page.lock(all_shots=True) is not None and page.message == "locked 8 prompt(s)"
    assert {c.state for c in page.cards()} == {"locked"}


def test_edited_stale_prompt_keep_take_merge(at_prompts, tmp_path):
    from aiuteur.stages import gate_actions, prompts, visual_states
    from aiuteur.ui.prompts_model import PromptsModel

    studio = studio_on(copy_workspace(at_prompts, tmp_path))
    page = PromptsModel(studio=studio)
    shot = page.cards()[0].shot_id
    page.select(shot)
    page.frame_text = page.frame_text + "\nA hand-written line."
    assert page.save_edit() is not None
    # an upstream change made elsewhere (a notebook): a continuity tag on the scene, then stage 9 again
    with open_store(studio.workspace) as store:
        project = store.get_project(studio.project)
        visual_states.add_tag(store, project, 1, "ELSA", "soaked", author="notebook")
        prompts.generate_scene(store, project, 1)
    assert studio.check_store()
    card = page.card()
    assert card.state == "edited, stale" and card.regenerated is not None
    assert "A hand-written line." in card.frame_prompt and "A hand-written line." not in card.regenerated.frame_prompt
    with open_store(studio.workspace) as store:
        assert gate_actions.next_gate(store, store.get_project(studio.project)).shot_id == shot

    page.frame_text = card.regenerated.frame_prompt + "\nA hand-written line."
    page.video_text = card.regenerated.video_prompt
    merged = page.resolve("merge")
    assert merged is not None and page.message_at == "resolve", page.message
    after = page.card()
    assert after.state == "edited" and after.frame_prompt.endswith("A hand-written line.") and after.regenerated is None
    assert page.resolve("take") is None and "nothing to keep, take or merge" in page.message


def test_an_approval_while_the_run_is_still_going_makes_the_next_shot_when_it_ends(at_prompts, tmp_path, monkeypatch):
    """Control mode: the run that made a scene's first shot may still be making other scenes' when a
    person approves that shot; the run the approval asks for is queued behind it, not refused."""
    import threading
    import time

    import aiuteur.pipeline
    from aiuteur.ui.frames_model import FramesModel

    studio = studio_on(copy_workspace(at_prompts, tmp_path))
    studio.pipeline.pass_gate()  # lock the prompts
    page = FramesModel(studio=studio, background=True)
    assert page.set_mode("control") is not None
    real, finishing, runs = aiuteur.pipeline.run, threading.Event(), []

    def still_going(*args, **kwargs):
        report = real(*args, **kwargs)
        runs.append(kwargs.get("until"))
        if len(runs) == 1:
            finishing.wait(120)  # the first run has made its frames but has not ended yet
        return report

    monkeypatch.setattr(aiuteur.pipeline, "run", still_going)
    assert page.make_frames()
    first = None
    for _ in range(1200):  # until the first run has made scene 1's first shot
        cards = page.cards()
        if cards and cards[0].state == "pending":
            first = cards[0].shot_id
            break
        time.sleep(0.1)
    assert first is not None and studio.pipeline.running
    page.select(first)
    assert page.approve() is not None
    assert studio.pipeline.message == "queued: runs again when the current run ends"
    finishing.set()
    studio.pipeline.wait(300)  # the first run ends, the queued one starts and ends
    assert len(runs) == 2 and not studio.pipeline.running
    assert [c.state for c in page.cards()][:2] == ["approved", "pending"]


def test_frames_in_control_mode_approve_then_the_next(at_prompts, tmp_path):
    from aiuteur.ui.frames_model import FramesModel

    studio = studio_on(copy_workspace(at_prompts, tmp_path))
    studio.pipeline.pass_gate()  # lock the prompts
    assert studio.pipeline.gate is None or studio.pipeline.gate["gate"] != "prompts"
    page = FramesModel(studio=studio, background=False)
    assert page.set_mode("control") is not None and page.mode() == "control"
    estimates = {e.mode: e for e in page.mode_estimates()}
    assert estimates["quick"].rounds == 1 and estimates["control"].rounds == 4 and estimates["quick"].images == 16
    assert page.make_frames()
    cards = page.cards()
    assert [c.state for c in cards] == ["pending", "missing", "missing", "missing"]  # shot 2 waits for 1
    assert cards[1].waiting
    page.select(cards[0].shot_id)
    assert page.approve() is not None  # ... and the run that makes the next one starts at once
    cards = page.cards()
    assert [c.state for c in cards][:2] == ["approved", "pending"] and cards[2].state == "missing"
    # the scene-1 contact sheet has thumbnails on disk
    assert Path(cards[1].start_path).exists() and Path(cards[1].end_path).exists()

    page.select(cards[1].shot_id)
    before = Path(cards[1].start_path).read_bytes()
    assert page.carry_cost() == 0.0  # offline: carrying forward costs nothing, and says so first
    page.guidance = "closer on her hands"
    written = page.regenerate()
    assert written is not None and len(written) == 1 and page.message_at == "regenerate", page.message
    assert Path(page.cards()[1].start_path).read_bytes() != before
    page.which, page.x, page.y, page.w, page.h = "start", 10, 10, 40, 30
    assert page.repair() is not None, page.message
    history = page.history()
    assert [h.version for h in history] == [1, 2, 3] and history[-1].current
    page.select(cards[1].shot_id)
    page.compare_a, page.compare_b, page.compare_mode = 1, 3, "flicker"
    assert page.compare().startswith("data:image/gif;base64,")
    page.compare_mode = "blend"
    assert page.compare().startswith("data:image/png;base64,")
    page.rollback_to = 1
    assert page.rollback() is not None and [h.current for h in page.history()] == [True, False, False]
    page.w = 100_000
    assert page.repair() is None and page.message_at == "repair" and "not inside" in page.message


@pytest.mark.slow
def test_costs_page_prompts_hashes_estimate_and_confirm_and_render(at_prompts, tmp_path):
    from aiuteur.ui.costs_model import CostsModel

    studio = studio_on(copy_workspace(at_prompts, tmp_path))
    page = CostsModel(studio=studio, background=False)
    assert page.confirm_and_render() is False and page.message_at == "confirm"
    assert "stage 9 first" in page.message  # prompts not locked: refused where clicked, nothing bought
    run_through_gates(studio, 11, stop_before="costs")
    rows = page.shots()
    assert len(rows) == 8 and all(r["start"] and Path(r["start"]).exists() for r in rows)
    assert all(r["video_hash"] == hashlib.sha256(r["video_prompt"].encode()).hexdigest() for r in rows)
    table = page.estimate()
    assert table is not None and abs(sum(r.total_usd for r in table.rows) - table.total_usd) < 1e-6
    page.by = "scene"
    assert [r.scene for r in page.estimate().rows] == [1, 2]
    assert any("stage 11" in w for w in page.warnings())
    page.change = "redo-frames-scene:9"
    assert page.what_if() is None and page.message_at == "what-if" and "no scene 9" in page.message
    page.change = "redo-frames-scene:2"
    assert page.what_if() is not None and "scene 2" in page.message

    assert page.confirm_and_render(), page.message
    assert studio.pipeline.message.startswith("done: the film is made"), studio.pipeline.message
    assert studio.film_path() is not None and page.warnings() == []
    # the prompt shown is the prompt sent: the video generations' prompts hash to the page's hashes
    with open_store(studio.workspace) as store:
        sent = {hashlib.sha256(g.rendered_prompt.encode()).hexdigest()
                for g in store.generations(store.get_project(studio.project).id) if g.kind == "video"}
    assert {r["video_hash"] for r in rows} <= sent


def test_pages_stay_true_after_a_change_made_elsewhere(at_prompts, tmp_path):
    """A shot edit made by another process (the CLI) turns the timeline stale on the next tick."""
    from aiuteur.stages import shots

    studio = studio_on(copy_workspace(at_prompts, tmp_path))
    assert not studio.check_store()  # nothing changed: no redraw
    states = {s.slug: s.state for s in studio.stages()}
    assert states["prompts"] == "draft" or states["prompts"] == "done"
    with open_store(studio.workspace) as store:  # as `aiuteur shots-edit` would, from outside the studio
        project = store.get_project(studio.project)
        first = store.head(project, shots.key(1)).model(shots.ShotList).shots[0].shot_id
        shots.edit_shot(store, project, 1, first, {"duration": 5})
    revision = studio.store_revision
    assert studio.check_store() and studio.store_revision == revision + 1
    assert {s.slug: s.state for s in studio.stages()}["prompts"] == "stale"


def test_an_action_that_invalidates_finished_work_asks_first(at_prompts, tmp_path):
    from aiuteur.ui.prompts_model import PromptsModel

    studio = studio_on(copy_workspace(at_prompts, tmp_path))
    run_through_gates(studio, 10, stop_before="frames")  # frames exist now
    page = PromptsModel(studio=studio)
    shot = page.cards()[0].shot_id
    page.select(shot)
    before = page.card().version
    page.frame_text = page.frame_text + "\nLower the lamp."
    assert page.save_edit() is None and studio.pending is not None
    assert "confirm in the dialog" in page.message
    assert shot in studio.pending["shots"] and any("frames" in v for v in studio.pending["versions"])
    studio.cancel_pending()
    assert studio.pending is None and "cancelled" in studio.pending_message
    assert page.card().version == before  # nothing changed
    assert page.save_edit() is None and studio.pending is not None
    version = studio.confirm_pending()
    assert version is not None and version.number == before + 1 and page.card().frame_prompt.endswith("Lower the lamp.")


def test_selecting_another_treatment_on_a_finished_film_asks_first(demo_run, tmp_path):
    source, _, _ = demo_run
    studio = studio_on(copy_workspace(source, tmp_path))
    from aiuteur.stages.gate_actions import select_treatment

    done = studio.ask_first("select variant B", lambda store, project, ok: select_treatment(
        store, project, 1, author="studio", confirm_invalidation=ok))
    assert done is None and studio.pending["label"] == "select variant B"
    assert "already spent" in studio.pending["summary"] or "stale" in studio.pending["summary"]
    assert len(studio.pending["shots"]) > 10 and any(v.startswith("film ") for v in studio.pending["versions"])
    assert all(s.state in ("locked", "done") for s in studio.stages())  # nothing changed yet
    studio.cancel_pending()
    assert all(s.state in ("locked", "done") for s in studio.stages())
    # the review page's prompt fix asks first too (the clip was made from the old prompt), then saves
    shot = studio.shot_rows()[0]["shot"]
    assert not studio.edit_video_prompt(shot, "[VISUAL] the keeper at the radio\n[STYLE] drama")
    assert studio.pending["label"] == f"edit {shot}'s video prompt" and shot in studio.pending["shots"]
    assert studio.confirm_pending() is not None and "saved" in studio.pending_message
    assert studio.shot_detail(shot)["video_prompt"].startswith("[VISUAL] the keeper at the radio")
