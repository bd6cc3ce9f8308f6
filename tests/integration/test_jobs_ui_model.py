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
