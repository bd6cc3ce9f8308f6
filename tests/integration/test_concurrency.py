"""Many people at once on one workspace.

PostgreSQL: writers are truly concurrent; versions and head moves are transactional, and a head
moved under a writer is `HeadMoved` (a retryable `WriteConflict`), never a lost update. A DuckDB
file: one writing process at a time, but the others wait for it (with a message) instead of
failing, and give up with `WorkspaceBusy` after the timeout. Jobs are watched and cancelled from
another process on both."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pydantic import BaseModel

from aiuteur import jobs
from aiuteur.costs import ledger
from aiuteur.jobs import table
from aiuteur.store import HeadMoved, Store, WorkspaceBusy, WriteConflict, retry_on_conflict
from aiuteur.store.database import DuckDBDatabase
from benchmarks.stress_postgres_concurrent import head_log_problems

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("concurrency_child.py")


class Note(BaseModel):
    text: str


def _child(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(CHILD), *map(str, args)], cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})


def _new_workspace(workspace, config) -> None:
    with Store(workspace) as store:
        store.create_project("p", config)


# -- a head moved under you: both backends ----------------------------------------------------------
def test_a_change_made_from_an_old_head_is_refused_with_head_moved(workspace, config):
    _new_workspace(workspace, config)
    with Store(workspace, user="ana") as ana, Store(workspace, user="ben") as ben:
        p_ana, p_ben = ana.get_project("p"), ben.get_project("p")
        first = ana.commit(p_ana, "beats", Note(text="v1"))
        seen_by_ana = ana.head(p_ana, "beats")
        ben.commit(p_ben, "beats", Note(text="ben's v2"), expected_head=first)  # ben read v1 too, and was first
        with pytest.raises(HeadMoved, match="moved to beats v2 since you read it"):
            ana.commit(p_ana, "beats", Note(text="ana's v2"), expected_head=seen_by_ana)
        with pytest.raises(HeadMoved):
            ana.set_head(p_ana, "beats", first.id, "rollback", expected_head=seen_by_ana)
        assert [v.payload["text"] for v in ana.history(p_ana, "beats")] == ["v1", "ben's v2"]  # nothing half-written
        fresh = ana.head(p_ana, "beats")
        ana.commit(p_ana, "beats", Note(text="ana's v3"), expected_head=fresh)  # read again: it goes through
        authors = [(e.action, e.author) for e in ana.audit_log(p_ana) if e.action == "version.commit"]
        assert authors == [("version.commit", "ana"), ("version.commit", "ben"), ("version.commit", "ana")]


def test_postgres_a_concurrent_head_move_is_caught_inside_the_transaction(postgres_url, config):
    """Ana's transaction read the head; Ben moves it and commits; Ana's move then finds the head
    changed (compare-and-set) and is refused as a whole."""
    _new_workspace(postgres_url, config)
    with Store(postgres_url, user="ana") as ana, Store(postgres_url, user="ben") as ben:
        p = ana.get_project("p")
        v1 = ana.commit(p, "beats", Note(text="v1"))
        v2 = ana.commit(p, "beats", Note(text="v2"))
        with pytest.raises(HeadMoved):
            with ana.db.transaction():
                current = ana.head(p, "beats")  # v2
                ben.set_head(ben.get_project("p"), "beats", v1.id, "ben rolls back")
                ana._move_head(p, "main", "beats", current, v1, "ana rolls back too")
        assert ana.head(p, "beats").id == v1.id  # ben's move stands, ana's wrote nothing
        moves = [(m["old_version"], m["new_version"], m["reason"]) for m in ana.head_log(p, "beats")]
        assert moves[-1] == (v2.id, v1.id, "ben rolls back") and len(moves) == 3


@pytest.mark.slow
def test_postgres_many_writers_lose_no_version_and_log_every_move(postgres_url, config):
    """Four writers (threads, each with its own connection) commit and roll back the same artifact
    in bounded loops: every version is kept with a unique number, every head move is in the head
    log and the audit log, and the only errors are the documented retryable conflicts."""
    _new_workspace(postgres_url, config)
    writers, rounds = 4, 12
    unexpected: list[BaseException] = []
    conflicts = [0] * writers
    made: list[list[str]] = [[] for _ in range(writers)]

    def work(n: int) -> None:
        try:
            with Store(postgres_url, user=f"user{n}") as store:
                project = store.get_project("p")
                for i in range(rounds):
                    def commit_once() -> None:
                        try:
                            made[n].append(store.commit(project, "beats", Note(text=f"{n}.{i}")).id)
                        except WriteConflict:
                            conflicts[n] += 1
                            raise

                    retry_on_conflict(commit_once, attempts=100)
                    if i % 4 == 3:  # now and then, roll back to the writer's own previous version
                        retry_on_conflict(lambda: store.set_head(project, "beats", made[n][-2], "rollback"), attempts=100)
        except BaseException as exc:  # noqa: BLE001 — collected and reported by the test
            unexpected.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not unexpected, unexpected
    with Store(postgres_url) as store:
        project = store.get_project("p")
        history = store.history(project, "beats")
        ids = [i for ids in made for i in ids]
        assert len(history) == len(ids) == writers * rounds  # no lost version
        assert [v.number for v in history] == list(range(1, writers * rounds + 1))
        assert {v.id for v in history} == set(ids)
        log = store.head_log(project, "beats")
        rollbacks = writers * (rounds // 4)
        assert len(log) == writers * rounds + rollbacks  # every head move logged
        assert {m["new_version"] for m in log} >= set(ids)
        # one unbroken chain from "no head" to today's head (an Euler path): a lost update would be two
        # moves from the same head, unbalancing it (the order is not read from timestamps)
        assert not head_log_problems(log, store.head(project, "beats").id, "beats")
        audit = store.audit_log(project, action="version.commit")
        assert len(audit) == writers * rounds
        assert {e.author for e in audit} == {f"user{n}" for n in range(writers)}
        assert len(store.audit_log(project, action="head.move")) == rollbacks
    print(f"conflicts retried: {sum(conflicts)}")


# -- two CLI processes and a studio session at once; the CLI runs again a command that lost a race ---------------
@pytest.mark.slow
def test_postgres_two_cli_processes_and_a_studio_session_lose_nothing(postgres_url):
    """benchmarks/stress_postgres_concurrent.py for 10 s (the same functions): two writers running real
    `aiuteur` processes and a studio session (the page models, clicked as the buttons do) write one
    project at once. Every reported version is in the store with its marker, numbers are 1..n, every
    head move is one chain in the head log, every write is in the audit log under its writer, and the
    only errors were retried conflicts."""
    from benchmarks.stress_postgres_concurrent import make_project, problems, run_writers, summary

    shots = make_project(postgres_url)
    logs = run_writers(postgres_url, shots, seconds=10)
    found = problems(postgres_url, logs)
    print(summary(logs, found))
    assert not found, found
    assert all(log.writes for log in logs), [(log.name, log.actions) for log in logs]  # every writer got writes in
    authors = {w.writer for log in logs for w in log.writes if w.action == "version.commit" and w.key.endswith(shots[0] + "/prompt")}
    assert len(authors) >= 2, authors  # the shared shot's prompt really had several writers


def test_postgres_the_checks_find_a_lost_version_a_missing_head_move_and_an_unaudited_write(postgres_url):
    """The stress run's checks read the workspace: they pass on what the writers did, and name a
    reported version that is not there, a head move taken out of the head log and a write whose
    audit-log row is not its writer's."""
    from aiuteur.models.prompts import ShotPrompt
    from benchmarks.stress_postgres_concurrent import PROJECT, Write, WriterLog, make_project, problems, prompt_key

    key = prompt_key(make_project(postgres_url)[0])
    log = WriterLog("panel-ana")
    with Store(postgres_url, user="panel-ana") as store:
        project = store.get_project(PROJECT)
        for marker in ("panel-ana #0", "panel-ana #1"):
            payload = store.head(project, key).model(ShotPrompt).model_copy(update={"frame_prompt": marker})
            log.writes.append(Write("panel-ana", "version.commit", key, marker, store.commit(project, key, payload).number))
    assert problems(postgres_url, [log]) == []

    lost = Write("panel-ana", "version.commit", key, "panel-ana #2", log.writes[-1].number + 1)
    found = problems(postgres_url, [WriterLog("panel-ana", writes=[*log.writes, lost])])
    assert any(f.startswith(f"lost version: panel-ana's {key} v{lost.number}") for f in found), found
    with Store(postgres_url) as store:
        project = store.get_project(PROJECT)
        last = store.head_log(project, key)[-1]
        store.db.execute("DELETE FROM head_log WHERE id = ?", [last["id"]])
        store.db.execute("UPDATE audit_log SET author = 'someone' WHERE action = 'version.commit' AND author = 'panel-ana'")
    found = problems(postgres_url, [log])
    assert any("the head log is not one chain" in f for f in found), found
    assert any(f.startswith("not in the audit log as its writer's") for f in found), found


