"""The Prompts tab (stage 9): shot cards with start/end frame thumbnails, the frame and video prompt,
the target models' badges and limits, problems; an editor (a save is a version marked manual), lock
(refused with the reason shown beside the button), a diff of two versions, and keep/take/merge for
an "edited, stale" prompt. Layout only: the logic is `aiuteur.ui.prompts_model.PromptsModel`."""
from __future__ import annotations

import html

from aiuteur.ui.studio_model import StudioModel

TITLE = "Prompts"
ORDER = 22
_STATE_COLOURS = {"generated": "#9e9e9e", "edited": "#0277bd", "edited, stale": "#c62828", "locked": "#2e7d32"}


def badge_html(badge) -> str:
    people = {"all": "people ok", "adult": "adults only", "none": "no people"}.get(badge.people, badge.people)
    limits = [f"≤{badge.prompt_chars} chars", people]
    if badge.reference_images:
        limits.append(f"{badge.reference_images} refs")
    if badge.durations:
        limits.append("/".join(map(str, badge.durations)) + " s")
    return (f'<span class="aiuteur-badge" data-kind="{badge.kind}" title="{html.escape(", ".join(limits))}" '
            f'style="background:#eceff1;border-radius:3px;padding:1px 5px;margin-right:4px;font-size:85%">'
            f'{badge.kind}: <b>{html.escape(badge.engine)}</b> ({html.escape(", ".join(limits))})</span>')


def cards_html(model, selected: str = "") -> str:
    from aiuteur.ui.prompts_model import MAX_CARDS
    from aiuteur.ui.production_model import thumbnail

    cards = model.cards()
    if not cards:
        return "<i>No prompts yet: run stage 9 (the Run tab, or `aiuteur run P --until prompts`).</i>"
    out = []
    paths = model.frame_paths(cards[:MAX_CARDS])
    for card in cards[:MAX_CARDS]:
        start, end = paths[card.shot_id]
        pictures = "".join(f'<img src="{thumbnail(p, 160)}" width="160" alt="{k} frame" style="margin-right:3px">'
                           if p else f'<div style="display:inline-block;width:160px;height:90px;background:#eee;'
                                     f'margin-right:3px;font-size:80%">no {k} frame</div>'
                           for k, p in (("start", start), ("end", end)))
        problems = "".join(f'<li class="aiuteur-prompt-problem">{html.escape(p)}</li>' for p in card.problems)
        stale = "".join(f"<li>{html.escape(r)}</li>" for r in card.stale_reasons[:2])
        beside = ""
        if card.regenerated is not None:
            beside = (f'<div class="aiuteur-regenerated" style="border-left:3px solid #c62828;padding-left:6px">'
                      f'<b>Regenerated (inputs changed)</b><pre style="white-space:pre-wrap;font-size:80%">'
                      f'{html.escape(card.regenerated.frame_prompt)}\n\n{html.escape(card.regenerated.video_prompt)}'
                      f'</pre></div>')
        border = "3px solid #1565c0" if card.shot_id == selected else "1px solid #ddd"
        out.append(
            f'<div class="aiuteur-prompt-card" data-shot="{card.shot_id}" data-state="{card.state}" '
            f'data-version="{card.version}" style="border:{border};padding:6px;margin:4px 0">'
            f'<b>{card.shot_id}</b> <small>scene {card.scene}, v{card.version}{" manual" if card.manual else ""}</small> '
            f'<span class="aiuteur-prompt-state" style="background:{_STATE_COLOURS[card.state]};color:white;'
            f'padding:1px 6px;border-radius:3px">{card.state}</span> {badge_html(card.image)}{badge_html(card.video)}'
            f'<div>{pictures}</div>'
            f'<div style="display:flex;gap:8px"><div style="flex:1"><small>Frame prompt '
            f'<code title="sha256 of the text sent">{card.frame_hash[:12]}</code></small>'
            f'<pre class="aiuteur-frame-prompt" style="white-space:pre-wrap;font-size:80%">{html.escape(card.frame_prompt)}'
            f'</pre></div><div style="flex:1"><small>Video prompt <code title="sha256 of the text sent">'
            f'{card.video_hash[:12]}</code></small><pre class="aiuteur-video-prompt" style="white-space:pre-wrap;'
            f'font-size:80%">{html.escape(card.video_prompt)}</pre></div></div>{beside}'
            + (f'<ul style="color:#b71c1c">{problems}</ul>' if problems else "")
            + (f'<ul style="color:#c62828"><small>{stale}</small></ul>' if stale else "") + "</div>")
    if len(cards) > MAX_CARDS:
        out.append(f"<i>{len(cards) - MAX_CARDS} more: pick a scene.</i>")
    return "".join(out)


