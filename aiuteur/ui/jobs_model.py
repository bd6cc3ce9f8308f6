"""Paid work at a glance for the studio: job progress, the jobs themselves, the budget, and resuming
after a crash — with a confirmation before a video start that may already be bought is bought again.

Plain `param` logic over `aiuteur.jobs` and `aiuteur.costs.budgets`; the Jobs tab only lays it out.
Each call opens the workspace and closes it (see `StudioModel`).
"""
from __future__ import annotations

from typing import Any

import param

from aiuteur import jobs
from aiuteur.costs.budgets import budget_status
from aiuteur.ui.studio_model import StudioModel


class JobsModel(param.Parameterized):
    studio = param.ClassSelector(class_=StudioModel)
    message = param.String(default="")
    uncertain = param.List(default=[], doc="Video starts that may already be bought, waiting for the user: "
                                           "confirm_uncertain(rebuy=True) buys them again, rebuy=False cancels them.")
    engines = param.Dict(default=None, allow_None=True, doc="Engines by id for resuming (None: the registry).")

    def progress(self) -> jobs.JobCounts | None:
        """done/running/queued/failed/cancelled counts for the selected project."""
        if not self.studio.project:
            return None
        with self.studio.open_store() as store:
            return jobs.progress(store, store.get_project(self.studio.project))

    def rows(self) -> list[dict[str, Any]]:
        if not self.studio.project:
            return []
        from aiuteur.jobs.local import progress_of

        with self.studio.open_store() as store:
            found = jobs.list_jobs(store, store.get_project(self.studio.project).id)
        return [{"job": j.id, "kind": j.kind, "stage": j.stage, "engine": j.engine, "status": str(j.status),
                 "progress": str(progress_of(j) or ""),  # a local job's last step; empty for paid calls
                 "attempts": j.attempts, "estimate_usd": round(j.estimated_cost, 4),
                 "problem": ("start sent, no answer saved: may already be bought" if j.start_uncertain else
                             j.provider_reason or (j.error or "").removeprefix("OutputRejected: "))} for j in found]

    def budget(self) -> dict[str, Any] | None:
        if not self.studio.project:
            return None
        with self.studio.open_store() as store:
            return budget_status(store, store.get_project(self.studio.project)).model_dump(mode="json")

    def cancel_all(self) -> list[str]:
        """Cancel every job not yet finished; their reservations are released."""
        if not self.studio.project:
            self.message = "pick a project first"
            return []
        with self.studio.open_store() as store:
            cancelled = jobs.cancel_all(store, store.get_project(self.studio.project))
        self.message = f"cancelled {len(cancelled)} job(s)"
        return cancelled

    def resume(self) -> jobs.ResumeReport | None:
        """Finish what a stopped process left open. If some video starts may already be bought, nothing
        runs: they are listed in `uncertain` (with what each may cost) for the user to confirm."""
        if not self.studio.project:
            self.message = "pick a project first"
            return None
        with self.studio.open_store() as store:
            project = store.get_project(self.studio.project)
            starts = jobs.uncertain_starts(store, project, engines=self.engines)
            if starts:
                self.uncertain = [{"job": s.job_id, "engine": s.engine, "stage": s.stage, "prompt": s.prompt,
                                   "may_have_cost_usd": round(s.possible_cost_usd, 4)} for s in starts]
                total = sum(s.possible_cost_usd for s in starts)
                self.message = (f"{len(starts)} video start(s) may already be bought (up to ${total:.2f}): "
                                "buy them again or skip them?")
                return None
            report = jobs.resume_project(store, project, engines=self.engines)
        self.message = self._said(report)
        return report

    def confirm_uncertain(self, rebuy: bool) -> jobs.ResumeReport | None:
        """The user's answer for the starts in `uncertain`: buy them again, or cancel them; then resume."""
        if not self.uncertain:
            self.message = "nothing to confirm"
            return None
        with self.studio.open_store() as store:
            report = jobs.resume_project(store, store.get_project(self.studio.project), engines=self.engines,
                                         uncertain="rebuy" if rebuy else "skip")
        self.uncertain = []
        self.message = self._said(report)
        return report

    @staticmethod
    def _said(report: jobs.ResumeReport) -> str:
        done = sum(1 for r in report.results if r.job.status == "done")
        failed = sum(1 for r in report.results if r.job.status == "failed")
        text = f"resumed {len(report.results)} job(s): {done} done, {failed} failed, {report.clips_filed} clip(s) filed"
        if report.uncertain:
            text += f"; {len(report.uncertain)} uncertain start(s) " + ("bought again" if report.decision == "rebuy"
                                                                       else "cancelled")
        return text
