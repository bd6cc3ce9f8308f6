"""`aiuteur jobs|cancel|resume|budget|approve` as a user runs them, on a real workspace file: with
rejected paid output shown for what it is, and starts that may already be bought bought again only
when the user says so."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from aiuteur.cli import app
from aiuteur.costs import ledger
from aiuteur.engines.gateway import idempotency_key
from aiuteur.engines.protocols import ImageRequest
from aiuteur.jobs import queue
from aiuteur import jobs
from aiuteur.jobs import FakeClock, Runner
from aiuteur.jobs import table as jobs_table
from aiuteur.jobs.testing import ScriptedEngine, ScriptedOperationEngine
from aiuteur.models.project import ProjectConfig
from aiuteur.store import open_store
from tests.integration.jobs_fake_video import died_while_starting, registry_engine

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
    with registry_engine("image", "openai", ScriptedEngine(IMAGE)) as engine:
        yield engine


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


def test_jobs_says_why_paid_output_was_rejected(workspace):
    runner = Runner(clock=FakeClock())  # the backoffs between tries, without waiting them
    with registry_engine("image", "openai", ScriptedEngine(IMAGE, default="corrupt")) as engine, jobs.using(runner):
        resumed = invoke("resume", "film", "--json", "--workspace", workspace)
    runner.close()
    assert resumed.exit_code == 0, resumed.output
    assert len(json.loads(resumed.output)["failed"]) == 3 and len(engine.calls) == 3 * 5  # the retry policy's tries
    data = json.loads(invoke("jobs", "film", "--json", "--workspace", workspace).output)
    assert all("output rejected: image did not decode" in j["error"] for j in data["jobs"])
    shown = cli.invoke(app, ["jobs", "film", "--workspace", str(workspace)], env={"COLUMNS": "240"})
    assert "output rejected: image did not decode" in shown.output
    with open_store(workspace) as store:  # billed: five rejected images per job
        totals = ledger.totals(store, store.get_project("film").id)
        assert totals.spent_usd == pytest.approx(3 * 5 * 0.042) and totals.reserved_usd == 0


@pytest.fixture
def uncertain(tmp_path):
    """A workspace whose video start was in flight when its process died, and the provider's engine."""
    engine = ScriptedOperationEngine("veo:veo-3.1-fast-generate-preview", polls=1)
    path = tmp_path / "ws.duckdb"
    with open_store(path) as store:
        project = store.create_project("film", ProjectConfig(title="Film"))
        job = died_while_starting(store, engine, project, folder=tmp_path)
    with registry_engine("video", "veo", engine):
        yield path, engine, job


def test_resume_in_a_script_refuses_to_buy_an_uncertain_start_again(uncertain):
    path, engine, job = uncertain
    shown = cli.invoke(app, ["jobs", "film", "--workspace", str(path)], env={"COLUMNS": "240"})
    assert "may already be bought" in shown.output
    refused = invoke("resume", "film", "--workspace", path)
    assert refused.exit_code == 1
    assert "1 video start(s) may already be bought" in refused.output and job.id in refused.output
    assert "$0.60" in refused.output and "--rebuy-uncertain" in refused.output and "--skip-uncertain" in refused.output
    assert len(engine.starts) == 1
    both = invoke("resume", "film", "--rebuy-uncertain", "--skip-uncertain", "--workspace", path)
    assert both.exit_code == 1 and "not both" in both.output


def test_resume_rebuy_flag_buys_it_again(uncertain):
    path, engine, job = uncertain
    done = invoke("resume", "film", "--rebuy-uncertain", "--json", "--workspace", path)
    assert done.exit_code == 0, done.output
    data = json.loads(done.output)
    assert data["counts"]["done"] == 1 and [u["job_id"] for u in data["uncertain"]] == [job.id]
    assert data["uncertain"][0]["decision"] == "rebuy" and data["uncertain"][0]["possible_cost_usd"] == 0.6
    assert len(engine.starts) == 2


def test_resume_skip_flag_cancels_it(uncertain):
    path, engine, job = uncertain
    done = invoke("resume", "film", "--skip-uncertain", "--workspace", path)
    assert done.exit_code == 0, done.output
    assert "1 uncertain video start(s) cancelled" in done.output
    assert len(engine.starts) == 1
    with open_store(path) as store:
        assert jobs_table.get(store, job.id).status == "cancelled"


@pytest.mark.parametrize("answer, starts, status", [("b\n", 2, "done"), ("s\n", 1, "cancelled"), ("\n", 1, "running")])
def test_resume_at_a_terminal_lists_the_starts_and_asks(uncertain, monkeypatch, answer, starts, status):
    from aiuteur.commands import jobs as jobs_commands

    path, engine, job = uncertain
    monkeypatch.setattr(jobs_commands, "_interactive", lambda: True)
    asked = cli.invoke(app, ["resume", "film", "--workspace", str(path)], input=answer, env={"COLUMNS": "240"})
    assert asked.exit_code == 0, asked.output
    assert "1 video start(s) may already be bought" in asked.output and job.id in asked.output
    assert "$0.60" in asked.output and "Buy them again" in asked.output
    assert len(engine.starts) == starts
    with open_store(path) as store:
        assert jobs_table.get(store, job.id).status == status
