"""What aiuteur remembers about a production tracker: the ids the tracker gave to the project, its
sequences, shots, tasks, previews and comments. Kept as versions of one artifact
(`tracking/kitsu`) through the Store's public API, so publishing again finds what it made the first
time instead of making it twice, and every change of the links is in the version history and the
audit log. Never a credential: the server's address only (without user info or query)."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class TrackedShot(BaseModel):
    """One aiuteur shot in the tracker: its shot, its sequence and the task that holds its previews
    and notes."""

    shot: str
    sequence: str
    task: str


class TrackerLinks(BaseModel):
    """The ids one tracker server gave to one aiuteur project's things."""

    url: str
    project: str = ""  # the tracker's project id
    project_name: str = ""
    task_type: str = ""
    sequences: dict[str, str] = {}  # sequence name (SC010) -> id
    shots: dict[str, TrackedShot] = {}  # aiuteur shot id -> ids
    #: media sha256 of a clip -> the preview file made from it (a clip is uploaded once)
    previews: dict[str, str] = {}
    #: preview comment id -> the clip's media sha256 (so reading notes back skips them)
    preview_comments: dict[str, str] = {}
    #: aiuteur note id -> the comments posted for it (one per shot the note is on)
    notes_out: dict[str, list[str]] = {}
    #: tracker comment id -> the aiuteur note made from it
    notes_in: dict[str, str] = {}
    published_at: datetime | None = None
    synced_at: datetime | None = None


class Tracking(BaseModel):
    """The payload of `tracking/kitsu`: links per tracker server (a project may be published to a
    test server and to the studio's)."""

    servers: dict[str, TrackerLinks] = {}


__all__ = ["TrackedShot", "TrackerLinks", "Tracking"]
