"""Render farm: the job bundles `aiuteur farm` writes validate against the Open Job Description
specification, and run locally with `openjd run` they produce the same clips as the local pipeline."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aiuteur import ProjectConfig, engines_for, open_store, run, start_project
from aiuteur.farm import FarmRefused, job_bundle, job_template, plan
from aiuteur.models.media import Film, ShotVideo
from aiuteur.models.project import Project
from aiuteur.render import probe
from aiuteur.stages import confirm, video
from aiuteur.stages.confirm import all_shots
from aiuteur.store import Store

BIN = Path(sys.executable).parent
IDEA = ("An aging lighthouse keeper named Elsa finds an old radio that picks up messages from her drowned brother "
        "Tomas. Her neighbour Jonah, a fisherman, thinks grief has broken her. When a storm threatens the harbor "
        "town, she must decide whether to trust the voice.")


def _start(path: Path, minutes: float = 0.6) -> tuple[Store, Project]:
    """A new project at the preview size: what is compared here (the same clips from the farm as from
    the local run) does not depend on the size, and the 40-shot render stays within CI's time."""
    store = open_store(path)
    project, _ = start_project(store, "farm", IDEA, ProjectConfig(title="The Last Light", target_minutes=minutes,
                                                                  resolution="preview"))
    return store, project


def _clip_hashes(store: Store, project: Project) -> dict[str, str]:
    return {s.shot_id: store.require_head(project, video.key(s.shot_id)).model(ShotVideo).media.sha256
            for s in all_shots(store, project)}


def _openjd(bundle: Path, step: str) -> None:
    openjd = BIN / "openjd"
    if not openjd.exists():
        pytest.fail("openjd-cli is not installed: `make install` installs the `farm` extra")
    result = subprocess.run([str(openjd), "run", str(bundle / "template.json"), "--step", step, "--run-dependencies"],
                            capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0 and "Session ended successfully" in result.stdout, result.stdout[-3000:]


def test_farm_is_refused_before_the_prompts_exist(tmp_path):
    store, project = _start(tmp_path / "early.duckdb")
    with pytest.raises(FarmRefused, match="--until 9"):
        plan(store, project, engines_for(store, project))
    store.close()


def test_job_template_steps_tasks_and_dependencies(tmp_path):
    from openjd.model import decode_job_template

    store, project = _start(tmp_path / "t.duckdb", minutes=0.3)
    run(store, project, until="prompts", auto_lock=True)
    engines = engines_for(store, project)
    before = plan(store, project, engines)
    assert before.steps == ["Frames"] and before.scenes and "aiuteur confirm" in before.next_step
    template = job_template(before, workspace=str(store.path), out_dir=str(tmp_path / "out"))
    decode_job_template(template=template)  # raises on anything the specification refuses
    frames_step = template["steps"][0]
    assert frames_step["parameterSpace"]["taskParameterDefinitions"][0]["range"] == before.scenes
    args = frames_step["script"]["actions"]["onRun"]["args"]
    assert args[:3] == ["farm-task", "frames", project.id] and "{{Task.Param.Scene}}" in args
    assert not any("key" in a.lower() for a in args)  # engine ids only, never a credential

    from aiuteur.ui.farm_model import FarmModel  # the studio's Farm tab: the same plan, the same bundle
    from aiuteur.ui.studio_model import StudioModel

    store.close()
    tab = FarmModel(studio=StudioModel(workspace=str(tmp_path / "t.duckdb"), project="farm"))
    assert tab.preview()["steps"] == ["Frames"]
    written = tab.write_bundle()
    assert json.loads((written / "template.json").read_text())["steps"][0]["name"] == "Frames"
    assert "openjd run" in tab.message and "aiuteur confirm" in tab.message
    store = open_store(tmp_path / "t.duckdb")
    project = store.get_project("farm")

    run(store, project, until="confirm", auto_lock=True)
    after = plan(store, project, engines)
    assert after.steps == ["Clips", "Sound", "Film", "Export"] and after.shots == [s.shot_id for s in all_shots(store, project)]
    template = job_template(after, workspace=str(store.path), out_dir=str(tmp_path / "out"))
    decode_job_template(template=template)
    deps = {s["name"]: [d["dependsOn"] for d in s.get("dependencies", [])] for s in template["steps"]}
    assert deps == {"Clips": [], "Sound": [], "Film": ["Clips", "Sound"], "Export": ["Film"]}
    with pytest.raises(FarmRefused, match="not an empty folder"):
        (tmp_path / "busy").mkdir()
        (tmp_path / "busy" / "x").write_text("someone else's")
        job_bundle(after, tmp_path / "busy", workspace=str(store.path), out_dir=str(tmp_path / "out"))
    store.close()


@pytest.mark.slow
def test_a_40_shot_render_on_openjd_matches_the_local_render(tmp_path):
    local_store, local = _start(tmp_path / "local.duckdb", minutes=3.0)
    run(local_store, local, auto_lock=True)
    local_clips = _clip_hashes(local_store, local)
    local_store.close()
    assert len(local_clips) >= 40, f"the sample idea gave {len(local_clips)} shots: raise target_minutes"

    store, project = _start(tmp_path / "farm.duckdb", minutes=3.0)
    run(store, project, until="prompts", auto_lock=True)
    engines = engines_for(store, project)
    first = job_bundle(plan(store, project, engines), tmp_path / "frames-job", workspace=str(store.path),
                       out_dir=str(tmp_path / "delivery"), aiuteur=str(BIN / "aiuteur"))
    store.close()  # the farm's tasks open the workspace themselves
    _openjd(first, "Frames")

    store = open_store(tmp_path / "farm.duckdb")
    project = store.get_project("farm")
    confirm.confirm(store, project, engines, approve=True)  # the person at the cost gate, not the farm
    second = job_bundle(plan(store, project, engines), tmp_path / "render-job", workspace=str(store.path),
                        out_dir=str(tmp_path / "delivery"), aiuteur=str(BIN / "aiuteur"))
    spec = json.loads((second / "template.json").read_text())
    assert len(spec["steps"][0]["parameterSpace"]["taskParameterDefinitions"][0]["range"]) == len(local_clips)
    store.close()
    _openjd(second, "Export")

    store = open_store(tmp_path / "farm.duckdb")
    project = store.get_project("farm")
    assert _clip_hashes(store, project) == local_clips  # the same clips, byte for byte
    film = store.require_head(project, video.FILM).model(Film)
    assert [c.shot_id for c in film.clips] == list(local_clips)
    media = [probe(p) for p in (tmp_path / "delivery").rglob("*") if p.suffix in (".mp4", ".mov")]
    delivered = max(media, key=lambda m: m.duration)  # the film, beside its shots
    assert abs(delivered.duration - film.duration) < 0.1 and delivered.has_audio
    store.close()
