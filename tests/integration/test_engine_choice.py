"""Every entry point picks engines the one way — flag > AIUTEUR_*_ENGINE > the project's settings >
offline — and plug-in engines are picked exactly like built-in ones.

The proof is the generations table: the engine recorded for each call is the configured one. The
engines are the example plug-in's (examples/aiuteur-example-engines, installed in the dev
environment through its `aiuteur.engines` entry point): local and free, so no network, no fake.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from aiuteur import Engines, ProjectConfig, open_store, run, start_project
from aiuteur.cli import app
from aiuteur.engines.config import set_project_engines
from aiuteur.engines.gateway import idempotency_key
from aiuteur.engines.protocols import ImageRequest
from aiuteur.engines.registry import KINDS
from aiuteur.jobs import queue
from aiuteur.models.media import MediaRef
from aiuteur.stages.catalog import STAGES, stage_for_key
from aiuteur.ui import StudioModel
from aiuteur.ui.jobs_model import JobsModel
from aiuteur.ui.production_model import ProductionModel
from aiuteur.ui.story_model import StoryModel
from tests.conftest import LIGHTHOUSE
from tests.plugin_site import PAID_STAMP, hook, isolated_registry, with_path, write_plugin  # noqa: F401

BLUE, RED, SEPIA = "example:storyboard-blue", "example:storyboard-red", "example:storyboard-sepia"
WRITER = "example:draft-writer"
ROOT = Path(__file__).resolve().parents[2]
SLUGS = [s.slug for s in STAGES]
cli = CliRunner()


def invoke(*args: object):
    return cli.invoke(app, [str(a) for a in args])


def engines_recorded(workspace: Path, project: str = "film") -> dict[str, set[str]]:
    """kind -> the engine ids on the project's generation rows, for the kinds chosen per run (text,
    image, video; a voice names its own speech engine)."""
    with open_store(workspace) as store:
        rows = store.generations(store.get_project(project).id)
    found: dict[str, set[str]] = {}
    for row in rows:
        if row.kind in KINDS:
            found.setdefault(row.kind, set()).add(row.engine)
    return found


@pytest.fixture
def workspace(tmp_path) -> Path:
    path = tmp_path / "ws.duckdb"
    with open_store(path) as store:
        start_project(store, "film", LIGHTHOUSE, ProjectConfig(title="The Last Light"))
    return path


# -- the CLI -------------------------------------------------------------------------------------
def test_run_uses_the_project_settings_and_the_environment(workspace, monkeypatch):
    stored = invoke("use-engines", "film", "--image", BLUE, "--workspace", workspace)
    assert stored.exit_code == 0, stored.output
    monkeypatch.setenv("AIUTEUR_TEXT_ENGINE", WRITER)
    ran = invoke("run", "film", "--until", "assets", "--lock-defaults", "--json", "--workspace", workspace)
    assert ran.exit_code == 0, ran.output
    data = json.loads(ran.output)
    assert data["engines"] == {"text": WRITER, "image": BLUE, "video": "offline:animatic"}
    assert engines_recorded(workspace) == {"text": {WRITER}, "image": {BLUE}}
    assert [s["slug"] for s in data["stages"]] == SLUGS  # the engine settings are not a stage


def test_run_flag_beats_environment_beats_project(workspace, monkeypatch):
    assert invoke("use-engines", "film", "--image", SEPIA, "--workspace", workspace).exit_code == 0
    monkeypatch.setenv("AIUTEUR_IMAGE_ENGINE", BLUE)
    ran = invoke("run", "film", "--until", "assets", "--lock-defaults", "--image", RED, "--workspace", workspace)
    assert ran.exit_code == 0, ran.output
    assert engines_recorded(workspace) == {"text": {"offline:draft-writer"}, "image": {RED}}


def test_run_refuses_a_bad_configured_id_before_any_work(workspace, monkeypatch):
    monkeypatch.setenv("AIUTEUR_IMAGE_ENGINE", "example:storyboard-green")
    ran = invoke("run", "film", "--until", "assets", "--lock-defaults", "--workspace", workspace)
    assert ran.exit_code == 1 and "Traceback" not in ran.output
    message = " ".join(ran.output.split())
    assert "$AIUTEUR_IMAGE_ENGINE" in message and "example:storyboard-blue" in message  # where, and what would do
    assert engines_recorded(workspace) == {}


@pytest.mark.slow
def test_demo_with_a_plugin_engine_flag(tmp_path, monkeypatch):
    monkeypatch.setenv("AIUTEUR_TEXT_ENGINE", WRITER)
    workspace = tmp_path / "ws.duckdb"
    made = invoke("demo", "--image", BLUE, "--minutes", "0.5", "--resolution", "preview", "--out", tmp_path / "out",
                  "--workspace", workspace)  # a short, small film: what is checked is which engines made it
    assert made.exit_code == 0, made.output
    assert (tmp_path / "out" / "film.mp4").stat().st_size > 0
    assert engines_recorded(workspace, "demo") == {"text": {WRITER}, "image": {BLUE}, "video": {"offline:animatic"}}


def queue_stamp_jobs(workspace: Path, count: int = 2):
    """A project with `count` image jobs for the paid plug-in engine, as a killed process leaves them."""
    with open_store(workspace) as store:
        project = store.create_project("film", ProjectConfig(title="Film"))
        specs = []
        for i in range(count):
            request = ImageRequest(prompt=f"frame {i}", width=32, height=18)
            specs.append(queue.JobSpec(project=project, kind="image", stage="frames", engine="paidstamp:blue",
                                       key=idempotency_key("paidstamp:blue", "image", request), request=request,
                                       template_id="frame", template_version="1", estimate_usd=0.002))
        queue.enqueue(store, specs)
    return project


def test_resume_finishes_jobs_with_the_plugin_engine_they_were_queued_for(tmp_path):
    """A paid plug-in's jobs, left open by a killed process, are finished by `aiuteur resume` in a
    new process that finds the plug-in through its entry point — and bills the plug-in's own price."""
    site = write_plugin(tmp_path / "site", "paidstamp-engines", "paidstamp_plugin", PAID_STAMP)
    workspace = tmp_path / "ws.duckdb"
    project = queue_stamp_jobs(workspace)

    def resume(extra_env: dict[str, str]) -> subprocess.CompletedProcess:
        command = [sys.executable, "-c", "from aiuteur.cli import app; app()", "resume", "film", "--json",
                   "--workspace", str(workspace)]
        return subprocess.run(command, env={**os.environ, **extra_env}, cwd=tmp_path, capture_output=True,
                              text=True, timeout=180)

    missing = resume({})  # the plug-in is not installed: one clear line, nothing run
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert "paidstamp:blue" in missing.stderr
    done = resume({"PYTHONPATH": with_path(site)})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["counts"]["done"] == 2
    with open_store(workspace) as store:
        rows = store.generations(project.id)
        assert {(g.engine, g.status, g.actual_cost) for g in rows} == {("paidstamp:blue", "ok", 0.002)}
        with Image.open(store.media_path(MediaRef.model_validate(rows[0].output))) as image:
            assert image.getpixel((5, 5)) == (0, 0, 255)


