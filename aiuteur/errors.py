"""The library's typed errors — what a person can act on — in one place.

The CLI prints them as one red line, Panel pages show them where the person clicked; anything
else (a RuntimeError, a KeyError, an AttributeError) is a bug and must surface as one, never
become "error: ..." or "nothing yet".

The classes are found in `sys.modules`, never imported here: an error whose module was never
loaded cannot have been raised, and `aiuteur --help` must not pay for the store or the stages.
"""
from __future__ import annotations

import sys

#: (defining module, class) of each typed error family; their subclasses are included
TYPED_ERRORS: tuple[tuple[str, str], ...] = (
    ("aiuteur.store.errors", "StoreError"),        # no project, busy or damaged workspace, version not found
    ("aiuteur.stages.gates", "StageError"),        # a gate not passed, stale input, budget refused
    ("aiuteur.engines.protocols", "EngineError"),  # a provider refused or failed, a capability missing
    ("aiuteur.export.errors", "ExportError"),
    ("aiuteur.render.errors", "RenderError"),
    ("aiuteur.tracking.errors", "TrackingError"),  # Kitsu not set up, login refused, out of reach
)

#: what "nothing yet" means to a view: the project, its stage or its workspace is not there yet
NOT_YET: tuple[tuple[str, str], ...] = (
    ("aiuteur.store.errors", "StoreError"),
    ("aiuteur.stages.gates", "StageError"),
)


def _loaded(names: tuple[tuple[str, str], ...]) -> list[type[BaseException]]:
    found = []
    for module_name, class_name in names:
        error = getattr(sys.modules.get(module_name), class_name, None)
        if isinstance(error, type) and issubclass(error, BaseException):
            found.append(error)
    return found


def user_errors() -> tuple[type[BaseException], ...]:
    """Every typed error: the library's own families, bad input (`ValueError`, which pydantic's
    `ValidationError`, `aiuteur.validate.BadInput` and `FountainError` are) and file-system
    errors (`OSError`). Use as `except user_errors() as exc:`."""
    return (ValueError, OSError, *_loaded(TYPED_ERRORS))


def not_yet_errors() -> tuple[type[BaseException], ...]:
    """The errors a read-only view turns into "nothing yet": no project, stage not run yet, a busy
    workspace. Bad input and bugs are not among them."""
    return tuple(_loaded(NOT_YET))
