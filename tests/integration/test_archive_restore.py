"""Archive and restore (issue 11 part 4): a project archived from one workspace and restored into a
fresh one has the same status, the same versions and the same media, byte for byte."""
from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aiuteur import open_store
from aiuteur.archive import ArchiveError, archive_project, read_summary, restore_project
from aiuteur.cli import app
from aiuteur.stages.status import project_status
from aiuteur.store.errors import ProjectExists

pytestmark = pytest.mark.slow  # shares the full offline run (demo_run)

runner = CliRunner()


@pytest.fixture
def workspace(demo_run, tmp_path) -> Path:
    source, _, _ = demo_run
    (tmp_path / "a").mkdir()
    shutil.copy(source, tmp_path / "a" / "ws.duckdb")
    shutil.copytree(source.with_name("ws.media"), tmp_path / "a" / "ws.media")
    return tmp_path / "a" / "ws.duckdb"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(store, name: str, branch: str | None = None) -> dict:
    """Everything the round trip must keep: status, every version, the heads, the media bytes."""
    project = store.get_project(name)
    versions = store.db.rows("SELECT id, artifact_key, number, kind, parent_id, inputs, payload, content_hash, status, "
                             "generation_id, branch FROM versions WHERE project_id = ? ORDER BY id", [project.id])
    if branch is not None:
        heads = store.heads(project, branch=branch)
        keep = {v.id for v in heads.values()}
        versions = [v for v in versions if v["id"] in keep or v["branch"] == branch]
    shas = {}
    for row in versions:
        for sha in set(__import__("re").findall(r"[0-9a-f]{64}", row["payload"])):
            found = store.db.rows("SELECT path FROM media WHERE sha256 = ?", [sha])
            if found:
                shas[sha] = _sha(store.media_root / found[0]["path"])
    return {
        "project": (project.id, project.name, project.branch, project.config.model_dump()),
        "status": [s.model_dump() for s in project_status(store, project)],
        "versions": versions,
        "heads": {k: v.id for k, v in store.heads(project, branch=branch).items()},
        "media": shas,
        "generations": [g.model_dump() for g in store.generations(project.id)],
        "notes": [n.model_dump() for n in store.notes(project.id)] if hasattr(store, "notes") else [],
    }


def test_a_project_restored_into_a_fresh_workspace_is_identical(workspace, tmp_path):
    archive = tmp_path / "lighthouse.aiuteur.zip"
    with open_store(workspace) as store:
        before = snapshot(store, "lighthouse")
        summary = archive_project(store, store.get_project("lighthouse"), archive)
    assert before["media"] and all(sha == got for sha, got in before["media"].items())  # files are their hashes
    assert summary.tables["versions"] == len(before["versions"])
    fresh = tmp_path / "b" / "restored.duckdb"
    with open_store(fresh) as store:
        project = restore_project(store, archive)
        after = snapshot(store, "lighthouse")
        assert store.media_root == fresh.with_name("restored.media")
    assert project.name == "lighthouse"
    assert after == before
    assert any(s["state"] != "not started" for s in after["status"])


def test_a_branch_archive_holds_that_branch_and_the_versions_it_uses(workspace, tmp_path):
    with open_store(workspace) as store:
        project = store.get_project("lighthouse")
        store.create_branch(project, "director-cut", message="keep a copy to try things", switch=False)
        before = snapshot(store, "lighthouse", branch="director-cut")
        summary = archive_project(store, project, tmp_path / "cut.zip", branch="director-cut")
        with pytest.raises(ArchiveError, match="no branch"):
            archive_project(store, project, tmp_path / "none.zip", branch="nope")
    assert summary.branch == "director-cut" and summary.tables["branches"] == 1
    with open_store(tmp_path / "c" / "ws.duckdb") as store:
        restored = restore_project(store, tmp_path / "cut.zip")
        assert restored.branch == "director-cut"
        assert [b["name"] for b in store.branches(restored)] == ["director-cut"]
        after = snapshot(store, "lighthouse", branch="director-cut")
    assert after["heads"] == before["heads"] and after["media"] == before["media"]
    assert after["status"] == before["status"]
    assert not (tmp_path / "none.zip").exists()


def test_restore_refuses_a_taken_project_and_a_damaged_archive_writing_nothing(workspace, tmp_path):
    archive = tmp_path / "p.zip"
    with open_store(workspace) as store:
        archive_project(store, store.get_project("lighthouse"), archive)
        with pytest.raises(ProjectExists, match="already has a project 'lighthouse'"):
            restore_project(store, archive)
        with pytest.raises(ArchiveError, match="never writes over"):
            archive_project(store, store.get_project("lighthouse"), archive)
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(damaged, "w") as out:
        media = [n for n in src.namelist() if n.startswith("media/")]
        for name in src.namelist():
            data = src.read(name)
            out.writestr(name, data[:-1] + bytes([data[-1] ^ 1]) if name == media[0] else data)
    fresh = tmp_path / "d" / "ws.duckdb"
    with open_store(fresh) as store:
        with pytest.raises(ArchiveError, match="does not match its sha256"):
            restore_project(store, damaged)
        assert store.list_projects() == []
    leftovers = [p for p in fresh.with_name("ws.media").rglob("*") if p.is_file()]
    assert all(_sha(p) == p.stem for p in leftovers)  # only whole, checked files, no temporaries
    with pytest.raises(ArchiveError, match="not an aiuteur archive"):
        read_summary(workspace)


def test_archive_and_restore_from_the_command_line(workspace, tmp_path):
    archive = tmp_path / "cli.zip"
    done = runner.invoke(app, ["archive", "lighthouse", str(archive), "-w", str(workspace), "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["project_name"] == "lighthouse"
    fresh = tmp_path / "e" / "ws.duckdb"
    done = runner.invoke(app, ["restore", str(archive), "-w", str(fresh)])
    assert done.exit_code == 0, done.output
    assert "restored lighthouse" in done.output
    again = runner.invoke(app, ["restore", str(archive), "-w", str(fresh)])
    assert again.exit_code == 1 and "already has a project" in again.output
    status_a = runner.invoke(app, ["status", "lighthouse", "-w", str(workspace), "--json"])
    status_b = runner.invoke(app, ["status", "lighthouse", "-w", str(fresh), "--json"])
    assert status_a.exit_code == 0 and status_a.output == status_b.output