# -- the library ---------------------------------------------------------------------------------
def test_pipeline_run_without_engines_resolves_for_the_project(store, monkeypatch):
    project, _ = start_project(store, "film", LIGHTHOUSE, ProjectConfig(title="The Last Light"))
    set_project_engines(store, project, image=BLUE)
    monkeypatch.setenv("AIUTEUR_TEXT_ENGINE", WRITER)
    run(store, project, until="assets")
    rows = store.generations(project.id)
    assert {(g.kind, g.engine) for g in rows} == {("text", WRITER), ("image", BLUE)}


def test_explicit_engines_are_still_honoured(store, monkeypatch):
    project, _ = start_project(store, "film", LIGHTHOUSE, ProjectConfig(title="The Last Light"))
    monkeypatch.setenv("AIUTEUR_IMAGE_ENGINE", BLUE)
    run(store, project, Engines.offline(), until="assets")
    assert {g.engine for g in store.generations(project.id)} == {"offline:draft-writer", "offline:storyboard"}


# -- Panel models --------------------------------------------------------------------------------
def test_story_model_writes_with_the_configured_text_engine(workspace):
    with open_store(workspace) as store:
        set_project_engines(store, store.get_project("film"), text=WRITER)
    model = StoryModel(workspace=str(workspace), project="film")
    model.generate_treatments()
    model.select_variant(0)
    model.generate_beats()
    model.confirm_beats()
    model.generate_script()
    assert "failed" not in model.message and "master script written" in model.message
    with open_store(workspace) as store:
        rows = store.generations(store.get_project("film").id)
    assert {(g.stage, g.engine) for g in rows} == {("treatment", WRITER), ("beats", WRITER), ("script", WRITER)}


