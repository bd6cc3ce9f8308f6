"""How a job that did not finish reaches the caller that waited for it, and what is not bought again
without the user's say."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Sequence

from aiuteur.engines.protocols import EngineError

if TYPE_CHECKING:  # pragma: no cover
    from aiuteur.jobs.models import Job


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


@dataclass(frozen=True)
class UncertainStart:
    """A video start that was at the provider when its process died (or went unanswered): it may
    have been made and billed, and the provider could not be searched for it."""

    job_id: str
    engine: str
    stage: str
    prompt: str
    sent_at: datetime | None
    possible_cost_usd: float

    @classmethod
    def of(cls, job: "Job") -> "UncertainStart":
        return cls(job_id=job.id, engine=job.engine, stage=job.stage, prompt=str(job.request.get("prompt", "")),
                   sent_at=job.start_sent_at, possible_cost_usd=job.estimated_cost)

    def line(self) -> str:
        prompt = self.prompt if len(self.prompt) <= 60 else self.prompt[:57] + "..."
        return f"{self.job_id} {self.engine} up to ${self.possible_cost_usd:.2f}: {prompt!r}"


class RebuyConsentRequired(EngineError):
    """Video starts may already be bought; they are not bought again without the user's consent.

    `starts` lists them with what each may have cost. Decide with `aiuteur resume PROJECT
    --rebuy-uncertain` (buy them again) or `--skip-uncertain` (cancel them), or in the library
    `resume_project(store, project, uncertain="rebuy" | "skip")`."""

    def __init__(self, starts: Sequence[UncertainStart], *, project: str = "PROJECT") -> None:
        self.starts = list(starts)
        self.total_usd = round(sum(s.possible_cost_usd for s in self.starts), 6)
        listing = "\n".join(f"  {s.line()}" for s in self.starts)
        super().__init__(
            f"{len(self.starts)} video start(s) may already be bought (the provider got the request, its answer "
            f"was never saved, and the provider cannot be searched for it) — up to ${self.total_usd:.2f}; not "
            f"bought again without your consent:\n{listing}\nbuy them again: `aiuteur resume {project} "
            f"--rebuy-uncertain`; cancel them: `aiuteur resume {project} --skip-uncertain` "
            f"(library: resume_project(..., uncertain='rebuy' or 'skip'))")
