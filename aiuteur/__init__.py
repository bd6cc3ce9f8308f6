"""aiuteur — from a one-line idea to an edited, reviewable film, through twelve stages.

    from aiuteur import open_store, start_project, run
    store = open_store("studio.duckdb")
    project, _ = start_project(store, "lighthouse", "An aging lighthouse keeper ...")
    report = run(store, project, out_dir="out")   # engines: engines_for(store, project), offline by default

Each stage is also a module in `aiuteur.stages` with its own functions (generate, select, lock...).
"""
from aiuteur.engines.config import engines_for
from aiuteur.engines.registry import Engines, get_engine, register
from aiuteur.models import Project, ProjectConfig, Version
from aiuteur.pipeline import RunReport, run
from aiuteur.stages import catalog
from aiuteur.stages.gates import StageError, StageOrderError, StaleInputError
from aiuteur.stages.input import start as start_project
from aiuteur.stages.review import add_note
from aiuteur.stages.status import StageStatus, project_status
from aiuteur.store import Store, StoreError, open_store

STAGES = catalog.STAGES
__version__ = "0.1.0"

__all__ = [
    "Engines", "engines_for", "get_engine", "register",
    "Project", "ProjectConfig", "Version",
    "RunReport", "run", "STAGES",
    "StageError", "StageOrderError", "StaleInputError",
    "start_project", "add_note", "StageStatus", "project_status",
    "Store", "StoreError", "open_store",
]