def test_production_model_redraws_with_the_configured_image_engine(workspace, monkeypatch):
    with open_store(workspace) as store:
        run(store, store.get_project("film"), Engines.offline(), until="assets")
    monkeypatch.setenv("AIUTEUR_IMAGE_ENGINE", RED)
    model = ProductionModel(workspace=str(workspace), project="film")
    model.asset = model.asset_cards()[0]["slug"]
    model.guidance = "soaked by the storm"
    assert model.regenerate(), model.message
    with open_store(workspace) as store:
        rows = [g for g in store.generations(store.get_project("film").id) if g.kind == "image"]
    redrawn = [g for g in rows if "soaked by the storm" in g.rendered_prompt]
    assert [g.engine for g in redrawn] == [RED]
    assert {g.engine for g in rows if g not in redrawn} == {"offline:storyboard"}


def test_jobs_model_resumes_with_the_plugin_engine_the_jobs_name(isolated_registry, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(write_plugin(tmp_path / "site", "paidstamp-engines", "paidstamp_plugin",
                                                 PAID_STAMP)))
    assert isolated_registry.load_plugins([hook("paidstamp", "paidstamp_plugin")]) == []
    workspace = tmp_path / "ws.duckdb"
    project = queue_stamp_jobs(workspace)
    model = JobsModel(studio=StudioModel(workspace=str(workspace), project="film"))
    report = model.resume()
    assert report is not None and "2 done" in model.message, model.message
    with open_store(workspace) as store:
        rows = store.generations(project.id)
    assert {(g.engine, g.status, g.actual_cost) for g in rows} == {("paidstamp:blue", "ok", 0.002)}


# -- the notebooks -------------------------------------------------------------------------------
@pytest.mark.parametrize("notebook,variable,engine,last", [
    ("02_story.ipynb", "AIUTEUR_TEXT_ENGINE", WRITER, None),
    ("03_production.ipynb", "AIUTEUR_IMAGE_ENGINE", BLUE, "regenerate_image"),  # its image work; shots take long
])
def test_notebook_code_uses_the_configured_engine(notebook, variable, engine, last, tmp_path, monkeypatch):
    """The code cells run in order, as the kernel would (up to the one calling `last`), with one
    engine configured in the environment."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the notebook's workspace goes in tmp_path
    monkeypatch.chdir(ROOT / "notebooks")
    monkeypatch.setenv(variable, engine)
    cells = json.loads((ROOT / "notebooks" / notebook).read_text(encoding="utf-8"))["cells"]
    namespace: dict = {"__name__": "__main__"}
    for index, cell in enumerate(cells):
        if cell["cell_type"] == "code":
            code = "".join(cell["source"])
            exec(compile(code, f"{notebook}[{index}]", "exec"), namespace)  # noqa: S102
            if last and last in code:
                break
    namespace["store"].close()  # the notebook may have closed it already; closing twice is harmless
    kind = "text" if variable == "AIUTEUR_TEXT_ENGINE" else "image"
    with open_store(namespace["store"].path) as store:
        recorded = {g.engine for g in store.generations(namespace["project"].id) if g.kind == kind}
    assert recorded == {engine}


# -- `use-engines` breaks nothing ----------------------------------------------------------------
def test_after_use_engines_status_engines_studio_and_branches_work(workspace):
    assert invoke("use-engines", "film", "--image", BLUE, "--text", WRITER, "--workspace", workspace).exit_code == 0
    status = invoke("status", "film", "--json", "--workspace", workspace)
    assert status.exit_code == 0, status.output
    assert [row["slug"] for row in json.loads(status.output)] == SLUGS
    table = invoke("status", "film", "--workspace", workspace)
    assert table.exit_code == 0 and "settings" not in table.output
    shown = invoke("engines", "--project", "film", "--json", "--workspace", workspace)
    assert shown.exit_code == 0, shown.output
    project = json.loads(shown.output)["project"]
    assert project["ids"]["image"] == BLUE and project["sources"] == {"text": "project", "image": "project",
                                                                      "video": "default"}
    branches = invoke("branch", "film", "list", "--json", "--workspace", workspace)
    assert branches.exit_code == 0, branches.output
    studio = StudioModel(workspace=str(workspace))
    studio.project = "film"
    assert [s.slug for s in studio.stages()] == SLUGS and studio.stages()[0].state != "not started"
    assert [s.slug for s in StoryModel(workspace=str(workspace), project="film").stages()] == SLUGS
    with pytest.raises(KeyError, match="project setting"):
        stage_for_key("settings/engines")
