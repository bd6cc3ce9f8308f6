"""Budgets per project, approvals of expensive calls, and the gate every paid call passes.

A budget has a limit and a mode:

- *observe*: spend is recorded in the ledger, nothing is checked;
- *warn*: a call that takes committed spend past the limit goes ahead with a `BudgetWarning`;
- *cap*: such a call never starts — `BudgetExceeded` is raised before anything is queued.

and, independently of the mode, an *approval threshold*: a single call estimated above it needs
an explicit approval (`approve`), either of its idempotency key or of a scope the caller names
(the stage-11 confirmation approves each shot's video up to its estimate that way).

`admit` is the gate. It runs in the library, at the moment calls are queued as jobs, so it holds
for the CLI, notebooks, Panel and direct library calls alike. It checks and reserves in one
transaction: estimate → reserve (here) → reconcile with the billed cost (when the job ends).
Committed spend = billed charges + reservations still held, so calls running concurrently cannot
together overrun a cap.
"""
from __future__ import annotations

import logging
import math
import uuid
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Sequence

from pydantic import BaseModel

from aiuteur.costs import ledger
from aiuteur.models.project import Project
from aiuteur.stages.gates import StageError
from aiuteur.store import Store
from aiuteur.store.database import utcnow

BudgetMode = Literal["observe", "warn", "cap"]
MODES: tuple[str, ...] = ("observe", "warn", "cap")
_EPS = 1e-9
log = logging.getLogger("aiuteur.budget")


class BudgetError(StageError):
    """A paid call was refused by the budget gate; the message says what to change."""


class BudgetExceeded(BudgetError):
    """Under *cap*, the calls would take committed spend past the limit. Nothing was queued."""


class ApprovalRequired(BudgetError):
    """Calls estimated above the approval threshold have no approval. `scopes` lists what to approve."""

    def __init__(self, message: str, scopes: list[str]) -> None:
        super().__init__(message)
        self.scopes = scopes


class BudgetWarning(UserWarning):
    """Under *warn*, calls went ahead past the limit."""


class InvalidBudget(ValueError):
    """A budget limit, approval threshold or approval maximum that is not a finite number of
    dollars >= 0. Refused before anything is written: NaN compares false with everything, so a NaN
    limit or threshold would switch every spending guard off (and a NaN approval would approve any
    cost); infinity is no limit at all — say so with `--no-limit` / `None` instead."""


#: what each amount is called in messages, and how to set it right (CLI; library in parentheses)
_HOW = {
    "budget limit": "`aiuteur budget PROJECT --set USD` or `--no-limit` (set_budget(limit_usd=...))",
    "approval threshold": "`aiuteur budget PROJECT --approval-threshold USD` or `--no-threshold` "
                          "(set_budget(approval_threshold_usd=...))",
    "approval maximum": "`aiuteur approve PROJECT SCOPE --max-usd USD` (approve(max_usd=...))",
    "confirmation budget": "confirm(budget_usd=USD), or None for the project's budget",
}


