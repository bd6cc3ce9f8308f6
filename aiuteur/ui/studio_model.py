"""The studio's state and actions as a plain `param.Parameterized` — no Panel import, testable by params.

Every action opens the workspace for the call and closes it, so the app never holds the DuckDB
file lock while a person looks at a page and the CLI can run beside it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import param

from aiuteur.models.media import Film
from aiuteur.models.review import ReviewNote
from aiuteur.models.shots import ShotList
from aiuteur.stages import review
from aiuteur.stages.status import StageStatus, project_status
from aiuteur.stages.video import FILM
from aiuteur.store import open_store


class StudioModel(param.Parameterized):
    workspace = param.String(default="aiuteur.duckdb", doc="Path of the workspace .duckdb file")
    project = param.Selector(default=None, objects=[], allow_None=True, doc="Selected project name")
    note_target = param.String(default="film")
    note_text = param.String(default="")
    message = param.String(default="")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.refresh()

    def refresh(self) -> None:
        """Reload the project list from the workspace."""
        with open_store(self.workspace) as store:
            names = [p.name for p in store.list_projects()]
        self.param.project.objects = names
        if self.project not in names:
            self.project = None

    def stages(self) -> list[StageStatus]:
        if not self.project:
            return []
        with open_store(self.workspace) as store:
            return project_status(store, store.get_project(self.project))

    def film_path(self) -> Path | None:
        """The assembled film's file in the media store, or None before stage 12."""
        if not self.project:
            return None
        with open_store(self.workspace) as store:
            project = store.get_project(self.project)
            head = store.head(project, FILM)
            return store.media_path(head.model(Film).media) if head else None

    def shot_rows(self) -> list[dict[str, Any]]:
        """One row per shot in cut order (scenes in order, shots as their list orders them), with start times."""
        if not self.project:
            return []
        with open_store(self.workspace) as store:
            project = store.get_project(self.project)
            lists = [v.model(ShotList) for k, v in store.heads(project, "scene/").items() if k.endswith("/shots")]
        rows, clock = [], 0.0
        for shot_list in sorted(lists, key=lambda sl: sl.scene):
            for shot in shot_list.shots:
                rows.append({
                    "shot": shot.shot_id, "scene": shot.scene, "start_s": round(clock, 2), "duration_s": shot.duration,
                    "type": shot.shot_type, "move": shot.camera_move,
                    "action / dialogue": f"{shot.dialogue.speaker}: {shot.dialogue.line}" if shot.dialogue else shot.action,
                })
                clock += shot.duration
        return rows

    def notes(self) -> list[ReviewNote]:
        if not self.project:
            return []
        with open_store(self.workspace) as store:
            return store.notes(store.get_project(self.project).id)

    def add_note(self) -> ReviewNote | None:
        """Save `note_text` on `note_target`; the note is routed to the stage that must fix it."""
        if not self.project:
            self.message = "pick a project first"
            return None
        try:
            with open_store(self.workspace) as store:
                note = review.add_note(store, store.get_project(self.project), self.note_target, self.note_text,
                                       author="studio")
        except Exception as exc:  # shown to the person, not swallowed: the message is the UI's error line
            self.message = f"note not saved: {exc}"
            return None
        self.message = f"note saved, routed to stage '{note.stage}'"
        self.note_text = ""
        return note
