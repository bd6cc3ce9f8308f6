"""The Costs tab (stage 11): each shot's frames and the exact video prompt stage 12 will send (with
its sha256), stale warnings, the estimate by shot or scene against the budget, a what-if for other
models or a proposed change, and Confirm & Render (approve, then run stage 12 with progress).
Layout only: the logic is `aiuteur.ui.costs_model.CostsModel`."""
from __future__ import annotations

import html

from aiuteur.ui.studio_model import StudioModel

TITLE = "Costs"
ORDER = 26


def table_html(table, title: str = "Estimate") -> str:
    if table is None:
        return "<i>No estimate yet: the project needs its shot lists (stage 7).</i>"
    rows = "".join(
        f'<tr class="aiuteur-cost-row" data-id="{html.escape(r.id)}" data-paid="{str(r.paid_already).lower()}">'
        f'<td>{html.escape(r.label)}</td><td>${r.image_usd:.2f}</td><td>${r.video_usd:.2f}</td><td>${r.sound_usd:.2f}</td>'
        f'<td><b>${r.total_usd:.2f}</b></td><td>{"paid" if r.paid_already else ""}</td></tr>' for r in table.rows)
    budget = f"${table.budget_usd:.2f}" if table.budget_usd is not None else "no limit"
    over = ' <b style="color:#c62828">over budget</b>' if table.over_budget else ""
    engines = ", ".join(f"{k}: {v}" for k, v in table.engines.items())
    return (f'<div class="aiuteur-estimate" data-total="{table.total_usd:.4f}"><b>{html.escape(title)}</b> '
            f'<small>({html.escape(engines)})</small><br>To buy: <b>${table.total_usd:.2f}</b> · spent ${table.spent_usd:.2f}'
            f' · committed ${table.committed_usd:.2f} · budget {budget}{over}'
            f'<table style="border-collapse:collapse"><tr><th>{table.by}</th><th>image</th><th>video</th><th>sound</th>'
            f'<th>total</th><th></th></tr>{rows}</table></div>')


def shots_html(model) -> str:
    from aiuteur.ui.production_model import thumbnail

    rows = model.shots()
    if not rows:
        return "<i>No prompts yet.</i>"
    out = []
    for r in rows[:80]:
        pictures = "".join(f'<img src="{thumbnail(p, 120)}" width="120" style="margin-right:2px">' for p in (r["start"], r["end"]) if p)
        warnings = "".join(f'<li class="aiuteur-send-warning">{html.escape(w)}</li>' for w in r["warnings"])
        out.append(
            f'<div class="aiuteur-send" data-shot="{r["shot"]}" data-hash="{r["video_hash"]}" style="border-top:1px solid #ddd;'
            f'padding:4px 0;display:flex;gap:8px"><div style="width:250px">{pictures}<br><b>{r["shot"]}</b> '
            f'<small>scene {r["scene"]}, prompt {r["state"]}</small></div><div style="flex:1"><small>to '
            f'{html.escape(r["engine"])}, sha256 <code class="aiuteur-send-hash">{r["video_hash"]}</code></small>'
            f'<pre class="aiuteur-send-prompt" style="white-space:pre-wrap;font-size:80%;margin:2px 0">'
            f'{html.escape(r["video_prompt"])}</pre>' + (f'<ul style="color:#c62828">{warnings}</ul>' if warnings else "")
            + "</div></div>")
    if len(rows) > 80:
        out.append(f"<i>{len(rows) - 80} more: pick a scene.</i>")
    return "".join(out)


def page(model: StudioModel):
    import panel as pn

    from aiuteur.ui.costs_model import CostsModel
    from aiuteur.ui.pages.pipeline import run_controls

    costs = CostsModel(studio=model)

    def said(where: str):
        return pn.pane.Str(pn.bind(lambda text, at: text if at == where else "", costs.param.message,
                                   costs.param.message_at), css_classes=[f"aiuteur-costs-{where}-message"],
                           styles={"color": "#37474f", "white-space": "pre-wrap"}, sizing_mode="stretch_width")

    by = pn.widgets.RadioButtonGroup.from_param(costs.param.by, name="By")
    scene = pn.widgets.IntInput.from_param(costs.param.scene, name="Shots of scene (0: all)", width=150)
    confirm = pn.widgets.Button(name="Confirm & Render", button_type="danger", css_classes=["aiuteur-confirm-render"])
    confirm.on_click(lambda _: costs.confirm_and_render())
    image = pn.widgets.TextInput.from_param(costs.param.image_engine, name="What if: image engine", width=200)
    video = pn.widgets.TextInput.from_param(costs.param.video_engine, name="video engine", width=200)
    change = pn.widgets.TextInput.from_param(costs.param.change, name="change", placeholder="redo-frames-scene:2", width=200)
    what_if_table = pn.pane.HTML("", sizing_mode="stretch_width")
    ask = pn.widgets.Button(name="Price it")

    def price(_):
        table = costs.what_if()
        what_if_table.object = table_html(table, f"What if: {table.change or 'other engines'}") if table else ""
    ask.on_click(price)

    warnings = pn.pane.HTML(pn.bind(lambda *_: "".join(f'<div class="aiuteur-cost-warning" style="color:#c62828">⚠ '
                                                       f'{html.escape(w)}</div>' for w in costs.warnings())
                                    or '<div class="aiuteur-cost-ok" style="color:#2e7d32">Nothing stale, nothing waiting '
                                       'before the render.</div>', costs.param.revision), sizing_mode="stretch_width")
    estimate = pn.pane.HTML(pn.bind(lambda *_: table_html(costs.estimate()), costs.param.revision, costs.param.by),
                            sizing_mode="stretch_width")
    sends = pn.pane.HTML(pn.bind(lambda *_: shots_html(costs), costs.param.revision, costs.param.scene),
                         sizing_mode="stretch_width")
    # the render's progress, message and any gate it stops at, beside the button that started it
    render = run_controls(model, "costs", until=12, label="Run stage 12 again", compact=True)
    return pn.Column(
        warnings, pn.Row(confirm, said("confirm")), render,
        pn.Row(pn.Column(by, estimate, pn.Row(image, video, change), ask, said("what-if"), what_if_table, width=560),
               pn.Column(scene, sends, sizing_mode="stretch_width", max_height=900, scroll=True),
               sizing_mode="stretch_width"),
        sizing_mode="stretch_width")
