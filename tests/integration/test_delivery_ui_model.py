"""The Delivery tab's logic without a browser: export with progress, the history, archive and restore."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from aiuteur import open_store
from aiuteur.export.encode import probe_stream
from aiuteur.export.package import verify_package
from aiuteur.models.media import Film
from aiuteur.stages import video
from aiuteur.stages.status import project_status
from aiuteur.ui import StudioModel
from aiuteur.ui.delivery_model import DeliveryModel

pytestmark = pytest.mark.slow  # shares the full offline run (demo_run) and encodes its shots


@pytest.fixture
def workspace(demo_run, tmp_path) -> Path:
    source, _, _ = demo_run
    (tmp_path / "a").mkdir()
    shutil.copy(source, tmp_path / "a" / "ws.duckdb")
    shutil.copytree(source.with_name("ws.media"), tmp_path / "a" / "ws.media")
    return tmp_path / "a" / "ws.duckdb"


def test_export_from_the_page_shows_progress_and_lands_in_the_history(workspace, tmp_path):
    model = DeliveryModel(studio=StudioModel(workspace=str(workspace)))
    assert model.start_export() is None and model.message == "pick a project first"
    model.studio.project = "lighthouse"
    assert model.history() == []
    model.param.update(codec="prores", resolution="320x180", handles=2, destination=str(tmp_path / "deliveries"))
    job = model.start_export()
    assert job is not None and model.running
    assert model.start_export() is None and model.message == "an export is already running"
    assert model.wait(timeout=600), model.message
    assert not model.running and model.progress == 1.0
    assert model.steps_seen[0].startswith("encoding") and any(s.startswith(("writing", "reading"))
                                                             for s in model.steps_seen), model.steps_seen

    package = Path(model.last_package)
    assert package == tmp_path / "deliveries" / "The_Last_Light_v001"
    manifest = verify_package(package)  # every hash and every timeline, read back where it is
    with open_store(workspace) as store:
        film = store.require_head(store.get_project("lighthouse"), video.FILM).model(Film)
    assert manifest["frames"] == sum(c.frames for c in film.clips)
    assert (manifest["codec"], manifest["resolution"], manifest["handles"]) == ("prores", "320x180", 2)
    first = manifest["shots"][0]
    info = probe_stream(package / first["file"])
    assert (info.codec, info.width, info.height, info.frames) == ("prores", 320, 180, first["media_frames"])
    assert {t["format"] for t in manifest["timelines"]} == {"otio", "edl", "fcp7", "fcpx", "aaf"}

    taken = tmp_path / "taken.zip"
    taken.write_bytes(b"another film")
    model.destination = str(taken)
    model.start_export()
    assert not model.wait(timeout=600)
    assert model.message.startswith("export failed") and "never writes over" in model.message
    assert taken.read_bytes() == b"another film"
    rows = model.history()  # newest first
    assert [(r["status"], r["codec"]) for r in rows] == [("failed", "prores"), ("done", "prores")]
    assert rows[1]["package"] == "The_Last_Light_v001" and rows[1]["frames"] == manifest["frames"]
    assert "never writes over" in rows[0]["path / error"]


def test_archive_then_restore_into_another_workspace_from_the_page(workspace, tmp_path):
    model = DeliveryModel(studio=StudioModel(workspace=str(workspace), project="lighthouse"))
    model.archive_path = str(tmp_path / "lighthouse.zip")
    summary = model.archive()
    assert summary is not None and (tmp_path / "lighthouse.zip").is_file(), model.message
    assert model.message.startswith("archived lighthouse")
    assert model.archive() is None and "archive failed" in model.message  # never over an existing file

    model.restore_file = str(tmp_path / "lighthouse.zip")
    assert model.restore() is None and "already has a project" in model.message  # into this workspace: refused

    other = tmp_path / "b" / "other.duckdb"
    other.parent.mkdir()
    model.restore_workspace = str(other)
    project = model.restore()
    assert project is not None and project.name == "lighthouse", model.message
    with open_store(workspace) as a, open_store(other) as b:
        before = [json.loads(s.model_dump_json()) for s in project_status(a, a.get_project("lighthouse"))]
        after = [json.loads(s.model_dump_json()) for s in project_status(b, b.get_project("lighthouse"))]
    assert after == before
