"""The Production tab: stages 5-8 — asset gallery with images and filters, the global asset library,
the script hub with status colours and a dependency panel, the shot table (edit in place, problems
shown per cell, split/merge/move/delete, the rearview mirror) and each asset's timeline with tags.
Layout only: the logic is `aiuteur.ui.production_model.ProductionModel`."""
from __future__ import annotations

import html

import pandas as pd
import panel as pn

from aiuteur.ui.production_model import SHOT_COLUMNS, STATUS_COLOURS, ProductionModel
from aiuteur.ui.studio_model import StudioModel

TITLE = "Production"
ORDER = 20
_PROBLEM_CSS = "background-color: #ffcdd2; color: #b71c1c; font-weight: bold"
_EDITORS = {"shot_id": None, "scene": None, "duration": {"type": "number", "step": 0.5, "min": 0.1, "max": 60}}


def gallery_html(prod: ProductionModel) -> str:
    cards = prod.asset_cards()
    if not cards:
        return "<i>No assets yet: run stage 5 (assets) for this project.</i>"
    out = []
    for c in cards:
        image = (f'<img src="{c["thumbnail"]}" style="width:100%;border-radius:3px" alt="{html.escape(c["name"])}">'
                 if c["thumbnail"] else '<div style="height:90px;background:#eee">no image</div>')
        lock = "🔒 " if c["status"] == "locked" else ""
        source = f'<br><small>from library {html.escape(c["source"])}</small>' if c["source"] else ""
        out.append(
            f'<div class="aiuteur-asset-card" data-slug="{c["slug"]}" data-kind="{c["kind"]}" data-status="{c["status"]}" '
            f'style="width:210px;border:1px solid #ddd;padding:6px;margin:4px;display:inline-block;vertical-align:top">'
            f'{image}<b>{lock}{html.escape(c["name"])}</b> <small>({c["kind"]}, v{c["version"]})</small>'
            f'<br><small>{html.escape(", ".join(c["aliases"]))}</small>'
            f'<div style="font-size:85%;max-height:70px;overflow:auto">{html.escape(c["description"])}</div>'
            f'<small>scenes: {html.escape(", ".join(map(str, c["scenes"])) or "-")}</small>{source}</div>')
    return "".join(out)


def takes_html(prod: ProductionModel) -> str:
    takes = prod.image_takes()
    if not takes:
        return ""
    items = "".join(
        f'<div class="aiuteur-take" style="display:inline-block;margin:3px;text-align:center">'
        f'<img src="{t["thumbnail"]}" width="120"><br><small>v{t["version"]} {t["status"]}'
        f'{" (current)" if t["current"] else ""}<br>{html.escape(t["guidance"] or "first take")}</small></div>'
        for t in takes)
    return f"<b>Image history</b><br>{items}"


def hub_html(prod: ProductionModel) -> str:
    overview = prod.overview()
    if overview is None:
        return "<i>No script hub yet: the project needs a script and assets.</i>"
    rows = []
    for s in overview.scenes:
        d = s.dependencies
        colour = STATUS_COLOURS[s.status]
        why = html.escape("; ".join(s.reasons[:2]))
        rows.append(
            f'<tr class="aiuteur-hub-scene" data-scene="{s.scene}" data-status="{s.status}" title="{why}">'
            f'<td>{s.scene}</td><td>{html.escape(s.heading)}</td>'
            f'<td><span style="background:{colour};color:white;padding:1px 6px;border-radius:3px">{s.status}</span></td>'
            f'<td>{s.shots}</td><td>{s.seconds:g}</td><td>{len(d.characters)}</td>'
            f'<td style="color:#c62828">{html.escape(", ".join(d.unmatched))}</td></tr>')
    head = "<tr><th>#</th><th>scene</th><th>status</th><th>shots</th><th>s</th><th>people</th><th>unmatched</th></tr>"
    return f'<table class="aiuteur-hub" style="border-collapse:collapse">{head}{"".join(rows)}</table>'


def dependencies_html(prod: ProductionModel) -> str:
    deps = prod.dependencies()
    if deps is None:
        return ""
    items = "".join(
        f'<li class="aiuteur-dep" data-kind="{m.kind}" data-matched="{str(m.slug is not None).lower()}">'
        f'{m.kind}: <b>{html.escape(m.name)}</b> → '
        + (f'{html.escape(m.matched_name or "")} <small>({m.slug}, {m.score:.2f})</small>' if m.slug else
           '<span style="color:#c62828">unmatched: add an asset or an alias</span>') + "</li>"
        for m in deps.matches)
    return f'<div class="aiuteur-deps"><b>Scene {deps.scene}: {html.escape(deps.heading)}</b><ul>{items}</ul></div>'