def dollars(field: str, value: object) -> float:
    """`value` as a finite amount of dollars >= 0, else `InvalidBudget` naming `field` and the fix."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0
    if not ok:
        raise InvalidBudget(f"the {field} must be a finite number of dollars >= 0, not {value!r}: "
                            f"set it with {_HOW.get(field, 'a number like 25.00')}")
    return float(value)  # type: ignore[arg-type]


class Budget(BaseModel):
    project_id: str
    limit_usd: float | None = None
    mode: BudgetMode = "observe"
    approval_threshold_usd: float | None = None
    stored: bool = False  # False: derived from the project config (no `budget` set yet)


class BudgetStatus(BaseModel):
    budget: Budget
    spent_usd: float
    reserved_usd: float
    committed_usd: float
    remaining_usd: float | None  # None without a limit


class Approval(BaseModel):
    id: str
    project_id: str
    scope: str
    max_usd: float
    approved_by: str
    created_at: datetime


@dataclass(frozen=True)
class Admission:
    """One call asking to be queued: its job, engine and estimate, and the scopes that may approve it
    (its idempotency key always; e.g. `"<confirmation version>/<shot id>"` too)."""

    job_id: str
    engine: str
    estimate_usd: float
    scopes: tuple[str, ...] = field(default_factory=tuple)


def get_budget(store: Store, project: Project) -> Budget:
    """The stored budget, else one derived from `ProjectConfig.budget_usd` (a cap), else observe only."""
    row = store.budget_row(project.id)
    if row is not None:
        for field, column in (("budget limit", "limit_usd"), ("approval threshold", "approval_threshold_usd")):
            if row[column] is not None:  # a NaN stored before it was refused must not switch the guards off
                dollars(field, row[column])
        return Budget(project_id=project.id, limit_usd=row["limit_usd"], mode=row["mode"],
                      approval_threshold_usd=row["approval_threshold_usd"], stored=True)
    limit = project.config.budget_usd
    return Budget(project_id=project.id, limit_usd=limit, mode="cap" if limit is not None else "observe")


_UNSET: object = object()


def set_budget(store: Store, project: Project, *, limit_usd: float | None | object = _UNSET,
               mode: str | None = None, approval_threshold_usd: float | None | object = _UNSET) -> Budget:
    """Change what is given, keep the rest. `None` removes a limit or a threshold."""
    current = get_budget(store, project)
    limit = current.limit_usd if limit_usd is _UNSET else limit_usd
    threshold = current.approval_threshold_usd if approval_threshold_usd is _UNSET else approval_threshold_usd
    mode = mode or current.mode
    if mode not in MODES:
        raise ValueError(f"budget mode {mode!r} is not one of {', '.join(MODES)}")
    limit = None if limit is None else dollars("budget limit", limit)
    threshold = None if threshold is None else dollars("approval threshold", threshold)
    if mode in ("cap", "warn") and limit is None:
        raise ValueError(f"budget mode {mode!r} needs a limit: set one (CLI: --set USD)")
    with store.db.transaction():
        store.put_budget_row(project.id, limit, mode, threshold, utcnow())
        store.audit(project.id, "budget.set", {"limit_usd": limit, "mode": mode, "approval_threshold_usd": threshold})
    return get_budget(store, project)


def budget_status(store: Store, project: Project) -> BudgetStatus:
    budget = get_budget(store, project)
    totals = ledger.totals(store, project.id)
    remaining = None if budget.limit_usd is None else round(budget.limit_usd - totals.committed_usd, 6)
    return BudgetStatus(budget=budget, spent_usd=totals.spent_usd, reserved_usd=totals.reserved_usd,
                        committed_usd=totals.committed_usd, remaining_usd=remaining)


def approve(store: Store, project: Project, scope: str, *, max_usd: float, approved_by: str = "user") -> Approval:
    """Approve calls in `scope` (an idempotency key, or a scope a stage names) up to `max_usd` each."""
    scope = scope.strip()
    if not scope:
        raise ValueError("an approval needs a scope: the idempotency key or scope the refusal named")
    max_usd = dollars("approval maximum", max_usd)
    approval = Approval(id=f"apr_{uuid.uuid4().hex[:12]}", project_id=project.id, scope=scope,
                        max_usd=round(max_usd, 6), approved_by=approved_by, created_at=utcnow())
    with store.db.transaction():
        store.insert_approval_rows([[approval.id, project.id, approval.scope, approval.max_usd, approved_by,
                                     approval.created_at]])
        store.audit(project.id, "budget.approve", {"scope": scope, "max_usd": approval.max_usd, "by": approved_by})
    return approval


def approve_many(store: Store, project: Project, scopes: Sequence[tuple[str, float]], *,
                 approved_by: str = "user") -> int:
    """Approve several scopes at once (the stage-11 confirmation approves every shot's clip)."""
    scopes = [(scope, dollars("approval maximum", max_usd)) for scope, max_usd in scopes]  # all checked first
    with store.db.transaction():
        store.insert_approval_rows([[f"apr_{uuid.uuid4().hex[:12]}", project.id, scope, round(float(max_usd), 6),
                                     approved_by, utcnow()] for scope, max_usd in scopes])
        if scopes:
            store.audit(project.id, "budget.approve", {"scopes": len(scopes), "by": approved_by})
    return len(scopes)


def approvals(store: Store, project: Project) -> list[Approval]:
    return [Approval(**row) for row in store.approval_rows(project.id)]


def is_approved(store: Store, project: Project, scopes: Sequence[str], estimate_usd: float) -> bool:
    if not scopes:
        return False
    return store.approved_count(project.id, scopes, estimate_usd - _EPS) > 0


def admit(store: Store, project: Project, items: Sequence[Admission]) -> None:
    """The gate: check approvals and the budget for `items` together, then reserve each estimate.

    All or nothing, in one transaction: a refused batch reserves nothing and queues nothing.
    """
    if not items:
        return
    unpriced = [i for i in items if not math.isfinite(i.estimate_usd) or i.estimate_usd < 0]
    if unpriced:  # a NaN estimate would pass every comparison below
        raise BudgetError(f"{unpriced[0].engine}: the call has no usable estimate ({unpriced[0].estimate_usd!r} USD); "
                          "check its entry in data/prices.json")
    with store.db.transaction():
        store.db.serialize(f"budget:{project.id}")  # two writers' checks and reservations must not interleave
        budget = get_budget(store, project)
        threshold = budget.approval_threshold_usd
        if threshold is not None:
            missing = [i for i in items if i.estimate_usd > threshold + _EPS
                       and not is_approved(store, project, i.scopes, i.estimate_usd)]
            if missing:
                first = missing[0]
                raise ApprovalRequired(
                    f"{len(missing)} call(s) above the approval threshold of ${threshold:.2f} need approval "
                    f"(e.g. {first.engine} at ${first.estimate_usd:.2f}); approve with "
                    f"`aiuteur approve {project.name} {first.scopes[0] if first.scopes else first.job_id} "
                    f"--max-usd {first.estimate_usd:.2f}` (library: aiuteur.costs.budgets.approve), "
                    "or approve the stage-11 confirmation",
                    [i.scopes[0] if i.scopes else i.job_id for i in missing],
                )
        total = round(sum(i.estimate_usd for i in items), 6)
        if budget.limit_usd is not None and budget.mode != "observe":
            committed = ledger.totals(store, project.id).committed_usd
            if committed + total > budget.limit_usd + _EPS:
                message = (f"{len(items)} call(s) estimated at ${total:.2f} would take committed spend "
                           f"(${committed:.2f} spent or reserved) past the budget of ${budget.limit_usd:.2f}")
                if budget.mode == "cap":
                    raise BudgetExceeded(message + ": nothing was started; raise the budget "
                                         f"(`aiuteur budget {project.name} --set USD`), pick a cheaper engine, "
                                         "or do less")
                log.warning(message)
                warnings.warn(BudgetWarning(message + " (mode warn: going ahead)"), stacklevel=3)
        ledger.reserve_many(store, project.id, [(i.job_id, i.engine, i.estimate_usd) for i in items])


__all__ = [
    "Admission", "Approval", "ApprovalRequired", "Budget", "BudgetError", "BudgetExceeded", "BudgetMode",
    "BudgetStatus", "BudgetWarning", "InvalidBudget", "MODES", "admit", "dollars", "approvals", "approve", "approve_many", "budget_status", "get_budget",
    "is_approved", "set_budget",
]
