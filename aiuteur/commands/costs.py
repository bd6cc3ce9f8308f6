"""Cost gate (stage 11): `aiuteur estimate` (what finishing the film would still cost, by shot or
scene, what-ifs for other models and proposed changes) and `aiuteur confirm` (show it; with
`--yes`, pass the gate within the budget). Both call `aiuteur.stages.confirm`."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table


def register(app: typer.Typer) -> None:
    from aiuteur.cli import JsonOpt, WorkspaceOpt, _guard, _store, console

    def show(table_doc, title: str) -> None:
        table = Table("id", "label", "image $", "video $", "sound $", "total $", "paid", title=title)
        for r in table_doc.rows:
            table.add_row(r.id, r.label[:40], f"{r.image_usd:.2f}", f"{r.video_usd:.2f}", f"{r.sound_usd:.2f}",
                          f"{r.total_usd:.2f}", "yes" if r.paid_already else "")
        console.print(table)
        budget = f"${table_doc.budget_usd:.2f}" if table_doc.budget_usd is not None else "none"
        line = (f"total ${table_doc.total_usd:.2f}" + (f" for {table_doc.change}" if table_doc.change else "")
                + f"; spent ${table_doc.spent_usd:.2f}, committed ${table_doc.committed_usd:.2f}, budget {budget}"
                + (" — OVER BUDGET" if table_doc.over_budget else ""))
        console.print(line, markup=False, highlight=False)

    def engines_label(doc) -> str:
        return ", ".join(f"{k} {v}" for k, v in doc.engines.items())

    @app.command("estimate")
    @_guard
    def estimate_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        by: str = typer.Option("shot", "--by", help="shot or scene."),
        image_engine: Optional[str] = typer.Option(None, "--image", help="What-if: price frames on this image engine."),
        video_engine: Optional[str] = typer.Option(None, "--video", help="What-if: price clips on this video engine."),
        redo_frames_scene: Optional[int] = typer.Option(None, "--redo-frames-scene", help="What-if: re-doing this scene's frames (and clips)."),
        redo_frames_shot: Optional[str] = typer.Option(None, "--redo-frames-shot", help="What-if: re-doing this shot's frames (and clip)."),
        redo_video_scene: Optional[int] = typer.Option(None, "--redo-video-scene", help="What-if: re-doing this scene's clips."),
        redo_video_shot: Optional[str] = typer.Option(None, "--redo-video-shot", help="What-if: re-doing this shot's clip."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Stage 11: what finishing the film would still cost, by shot or scene (paid work at 0); what-ifs."""
        from aiuteur.engines.config import check_id
        from aiuteur.stages import confirm

        if by not in ("shot", "scene"):
            raise ValueError(f"--by {by!r}: choose shot or scene")
        changes = [c for c in (
            f"redo-frames-scene:{redo_frames_scene}" if redo_frames_scene is not None else None,
            f"redo-frames-shot:{redo_frames_shot}" if redo_frames_shot else None,
            f"redo-video-scene:{redo_video_scene}" if redo_video_scene is not None else None,
            f"redo-video-shot:{redo_video_shot}" if redo_video_shot else None) if c]
        if len(changes) > 1:
            raise ValueError("give one proposed change (--redo-...) at a time")
        engine_ids = {k: check_id(k, v) for k, v in (("image", image_engine), ("video", video_engine)) if v}
        with _store(workspace) as store:
            found = store.get_project(project)
            doc = confirm.what_if(store, found, changes[0] if changes else None, by=by, engine_ids=engine_ids or None)
        if as_json:
            from aiuteur.documents import estimate_document

            print(json.dumps(estimate_document(doc), indent=2))
            return
        show(doc, f"{found.name}: estimate by {by} ({engines_label(doc)})")

    @app.command("confirm")
    @_guard
    def confirm_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        yes: bool = typer.Option(False, "--yes", help="Pass the gate: approve the estimate (within the budget)."),
        by: str = typer.Option("scene", "--by", help="Show the table by shot or scene."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Stage 11 gate: show the estimate against the budget; with --yes approve it (video may then run)."""
        from aiuteur.stages import confirm
        from aiuteur.stages.gate_actions import pass_gate

        if by not in ("shot", "scene"):
            raise ValueError(f"--by {by!r}: choose shot or scene")
        with _store(workspace) as store:
            found = store.get_project(project)
            doc = confirm.estimate_table(store, found, by=by)
            version = pass_gate(store, found, "costs")[0] if yes else None
        if as_json:
            from aiuteur.documents import confirm_document

            print(json.dumps(confirm_document(doc, version), indent=2))
            return
        show(doc, f"{found.name}: cost confirmation ({engines_label(doc)})")
        if version is not None:
            console.print(f"approved: {version.label} ({version.message})", markup=False, highlight=False)
        else:
            console.print(f"not approved: run `aiuteur confirm {found.name} --yes` to pass the gate",
                          markup=False, highlight=False)