def risks_html(prod: ProductionModel) -> str:
    risks = prod.risks()
    if not risks:
        return "<i>No continuity risks found.</i>"
    items = "".join(f'<li class="aiuteur-risk" data-kind="{r.kind}" data-scene="{r.scene}">scene {r.scene}: '
                    f'{html.escape(r.message)}</li>' for r in risks)
    return f"<b>Continuity risks (advisory)</b><ul>{items}</ul>"


def problems_html(prod: ProductionModel) -> str:
    found = prod.problems()
    if not found:
        return '<div class="aiuteur-shot-ok" style="color:#2e7d32">No problems: the shot list can be locked.</div>'
    items = "".join(f'<li class="aiuteur-shot-problem" data-shot="{p.shot_id}" data-field="{p.field}">'
                    f'<b>{p.shot_id}</b> {p.field}: {html.escape(p.message)}</li>' for p in found)
    return f'<div style="color:#b71c1c"><b>{len(found)} problem(s)</b><ul>{items}</ul></div>'


def rearview_html(prod: ProductionModel) -> str:
    mirror = prod.rearview()
    if mirror is None:
        return '<div class="aiuteur-rearview"><i>Rearview mirror: this is the first scene with shots.</i></div>'
    image = prod.rearview_thumbnail()
    frame = f'<img src="{image}" width="240"><br>' if image else "<small>(no end frame yet)</small><br>"
    said = (f'<br>{html.escape(mirror.dialogue.speaker)}: "{html.escape(mirror.dialogue.line)}"'
            if mirror.dialogue else "")
    return (f'<div class="aiuteur-rearview" data-shot="{mirror.shot_id}" style="border-left:4px solid #607d8b;'
            f'padding-left:8px"><b>Rearview mirror</b> — scene {mirror.scene}, {mirror.shot_id}<br>{frame}'
            f'{html.escape(mirror.action)}{said}</div>')


def timeline_html(prod: ProductionModel) -> str:
    timeline = prod.timeline()
    if timeline is None:
        return "<i>Pick an asset to see its states across the film.</i>"
    rows = []
    for e in timeline.scenes:
        changes = "; ".join(
            f'{c.shot_id or "start"}: ' + " ".join([*(f"+{t}" for t in c.add_tags), *(f"-{t}" for t in c.remove_tags)])
            + (f" ({html.escape(c.author)})" if c.source == "manual" else "") for c in e.changes)
        flags = "; ".join(html.escape(f.message) + (" (accepted)" if f.override else "") for f in e.flags)
        rows.append(
            f'<tr class="aiuteur-timeline-scene" data-scene="{e.scene}" data-present="{str(e.present).lower()}">'
            f'<td>{e.scene}</td><td>{html.escape(e.heading)}</td><td>{"●" if e.present else ""}</td>'
            f'<td class="aiuteur-start">{html.escape(", ".join(e.start))}</td><td>{changes}</td>'
            f'<td class="aiuteur-end">{html.escape(", ".join(e.end))}</td><td style="color:#c62828">{flags}</td></tr>')
    head = "<tr><th>#</th><th>scene</th><th>here</th><th>start</th><th>changes</th><th>end</th><th>flags</th></tr>"
    return (f"<b>{html.escape(timeline.name)}</b> ({timeline.kind})"
            f'<table class="aiuteur-timeline" style="border-collapse:collapse">{head}{"".join(rows)}</table>')


