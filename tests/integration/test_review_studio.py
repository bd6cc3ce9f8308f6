"""The studio's review page logic, driven by params (no browser): the shot table moves the player,
notes are added at the playhead, listed beside the player, and acted on; Go to stage opens the page."""
from __future__ import annotations

import shutil

import panel as pn
import pytest

from aiuteur.models.review import timecode
from aiuteur.ui import StudioModel
from aiuteur.ui.studio import StudioApp

pytestmark = pytest.mark.slow


@pytest.fixture
def model(demo_run, tmp_path):
    source, _, _ = demo_run
    shutil.copy(source, tmp_path / "ws.duckdb")
    shutil.copytree(source.with_name("ws.media"), tmp_path / "ws.media")
    found = StudioModel(workspace=str(tmp_path / "ws.duckdb"), author="director")
    found.project = "lighthouse"
    return found


def test_a_shot_click_moves_the_player_and_a_note_lands_at_the_playhead(model, demo_run):
    _, _, report = demo_run
    fps = report.film.fps
    fifth = report.film.clips[4]
    assert model.seek_to_shot(fifth.shot_id)
    assert model.playhead_frame() == fifth.start_frame and model.playhead_shot() == fifth.shot_id
    assert model.playhead_timecode() == timecode(fifth.start_frame, fps)
    model.playhead = (fifth.start_frame + 30) / fps + 0.001  # the person plays on 30 frames
    model.note_text = "the horizon line is crooked here"
    note = model.add_note()
    assert (note.shot, note.frame, note.timecode) == (fifth.shot_id, fifth.start_frame + 30,
                                                       timecode(fifth.start_frame + 30, fps))
    assert note.author == "director" and note.suggested_category == "composition" and note.category is None
    assert "routed to stage 'frames': confirm it" in model.message and model.selected_note == note.id
    [row] = model.note_rows()
    assert row["timecode"] == note.timecode and row["category"] == "composition?" and row["stage"] == "frames"

    model.playhead = 0.0
    assert model.seek_to_note(note.id) and model.playhead_frame() == note.frame  # a note click seeks back
    assert not model.seek_to_shot("SC999_SH0010") and "no shot 'SC999_SH0010'" in model.message


def test_note_actions_and_go_to_stage(model, demo_run):
    _, _, report = demo_run
    shot = report.film.clips[2]
    model.note_target, model.note_text, model.note_category = shot.shot_id, "hold it two seconds longer", "timing"
    note = model.add_note()
    assert note.category == "timing" and note.frame == shot.start_frame  # the playhead was elsewhere
    model.note_target, model.note_category = "", ""

    link = model.go_to_stage()
    assert (link.stage, link.page, link.shot, link.scene) == ("shots", "Production", shot.shot_id, shot.scene)
    assert (model.focus_page, model.focus_stage, model.focus_shot, model.focus_scene) == \
        ("Production", "shots", shot.shot_id, shot.scene)
    assert model.assign_note("kim").assignee == "kim"
    assert model.set_note_state("wont_fix").state == "wont_fix"
    model.notes_state = "open"
    assert model.note_rows() == []
    model.notes_state = "all"
    assert [r["state"] for r in model.note_rows()] == ["wont_fix"]
    assert model.retake_note() is None and "is wont_fix" in model.message
    assert [n.kind for n in model.poll_notifications()] == ["note.assigned"]

    model.note_text = "   "
    assert model.add_note() is None and "note not saved" in model.message
    model.note_target, model.note_text = "SC999_SH0010", "too dark"
    assert model.add_note() is None and "no shot 'SC999_SH0010'" in model.message
    assert len(model.notes()) == 1  # nothing written


def test_the_served_page_switches_to_the_stage_page(model):
    app = StudioApp(model.workspace)
    app.model.project = "lighthouse"
    page = app.page()
    tabs = next(o for o in page.main.objects if isinstance(o, pn.Tabs))
    titles = [tabs._names[i] for i in range(len(tabs))]
    assert titles[:2] == ["Stages", "Review"] and "Production" in titles
    production = tabs.objects[titles.index("Production")]
    assert "Opening Production" in str(production.objects[0].object)  # not built (nor read) until opened
    app.model.note_target, app.model.note_text = model.shot_rows()[0]["shot"], "the jacket is clean but was muddy"
    note = app.model.add_note()
    app.model.confirm_note()
    assert app.model.go_to_stage().page == "Production"
    assert tabs.active == titles.index("Production")
    assert not isinstance(production.objects[0], pn.pane.Markdown)  # opened: the page is there
    app.model.note_text, app.model.note_category = "the horizon is crooked", "composition"
    app.model.add_note()
    app.model.go_to_stage()
    assert tabs.active == titles.index("Frames") and note.suggested_category == "continuity"
    detail = app.model.shot_detail(app.model.focus_shot)
    assert detail["start"] and detail["end"] and "video v" in detail["clip"]
