"""Pydantic models, one file per domain. Every stage reads and writes these."""
from aiuteur.models.project import AspectRatio, Project, ProjectConfig, frame_size
from aiuteur.models.story import Beat, BeatSheet, MasterScript, StoryInput, Treatment, TreatmentSet
from aiuteur.models.assets import Asset, AssetKind, AssetSet, SceneDependencies, ScriptHub
from aiuteur.models.shots import DialogueLine, Shot, ShotList
from aiuteur.models.states import AssetState, SceneStates, StateChange
from aiuteur.models.prompts import ShotPrompt
from aiuteur.models.media import MediaRef, ShotFrames, ShotVideo, Film, FilmClip
from aiuteur.models.costs import CostEstimate, CostLine, Confirmation
from aiuteur.models.review import ReviewNote
from aiuteur.models.versions import Staleness, Version

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
