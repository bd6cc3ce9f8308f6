"""Panel views over `StudioModel`: project list, twelve-stage timeline, review page.

Usable in a notebook (`StudioApp(workspace).view()`) and served by `panel_apps/studio.py`.
"""
from __future__ import annotations

import html
import time

import pandas as pd
import panel as pn

from aiuteur.store import workspace_display
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
    def __init__(self, workspace: str, *, user: str | None = None) -> None:
        """`user`: the signed-in person (pn.state.user when served with logins), the author of every change."""
        self.model = StudioModel(workspace=workspace, user=user or "")

    def signed_in(self) -> pn.viewable.Viewable:
        """Who is signed in, with a way out (only when the studio is served with logins)."""
        if not self.model.user:
            return pn.pane.Markdown("")
        return pn.pane.HTML(f'Signed in as <b class="aiuteur-user">{html.escape(self.model.user)}</b> · '
                            f'<a href="./logout">Log out</a>')

    def project_picker(self) -> pn.viewable.Viewable:
        return pn.widgets.Select.from_param(self.model.param.project, name="Project")

    def timeline(self) -> pn.viewable.Viewable:
        """Redrawn whenever the workspace changes (`store_revision`), from whatever process changed it."""
        return pn.pane.HTML(pn.bind(lambda *_: stage_timeline_html(self.model), self.model.param.project,
                                    self.model.param.store_revision), sizing_mode="stretch_width",
                            css_classes=["aiuteur-stage-timeline"])

    def review(self) -> pn.viewable.Viewable:
        """The review page: the player with the shots and the notes beside it. A click on a shot or a
        note moves the player there; a note is added at the playhead; the selected note's actions
        (confirm category, go to stage, retake, approve, state, assign) act on it."""
        m = self.model
        player = pn.pane.Video(None, width=640, loop=False, autoplay=False, css_classes=["aiuteur-player"])
        from aiuteur.ui.pages.pipeline import run_controls

        no_film = pn.Column(pn.pane.Markdown("No film yet: run the pipeline to stage 12."),
                            run_controls(m, "review", until=12, label="Run the pipeline to stage 12"))

        def load(*_):
            path = m.film_path()
            wanted = str(path) if path else None
            if player.object != wanted:  # a redraw for an unrelated change leaves the player where it is
                player.object = wanted
            player.visible, no_film.visible = path is not None, path is None
        m.param.watch(load, ["project", "notes_revision", "store_revision"])
        load()
        # the player's time and the model's playhead follow each other (the model seeks, the person plays).
        # A paused player that reports another time just after a seek (a film still loading starts at 0)
        # is told again, so a click on a shot is never lost.
        seek = {"to": None, "at": 0.0}

        def from_player(event):
            reported = max(0.0, float(event.new or 0.0))
            if seek["to"] is not None and player.paused and time.monotonic() - seek["at"] < 10 \
                    and abs(reported - seek["to"]) > 0.02:
                player.time = seek["to"]
                return
            seek["to"] = None
            m.playhead = reported

        def to_player(event):
            if abs((player.time or 0.0) - event.new) > 1e-3:
                seek.update(to=event.new, at=time.monotonic())
                player.time = event.new
        player.param.watch(from_player, "time")
        m.param.watch(to_player, "playhead")
        position = pn.pane.HTML(pn.bind(lambda *_: f'<span class="aiuteur-playhead">{m.playhead_timecode()}</span> '
                                                   f'{html.escape(m.playhead_shot() or "")}',
                                        m.param.playhead, m.param.project))

        shot_table = pn.widgets.Tabulator(pd.DataFrame(), disabled=True, height=300, show_index=False,
                                          sizing_mode="stretch_width", pagination=None, selectable=False,
                                          css_classes=["aiuteur-review-shots"])
        note_table = pn.widgets.Tabulator(pd.DataFrame(), disabled=True, height=220, show_index=False,
                                          sizing_mode="stretch_width", pagination=None, selectable=False,
                                          css_classes=["aiuteur-review-notes"])

        def refresh_shots(*_):
            shot_table.value = pd.DataFrame(m.shot_rows())

        def refresh_notes(*_):
            note_table.value = pd.DataFrame(m.note_rows(), columns=["id", "timecode", "shot", "category", "stage",
                                                                    "state", "author", "assignee", "note"])
        m.param.watch(refresh_shots, ["project", "notes_revision", "store_revision"])
        m.param.watch(refresh_notes, ["project", "notes_revision", "notes_state", "store_revision"])
        refresh_shots()
        refresh_notes()
        shot_table.on_click(lambda e: e.row is not None and m.seek_to_shot(str(shot_table.value.iloc[e.row]["shot"])))
        note_table.on_click(lambda e: e.row is not None and m.seek_to_note(str(note_table.value.iloc[e.row]["id"])))

        text = pn.widgets.TextInput.from_param(m.param.note_text, name="Review note",
                                               placeholder="e.g. the lighting in SC030 is too dark")
        category = pn.widgets.Select(name="Category (empty: suggest)", options=[""] + m.categories(), width=180)
        category.link(m, value="note_category")
        assignee = pn.widgets.TextInput.from_param(m.param.note_assignee, name="Assign to", width=140)
        target = pn.widgets.TextInput.from_param(m.param.note_target, name="On (empty: the shot at the playhead)",
                                                 placeholder="shot id, scene/N or film", width=220)
        add = pn.widgets.Button(name="Add note at playhead", button_type="primary")
        add.on_click(lambda _: m.add_note())

        selected = pn.pane.HTML(pn.bind(lambda note_id, *_: f'Selected note: <b class="aiuteur-selected-note">'
                                                            f'{html.escape(note_id or "none")}</b>',
                                        m.param.selected_note, m.param.notes_revision))
        buttons = []
        for label, action in (("Confirm category", lambda: m.confirm_note()), ("Go to stage", m.go_to_stage),
                              ("Retake", m.retake_note), ("Approve clips", m.approve_note_clips),
                              ("Assign", lambda: m.assign_note())):
            button = pn.widgets.Button(name=label)
            button.on_click(lambda _, action=action: action())
            buttons.append(button)
        state = pn.widgets.Select(name="State", options=["open", "in_progress", "resolved", "wont_fix"], width=130)
        set_state = pn.widgets.Button(name="Set state")
        set_state.on_click(lambda _: m.set_note_state(state.value))
        show = pn.widgets.Select.from_param(m.param.notes_state, name="Show", width=130)
        message = pn.pane.Str(m.param.message, css_classes=["aiuteur-review-message"])

        return pn.Column(
            pn.Row(
                pn.Column(player, no_film, position, pn.Row(text, category), pn.Row(target, assignee), add, message,
                          self._shot_inspector(), width=680),
                pn.Column("**Shots** (click one to move the player there)", shot_table,
                          pn.Row("**Notes**", show), note_table, selected, pn.Row(*buttons), pn.Row(state, set_state),
                          sizing_mode="stretch_width", min_width=560),
                sizing_mode="stretch_width",
            ),
            sizing_mode="stretch_width",
        )

    def _shot_inspector(self) -> pn.viewable.Viewable:
        """The shot 'Go to stage' opened (or the one under the playhead): frames, prompts and clip —
        where prompt, frame and clip notes are fixed."""
        from aiuteur.ui.production_model import thumbnail

        m = self.model
        prompt = pn.widgets.TextAreaInput(name="Video prompt", height=120, sizing_mode="stretch_width")
        save = pn.widgets.Button(name="Save prompt")

        def shot_now() -> str:
            return m.focus_shot or m.playhead_shot() or ""

        def body(*_):
            detail = m.shot_detail(shot_now())
            if detail is None:
                return pn.pane.Markdown("")
            prompt.value = detail["video_prompt"]
            pictures = "".join(f'<img src="{thumbnail(detail[k], 150)}" width="150" style="margin-right:4px" '
                               f'alt="{k} frame">' for k in ("start", "end") if detail[k])
            return pn.pane.HTML(f'<div class="aiuteur-shot-inspector"><b>{html.escape(detail["shot"])}</b> — '
                                f'{html.escape(detail["clip"])}<br>{pictures}<br><small>{html.escape(detail["prompt"])}'
                                f'</small></div>', sizing_mode="stretch_width")
        save.on_click(lambda _: m.edit_video_prompt(shot_now(), prompt.value))
        return pn.Column(pn.bind(body, m.param.focus_shot, m.param.project, m.param.notes_revision,
                                 m.param.store_revision), prompt, save, sizing_mode="stretch_width")

    def page(self) -> pn.template.BaseTemplate:
        """The served page (panel_apps/studio.py)."""
        tabs, titles = self._tabs()

        def open_page(event):  # "Go to stage" on the review page
            if event.new in titles:
                tabs.active = titles.index(event.new)
        self.model.param.watch(open_page, "focus_page")
        self._toasts()
        self._keep_true()
        from aiuteur.ui.pages.pipeline import run_controls

        return pn.template.FastListTemplate(
            title="aiuteur studio",
            sidebar=[self.signed_in(), self.project_picker(), pn.pane.Markdown(f"Workspace: `{workspace_display(self.model.workspace)}`"),
                     pn.pane.Markdown("**Run stages 5-12**"), run_controls(self.model, "sidebar", compact=True)],
            main=[self.confirmation_dialog(), tabs],
        )

    def confirmation_dialog(self) -> pn.viewable.Viewable:
        """The dialog an action that would make locked or finished work stale opens first: what it
        invalidates (versions, shots, money already spent on them), Confirm or Cancel."""
        m = self.model
        confirm = pn.widgets.Button(name="Confirm: go ahead", button_type="danger", css_classes=["aiuteur-confirm"])
        confirm.on_click(lambda _: m.confirm_pending())
        cancel = pn.widgets.Button(name="Cancel", css_classes=["aiuteur-cancel"])
        cancel.on_click(lambda _: m.cancel_pending())

        def body(pending):
            if not pending:
                return pn.pane.HTML("")
            items = "".join(f"<li>{html.escape(v)}</li>" for v in pending["versions"][:40])
            more = f"<li>... and {len(pending['versions']) - 40} more</li>" if len(pending["versions"]) > 40 else ""
            return pn.pane.HTML(
                f'<div class="aiuteur-invalidation"><h3>{html.escape(pending["label"])}: confirm first</h3>'
                f'<p class="aiuteur-invalidation-summary">{html.escape(pending["summary"])}</p>'
                f'<p>Shots: {html.escape(", ".join(pending["shots"]) or "none")}<br>'
                f'Already spent on them: <b>${pending["spent_usd"]:.2f}</b></p>'
                f'<details><summary>Versions that turn stale ({len(pending["versions"])})</summary><ul>{items}{more}'
                f'</ul></details></div>', sizing_mode="stretch_width")
        dialog = pn.Modal(pn.bind(body, m.param.pending), pn.Row(confirm, cancel), open=False,
                          show_close_button=False, background_close=False, width=620)

        def show(*_):
            dialog.open = bool(m.pending)
        m.param.watch(show, "pending")
        return pn.Column(dialog, pn.pane.Str(m.param.pending_message, css_classes=["aiuteur-pending-message"]),
                         sizing_mode="stretch_width")

    def _keep_true(self, every_ms: int = 1000) -> None:
        """Every page shows the store as it is: each tick takes a run's progress and, when the workspace
        file changed (an action here, the CLI, a notebook), bumps `store_revision` so the pages re-read.
        The check is a `stat` of the file (no lock taken); while a run writes, redraws are spaced."""
        def tick():
            runner = self.model.pipeline
            running = runner.poll()
            self.model.check_store(min_interval=5.0 if running else 0.0)
        if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
            pn.state.add_periodic_callback(tick, period=every_ms)

    def _toasts(self, every_ms: int = 20_000) -> None:
        """Show notifications (jobs finished or failed, budget warnings, notes assigned) as toasts:
        at once for this page's own actions, and from a sweep of the workspace every `every_ms` (short,
        so a CLI command run beside the studio rarely finds the workspace busy)."""
        from aiuteur.store.database import utcnow

        seen = {"after": utcnow()}

        def poll(*_):
            area = pn.state.notifications
            for n in self.model.poll_notifications(seen["after"]):
                seen["after"] = max(seen["after"], n.created_at)
                if area is not None:
                    show = getattr(area, n.level if n.level in ("success", "warning", "error") else "info")
                    show(html.escape(f"{n.title}: {n.body}"[:300]), duration=8000)
        self.model.param.watch(poll, "notes_revision")
        if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
            pn.state.add_periodic_callback(poll, period=every_ms)

    def _tabs(self) -> tuple[pn.Tabs, list[str]]:
        """The Stages and Review tabs, then a tab per area page, each page built the first time its tab
        is opened: a page not yet opened reads nothing, so picking a project (or any change to the
        workspace) redraws only the pages a person has looked at, not all twelve."""
        from aiuteur.ui.pages import discover

        modules = discover()
        holders = [pn.Column(pn.pane.Markdown(f"Opening {module.TITLE}…"), sizing_mode="stretch_width")
                   for module in modules]
        first = [("Stages", self.timeline()), ("Review", self.review())]
        tabs = pn.Tabs(*first, *[(module.TITLE, holder) for module, holder in zip(modules, holders)], dynamic=False)

        built: set[int] = set()

        def build(event) -> None:
            index = event.new - len(first)
            if 0 <= index < len(modules) and index not in built:
                built.add(index)
                holders[index].objects = [modules[index].page(self.model)]
        tabs.param.watch(build, "active")
        return tabs, [title for title, _ in first] + [module.TITLE for module in modules]

    def panel(self) -> pn.viewable.Viewable:
        """The same parts without a page template, for notebooks."""
        return pn.Column(self.project_picker(), self.confirmation_dialog(),
                         pn.Row(pn.Column("### Stages", self.timeline(), width=420), self.review()))
