"""Paid work at a glance for the studio: job progress, the jobs themselves, and the budget.

Plain `param` logic over `aiuteur.jobs` and `aiuteur.costs.budgets`; the Jobs tab only lays it out.
Each call opens the workspace and closes it (see `StudioModel`).
"""
from __future__ import annotations

from typing import Any

import param

from aiuteur import jobs
from aiuteur.costs.budgets import budget_status
from aiuteur.store import open_store
from aiuteur.ui.studio_model import StudioModel


class JobsModel(param.Parameterized):
    studio = param.ClassSelector(class_=StudioModel)
    message = param.String(default="")

    def progress(self) -> jobs.JobCounts | None:
        """done/running/queued/failed/cancelled counts for the selected project."""
        if not self.studio.project:
            return None
        with open_store(self.studio.workspace) as store:
            return jobs.progress(store, store.get_project(self.studio.project))

    def rows(self) -> list[dict[str, Any]]:
        if not self.studio.project:
            return []
        with open_store(self.studio.workspace) as store:
            found = jobs.list_jobs(store, store.get_project(self.studio.project).id)
        return [{"job": j.id, "kind": j.kind, "stage": j.stage, "engine": j.engine, "status": str(j.status),
                 "attempts": j.attempts, "estimate_usd": round(j.estimated_cost, 4),
                 "problem": j.provider_reason or j.error or ""} for j in found]

    def budget(self) -> dict[str, Any] | None:
        if not self.studio.project:
            return None
        with open_store(self.studio.workspace) as store:
            return budget_status(store, store.get_project(self.studio.project)).model_dump(mode="json")

    def cancel_all(self) -> list[str]:
        """Cancel every job not yet finished; their reservations are released."""
        if not self.studio.project:
            self.message = "pick a project first"
            return []
        with open_store(self.studio.workspace) as store:
            cancelled = jobs.cancel_all(store, store.get_project(self.studio.project))
        self.message = f"cancelled {len(cancelled)} job(s)"
        return cancelled
