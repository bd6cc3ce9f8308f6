"""The audit log, store side: every change (versions, head moves, notes, approvals, budget changes)
is a row naming who made it (the Store's user), what, and when; readable as entries and as CSV,
filtered by project, time and action. On both backends."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from pydantic import BaseModel

from aiuteur.costs import budgets
from aiuteur.models.review import ReviewNote
from aiuteur.store import Store
from aiuteur.store.database import utcnow
from aiuteur.store.notes import new_note_id


class Beat(BaseModel):
    text: str


def test_every_change_is_logged_with_its_author(workspace, config, monkeypatch):
    monkeypatch.setenv("AIUTEUR_USER", "from-env")
    with Store(workspace) as env_store:
        assert env_store.user == "from-env"
    start = utcnow() - timedelta(seconds=1)
    with Store(workspace, user="ana") as store:
        project = store.create_project("p", config)
        v1 = store.commit(project, "beats", Beat(text="one"), author="aiuteur")
        store.commit(project, "beats", Beat(text="two"))
        store.set_head(project, "beats", v1.id, "back to one")
        now = utcnow()
        store.add_note(ReviewNote(id=new_note_id(), project_id=project.id, target="film", text="tighter", author="ana",
                                  state="open", created_at=now, updated_at=now))
        budgets.set_budget(store, project, limit_usd=10.0, mode="cap")
        budgets.approve(store, project, "scope-1", max_usd=2.0, approved_by="ana")
        other = store.create_project("q", config)
    with Store(workspace, user="ben") as store:
        store.commit(store.get_project("p"), "beats", Beat(text="ben's"))
        entries = store.audit_log("p")
        actions = [e.action for e in entries]
        assert actions == ["project.create", "version.commit", "version.commit", "head.move", "note.added",
                           "budget.set", "budget.approve", "version.commit"]
        assert [e.author for e in entries] == ["ana"] * 7 + ["ben"]
        commit = entries[1]
        assert commit.detail["artifact_key"] == "beats" and commit.detail["number"] == 1
        assert commit.detail["version_author"] == "aiuteur"  # the version's own author field is kept apart
        assert entries[3].detail == {"artifact_key": "beats", "branch": "main", "old": entries[2].detail["version"],
                                     "new": v1.id, "reason": "back to one"}
        assert [e.action for e in store.audit_log(project, action="budget.")] == ["budget.set", "budget.approve"]
        assert store.audit_log(other.id)[0].action == "project.create"
        assert len(store.audit_log()) == len(entries) + 1  # the whole workspace
        assert store.audit_log("p", since=utcnow() + timedelta(minutes=1)) == []
        assert len(store.audit_log("p", since=start)) == len(entries)
        rows = list(csv.reader(io.StringIO(store.audit_csv("p"))))
        assert rows[0] == ["created_at", "author", "project_id", "action", "detail", "id"]
        assert [r[3] for r in rows[1:]] == actions and rows[-1][1] == "ben"


def test_a_refused_change_leaves_no_audit_row(any_store, config):
    project = any_store.create_project("p", config)
    before = len(any_store.audit_log(project))
    with pytest.raises(ValueError):
        budgets.set_budget(any_store, project, mode="nonsense")
    with pytest.raises(RuntimeError):
        with any_store.db.transaction():
            any_store.commit(project, "beats", Beat(text="half"))
            raise RuntimeError("crash")
    assert len(any_store.audit_log(project)) == before
