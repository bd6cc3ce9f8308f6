"""The Tracking tab: publish the project to Kitsu (shots, clips as previews, notes as comments), read
Kitsu's comments back as review notes, and a status line of what Kitsu holds (docs/tracking.md).
Layout only: the logic is `aiuteur.ui.tracking_model.TrackingModel`."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiuteur.ui.studio_model import StudioModel

TITLE = "Tracking"
ORDER = 96


def page(studio: "StudioModel"):
    import panel as pn

    from aiuteur.ui.tracking_model import TrackingModel

    model = TrackingModel(studio=studio)
    publish = pn.widgets.Button(name="Publish to Kitsu", button_type="primary", css_classes=["aiuteur-kitsu-publish"])
    sync = pn.widgets.Button(name="Sync notes from Kitsu", css_classes=["aiuteur-kitsu-sync"])
    publish.on_click(lambda _: model.publish())
    sync.on_click(lambda _: model.sync())
    production = pn.widgets.TextInput.from_param(model.param.kitsu_project, name="Kitsu production (empty: the "
                                                 "project's name, or the one published to before)")

    def status(*_):
        return pn.pane.Markdown(model.status_line(), css_classes=["aiuteur-kitsu-status"])

    return pn.Column(
        pn.Row(production),
        pn.Row(publish, sync),
        pn.pane.Str(model.param.message, css_classes=["aiuteur-kitsu-message"]),
        pn.bind(status, studio.param.project, studio.param.store_revision, model.param.revision),
        sizing_mode="stretch_width")
