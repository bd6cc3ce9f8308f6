"""The stage-9 page's state and actions (the prompt inspector) as a plain `param.Parameterized`: no
Panel import, tested by setting params and calling methods.

Everything is read through `aiuteur.stages.prompts` — `list_prompts` (cards with the target models'
badges, problems, the regenerated prompt beside an edited, stale one), `edit`, `lock_prompts`,
`diff_prompts`, `resolve_stale_prompt` — the calls under `aiuteur prompts` and its verbs. An edit
that would make frames or clips stale asks first (`StudioModel.ask_first`: the studio's dialog).
Each call opens the workspace and closes it (see `StudioModel`). A refusal lands in `message` with
`message_at` naming the control that was used, so the page shows it there.
"""
from __future__ import annotations

from typing import Any

import param

from aiuteur.errors import not_yet_errors, user_errors
from aiuteur.ui.studio_model import StudioModel

#: cards drawn at once on the page (a 600-shot film is read by scene)
MAX_CARDS = 60


class PromptsModel(param.Parameterized):
    studio = param.ClassSelector(class_=StudioModel)
    scene = param.Integer(default=0, bounds=(0, None), doc="The scene whose prompts are shown (0: every scene)")
    shot = param.String(default="", doc="The shot the editor and the actions apply to")
    frame_text = param.String(default="", doc="The frame prompt being edited")
    video_text = param.String(default="", doc="The video prompt being edited")
    diff_a = param.Integer(default=1, bounds=(1, None), doc="Version number, older side of the diff")
    diff_b = param.Integer(default=1, bounds=(1, None), doc="Version number, newer side of the diff")
    diff = param.String(default="", doc="The unified diff last asked for")
    message = param.String(default="")
    message_at = param.String(default="", doc="The control the message belongs to: edit, lock, diff, resolve")
    revision = param.Integer(default=0, doc="Bumped after a change here or in the store, to redraw")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.studio.param.watch(self._store_changed, ["project", "store_revision"])

    def _store_changed(self, event) -> None:
        if event.name == "project":
            self.param.update(shot="", frame_text="", video_text="", diff="", message="", scene=0)
        self.revision += 1
        if event.name != "project" and self.shot:
            self._load_texts(keep_edits=True)

    def _say(self, where: str, text: str) -> None:
        self.param.update(message_at=where, message=text)

    # -- reading ------------------------------------------------------------------------------------
    def cards(self) -> list:
        """The prompt cards (`PromptCard`) of the scene shown, in cut order ([] before stage 9)."""
        if not self.studio.project:
            return []
        from aiuteur.stages import prompts

        try:
            with self.studio.open_store() as store:
                found = prompts.list_prompts(store, store.get_project(self.studio.project))
        except not_yet_errors():  # a view: nothing yet (no shot lists) or a busy workspace shows no cards
            return []
        return [c for c in found if not self.scene or c.scene == self.scene]

    def card(self, shot_id: str | None = None) -> Any:
        """One shot's card (the selected shot's by default), or None."""
        shot_id = shot_id or self.shot
        if not shot_id or not self.studio.project:
            return None
        from aiuteur.stages import prompts

        try:
            with self.studio.open_store() as store:
                found = prompts.list_prompts(store, store.get_project(self.studio.project), shot_id=shot_id)
        except not_yet_errors():
            return None
        return found[0] if found else None

    def shot_ids(self) -> list[str]:
        return [c.shot_id for c in self.cards()]

    def frame_paths(self, cards: list) -> dict[str, tuple[str | None, str | None]]:
        """Each card's start and end frame files (for thumbnails), when they exist: shot id -> (start, end)."""
        if not cards:
            return {}
        with self.studio.open_store() as store:
            return {card.shot_id: tuple(str(store.media_path(ref)) if ref is not None and store.has_media(ref) else None
                                        for ref in (card.start_frame, card.end_frame))  # type: ignore[misc]
                    for card in cards}

    def versions(self) -> list[int]:
        """The selected shot's prompt version numbers, oldest first (for the diff)."""
        if not self.shot or not self.studio.project:
            return []
        from aiuteur.stages import prompts

        with self.studio.open_store() as store:
            return [v.number for v in store.history(store.get_project(self.studio.project), prompts.key(self.shot))]

    # -- acting --------------------------------------------------------------------------------------
    def select(self, shot_id: str) -> bool:
        """Open a shot in the editor: its current prompts, and a diff of its last two versions."""
        self.shot = shot_id
        if not shot_id:
            self.param.update(frame_text="", video_text="", diff="")
            return False
        if not self._load_texts():
            self._say("edit", f"no prompt for {shot_id} yet: run stage 9")
            return False
        numbers = self.versions()
        self.param.update(diff_a=numbers[-2] if len(numbers) > 1 else numbers[0], diff_b=numbers[-1], diff="")
        return True

    def _load_texts(self, *, keep_edits: bool = False) -> bool:
        card = self.card()
        if card is None:
            return False
        if not keep_edits or not (self.frame_text or self.video_text):
            self.param.update(frame_text=card.frame_prompt, video_text=card.video_prompt)
        return True

    def save_edit(self) -> Any:
        """Save the editor's text as a new version marked manual (`prompts.edit`). When frames or clips
        were made from the prompt, the studio's dialog asks first (what turns stale, what it cost)."""
        shot = self.shot
        if not shot:
            self._say("edit", "pick a shot first")
            return None
        card = self.card()
        if card is None:
            self._say("edit", f"no prompt for {shot} yet: run stage 9")
            return None
        frame = self.frame_text if self.frame_text != card.frame_prompt else None
        video = self.video_text if self.video_text != card.video_prompt else None
        if frame is None and video is None:
            self._say("edit", f"{shot}: nothing changed")
            return None

        def editing(store, project, confirm_invalidation):
            from aiuteur.stages import prompts

            return prompts.edit(store, project, shot, frame_prompt=frame, video_prompt=video,
                                author=self.studio.author, confirm_invalidation=confirm_invalidation)

        version = self.studio.ask_first(f"edit {shot}'s prompt", editing)
        if version is not None:
            self._say("edit", f"{version.label} saved (manual edit)")
        elif self.studio.pending:
            self._say("edit", f"{shot}: frames or clips were made from this prompt; confirm in the dialog")
        else:
            self._say("edit", self.studio.message)
        return version

    def lock(self, *, all_shots: bool = False) -> list | None:
        """Lock the selected shot's prompt (or every prompt with `all_shots`). Refused — nothing locked,
        the reason shown beside the Lock buttons — while any prompt has a problem."""
        from aiuteur.stages import prompts

        shot = None if all_shots else (self.shot or None)
        if not all_shots and shot is None:
            self._say("lock", "pick a shot first (or lock every prompt)")
            return None
        try:
            with self.studio.open_store() as store:
                locked = prompts.lock_prompts(store, self._project(store), shot_id=shot, author=self.studio.author)
        except user_errors() as exc:  # PromptInvalid names each shot and problem
            self._say("lock", f"not locked: {exc}")
            return None
        self._say("lock", f"locked {len(locked)} prompt(s)" + (f" ({shot})" if shot else ""))
        self._changed()
        return locked

    def show_diff(self) -> str:
        """The unified diff of the selected shot's versions `diff_a` and `diff_b`."""
        from aiuteur.stages import prompts

        if not self.shot:
            self._say("diff", "pick a shot first")
            return ""
        try:
            with self.studio.open_store() as store:
                text = prompts.diff_prompts(store, self._project(store), self.shot, self.diff_a, self.diff_b)
        except user_errors() as exc:
            self._say("diff", f"no diff: {exc}")
            return ""
        self.diff = text or f"v{self.diff_a} and v{self.diff_b} have the same prompts"
        self._say("diff", "")
        return self.diff

    def resolve(self, choice: str) -> Any:
        """For an "edited, stale" prompt: `keep` the edit, `take` the regenerated prompt, or `merge`
        (the editor's text is the merge)."""
        from aiuteur.models.prompts import PromptText
        from aiuteur.stages import prompts

        if not self.shot:
            self._say("resolve", "pick a shot first")
            return None
        merged = PromptText(frame_prompt=self.frame_text, video_prompt=self.video_text) if choice == "merge" else None
        try:
            with self.studio.open_store() as store:
                version = prompts.resolve_stale_prompt(store, self._project(store), self.shot, choice, merged=merged,
                                                       author=self.studio.author)
        except user_errors() as exc:
            self._say("resolve", f"{choice} refused: {exc}")
            return None
        self._say("resolve", f"{version.label}: {version.message}")
        self._changed()
        self._load_texts()
        return version

    def _project(self, store):
        if not self.studio.project:
            raise ValueError("pick a project first")
        return store.get_project(self.studio.project)

    def _changed(self) -> None:
        """Tell every page (this one too, through `store_revision`) the store changed."""
        if not self.studio.check_store():
            self.revision += 1
