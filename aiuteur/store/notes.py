"""Review notes: facts about a cut, each routed to the stage that must act on it."""
from __future__ import annotations

import uuid

from aiuteur.models.review import ReviewNote
from aiuteur.store.database import Database, utcnow


class NotesMixin:
    db: Database

    def add_note(self, project_id: str, target: str, stage: str, text: str, author: str) -> ReviewNote:
        note = ReviewNote(
            id=f"note_{uuid.uuid4().hex[:12]}", project_id=project_id, target=target, stage=stage,
            text=text, author=author, created_at=utcnow(),
        )
        self.db.execute(
            "INSERT INTO review_notes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [note.id, project_id, target, stage, text, author, note.status, note.created_at],
        )
        return note

    def notes(self, project_id: str, *, status: str | None = None) -> list[ReviewNote]:
        sql = "SELECT * FROM review_notes WHERE project_id = ?"
        params: list = [project_id]
        if status:
            sql += " AND status = ?"
            params.append(status)
        return [ReviewNote(**row) for row in self.db.rows(sql + " ORDER BY created_at", params)]

    def resolve_note(self, note_id: str) -> None:
        self.db.execute("UPDATE review_notes SET status = 'resolved' WHERE id = ?", [note_id])
