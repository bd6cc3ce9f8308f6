"""The JSON documents docs/cli.md calls stable, built in one place.

The CLI prints them with `--json`; Panel pages and notebooks call the same functions, so the three
ways in cannot drift apart. Each function returns plain `json.dumps`-able data (fields are only
ever added). Heavy modules are imported inside the functions: the CLI imports this module lazily too.

    from aiuteur import open_store
    from aiuteur.documents import projects_document, status_document
    with open_store("studio.duckdb") as store:
        projects_document(store.list_projects())
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from aiuteur.engines.config import EngineChoice
    from aiuteur.models import Project
    from aiuteur.stages.status import StageStatus


def projects_document(projects: "list[Project]") -> list[dict[str, Any]]:
    """`aiuteur projects --json`: `[{id, name, title, branch, created_at}]`."""
    return [{"id": p.id, "name": p.name, "title": p.config.title, "branch": p.branch,
             "created_at": p.created_at.isoformat()} for p in projects]


def status_document(rows: "list[StageStatus]") -> list[dict[str, Any]]:
    """`aiuteur status P --json`: `[{number, slug, title, state, artifacts, versions, reasons,
    imported, heads, answer_flags}]`, one row per stage (`aiuteur.stages.status.project_status`)."""
    return [r.model_dump(mode="json") for r in rows]


#: the kinds `aiuteur engines --kind` lists
ENGINE_KINDS = ("text", "image", "video")


def check_engine_kind(kind: Optional[str]) -> None:
    """Refuse a kind the engine listing does not have (before any workspace is opened)."""
    if kind is not None and kind not in ENGINE_KINDS:
        raise ValueError(f"--kind must be text, image or video, not {kind!r}")


def engine_rows(kind: Optional[str] = None) -> list[dict[str, Any]]:
    """The real models of the capability matrix, each with its price (input/output/per-unit fields
    of data/prices.json, or None when unknown) and whether its key variable is set (never the key)."""
    from aiuteur.costs.prices import UnknownPrice, load_prices
    from aiuteur.engines import capabilities
    from aiuteur.engines.providers.keys import KEY_ENV, key_set

    prices = load_prices()
    rows = []
    for row in capabilities.table(kind):
        engine_id = row["engine_id"]
        try:
            price = {k: v for k, v in prices.entry(engine_id).items()
                     if k.startswith(("input_per", "output_per", "per_"))}
        except UnknownPrice:
            price = None
        names = row["keys"] or list(KEY_ENV.get(engine_id.partition(":")[0], ()))
        row["key_set"] = key_set(engine_id.partition(":")[0], names)
        row["price"] = price
        rows.append(row)
    return rows


def provider_rows(kind: Optional[str] = None) -> list[dict[str, Any]]:
    """Every registered provider (built-in and plug-in): where it comes from, whether it is local,
    and the ids it serves (`provider:*` when it takes any model name)."""
    from aiuteur.engines.registry import registered

    return [{"kind": p.kind, "provider": p.provider, "source": p.source, "hook": p.hook, "local": p.local,
             "ids": p.ids() or [f"{p.provider}:*"]} for p in registered(kind)]


def engines_document(kind: Optional[str] = None, choice: "Optional[EngineChoice]" = None) -> dict[str, Any]:
    """`aiuteur engines --json`: `{engines, providers, plugin_errors, project?}`; `project` (the
    ids a project resolves to and where each came from) only when `choice` is given."""
    from aiuteur.engines.registry import plugin_problems

    check_engine_kind(kind)
    out: dict[str, Any] = {
        "engines": engine_rows(kind), "providers": provider_rows(kind),
        "plugin_errors": [{"name": p.name, "hook": p.hook, "source": p.source, "reason": p.reason}
                          for p in plugin_problems()]}
    if choice is not None:
        out["project"] = {"ids": choice.ids(), "sources": dict(choice.sources)}
    return out


def engine_settings_document(store: Any, project: "Project") -> dict[str, Any]:
    """`aiuteur use-engines P --json`: `{settings, ids, sources}` — the project's stored engine
    settings and what it resolves to now (flags aside: environment, project, default)."""
    from aiuteur.engines.config import project_settings, resolve

    choice = resolve(store, project)
    return {"settings": project_settings(store, project).model_dump(), "ids": choice.ids(),
            "sources": dict(choice.sources)}


def job_row(job: Any) -> dict[str, Any]:
    """One job as `aiuteur jobs --json` lists it (`aiuteur.jobs.Job`)."""
    return {
        "id": job.id, "batch_id": job.batch_id, "stage": job.stage, "kind": job.kind, "engine": job.engine,
        "status": job.status, "attempts": job.attempts, "estimated_cost": job.estimated_cost,
        "operation_id": job.operation_id, "error": job.error, "provider_reason": job.provider_reason,
        "start_uncertain": job.start_uncertain, "generation_id": job.generation_id,
        "created_at": job.created_at.isoformat(), "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def job_counts(counts: Any) -> dict[str, Any]:
    """`{queued, running, done, failed, cancelled, total}` from `aiuteur.jobs.JobCounts`."""
    return {**counts.model_dump(), "total": counts.total}


def jobs_document(counts: Any, jobs: "list[Any]") -> dict[str, Any]:
    """`aiuteur jobs P --json`: `{counts, jobs: [job rows]}` (`aiuteur.jobs.progress`, `list_jobs`)."""
    return {"counts": job_counts(counts), "jobs": [job_row(j) for j in jobs]}


def uncertain_start_row(start: Any) -> dict[str, Any]:
    """A video start that may already be bought (`aiuteur.jobs.uncertain_starts`), as `resume --json` lists it."""
    return {"job_id": start.job_id, "engine": start.engine, "stage": start.stage, "prompt": start.prompt,
            "sent_at": start.sent_at.isoformat() if start.sent_at else None,
            "possible_cost_usd": start.possible_cost_usd}


def budget_document(status: Any) -> dict[str, Any]:
    """`aiuteur budget P --json`: `{budget: {limit_usd, mode, approval_threshold_usd, ...}, spent_usd,
    reserved_usd, committed_usd, remaining_usd}` from `aiuteur.costs.budgets.budget_status`."""
    return {"budget": status.budget.model_dump(exclude={"project_id"}), "spent_usd": status.spent_usd,
            "reserved_usd": status.reserved_usd, "committed_usd": status.committed_usd,
            "remaining_usd": status.remaining_usd}
