"""The quality bar: kill the process in the middle of a 40-shot video batch, resume in a new
process, and no shot is paid for twice and none that finished is lost.

A real subprocess runs stage 12 against a paid-looking long-running video provider on
127.0.0.1 (which lives here, so its operations outlive the killed client) and is SIGKILLed
while operations are in flight. A second process resumes. The provider's request log says what
was asked and billed; the workspace says what was kept.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aiuteur import open_store
from aiuteur.costs import ledger
from aiuteur.models.media import ShotVideo
from aiuteur.stages import video
from aiuteur.stages.confirm import all_shots
from tests.integration.jobs_fake_video import ENGINE_ID, FakeVideoProvider, confirm_video_on, copy_workspace

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).with_name("jobs_batch_script.py")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def confirmed(demo_run, tmp_path) -> Path:
    """The shared demo project (40+ shots, frames done), its video confirmed on the paid engine."""
    workspace = copy_workspace(demo_run, tmp_path)
    with open_store(workspace) as store:
        confirm_video_on(store, store.get_project("lighthouse"), ENGINE_ID)
    return workspace


def _child(mode: str, workspace: Path, base_url: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("LANGSMITH_TRACING", None)
    return subprocess.Popen([sys.executable, str(SCRIPT), mode, str(workspace), base_url], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_killed_mid_batch_then_resumed_pays_for_no_shot_twice_and_loses_none(confirmed):
    with open_store(confirmed) as store:
        project = store.get_project("lighthouse")
        shots = [s.shot_id for s in all_shots(store, project)]
    assert len(shots) >= 40

    with FakeVideoProvider(latency=0.6) as provider:
        child = _child("run", confirmed, provider.base_url)
        try:
            started = provider.wait_for_downloads(12, timeout=120)
            assert started, child.stderr.read() if child.poll() is not None else "the batch never got going"
            child.send_signal(signal.SIGKILL)
            child.wait(10)
        finally:
            if child.poll() is None:
                child.kill()
        killed_at = time.monotonic()
        assert child.returncode == -signal.SIGKILL

        with open_store(confirmed) as store:  # what the dead process left
            project = store.get_project("lighthouse")
            before = {j.idempotency_key: j for j in store_jobs(store, project)}
        done_before = {k for k, j in before.items() if j.status == "done"}
        in_flight = {k: j.operation_id for k, j in before.items() if j.status == "running" and j.operation_id}
        assert len(before) == len(shots)  # the whole batch was queued at once
        assert 0 < len(done_before) < len(shots) and in_flight  # killed mid-batch, operations in flight

        resumed = _child("resume", confirmed, provider.base_url)
        out, err = resumed.communicate(timeout=180)
        assert resumed.returncode == 0, err
        assert f"clips {len(shots)}" in out

        created = provider.events("create")
        # every shot was requested (billed) exactly once, across both processes
        assert sorted(k for _, _, k, _ in created) == sorted(before)
        assert len(created) == len(shots)
        after = [e for e in provider.log if e[0] >= killed_at]
        for key in done_before:  # finished before the kill: never asked for again
            assert not [e for e in after if e[2] == key], key
        for key, operation in in_flight.items():  # in flight at the kill: polled, not started again
            assert not [e for e in after if e[2] == key and e[1] in ("start", "create")], key
            assert any(e[1] == "poll" and e[3] == operation for e in after), key

    with open_store(confirmed) as store:
        project = store.get_project("lighthouse")
        jobs_now = store_jobs(store, project)
        assert {j.status for j in jobs_now} == {"done"} and len(jobs_now) == len(shots)
        videos = [g for g in store.generations(project.id) if g.kind == "video" and g.engine == ENGINE_ID]
        assert [g.status for g in videos] == ["ok"] * len(shots)  # one paid generation per shot, none lost
        assert len({g.idempotency_key for g in videos}) == len(shots)
        for shot_id in shots:  # every shot has its clip filed, from the provider
            head = store.head(project, video.key(shot_id))
            assert head is not None and head.generation_id in {g.id for g in videos}
            assert store.has_media(head.model(ShotVideo).media)
        totals = ledger.totals(store, project.id)
        assert totals.reserved_usd == 0
        assert totals.spent_usd == pytest.approx(sum(g.actual_cost for g in videos))
        assert totals.spent_usd == pytest.approx(sum(0.15 * s.duration for s in all_shots(store, project)))


def store_jobs(store, project):
    from aiuteur.jobs import list_jobs

    return list_jobs(store, project.id)
