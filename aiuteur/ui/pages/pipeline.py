"""The Run tab: run stages 5-12 for the project with progress, see the gate the run stopped at, and
pass it with one button (the CLI command that does the same is shown beside it). Layout only: the
logic is `aiuteur.ui.pipeline_model.PipelineModel` (shared with the sidebar and the "run stage N"
buttons on other pages)."""
from __future__ import annotations

import html
from typing import Any

from aiuteur.ui.studio_model import StudioModel

TITLE = "Run"
ORDER = 5


def gate_html(gate: dict[str, Any] | None) -> str:
    """The waiting gate as a `.aiuteur-gate` box (data-gate, data-stage), or a note that none waits."""
    if not gate:
        return '<div class="aiuteur-gate" data-gate="">No gate is waiting for a person.</div>'
    return (f'<div class="aiuteur-gate" data-gate="{gate["gate"]}" data-stage="{gate["stage"]}" '
            f'style="border-left:6px solid #f9a825;padding:4px 8px;background:#fffde7">'
            f'<b>Waiting at stage {gate["stage"]}: {html.escape(gate["title"])}</b><br>{html.escape(gate["waiting"])}'
            f'<br><small>CLI: <code>{html.escape(gate["command"])}</code></small></div>')


def run_controls(model: StudioModel, origin: str, *, until: int | None = None, label: str | None = None,
                 compact: bool = False):
    """A Run button with its progress, message and the waiting gate's button — the same controls on
    the Run tab, in the sidebar, and where another page had a dead end ("run stage 5"). With `until`
    the button runs to that stage; without it, to the stage chosen in the selector. `origin` names this
    place: the run's message shows here when the run (or the gate passed) was started here."""
    import panel as pn

    runner = model.pipeline
    widgets: list[Any] = []
    if until is None:
        widgets.append(pn.widgets.Select.from_param(runner.param.until, name="Run up to stage", width=140))
    button = pn.widgets.Button(name=label or (f"Run to stage {until}" if until else "Run"), button_type="primary",
                               css_classes=["aiuteur-run"])
    button.on_click(lambda _: runner.start(until, origin=origin))
    bar = pn.indicators.Progress(value=-1, max=100, width=200, visible=False, css_classes=["aiuteur-run-progress"])

    def show_progress(*_):
        bar.visible = runner.running
        bar.value = int(100 * runner.fraction) if runner.total > 1 else -1
        button.disabled = runner.running
    runner.param.watch(show_progress, ["running", "done", "total"])
    show_progress()
    status = pn.pane.Str(runner.param.status, css_classes=["aiuteur-run-status"])
    message = pn.pane.Str(pn.bind(lambda text, where: text if where == origin else "", runner.param.message,
                                  runner.param.origin), css_classes=["aiuteur-run-message"],
                          styles={"white-space": "pre-wrap"}, sizing_mode="stretch_width")
    gate = pn.pane.HTML(pn.bind(gate_html, runner.param.gate), sizing_mode="stretch_width")
    passing = pn.widgets.Button(name="Pass this gate", button_type="success", css_classes=["aiuteur-pass-gate"])
    passing.on_click(lambda _: runner.pass_gate(origin=origin))

    def show_gate(*_):
        passing.visible = bool(runner.gate) and not runner.running
        passing.name = f"Pass gate {runner.gate['stage']}: {runner.gate['title']}" if runner.gate else "Pass this gate"
    runner.param.watch(show_gate, ["gate", "running"])
    show_gate()
    if compact:
        return pn.Column(pn.Row(*widgets, button), bar, status, message, gate, passing, sizing_mode="stretch_width")
    return pn.Column(pn.Row(*widgets, button, bar, status), message, gate, passing, sizing_mode="stretch_width")


def page(model: StudioModel):
    import panel as pn

    return pn.Column(
        pn.pane.Markdown("Run the stages after the script — assets, hub, shots, visual states, prompts, frames, "
                         "cost confirmation, video — for the selected project. The run stops at each gate a "
                         "person must pass; pass it here (or with the command shown) and run again. The Stages "
                         "tab shows where each stage stands."),
        run_controls(model, "run-page"), sizing_mode="stretch_width")
