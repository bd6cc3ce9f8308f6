"""Delivery from the command line: `aiuteur export`, `exports`, `archive` and `restore`.

Thin: each command calls `aiuteur.export.job` (the export, run as a job: `aiuteur jobs` lists it with
its progress, `aiuteur cancel` stops it), `aiuteur.stages.delivery` (the history) or `aiuteur.archive`
and prints a line or a table, or with `--json` the documented JSON (docs/cli.md, docs/delivery.md).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer


def register(app: typer.Typer) -> None:
    from aiuteur.cli import JsonOpt, WorkspaceOpt, _guard, _store, console

    @app.command("export")
    @_guard
    def export_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        to: Path = typer.Option(..., "--to", help="A folder (the package becomes a new <Title>_v### folder in it) "
                                                 "or a new FILE.zip."),
        codec: str = typer.Option("h264", "--codec", help="h264 (.mp4), prores (ProRes 422 HQ .mov) or "
                                                         "dnxhr (DNxHR HQ .mov)."),
        resolution: Optional[str] = typer.Option(None, "--resolution", help="WxH, 720p, 1080p or 2160p "
                                                                           "(default: each shot's own size)."),
        handles: Optional[int] = typer.Option(None, "--handles", min=0, help="Frames kept either side of each "
                                                                            "cut (default: the whole generated clip)."),
        formats: Optional[List[str]] = typer.Option(None, "--format", help="Only these timelines (repeatable): otio, "
                                                                          "edl, fcp7, fcpx, aaf (default: all available)."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Make the film's delivery package: versioned media, timelines, sound stems and manifest.json.
        It runs as a job: `aiuteur jobs` shows its progress, `aiuteur cancel P JOB` stops it (nothing written)."""
        from rich.progress import BarColumn, Progress, TextColumn

        from aiuteur.export.job import queue_export, run_export

        with _store(workspace) as store:
            found = store.get_project(project)
            job = queue_export(store, found, to.absolute(), codec=codec, resolution=resolution, handles=handles,
                               formats=formats or None)
            with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                          console=console, transient=True, disable=as_json) as bar:
                task = bar.add_task(f"export {job.id}", total=None)

                def tell(step) -> None:
                    bar.update(task, completed=step.done, total=step.total, description=f"{job.id}: {step.message}")

                result = run_export(store, job, progress=tell)
        if as_json:
            from aiuteur.documents import export_document

            print(json.dumps(export_document(result), indent=2, default=str))
            return
        manifest = result.manifest
        console.print(f"{found.name}: {len(manifest['shots'])} shots, {manifest['frames']} frames at "
                      f"{manifest['rate_label']} fps, {manifest['codec']} -> {result.path}")
        for name, path in result.timelines.items():
            console.print(f"  {name:5} {path}")
        for name, why in result.skipped.items():
            console.print(f"  [yellow]skipped {name}[/]: {why}")

    @app.command("exports")
    @_guard
    def exports_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """The project's export history (failed exports too)."""
        from rich.table import Table

        from aiuteur.stages import delivery

        with _store(workspace) as store:
            found = store.get_project(project)
            history = delivery.export_history(store, found)
        if as_json:
            from aiuteur.documents import exports_document

            print(json.dumps(exports_document(history), indent=2))
            return
        if not history:
            console.print(f"{found.name}: no exports yet (aiuteur export {found.name} --to DIR)")
            return
        table = Table("id", "finished", "status", "codec", "shots", "frames", "rate", "formats", "path / error",
                      title=f"{found.name}: exports")
        for r in history:
            table.add_row(r.id, r.finished_at, "[green]done[/]" if r.status == "done" else "[red]failed[/]", r.codec,
                          str(r.shots), str(r.frames), r.rate, ",".join(r.formats) or "-", r.error or r.path)
        console.print(table)

    @app.command("archive")
    @_guard
    def archive_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        file: Path = typer.Argument(..., help="The archive to write (a new .zip file)."),
        branch: Optional[str] = typer.Option(None, "--branch", help="Only this branch (default: every branch)."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Archive a project (versions, history, media) into one file that `aiuteur restore` reads."""
        from aiuteur.archive import archive_project

        with _store(workspace) as store:
            summary = archive_project(store, store.get_project(project), file, branch=branch)
        if as_json:
            print(summary.model_dump_json(indent=2))
            return
        console.print(f"{summary.project_name}: {summary.tables.get('versions', 0)} versions, {len(summary.media)} "
                      f"media files{' (branch ' + summary.branch + ')' if summary.branch else ''} -> {summary.path}")

    @app.command("restore")
    @_guard
    def restore_command(
        file: Path = typer.Argument(..., help="An archive made by `aiuteur archive`."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Restore an archived project into a workspace (refused if the project is already there)."""
        from aiuteur.archive import read_summary, restore_project

        summary = read_summary(file)
        with _store(workspace) as store:
            project = restore_project(store, file)
            where = str(store.path)
        if as_json:
            from aiuteur.documents import restore_document

            print(json.dumps(restore_document(project, summary, where), indent=2))
            return
        console.print(f"restored {project.name} ({summary.tables.get('versions', 0)} versions, "
                      f"{len(summary.media)} media files) into {where}")
