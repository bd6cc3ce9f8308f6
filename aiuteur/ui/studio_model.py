"""The studio's state and actions as a plain `param.Parameterized` — no Panel import, testable by params.

Every action opens the workspace for the call and closes it, so the app never holds the DuckDB
file lock while a person looks at a page and the CLI can run beside it.
"""
from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import param

from aiuteur.engines.protocols import EngineError
from aiuteur.models.media import Film
from aiuteur.models.review import NOTE_STATES, Notification, ReviewNote, StageLink, timecode
from aiuteur.models.shots import ShotList
from aiuteur.stages import review
from aiuteur.stages.gates import StageError
from aiuteur.stages.status import StageStatus, project_status
from aiuteur.stages.video import FILM
from aiuteur.store import Store, StoreError, open_store


class StudioModel(param.Parameterized):
    workspace = param.String(default="aiuteur.duckdb", doc="Path of the workspace .duckdb file")
    project = param.Selector(default=None, objects=[], allow_None=True, doc="Selected project name")
    # the review page: the player's position, the note being written, the note selected
    playhead = param.Number(default=0.0, bounds=(0, None), doc="Seconds into the film (the player's time)")
    note_target = param.String(default="", doc="Shot id, scene/N or film; empty: the shot under the playhead")
    note_text = param.String(default="")
    note_category = param.String(default="", doc="A category from the routing table; empty: the rules suggest one")
    note_assignee = param.String(default="", doc="Who should act on the note (notified); optional")
    notes_state = param.Selector(default="all", objects=["all", *NOTE_STATES], doc="Which notes the list shows")
    selected_note = param.String(default="", doc="The note the note actions apply to")
    author = param.String(default="studio", doc="Who is reviewing: recorded on notes and their changes (the "
                                                "signed-in `user` when there is one)")
    user = param.String(default="", doc="The signed-in person (pn.state.user when the studio is served with "
                                        "logins): the author of every change and audit-log row; empty: the "
                                        "store's default ($AIUTEUR_USER, else the OS login)")
    focus_page = param.String(default="", doc="The page 'Go to stage' opened (a tab title)")
    focus_stage = param.String(default="", doc="The stage 'Go to stage' opened (a stage slug)")
    focus_shot = param.String(default="", doc="The shot 'Go to stage' opened")
    focus_scene = param.Integer(default=0, doc="The scene 'Go to stage' opened (0: none)")
    notes_revision = param.Integer(default=0, doc="Bumped when notes change, to redraw lists")
    message = param.String(default="")
    store_revision = param.Integer(default=0, doc="Bumped when the workspace changed — from a page, the CLI or a "
                                                  "notebook — so every page reads the store again")
    pending = param.Dict(default=None, allow_None=True,
                         doc="An action waiting for the person's yes: {label, summary, versions, shots, spent_usd}; "
                             "confirm_pending() runs it, cancel_pending() drops it")
    pending_message = param.String(default="", doc="What became of the last confirmed or cancelled action")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        if self.user:
            self.author = self.user
        self._stamp: tuple | None = None
        self._stamped_at = 0.0
        self._pending_call: Callable[[bool], Any] | None = None
        self._pending_done: Callable[[Any], str] | None = None
        self._pipeline = None
        self.refresh()
        self._stamp = self.store_stamp()

    def open_store(self, *, read_only: bool = False) -> Store:
        """The workspace, opened for one call (`with model.open_store() as store:`) as the signed-in
        user: every version, note, approval and budget change made through it, and its audit-log row,
        names `user`. Every studio model opens the store through here."""
        return open_store(self.workspace, read_only=read_only, user=self.user or None)

    @param.depends("user", watch=True)
    def _user_is_author(self) -> None:
        if self.user:
            self.author = self.user

    def refresh(self) -> None:
        """Reload the project list from the workspace."""
        with self.open_store() as store:
            names = [p.name for p in store.list_projects()]
        self.param.project.objects = names
        if self.project not in names:
            self.project = None

    # -- the studio stays true ------------------------------------------------------------------
    def store_stamp(self) -> tuple:
        """The workspace file and its write-ahead log, by size and modification time: any commit from
        any process changes it, and reading it takes no lock (a CLI command beside the studio is never
        kept waiting by this check)."""
        from aiuteur.store import change_stamp  # a file's stat, or a PostgreSQL server's write position

        return change_stamp(self.workspace)

    def check_store(self, *, min_interval: float = 0.0) -> bool:
        """Bump `store_revision` (every page re-reads) when the workspace changed since the last look;
        called after each action and from the page's periodic callback. `min_interval` (seconds) spaces
        the redraws while something keeps writing (a run in progress). A workspace another process
        holds is looked at again next time, so no change is missed."""
        stamp = self.store_stamp()
        if stamp == self._stamp or time.monotonic() - self._stamped_at < min_interval:
            return False
        try:
            self.refresh()
        except StoreError:
            return False  # busy (a CLI command holds it): try again on the next tick
        self._stamp, self._stamped_at = stamp, time.monotonic()
        self.store_revision += 1
        return True

    @property
    def pipeline(self):
        """The one run of stages 5-12 this studio drives (`aiuteur.ui.pipeline_model.PipelineModel`):
        shared by the Run page, the sidebar and the "run stage N" buttons on other pages."""
        if self._pipeline is None:
            from aiuteur.ui.pipeline_model import PipelineModel

            self._pipeline = PipelineModel(studio=self)
        return self._pipeline

    def ask_first(self, label: str, act: Callable[..., Any], *, done: Callable[[Any], str] | None = None) -> Any:
        """Run `act(store, project, confirm_invalidation)` unconfirmed. When the library answers that
        it would make locked or finished work stale (`InvalidationNeedsConfirmation`), nothing is done:
        the preview waits in `pending` (the page shows it in a dialog) until `confirm_pending()` runs
        the same call confirmed, or `cancel_pending()` drops it. Returns the result, or None."""
        from aiuteur.stages.gate_actions import InvalidationNeedsConfirmation

        def call(confirmed: bool) -> Any:
            return self._act(label, lambda store, project: act(store, project, confirmed), raising=(
                InvalidationNeedsConfirmation,))

        try:
            result = call(False)
        except InvalidationNeedsConfirmation as asked:
            preview = asked.preview
            self._pending_call, self._pending_done = call, done
            self.pending = {"label": label, "summary": preview.summary(), "spent_usd": preview.spent_usd,
                            "shots": list(preview.shots),
                            "versions": [f"{v.key} v{v.number} ({v.status})" for v in preview.versions]}
            self.pending_message = ""
            return None
        if result is not None:
            self.check_store()  # a gate passed or an edit saved: every page re-reads now
            if done is not None:
                self.message = done(result)
        return result

    def confirm_pending(self) -> Any:
        """The person said yes in the dialog: run the waiting action, confirmed."""
        call, done, label = self._pending_call, self._pending_done, (self.pending or {}).get("label", "")
        self._pending_call, self._pending_done, self.pending = None, None, None
        if call is None:
            self.pending_message = "nothing waits for a confirmation"
            return None
        result = call(True)
        if result is not None:
            self.check_store()
            if done is not None:
                self.message = done(result)
        self.pending_message = (self.message if done else f"{label}: done") if result is not None else self.message
        return result

    def cancel_pending(self) -> None:
        label = (self.pending or {}).get("label", "")
        self._pending_call, self._pending_done, self.pending = None, None, None
        self.pending_message = f"{label}: cancelled, nothing changed" if label else ""

    def stages(self) -> list[StageStatus]:
        if not self.project:
            return []
        with self.open_store() as store:
            return project_status(store, store.get_project(self.project))

    def film_path(self) -> Path | None:
        """The assembled film's file in the media store, or None before stage 12."""
        if not self.project:
            return None
        with self.open_store() as store:
            project = store.get_project(self.project)
            head = store.head(project, FILM)
            return store.media_path(head.model(Film).media) if head else None

    def shot_rows(self) -> list[dict[str, Any]]:
        """One row per shot in cut order, with its first frame's timecode and start time in the film."""
        if not self.project:
            return []
        with self.open_store() as store:
            project = store.get_project(self.project)
            lists: list[ShotList] = review.shot_lists(store, project)
            the_cut = review.cut(store, project)
        places = {s.shot_id: s for s in the_cut.shots}
        rows = []
        for shot_list in lists:
            for shot in shot_list.shots:
                place = places[shot.shot_id]
                rows.append({
                    "shot": shot.shot_id, "scene": shot.scene, "timecode": timecode(place.start_frame, the_cut.fps),
                    "start_s": round(place.start_frame / the_cut.fps, 3), "duration_s": shot.duration,
                    "type": shot.shot_type, "move": shot.camera_move,
                    "action / dialogue": f"{shot.dialogue.speaker}: {shot.dialogue.line}" if shot.dialogue else shot.action,
                })
        return rows

    # -- review: notes beside the player ------------------------------------------------------
    def _cut(self) -> review.Cut | None:
        if not self.project:
            return None
        with self.open_store() as store:
            return review.cut(store, store.get_project(self.project))

    def playhead_frame(self) -> int:
        """The film frame under the playhead (frame-accurate: the frame whose span holds the time)."""
        the_cut = self._cut()
        if the_cut is None or not the_cut.frames:
            return 0
        return min(max(0, int(self.playhead * the_cut.fps + 1e-6)), the_cut.frames - 1)

    def playhead_timecode(self) -> str:
        the_cut = self._cut()
        fps = the_cut.fps if the_cut else 24
        return timecode(self.playhead_frame(), fps)

    def playhead_shot(self) -> str | None:
        the_cut = self._cut()
        if the_cut is None or not the_cut.shots:
            return None
        return the_cut.at(self.playhead_frame()).shot_id

    def _seek_frame(self, frame: int, fps: int) -> None:
        # the middle of the frame: a player shows that frame, and playhead_frame() reads it back exactly
        self.playhead = (frame + 0.5) / fps

    def seek_to_shot(self, shot_id: str) -> bool:
        """Move the player to a shot's first frame (what a click in the shot table does)."""
        the_cut = self._cut()
        try:
            if the_cut is None:
                raise review.ReviewError("pick a project first")
            place = the_cut.get(shot_id)
        except review.ReviewError as exc:
            self.message = f"cannot seek: {exc}"
            return False
        self._seek_frame(place.start_frame, the_cut.fps)
        self.message = f"{shot_id} at {timecode(place.start_frame, the_cut.fps)}"
        return True

    def seek_to_note(self, note_id: str) -> bool:
        """Select a note and move the player to its timecode."""
        note = next((n for n in self.notes() if n.id == note_id), None)
        if note is None:
            self.message = f"no note {note_id!r}"
            return False
        self.selected_note = note.id
        if note.frame is not None and note.fps:
            self._seek_frame(note.frame, note.fps)
        self.message = f"note {note.id} on {note.shot or note.target}" + (f" at {note.timecode}" if note.timecode else "")
        return True

    def notes(self) -> list[ReviewNote]:
        if not self.project:
            return []
        with self.open_store() as store:
            return store.notes(store.get_project(self.project).id)

    def note_rows(self) -> list[dict[str, Any]]:
        """The notes the list shows (filtered by `notes_state`), oldest first."""
        rows = []
        for n in self.notes():
            if self.notes_state != "all" and n.state != self.notes_state:
                continue
            rows.append({"id": n.id, "timecode": n.timecode or "", "shot": n.shot or n.target,
                         "category": n.category or (f"{n.suggested_category}?" if n.suggested_category else ""),
                         "stage": n.stage or "", "state": n.state, "author": n.author, "assignee": n.assignee or "",
                         "note": n.text})
        return rows

    def categories(self) -> list[str]:
        return review.load_routes().categories

    def _act(self, label: str, action, *, raising: tuple[type[BaseException], ...] = ()) -> Any:
        """Run a review action on the open workspace; a refusal becomes the message, nothing else is
        caught (`raising`: refusals the caller handles itself, e.g. a confirmation to ask for)."""
        if not self.project:
            self.message = "pick a project first"
            return None
        try:
            with self.open_store() as store:
                result = action(store, store.get_project(self.project))
        except raising:
            raise
        except (review.ReviewError, StageError, StoreError, EngineError, ValueError) as exc:
            self.message = f"{label}: {exc}"
            return None
        self.notes_revision += 1
        # the other pages follow on the studio's next tick (`check_store` every second), so the reply
        # to this click is not held back while every page re-reads the workspace
        return result

    def add_note(self) -> ReviewNote | None:
        """Save `note_text` at the playhead (on the shot under it), or on `note_target` when one is given.
        A chosen `note_category` is confirmed; otherwise the rules (or a real text engine) suggest one."""
        frame, target = self.playhead_frame(), self.note_target.strip()

        def write(store, project) -> ReviewNote:
            the_cut = review.cut(store, project)
            at: int | None = frame if the_cut.shots else None
            chosen = target
            if not chosen:
                chosen = the_cut.at(frame).shot_id if the_cut.shots else "film"
            elif chosen != "film" and at is not None and not _holds(the_cut, chosen, frame):
                at = None  # the playhead is elsewhere: the note goes on the start of its target
            engines = None
            if not self.note_category:
                from aiuteur.engines.config import engines_for
                engines = engines_for(store, project)
            return review.add_note(store, project, chosen, self.note_text, at=at, category=self.note_category or None,
                                   author=self.author, assignee=self.note_assignee or None, engines=engines)

        note = self._act("note not saved", write)
        if note is None:
            return None
        if note.category:
            routed = f"category {note.category}, routed to stage '{note.stage}'"
        elif note.suggested_category:
            routed = (f"suggested category {note.suggested_category} ({note.suggested_by}), routed to stage "
                      f"'{note.stage}': confirm it")
        else:
            routed = "no category suggested: choose one and confirm"
        self.message = f"note saved on {note.shot or note.target} at {note.timecode or '-'}; {routed}"
        self.note_text = ""
        self.selected_note = note.id
        return note

    def confirm_note(self, category: str | None = None) -> ReviewNote | None:
        """Confirm the selected note's category: `category`, or `note_category`, or its suggestion."""
        chosen = category or self.note_category or None
        note = self._act("category not confirmed", lambda store, project: review.confirm_category(
            store, project, self.selected_note, chosen, author=self.author))
        if note is not None:
            self.message = f"note {note.id}: category {note.category} -> stage '{note.stage}'"
        return note

    def set_note_state(self, state: str) -> ReviewNote | None:
        note = self._act("state not set", lambda store, project: review.set_state(
            store, project, self.selected_note, state, author=self.author))
        if note is not None:
            self.message = f"note {note.id} is {note.state}"
        return note

    def assign_note(self, assignee: str | None = None) -> ReviewNote | None:
        who = assignee or self.note_assignee
        note = self._act("not assigned", lambda store, project: review.assign(
            store, project, self.selected_note, who, author=self.author))
        if note is not None:
            self.message = f"note {note.id} assigned to {note.assignee}"
        return note

    def go_to_stage(self) -> StageLink | None:
        """Open the page of the stage that fixes the selected note, on its shot (or scene)."""
        link = self._act("cannot go to stage", lambda store, project: review.go_to(store, project, self.selected_note))
        if link is None:
            return None
        self.focus_page = ""  # so opening the same page again still notifies its watchers
        self.focus_stage, self.focus_shot, self.focus_scene = link.stage, link.shot or "", link.scene or 0
        self.focus_page = link.page
        self.message = (f"stage {link.number} '{link.title}' on the {link.page} page"
                        + (f": {link.artifact_key}" if link.artifact_key else ""))
        return link

    def retake_note(self) -> review.Retake | None:
        """Make the selected note's shots' clips again from their fixed inputs and rebuild the film."""
        def make(store, project) -> review.Retake:
            from aiuteur.engines.config import engines_for
            return review.retake(store, project, engines_for(store, project), self.selected_note, author=self.author)

        done = self._act("no retake", make)
        if done is not None:
            self.message = (f"retake for {done.note.id}: {', '.join(v.label for v in done.clips)}; "
                            + ("film rebuilt" if done.film else done.film_note))
        return done

    def approve_note_clips(self) -> list[ReviewNote] | None:
        """Approve the selected note's shots' current clips; notes whose retakes are all approved resolve."""
        def approve(store, project) -> list[ReviewNote]:
            note = store.note(project.id, self.selected_note)
            resolved: list[ReviewNote] = []
            for shot_id in review.note_shots(store, project, note):
                resolved += review.approve_clip(store, project, shot_id, author=self.author)[1]
            return resolved

        resolved = self._act("not approved", approve)
        if resolved is not None:
            self.message = "clip approved" + (f"; resolved {', '.join(n.id for n in resolved)}" if resolved else "")
        return resolved

    def shot_detail(self, shot_id: str) -> dict[str, Any] | None:
        """What the review page shows of one shot (stages 9, 10, 12 are fixed there): its prompts,
        start and end frames (file paths) and current clip version, each with its status."""
        if not self.project or not shot_id:
            return None
        from aiuteur.models.media import ShotFrames
        from aiuteur.models.prompts import ShotPrompt
        from aiuteur.stages import frames, prompts, video

        with self.open_store() as store:
            project = store.get_project(self.project)
            prompt, pictures, clip = (store.head(project, k(shot_id)) for k in (prompts.key, frames.key, video.key))
            if prompt is None:
                return None
            shown = prompt.model(ShotPrompt)
            still = pictures.model(ShotFrames) if pictures else None
            return {
                "shot": shot_id, "prompt": f"{prompt.label} ({prompt.status}{', edited' if shown.edited else ''})",
                "frame_prompt": shown.frame_prompt, "video_prompt": shown.video_prompt,
                "start": str(store.media_path(still.start)) if still else None,
                "end": str(store.media_path(still.end)) if still else None,
                "clip": f"{clip.label} ({'approved' if clip.status == 'locked' else 'not approved'}, "
                        f"{store.staleness(clip).status})" if clip else "no clip yet",
            }

    def edit_video_prompt(self, shot_id: str, text: str) -> bool:
        """A person's fix at stage 9: the shot's video prompt, as a new edited version. Its clip was made
        from the old prompt, so the studio's dialog asks first (what turns stale, what it cost)."""
        from aiuteur.stages import prompts

        version = self.ask_first(f"edit {shot_id}'s video prompt", lambda store, project, ok: prompts.edit(
            store, project, shot_id, video_prompt=text, author=self.author, confirm_invalidation=ok),
            done=lambda v: f"{v.label} saved: re-run stage 11 (confirmation), then Retake")
        if version is None and self.pending:
            self.message = f"{shot_id}: its frames or clip were made from this prompt; confirm in the dialog"
        return version is not None

    def poll_notifications(self, after: datetime | None = None) -> list[Notification]:
        """Sweep for new events (jobs ended, budget levels) and return the notifications recorded
        after `after`: what the page shows as toasts. A workspace busy in another process is skipped."""
        if not self.project:
            return []
        from aiuteur import notify

        try:
            with self.open_store() as store:
                project = store.get_project(self.project)
                notify.sweep(store, project)
                return notify.history(store, project, after=after)
        except StoreError:
            return []


def _holds(the_cut: review.Cut, target: str, frame: int) -> bool:
    """Whether the film frame lies in the target (a shot or `scene/N`)."""
    shot = the_cut.at(frame) if 0 <= frame < the_cut.frames else None
    if shot is None:
        return False
    if target.startswith("scene/"):
        return str(shot.scene) == target.partition("/")[2]
    return shot.shot_id == target