def _cli(url: str, user: str, *argv: str) -> subprocess.Popen:
    from benchmarks.stress_postgres_concurrent import aiuteur_binary

    env = {k: v for k, v in os.environ.items() if not k.startswith("AIUTEUR_")}
    return subprocess.Popen([aiuteur_binary(), *argv, "-w", url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**env, "AIUTEUR_USER": user, "COLUMNS": "250"})


def test_postgres_a_cli_command_that_lost_a_race_runs_again_by_itself(postgres_url):
    """A real race: ana holds an uncommitted new version of a shot's prompt while ben's `aiuteur
    prompt-edit` writes the same prompt; ben's insert waits on ana's, and when ana commits, ben's
    write has lost (`HeadMoved`, nothing kept). The command runs again by itself, reads the new head
    and lands on top of it: exit 0, one line on stderr saying so, both versions kept."""
    from aiuteur.models.prompts import ShotPrompt
    from benchmarks.stress_postgres_concurrent import PROJECT, make_project, prompt_key

    shot = make_project(postgres_url)[0]
    key = prompt_key(shot)
    with Store(postgres_url, user="ana") as ana, Store(postgres_url, user="watcher") as watcher:
        project = ana.get_project(PROJECT)
        with ana.db.transaction():
            head = ana.head(project, key)
            ours = ana.commit(project, key, head.model(ShotPrompt).model_copy(update={"frame_prompt": "ana's lamp"}))
            ben = _cli(postgres_url, "ben", "prompt-edit", PROJECT, shot, "--frame", "ben's lamp")
            deadline = time.monotonic() + 180
            while ben.poll() is None and time.monotonic() < deadline:  # until ben's insert waits on ana's row
                if watcher.db.fetchone("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")[0]:
                    break
                time.sleep(0.1)
            assert ben.poll() is None, ben.communicate()
        out, err = ben.communicate(timeout=180)  # ana committed: ben's write lost the race
        assert ben.returncode == 0, err
        assert "lost a race to another writer and kept nothing; running the command again (2 of 8)" in err, err
        assert f"{key} v{ours.number + 1}: edited by hand" in out, out
        history = ana.history(project, key)
        assert [v.payload["frame_prompt"] for v in history[-2:]] == ["ana's lamp", "ben's lamp"]
        assert [v.number for v in history] == list(range(1, len(history) + 1))
        assert not head_log_problems(ana.head_log(project, key), ana.head(project, key).id, key)
        commits = [(e.author, e.detail["number"]) for e in ana.audit_log(project, action="version.commit")
                   if e.detail["artifact_key"] == key]
        assert commits[-2:] == [("ana", ours.number), ("ben", ours.number + 1)]


