"""Many people at once on one workspace.

PostgreSQL: writers are truly concurrent; versions and head moves are transactional, and a head
moved under a writer is `HeadMoved` (a retryable `WriteConflict`), never a lost update. A DuckDB
file: one writing process at a time, but the others wait for it (with a message) instead of
failing, and give up with `WorkspaceBusy` after the timeout. Jobs are watched and cancelled from
another process on both."""
from __future__ import annotations

import os
from collections import Counter
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
        leaving = Counter(m["old_version"] for m in log)
        arriving = Counter(m["new_version"] for m in log)
        final = store.head(project, "beats").id
        for node in set(leaving) | set(arriving):
            expected = 1 if node is None else -1 if node == final else 0
            assert leaving[node] - arriving[node] == expected, node
        audit = store.audit_log(project, action="version.commit")
        assert len(audit) == writers * rounds
        assert {e.author for e in audit} == {f"user{n}" for n in range(writers)}
        assert len(store.audit_log(project, action="head.move")) == rollbacks
    print(f"conflicts retried: {sum(conflicts)}")


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