def page(model: StudioModel) -> pn.viewable.Viewable:
    prod = ProductionModel(workspace=model.workspace, project=model.project or "", studio=model, author=model.author)
    model.param.watch(lambda event: setattr(prod, "project", event.new or ""), "project")

    def bound(fn, *extra):
        return pn.bind(lambda *_: fn(prod), prod.param.revision, prod.param.project, *extra)

    model.param.watch(lambda _: prod.param.update(revision=prod.revision + 1), "store_revision")  # the studio stays true
    message = pn.pane.Str(prod.param.message, styles={"color": "#37474f"})
    from aiuteur.ui.pages.pipeline import run_controls  # no dead end: stage 5 runs from here

    run_assets = run_controls(model, "production", until=5, label="Run stage 5 (assets)")

    def no_assets(*_):
        run_assets.visible = bool(prod.project) and not prod.asset_cards()
    prod.param.watch(no_assets, ["revision", "project"])
    no_assets()
    tabs = pn.Tabs(("Assets", pn.Column(run_assets, _assets_view(prod, bound), sizing_mode="stretch_width")), ("Library", _library_view(prod)),
                   ("Hub", _hub_view(prod, bound)), ("Shots", _shots_view(prod)), ("Timeline", _timeline_view(prod, bound)),
                   dynamic=False)

    def focus(event) -> None:  # "Go to stage" from the review page (docs/review.md): its scene and shot
        if event.new == TITLE:
            prod.param.update(scene=model.focus_scene or prod.scene, hub_scene=model.focus_scene or prod.hub_scene,
                              tag_scene=model.focus_scene or prod.tag_scene, shot=model.focus_shot)
            tabs.active = {"assets": 0, "hub": 2, "shots": 3, "visual_states": 4}.get(model.focus_stage, tabs.active)
    model.param.watch(focus, "focus_page")
    return pn.Column(message, tabs, sizing_mode="stretch_width")


def _assets_view(prod: ProductionModel, bound) -> pn.viewable.Viewable:
    kind = pn.widgets.Select.from_param(prod.param.kind, name="Kind")
    search = pn.widgets.TextInput.from_param(prod.param.search, name="Search", placeholder="name or alias")
    chooser = pn.widgets.Select(name="Asset", options=[""])
    guidance = pn.widgets.TextInput.from_param(prod.param.guidance, name="Guidance", placeholder="e.g. older, a red coat")

    def refresh(*_):
        chooser.options = [""] + [c["slug"] for c in prod.asset_cards()]
    prod.param.watch(refresh, ["revision", "project", "kind", "search"])
    refresh()
    chooser.link(prod, value="asset")
    regenerate = pn.widgets.Button(name="Regenerate image", button_type="primary")
    regenerate.on_click(lambda _: prod.regenerate())
    lock_one = pn.widgets.Button(name="Lock master asset")
    lock_one.on_click(lambda _: prod.lock_asset())
    lock_all = pn.widgets.Button(name="Lock all master assets")
    lock_all.on_click(lambda _: prod.lock_all_assets())
    gallery = pn.pane.HTML(bound(gallery_html, prod.param.kind, prod.param.search), sizing_mode="stretch_width")
    takes = pn.pane.HTML(bound(takes_html, prod.param.asset), sizing_mode="stretch_width")
    return pn.Column(pn.Row(kind, search), pn.Row(chooser, guidance, regenerate, lock_one, lock_all), takes, gallery,
                     sizing_mode="stretch_width")


def _library_view(prod: ProductionModel) -> pn.viewable.Viewable:
    text = pn.widgets.TextInput.from_param(prod.param.library_text, name="Search library")
    kind = pn.widgets.Select.from_param(prod.param.library_kind, name="Kind")
    tag = pn.widgets.TextInput.from_param(prod.param.library_tag, name="Library tag")
    table = pn.widgets.Tabulator(pd.DataFrame(columns=["id", "version", "kind", "name", "tags", "used_by", "description"]),
                                 disabled=True, show_index=False, height=260, sizing_mode="stretch_width",
                                 selectable=1)

    def refresh(*_):
        table.value = pd.DataFrame(prod.library_rows(), columns=["id", "version", "kind", "name", "tags", "used_by",
                                                                 "description"])
    prod.param.watch(refresh, ["revision", "project", "library_text", "library_kind", "library_tag"])
    refresh()

    def select(event):
        if event.new:
            prod.library_id = str(table.value.iloc[event.new[0]]["id"])
    table.param.watch(select, "selection")
    chosen = pn.widgets.TextInput.from_param(prod.param.library_id, name="Library entry")
    tags = pn.widgets.TextInput.from_param(prod.param.promote_tags, name="Tags for promotion", placeholder="hero, period")
    promote = pn.widgets.Button(name="Promote selected asset")
    promote.on_click(lambda _: prod.promote())
    importing = pn.widgets.Button(name="Import into project", button_type="primary")
    importing.on_click(lambda _: prod.import_entry())
    delete = pn.widgets.Button(name="Delete entry", button_type="danger")
    delete.on_click(lambda _: prod.delete_entry())
    return pn.Column(pn.Row(text, kind, tag), table, pn.Row(chosen, importing, delete), pn.Row(tags, promote),
                     sizing_mode="stretch_width")


