"""Typed errors of the store; messages say what to do next. Beside them: repeating a change that lost
a race (`retry_on_conflict`) and counting the changes this process kept (`changes_kept`), which tells
whether repeating some work is safe."""
import threading


class StoreError(Exception):
    """Base of everything the store raises on purpose."""


class WorkspaceDamaged(StoreError):
    """The workspace file cannot be read or written: truncated, damaged, or the disk failed."""


class ProjectNotFound(StoreError):
    pass


class ProjectExists(StoreError):
    pass


class ConfirmationRequired(StoreError):
    pass


class VersionNotFound(StoreError):
    pass


class BranchError(StoreError):
    pass


class WorkspaceBusy(StoreError):
    """A DuckDB workspace stayed locked by another process for longer than the wait allows."""


class WriteConflict(StoreError):
    """Another writer changed the same rows at the same moment; nothing of this write was kept.
    Retryable: read again and repeat the change (`aiuteur.store.retry_on_conflict` does that)."""

    retryable = True


class HeadMoved(WriteConflict):
    """The head this change was based on moved under it (another person committed or rolled back
    first). Nothing was written: read the new head and decide again."""


_kept_lock = threading.Lock()
_kept = 0


def note_change_kept() -> None:
    """The database calls this when a change of this process is kept (a transaction that changed a
    row committed, or a row-changing statement ran outside one)."""
    global _kept
    with _kept_lock:
        _kept += 1


def changes_kept() -> int:
    """How many changes this process has kept so far: a caller reads it before and after some work
    to know whether anything of that work stayed (the CLI repeats a command that lost a race only
    when nothing of it did)."""
    return _kept


def retry_on_conflict(change, *, attempts: int = 8, pause_s: float = 0.01):
    """Run `change()` (a function that reads what it needs and writes) again when it lost a race to
    another writer (`WriteConflict`, e.g. `HeadMoved`), up to `attempts` times with a short random
    pause; the last conflict is raised as it is. Call it outside any `transaction()`: a conflict
    ends the whole transaction, so the retry must start a new one. (The CLI repeats a whole command
    the same way, while nothing of it was kept: `aiuteur.cli._repeating_lost_races`.)"""
    import random
    import time

    for attempt in range(attempts):
        try:
            return change()
        except WriteConflict:
            if attempt == attempts - 1:
                raise
            time.sleep(pause_s * (1 + attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")