def test_a_cli_command_that_kept_a_change_is_not_run_again(tmp_path, monkeypatch):
    """A conflict after the command kept a change (here: the note was added, then recording its
    notification lost a race) is reported as it is: running it again would add the note twice."""
    from typer.testing import CliRunner

    from aiuteur import notify
    from aiuteur.cli import app
    from benchmarks.stress_postgres_concurrent import PROJECT, make_project

    workspace = tmp_path / "ws.duckdb"
    shot = make_project(str(workspace))[0]

    def lost(*args, **kwargs):
        raise WriteConflict("another writer changed the same rows at the same moment; nothing was written")

    monkeypatch.setattr(notify, "emit", lost)
    result = CliRunner().invoke(app, ["notes", PROJECT, "--add", "too dark", "--shot", shot, "--category", "look",
                                      "--assign", "ben", "-w", str(workspace)])
    assert result.exit_code == 1 and "another writer" in result.output, result.output
    assert "running the command again" not in result.output
    with Store(workspace) as store:
        assert [n.text for n in store.notes(store.get_project(PROJECT).id)] == ["too dark"]  # once


# -- a DuckDB file: wait for the lock, then succeed; a clear error after the timeout -------------------
def test_duckdb_a_second_process_waits_for_a_write_then_succeeds(tmp_path, config):
    workspace = tmp_path / "ws.duckdb"
    _new_workspace(workspace, config)
    holder = _child("hold", workspace, 90)  # holds its write until told to go on
    try:
        assert holder.stdout.readline().strip() == "HOLDING"
        waiter = _child("commit", workspace, 3, "waiter")
        said = waiter.stderr.readline()  # blocks until the waiter says it waits
        assert "is busy" in said and "waiting up to" in said, said  # the message a person sees
        time.sleep(0.5)
        assert waiter.poll() is None  # still waiting, not failed
        holder.stdin.write("go on\n")
        holder.stdin.flush()
        out, err = waiter.communicate(timeout=60)
    finally:
        if holder.poll() is None:
            holder.stdin.close()
        holder.wait(30)
    assert waiter.returncode == 0, err
    assert out.startswith("DONE 3")
    assert "Could not set lock" not in said + err and "Traceback" not in err
    with Store(workspace) as store:
        texts = [v.payload["text"] for v in store.history(store.get_project("p"), "beats")]
    assert texts == ["held write", "waiter 0", "waiter 1", "waiter 2"]


