"""Stage gates and bad input: clear errors, nothing half-written."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from aiuteur import Engines, StageOrderError, StaleInputError, start_project
from aiuteur.models.project import ProjectConfig
from aiuteur.stages import beats, script, treatment
from aiuteur.stages.delivery import writable_folder
from aiuteur.stages.gates import StageError


@pytest.fixture
def started(store, idea):
    project, _ = start_project(store, "film", idea, ProjectConfig(title="T"))
    return project


def test_empty_idea_is_refused_and_nothing_is_written(store):
    with pytest.raises(ValidationError, match="idea"):
        start_project(store, "film", "   ", ProjectConfig(title="T"))
    assert store.list_projects() == []


def test_stage_out_of_order_names_the_stage_to_visit(store, started):
    with pytest.raises(StageOrderError, match="stage 2 'Treatment'"):
        beats.generate(store, started, Engines.offline())
    treatment.generate(store, started, Engines.offline())
    with pytest.raises(StageOrderError, match="select a variant"):
        beats.generate(store, started, Engines.offline())
    with pytest.raises(StageOrderError, match="stage 3 'Beat sheet'"):
        script.generate(store, started, Engines.offline())


def test_auto_lock_passes_gates_with_defaults(store, started):
    engines = Engines.offline()
    treatment.generate(store, started, engines)
    beats.generate(store, started, engines, auto_lock=True)
    assert store.head(started, "treatment").status == "locked"
    version = script.generate(store, started, engines, auto_lock=True)
    assert store.head(started, "beats").status == "locked" and version.inputs == [store.head(started, "beats").id]


def test_stale_inputs_are_refused_with_the_reason(store, started):
    engines = Engines.offline()
    treatment.generate(store, started, engines)
    treatment.select(store, started, 1)
    beats.generate(store, started, engines)
    beats.confirm(store, started)
    treatment.select(store, started, 2)  # the writer changes their mind upstream
    with pytest.raises(StaleInputError, match=r"beats v\d is stale \(treatment changed"):
        script.generate(store, started, engines)


def test_select_refuses_an_unknown_variant(store, started):
    treatment.generate(store, started, Engines.offline())
    with pytest.raises(StageError, match="choose 0..2"):
        treatment.select(store, started, 5)


def test_an_unwritable_output_folder_fails_before_any_work(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StageError, match="cannot write to the output folder"):
        writable_folder(blocker / "out")
