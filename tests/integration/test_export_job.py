"""The delivery export as a job (issue 11): a row in `aiuteur jobs` with its progress, cancelled from
another process with nothing left behind, and the export's CLI output unchanged.

The export tests encode the demo film's shots with ffmpeg (demo_run); the local-job tests at the end
use a fresh workspace and no media.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aiuteur import jobs, open_store
from aiuteur.export.job import BackgroundExport, export_as_job, queue_export, run_export
from aiuteur.export.package import verify_package
from aiuteur.jobs import JobCancelled, local, table
from aiuteur.stages import delivery

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def workspace(demo_run, tmp_path) -> Path:
    source, _, _ = demo_run
    shutil.copy(source, tmp_path / "ws.duckdb")
    shutil.copytree(source.with_name("ws.media"), tmp_path / "ws.media")
    return tmp_path / "ws.duckdb"


def _cli(*args: str) -> subprocess.CompletedProcess:
    """`aiuteur ...` in a process of its own (another process than the test's, as a second terminal)."""
    return subprocess.run([sys.executable, "-m", "aiuteur.cli", *args], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "AIUTEUR_LOCK_TIMEOUT": "60", "COLUMNS": "250"}, timeout=300)


@pytest.mark.slow
def test_the_export_is_a_job_row_whose_progress_reaches_100_percent(workspace, tmp_path):
    rows_seen: list[str] = []
    steps: list[str] = []
    with open_store(workspace) as store:
        project = store.get_project("lighthouse")

        def watch(step) -> None:  # the row as `aiuteur jobs` would show it at each step
            steps.append(step.message)
            rows_seen.append(table.list_jobs(store, project.id)[-1].operation_id or "")

        result = export_as_job(store, project, tmp_path / "deliveries", codec="h264", handles=0, progress=watch)
        (job,) = table.list_jobs(store, project.id)
    assert (job.kind, job.stage, job.engine, job.status, job.estimated_cost) == ("export", "delivery", "aiuteur:export",
                                                                                  "done", 0.0)
    assert job.request["to"] == str(tmp_path / "deliveries") and job.request["codec"] == "h264"
    assert local.progress_of(job) == local.LocalProgress(100, f"done: {result.path}")
    percents = [int(row.split("%")[0]) for row in rows_seen if row]
    assert percents and percents == sorted(percents) and percents[-1] == 100 and percents[0] < 50, rows_seen
    # the row is written at most every PROGRESS_EVERY_S (a quick last step may not show there); the
    # caller's callback sees every step
    assert any("encoding" in row for row in rows_seen), rows_seen
    assert "moving the package into place" in steps and steps.index("moving the package into place") > max(
        i for i, message in enumerate(steps) if message.startswith("encoding")), steps
    verify_package(result.path)

    listed = _cli("jobs", "lighthouse", "-w", str(workspace), "--json")
    assert listed.returncode == 0, listed.stderr
    document = json.loads(listed.stdout)
    (row,) = document["jobs"]
    assert (row["id"], row["kind"], row["status"]) == (job.id, "export", "done")
    assert row["operation_id"] == f"100% done: {result.path}" and document["counts"]["done"] == 1
    table_view = _cli("jobs", "lighthouse", "-w", str(workspace))
    assert job.id in table_view.stdout and "100% done" in table_view.stdout

    from aiuteur.ui import StudioModel
    from aiuteur.ui.jobs_model import JobsModel

    (page_row,) = JobsModel(studio=StudioModel(workspace=str(workspace), project="lighthouse")).rows()
    assert (page_row["job"], page_row["progress"]) == (job.id, f"100% done: {result.path}")  # the Jobs page too


@pytest.mark.slow
def test_a_cancelled_export_leaves_no_package_no_temporary_folder_and_no_history_row(workspace, tmp_path):
    out = tmp_path / "deliveries"
    said: list[subprocess.CompletedProcess] = []
    with open_store(workspace) as store:
        project = store.get_project("lighthouse")
        job = queue_export(store, project, out, codec="h264")

        def cancel_from_another_process(step) -> None:
            if step.message.startswith("encoding") and step.done == 1 and not said:
                said.append(_cli("cancel", "lighthouse", job.id, "-w", str(workspace)))  # a second terminal

        with pytest.raises(JobCancelled, match="no package was written"):
            run_export(store, job, progress=cancel_from_another_process)
        row = table.get(store, job.id)
        history = delivery.export_history(store, project)
    assert said and said[0].returncode == 0 and "cancelled 1 job" in said[0].stdout, said
    assert row.status == "cancelled" and row.error == "cancelled by the user"
    assert local.progress_of(row).percent < 50  # stopped while encoding, not at the end
    assert list(out.iterdir()) == []  # no package, no hidden .part folder
    assert history == []


