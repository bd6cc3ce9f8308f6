"""The studio's logic, driven by setting params (no browser)."""
from __future__ import annotations

import shutil

from aiuteur.models.review import timecode
from aiuteur.ui import StudioModel


def test_studio_model_over_the_demo_workspace(demo_run, tmp_path):
    source, _, report = demo_run
    shutil.copy(source, tmp_path / "ws.duckdb")
    shutil.copytree(source.with_name("ws.media"), tmp_path / "ws.media")
    model = StudioModel(workspace=str(tmp_path / "ws.duckdb"))
    assert "lighthouse" in model.param.project.objects and model.stages() == []
    model.project = "lighthouse"
    assert [s.number for s in model.stages()] == list(range(1, 13))
    rows = model.shot_rows()
    assert [r["shot"] for r in rows] == [c.shot_id for c in report.film.clips]
    # start times are the film's, to the frame (clips hold whole frames, so they drift from the planned seconds)
    last = report.film.clips[-1]
    assert rows[-1]["start_s"] == round(last.start_frame / report.film.fps, 3)
    assert rows[-1]["timecode"] == timecode(last.start_frame, report.film.fps)
    assert model.film_path().exists()
    model.note_target, model.note_text = rows[2]["shot"], "her line here should be softer"
    note = model.add_note()
    assert note.stage == "script" and "routed to stage 'script'" in model.message and model.note_text == ""
    model.note_text = "   "
    assert model.add_note() is None and "note not saved" in model.message
