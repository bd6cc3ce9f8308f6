"""Workspaces from the command line: `aiuteur copy-project` (between files and PostgreSQL servers)
and `aiuteur audit` (who changed what, when). Thin: each calls the store (docs/studio-setup.md)."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    from aiuteur.cli import JsonOpt, WorkspaceOpt, _fail, _guard, _store, console, print_rows

    @app.command("copy-project")
    @_guard
    def copy_project_command(
        project: str = typer.Argument(..., help="Project name or id in the source workspace."),
        source: Optional[Path] = typer.Option(None, "--from", help="Source workspace: a .duckdb file or a "
                                                                    "postgresql:// URL (default: $AIUTEUR_WORKSPACE)."),
        target: Path = typer.Option(..., "--to", help="Target workspace: a .duckdb file or a postgresql:// URL."),
        as_json: bool = JsonOpt,
    ) -> None:
        """Copy a project (versions, heads, media, notes, jobs, costs, audit log) to another workspace."""
        from aiuteur.store.copy import copy_project
        from aiuteur.store.postgres import postgres_url

        if str(postgres_url(source) or source or "") == str(postgres_url(target) or target):
            _fail("--from and --to name the same workspace")
        with _store(source) as src, _store(target) as dst:
            summary = copy_project(src, project, dst)
        if as_json:
            console.print_json(json.dumps(summary.model_dump()))
            return
        rows = sum(summary.rows.values())
        console.print(f"copied project {summary.project} ({summary.project_id}): {rows} rows, "
                      f"{summary.media_files} media files ({summary.media_bytes} bytes new) "
                      f"from {summary.source} to {summary.target}", soft_wrap=True)

    @app.command("audit")
    @_guard
    def audit_command(
        project: Optional[str] = typer.Argument(None, help="Project name or id (default: the whole workspace)."),
        since: Optional[str] = typer.Option(None, "--since", help="Only changes at or after this UTC time "
                                                                   "(ISO, e.g. 2026-12-01 or 2026-12-01T09:30)."),
        action: Optional[str] = typer.Option(None, "--action", help="Only actions starting with this, e.g. budget."),
        user: Optional[str] = typer.Option(None, "--user", help="Only changes made by this user (the audit log's author)."),
        csv_out: Optional[Path] = typer.Option(None, "--csv", help="Write the log as CSV to this file."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Who changed what, when: versions, head moves, notes, approvals, budgets."""
        try:
            when = datetime.fromisoformat(since) if since else None
        except ValueError:
            _fail(f"--since {since!r} is not an ISO date or time (e.g. 2026-12-01T09:30)")
            return
        with _store(workspace) as store:
            if csv_out is not None:
                csv_out.write_text(store.audit_csv(project, when, action=action, author=user), encoding="utf-8")
                console.print(f"wrote {csv_out}")
                return
            entries = store.audit_log(project, when, action=action, author=user)
        if as_json:
            console.print_json(json.dumps([e.model_dump(mode="json") for e in entries]))
            return
        print_rows(f"{len(entries)} change(s)", ("when (UTC)", "who", "action", "detail"),
                   [[e.created_at.isoformat(sep=" ", timespec="seconds"), e.author, e.action,
                     json.dumps(e.detail, sort_keys=True)[:120]] for e in entries])
