"""aiuteur — from a one-line idea to an edited, reviewable film, through twelve stages.

    from aiuteur import open_store, start_project, run
    store = open_store("studio.duckdb")
    project, _ = start_project(store, "lighthouse", "An aging lighthouse keeper ...")
    report = run(store, project, out_dir="out")   # engines: engines_for(store, project), offline by default

Each stage is also a module in `aiuteur.stages` with its own functions (generate, select, lock...).

The public names are loaded on first use (module `__getattr__`), so `import aiuteur.cli` — and with it
`aiuteur --help` — does not pay for the pipeline, the engines and numpy.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from aiuteur.lazy import lazy_names

__version__ = "0.1.0"

#: public name -> (module, attribute in it)
_LAZY: dict[str, tuple[str, str]] = {
    "Engines": ("aiuteur.engines.registry", "Engines"),
    "engines_for": ("aiuteur.engines.config", "engines_for"),
    "get_engine": ("aiuteur.engines.registry", "get_engine"),
    "register": ("aiuteur.engines.registry", "register"),
    "Project": ("aiuteur.models", "Project"),
    "ProjectConfig": ("aiuteur.models", "ProjectConfig"),
    "Version": ("aiuteur.models", "Version"),
    "RunReport": ("aiuteur.pipeline", "RunReport"),
    "run": ("aiuteur.pipeline", "run"),
    "STAGES": ("aiuteur.stages.catalog", "STAGES"),
    "StageError": ("aiuteur.stages.gates", "StageError"),
    "StageOrderError": ("aiuteur.stages.gates", "StageOrderError"),
    "StaleInputError": ("aiuteur.stages.gates", "StaleInputError"),
    "start_project": ("aiuteur.stages.input", "start"),
    "add_note": ("aiuteur.stages.review", "add_note"),
    "StageStatus": ("aiuteur.stages.status", "StageStatus"),
    "project_status": ("aiuteur.stages.status", "project_status"),
    "Store": ("aiuteur.store", "Store"),
    "StoreError": ("aiuteur.store", "StoreError"),
    "open_store": ("aiuteur.store", "open_store"),
}

__all__ = [
    "Engines", "engines_for", "get_engine", "register",
    "Project", "ProjectConfig", "Version",
    "RunReport", "run", "STAGES",
    "StageError", "StageOrderError", "StaleInputError",
    "start_project", "add_note", "StageStatus", "project_status",
    "Store", "StoreError", "open_store",
]


__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())


if TYPE_CHECKING:  # what type checkers and editors see; nothing is imported at run time
    from aiuteur.engines.config import engines_for
    from aiuteur.engines.registry import Engines, get_engine, register
    from aiuteur.models import Project, ProjectConfig, Version
    from aiuteur.pipeline import RunReport, run
    from aiuteur.stages.catalog import STAGES
    from aiuteur.stages.gates import StageError, StageOrderError, StaleInputError
    from aiuteur.stages.input import start as start_project
    from aiuteur.stages.review import add_note
    from aiuteur.stages.status import StageStatus, project_status
    from aiuteur.store import Store, StoreError, open_store