@pytest.mark.slow
def test_the_cli_export_prints_what_it_did_before_there_were_jobs_and_shows_in_jobs(workspace, tmp_path):
    from typer.testing import CliRunner

    from aiuteur.cli import app
    from aiuteur.documents import export_document
    from aiuteur.export.package import PackageResult, read_manifest

    runner = CliRunner()
    done = runner.invoke(app, ["export", "lighthouse", "--to", str(tmp_path / "out"), "--format", "otio",
                               "-w", str(workspace), "--json"])
    assert done.exit_code == 0, done.output
    made = json.loads(done.output)  # the document alone: no job id, no progress in the JSON
    package = Path(made["path"])
    assert made == export_document(PackageResult(path=package, name=package.name, manifest=read_manifest(package),
                                                 timelines={"otio": package / "The_Last_Light.otio"}, skipped={}))
    plain = runner.invoke(app, ["export", "lighthouse", "--to", str(tmp_path / "out"), "--format", "otio",
                                "-w", str(workspace)], env={"COLUMNS": "300"})
    assert plain.exit_code == 0, plain.output
    second = tmp_path / "out" / "The_Last_Light_v002"
    manifest = read_manifest(second)
    assert plain.output.strip().splitlines() == [  # as before there were jobs: the job id is on the progress bar only
        f"lighthouse: {len(manifest['shots'])} shots, {manifest['frames']} frames at {manifest['rate_label']} fps, "
        f"h264 -> {second}",
        f"  otio  {second / 'The_Last_Light.otio'}"]
    with open_store(workspace) as store:
        project = store.get_project("lighthouse")
        rows = table.list_jobs(store, project.id)
        history = delivery.export_history(store, project)
    assert [(r.kind, r.status) for r in rows] == [("export", "done")] * 2
    assert [(r.status, r.path) for r in history] == [("done", str(package)), ("done", str(second))]


@pytest.mark.slow
def test_the_delivery_page_runs_the_same_job_and_cancels_it(workspace, tmp_path):
    from aiuteur.ui import StudioModel
    from aiuteur.ui.delivery_model import DeliveryModel

    model = DeliveryModel(studio=StudioModel(workspace=str(workspace), project="lighthouse"))
    model.destination = str(tmp_path / "deliveries")
    started = model.start_export()
    assert isinstance(started, BackgroundExport) and model.job_id == started.job_id
    assert model.cancel_export()
    assert not model.wait(timeout=300)
    assert "was cancelled" in model.message and "history is unchanged" in model.message, model.message
    assert not (tmp_path / "deliveries").exists() or list((tmp_path / "deliveries").iterdir()) == []
    assert model.history() == [] and model.cancel_export() is False
    with open_store(workspace) as store:
        (row,) = table.list_jobs(store, store.get_project("lighthouse").id)
    assert (row.id, row.kind, row.status) == (started.job_id, "export", "cancelled")


# -- local jobs without media ----------------------------------------------------------------------------------
@pytest.fixture
def project(store, config):
    return store.create_project("p", config)


def test_a_local_job_that_fails_keeps_its_error_and_one_interrupted_is_cancelled(store, project):
    failing = local.queue(store, project, "export", stage="delivery", request={})

    def full_disk(report):
        report(1, 4, "writing")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        local.run(store, failing, full_disk)
    interrupted = local.queue(store, project, "export", stage="delivery", request={})

    def ctrl_c(report):
        report(1, 4, "encoding")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        local.run(store, interrupted, ctrl_c)
    rows = {j.id: j for j in table.list_jobs(store, project.id)}
    assert (rows[failing.id].status, rows[failing.id].error) == ("failed", "RuntimeError: disk full")
    assert rows[interrupted.id].status == "cancelled" and "interrupted" in rows[interrupted.id].error
    assert local.progress_of(rows[interrupted.id]) == local.LocalProgress(25, "encoding")
    assert jobs.progress(store, project) == jobs.JobCounts(failed=1, cancelled=1)


def test_a_cancel_after_the_last_step_is_too_late_to_stop_the_work(store, project):
    job = local.queue(store, project, "export", stage="delivery", request={})

    def work(report):
        report(3, 4, "moving the package into place")
        jobs.cancel(store, project, job.id)
        report(1, 1, "done: /somewhere")  # the work is over: never refused
        return "made"

    assert local.run(store, job, work) == "made"
    row = table.get(store, job.id)
    assert row.status == "cancelled" and local.progress_of(row) == local.LocalProgress(100, "done: /somewhere")


def test_an_export_left_open_by_a_dead_process_is_failed_and_resume_does_not_run_it(store, project):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    orphan = local.queue(store, project, "export", stage="delivery", request={})
    table.mark_attempt(store, orphan.id, 1)
    store.db.execute("UPDATE jobs SET call = ? WHERE id = ?",  # as if that (now dead) process had queued it
                     [json.dumps({"pid": gone.pid, "host": orphan.call["host"]}), orphan.id])
    ours = local.queue(store, project, "export", stage="delivery", request={})  # this process's: left alone
    assert jobs.resume(store, project) == []
    rows = {j.id: j for j in table.list_jobs(store, project.id)}
    assert rows[orphan.id].status == "failed" and f"pid {gone.pid}" in rows[orphan.id].error
    assert rows[ours.id].status == "queued"
