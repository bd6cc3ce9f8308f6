"""The cost ledger: append-only money facts per project — reserve, release, charge.

Why append-only: the ledger is what a producer audits, so a row is never edited. A paid call's
life is three kinds of row: its estimate is *reserved* before it may start (so concurrent calls
cannot together overrun a budget), the reservation is *released* when the call ends (a negative
amount), and what the provider bills is *charged*. Failed and cancelled calls release and charge
what the provider bills for them — usually nothing.

Notes quote provider errors ("failed call: ..."), so they are scrubbed of API keys as they are
written (`aiuteur.engines.secrets`), whoever wrote the note.
"""
from __future__ import annotations

import math
import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from aiuteur.engines.secrets import scrub_text
from aiuteur.store import Store
from aiuteur.store.database import utcnow

Entry = Literal["reserve", "release", "charge"]


class LedgerEntry(BaseModel):
    id: str
    project_id: str
    job_id: str | None
    generation_id: str | None
    engine: str
    entry: Entry
    amount_usd: float
    note: str
    created_at: datetime


class LedgerTotals(BaseModel):
    """`spent`: billed; `reserved`: held for calls not finished; `committed`: the two together."""

    spent_usd: float = 0.0
    reserved_usd: float = 0.0

    @property
    def committed_usd(self) -> float:
        return round(self.spent_usd + self.reserved_usd, 6)


def _add(store: Store, project_id: str, entry: Entry, amount: float, *, engine: str, job_id: str | None,
         generation_id: str | None = None, note: str = "") -> str:
    _finite(amount)
    entry_id = f"led_{uuid.uuid4().hex[:16]}"
    store.insert_ledger_rows(
        [[entry_id, project_id, job_id, generation_id, engine, entry, round(float(amount), 6), scrub_text(note), utcnow()]])
    return entry_id


def _finite(amount: float) -> None:
    """A NaN or infinite amount would make every later budget comparison false: refuse it."""
    if not isinstance(amount, (int, float)) or not math.isfinite(amount):
        raise ValueError(f"a ledger amount must be a finite number of dollars, not {amount!r}")


def reserve(store: Store, project_id: str, job_id: str, engine: str, amount: float, note: str = "estimate") -> str:
    """Hold `amount` for a call about to be queued. Callers check the budget first (`budgets.admit`)."""
    return _add(store, project_id, "reserve", amount, engine=engine, job_id=job_id, note=note)


def reserve_many(store: Store, project_id: str, items: list[tuple[str, str, float]], note: str = "estimate") -> None:
    """Reserve for many jobs at once — (job id, engine, amount) — in one statement."""
    if not items:
        return
    now = utcnow()
    note = scrub_text(note)
    for _, _, amount in items:
        _finite(amount)
    store.insert_ledger_rows([[f"led_{uuid.uuid4().hex[:16]}", project_id, job_id, None, engine, "reserve",
                               round(float(amount), 6), note, now] for job_id, engine, amount in items])


def outstanding(store: Store, job_id: str) -> float:
    """What is still reserved for a job (reservations minus releases)."""
    return round(store.ledger_sum(job_id, ("reserve", "release")), 6)


def charged(store: Store, job_id: str) -> float:
    """What a job has been charged so far (e.g. failed tries the provider billed)."""
    return round(store.ledger_sum(job_id, ("charge",)), 6)


def release(store: Store, project_id: str, job_id: str, engine: str, note: str) -> float:
    """Give back a job's outstanding reservation; releasing twice gives back nothing the second time."""
    with store.db.transaction():
        held = outstanding(store, job_id)
        if held > 0:
            _add(store, project_id, "release", -held, engine=engine, job_id=job_id, note=note)
    return held


def charge(store: Store, project_id: str, job_id: str | None, engine: str, amount: float, *,
           generation_id: str | None, note: str) -> str:
    """Record what the provider billed (0 is recorded too: a free failure is a fact worth keeping)."""
    return _add(store, project_id, "charge", amount, engine=engine, job_id=job_id, generation_id=generation_id,
                note=note)


def reconcile(store: Store, project_id: str, job_id: str, engine: str, actual: float, *,
              generation_id: str | None, note: str) -> None:
    """Swap a job's reservation for its billed cost, in one transaction."""
    with store.db.transaction():
        release(store, project_id, job_id, engine, note=f"reconciled: {note}")
        charge(store, project_id, job_id, engine, actual, generation_id=generation_id, note=note)


def totals(store: Store, project_id: str) -> LedgerTotals:
    spent, reserved = store.ledger_totals(project_id)
    return LedgerTotals(spent_usd=round(spent, 6), reserved_usd=round(max(reserved, 0.0), 6))


def entries(store: Store, project_id: str, *, job_id: str | None = None) -> list[LedgerEntry]:
    return [LedgerEntry(**row) for row in store.ledger_rows(project_id, job_id=job_id)]
