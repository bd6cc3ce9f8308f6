"""Pydantic models, one file per domain. Every stage reads and writes these.

The names below are loaded on first use (module `__getattr__`, as in `aiuteur/__init__.py`): a
command that needs one model (`aiuteur status` reads a project and its versions) does not build
every model of the library, nor import the screenplay package the story models need
(benchmarks/cli_startup.py).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: public name -> the module of this package that defines it
_LAZY: dict[str, str] = {
    **dict.fromkeys(["AspectRatio", "Project", "ProjectConfig", "frame_size"], "project"),
    **dict.fromkeys(["Beat", "BeatSheet", "MasterScript", "StoryInput", "Treatment", "TreatmentSet"], "story"),
    **dict.fromkeys(["Asset", "AssetKind", "AssetSet", "SceneDependencies", "ScriptHub"], "assets"),
    **dict.fromkeys(["DialogueLine", "Shot", "ShotList"], "shots"),
    **dict.fromkeys(["AssetState", "SceneStates", "StateChange"], "states"),
    "ShotPrompt": "prompts",
    **dict.fromkeys(["MediaRef", "ShotFrames", "ShotVideo", "Film", "FilmClip"], "media"),
    **dict.fromkeys(["CostEstimate", "CostLine", "Confirmation"], "costs"),
    "ReviewNote": "review",
    **dict.fromkeys(["Staleness", "Version"], "versions"),
}

__all__ = [
    "AspectRatio", "Project", "ProjectConfig", "frame_size",
    "StoryInput", "Treatment", "TreatmentSet", "Beat", "BeatSheet", "MasterScript",
    "Asset", "AssetKind", "AssetSet", "SceneDependencies", "ScriptHub",
    "DialogueLine", "Shot", "ShotList",
    "AssetState", "SceneStates", "StateChange",
    "ShotPrompt",
    "MediaRef", "ShotFrames", "ShotVideo", "Film", "FilmClip",
    "CostEstimate", "CostLine", "Confirmation",
    "ReviewNote",
    "Staleness", "Version",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module when the name is first read, then keep it in the package."""
    try:
        module = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'aiuteur.models' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # what type checkers and editors see; nothing is imported at run time
    from aiuteur.models.assets import Asset, AssetKind, AssetSet, SceneDependencies, ScriptHub
    from aiuteur.models.costs import Confirmation, CostEstimate, CostLine
    from aiuteur.models.media import Film, FilmClip, MediaRef, ShotFrames, ShotVideo
    from aiuteur.models.project import AspectRatio, Project, ProjectConfig, frame_size
    from aiuteur.models.prompts import ShotPrompt
    from aiuteur.models.review import ReviewNote
    from aiuteur.models.shots import DialogueLine, Shot, ShotList
    from aiuteur.models.states import AssetState, SceneStates, StateChange
    from aiuteur.models.story import Beat, BeatSheet, MasterScript, StoryInput, Treatment, TreatmentSet
    from aiuteur.models.versions import Staleness, Version
