"""Review notes and their history: rows only. What a note may say, and what acting on it does, is
`aiuteur.stages.review`'s business."""
from __future__ import annotations

import json
import uuid
from typing import Any, Iterable

from aiuteur.models.review import NOTE_STATES, NoteEvent, ReviewNote, RetakeLink
from aiuteur.models.versions import Version
from aiuteur.store.database import Database, utcnow
from aiuteur.store.errors import StoreError

_COLUMNS = ("id", "project_id", "target", "shot", "frame", "fps", "category", "suggested_category", "suggested_by",
            "stage", "text", "author", "assignee", "state", "created_at", "updated_at")
#: what `update_note` may change
_MUTABLE = {"category", "suggested_category", "suggested_by", "stage", "assignee", "state"}


class NoteNotFound(StoreError):
    """No review note with that id in the project."""


def new_note_id() -> str:
    return f"note_{uuid.uuid4().hex[:12]}"


class NotesMixin:
    db: Database

    def add_note(self, note: ReviewNote) -> ReviewNote:
        """Write a checked note and its first history event, in one transaction."""
        with self.db.transaction():
            self.db.execute(
                f"INSERT INTO review_notes ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})",
                [getattr(note, c) for c in _COLUMNS],
            )
            self.note_event(note, "added", {"target": note.target, "category": note.category,
                                             "suggested_category": note.suggested_category,
                                             "suggested_by": note.suggested_by, "stage": note.stage}, note.author)
        return note

    def note(self, project_id: str, note_id: str) -> ReviewNote:
        rows = self.db.rows(f"SELECT {', '.join(_COLUMNS)} FROM review_notes WHERE id = ? AND project_id = ?",
                            [note_id, project_id])
        if not rows:
            raise NoteNotFound(f"no review note {note_id!r} in this project; `aiuteur notes PROJECT` lists them")
        return ReviewNote(**rows[0])

    def notes(self, project_id: str, *, state: str | Iterable[str] | None = None,
              shot: str | None = None) -> list[ReviewNote]:
        """The project's notes, oldest first; `state` one state or several."""
        sql = f"SELECT {', '.join(_COLUMNS)} FROM review_notes WHERE project_id = ?"
        params: list[Any] = [project_id]
        if state is not None:
            states = [state] if isinstance(state, str) else list(state)
            unknown = sorted(set(states) - set(NOTE_STATES))
            if unknown:
                raise ValueError(f"unknown note state {unknown[0]!r}; states: {', '.join(NOTE_STATES)}")
            sql += f" AND state IN ({', '.join('?' for _ in states)})"
            params.extend(states)
        if shot is not None:
            sql += " AND shot = ?"
            params.append(shot)
        return [ReviewNote(**row) for row in self.db.rows(sql + " ORDER BY created_at, id", params)]

    def update_note(self, note: ReviewNote, action: str, author: str, **changes: Any) -> ReviewNote:
        """Change some fields of a note and record why, in one transaction."""
        unknown = set(changes) - _MUTABLE
        if unknown:
            raise ValueError(f"a note's {', '.join(sorted(unknown))} cannot change")
        updated = note.model_copy(update={**changes, "updated_at": utcnow()})
        names = [*changes, "updated_at"]
        with self.db.transaction():
            self.db.execute(f"UPDATE review_notes SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?",
                            [getattr(updated, n) for n in names] + [note.id])
            self.note_event(note, action, {k: v for k, v in changes.items()}, author)
        return updated

    def resolve_note(self, note: ReviewNote, *, author: str = "aiuteur", reason: str = "") -> ReviewNote:
        """Mark a note resolved (what approving its retakes does), recording who and why."""
        if note.state == "resolved":
            return note
        with self.db.transaction():
            updated = self.update_note(note, "resolved", author, state="resolved")
            if reason:
                self.note_event(note, "reason", {"reason": reason}, author)
        return updated

    def note_events(self, note_id: str) -> list[NoteEvent]:
        rows = self.db.rows("SELECT id, note_id, action, detail, author, created_at FROM review_note_events "
                            "WHERE note_id = ? ORDER BY created_at, id", [note_id])
        return [NoteEvent(**{**r, "detail": json.loads(r["detail"])}) for r in rows]

    def link_retake(self, note: ReviewNote, version: Version, author: str) -> RetakeLink:
        """Record that `version` (a shot's new clip) was made for `note`."""
        shot_id = version.artifact_key.split("/")[1]
        link = RetakeLink(note_id=note.id, shot_id=shot_id, version_id=version.id, version_number=version.number,
                          author=author, created_at=utcnow())
        with self.db.transaction():
            self.db.execute("INSERT INTO review_note_retakes VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [note.project_id, note.id, shot_id, version.id, version.number, author, link.created_at])
            self.note_event(note, "retake", {"shot": shot_id, "version": version.id, "number": version.number},
                             author)
        return link

    def retakes(self, project_id: str, note_id: str | None = None) -> list[RetakeLink]:
        sql = ("SELECT note_id, shot_id, version_id, version_number, author, created_at FROM review_note_retakes "
               "WHERE project_id = ?")
        params: list[Any] = [project_id]
        if note_id is not None:
            sql += " AND note_id = ?"
            params.append(note_id)
        return [RetakeLink(**r) for r in self.db.rows(sql + " ORDER BY created_at, version_number", params)]

    def note_event(self, note: ReviewNote, action: str, detail: dict[str, Any], author: str) -> None:
        """Append one event to a note's history, and the change to the audit log (the same transaction
        when the caller has one)."""
        self.db.execute("INSERT INTO review_note_events VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [f"nev_{uuid.uuid4().hex[:12]}", note.project_id, note.id, action,
                         json.dumps(detail, default=str, sort_keys=True), author, utcnow()])
        self.audit(note.project_id, f"note.{action}", {"note": note.id, "note_author": author,  # type: ignore[attr-defined]
                                                       **{k: v for k, v in detail.items() if k != "note"}})
