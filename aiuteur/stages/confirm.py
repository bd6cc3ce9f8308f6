"""Stage 11 — cost confirmation: price the video work on the configured engines and on the
default real models, check the budget, and lock the approval. Video will not run without it,
and an edit to any prompt after approval makes the approval stale.
"""
from __future__ import annotations

from aiuteur.costs.prices import load_prices
from aiuteur.engines.protocols import Usage
from aiuteur.engines.registry import Engines
from aiuteur.models.costs import Confirmation, CostEstimate, CostLine
from aiuteur.models.project import Project
from aiuteur.models.shots import ShotList
from aiuteur.models.versions import Version
from aiuteur.stages import frames as frames_stage
from aiuteur.stages import prompts as prompts_stage
from aiuteur.stages import shots as shots_stage
from aiuteur.stages.gates import StageError, require
from aiuteur.store import Store

KEY = "confirmation"


class BudgetExceeded(StageError):
    pass


def all_shots(store: Store, project: Project) -> list:
    out = []
    for scene in shots_stage.scenes(store, project):
        out.extend(require(store, project, shots_stage.key(scene)).model(ShotList).shots)
    return out


def estimate(store: Store, project: Project, engine_ids: dict[str, str]) -> CostEstimate:
    """Video seconds per shot, plus what this project's recorded text and image work costs, on `engine_ids`."""
    prices = load_prices()
    lines = []
    for shot in all_shots(store, project):
        usage = Usage(video_seconds=shot.duration)
        lines.append(CostLine(scope=shot.shot_id, scene=shot.scene, kind="video", engine=engine_ids["video"],
                              units=shot.duration, unit="seconds", cost_usd=prices.cost(engine_ids["video"], usage)))
    recorded = [g for g in store.generations(project.id) if g.status == "ok" and g.kind in ("text", "image")]
    tokens = Usage(input_tokens=sum(int(g.usage.get("input_tokens", 0)) for g in recorded if g.kind == "text"),
                   output_tokens=sum(int(g.usage.get("output_tokens", 0)) for g in recorded if g.kind == "text"))
    images = sum(int(g.usage.get("images", 0)) for g in recorded if g.kind == "image")
    lines.append(CostLine(scope="project", kind="text", engine=engine_ids["text"], units=tokens.input_tokens + tokens.output_tokens,
                          unit="tokens", cost_usd=prices.cost(engine_ids["text"], tokens)))
    lines.append(CostLine(scope="project", kind="image", engine=engine_ids["image"], units=images, unit="images",
                          cost_usd=prices.cost(engine_ids["image"], Usage(images=images))))
    return CostEstimate(engines=engine_ids, lines=lines)


def reference_engines() -> dict[str, str]:
    return dict(load_prices().defaults)


def confirm(store: Store, project: Project, engines: Engines, *, approve: bool = True, author: str = "user",
            budget_usd: float | None = None) -> Version:
    """Estimate, check the budget, and (when `approve`) lock the approval."""
    inputs = []
    for shot in all_shots(store, project):
        inputs.append(require(store, project, prompts_stage.key(shot.shot_id), locked=False))
        inputs.append(require(store, project, frames_stage.key(shot.shot_id), locked=False))
    mine = estimate(store, project, engines.ids())
    budget = budget_usd if budget_usd is not None else project.config.budget_usd
    video_cost = round(sum(line.cost_usd for line in mine.lines if line.kind == "video"), 4)
    if approve and budget is not None and video_cost > budget:
        raise BudgetExceeded(f"video would cost ${video_cost:.2f}, over the budget of ${budget:.2f}: "
                             "shorten shots, pick a cheaper video model, or raise the budget")
    confirmation = Confirmation(estimate=mine, reference=estimate(store, project, reference_engines()),
                                budget_usd=budget, approved=approve, approved_by=author)
    return store.commit(project, KEY, confirmation, inputs=inputs, status="locked" if approve else "draft",
                        author=author, message=f"estimate ${mine.total_usd:.2f}" + (" approved" if approve else ""))
