"""The Jobs tab's logic over a workspace with real queued jobs."""
from __future__ import annotations

from aiuteur import jobs
from aiuteur.jobs.queue import JobSpec
from aiuteur.ui import StudioModel
from aiuteur.ui.jobs_model import JobsModel
from aiuteur.ui.pages.jobs import summary_markdown
from aiuteur.engines.protocols import ImageRequest
from aiuteur.models.project import ProjectConfig
from aiuteur.store import open_store


def test_jobs_tab_shows_progress_and_cancels(tmp_path):
    workspace = tmp_path / "ws.duckdb"
    with open_store(workspace) as store:
        project = store.create_project("paid", ProjectConfig(title="Paid"))
        specs = [JobSpec(project=project, kind="image", stage="frames", engine="gemini:gemini-2.5-flash-image",
                         key=f"sha256:{i:064x}", request=ImageRequest(prompt=f"frame {i}", width=64, height=36),
                         template_id="frame", template_version="1", estimate_usd=0.039) for i in range(3)]
        jobs.enqueue(store, specs)
    model = JobsModel(studio=StudioModel(workspace=str(workspace)))
    assert model.progress() is None and model.rows() == []
    model.studio.project = "paid"
    assert model.progress().queued == 3 and len(model.rows()) == 3
    assert {r["status"] for r in model.rows()} == {"queued"}
    assert "3 queued" in summary_markdown(model) and "reserved $0.12" in summary_markdown(model)
    assert len(model.cancel_all()) == 3 and model.message == "cancelled 3 job(s)"
    assert model.progress().cancelled == 3 and "reserved $0.00" in summary_markdown(model)


def test_resume_asks_before_buying_again_a_start_that_may_be_bought(tmp_path):
    from aiuteur.jobs.testing import ScriptedOperationEngine
    from tests.integration.jobs_fake_video import died_while_starting

    engine = ScriptedOperationEngine("veo:veo-3.1-fast-generate-preview", polls=1)
    workspace = tmp_path / "ws.duckdb"
    with open_store(workspace) as store:
        project = store.create_project("paid", ProjectConfig(title="Paid"))
        first = died_while_starting(store, engine, project, "the keeper climbs", folder=tmp_path)
        second = died_while_starting(store, engine, project, "the lamp goes out", folder=tmp_path)
    model = JobsModel(studio=StudioModel(workspace=str(workspace), project="paid"),
                      engines={engine.id: engine})
    assert model.resume() is None  # nothing ran: the user is asked first
    assert [row["job"] for row in model.uncertain] == [first.id, second.id]
    assert all(row["may_have_cost_usd"] == 0.6 for row in model.uncertain)
    assert "2 video start(s) may already be bought (up to $1.20)" in model.message
    assert len(engine.starts) == 2
    assert {r["problem"] for r in model.rows()} == {"start sent, no answer saved: may already be bought"}

    report = model.confirm_uncertain(rebuy=True)
    assert report.decision == "rebuy" and model.uncertain == [] and len(engine.starts) == 4
    assert model.progress().done == 2 and "2 uncertain start(s) bought again" in model.message


def test_skipping_the_uncertain_starts_cancels_them(tmp_path):
    from aiuteur.jobs.testing import ScriptedOperationEngine
    from tests.integration.jobs_fake_video import died_while_starting

    engine = ScriptedOperationEngine("veo:veo-3.1-fast-generate-preview", polls=1)
    workspace = tmp_path / "ws.duckdb"
    with open_store(workspace) as store:
        died_while_starting(store, engine, store.create_project("paid", ProjectConfig(title="Paid")), folder=tmp_path)
    model = JobsModel(studio=StudioModel(workspace=str(workspace), project="paid"), engines={engine.id: engine})
    model.resume()
    model.confirm_uncertain(rebuy=False)
    assert len(engine.starts) == 1 and model.progress().cancelled == 1 and "reserved $0.00" in summary_markdown(model)
    assert model.confirm_uncertain(rebuy=True) is None and model.message == "nothing to confirm"


def test_the_jobs_page_shows_the_confirmation(tmp_path):
    from aiuteur.ui.pages.jobs import page

    studio = StudioModel(workspace=str(tmp_path / "ws.duckdb"))
    assert page(studio) is not None
