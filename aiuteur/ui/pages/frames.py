"""The Frames tab (stage 10), per scene: a contact sheet of start/end frames (state, version, what
each shot continues from, drift), approve, regenerate with guidance (carry forward with its cost
shown first), repair a rectangle, history with compare (blend/flicker) and rollback, and the
quick/control mode with the estimate per mode. Layout only: the logic is
`aiuteur.ui.frames_model.FramesModel`; frames are made by the studio's runner (progress shown)."""
from __future__ import annotations

import html

from aiuteur.ui.studio_model import StudioModel

TITLE = "Frames"
ORDER = 24
_STATE_COLOURS = {"pending": "#f9a825", "approved": "#2e7d32", "stale": "#c62828", "missing": "#9e9e9e"}


def sheet_html(model, selected: str = "") -> str:
    from aiuteur.ui.production_model import thumbnail

    cards = model.cards(drift=True)
    if not cards:
        return "<i>No frames for this scene yet: lock the prompts, then Make frames.</i>"
    out = []
    for card in cards:
        pictures = "".join(
            f'<img src="{thumbnail(p, 200)}" width="200" alt="{k} frame" style="margin-right:3px">' if p else
            f'<div style="display:inline-block;width:200px;height:112px;background:#eee;margin-right:3px;'
            f'font-size:80%">{"waiting for the shot before" if card.waiting else "not made"}</div>'
            for k, p in (("start", card.start_path), ("end", card.end_path)))
        notes = []
        if card.continues_from:
            notes.append(f"continues from {card.continues_from}"
                         + (" (its end frame changed: carry forward to follow it)" if card.continuity_changed else ""))
        notes += [f"drift: {f.character} in the {f.moment} frame ({f.distance:.2f} > {f.threshold:.2f})"
                  for f in card.drift]
        notes += [f"stale: {r}" for r in card.stale_reasons[:1]]
        border = "3px solid #1565c0" if card.shot_id == selected else "1px solid #ddd"
        out.append(
            f'<div class="aiuteur-frame-card" data-shot="{card.shot_id}" data-state="{card.state}" '
            f'data-waiting="{str(card.waiting).lower()}" style="display:inline-block;vertical-align:top;'
            f'border:{border};padding:5px;margin:3px;width:420px"><b>{card.shot_id}</b> '
            f'<small>{"v" + str(card.version) if card.version else ""}</small> '
            f'<span style="background:{_STATE_COLOURS[card.state]};color:white;padding:1px 6px;border-radius:3px">'
            f'{card.state}</span><div>{pictures}</div>'
            + "".join(f"<small>{html.escape(n)}</small><br>" for n in notes) + "</div>")
    return "".join(out)


def modes_html(model) -> str:
    rows = "".join(f'<tr class="aiuteur-mode-estimate" data-mode="{e.mode}"><td><b>{e.mode}</b></td><td>{e.images}</td>'
                   f'<td>${e.cost_usd:.2f}</td><td>{e.rounds}</td><td><small>{html.escape(e.note)}</small></td></tr>'
                   for e in model.mode_estimates())
    return (f'<div>Mode now: <b class="aiuteur-frames-mode">{model.mode()}</b></div><table><tr><th>mode</th>'
            f"<th>images to make</th><th>cost</th><th>approval rounds</th><th></th></tr>{rows}</table>")


def history_html(model) -> str:
    from aiuteur.ui.production_model import thumbnail

    history = model.history()
    if not history:
        return ""
    paths = model.media_paths([r for h in history for r in (h.start, h.end)])
    items = []
    for i, h in enumerate(history):
        start, end = paths[2 * i], paths[2 * i + 1]
        images = "".join(f'<img src="{thumbnail(p, 100)}" width="100">' for p in (start, end) if p)
        items.append(f'<div class="aiuteur-frame-version" data-version="{h.version}" data-current="{str(h.current).lower()}"'
                     f' style="display:inline-block;margin:3px;text-align:center">{images}<br><small>v{h.version} '
                     f'{h.status}{" (current)" if h.current else ""}<br>{html.escape(h.message)}</small></div>')
    return "<b>History</b><br>" + "".join(items)


