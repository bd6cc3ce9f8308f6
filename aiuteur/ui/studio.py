"""Panel views over `StudioModel`: project list, twelve-stage timeline, review page.

Usable in a notebook (`StudioApp(workspace).view()`) and served by `panel_apps/studio.py`.
"""
from __future__ import annotations

import html

import panel as pn

from aiuteur.ui.studio_model import StudioModel

_COLOURS = {"locked": "#2e7d32", "done": "#2e7d32", "draft": "#f9a825", "stale": "#c62828", "not started": "#9e9e9e"}


def stage_timeline_html(model: StudioModel) -> str:
    """Twelve boxes, one per stage, coloured by state (each is a `.aiuteur-stage` element)."""
    boxes = []
    for s in model.stages():
        why = html.escape("; ".join(s.reasons[:2]))
        boxes.append(
            f'<div class="aiuteur-stage" data-state="{s.state}" title="{why}" style="border-left:6px solid '
            f'{_COLOURS[s.state]};padding:4px 8px;margin:2px 0;background:#fafafa">'
            f"<b>{s.number}. {html.escape(s.title)}</b> — {s.state} "
            f'<span style="color:#777">({s.artifacts} artifacts, {s.versions} versions)</span></div>'
        )
    return "".join(boxes) or "<i>Pick a project to see its stages.</i>"


class StudioApp:
    def __init__(self, workspace: str) -> None:
        self.model = StudioModel(workspace=workspace)

    def project_picker(self) -> pn.viewable.Viewable:
        return pn.widgets.Select.from_param(self.model.param.project, name="Project")

    def timeline(self) -> pn.viewable.Viewable:
        return pn.pane.HTML(pn.bind(lambda _: stage_timeline_html(self.model), self.model.param.project),
                            sizing_mode="stretch_width")

    def review(self) -> pn.viewable.Viewable:
        def video(_):
            path = self.model.film_path()
            if path is None:
                return pn.pane.Markdown("No film yet: run the pipeline to stage 12.")
            return pn.pane.Video(str(path), width=640, loop=False, autoplay=False)

        def table(_):
            rows = self.model.shot_rows()
            if not rows:
                return pn.pane.Markdown("No shots yet.")
            import pandas as pd
            return pn.widgets.Tabulator(pd.DataFrame(rows), disabled=True, height=360, show_index=False,
                                        sizing_mode="stretch_width", pagination=None)

        note = pn.widgets.TextInput.from_param(self.model.param.note_text, name="Review note", placeholder="e.g. the lighting in SC030 is too dark")
        target = pn.widgets.TextInput.from_param(self.model.param.note_target, name="On (shot id, scene/N or film)")
        save = pn.widgets.Button(name="Add note", button_type="primary")
        save.on_click(lambda _: self.model.add_note())
        message = pn.pane.Str(self.model.param.message)
        return pn.Row(
            pn.Column(pn.bind(video, self.model.param.project), target, note, save, message),
            pn.Column(pn.bind(table, self.model.param.project), sizing_mode="stretch_width", min_width=560),
            sizing_mode="stretch_width",
        )

    def page(self) -> pn.template.BaseTemplate:
        """The served page (panel_apps/studio.py)."""
        return pn.template.FastListTemplate(
            title="aiuteur studio",
            sidebar=[self.project_picker(), pn.pane.Markdown(f"Workspace: `{self.model.workspace}`")],
            main=[pn.Tabs(("Stages", self.timeline()), ("Review", self.review()), *self.pages(), dynamic=False)],
        )

    def pages(self) -> list[tuple[str, pn.viewable.Viewable]]:
        """The area pages found in `aiuteur.ui.pages` (story, production, ...)."""
        from aiuteur.ui.pages import discover

        return [(module.TITLE, module.page(self.model)) for module in discover()]

    def panel(self) -> pn.viewable.Viewable:
        """The same parts without a page template, for notebooks."""
        return pn.Column(self.project_picker(), pn.Row(pn.Column("### Stages", self.timeline(), width=420), self.review()))
