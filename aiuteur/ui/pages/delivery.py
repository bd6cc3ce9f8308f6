"""The Delivery tab: export the film's delivery package (codec, resolution, handles, a folder or a .zip)
as a job with a progress bar and a Cancel button, the export history, and Archive / Restore of the whole
project (docs/delivery.md). Layout only: the logic is `aiuteur.ui.delivery_model.DeliveryModel`."""
from __future__ import annotations

from aiuteur.ui.studio_model import StudioModel

TITLE = "Delivery"
ORDER = 40


def page(studio: StudioModel):
    import pandas as pd
    import panel as pn

    from aiuteur.ui.delivery_model import RESOLUTIONS, DeliveryModel

    model = DeliveryModel(studio=studio)

    codec = pn.widgets.Select.from_param(model.param.codec, name="Codec", width=120)
    resolution = pn.widgets.Select(name="Resolution", options={"each shot's own": "", **{r: r for r in RESOLUTIONS if r}},
                                   value=model.resolution, width=140)
    resolution.link(model, value="resolution")
    handles = pn.widgets.IntInput.from_param(model.param.handles, name="Handles (frames; empty: whole clip)", width=200)
    destination = pn.widgets.TextInput.from_param(
        model.param.destination, name="Destination: a folder (new <Title>_v### inside) or a new .zip",
        placeholder=str(model.default_destination()), sizing_mode="stretch_width")
    export = pn.widgets.Button(name="Export", button_type="primary", css_classes=["aiuteur-export"])
    export.on_click(lambda _: model.start_export())
    cancel = pn.widgets.Button(name="Cancel", button_type="warning", visible=False,
                               css_classes=["aiuteur-export-cancel"])
    cancel.on_click(lambda _: model.cancel_export())
    bar = pn.indicators.Progress(value=0, max=100, width=300, visible=False, css_classes=["aiuteur-export-progress"])
    status = pn.pane.Str(model.param.status, css_classes=["aiuteur-export-status"])
    job = pn.pane.Str(model.param.job_id, css_classes=["aiuteur-export-job"], visible=False)

    def show_progress(*_):
        bar.visible = cancel.visible = job.visible = model.running
        bar.value = int(100 * model.progress)
        export.disabled = model.running
    model.param.watch(show_progress, ["running", "progress"])
    show_progress()
    if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
        pn.state.add_periodic_callback(model.poll, period=500)

    archive_path = pn.widgets.TextInput.from_param(model.param.archive_path, name="Archive file (new .zip; empty: "
                                                   "archives/ beside the workspace)", sizing_mode="stretch_width")
    branch = pn.widgets.TextInput.from_param(model.param.archive_branch, name="Only branch (empty: all)", width=180)
    archive = pn.widgets.Button(name="Archive", button_type="default", css_classes=["aiuteur-archive"])
    archive.on_click(lambda _: model.archive())
    restore_file = pn.widgets.TextInput.from_param(model.param.restore_file, name="Archive to restore",
                                                   sizing_mode="stretch_width")
    restore_ws = pn.widgets.TextInput.from_param(model.param.restore_workspace,
                                                 name="Into workspace (empty: this one)", sizing_mode="stretch_width")
    restore = pn.widgets.Button(name="Restore", button_type="default", css_classes=["aiuteur-restore"])
    restore.on_click(lambda _: model.restore())

    def history(*_):
        rows = model.history()
        if not rows:
            return pn.pane.Markdown("No exports yet." if studio.project else "Pick a project to export it.")
        return pn.widgets.Tabulator(pd.DataFrame(rows), disabled=True, show_index=False, height=260,
                                    sizing_mode="stretch_width", css_classes=["aiuteur-export-history"])

    return pn.Column(
        pn.pane.Markdown("### Export\nThe delivery package: versioned media, OTIO / EDL / FCP 7 XML / FCP X XML / "
                         "AAF with relative paths, sound stems and `manifest.json`. It runs as a job "
                         "(`aiuteur jobs P`); CLI: `aiuteur export P --to DIR`."),
        pn.Row(codec, resolution, handles), destination, pn.Row(export, cancel, bar, job, status),
        pn.pane.Str(model.param.message, css_classes=["aiuteur-delivery-message"], styles={"white-space": "pre-wrap"},
                    sizing_mode="stretch_width"),
        pn.pane.Markdown("### Export history"),
        pn.bind(history, studio.param.project, studio.param.store_revision, model.param.history_revision),
        pn.pane.Markdown("### Archive and restore\nThe whole project — every version, the history, the media — "
                         "in one file (`aiuteur archive` / `aiuteur restore`)."),
        pn.Row(archive_path, branch, archive), pn.Row(restore_file, restore_ws, restore),
        sizing_mode="stretch_width")
