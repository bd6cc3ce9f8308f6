"""The `aiuteur` CLI as a user runs it: demo, projects, status, and clear errors."""
from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from aiuteur.cli import app
from tests.conftest import LIGHTHOUSE

runner = CliRunner()
pytestmark = pytest.mark.slow


@pytest.fixture
def workspace(demo_run, tmp_path):
    """A copy of the shared demo workspace: the demo's generations are already paid for in it."""
    source, _, _ = demo_run
    shutil.copy(source, tmp_path / "ws.duckdb")
    shutil.copytree(source.with_name("ws.media"), tmp_path / "ws.media")
    return tmp_path / "ws.duckdb"


def test_demo_writes_the_film_and_exports_and_reuses_paid_work(workspace, tmp_path):
    out = tmp_path / "deliver"
    before = _generation_count(workspace)
    result = runner.invoke(app, ["demo", "--idea", LIGHTHOUSE, "--title", "The Last Light", "--out", str(out),
                                 "--resolution", "preview",  # the shared run's settings (demo_config)
                                 "--workspace", str(workspace)])
    assert result.exit_code == 0, result.output
    for name in ("film.mp4", "film.otio", "film.edl", "film.xml", "script.fountain", "storyboard.png"):
        assert (out / name).stat().st_size > 0, name
    assert "scenes / shots" in result.output and "on real models" in result.output and "$" in result.output
    assert _generation_count(workspace) == before  # same idea and settings: every generation was reused

    listed = runner.invoke(app, ["projects", "--json", "--workspace", str(workspace)])
    assert {p["name"] for p in json.loads(listed.output)} == {"lighthouse", "demo"}
    status = runner.invoke(app, ["status", "demo", "--json", "--workspace", str(workspace)])
    rows = json.loads(status.output)
    assert [r["number"] for r in rows] == list(range(1, 13))
    assert all(r["state"] in ("locked", "done") for r in rows)


def _generation_count(workspace) -> int:
    from aiuteur.store import open_store
    with open_store(workspace) as store:
        return store.db.fetchone("SELECT count(*) FROM generations")[0]


def test_unknown_project_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["status", "nope", "--workspace", str(tmp_path / "ws.duckdb")])
    assert result.exit_code == 1
    assert "no project 'nope'" in result.output


def test_empty_idea_is_refused_before_anything_is_written(tmp_path):
    result = runner.invoke(app, ["demo", "--idea", "  ", "--out", str(tmp_path / "o"),
                                 "--workspace", str(tmp_path / "ws.duckdb")])
    assert result.exit_code == 1 and "idea" in result.output
    listed = runner.invoke(app, ["projects", "--json", "--workspace", str(tmp_path / "ws.duckdb")])
    assert json.loads(listed.output) == []


def test_unwritable_output_folder_fails_before_any_work(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(app, ["demo", "--out", str(blocker / "out"), "--workspace", str(tmp_path / "ws.duckdb")])
    assert result.exit_code == 1 and "cannot write to the output folder" in result.output


def test_delete_needs_yes(workspace):
    refused = runner.invoke(app, ["delete", "lighthouse", "--workspace", str(workspace)])
    assert refused.exit_code == 1 and "--yes" in refused.output
    done = runner.invoke(app, ["delete", "lighthouse", "--yes", "--workspace", str(workspace)])
    assert done.exit_code == 0


def test_every_command_has_help_and_a_line_in_the_docs():
    from pathlib import Path
    docs = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text()
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert command.callback.__doc__, f"{name} has no help"
        assert f"aiuteur {name}" in docs, f"docs/cli.md does not describe `aiuteur {name}`"
