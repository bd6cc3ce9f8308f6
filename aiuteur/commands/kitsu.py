"""Production tracking in Kitsu from the command line: `aiuteur kitsu-publish` (shots, clips as
previews, notes as comments), `aiuteur kitsu-sync` (Kitsu comments back as review notes) and
`aiuteur kitsu-status` (what is linked, without a network call). The login comes from
$AIUTEUR_KITSU_URL, $AIUTEUR_KITSU_EMAIL and $AIUTEUR_KITSU_PASSWORD only (docs/tracking.md)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer


def register(app: typer.Typer) -> None:
    from aiuteur.cli import JsonOpt, WorkspaceOpt, _guard, _store, console

    @app.command("kitsu-publish")
    @_guard
    def kitsu_publish_command(
        project: str = typer.Argument(..., help="Project name, title or id."),
        kitsu_project: Optional[str] = typer.Option(None, "--kitsu-project", help="The Kitsu production to publish "
                                                    "into (default: the one published to before, else the project's "
                                                    "name; made when missing)."),
        scene: Optional[List[int]] = typer.Option(None, "--scene", help="Only this scene's shots and clips "
                                                  "(repeatable; default: every scene)."),
        clips: bool = typer.Option(True, "--clips/--no-clips", help="Upload each shot's current clip as a preview."),
        notes: bool = typer.Option(True, "--notes/--no-notes", help="Post the review notes on shots as comments."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Publish a project to Kitsu: a sequence per scene, a shot per shot (frame in/out, frames, seconds),
        each current clip as a preview and the review notes as comments. Publishing again adds only what is new."""
        from aiuteur.tracking import kitsu

        with _store(workspace) as store:
            found = store.get_project(project)
            report = kitsu.publish(store, found, kitsu_project=kitsu_project, scenes=scene or None, clips=clips,
                                   notes=notes)
        if as_json:
            print(json.dumps(report.as_dict(), indent=2))
            return
        console.print(report.summary(), markup=False, soft_wrap=True)

    @app.command("kitsu-sync")
    @_guard
    def kitsu_sync_command(
        project: str = typer.Argument(..., help="Project name, title or id."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Read the comments people wrote in Kitsu on the project's shots back as review notes (each once)."""
        from aiuteur.tracking import kitsu

        with _store(workspace) as store:
            found = store.get_project(project)
            report = kitsu.sync_notes(store, found)
        if as_json:
            print(json.dumps(report.as_dict(), indent=2, default=str))
            return
        console.print(report.summary(), markup=False, soft_wrap=True)
        for note in report.notes:
            console.print(f"  {note['id']}  {note['shot']}  {note['author']}: {note['text'][:70]}", markup=False)

    @app.command("kitsu-status")
    @_guard
    def kitsu_status_command(
        project: str = typer.Argument(..., help="Project name, title or id."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """What Kitsu holds of a project, from the workspace alone (no network): shots, clips and notes linked."""
        from aiuteur.tracking import kitsu

        with _store(workspace) as store:
            found = store.get_project(project)
            state = kitsu.status(store, found)
        if as_json:
            print(json.dumps(state.as_dict(), indent=2))
            return
        console.print(state.summary(), markup=False, soft_wrap=True)
