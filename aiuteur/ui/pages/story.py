"""The Story tab: stages 1-4 and story timelines — file upload and staging, the three treatment
variants side by side, the beat list with move/split/merge/delete, the script in screenplay layout,
and the branch switcher. Layout only: the logic is `aiuteur.ui.story_model.StoryModel`."""
from __future__ import annotations

import html

import panel as pn

from aiuteur.ui.story_model import StoryModel
from aiuteur.ui.studio_model import StudioModel

TITLE = "Story"
ORDER = 10
_COLOURS = {"locked": "#2e7d32", "done": "#2e7d32", "draft": "#f9a825", "stale": "#c62828", "not started": "#9e9e9e"}


def stages_html(story: StoryModel) -> str:
    """Stages 1-4 as `.aiuteur-story-stage` boxes with `data-state` (and `data-imported`)."""
    boxes = []
    for s in story.stages()[:4]:
        extra = " (imported)" if s.imported else ""
        boxes.append(
            f'<span class="aiuteur-story-stage" data-stage="{s.slug}" data-state="{s.state}" '
            f'data-imported="{str(s.imported).lower()}" style="display:inline-block;margin:2px 6px 2px 0;'
            f'padding:3px 8px;border-left:6px solid {_COLOURS[s.state]};background:#fafafa">'
            f"<b>{s.number}. {html.escape(s.title)}</b> — {s.state}{extra}</span>")
    return "".join(boxes) or "<i>Create or pick a project.</i>"


def comparison_html(story: StoryModel) -> str:
    """The variants side by side: one column each, stats on top, then the text."""
    stats, texts = story.comparison(), story.variant_texts()
    if not stats:
        return "<i>No treatment yet.</i>"
    cols = []
    for s, text in zip(stats, texts):
        chosen = " (selected)" if s.selected else ""
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n"))
        cols.append(
            f'<div class="aiuteur-variant" data-variant="{s.variant}" data-selected="{str(s.selected).lower()}" '
            f'style="flex:1;min-width:220px;border:1px solid #ddd;padding:8px">'
            f"<h4>Variant {html.escape(s.variant)}{chosen}</h4><p><i>{html.escape(s.angle)}</i></p>"
            f"<ul><li>{s.words} words, {s.paragraphs} paragraphs (~{s.reading_minutes} min read)</li>"
            f"<li>beats covered ({len(s.beats_covered)}): {html.escape(', '.join(s.beats_covered))}</li>"
            f"<li>characters introduced: {html.escape(', '.join(s.characters_introduced))}</li>"
            f"<li>only here: {html.escape(', '.join(s.unique_characters) or '-')}</li></ul>"
            f'<div style="max-height:260px;overflow:auto;font-size:90%">{paragraphs}</div></div>')
    return f'<div style="display:flex;gap:8px">{"".join(cols)}</div>'


def beats_html(story: StoryModel) -> str:
    rows = story.beat_rows()
    if not rows:
        return "<i>No beat sheet yet.</i>"
    items = "".join(
        f'<li class="aiuteur-beat" data-title="{html.escape(r["title"])}"><b>{r["n"]}. {html.escape(r["title"])}</b> '
        f'({r["est_seconds"]:g}s; {html.escape(", ".join(r["characters"]))})<br>{html.escape(r["summary"])}'
        f'<br><small>{html.escape(r["purpose"])}</small></li>' for r in rows)
    total = sum(r["est_seconds"] for r in rows)
    return f'<ol style="list-style:none;padding-left:0">{items}</ol><p>total {total:.0f}s</p>'


