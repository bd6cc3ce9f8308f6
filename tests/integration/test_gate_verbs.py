"""Every gate passable on purpose: `aiuteur run P --until video` stops at each human gate and
prints the exact command that passes it (running that command passes it); actions that would
make locked or finished work stale ask first and say what they invalidate."""
from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aiuteur import Engines, start_project
from aiuteur.cli import app
from aiuteur.models.project import ProjectConfig
from aiuteur.models.story import TreatmentSet
from aiuteur.pipeline import run
from aiuteur.stages import gate_actions, prompts, shots
from aiuteur.stages.confirm import all_shots
from aiuteur.stages.gate_actions import InvalidationNeedsConfirmation
from aiuteur.stages.status import project_status
from aiuteur.store import Store
from tests.conftest import LIGHTHOUSE

pytestmark = pytest.mark.slow
runner = CliRunner()
PASS_WITH = re.compile(r"Pass it with: (aiuteur .+?) \(or run with --lock-defaults\)")


def cli(*args: str, ok: bool = True, input: str | None = None):
    result = runner.invoke(app, list(args), input=input)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def started(tmp_path) -> str:
    path = tmp_path / "ws.duckdb"
    with Store(path) as store:
        start_project(store, "film", LIGHTHOUSE, ProjectConfig(title="The Last Light", target_minutes=0.5))
    return str(path)


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("finished")
    with Store(folder / "ws.duckdb") as store:
        project, _ = start_project(store, "film", LIGHTHOUSE, ProjectConfig(title="The Last Light", target_minutes=0.5))
        run(store, project, Engines.offline(), until="confirm")  # frames made and paid (nothing, offline)
    return folder


@pytest.fixture
def film(finished, tmp_path):
    shutil.copytree(finished, tmp_path / "ws")
    path = tmp_path / "ws" / "ws.duckdb"
    store = Store(path)
    yield store, store.get_project("film"), str(path)
    store.close()


def test_run_stops_at_each_gate_and_prints_the_command_that_passes_it(started):
    passed = []
    for _ in range(40):
        result = cli("run", "film", "--until", "confirm", "-w", started, ok=False)
        if result.exit_code == 0:
            break
        assert result.exit_code == 1, result.output
        found = PASS_WITH.search(flat(result.output))
        assert found, result.output
        command = shlex.split(found.group(1))[1:]
        stopped = re.search(r"stage (\d+) '", flat(result.output)).group(1)
        passed.append((int(stopped), command[0]))
        cli(*command, "-w", started)  # exactly what was printed passes the gate
    else:
        pytest.fail(f"the run never finished; gates passed: {passed}")
    with Store(started) as store:
        scenes = len(shots.scenes(store, store.get_project("film")))
    gates = [(2, "treatment-select"), (3, "beats-confirm"), (4, "script-approve"), (5, "assets-lock"),
             *[(7, "shots-lock")] * scenes, (9, "prompts-lock")]
    assert passed[:len(gates)] == gates  # one shot list at a time: each scene's is locked on its own
    frames_passes = passed[len(gates):]  # one scene's frames at a time
    assert frames_passes and set(frames_passes) == {(10, "frames-approve")}
    with Store(started) as store:
        project = store.get_project("film")
        waiting = gate_actions.next_gate(store, project)
        assert waiting is not None and waiting.gate == "costs" and waiting.command == "aiuteur confirm film --yes"
    cli(*shlex.split(waiting.command)[1:], "-w", started)
    with Store(started) as store:
        project = store.get_project("film")
        states = {s.slug: s.state for s in project_status(store, project)}
        assert all(states[slug] in ("locked", "done") for slug in list(states)[:11]), states
        assert store.head(project, "confirmation").status == "locked"
        assert gate_actions.next_gate(store, project) is None
        for shot in all_shots(store, project):
            assert store.head(project, prompts.key(shot.shot_id)).status == "locked"


def test_the_library_reports_where_a_run_stopped(started):
    with Store(started) as store:
        project = store.get_project("film")
        report = run(store, project, Engines.offline(), until="script", auto_lock=False)
        assert report.stopped_at is not None and report.stopped_at.gate == "treatment"
        assert report.stopped_at.command == "aiuteur treatment-select film A"
        assert store.head(project, "beats") is None  # nothing past the gate was made
        gate_actions.pass_gate(store, project, "treatment", variant="B")
        assert store.head(project, "treatment").model(TreatmentSet).selected == 1
        report = run(store, project, Engines.offline(), until="script", auto_lock=False)
        assert report.stopped_at.gate == "beats" and report.stopped_at.command == "aiuteur beats-confirm film"
        # run up to a stage whose own gate waits: it ran, nothing after it is needed, so no stop
        report = run(store, project, Engines.offline(), until="beats", auto_lock=False)
        assert report.stopped_at is None and gate_actions.next_gate(store, project).gate == "beats"


