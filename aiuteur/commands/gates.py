"""Gate verbs: one command per human gate (`aiuteur gates`, `treatment-select`, `beats-confirm`,
`script-approve`, `assets-lock`, `shots-lock`, `frames-approve`; `prompts-lock` and `confirm` live
with the prompt and cost commands), and `shot-edit`. Each calls `aiuteur.stages.gate_actions` —
the same call the Panel pages and the notebooks make.

An action that would make locked or finished work stale prints what it invalidates (versions,
shots, money already spent on them) and asks; `--yes` answers yes (scripts).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Optional

import typer
from rich.table import Table


def _dump(data: object) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def confirmed(act: Callable[[bool], Any], yes: bool) -> Any:
    """Run `act(confirm_invalidation)`; when it needs a confirmation, show the preview and ask
    (unless `yes`), then run it again confirmed. Shared by every command that can invalidate work."""
    from aiuteur.cli import err
    from aiuteur.stages.gate_actions import InvalidationNeedsConfirmation

    try:
        return act(yes)
    except InvalidationNeedsConfirmation as exc:
        preview = exc.preview
        err.print(preview.summary(), markup=False, highlight=False, soft_wrap=True)
        for v in preview.versions[:20]:
            err.print(f"  {v.key} v{v.number} ({v.status})", markup=False, highlight=False)
        if len(preview.versions) > 20:
            err.print(f"  ... and {len(preview.versions) - 20} more", markup=False, highlight=False)
        if not typer.confirm("Go ahead?", default=False, err=True):
            raise ValueError(f"not done: {preview.action} was not confirmed (add --yes to confirm)") from None
        return act(True)


def _versions(versions: list) -> list[dict]:
    from aiuteur.documents import version_rows

    return version_rows(versions)


def register(app: typer.Typer) -> None:
    from aiuteur.cli import JsonOpt, WorkspaceOpt, _guard, _store, console

    def _report(versions: list, as_json: bool, what: str) -> None:
        if as_json:
            from aiuteur.documents import gate_passed_document

            _dump(gate_passed_document(what, versions))
            return
        for v in versions:
            console.print(f"{v.label} {v.status}", markup=False, highlight=False)
        console.print(f"passed: {what}", markup=False, highlight=False)

    def _next(store, project) -> None:
        from aiuteur.stages.gate_actions import next_gate

        waiting = next_gate(store, project)
        if waiting is not None:
            console.print(f"next gate: stage {waiting.stage} ({waiting.title}): {waiting.waiting}; "
                          f"pass it with: {waiting.command}", markup=False, highlight=False)

    @app.command("gates")
    @_guard
    def gates_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """The human gates in order: which waits now, and the exact command that passes each."""
        from aiuteur.documents import gates_document

        with _store(workspace) as store:
            found = store.get_project(project)
            document = gates_document(store, found)
        if as_json:
            _dump(document)
            return
        rows = document["gates"]
        table = Table("#", "gate", "waits", "what", "command", title=f"{found.name}: gates")
        for r in rows:
            table.add_row(str(r["stage"]), r["title"], "[yellow]yes[/]" if r["waiting"] else "", r["what"], r["command"])
        console.print(table)

    @app.command("treatment-select")
    @_guard
    def treatment_select(
        project: str = typer.Argument(..., help="Project name, id or title."),
        variant: str = typer.Argument(..., help="The variant: A, B or C (or 0, 1, 2)."),
        yes: bool = typer.Option(False, "--yes", help="Confirm without asking when it makes finished work stale."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Stage 2 gate: select a treatment variant (asks first on a project with work made from another)."""
        from aiuteur.stages.gate_actions import select_treatment

        with _store(workspace) as store:
            found = store.get_project(project)
            version = confirmed(lambda ok: select_treatment(store, found, variant, confirm_invalidation=ok), yes)
            _report([version], as_json, f"stage 2, {version.message}")
            if not as_json:
                _next(store, found)

    def _simple(name: str, gate: str, help_text: str, what: str) -> None:
        @app.command(name, help=help_text)
        @_guard
        def command(
            project: str = typer.Argument(..., help="Project name, id or title."),
            workspace: Optional[Path] = WorkspaceOpt,
            as_json: bool = JsonOpt,
        ) -> None:
            from aiuteur.stages.gate_actions import pass_gate

            with _store(workspace) as store:
                found = store.get_project(project)
                versions = pass_gate(store, found, gate)
                _report(versions, as_json, what)
                if not as_json:
                    _next(store, found)
        command.__doc__ = help_text  # the help, and what the docs check

    _simple("beats-confirm", "beats", "Stage 3 gate: confirm (lock) the beat sheet.", "stage 3, beat sheet confirmed")
    _simple("script-approve", "script", "Stage 4 gate: approve (lock) the master script.", "stage 4, script approved")
    _simple("assets-lock", "assets", "Stage 5 gate: lock every master asset, the roster and every voice.",
            "stage 5, master assets and voices locked")

    @app.command("shots-lock")
    @_guard
    def shots_lock(
        project: str = typer.Argument(..., help="Project name, id or title."),
        scene: Optional[int] = typer.Option(None, "--scene", help="The scene (default: every scene whose list is a draft)."),
        force: bool = typer.Option(False, "--force", help="Lock although the list has validation problems."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Stage 7 gate: lock a scene's shot list (refused while it has problems, unless --force)."""
        from aiuteur.stages.gate_actions import pass_gate

        with _store(workspace) as store:
            found = store.get_project(project)
            versions = pass_gate(store, found, "shots", scene=scene, force=force)
            _report(versions, as_json, "stage 7, " + (f"scene {scene}'s shot list locked" if scene is not None
                                                      else f"{len(versions)} shot list(s) locked"))
            if not as_json:
                _next(store, found)

    @app.command("frames-approve")
    @_guard
    def frames_approve(
        project: str = typer.Argument(..., help="Project name, id or title."),
        shot: Optional[str] = typer.Option(None, "--shot", help="One shot's frames."),
        scene: Optional[int] = typer.Option(None, "--scene", help="Every shot of a scene."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Stage 10 gate: approve start/end frames (one shot, a scene, or every shot with frames)."""
        from aiuteur.stages.gate_actions import pass_gate

        if shot and scene is not None:
            raise ValueError("give --shot or --scene, not both")
        with _store(workspace) as store:
            found = store.get_project(project)
            versions = pass_gate(store, found, "frames", shot_id=shot, scene=scene)
            _report(versions, as_json, f"stage 10, frames of {len(versions)} shot(s) approved")
            if not as_json:
                _next(store, found)

    @app.command("shot-edit")
    @_guard
    def shot_edit(
        project: str = typer.Argument(..., help="Project name, id or title."),
        shot: str = typer.Argument(..., help="Shot id, e.g. SC010_SH0020."),
        values: list[str] = typer.Option([], "--set", help="FIELD=VALUE (repeatable): action, duration, characters, line..."),
        yes: bool = typer.Option(False, "--yes", help="Confirm without asking when frames or clips turn stale."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Edit one shot's fields (a new shot-list version); asks first when frames or clips were made."""
        from aiuteur.stages.gate_actions import edit_shot

        changes: dict[str, str] = {}
        for item in values:
            field, sep, value = item.partition("=")
            if not sep or not field.strip():
                raise ValueError(f"--set {item!r}: give FIELD=VALUE")
            changes[field.strip()] = value
        if not changes:
            raise ValueError("give at least one --set FIELD=VALUE")
        with _store(workspace) as store:
            found = store.get_project(project)
            scene = _scene_of(store, found, shot)
            version = confirmed(lambda ok: edit_shot(store, found, scene, shot, changes, confirm_invalidation=ok), yes)
        if as_json:
            _dump({"version": _versions([version])[0]})
        else:
            console.print(f"{version.label}: {version.message}", markup=False, highlight=False)


def _scene_of(store, project, shot_id: str) -> int:
    from aiuteur.stages.prompts import find_shot

    return find_shot(store, project, shot_id).scene
