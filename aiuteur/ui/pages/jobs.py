"""The Jobs tab: progress of paid work (done/running/queued/failed/cancelled), each job with its
engine, attempts and provider reason, the budget (spent, reserved, remaining), a cancel button, and
Resume — which, when video starts may already be bought, lists them with their cost and asks
before buying them again. Layout only: the logic is `aiuteur.ui.jobs_model.JobsModel`."""
from __future__ import annotations

import pandas as pd
import panel as pn

from aiuteur.ui.jobs_model import JobsModel
from aiuteur.ui.studio_model import StudioModel

TITLE = "Jobs"
ORDER = 90


def summary_markdown(model: JobsModel) -> str:
    counts, budget = model.progress(), model.budget()
    if counts is None or budget is None:
        return "Pick a project to see its paid work."
    limit = budget["budget"]["limit_usd"]
    return (f"**{counts.done} done · {counts.running} running · {counts.queued} queued · {counts.failed} failed · "
            f"{counts.cancelled} cancelled**\n\nBudget ({budget['budget']['mode']}): spent ${budget['spent_usd']:.2f}, "
            f"reserved ${budget['reserved_usd']:.2f}" + (f", limit ${limit:.2f}" if limit is not None else ", no limit"))


def page(studio: StudioModel) -> pn.viewable.Viewable:
    model = JobsModel(studio=studio)
    refresh = pn.widgets.Button(name="Refresh")
    cancel = pn.widgets.Button(name="Cancel unfinished jobs", button_type="warning")
    cancel.on_click(lambda _: model.cancel_all())
    resume = pn.widgets.Button(name="Resume unfinished jobs", button_type="primary")
    resume.on_click(lambda _: model.resume())
    rebuy = pn.widgets.Button(name="Buy them again", button_type="danger")
    rebuy.on_click(lambda _: model.confirm_uncertain(rebuy=True))
    skip = pn.widgets.Button(name="Skip them (cancel)", button_type="default")
    skip.on_click(lambda _: model.confirm_uncertain(rebuy=False))

    def confirmation(uncertain):
        if not uncertain:
            return pn.Spacer(height=0)
        return pn.Column(pn.pane.Alert(model.message, alert_type="warning"),
                         pn.widgets.Tabulator(pd.DataFrame(uncertain), disabled=True, show_index=False,
                                              sizing_mode="stretch_width"),
                         pn.Row(rebuy, skip), sizing_mode="stretch_width")

    def body(*_):
        rows = model.rows()
        table = (pn.widgets.Tabulator(pd.DataFrame(rows), disabled=True, show_index=False, height=300,
                                      sizing_mode="stretch_width") if rows else pn.pane.Markdown("No paid jobs yet."))
        return pn.Column(pn.pane.Markdown(summary_markdown(model)), table, sizing_mode="stretch_width")

    return pn.Column(pn.Row(refresh, resume, cancel, pn.pane.Str(model.param.message)),
                     pn.bind(confirmation, model.param.uncertain),
                     pn.bind(body, studio.param.project, refresh.param.clicks, model.param.message, studio.param.store_revision),
                     sizing_mode="stretch_width")
