"""What a job is, and the counts progress is told in."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]
STATUSES: tuple[str, ...] = ("queued", "running", "done", "failed", "cancelled")
OPEN: tuple[str, ...] = ("queued", "running")  # still to be finished by a runner
TERMINAL: tuple[str, ...] = ("done", "failed", "cancelled")


class Job(BaseModel):
    """One paid engine call, stored before it is made — or one local job (kind `export`: work this
    machine does itself, no provider and no cost; `aiuteur.jobs.local`).

    `request` is the engine request as JSON and `call` who asked for it (template, input versions,
    the output schema of a text call, the approval scopes), so a new process can finish it.
    `attempts` counts tries; `operation_id` is a long-running provider operation to re-poll.
    `start_sent_at` is set while a video start is at the provider with no answer recorded: a job
    left open like that by a dead process may have been bought already (`start_uncertain`).
    """

    id: str
    project_id: str
    batch_id: str
    kind: Literal["text", "image", "video", "speech", "music", "export"]
    stage: str
    provider: str
    engine: str
    idempotency_key: str
    request: dict[str, Any]
    call: dict[str, Any]
    status: JobStatus
    attempts: int = 0
    operation_id: str | None = None
    start_sent_at: datetime | None = None
    next_attempt_at: datetime | None = None
    estimated_cost: float = 0.0
    error: str | None = None
    provider_reason: str | None = None
    generation_id: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    updated_at: datetime

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL

    @property
    def start_uncertain(self) -> bool:
        """Open, a start sent, and neither its operation id nor an error came back."""
        return self.status in OPEN and self.start_sent_at is not None and self.operation_id is None


class JobCounts(BaseModel):
    """Progress: how many jobs are in each state. What the CLI, notebooks and Panel show."""

    queued: int = 0
    running: int = 0
    done: int = 0
    failed: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        return self.queued + self.running + self.done + self.failed + self.cancelled

    @property
    def open(self) -> int:
        return self.queued + self.running

    @property
    def finished(self) -> int:
        return self.done + self.failed + self.cancelled

    def __str__(self) -> str:
        return (f"{self.done}/{self.total} done, {self.running} running, {self.queued} queued, "
                f"{self.failed} failed, {self.cancelled} cancelled")
