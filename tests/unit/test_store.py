"""The store: migrations, projects, immutable versions, heads and their log, locks, staleness, branches."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from pydantic import BaseModel

from aiuteur.store import ConfirmationRequired, ProjectExists, ProjectNotFound, Store
from aiuteur.store.database import migration_files


class Note(BaseModel):
    text: str


@pytest.fixture
def store(any_store):
    """Every test here runs on both backends: a DuckDB file and a PostgreSQL server."""
    return any_store


def test_migrations_are_numbered_and_recorded(store):
    files = migration_files()
    assert [n for n, _, _ in files] == sorted({n for n, _, _ in files})
    assert store.db.schema_version() == files[-1][0]
    recorded = store.db.fetchall("SELECT version, name FROM schema_migrations ORDER BY version")
    assert recorded == [(n, name) for n, name, _ in files]
    assert store.db.migrate() == []  # reopening applies nothing twice


def test_project_crud(store, config):
    project = store.create_project("film one", config)
    assert store.get_project("film one").id == project.id
    assert store.get_project(project.id).name == "film one"
    with pytest.raises(ProjectExists):
        store.create_project("film one", config)
    renamed = store.rename_project(project.id, "film two")
    assert renamed.name == "film two" and [p.name for p in store.list_projects()] == ["film two"]
    with pytest.raises(ConfirmationRequired):
        store.delete_project("film two")
    assert store.list_projects()  # refused delete removed nothing
    store.delete_project("film two", confirm=True)
    with pytest.raises(ProjectNotFound, match="no project 'film two'"):
        store.get_project("film two")


def test_versions_are_immutable_and_heads_move_with_a_log(store, config):
    project = store.create_project("p", config)
    v1 = store.commit(project, "treatment", Note(text="first"))
    v2 = store.commit(project, "treatment", Note(text="second"), message="edit")
    assert (v1.number, v2.number) == (1, 2) and v2.parent_id == v1.id
    assert store.version(v1.id).payload == {"text": "first"}  # the old version is untouched
    assert store.head(project, "treatment").id == v2.id
    log = store.head_log(project, "treatment")
    assert [(m["old_version"], m["new_version"]) for m in log] == [(None, v1.id), (v1.id, v2.id)]
    locked = store.lock(project, "treatment")
    assert locked.status == "locked" and locked.payload == v2.payload and locked.number == 3
    assert store.version(v2.id).status == "draft"
    store.set_head(project, "treatment", v1.id, reason="rollback")
    assert store.head(project, "treatment").id == v1.id


def test_staleness_is_computed_with_reasons_and_cascades(store, config):
    project = store.create_project("p", config)
    script = store.commit(project, "script", Note(text="v1"))
    shots = store.commit(project, "scene/1/shots", Note(text="shots"), inputs=[script])
    frame = store.commit(project, "shot/A/frames", Note(text="frame"), inputs=[shots])
    assert store.staleness(frame).status == "fresh"
    store.lock(project, "script")  # same content, new version: not a change
    assert store.staleness(shots).status == "fresh"
    store.commit(project, "script", Note(text="v2"))
    assert store.staleness(shots).reasons == ["script changed (v1 -> v3)"]
    downstream = store.staleness(frame)
    assert downstream.status == "stale" and "scene/1/shots v1 is stale (script changed (v1 -> v3))" in downstream.reasons
    assert store.staleness(None).status == "missing"


def test_branches_copy_heads_and_keep_the_old_ones(store, config):
    project = store.create_project("p", config)
    v1 = store.commit(project, "beats", Note(text="original"))
    store.create_branch(project, "darker", message="try a darker ending")
    v2 = store.commit(project, "beats", Note(text="darker"))
    assert store.head(project, "beats").id == v2.id
    assert store.head(project, "beats", branch="main").id == v1.id
    store.switch_branch(project, "main")
    assert store.head(project, "beats").id == v1.id


def test_a_failed_transaction_leaves_nothing(store, config):
    project = store.create_project("p", config)
    with pytest.raises(RuntimeError):
        with store.db.transaction():
            store.commit(project, "beats", Note(text="half"))
            raise RuntimeError("crash mid-write")
    assert store.head(project, "beats") is None
    assert store.history(project, "beats") == []


def test_media_is_content_addressed(store):
    a = store.put_media(b"\x89PNG fake", "image/png", width=2, height=2)
    b = store.put_media(b"\x89PNG fake", "image/png", width=2, height=2)
    assert a == b and store.media_path(a).read_bytes() == b"\x89PNG fake"
    assert store.media_path(a).name.startswith(a.sha256)
    assert store.db.fetchone("SELECT count(*) FROM media")[0] == 1


def test_reopening_in_a_new_process_shows_everything(workspace, config):
    path = workspace
    with Store(path) as store:
        project = store.create_project("kept", config)
        store.commit(project, "beats", Note(text="persisted"))
        store.lock(project, "beats")
    code = (
        "import json,sys; from aiuteur.store import Store\n"
        f"s = Store({str(path)!r}); p = s.get_project('kept'); h = s.head(p, 'beats')\n"
        "print(json.dumps([p.config.title, h.payload, h.status, h.number, len(s.head_log(p))]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [config.title, {"text": "persisted"}, "locked", 2, 2]


def test_a_rolled_back_version_is_not_served_from_cache(store, config):
    project = store.create_project("p", config)
    with pytest.raises(RuntimeError):
        with store.db.transaction():
            ghost = store.commit(project, "beats", Note(text="rolled back"))
            assert store.version(ghost.id).payload == {"text": "rolled back"}
            raise RuntimeError("crash")
    real = store.commit(project, "beats", Note(text="kept"))
    assert real.id == ghost.id  # ids are deterministic per (project, key, number)
    assert store.version(real.id).payload == {"text": "kept"}


def test_deleting_a_project_clears_every_table_that_names_it(store, config):
    project = store.create_project("gone", config)
    store.commit(project, "beats", Note(text="x"))
    from aiuteur.stages import review
    review.add_note(store, project, "film", "note", author="me")  # a note and its history event
    tables = store._project_tables()
    assert {"versions", "heads", "head_log", "branches", "generations", "review_notes", "review_note_events",
            "review_note_retakes", "notifications", "notification_hooks", "notification_deliveries"} <= set(tables)
    store.delete_project("gone", confirm=True)
    for table in tables:
        assert store.db.fetchone(f"SELECT count(*) FROM {table} WHERE project_id = ?", [project.id])[0] == 0, table
