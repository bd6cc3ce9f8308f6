"""Queueing paid calls: a job row per call, admitted by the budget gate first.

`enqueue` is all or nothing in one transaction: the budget gate (`budgets.admit`) checks
approvals and the cap for the whole batch and reserves each estimate, then the rows are written.
A refused batch leaves no job and no reservation behind.

A call whose idempotency key already has an open (queued or running) job in the project joins
that job instead of making a new one: after a crash, the re-run stage adopts the jobs the dead
process left, including their in-flight provider operations.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Sequence

from pydantic import BaseModel

from aiuteur.costs import budgets
from aiuteur.jobs import table
from aiuteur.jobs.models import Job
from aiuteur.models.project import Project
from aiuteur.store import Store
from aiuteur.store.database import utcnow


@dataclass(frozen=True)
class JobSpec:
    """A call to queue. `scopes` are the approval scopes that cover it (its key first);
    `schema` is a text call's output model as `module:qualname`."""

    project: Project
    kind: str
    stage: str
    engine: str
    key: str
    request: BaseModel
    template_id: str
    template_version: str
    input_versions: tuple[str, ...] = ()
    estimate_usd: float = 0.0
    scopes: tuple[str, ...] = field(default_factory=tuple)
    schema: str | None = None


def new_batch_id() -> str:
    return f"bat_{uuid.uuid4().hex[:12]}"


def enqueue(store: Store, specs: Sequence[JobSpec], *, batch_id: str | None = None) -> list[Job]:
    """One job per spec, in order (specs with the same key share a job). Raises the gate's
    `BudgetExceeded` / `ApprovalRequired` with nothing written."""
    if not specs:
        return []
    projects = {s.project.id for s in specs}
    if len(projects) != 1:
        raise ValueError(f"a batch belongs to one project, got {sorted(projects)}")
    project = specs[0].project
    batch_id = batch_id or new_batch_id()
    out: list[Job] = []
    with store.db.transaction():
        by_key: dict[str, Job] = table.open_jobs_for_keys(store, project.id, list(dict.fromkeys(s.key for s in specs)))
        fresh: list[tuple[Job, JobSpec]] = []
        for spec in specs:
            job = by_key.get(spec.key)
            if job is None:
                now = utcnow()
                job = Job(
                    id=f"job_{uuid.uuid4().hex[:16]}", project_id=project.id, batch_id=batch_id, kind=spec.kind,  # type: ignore[arg-type]
                    stage=spec.stage, provider=spec.engine.partition(":")[0], engine=spec.engine,
                    idempotency_key=spec.key, request=spec.request.model_dump(mode="json"),
                    call={"template_id": spec.template_id, "template_version": spec.template_version,
                          "input_versions": list(spec.input_versions), "schema": spec.schema,
                          "scopes": list(spec.scopes)},
                    status="queued", estimated_cost=round(spec.estimate_usd, 6), created_at=now, updated_at=now,
                )
                fresh.append((job, spec))
            by_key[spec.key] = job
            out.append(job)
        budgets.admit(store, project, [
            budgets.Admission(job_id=job.id, engine=job.engine, estimate_usd=job.estimated_cost,
                              scopes=tuple(spec.scopes) or (spec.key,))
            for job, spec in fresh
        ])
        table.insert(store, [job for job, _ in fresh])
    return out