def test_duckdb_waiting_past_the_timeout_is_a_clear_error(tmp_path, config):
    workspace = tmp_path / "ws.duckdb"
    _new_workspace(workspace, config)
    holder = _child("hold", workspace, 90)
    try:
        assert holder.stdout.readline().strip() == "HOLDING"
        said: list[str] = []
        started = time.monotonic()
        with pytest.raises(WorkspaceBusy, match=r"stayed busy for 0.8 s \(process \d+ holds it\).*AIUTEUR_LOCK_TIMEOUT"):
            DuckDBDatabase(workspace, timeout=0.8, on_wait=said.append)
        assert 0.7 <= time.monotonic() - started < 3.0
        assert said and "is busy" in said[0]
    finally:
        holder.stdin.close()  # go on
        holder.wait(30)
    with Store(workspace) as store:  # the holder's write is whole, nothing of the refused open remains
        assert [v.payload["text"] for v in store.history(store.get_project("p"), "beats")] == ["held write"]


@pytest.mark.slow
def test_duckdb_two_writing_processes_take_turns(tmp_path, config):
    """Two processes committing in tight loops: each waits its turn, neither fails, nothing is lost."""
    workspace = tmp_path / "ws.duckdb"
    _new_workspace(workspace, config)
    a, b = _child("commit", workspace, 40, "a"), _child("commit", workspace, 40, "b")
    out_a, err_a = a.communicate(timeout=120)
    out_b, err_b = b.communicate(timeout=120)
    assert a.returncode == 0 and b.returncode == 0, (err_a, err_b)
    with Store(workspace) as store:
        history = store.history(store.get_project("p"), "beats")
    assert len(history) == 80 and [v.number for v in history] == list(range(1, 81))
    assert sorted(v.payload["text"] for v in history) == sorted([f"a {i}" for i in range(40)] + [f"b {i}" for i in range(40)])


# -- jobs: watched and cancelled from another process ---------------------------------------------------
@pytest.mark.slow
def test_a_job_running_in_another_process_is_watched_and_cancelled(workspace, config, tmp_path):
    _new_workspace(workspace, config)
    child = _child("video", workspace, tmp_path)
    try:
        seen = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and child.poll() is None:
            with Store(workspace, user="producer") as store:
                project = store.get_project("p")
                counts = jobs.progress(store, project)
                if counts.running == 1:
                    seen = counts
                    [job] = table.list_jobs(store, project.id)
                    assert jobs.cancel(store, project, job.id)  # from this process, not the runner's
                    break
            time.sleep(0.2)
        assert seen is not None, f"the job never showed as running: {child.poll()} {child.stderr.read() if child.poll() is not None else ''}"
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, err
    assert out.startswith("CANCELLED") and "provider told: True" in out
    with Store(workspace) as store:
        project = store.get_project("p")
        [job] = table.list_jobs(store, project.id)
        assert job.status == "cancelled"
        assert ledger.totals(store, project.id).reserved_usd == 0