def test_selecting_another_variant_on_a_finished_film_asks_and_says_what_it_invalidates(film):
    store, project, path = film
    head = store.head(project, "treatment")
    selected = head.model(TreatmentSet).selected
    assert gate_actions.select_treatment(store, project, selected).id == head.id  # the same variant: nothing asked
    other = "B" if selected == 0 else "A"
    with pytest.raises(InvalidationNeedsConfirmation) as raised:
        gate_actions.select_treatment(store, project, other)
    preview = raised.value.preview
    keys = {v.key for v in preview.versions}
    shot_ids = [s.shot_id for s in all_shots(store, project)]
    assert {"beats", "script", "assets", "confirmation"} <= keys
    assert {f"shot/{sid}/frames" for sid in shot_ids} <= keys and preview.shots == sorted(shot_ids)
    assert {v.status for v in preview.versions if v.key in ("beats", "script")} == {"locked"}
    assert preview.asks and preview.spent_usd == 0.0  # offline work cost nothing
    assert store.head(project, "treatment").id == head.id  # nothing changed
    # the CLI shows it and asks; "no" leaves everything as it was
    result = cli("treatment-select", "film", other, "-w", path, ok=False, input="n\n")
    text = flat(result.output)
    assert result.exit_code == 1 and "stages 3-11" in text and f"{len(shot_ids)} shot(s)" in text
    assert "beats v" in text and "(locked)" in text and "not done" in text
    assert store.head(project, "treatment").id == head.id
    cli("treatment-select", "film", other, "-w", path, input="y\n")
    states = {s.slug: s.state for s in project_status(store, project)}
    assert states["treatment"] == "locked" and states["beats"] == "stale" and states["frames"] == "stale"


def test_editing_a_prompt_or_a_shot_once_frames_exist_asks_first(film):
    store, project, path = film
    shot = all_shots(store, project)[2]
    before = store.head(project, prompts.key(shot.shot_id))
    with pytest.raises(InvalidationNeedsConfirmation, match=f"editing {shot.shot_id}'s prompt makes") as raised:
        prompts.edit(store, project, shot.shot_id, video_prompt="[VISUAL] a slower take")
    keys = {v.key for v in raised.value.preview.versions}
    assert {f"shot/{shot.shot_id}/frames", "confirmation"} <= keys
    assert raised.value.preview.shots == [shot.shot_id]
    assert store.head(project, prompts.key(shot.shot_id)).id == before.id
    cli("prompt-edit", "film", shot.shot_id, "--video", "[VISUAL] a slower take", "-w", path, "--yes")
    assert store.head(project, prompts.key(shot.shot_id)).model(prompts.ShotPrompt).video_prompt == "[VISUAL] a slower take"
    # a shot edit: the CLI asks, and refuses without a yes
    other = all_shots(store, project)[0]
    result = cli("shot-edit", "film", other.shot_id, "--set", "action=Elsa waits", "-w", path, ok=False, input="n\n")
    assert result.exit_code == 1 and f"shot/{other.shot_id}/frames" in result.output
    heads_before = store.head(project, f"scene/{other.scene}/shots").id
    assert store.head(project, f"scene/{other.scene}/shots").id == heads_before
    cli("shot-edit", "film", other.shot_id, "--set", "action=Elsa waits", "-w", path, "--yes")
    assert store.head(project, f"scene/{other.scene}/shots").id != heads_before


def test_the_gates_command_lists_every_gate_and_what_waits(film):
    store, project, path = film
    import json

    data = json.loads(cli("gates", "film", "-w", path, "--json").stdout)
    assert [g["gate"] for g in data["gates"]] == [g.gate for g in gate_actions.GATES]
    assert data["next"] is None and not any(g["waiting"] for g in data["gates"])
    prompts.edit(store, project, all_shots(store, project)[0].shot_id, frame_prompt="[VISUAL] new", confirm_invalidation=True)
    data = json.loads(cli("gates", "film", "-w", path, "--json").stdout)
    assert data["next"]["gate"] == "prompts" and data["next"]["command"] == "aiuteur prompts-lock film"
