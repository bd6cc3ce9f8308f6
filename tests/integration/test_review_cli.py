"""`aiuteur notes | note | retake | approve-clip | review-routes | notifications` as a reviewer uses them."""
from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from aiuteur.cli import app

runner = CliRunner()
pytestmark = pytest.mark.slow


@pytest.fixture
def workspace(demo_run, tmp_path):
    source, _, _ = demo_run
    shutil.copy(source, tmp_path / "ws.duckdb")
    shutil.copytree(source.with_name("ws.media"), tmp_path / "ws.media")
    return tmp_path / "ws.duckdb"


def cli(workspace, *args: str):
    return runner.invoke(app, [*args, "--workspace", str(workspace)])


def shots(workspace) -> list[dict]:
    result = cli(workspace, "shots", "lighthouse", "--json")
    assert result.exit_code == 0, result.output
    return [s for scene in json.loads(result.output) for s in scene["shots"]]


def test_add_list_filter_and_act_on_notes(workspace):
    from aiuteur import open_store
    from aiuteur.models.review import timecode
    from aiuteur.stages import review

    third = shots(workspace)[2]["shot_id"]
    with open_store(workspace) as store:
        start = review.cut(store, store.get_project("lighthouse")).get(third).start_frame
    at = timecode(start + 8, 24)
    added = cli(workspace, "notes", "lighthouse", "--add", "the horizon line is crooked in shot 3", "--shot", third,
                "--at", at, "--author", "director", "--json")
    assert added.exit_code == 0, added.output
    note = json.loads(added.output)
    assert (note["shot"], note["timecode"], note["frame"]) == (third, at, start + 8)
    assert (note["category"], note["suggested_category"], note["stage"], note["state"]) == \
        (None, "composition", "frames", "open")

    chosen = cli(workspace, "notes", "lighthouse", "--add", "hold it longer", "--shot", third, "--category", "timing")
    assert chosen.exit_code == 0 and "category timing -> stage shots" in " ".join(chosen.output.split())

    listed = json.loads(cli(workspace, "notes", "lighthouse", "--json").output)
    assert [n["text"] for n in listed] == ["the horizon line is crooked in shot 3", "hold it longer"]
    table = runner.invoke(app, ["notes", "lighthouse", "--workspace", str(workspace)], env={"COLUMNS": "250"})
    assert "composition? (rules)" in table.output and at in table.output, table.output

    shown = cli(workspace, "note", "lighthouse", note["id"], "--confirm", "--assign", "kim", "--author", "dop", "--json")
    assert shown.exit_code == 0, shown.output
    detail = json.loads(shown.output)
    assert detail["note"]["category"] == "composition" and detail["note"]["assignee"] == "kim"
    assert detail["go_to"] == {"stage": "frames", "number": 10, "title": "Anchor frames", "page": "Frames",
                               "artifact_key": f"shot/{third}/frames", "shot": third, "scene": 1}
    assert [e["action"] for e in detail["history"]] == ["added", "clips seen", "category confirmed", "assigned"]

    cli(workspace, "note", "lighthouse", listed[1]["id"], "--state", "won't fix")
    open_only = json.loads(cli(workspace, "notes", "lighthouse", "--state", "open", "--json").output)
    assert [n["id"] for n in open_only] == [note["id"]]
    wont = json.loads(cli(workspace, "notes", "lighthouse", "--state", "wont_fix", "--json").output)
    assert [n["id"] for n in wont] == [listed[1]["id"]]

    history = json.loads(cli(workspace, "notifications", "lighthouse", "--json").output)
    assert [n["kind"] for n in history["notifications"]] == ["note.assigned"]


@pytest.mark.parametrize("args, message", [
    (["--add", "too dark", "--shot", "SC999_SH0010"], "no shot 'SC999_SH0010'"),
    (["--add", "too dark", "--shot", "SC010_SH0010", "--at", "00:00:01:24"], "frame 24 does not exist at 24 fps"),
    (["--add", "too dark", "--shot", "SC010_SH0010", "--at", "01:00:00:00"], "after the end of the film"),
    (["--add", "too dark", "--shot", "SC010_SH0010", "--category", "colour"], "no review category 'colour'"),
    (["--add", "too dark"], "--add needs --shot ID"),
    (["--shot", "SC010_SH0010"], "go with --add TEXT"),
    (["--state", "done"], "unknown note state 'done'"),
])
def test_bad_notes_are_one_red_line_and_write_nothing(workspace, args, message):
    result = cli(workspace, "notes", "lighthouse", *args)
    assert result.exit_code == 1 and message in result.output, result.output
    assert json.loads(cli(workspace, "notes", "lighthouse", "--json").output) == []


def test_retake_and_approve_close_the_note(workspace):
    from aiuteur import Engines, open_store
    from aiuteur.pipeline import run
    from aiuteur.stages import shots as shots_stage

    shot = next(s for s in shots(workspace) if s["camera_move"] == "static")
    note = json.loads(cli(workspace, "notes", "lighthouse", "--add", "push in here", "--shot", shot["shot_id"],
                          "--category", "coverage", "--json").output)
    nothing = cli(workspace, "retake", "lighthouse", note["id"])
    assert nothing.exit_code == 1 and "no new clip" in nothing.output and "stage 7 'Shot list'" in nothing.output
    with open_store(workspace) as store:  # the fix, made at the stage the note went to
        project = store.get_project("lighthouse")
        shots_stage.edit_shot(store, project, shot["scene"], shot["shot_id"], {"camera_move": "push in"})
        run(store, project, Engines.offline(), until="confirm")
    made = cli(workspace, "retake", "lighthouse", note["id"], "--json")
    assert made.exit_code == 0, made.output
    retake = json.loads(made.output)
    assert retake["note"]["state"] == "in_progress" and retake["film"].startswith("film v")
    assert retake["clips"] == [f"shot/{shot['shot_id']}/video v2"]
    approved = json.loads(cli(workspace, "approve-clip", "lighthouse", shot["shot_id"], "--json").output)
    assert approved == {"clip": f"shot/{shot['shot_id']}/video v3", "resolved": [note["id"]]}
    assert json.loads(cli(workspace, "notes", "lighthouse", "--state", "resolved", "--json").output)[0]["id"] == note["id"]


def test_routes_and_notification_hooks(workspace):
    routes = json.loads(runner.invoke(app, ["review-routes", "--json"]).output)
    assert {"category": "composition", "stage": "frames"}.items() <= routes["routes"][5].items()
    assert routes["source"].endswith("review_routes.json")
    added = cli(workspace, "notifications", "lighthouse", "--add-webhook", "env:STUDIO_HOOK", "--add-email",
                "kim@example.test", "--kind", "note.assigned", "--json")
    assert added.exit_code == 0, added.output
    hooks = json.loads(added.output)["hooks"]
    assert [(h["channel"], h["target"], h["kinds"]) for h in hooks] == [
        ("webhook", "env:STUDIO_HOOK", ["note.assigned"]), ("email", "kim@example.test", ["note.assigned"])]
    removed = cli(workspace, "notifications", "lighthouse", "--remove", hooks[0]["id"], "--json")
    assert [h["id"] for h in json.loads(removed.output)["hooks"]] == [hooks[1]["id"]]
    bad = cli(workspace, "notifications", "lighthouse", "--add-webhook", "ftp://x")
    assert bad.exit_code == 1 and "http(s) URL" in bad.output