def page(model: StudioModel):
    import panel as pn

    from aiuteur.ui.frames_model import FramesModel
    from aiuteur.ui.pages.pipeline import run_controls

    frames = FramesModel(studio=model)

    def said(where: str):
        return pn.pane.Str(pn.bind(lambda text, at: text if at == where else "", frames.param.message,
                                   frames.param.message_at), css_classes=[f"aiuteur-frames-{where}-message"],
                           styles={"color": "#37474f", "white-space": "pre-wrap"}, sizing_mode="stretch_width")

    scene = pn.widgets.IntInput.from_param(frames.param.scene, name="Contact sheet of scene", width=160)
    shot = pn.widgets.Select(name="Shot", options=[""], width=180, css_classes=["aiuteur-frames-shot"])

    def refresh_shots(*_):
        shot.options = [""] + [c.shot_id for c in frames.cards()]
        if frames.shot not in shot.options:
            frames.shot = ""
        shot.value = frames.shot
    frames.param.watch(refresh_shots, ["revision", "scene"])
    refresh_shots()
    shot.param.watch(lambda e: e.new != frames.shot and frames.select(e.new or ""), "value")

    mode = pn.widgets.RadioButtonGroup(name="Mode", options=["quick", "control"], value=frames.mode(),
                                       css_classes=["aiuteur-frames-mode-choice"])
    mode.param.watch(lambda e: frames.set_mode(e.new), "value")

    def sync_mode(*_):
        mode.value = frames.mode()
    frames.param.watch(sync_mode, ["revision"])

    approve = pn.widgets.Button(name="Approve shot", button_type="success", css_classes=["aiuteur-approve-shot"])
    approve.on_click(lambda _: frames.approve())
    approve_all = pn.widgets.Button(name="Approve scene")
    approve_all.on_click(lambda _: frames.approve_scene())
    make_next = pn.widgets.Checkbox.from_param(frames.param.make_next, name="control mode: make the next shot on approval")

    guidance = pn.widgets.TextInput.from_param(frames.param.guidance, name="Guidance",
                                               placeholder="e.g. closer on her hands, warmer light")
    carry = pn.widgets.Checkbox.from_param(frames.param.carry_forward, name="Carry forward to the shots that continue it")
    carry_cost = pn.pane.Str(pn.bind(lambda on, _s, _r: (f"carrying forward costs ${frames.carry_cost() or 0:.2f} "
                                                         "(frames and clips of the shots that follow)") if on else "",
                                     frames.param.carry_forward, frames.param.shot, frames.param.revision))
    regenerate = pn.widgets.Button(name="Regenerate frames", button_type="primary")
    regenerate.on_click(lambda _: frames.regenerate())

    which = pn.widgets.Select.from_param(frames.param.which, name="Frame", width=90)
    rect = [pn.widgets.IntInput.from_param(getattr(frames.param, k), name=k, width=80) for k in ("x", "y", "w", "h")]
    repair = pn.widgets.Button(name="Repair region")
    repair.on_click(lambda _: frames.repair())

    compare_a = pn.widgets.IntInput.from_param(frames.param.compare_a, name="Compare v", width=90)
    compare_b = pn.widgets.IntInput.from_param(frames.param.compare_b, name="with v", width=90)
    compare_mode = pn.widgets.Select.from_param(frames.param.compare_mode, name="as", width=100)
    compare = pn.widgets.Button(name="Compare")
    compare.on_click(lambda _: frames.compare())
    rollback_to = pn.widgets.IntInput.from_param(frames.param.rollback_to, name="Roll back to v", width=110)
    rollback = pn.widgets.Button(name="Roll back")
    rollback.on_click(lambda _: frames.rollback())
    comparison = pn.pane.HTML(pn.bind(lambda uri: f'<img class="aiuteur-comparison" src="{uri}" width="480">' if uri else "",
                                      frames.param.comparison))

    def focus(event) -> None:  # "Go to stage" from the review page: its scene and shot here
        if event.new == TITLE:
            frames.scene = model.focus_scene or frames.scene
            if model.focus_shot:
                frames.select(model.focus_shot)
    model.param.watch(focus, "focus_page")

    sheet = pn.pane.HTML(pn.bind(lambda *_: sheet_html(frames, frames.shot), frames.param.revision, frames.param.scene,
                                 frames.param.shot), sizing_mode="stretch_width")
    modes = pn.pane.HTML(pn.bind(lambda *_: modes_html(frames), frames.param.revision))
    history = pn.pane.HTML(pn.bind(lambda *_: history_html(frames), frames.param.revision, frames.param.shot),
                           sizing_mode="stretch_width")
    controls = pn.Column(
        pn.Row(scene, shot), pn.Row(mode), modes, said("mode"),
        run_controls(model, "frames", until=10, label="Make frames (stage 10)", compact=True),
        pn.Row(approve, approve_all), make_next, said("approve"),
        guidance, carry, carry_cost, regenerate, said("regenerate"),
        pn.Row(which, *rect), repair, said("repair"),
        pn.Row(compare_a, compare_b, compare_mode), pn.Row(compare, rollback_to, rollback), said("history"),
        comparison, width=480)
    return pn.Row(controls, pn.Column(sheet, history, sizing_mode="stretch_width"), sizing_mode="stretch_width")
