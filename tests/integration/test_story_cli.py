"""The story CLI: new (idea / files), run --until, script export, scenes, branch, capsules; stable JSON."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aiuteur.cli import app

DATA = Path(__file__).resolve().parents[2] / "data" / "screenplays"
runner = CliRunner()


def call(*args: str, ok: bool = True):
    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


def flat(text: str) -> str:
    """Rich wraps long error lines for the terminal; compare on single spaces."""
    return " ".join(text.split())


@pytest.fixture
def ws(tmp_path) -> str:
    return str(tmp_path / "ws.duckdb")


def test_new_from_an_idea_then_run_until_script_and_export(ws, tmp_path, idea):
    out = json.loads(call("new", "The Last Light", "--idea", idea, "--minutes", "2", "--writing-style", "noir",
                          "--workspace", ws, "--json").stdout)
    assert out["mode"] == "expand" and out["project"]["name"] == "the-last-light"
    assert out["styles"] == {"writing": "noir v1", "visual": None}
    stopped = call("run", "the-last-light", "--until", "beats", "--workspace", ws, ok=False)
    assert stopped.exit_code == 1 and "select a variant" in flat(stopped.output)
    report = json.loads(call("run", "the-last-light", "--until", "script", "--lock-defaults", "--workspace", ws,
                             "--json").stdout)
    states = {s["slug"]: s["state"] for s in report["stages"]}
    assert states["treatment"] == states["beats"] == "locked" and states["script"] == "draft"
    for fmt, magic in (("fountain", b"Title:"), ("pdf", b"%PDF-"), ("html", b"<!DOCTYPE html>")):
        target = tmp_path / f"script.{fmt}"
        data = json.loads(call("script", "the-last-light", "--format", fmt, "-o", str(target), "--workspace", ws,
                               "--json").stdout)
        assert data["format"] == fmt and target.read_bytes().startswith(magic)
    scenes = json.loads(call("scenes", "the-last-light", "--workspace", ws, "--json").stdout)
    assert scenes and set(scenes[0]) == {"number", "scene_number", "heading", "int_ext", "location", "time",
                                         "characters", "eighths"}


def test_new_from_files_imports_a_screenplay(ws, tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n\nA guard and a kid under a broken dome.\n")
    out = json.loads(call("new", "Night Shift", "--file", str(DATA / "night_shift_at_the_planetarium.fountain"),
                          "--file", str(notes), "--label", "draft script", "--label", "notes", "--workspace", ws,
                          "--json").stdout)
    assert out["mode"] == "import" and out["imported_scenes"] == 5
    assert [(s["label"], s["kind"]) for s in out["sources"]] == [("draft script", "fountain"), ("notes", "markdown")]
    assert [(s["state"], s["imported"]) for s in out["stages"]] == [
        ("locked", False), ("locked", True), ("locked", True), ("draft", False)]


def test_bad_files_name_the_file_and_write_nothing(ws, tmp_path):
    empty = tmp_path / "empty.fountain"
    empty.write_bytes(b"")
    result = call("new", "X", "--file", str(empty), "--workspace", ws, ok=False)
    assert result.exit_code == 1 and "empty.fountain: is empty" in flat(result.output)
    result = call("new", "X", "--idea", "A keeper finds a radio.", "--visual-style", "nope", "--workspace", ws, ok=False)
    assert "config.visual_style: no visual capsule 'nope'" in flat(result.output)
    assert json.loads(call("projects", "--workspace", ws, "--json").stdout) == []


def test_branch_list_new_switch_diff_delete(ws, idea):
    call("new", "Film", "--idea", idea, "--workspace", ws)
    call("run", "film", "--until", "beats", "--lock-defaults", "--workspace", ws)
    call("branch", "film", "new", "alt", "-m", "try a colder opening", "--workspace", ws)
    rows = json.loads(call("branch", "film", "list", "--workspace", ws, "--json").stdout)
    assert [(r["name"], r["current"], r["message"]) for r in rows] == [
        ("main", False, "first branch"), ("alt", True, "try a colder opening")]
    from aiuteur import open_store
    from aiuteur.stages import beats
    with open_store(ws) as store:
        beats.edit(store, store.get_project("film"), 0, title="Cold")
    diff = json.loads(call("branch", "film", "diff", "main", "alt", "--workspace", ws, "--json").stdout)
    changed = [a for a in diff["artifacts"] if a["state"] != "same"]
    assert [a["artifact_key"] for a in changed] == ["beats"] and "+1. Cold" in changed[0]["diff"]
    result = call("branch", "film", "new", "x", "--workspace", ws, ok=False)
    assert "needs a message" in flat(result.output)
    result = call("branch", "film", "delete", "main", "--workspace", ws, ok=False)
    assert "holds locked work" in flat(result.output)
    call("branch", "film", "switch", "main", "--workspace", ws)
    call("branch", "film", "delete", "alt", "--workspace", ws)
    assert [r["name"] for r in json.loads(call("branch", "film", "list", "--workspace", ws, "--json").stdout)] == ["main"]


def test_capsules_lists_library_and_presets(ws):
    rows = json.loads(call("capsules", "--kind", "visual", "--workspace", ws, "--json").stdout)
    assert {r["name"] for r in rows} >= {"noir", "whimsical-animation", "documentary-realism", "70s-thriller"}
    assert all(r["source"] == "preset" and r["kind"] == "visual" for r in rows)
