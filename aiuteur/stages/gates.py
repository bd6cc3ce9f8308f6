"""Stage gates: a stage runs only on locked, fresh inputs; errors say which stage to visit."""
from __future__ import annotations

from aiuteur.models.project import Project
from aiuteur.models.versions import Version
from aiuteur.stages.catalog import stage_for_key
from aiuteur.store import Store


class StageError(Exception):
    """A stage cannot run now; the message says what to do."""


class StageOrderError(StageError):
    """An input stage has not been run or not been locked yet."""


class StaleInputError(StageError):
    """An input was made from versions that are no longer current."""


def _visit(key: str) -> str:
    info = stage_for_key(key)
    return f"visit stage {info.number} '{info.title}' ({info.gate})"


def require(store: Store, project: Project, key: str, *, locked: bool = True, auto_lock: bool = False) -> Version:
    """The head of `key`, checked: exists, fresh, and (if `locked`) locked — or locked now when `auto_lock`."""
    head = store.head(project, key)
    if head is None:
        raise StageOrderError(f"project {project.name!r} has no {key} yet: {_visit(key)} first")
    staleness = store.staleness(head)
    if staleness.status == "stale":
        raise StaleInputError(
            f"{key} v{head.number} is stale ({'; '.join(staleness.reasons)}): {_visit(key)} and regenerate it"
        )
    if locked and head.status != "locked":
        if not auto_lock:
            raise StageOrderError(
                f"{key} v{head.number} is a draft: {_visit(key)}, or run with auto_lock=True (CLI: --lock-defaults)"
            )
        head = store.lock(project, key, message="locked with defaults")
    return head
