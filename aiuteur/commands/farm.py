"""Render farm from the command line: `aiuteur farm` writes an Open Job Description job bundle for the
work that can run now; `aiuteur farm-task` is what each of its tasks runs (docs/farm.md)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    from aiuteur.cli import JsonOpt, WorkspaceOpt, _guard, _store, console

    @app.command("farm")
    @_guard
    def farm_command(
        project: str = typer.Argument(..., help="Project name, title or id."),
        out: Path = typer.Option(..., "--out", help="A new folder for the job bundle (template.json + parameter_values.json)."),
        deliver_to: Optional[Path] = typer.Option(None, "--deliver-to", help="Where the Export step writes the delivery "
                                                  "(default: <bundle>/delivery)."),
        aiuteur_cmd: str = typer.Option("aiuteur", "--aiuteur", help="The aiuteur command on the farm's workers."),
        text_engine: Optional[str] = typer.Option(None, "--text", help="Text engine id (default: as `run` chooses)."),
        image_engine: Optional[str] = typer.Option(None, "--image", help="Image engine id."),
        video_engine: Optional[str] = typer.Option(None, "--video", help="Video engine id."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Write a job bundle for the render work that can run now: the frames before the cost gate; the clips,
        sound, film and export after it. Run it with `openjd run` or submit it with `deadline bundle submit`."""
        from aiuteur.engines.config import engines_for
        from aiuteur.farm import job_bundle, plan

        with _store(workspace) as store:
            found = store.get_project(project)
            engines = engines_for(store, found, text=text_engine, image=image_engine, video=video_engine)
            job = plan(store, found, engines)
            folder = job_bundle(job, out, workspace=str(store.path), aiuteur=aiuteur_cmd,
                                out_dir=str((deliver_to or out / "delivery").resolve()))
        if as_json:
            from aiuteur.documents import farm_document

            print(json.dumps(farm_document(folder, job), indent=2))
            return
        tasks = len(job.scenes) + len(job.shots) + sum(s in job.steps for s in ("Sound", "Film", "Export"))
        console.print(f"job bundle {folder}: steps {', '.join(job.steps)} ({tasks} task(s))", markup=False)
        console.print(f"run here: openjd run {folder / 'template.json'} --step {job.steps[-1]} --run-dependencies "
                      "(the template's parameter defaults are this job's values)", markup=False, soft_wrap=True)
        if job.next_step:
            console.print(f"next: {job.next_step}", markup=False, soft_wrap=True)

    @app.command("farm-task")
    @_guard
    def farm_task_command(
        kind: str = typer.Argument(..., help="frames, clip, sound, film or export."),
        project: str = typer.Argument(..., help="Project name, title or id."),
        scene: Optional[int] = typer.Option(None, "--scene", help="frames: the scene number."),
        shot: Optional[str] = typer.Option(None, "--shot", help="clip: the shot id."),
        out: Optional[Path] = typer.Option(None, "--out", help="export: the delivery folder."),
        text_engine: Optional[str] = typer.Option(None, "--text", help="Text engine id."),
        image_engine: Optional[str] = typer.Option(None, "--image", help="Image engine id."),
        video_engine: Optional[str] = typer.Option(None, "--video", help="Video engine id."),
        seed: int = typer.Option(0, "--seed", help="Generation seed (as the local run used)."),
        workspace: Optional[Path] = WorkspaceOpt,
    ) -> None:
        """One farm task (what a job bundle's steps run): reads and writes the shared workspace."""
        from aiuteur.engines.config import engines_for
        from aiuteur.farm import run_task

        with _store(workspace) as store:
            found = store.get_project(project)
            engines = engines_for(store, found, text=text_engine, image=image_engine, video=video_engine)
            console.print(run_task(store, found, engines, kind, scene=scene, shot=shot, out=out, seed=seed), markup=False)
