"""Resuming a project after a crash: settle the starts that may already be bought, finish the open
jobs, then file the clips they made.

`control.resume` finishes jobs; a stage-12 clip also needs its version committed, which is the
video stage's business. This puts the two together for `aiuteur resume`, so a killed video batch
is whole again without re-running the stage (which would adopt the same jobs anyway).

A video start in flight when the process died (sent, its operation id never saved) may have been
made and billed at the provider. Where the engine can search its provider (`find(request)`), the
operation is found and polled, or the provider says it has none and the start is safe. Where it
cannot, the start is *uncertain* and the library does not buy it again on its own:
`resume_project` refuses by default (`RebuyConsentRequired`, listing each start with what it may
have cost), and the caller decides — `uncertain="rebuy"` (buy again), `"skip"` (cancel those jobs),
or `"leave"` (finish the rest, keep those open for later). Once decided (rebuy or skip), the lost
start is charged to the ledger at its estimate as "possibly billed": the provider got the request,
so spend is counted on the safe side (it shows on the job's generation as part of its cost).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Sequence

from aiuteur.costs import ledger
from aiuteur.engines.records import REQUESTS
from aiuteur.engines.registry import get_engine
from aiuteur.jobs import table
from aiuteur.jobs.control import cancel_jobs, resume
from aiuteur.jobs.errors import RebuyConsentRequired, UncertainStart
from aiuteur.jobs.runner import JobResult, ProgressFn, Runner, find_operation, running_here
from aiuteur.models.project import Project
from aiuteur.stages.gates import StageError
from aiuteur.store import Store

UncertainPolicy = Literal["refuse", "rebuy", "skip", "leave"]
REBOUGHT = "start uncertain: bought again with the user's consent (the first start may have been billed too)"
SKIPPED = "start uncertain: skipped by the user, not bought again (the provider may have made and billed it)"


@dataclass
class ResumeReport:
    results: list[JobResult] = field(default_factory=list)
    clips_filed: int = 0
    uncertain: list[UncertainStart] = field(default_factory=list)  # what the policy was applied to
    decision: UncertainPolicy | None = None  # what was done with them (None: there were none)


def uncertain_starts(store: Store, project: Project, *, engines: Mapping[str, Any] | None = None) -> list[UncertainStart]:
    """The project's video starts that may already be bought and cannot be settled by asking the
    provider. On the way, the starts the provider *can* be searched for are settled: an operation
    found is saved on its job (to be polled, not bought), one the provider does not have is cleared."""
    out: list[UncertainStart] = []
    for job in table.pending(store, project.id):
        if not job.start_uncertain or running_here(job.id):  # a start in flight in this process is not lost
            continue
        try:
            engine = (engines or {}).get(job.engine) or get_engine(job.kind, job.engine)
            searched, operation = find_operation(engine, REQUESTS[job.kind].model_validate(job.request))
        except Exception:  # no engine here (a key missing) or the look-up failed: cannot tell
            searched, operation = False, None
        if operation is not None:
            table.set_operation(store, job.id, operation)
        elif searched:
            table.clear_start(store, [job.id], note="start settled: the provider has no operation for it")
        else:
            out.append(UncertainStart.of(job))
    return out


def rebuy_uncertain(store: Store, project: Project, starts: Sequence[UncertainStart]) -> None:
    """Consent to buy these starts again: their jobs start a new operation when next run; each lost
    start is charged at its estimate (possibly billed)."""
    for start in starts:
        with store.db.transaction():
            table.clear_start(store, [start.job_id], note=REBOUGHT)
            _charge_lost(store, project, start)


def skip_uncertain(store: Store, project: Project, starts: Sequence[UncertainStart]) -> list[str]:
    """Do not buy these starts again: their jobs are cancelled (reservations released) and each lost
    start is charged at its estimate (possibly billed)."""
    cancelled = cancel_jobs(store, [s.job_id for s in starts], note=SKIPPED)
    for start in starts:
        if start.job_id in cancelled:
            _charge_lost(store, project, start)
    return cancelled


def _charge_lost(store: Store, project: Project, start: UncertainStart) -> None:
    ledger.charge(store, project.id, start.job_id, start.engine, start.possible_cost_usd, generation_id=None,
                  note=f"lost start, possibly billed (sent {start.sent_at:%Y-%m-%d %H:%M:%S} UTC, answer never saved)"
                  if start.sent_at else "lost start, possibly billed (answer never saved)")


def resume_project(store: Store, project: Project, *, engines: Mapping[str, Any] | None = None,
                   runner: Runner | None = None, on_progress: ProgressFn | None = None,
                   uncertain: UncertainPolicy = "refuse") -> ResumeReport:
    """Settle uncertain starts by `uncertain` (the default refuses: `RebuyConsentRequired` before
    anything runs), finish open jobs, then, if they made shot clips and the cost confirmation is
    still fresh, commit those clips as stage-12 versions (no engine is called for that)."""
    from aiuteur.stages import video

    if uncertain not in ("refuse", "rebuy", "skip", "leave"):
        raise ValueError(f"uncertain={uncertain!r}: give 'refuse', 'rebuy', 'skip' or 'leave'")
    starts = uncertain_starts(store, project, engines=engines)
    ids = [s.job_id for s in starts]
    if starts and uncertain == "refuse":
        raise RebuyConsentRequired(starts, project=project.name)
    if starts and uncertain == "rebuy":
        rebuy_uncertain(store, project, starts)
    elif starts and uncertain == "skip":
        skip_uncertain(store, project, starts)
    results = resume(store, project, engines=engines, runner=runner, on_progress=on_progress,
                     leave=ids if uncertain == "leave" else ())
    report = ResumeReport(results=results, uncertain=starts, decision=uncertain if starts else None)
    finished_video = [r.job for r in results if r.job.kind == "video" and r.job.status == "done"]
    for engine_id in sorted({job.engine for job in finished_video}):
        seeds = tuple(sorted({int(job.request.get("seed", 0)) for job in finished_video if job.engine == engine_id}))
        try:
            report.clips_filed += len(video.adopt_finished(store, project, engine_id, seeds=seeds))
        except StageError:  # the confirmation moved on (an edit since): the clips wait for the next run
            pass
    return report
