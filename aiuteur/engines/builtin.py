"""aiuteur's offline engines as a registry hook, shaped exactly like a plug-in's.

This module stays light: the engines' modules (Pillow, ffmpeg) load when an engine is built.
"""
from __future__ import annotations

from aiuteur.engines.registry import OFFLINE, Register


def register_offline(register: Register) -> None:
    """The draft writer, storyboard and animatic renderers: local, free, deterministic."""
    for kind, engine_id in OFFLINE.items():
        register(kind, "offline", _offline(kind), local=True, models=[engine_id.partition(":")[2]])


def _offline(kind: str):
    def make(model: str) -> object:
        from aiuteur.engines import offline

        cls = {"text": offline.DraftWriter, "image": offline.StoryboardRenderer, "video": offline.AnimaticRenderer}[kind]
        return cls(model)

    return make
