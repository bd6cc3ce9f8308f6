"""One real offline run of the whole pipeline, shared by the integration tests that only read it."""
from __future__ import annotations

import pytest

from aiuteur import Engines, open_store, run, start_project
from aiuteur.models.project import ProjectConfig
from tests.conftest import LIGHTHOUSE


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """(workspace path, delivery folder, report) of a full offline run to stage 12."""
    root = tmp_path_factory.mktemp("demo")
    workspace = root / "ws.duckdb"
    with open_store(workspace) as store:
        project, _ = start_project(store, "lighthouse", LIGHTHOUSE, ProjectConfig(title="The Last Light"))
        report = run(store, project, Engines.offline(), out_dir=root / "out")
    return workspace, root / "out", report
