"""A workspace made by an older aiuteur (schema 0001-0003: projects, versions, heads, jobs,
budgets; notes with a `status`; an audit log without authors) opens with today's aiuteur, on both
backends: the later migrations run in order, once, and everything written before reads back."""
from __future__ import annotations

import json
from datetime import datetime

from aiuteur.costs.budgets import get_budget
from aiuteur.jobs import table
from aiuteur.store import Store
from aiuteur.store.database import migration_files

T0 = datetime(2026, 1, 5, 9, 30)
CONFIG = json.dumps({"title": "Old Film", "target_minutes": 2.0})


def _make_old_workspace(workspace) -> None:
    """Rows as aiuteur wrote them at schema 3, with the SQL of that time (positional inserts)."""
    with Store(workspace, migrate_upto=3) as old:
        assert old.db.schema_version() == 3
        assert "capsules" not in old.db.table_names() and "author" not in old.db.columns("audit_log")
        run = old.db.execute
        run("INSERT INTO projects VALUES (?, ?, ?, ?, ?)", ["prj_old", "old-film", CONFIG, "main", T0])
        run("INSERT INTO branches VALUES (?, ?, ?, ?, ?)", ["prj_old", "main", None, "first branch", T0])
        for number, text in ((1, "a draft"), (2, "the final beats")):
            run("INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [f"ver_old{number}", "prj_old", "beats", number, "beats", f"ver_old{number - 1}" if number > 1 else None,
                 "[]", json.dumps({"text": text}), f"sha256:{number}", "draft", None, "aiuteur", "", "main", T0])
            run("INSERT INTO head_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [f"mov_old{number}", "prj_old", "main", "beats", f"ver_old{number - 1}" if number > 1 else None,
                 f"ver_old{number}", "new draft version", T0])
        run("INSERT INTO heads VALUES (?, ?, ?, ?, ?)", ["prj_old", "main", "beats", "ver_old2", T0])
        run("INSERT INTO review_notes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            ["note_old", "prj_old", "SC010_SH0010", "frames", "too dark", "dir", "open", T0])
        run("INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ["job_old", "prj_old", "bat_old", "image", "frames", "openai", "openai:gpt-image-1", "key1", "{}", "{}",
             "done", 1, None, None, 0.04, None, None, None, T0, T0, T0, T0])
        run("INSERT INTO budgets VALUES (?, ?, ?, ?, ?)", ["prj_old", 25.0, "cap", 2.0, T0])
        run("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?)", ["aud_old", "prj_old", "budget.set", "{}", T0])


def test_an_old_workspace_is_migrated_and_reads_back(workspace):
    _make_old_workspace(workspace)
    latest = migration_files()[-1][0]
    with Store(workspace, user="today") as store:
        assert store.db.schema_version() == latest
        applied = [v for (v,) in store.db.fetchall("SELECT version FROM schema_migrations ORDER BY version")]
        assert applied == [n for n, _, _ in migration_files()]  # each once, in order
        project = store.get_project("old-film")
        assert project.config.title == "Old Film"
        head = store.head(project, "beats")
        assert head.id == "ver_old2" and head.payload == {"text": "the final beats"}
        assert [m["new_version"] for m in store.head_log(project, "beats")] == ["ver_old1", "ver_old2"]
        [note] = store.notes(project.id)
        assert note.state == "open" and note.shot == "SC010_SH0010" and note.suggested_category == "look"
        [job] = table.list_jobs(store, project.id)
        assert job.status == "done" and job.start_sent_at is None
        budget = get_budget(store, project)
        assert budget.limit_usd == 25.0 and budget.mode == "cap"
        [old_entry] = store.audit_log(project)
        assert old_entry.author == "unknown"  # written before authors were recorded
        # and it is a working workspace: new versions, audited with today's user
        new = store.commit(project, "beats", _Beats(text="after the upgrade"))
        assert new.number == 3 and new.parent_id == "ver_old2"
        assert store.audit_log(project)[-1].author == "today"
    with Store(workspace) as again:  # reopening migrates nothing twice
        assert again.db.migrate() == []


class _Beats(__import__("pydantic").BaseModel):
    text: str
