"""The same film on both backends: the offline pipeline end to end on a PostgreSQL server gives
what it gives on a DuckDB file; review notes behave the same on both; `copy-project` moves a
finished project DuckDB -> PostgreSQL -> DuckDB with every version, head, media file and note."""
from __future__ import annotations

import hashlib
import json
import re
import shutil

import pytest
from typer.testing import CliRunner

from aiuteur import Engines, open_store, run, start_project
from aiuteur.cli import app
from aiuteur.stages import review
from aiuteur.store import Store
from aiuteur.store.copy import copy_project
from tests.conftest import LIGHTHOUSE, demo_config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pg_run(postgres_server, tmp_path_factory):
    """(workspace URL, delivery folder, report) of one full offline run on PostgreSQL."""
    root = tmp_path_factory.mktemp("pgrun")
    url = f"{postgres_server}?schema=pipeline_run&media={root / 'media'}"
    with open_store(url) as store:
        project, _ = start_project(store, "lighthouse", LIGHTHOUSE, demo_config())  # the same film as demo_run
        report = run(store, project, Engines.offline(), out_dir=root / "out")
    return url, root / "out", report


def _heads(store: Store) -> dict[str, tuple[str, str]]:
    """Each head's payload (with version and project ids masked: they are made from the project's
    random id, so they differ between any two runs) and status."""
    project = store.get_project("lighthouse")
    return {key: (_IDS.sub("<id>", json.dumps(v.payload, sort_keys=True)), v.status)
            for key, v in store.heads(project).items()}


_IDS = re.compile(r"\b(ver|prj)_[0-9a-f]{12}\b")


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_offline_pipeline_gives_the_same_film_on_both_backends(demo_run, pg_run):
    duck_ws, duck_out, duck_report = demo_run
    pg_url, pg_out, pg_report = pg_run
    with open_store(duck_ws) as duck, open_store(pg_url) as pg:
        assert pg.backend == "postgresql" and duck.backend == "duckdb"
        duck_heads, pg_heads = _heads(duck), _heads(pg)
        assert set(pg_heads) == set(duck_heads) and len(pg_heads) > 50
        same = [k for k in duck_heads if duck_heads[k] == pg_heads[k]]
        assert len(same) == len(duck_heads), sorted(set(duck_heads) - set(same))[:5]  # same content, same states
        project = pg.get_project("lighthouse")
        for clip in pg_report.film.clips:  # every clip's file is in the PostgreSQL workspace's media folder
            assert pg.has_media(clip.media)
        assert all(pg.staleness(v).status == "fresh" for v in pg.heads(project).values())
    assert len(pg_report.film.clips) == len(duck_report.film.clips)
    assert pg_report.film.duration == pytest.approx(duck_report.film.duration)
    assert (pg_out / "film.mp4").stat().st_size > 10_000
    assert _sha(pg_out / "film.mp4") == _sha(duck_out / "film.mp4")  # the same bytes, whichever backend


@pytest.fixture
def finished(request, demo_run, tmp_path):
    """A finished project on each backend: a copy of the demo workspace file, or the demo project
    copied into a fresh PostgreSQL schema."""
    source, _, _ = demo_run
    if request.param == "duckdb":
        shutil.copy(source, tmp_path / "ws.duckdb")
        shutil.copytree(source.with_name("ws.media"), tmp_path / "ws.media")
        return tmp_path / "ws.duckdb"
    url = request.getfixturevalue("postgres_url")
    with open_store(source) as src, open_store(url) as dst:
        copy_project(src, "lighthouse", dst)
    return url


@pytest.mark.parametrize("finished", ["duckdb", "postgresql"], indirect=True)
def test_review_notes_behave_the_same_on_both_backends(finished):
    with Store(finished, user="director") as store:
        project = store.get_project("lighthouse")
        shot = review.cut(store, project).shots[1].shot_id
        note = review.add_note(store, project, shot, "too dark, lift the lantern light", at=None, author="dir")
        assert note.shot == shot and note.suggested_category == "look" and note.category is None
        confirmed = review.confirm_category(store, project, note.id, author="dir")
        assert confirmed.category == "look" and confirmed.stage == "frames"
        review.assign(store, project, note.id, "lighting", author="dir")
        review.set_state(store, project, note.id, "in progress", author="lighting")
        with pytest.raises(review.ReviewError):
            review.set_state(store, project, note.id, "maybe")
        done = review.set_state(store, project, note.id, "resolved", author="lighting")
        assert done.state == "resolved"
        events = [e.action for e in store.note_events(note.id)]
        assert events[0] == "added" and [e for e in events if e != "clips seen"] == [
            "added", "category confirmed", "assigned", "state", "resolved", "reason"]
        audit = [(e.action, e.author) for e in store.audit_log(project, action="note.")]
        assert [a for a, _ in audit] == [f"note.{e}" for e in events]
        assert {who for _, who in audit} == {"director"}  # the store's user: the person at the keyboard
        assert [n.id for n in review.list_notes(store, project, state="resolved")] == [note.id]


def test_copy_project_between_backends_keeps_everything(demo_run, postgres_url, tmp_path):
    source, _, _ = demo_run
    back = tmp_path / "back" / "ws.duckdb"
    with open_store(source) as src:
        before = _snapshot(src)
    result = CliRunner().invoke(app, ["copy-project", "lighthouse", "--from", str(source), "--to", postgres_url,
                                      "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["media_files"] > 30
    with open_store(postgres_url) as pg, open_store(back) as dst:
        assert _snapshot(pg) == before
        review.add_note(pg, pg.get_project("lighthouse"), "film", "the ending is rushed", author="dir")
        with_note = _snapshot(pg)
        copy_project(pg, "lighthouse", dst)  # and back, PostgreSQL -> a new DuckDB file
        assert _snapshot(dst) == with_note and with_note["notes"][0][1] == "the ending is rushed"
        for ref in _media_refs(dst):
            assert _sha(dst.media_path(ref)) == ref.sha256  # every file there, byte for byte
        copied = dst.audit_log("lighthouse", action="project.copy")
        assert len(copied) == 2 and copied[0].detail["from"] == str(source)
    again = CliRunner().invoke(app, ["copy-project", "lighthouse", "--from", str(source), "--to", postgres_url])
    assert again.exit_code == 1 and "already has a project 'lighthouse'" in again.output


def _snapshot(store: Store) -> dict:
    project = store.get_project("lighthouse")
    heads = {k: (v.id, v.content_hash, v.status, v.number) for k, v in store.heads(project).items()}
    log = sorted((m["artifact_key"], m["old_version"] or "", m["new_version"]) for m in store.head_log(project))
    notes = [(n.id, n.text, n.state) for n in store.notes(project.id)]
    stale = {k: store.staleness(v).status for k, v in store.heads(project).items()}
    return {"id": project.id, "heads": heads, "log": log, "notes": notes, "stale": stale,
            "branches": [b["name"] for b in store.branches(project)],
            "generations": len(store.generations(project.id))}


def _media_refs(store: Store):
    from aiuteur.models.media import MediaRef

    project = store.get_project("lighthouse")
    for version in store.heads(project).values():
        for ref in _find_refs(version.payload):
            yield MediaRef.model_validate(ref)


def _find_refs(value):
    if isinstance(value, dict):
        if "sha256" in value and "path" in value and "mime" in value:
            yield value
        for item in value.values():
            yield from _find_refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _find_refs(item)
