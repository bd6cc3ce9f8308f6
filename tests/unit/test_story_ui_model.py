"""The story pages' logic, driven by params and method calls (no browser)."""
from __future__ import annotations

from pathlib import Path

from aiuteur.ui.pages.story import beats_html, comparison_html, stages_html
from aiuteur.ui.story_model import StoryModel

PLANETARIUM = Path(__file__).resolve().parents[2] / "data" / "screenplays" / "night_shift_at_the_planetarium.fountain"


def test_upload_import_and_approve(tmp_path):
    story = StoryModel(workspace=str(tmp_path / "ws.duckdb"))
    assert not story.stage_upload("empty.txt", b"")
    assert story.message.startswith("file refused: empty.txt: is empty")
    assert story.stage_upload("night.fountain", PLANETARIUM.read_bytes())
    assert story.staged[0]["kind"] == "fountain" and story.staged[0]["label"] == "draft script"
    story.title = "Night Shift"
    assert story.create_project() == "night-shift" and story.project == "night-shift"
    assert story.message == "created night-shift (import mode)" and story.staged == []
    html = stages_html(story)
    assert 'data-stage="treatment" data-state="locked" data-imported="true"' in html
    assert 'data-stage="script" data-state="draft"' in html
    assert "HILLTOP PLANETARIUM" in story.script_html() and "Courier" in story.script_html()
    story.approve_script()
    assert 'data-stage="script" data-state="locked"' in stages_html(story)


def test_variants_beats_and_branches(tmp_path, idea):
    story = StoryModel(workspace=str(tmp_path / "ws.duckdb"), title="The Last Light", idea=idea)
    story.create_project()
    story.generate_treatments()
    assert comparison_html(story).count('class="aiuteur-variant"') == 3
    story.select_variant(1)
    assert 'data-variant="B" data-selected="true"' in comparison_html(story)
    story.generate_beats()
    titles = [r["title"] for r in story.beat_rows()]
    story.beat_index, story.beat_to = 1, 3
    story.move_beat()
    assert [r["title"] for r in story.beat_rows()][:3] == [titles[1], titles[2], titles[0]]
    story.beat_index = 2
    story.merge_beat()
    assert len(story.beat_rows()) == len(titles) - 1 and "/" in beats_html(story)
    story.confirm_beats()
    assert story.message.startswith("beat sheet confirmed")
    story.generate_script()
    story.approve_script()
    story.beat_index = 1
    story.delete_beat()
    assert "new branch" in story.message  # locked script downstream: refused, nothing written
    story.branch_name, story.branch_message = "shorter", "drop the opening"
    story.delete_beat()
    assert story.message == "deleted beat 1" and [b["name"] for b in story.branches()] == ["main", "shorter"]
    story.switch_branch("main")
    assert next(b for b in story.branches() if b["current"])["name"] == "main"
    story.branch_name = ""
    story.generate_treatments()
    assert "new branch" in story.message
    story.branch_name, story.branch_message = "warmer", "a warmer telling"
    story.generate_treatments()
    assert story.message == "three treatment variants written on branch warmer"
    story.switch_branch("nope")
    assert story.message.startswith("switch branch failed: project 'the-last-light' has no branch 'nope'")
