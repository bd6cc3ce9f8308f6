"""Open Job Description job templates for a project's render work (specification jobtemplate-2023-09).

A job holds what can run now without a person: before the cost gate (stage 11) that is the frames, a task
per scene (a scene's frames chain shot to shot where continuity needs it, so they stay one task); after
the gate is passed, the clips (a task per shot), the sound, the film and the export, each step depending on
the ones it reads. Every task is `aiuteur farm-task KIND PROJECT ... --workspace W`: it reads its inputs from
the shared workspace and media store, so any machine that sees them can run it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from aiuteur.engines.registry import Engines
from aiuteur.farm.tasks import FarmRefused
from aiuteur.models.project import Project
from aiuteur.store import Store

SPEC = "jobtemplate-2023-09"


@dataclass
class FarmPlan:
    """What a farm job for `project` will run, and with which engines."""

    project_id: str
    project_name: str
    title: str
    steps: list[str]
    scenes: list[int] = field(default_factory=list)
    shots: list[str] = field(default_factory=list)
    engines: dict[str, str] = field(default_factory=dict)
    next_step: str = ""  # what a person does after this job, if anything


def _confirmed(store: Store, project: Project) -> bool:
    from aiuteur.stages.confirm import KEY

    head = store.head(project, KEY)
    return head is not None and head.status == "locked" and store.staleness(head).status == "fresh"


def plan(store: Store, project: Project, engines: Engines) -> FarmPlan:
    """The job that can run now. Refuses (`FarmRefused`) while the prompts (stage 9) are not made."""
    from aiuteur.stages import prompts, shots
    from aiuteur.stages.confirm import all_shots

    from aiuteur.stages.gates import StageOrderError

    try:
        scenes = shots.scenes(store, project)
        every_shot = all_shots(store, project) if scenes else []
    except StageOrderError:  # no script or no shot lists yet
        scenes, every_shot = [], []
    missing = [s.shot_id for s in every_shot if store.head(project, prompts.key(s.shot_id)) is None]
    if not every_shot or missing:
        raise FarmRefused(f"project {project.name!r} has no prompts for {len(missing) or 'its'} shot(s) yet: run "
                          f"`aiuteur run {project.name} --until 9` first; a farm renders, it does not write")
    found = FarmPlan(project_id=project.id, project_name=project.name, title=project.config.title, steps=[],
                     engines=dict(engines.ids()))
    if _confirmed(store, project):
        found.steps = ["Clips", "Sound", "Film", "Export"]
        found.shots = [s.shot_id for s in every_shot]
    else:
        found.steps = ["Frames"]
        found.scenes = list(scenes)
        found.next_step = (f"when the frames are made and approved, pass the cost gate (`aiuteur confirm "
                           f"{project.name} --yes`), then hand the clips to the farm with `aiuteur farm "
                           f"{project.name}` again")
    return found


def _task_command(plan: FarmPlan, kind: str, *extra: str) -> dict:
    args = ["farm-task", kind, plan.project_id, *extra, "--workspace", "{{Param.Workspace}}"]
    for role in ("text", "image", "video"):
        if role in plan.engines:
            args += [f"--{role}", plan.engines[role]]
    return {"actions": {"onRun": {"command": "{{Param.Aiuteur}}", "args": args, "timeout": 3600}}}


def job_template(plan: FarmPlan, *, workspace: str, out_dir: str, aiuteur: str = "aiuteur") -> dict:
    """The job template as a dict (written as JSON; `openjd check` reads it)."""
    parameters = [
        {"name": "Workspace", "type": "STRING", "default": workspace,
         "description": "The shared workspace (a DuckDB file every worker sees, or postgresql://...)."},
        {"name": "Aiuteur", "type": "STRING", "default": aiuteur,
         "description": "The aiuteur command on the workers."},
        {"name": "OutDir", "type": "STRING", "default": out_dir,
         "description": "Where the Export step writes the delivery (a shared folder)."},
    ]
    steps: list[dict] = []
    if "Frames" in plan.steps:
        steps.append({"name": "Frames", "parameterSpace": {"taskParameterDefinitions": [
            {"name": "Scene", "type": "INT", "range": plan.scenes}]},
            "script": _task_command(plan, "frames", "--scene", "{{Task.Param.Scene}}")})
    if "Clips" in plan.steps:
        steps.append({"name": "Clips", "parameterSpace": {"taskParameterDefinitions": [
            {"name": "Shot", "type": "STRING", "range": plan.shots}]},
            "script": _task_command(plan, "clip", "--shot", "{{Task.Param.Shot}}")})
    if "Sound" in plan.steps:
        steps.append({"name": "Sound", "script": _task_command(plan, "sound")})
    if "Film" in plan.steps:
        steps.append({"name": "Film", "dependencies": [{"dependsOn": "Clips"}, {"dependsOn": "Sound"}],
                      "script": _task_command(plan, "film")})
    if "Export" in plan.steps:
        steps.append({"name": "Export", "dependencies": [{"dependsOn": "Film"}],
                      "script": _task_command(plan, "export", "--out", "{{Param.OutDir}}")})
    name = f"aiuteur {plan.project_name}: {' + '.join(plan.steps)}"
    return {"specificationVersion": SPEC, "name": name[:128], "parameterDefinitions": parameters, "steps": steps}


def job_bundle(plan: FarmPlan, folder: Path, *, workspace: str, out_dir: str, aiuteur: str = "aiuteur") -> Path:
    """A job bundle folder (`template.json` + `parameter_values.json`): what `openjd run` and AWS Deadline
    Cloud's `deadline bundle submit FOLDER` take. Refuses to write into a folder that is not empty."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise FarmRefused(f"{folder} exists and is not an empty folder: choose a new folder for the job bundle")
    template = job_template(plan, workspace=workspace, out_dir=out_dir, aiuteur=aiuteur)
    _check(template)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "template.json").write_text(json.dumps(template, indent=2) + "\n", encoding="utf-8")
    values = {"parameterValues": [{"name": "Workspace", "value": workspace}, {"name": "Aiuteur", "value": aiuteur},
                                  {"name": "OutDir", "value": out_dir}]}
    (folder / "parameter_values.json").write_text(json.dumps(values, indent=2) + "\n", encoding="utf-8")
    return folder


def _check(template: dict) -> None:
    """Validate against the specification with openjd-model when it is installed (extra `farm`)."""
    try:
        from openjd.model import DecodeValidationError, decode_job_template
    except ImportError:
        return
    try:
        decode_job_template(template=template)
    except DecodeValidationError as exc:  # our bug, not the user's: say so plainly
        raise FarmRefused(f"the job template does not validate against {SPEC}: {exc}") from exc