def _hub_view(prod: ProductionModel, bound) -> pn.viewable.Viewable:
    scene = pn.widgets.IntInput.from_param(prod.param.hub_scene, name="Dependencies of scene")
    return pn.Row(
        pn.Column(pn.pane.HTML(bound(hub_html), sizing_mode="stretch_width"), sizing_mode="stretch_width"),
        pn.Column(scene, pn.pane.HTML(bound(dependencies_html, prod.param.hub_scene), width=420),
                  pn.pane.HTML(bound(risks_html), width=420)),
        sizing_mode="stretch_width",
    )


def _shots_view(prod: ProductionModel) -> pn.viewable.Viewable:
    scene = pn.widgets.IntInput.from_param(prod.param.scene, name="Scene")
    status = pn.pane.Str("")
    table = pn.widgets.Tabulator(pd.DataFrame(columns=SHOT_COLUMNS), show_index=False, editors=_EDITORS,
                                 height=420, sizing_mode="stretch_width", layout="fit_data_table",
                                 css_classes=["aiuteur-shot-table"], selectable=False)
    problems = pn.pane.HTML("", sizing_mode="stretch_width")
    mirror = pn.pane.HTML("", width=360)
    table.style.apply(lambda frame: style(frame), axis=None)  # re-applied by Tabulator on every new value
    shot = pn.widgets.Select(name="Shot", options=[""], css_classes=["aiuteur-production-shot"])
    seconds = pn.widgets.FloatInput.from_param(prod.param.split_seconds, name="Split at (s)", step=0.5)

    def style(frame: pd.DataFrame) -> pd.DataFrame:
        cells = prod.cell_problems()
        css = pd.DataFrame("", index=frame.index, columns=frame.columns)
        for i, sid in enumerate(frame["shot_id"]):
            for column in frame.columns:
                if (sid, column) in cells:
                    css.iloc[i, list(frame.columns).index(column)] = _PROBLEM_CSS
        return css

    def refresh(*_):
        frame = pd.DataFrame(prod.shot_rows(), columns=SHOT_COLUMNS)
        table.value = frame
        problems.object = problems_html(prod)
        mirror.object = rearview_html(prod)
        status.object = f"scene {prod.scene}: {prod.shot_status()}"
        shot.options = [""] + list(frame["shot_id"])
        if prod.shot not in shot.options:
            prod.shot = ""
    prod.param.watch(refresh, ["revision", "project", "scene"])
    refresh()
    shot.link(prod, value="shot")

    def edited(event):
        sid = str(table.value.iloc[event.row]["shot_id"])
        prod.edit_cell(sid, event.column, event.value)
    table.on_edit(edited)

    buttons = []
    for label, action in (("Split", prod.split), ("Merge with next", prod.merge_next),
                          ("Move up", lambda: prod.move(-1)), ("Move down", lambda: prod.move(1)),
                          ("Delete shot", prod.delete_shot), ("Lock shot list", prod.lock_shots),
                          ("Derive visual states", prod.derive_states)):
        button = pn.widgets.Button(name=label, button_type="primary" if label == "Split" else "default")
        button.on_click(lambda _, act=action: act())
        buttons.append(button)
    return pn.Column(
        pn.Row(scene, status),
        pn.Row(pn.Column(table, problems, sizing_mode="stretch_width"), mirror, sizing_mode="stretch_width"),
        pn.Row(shot, seconds, *buttons[:2]), pn.Row(*buttons[2:]),
        sizing_mode="stretch_width",
    )


def _timeline_view(prod: ProductionModel, bound) -> pn.viewable.Viewable:
    asset = pn.widgets.Select(name="Timeline of", options=[""])

    def refresh(*_):
        asset.options = [""] + prod.asset_names()
    prod.param.watch(refresh, ["project"])
    refresh()
    asset.link(prod, value="timeline_asset")
    scene = pn.widgets.IntInput.from_param(prod.param.tag_scene, name="Tag in scene")
    tag = pn.widgets.TextInput.from_param(prod.param.tag, name="Status tag", placeholder="muddy, torn, wet...")
    shot = pn.widgets.TextInput.from_param(prod.param.tag_shot, name="At shot (empty: scene start)")
    add = pn.widgets.Button(name="Add tag", button_type="primary")
    add.on_click(lambda _: prod.add_tag())
    remove = pn.widgets.Button(name="Remove tag")
    remove.on_click(lambda _: prod.add_tag(remove=True))
    view = pn.pane.HTML(bound(timeline_html, prod.param.timeline_asset), sizing_mode="stretch_width")
    return pn.Column(pn.Row(asset, scene, tag, shot, add, remove), view, sizing_mode="stretch_width")
