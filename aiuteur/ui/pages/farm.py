"""The Farm tab: what a render-farm job for the project holds now (frames before the cost gate; clips,
sound, film and export after it) and a button writing its Open Job Description bundle (docs/farm.md).
Layout only: the logic is `aiuteur.ui.farm_model.FarmModel`."""
from __future__ import annotations

import panel as pn

from aiuteur.ui.studio_model import StudioModel

TITLE = "Farm"
ORDER = 95


def page(studio: StudioModel) -> pn.viewable.Viewable:
    from aiuteur.ui.farm_model import FarmModel

    model = FarmModel(studio=studio)
    write = pn.widgets.Button(name="Write job bundle", button_type="primary", css_classes=["aiuteur-farm-write"])
    write.on_click(lambda _: model.write_bundle())
    folder = pn.widgets.TextInput.from_param(model.param.folder, name="Bundle folder (new; empty: farm-jobs/ beside the workspace)")
    command = pn.widgets.TextInput.from_param(model.param.aiuteur, name="aiuteur command on the workers")

    def body(*_):
        found = model.preview()
        if found is None:
            return pn.pane.Markdown(model.message or "Pick a project to plan its farm job.")
        tasks = len(found["scenes"]) + len(found["shots"]) + sum(s in found["steps"] for s in ("Sound", "Film", "Export"))
        lines = [f"**Steps now:** {', '.join(found['steps'])} — {tasks} task(s)",
                 "**Engines:** " + ", ".join(f"{k} `{v}`" for k, v in found["engines"].items())]
        if found["next"]:
            lines.append(f"**Then:** {found['next']}")
        return pn.pane.Markdown("\n\n".join(lines), css_classes=["aiuteur-farm-plan"])

    return pn.Column(pn.Row(folder, command), pn.Row(write, pn.pane.Str(model.param.message, css_classes=["aiuteur-farm-message"])),
                     pn.bind(body, studio.param.project, studio.param.store_revision, write.param.clicks),
                     sizing_mode="stretch_width")