def page(model: StudioModel):
    import panel as pn

    from aiuteur.ui.prompts_model import PromptsModel

    prompts = PromptsModel(studio=model)

    def said(where: str):
        return pn.pane.Str(pn.bind(lambda text, at: text if at == where else "", prompts.param.message,
                                   prompts.param.message_at), css_classes=[f"aiuteur-prompts-{where}-message"],
                           styles={"color": "#b71c1c", "white-space": "pre-wrap"}, sizing_mode="stretch_width")

    scene = pn.widgets.IntInput.from_param(prompts.param.scene, name="Scene (0: all)", width=120)
    shot = pn.widgets.Select(name="Shot", options=[""], width=180, css_classes=["aiuteur-prompts-shot"])

    def refresh_shots(*_):
        shot.options = [""] + prompts.shot_ids()
        if prompts.shot not in shot.options:
            prompts.shot = ""
        shot.value = prompts.shot
    prompts.param.watch(refresh_shots, ["revision", "scene"])
    refresh_shots()
    shot.param.watch(lambda e: e.new != prompts.shot and prompts.select(e.new or ""), "value")

    frame = pn.widgets.TextAreaInput.from_param(prompts.param.frame_text, name="Frame prompt", height=170,
                                                sizing_mode="stretch_width", css_classes=["aiuteur-frame-editor"])
    video = pn.widgets.TextAreaInput.from_param(prompts.param.video_text, name="Video prompt", height=170,
                                                sizing_mode="stretch_width", css_classes=["aiuteur-video-editor"])
    save = pn.widgets.Button(name="Save edit", button_type="primary")
    save.on_click(lambda _: prompts.save_edit())
    lock_one = pn.widgets.Button(name="Lock this prompt")
    lock_one.on_click(lambda _: prompts.lock())
    lock_all = pn.widgets.Button(name="Lock all prompts", button_type="success")
    lock_all.on_click(lambda _: prompts.lock(all_shots=True))

    diff_a = pn.widgets.IntInput.from_param(prompts.param.diff_a, name="Diff version", width=110)
    diff_b = pn.widgets.IntInput.from_param(prompts.param.diff_b, name="against", width=110)
    show = pn.widgets.Button(name="Diff")
    show.on_click(lambda _: prompts.show_diff())
    diff = pn.pane.HTML(pn.bind(lambda text: f'<pre class="aiuteur-diff" style="white-space:pre-wrap;font-size:80%">'
                                             f'{html.escape(text)}</pre>' if text else "", prompts.param.diff),
                        sizing_mode="stretch_width")

    resolve = []
    for choice, label in (("keep", "Keep my edit"), ("take", "Take regenerated"), ("merge", "Merge (editor text)")):
        button = pn.widgets.Button(name=label)
        button.on_click(lambda _, c=choice: prompts.resolve(c))
        resolve.append(button)
    resolving = pn.Column(pn.pane.Markdown("**Edited, stale**: inputs changed under this edit — keep it, take the "
                                           "regenerated prompt, or merge (edit the text above, then Merge)."),
                          pn.Row(*resolve), said("resolve"), visible=False)

    def show_resolve(*_):
        card = prompts.card() if prompts.shot else None
        resolving.visible = card is not None and card.state == "edited, stale"
    prompts.param.watch(show_resolve, ["shot", "revision"])

    def focus(event) -> None:  # "Go to stage" from the review page: open its shot here
        if event.new == TITLE and model.focus_shot:
            prompts.select(model.focus_shot)
            shot.value = model.focus_shot if model.focus_shot in shot.options else shot.value
    model.param.watch(focus, "focus_page")

    cards = pn.pane.HTML(pn.bind(lambda *_: cards_html(prompts, prompts.shot), prompts.param.revision,
                                 prompts.param.scene, prompts.param.shot), sizing_mode="stretch_width")
    editor = pn.Column(
        pn.Row(scene, shot), frame, video, pn.Row(save), said("edit"), pn.Row(lock_one, lock_all), said("lock"),
        resolving, pn.Row(diff_a, diff_b, show), said("diff"), diff, width=520)
    return pn.Row(editor, pn.Column(cards, sizing_mode="stretch_width", max_height=900, scroll=True),
                  sizing_mode="stretch_width")
