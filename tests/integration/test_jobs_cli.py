"""`aiuteur jobs|cancel|resume|budget|approve` as a user runs them, on a real workspace file."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from aiuteur.cli import app
from aiuteur.costs import ledger
from aiuteur.engines import registry
from aiuteur.engines.gateway import idempotency_key
from aiuteur.engines.protocols import ImageRequest
from aiuteur.jobs import queue
from aiuteur.jobs.testing import ScriptedEngine
from aiuteur.models.project import ProjectConfig
from aiuteur.store import open_store

cli = CliRunner()
IMAGE = "openai:gpt-image-1"


@pytest.fixture
def workspace(tmp_path):
    """A project with three queued image jobs, as a killed process would leave them."""
    path = tmp_path / "ws.duckdb"
    with open_store(path) as store:
        project = store.create_project("film", ProjectConfig(title="Film"))
        specs = []
        for i in range(3):
            request = ImageRequest(prompt=f"frame {i}", width=64, height=64)
            specs.append(queue.JobSpec(project=project, kind="image", stage="frames", engine=IMAGE,
                                       key=idempotency_key(IMAGE, "image", request), request=request,
                                       template_id="frame", template_version="1", estimate_usd=0.042))
        queue.enqueue(store, specs)
    return path


@pytest.fixture
def scripted_openai_images():
    """The registry's `openai:*` image engines are a scripted engine for the test's duration."""
    engine = ScriptedEngine(IMAGE)
    saved = registry._FACTORIES.get(("image", "openai"))
    registry.register("image", "openai", lambda model: engine)
    yield engine
    if saved is None:
        registry._FACTORIES.pop(("image", "openai"), None)
    else:
        registry.register("image", "openai", saved)


def invoke(*args: str):
    return cli.invoke(app, [str(a) for a in args])


def test_jobs_shows_progress_and_rows(workspace):
    shown = invoke("jobs", "film", "--json", "--workspace", workspace)
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["counts"] == {"queued": 3, "running": 0, "done": 0, "failed": 0, "cancelled": 0, "total": 3}
    assert [j["status"] for j in data["jobs"]] == ["queued"] * 3 and data["jobs"][0]["engine"] == IMAGE
    table = invoke("jobs", "film", "--workspace", workspace)
    assert "0/3 done" in table.output and "queued" in table.output


def test_cancel_one_then_all_releases_reservations(workspace):
    jobs_listed = json.loads(invoke("jobs", "film", "--json", "--workspace", workspace).output)["jobs"]
    one = invoke("cancel", "film", jobs_listed[0]["id"], "--json", "--workspace", workspace)
    assert json.loads(one.output) == {"cancelled": [jobs_listed[0]["id"]]}
    rest = invoke("cancel", "film", "--all", "--workspace", workspace)
    assert rest.exit_code == 0 and "cancelled 2 job(s)" in rest.output
    status = json.loads(invoke("budget", "film", "--json", "--workspace", workspace).output)
    assert status["reserved_usd"] == 0 and status["spent_usd"] == 0
    neither = invoke("cancel", "film", "--workspace", workspace)
    assert neither.exit_code == 1 and "exactly one of" in neither.output


def test_budget_set_show_and_bad_values(workspace):
    shown = json.loads(invoke("budget", "film", "--json", "--workspace", workspace).output)
    assert shown["budget"]["mode"] == "observe" and shown["reserved_usd"] == pytest.approx(3 * 0.042)
    set_ = invoke("budget", "film", "--set", "10", "--mode", "cap", "--approval-threshold", "2", "--json",
                  "--workspace", workspace)
    data = json.loads(set_.output)
    assert data["budget"] == {"limit_usd": 10.0, "mode": "cap", "approval_threshold_usd": 2.0, "stored": True}
    assert data["remaining_usd"] == pytest.approx(10 - 3 * 0.042)
    bad = invoke("budget", "film", "--mode", "spend", "--workspace", workspace)
    assert bad.exit_code == 1 and "not one of observe, warn, cap" in bad.output
    human = invoke("budget", "film", "--workspace", workspace)
    assert "$10.00" in human.output and "cap" in human.output
    cleared = json.loads(invoke("budget", "film", "--no-limit", "--no-threshold", "--json", "--workspace", workspace).output)
    assert cleared["budget"]["limit_usd"] is None and cleared["budget"]["mode"] == "observe"


def test_approve_records_who_approved_what(workspace):
    done = invoke("approve", "film", "sha256:abc", "--max-usd", "1.5", "--by", "producer", "--workspace", workspace)
    assert done.exit_code == 0 and "up to $1.50 (producer)" in done.output
    bad = invoke("approve", "film", "sha256:abc", "--max-usd", "-1", "--workspace", workspace)
    assert bad.exit_code == 1 and "max_usd" in bad.output


def test_resume_finishes_open_jobs_with_registry_engines(workspace, scripted_openai_images):
    resumed = invoke("resume", "film", "--json", "--workspace", workspace)
    assert resumed.exit_code == 0, resumed.output
    data = json.loads(resumed.output)
    assert data["counts"]["done"] == 3 and data["failed"] == [] and data["clips_filed"] == 0
    assert len(scripted_openai_images.calls) == 3
    again = invoke("resume", "film", "--workspace", workspace)
    assert "no open jobs" in again.output and len(scripted_openai_images.calls) == 3
    with open_store(workspace) as store:
        project = store.get_project("film")
        totals = ledger.totals(store, project.id)
        assert totals.reserved_usd == 0 and totals.spent_usd == pytest.approx(3 * 0.042)


def test_unknown_job_and_project_fail_clearly(workspace):
    missing = invoke("cancel", "film", "job_nope", "--workspace", workspace)
    assert missing.exit_code == 1 and "no job 'job_nope'" in missing.output
    nope = invoke("jobs", "nope", "--workspace", workspace)
    assert nope.exit_code == 1 and "no project 'nope'" in nope.output
