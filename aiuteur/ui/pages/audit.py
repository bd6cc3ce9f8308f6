"""The Audit tab: who changed what, when — versions, head moves, notes, approvals, budgets — filtered
by project, action and user, newest first, with the filtered log as a CSV download. Layout only:
the logic is `aiuteur.ui.audit_model.AuditModel` (the `aiuteur audit` command reads the same log)."""
from __future__ import annotations

from aiuteur.ui.studio_model import StudioModel

TITLE = "Audit"
ORDER = 98


def page(studio: StudioModel):
    import io

    import pandas as pd
    import panel as pn

    from aiuteur.ui.audit_model import AUDIT_COLUMNS, AuditModel

    model = AuditModel(studio=studio)
    everyone, all_projects = "(everyone)", "(all projects)"
    project = pn.widgets.Select(name="Project", options=[all_projects, *studio.param.project.objects], width=200)
    action = pn.widgets.TextInput.from_param(model.param.action, name="Action starts with",
                                             placeholder="e.g. note. or budget.", width=200)
    author = pn.widgets.Select(name="User", options=[everyone], width=180)
    refresh = pn.widgets.Button(name="Refresh", width=90)

    def choices(*_):
        project.options = [all_projects, *studio.param.project.objects]
        author.options = [everyone, *model.authors()]
    project.param.watch(lambda e: setattr(model, "project", "" if e.new == all_projects else e.new), "value")
    author.param.watch(lambda e: setattr(model, "author", "" if e.new in (everyone, None) else e.new), "value")
    studio.param.watch(choices, "store_revision")
    refresh.on_click(choices)
    choices()

    download = pn.widgets.FileDownload(callback=lambda: io.BytesIO(model.csv_text().encode("utf-8")),
                                       filename=model.csv_filename(), label="Download CSV", button_type="primary",
                                       width=160, css_classes=["aiuteur-audit-csv"])

    def name_file(*_):
        download.filename = model.csv_filename()
    model.param.watch(name_file, ["project", "action", "author"])

    def table(*_):
        rows = model.rows()
        if not rows:
            return pn.pane.Markdown(model.message or "No changes match.", css_classes=["aiuteur-audit-empty"])
        return pn.widgets.Tabulator(pd.DataFrame(rows, columns=list(AUDIT_COLUMNS)), disabled=True, show_index=False,
                                    height=500, pagination="local", page_size=100, sizing_mode="stretch_width",
                                    css_classes=["aiuteur-audit"])

    return pn.Column(
        pn.Row(project, action, author, refresh, download),
        pn.bind(table, model.param.project, model.param.action, model.param.author, refresh.param.clicks,
                studio.param.store_revision, studio.param.notes_revision),
        sizing_mode="stretch_width",
    )
