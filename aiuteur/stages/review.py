"""Stage 12 — review notes, each routed to the stage that must fix it."""
from __future__ import annotations

import re

from aiuteur.models.project import Project
from aiuteur.models.review import ReviewNote
from aiuteur.stages.catalog import BY_SLUG
from aiuteur.stages.gates import StageError
from aiuteur.store import Store

#: first match wins; words a reviewer uses -> the stage that owns the fix
ROUTES: list[tuple[str, str]] = [
    (r"\b(line|dialogue|says|scene order|story|plot|character arc|rewrite)\b", "script"),
    (r"\b(continuity|costume|muddy|wet|blood|torn|state|jacket)\b", "visual_states"),
    (r"\b(framing|angle|lens|shot type|coverage|too long|too short|duration|cut|pacing)\b", "shots"),
    (r"\b(look|face|colou?r|lighting|frame|composition|style)\b", "frames"),
    (r"\b(motion|movement|animation|camera move|glitch|artifact)\b", "video"),
]


def route(text: str) -> str:
    lowered = text.lower()
    for pattern, stage in ROUTES:
        if re.search(pattern, lowered):
            return stage
    return "video"


def add_note(store: Store, project: Project, target: str, text: str, *, stage: str | None = None,
             author: str = "user") -> ReviewNote:
    """A note on a shot id, `scene/<n>` or `film`; routed by its words unless `stage` is given."""
    if not text.strip():
        raise StageError("a review note needs text")
    stage = stage or route(text)
    if stage not in BY_SLUG:
        raise StageError(f"no stage {stage!r}; stages: {', '.join(BY_SLUG)}")
    return store.add_note(project.id, target, stage, text.strip(), author)