def page(model: StudioModel) -> pn.viewable.Viewable:
    story = StoryModel(workspace=model.workspace, project=model.project or "", studio=model)
    model.param.watch(lambda event: setattr(story, "project", event.new or ""), "project")
    model.param.watch(lambda _: story.param.update(revision=story.revision + 1), "store_revision")  # stays true

    def after_create(_=None) -> None:
        name = story.create_project()
        if name:
            model.refresh()
            model.project = name

    def bound(fn):
        return pn.bind(lambda *_: fn(story), story.param.revision, story.param.project)

    # stage 1
    upload = pn.widgets.FileInput(name="Source file", multiple=False)
    label = pn.widgets.TextInput.from_param(story.param.upload_label, name="Label", placeholder="notes, draft script, world bible")
    stage_button = pn.widgets.Button(name="Stage file")
    stage_button.on_click(lambda _: upload.value and story.stage_upload(upload.filename, upload.value))
    staged = pn.pane.HTML(pn.bind(lambda files: "<ol>" + "".join(
        f'<li class="aiuteur-staged">{html.escape(f["name"])} — {html.escape(f["label"])} ({f["kind"]})</li>'
        for f in files) + "</ol>", story.param.staged))
    create = pn.widgets.Button(name="Create project", button_type="primary")
    create.on_click(after_create)
    stage1 = pn.Column(
        "### 1. Input", pn.widgets.TextInput.from_param(story.param.title, name="Title"),
        pn.widgets.TextAreaInput.from_param(story.param.idea, name="Idea", placeholder="A sentence or more (optional with files)"),
        pn.Row(upload, label, stage_button), staged, create)

    # stage 2
    generate_t = pn.widgets.Button(name="Generate treatments")
    generate_t.on_click(lambda _: story.generate_treatments())
    selects = []

    def select(i: int, letter: str) -> None:
        """Selecting another variant once work was made from the selected one asks first (a dialog
        listing what turns stale and what it cost): `gate_actions.select_treatment`."""
        from aiuteur.stages.gate_actions import select_treatment

        done = model.ask_first(f"select variant {letter}", lambda store, project, ok: select_treatment(
            store, project, i, author=model.author, confirm_invalidation=ok))
        if done is not None:
            story.param.update(message=f"variant {letter} selected: treatment locked", revision=story.revision + 1)
        else:
            story.message = (f"variant {letter}: it makes finished work stale; confirm in the dialog first"
                             if model.pending else f"select variant failed: {model.message}")

    for i, letter in enumerate("ABC"):
        button = pn.widgets.Button(name=f"Select variant {letter}")
        button.on_click(lambda _, i=i, letter=letter: select(i, letter))
        selects.append(button)
    stage2 = pn.Column("### 2. Treatment", pn.Row(generate_t, *selects),
                       pn.pane.HTML(bound(comparison_html), sizing_mode="stretch_width"), sizing_mode="stretch_width")

    # stage 3
    buttons = {}
    for title, fn in (("Generate beats", story.generate_beats), ("Move beat", story.move_beat),
                      ("Split beat", story.split_beat), ("Merge with next", story.merge_beat),
                      ("Delete beat", story.delete_beat), ("Confirm beats", story.confirm_beats)):
        buttons[title] = pn.widgets.Button(name=title)
        buttons[title].on_click(lambda _, fn=fn: fn())
    stage3 = pn.Column(
        "### 3. Beat sheet", pn.Row(buttons["Generate beats"], buttons["Confirm beats"]),
        pn.Row(pn.widgets.IntInput.from_param(story.param.beat_index, name="Beat", width=90),
               pn.widgets.IntInput.from_param(story.param.beat_to, name="Move to", width=90), buttons["Move beat"],
               pn.widgets.IntInput.from_param(story.param.split_at, name="Split after sentence", width=140),
               buttons["Split beat"], buttons["Merge with next"], buttons["Delete beat"]),
        pn.pane.HTML(bound(beats_html), sizing_mode="stretch_width"), sizing_mode="stretch_width")

    # stage 4
    gen_s = pn.widgets.Button(name="Generate script")
    gen_s.on_click(lambda _: story.generate_script())
    approve = pn.widgets.Button(name="Approve script")
    approve.on_click(lambda _: story.approve_script())
    stage4 = pn.Column("### 4. Master script", pn.Row(gen_s, approve),
                       pn.pane.HTML(bound(lambda s: f'<div class="aiuteur-script" style="max-height:600px;overflow:auto">'
                                                    f"{s.script_html()}</div>"), sizing_mode="stretch_width"),
                       sizing_mode="stretch_width")

    # timelines
    branch_select = pn.widgets.Select(name="Branch", options=[])

    def refresh_branches(*_) -> None:
        rows = story.branches()
        branch_select.options = [r["name"] for r in rows]
        current = next((r["name"] for r in rows if r["current"]), None)
        if current:
            branch_select.value = current

    story.param.watch(refresh_branches, ["revision", "project"])
    refresh_branches()
    switch = pn.widgets.Button(name="Switch branch")
    switch.on_click(lambda _: branch_select.value and story.switch_branch(branch_select.value))
    new = pn.widgets.Button(name="New branch")
    new.on_click(lambda _: story.new_branch())
    timeline = pn.Column(
        "### Story timelines", pn.Row(branch_select, switch),
        pn.Row(pn.widgets.TextInput.from_param(story.param.branch_name, name="Branch name (for changes over locked work: regenerate or edit with it set)"),
               pn.widgets.TextInput.from_param(story.param.branch_message, name="Message"), new))

    return pn.Column(
        pn.pane.HTML(bound(stages_html), sizing_mode="stretch_width"),
        pn.pane.Str(story.param.message, css_classes=["aiuteur-story-message"]),
        stage1, stage2, stage3, stage4, timeline, sizing_mode="stretch_width")
