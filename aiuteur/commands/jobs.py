"""`aiuteur jobs|cancel|resume|budget|approve`: jobs and budgets from the command line.

Thin: each command calls `aiuteur.jobs` or `aiuteur.costs.budgets` and prints the result.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table

from aiuteur.documents import budget_document, job_counts, job_row, jobs_document, uncertain_start_row


def _detail(job) -> str:
    """Why a job is where it is: its error (e.g. "output rejected: image did not decode ..."), an
    uncertain start, or its operation id; with the provider's reason."""
    error = (job.error or "").removeprefix("OutputRejected: ")
    if job.start_uncertain:
        detail = "start sent, no answer saved: may already be bought (aiuteur resume decides)"
    else:
        detail = error or job.operation_id or ""
    if job.provider_reason and job.provider_reason not in detail:
        detail += f" ({job.provider_reason})"
    return detail


def _interactive() -> bool:
    """Whether a person can answer a prompt (a script or a pipe gets the typed refusal instead)."""
    return sys.stdin.isatty()


def _money(value: float | None) -> str:
    return "—" if value is None else f"${value:,.2f}"


def register(app: typer.Typer) -> None:
    from aiuteur.cli import JsonOpt, WorkspaceOpt, _guard, _store, console

    @app.command("jobs")
    @_guard
    def jobs_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
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
                print(json.dumps(jobs_document(counts, rows), indent=2))
                return
            console.print(f"{found.name}: {counts}")
            if not rows:
                return
            colours = {"done": "green", "running": "cyan", "queued": "yellow", "failed": "red", "cancelled": "dim"}
            table = Table("job", "stage", "engine", "status", "tries", "est.", "operation / error")
            for job in rows:
                table.add_row(job.id, job.stage, job.engine, f"[{colours[job.status]}]{job.status}[/]",
                              str(job.attempts), _money(job.estimated_cost), _detail(job)[:160])
            console.print(table)

    @app.command("cancel")
    @_guard
    def cancel_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
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
        project: str = typer.Argument(..., help="Project name, id or title."),
        rebuy_uncertain: bool = typer.Option(
            False, "--rebuy-uncertain",
            help="Buy again the video starts that may already be bought (their answer was lost in a crash)."),
        skip_uncertain: bool = typer.Option(
            False, "--skip-uncertain", help="Do not buy those starts again: cancel their jobs."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Finish the jobs a stopped process left open, re-polling video operations; nothing paid twice,
        and a start that may already be bought is bought again only if you say so."""
        from aiuteur import jobs
        from aiuteur.jobs.recovery import resume_project

        if rebuy_uncertain and skip_uncertain:
            raise ValueError("give --rebuy-uncertain or --skip-uncertain, not both")
        with _store(workspace) as store:
            found = store.get_project(project)
            policy = "rebuy" if rebuy_uncertain else "skip" if skip_uncertain else "refuse"
            if policy == "refuse" and not as_json and _interactive():
                policy = _ask_about_uncertain(store, found)
            last: list = []
            report = resume_project(store, found, uncertain=policy, on_progress=last.append if as_json else
                                    (lambda c: console.print(f"  {c}", highlight=False)))
            counts = jobs.progress(store, found)
            failed = [job_row(r.job) for r in report.results if r.job.status == "failed"]
            uncertain = [{**uncertain_start_row(s), "decision": report.decision} for s in report.uncertain]
            if as_json:
                print(json.dumps({"counts": job_counts(counts), "failed": failed, "clips_filed": report.clips_filed,
                                  "uncertain": uncertain}, indent=2))
                return
            if report.uncertain:
                done = {"rebuy": "bought again", "skip": "cancelled", "leave": "left open"}[report.decision]
                console.print(f"{len(report.uncertain)} uncertain video start(s) {done}")
            if not report.results:
                console.print(f"{found.name}: {'nothing else to resume' if counts.open else 'no open jobs'} ({counts})")
                return
            console.print(f"{found.name}: {counts}; {report.clips_filed} shot clip(s) filed")
            for row in failed:
                console.print(f"[red]failed[/] {row['id']} {row['engine']}: {row['error']}")

    def _ask_about_uncertain(store, found) -> str:
        """List the starts that may already be bought, with what they may cost, and ask what to do."""
        from aiuteur import jobs

        starts = jobs.uncertain_starts(store, found)
        if not starts:
            return "refuse"
        total = sum(s.possible_cost_usd for s in starts)
        console.print(f"[yellow]{len(starts)} video start(s) may already be bought[/]: the provider got the request, "
                      f"the process stopped before its answer was saved, and the provider cannot be searched for it.")
        table = Table("job", "engine", "may have cost", "prompt")
        for start in starts:
            table.add_row(start.job_id, start.engine, _money(start.possible_cost_usd), start.prompt[:60])
        console.print(table)
        choices = {"b": "rebuy", "s": "skip", "l": "leave"}
        while True:
            choice = str(typer.prompt(f"Buy them again (up to {_money(total)} more) [b], skip them (cancel) [s], "
                                      f"or leave them open for later [l]?", default="l")).strip().lower()
            if choice in choices:
                return choices[choice]
            console.print("answer b, s or l")

    @app.command("budget")
    @_guard
    def budget_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
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
                print(json.dumps(budget_document(status), indent=2))
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
        project: str = typer.Argument(..., help="Project name, id or title."),
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
