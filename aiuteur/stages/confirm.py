"""Stage 11 — cost confirmation: price the video work on the configured engines and on the
default real models, check the budget, and lock the approval. Video will not run without it,
and an edit to any prompt after approval makes the approval stale. Text and image work is done
by then: it is shown at what it was billed (offline work at 0), never re-priced as if paid.

The budget check is the project's budget (`aiuteur.costs.budgets`: limit, mode, approval
threshold) against what the ledger has already committed and what the video would still buy
(shots whose clip on this engine is already paid for cost nothing again). Approving records an
approval per shot up to its estimate, tied to this confirmation version: that is the "explicit
approval" a clip above the per-action threshold needs when the video jobs pass the budget gate.
"""
from __future__ import annotations

import warnings

from aiuteur.costs import budgets
from aiuteur.costs.prices import load_prices
from aiuteur.engines.gateway import billed_video_seconds
from aiuteur.engines.protocols import Usage
from aiuteur.engines.registry import Engines
from aiuteur.models.costs import Confirmation, CostEstimate, CostLine
from aiuteur.models.project import Project
from aiuteur.models.shots import ShotList
from aiuteur.models.versions import Version
from aiuteur.stages import frames as frames_stage
from aiuteur.stages import prompts as prompts_stage
from aiuteur.stages import shots as shots_stage
from aiuteur.stages.gates import require
from aiuteur.store import Store

KEY = "confirmation"


BudgetExceeded = budgets.BudgetExceeded  # one type, whichever gate refused


def all_shots(store: Store, project: Project) -> list:
    out = []
    for scene in shots_stage.scenes(store, project):
        out.extend(require(store, project, shots_stage.key(scene)).model(ShotList).shots)
    return out


def estimate(store: Store, project: Project, engine_ids: dict[str, str]) -> CostEstimate:
    """Video seconds per shot on `engine_ids["video"]`, plus the text and image work this project
    has recorded, at what it was billed."""
    prices = load_prices()
    lines = []
    for shot in all_shots(store, project):
        seconds = billed_video_seconds(engine_ids["video"], shot.duration)  # what the model makes and bills
        usage = Usage(video_seconds=seconds)
        lines.append(CostLine(scope=shot.shot_id, scene=shot.scene, kind="video", engine=engine_ids["video"],
                              units=seconds, unit="seconds", cost_usd=prices.cost(engine_ids["video"], usage)))
    return CostEstimate(engines=engine_ids, lines=lines + recorded_lines(store, project, engine_ids))


def recorded_lines(store: Store, project: Project, engine_ids: dict[str, str]) -> list[CostLine]:
    """The project's text and image generations, one line per kind and engine, at their recorded
    `actual_cost`: work done offline (or on a local engine) cost nothing, whichever engines an
    estimate is for, and a paid call cost what the provider billed (failed tries included). A kind
    with no recorded work gets a zero line on `engine_ids[kind]`."""
    units: dict[tuple[str, str], float] = {}
    costs: dict[tuple[str, str], float] = {}
    for g in store.generations(project.id):
        if g.kind not in ("text", "image"):
            continue
        key = (g.kind, g.engine)
        count = (float(g.usage.get("input_tokens", 0) or 0) + float(g.usage.get("output_tokens", 0) or 0)
                 if g.kind == "text" else float(g.usage.get("images", 0) or 0))
        units[key] = units.get(key, 0.0) + (count if g.status == "ok" else 0.0)
        costs[key] = costs.get(key, 0.0) + float(g.actual_cost or 0.0)
    lines = []
    for kind, unit in (("text", "tokens"), ("image", "images")):
        engines = sorted(engine for k, engine in costs if k == kind) or [engine_ids[kind]]
        for engine in engines:
            lines.append(CostLine(scope="project", kind=kind, engine=engine, units=units.get((kind, engine), 0.0),  # type: ignore[arg-type]
                                  unit=unit, cost_usd=round(costs.get((kind, engine), 0.0), 6)))  # type: ignore[arg-type]
    return lines


def reference_engines() -> dict[str, str]:
    return dict(load_prices().defaults)


def confirm(store: Store, project: Project, engines: Engines, *, approve: bool = True, author: str = "user",
            budget_usd: float | None = None) -> Version:
    """Estimate, check the budget, and (when `approve`) lock the approval."""
    inputs = []
    for shot in all_shots(store, project):
        inputs.append(require(store, project, prompts_stage.key(shot.shot_id), locked=False))
        inputs.append(require(store, project, frames_stage.key(shot.shot_id), locked=False))
    if budget_usd is not None:
        budget_usd = budgets.dollars("confirmation budget", budget_usd)  # NaN would pass every check below
    mine = estimate(store, project, engines.ids())
    current = budgets.get_budget(store, project)
    mode = "cap" if budget_usd is not None else current.mode
    budget = budget_usd if budget_usd is not None else current.limit_usd
    video_lines = [line for line in mine.lines if line.kind == "video"]
    video_cost = round(sum(line.cost_usd for line in video_lines), 4)
    if approve and budget is not None and mode != "observe" and video_cost > 0:
        _check_budget(store, project, engines.video.id, video_lines, budget, mode)
    confirmation = Confirmation(estimate=mine, reference=estimate(store, project, reference_engines()),
                                budget_usd=budget, approved=approve, approved_by=author)
    with store.db.transaction():
        version = store.commit(project, KEY, confirmation, inputs=inputs, status="locked" if approve else "draft",
                               author=author,
                               message=f"estimate ${mine.total_usd:.2f}" + (" approved" if approve else ""))
        if approve:
            from aiuteur.stages.video import approval_scope

            budgets.approve_many(store, project, [(approval_scope(version, line.scope), line.cost_usd)
                                                  for line in video_lines if line.cost_usd > 0], approved_by=author)
    return version


def _check_budget(store: Store, project: Project, engine_id: str, video_lines: list[CostLine], budget: float,
                  mode: str) -> None:
    """What the video would still buy, against the budget left after what is spent or reserved."""
    from aiuteur.stages.video import unpaid_shots

    unpaid = {shot.shot_id for shot in unpaid_shots(store, project, engine_id)}
    to_pay = round(sum(line.cost_usd for line in video_lines if line.scope in unpaid), 4)
    committed = budgets.budget_status(store, project).committed_usd
    if to_pay + committed <= budget + 1e-9:
        return
    message = (f"video would cost ${to_pay:.2f} more ({len(unpaid)} clips), and ${committed:.2f} is already spent "
               f"or reserved: over the budget of ${budget:.2f}")
    if mode == "cap":
        raise BudgetExceeded(message + ": shorten shots, pick a cheaper video model, or raise the budget "
                             f"(`aiuteur budget {project.name} --set USD`)")
    warnings.warn(budgets.BudgetWarning(message + " (mode warn: approved anyway)"), stacklevel=3)
