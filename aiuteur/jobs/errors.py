"""How a job that did not finish reaches the caller that waited for it."""
from __future__ import annotations

from aiuteur.engines.protocols import EngineError


class JobFailed(EngineError):
    """A paid call failed for good (a permanent error, or retries used up). `reason` is the
    provider's own words when it gave any; the job and the generation row keep both."""

    def __init__(self, message: str, *, job_id: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.job_id = job_id
        self.reason = reason


class JobCancelled(EngineError):
    """The job was cancelled before it finished; its reservation was released."""

    def __init__(self, message: str, *, job_id: str) -> None:
        super().__init__(message)
        self.job_id = job_id
