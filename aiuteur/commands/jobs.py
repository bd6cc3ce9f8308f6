"""`aiuteur jobs|cancel|resume|budget|approve`: jobs and budgets from the command line.

Thin: each command calls `aiuteur.jobs` or `aiuteur.costs.budgets` and prints the result.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table


def _job_row(job) -> dict:
    return {
        "id": job.id, "batch_id": job.batch_id, "stage": job.stage, "kind": job.kind, "engine": job.engine,
        "status": job.status, "attempts": job.attempts, "estimated_cost": job.estimated_cost,
        "operation_id": job.operation_id, "error": job.error, "provider_reason": job.provider_reason,
        "generation_id": job.generation_id, "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def _counts(counts) -> dict:
    return {**counts.model_dump(), "total": counts.total}


def _status_payload(status) -> dict:
    return {"budget": status.budget.model_dump(exclude={"project_id"}), "spent_usd": status.spent_usd,
            "reserved_usd": status.reserved_usd, "committed_usd": status.committed_usd,
            "remaining_usd": status.remaining_usd}


def _money(value: float | None) -> str:
    return "—" if value is None else f"${value:,.2f}"


def register(app: typer.Typer) -> None:
    from aiuteur.cli import JsonOpt, WorkspaceOpt, _guard, _store, console

    @app.command("jobs")
    @_guard
    def jobs_command(
        project: str = typer.Argument(..., help="Project name or id."),
        status: Optional[List[str]] = typer.Option(None, "--status", help="Only jobs in this state (repeatable)."),
        batch: Optional[str] = typer.Option(None, "--batch", help="Only the jobs of this batch."),
        limit: int = typer.Option(30, "--limit", help="Show the last N jobs."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Job progress (done/running/queued/failed/cancelled) and the project's jobs."""
        from aiuteur import jobs

        with _store(workspace) as store:
            found = store.get_project(project)
            counts = jobs.progress(store, found, batch_id=batch)
            rows = jobs.list_jobs(store, found.id, batch_id=batch, statuses=status or None)[-max(0, limit):] if limit else []
            if as_json:
                print(json.dumps({"counts": _counts(counts), "jobs": [_job_row(j) for j in rows]}, indent=2))
                return
            console.print(f"{found.name}: {counts}")
            if not rows:
                return
            colours = {"done": "green", "running": "cyan", "queued": "yellow", "failed": "red", "cancelled": "dim"}
            table = Table("job", "stage", "engine", "status", "tries", "est.", "operation / error")
            for job in rows:
                detail = job.error or job.operation_id or ""
                if job.provider_reason and job.provider_reason not in detail:
                    detail += f" ({job.provider_reason})"
                table.add_row(job.id, job.stage, job.engine, f"[{colours[job.status]}]{job.status}[/]",
                              str(job.attempts), _money(job.estimated_cost), detail[:80])
            console.print(table)

    @app.command("cancel")
    @_guard
    def cancel_command(
        project: str = typer.Argument(..., help="Project name or id."),
        job_id: Optional[str] = typer.Argument(None, help="The job to cancel."),
        batch: Optional[str] = typer.Option(None, "--batch", help="Cancel every open job of this batch."),
        all_jobs: bool = typer.Option(False, "--all", help="Cancel every open job of the project."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Cancel a job, a batch (--batch) or all open jobs (--all); their reservations are released."""
        from aiuteur import jobs

        if sum(bool(x) for x in (job_id, batch, all_jobs)) != 1:
            raise ValueError("give exactly one of JOB_ID, --batch BATCH_ID or --all")
        with _store(workspace) as store:
            found = store.get_project(project)
            if job_id:
                cancelled = [job_id] if jobs.cancel(store, found, job_id) else []
            elif batch:
                cancelled = jobs.cancel_batch(store, found, batch)
            else:
                cancelled = jobs.cancel_all(store, found)
            if as_json:
                print(json.dumps({"cancelled": cancelled}))
                return
            console.print(f"cancelled {len(cancelled)} job(s)" + ("" if cancelled else " (nothing was open)"))

    @app.command("resume")
    @_guard
    def resume_command(
        project: str = typer.Argument(..., help="Project name or id."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Finish the jobs a stopped process left open, re-polling video operations; nothing paid twice."""
        from aiuteur import jobs
        from aiuteur.jobs.recovery import resume_project

        with _store(workspace) as store:
            found = store.get_project(project)
            last: list = []
            report = resume_project(store, found, on_progress=last.append if as_json else
                                    (lambda c: console.print(f"  {c}", highlight=False)))
            counts = jobs.progress(store, found)
            failed = [_job_row(r.job) for r in report.results if r.job.status == "failed"]
            if as_json:
                print(json.dumps({"counts": _counts(counts), "failed": failed, "clips_filed": report.clips_filed},
                                 indent=2))
                return
            if not report.results:
                console.print(f"{found.name}: no open jobs ({counts})")
                return
            console.print(f"{found.name}: {counts}; {report.clips_filed} shot clip(s) filed")
            for row in failed:
                console.print(f"[red]failed[/] {row['id']} {row['engine']}: {row['error']}")

    @app.command("budget")
    @_guard
    def budget_command(
        project: str = typer.Argument(..., help="Project name or id."),
        set_usd: Optional[float] = typer.Option(None, "--set", help="The budget limit in USD."),
        no_limit: bool = typer.Option(False, "--no-limit", help="Remove the limit (mode becomes observe)."),
        mode: Optional[str] = typer.Option(None, "--mode", help="observe, warn or cap."),
        threshold: Optional[float] = typer.Option(None, "--approval-threshold",
                                                  help="A single call estimated above this many USD needs approval."),
        no_threshold: bool = typer.Option(False, "--no-threshold", help="Remove the approval threshold."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Show or set the project's budget (limit, mode, approval threshold) with spend and reservations."""
        from aiuteur.costs import budgets

        if set_usd is not None and no_limit:
            raise ValueError("give --set USD or --no-limit, not both")
        if threshold is not None and no_threshold:
            raise ValueError("give --approval-threshold USD or --no-threshold, not both")
        with _store(workspace) as store:
            found = store.get_project(project)
            changes: dict = {}
            if set_usd is not None:
                changes["limit_usd"] = set_usd
            if no_limit:
                changes["limit_usd"] = None
                mode = mode or "observe"
            if threshold is not None:
                changes["approval_threshold_usd"] = threshold
            if no_threshold:
                changes["approval_threshold_usd"] = None
            if changes or mode:
                budgets.set_budget(store, found, mode=mode, **changes)
            status = budgets.budget_status(store, found)
            if as_json:
                print(json.dumps(_status_payload(status), indent=2))
                return
            budget = status.budget
            table = Table(title=f"{found.name} budget" + ("" if budget.stored else " (from the project config)"),
                          show_header=False)
            table.add_row("limit", _money(budget.limit_usd))
            table.add_row("mode", budget.mode)
            table.add_row("approval threshold", _money(budget.approval_threshold_usd))
            table.add_row("spent (billed)", _money(status.spent_usd))
            table.add_row("reserved (running or queued)", _money(status.reserved_usd))
            table.add_row("remaining", _money(status.remaining_usd))
            console.print(table)

    @app.command("approve")
    @_guard
    def approve_command(
        project: str = typer.Argument(..., help="Project name or id."),
        scope: str = typer.Argument(..., help="What the refusal named: the call's idempotency key (sha256:...)."),
        max_usd: float = typer.Option(..., "--max-usd", help="The most the approved call may cost, in USD."),
        by: str = typer.Option("user", "--by", help="Who approves."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Approve a paid call above the approval threshold, up to --max-usd."""
        from aiuteur.costs import budgets

        with _store(workspace) as store:
            found = store.get_project(project)
            approval = budgets.approve(store, found, scope, max_usd=max_usd, approved_by=by)
            if as_json:
                print(approval.model_dump_json(indent=2))
                return
            console.print(f"approved {approval.scope} up to {_money(approval.max_usd)} ({approval.approved_by})")
