"""Stage 12 review: notes on the cut, the table that routes each category of note to the stage
that fixes it, the retakes made for a note, and notifications."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

NoteState = Literal["open", "in_progress", "resolved", "wont_fix"]
NOTE_STATES: tuple[str, ...] = ("open", "in_progress", "resolved", "wont_fix")
#: a note in one of these states still asks for work
OPEN_STATES: tuple[str, ...] = ("open", "in_progress")


def timecode(frame: int, fps: int) -> str:
    """`HH:MM:SS:FF` (non-drop-frame) of a 0-based frame number at an integer frame rate."""
    seconds, frames = divmod(int(frame), int(fps))
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}:{frames:02d}"


class ReviewNote(BaseModel):
    """One note on the cut. `target` is a shot id, `scene/<n>` or `film`; `shot` is the shot it is
    on (the target's shot, or the shot under its timecode). `frame` is the film frame it points at
    (0-based, at `fps`), so its timecode is exact to the frame.

    `category` is what a person confirmed; until then `suggested_category` (from the offline rules
    or a text engine, named by `suggested_by`) only proposes one. `stage` is the stage that fixes
    the note, read from the routing table (data/review_routes.json) when it was routed."""

    model_config = ConfigDict(frozen=True)

    id: str
    project_id: str
    target: str
    shot: str | None = None
    frame: int | None = None
    fps: int | None = None
    category: str | None = None
    suggested_category: str | None = None
    suggested_by: str | None = None
    stage: str | None = None
    text: str
    author: str
    assignee: str | None = None
    state: NoteState = "open"
    created_at: datetime
    updated_at: datetime | None = None

    @property
    def timecode(self) -> str | None:
        """`HH:MM:SS:FF` at the project's frame rate, or None for a note with no point in the film."""
        if self.frame is None or not self.fps:
            return None
        return timecode(self.frame, self.fps)

    @property
    def confirmed(self) -> bool:
        """A person chose (or confirmed) the category; a suggestion alone is not a decision."""
        return self.category is not None

    @property
    def seconds(self) -> float | None:
        """Where the note points in the film, in seconds (the frame's start)."""
        return None if self.frame is None or not self.fps else self.frame / self.fps

    def as_row(self) -> dict[str, Any]:
        """JSON-ready, with the derived timecode (what `aiuteur notes --json` prints)."""
        return {**self.model_dump(mode="json"), "timecode": self.timecode}


class NoteEvent(BaseModel):
    """One change in a note's life (added, category confirmed, assigned, state set, retake linked)."""

    model_config = ConfigDict(frozen=True)

    id: str
    note_id: str
    action: str
    detail: dict[str, Any] = {}
    author: str
    created_at: datetime


class RetakeLink(BaseModel):
    """A new clip version made for a note. The note resolves when every linked shot's clip head is
    approved (locked) at this version or a later one."""

    model_config = ConfigDict(frozen=True)

    note_id: str
    shot_id: str
    version_id: str
    version_number: int
    author: str
    created_at: datetime


class Route(BaseModel):
    """One row of the routing table: a category of note, the stage that fixes it, and the words the
    offline rules look for to suggest it (a phrase of n words weighs n)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    category: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    stage: str
    description: str
    keywords: list[str] = []


class Suggestion(BaseModel):
    """A proposed category with who proposed it and why; a person confirms or picks another."""

    model_config = ConfigDict(frozen=True)

    category: str
    stage: str
    by: str  # "rules" or a text engine id
    reason: str = ""


class CategoryProposal(BaseModel):
    """What a text engine is asked to answer (structured output) when it proposes a category."""

    category: str = Field(description="one of the categories listed in the prompt")
    reason: str = Field(default="", description="one short sentence: why this category")


class StageLink(BaseModel):
    """Where a note is fixed: the stage, the studio page that shows it, and the shot/scene to open."""

    model_config = ConfigDict(frozen=True)

    stage: str
    number: int
    title: str
    page: str
    artifact_key: str | None = None
    shot: str | None = None
    scene: int | None = None


NotificationKind = Literal["job.finished", "job.failed", "budget.warning", "note.assigned"]
NOTIFICATION_KINDS: tuple[str, ...] = ("job.finished", "job.failed", "budget.warning", "note.assigned")


class Notification(BaseModel):
    """Something a person should hear about; kept in the store whether or not a hook delivered it."""

    model_config = ConfigDict(frozen=True)

    id: str
    project_id: str
    kind: NotificationKind
    event_key: str  # the same event is never notified twice, even from two processes
    level: Literal["info", "success", "warning", "error"] = "info"
    title: str
    body: str = ""
    detail: dict[str, Any] = {}
    occurred_at: datetime
    created_at: datetime


class NotificationHook(BaseModel):
    """Where notifications go besides the studio's toasts: a webhook URL (`env:NAME` reads it from
    the environment at send time, for URLs that carry a token) or an e-mail address."""

    model_config = ConfigDict(frozen=True)

    id: str
    project_id: str
    channel: Literal["webhook", "email"]
    target: str
    kinds: list[str] = list(NOTIFICATION_KINDS)
    created_at: datetime


class Delivery(BaseModel):
    """One attempt to deliver a notification to a hook."""

    model_config = ConfigDict(frozen=True)

    id: str
    notification_id: str
    hook_id: str
    channel: str
    status: Literal["sent", "failed"]
    error: str | None = None
    created_at: datetime
