"""An example aiuteur engine plug-in: what `pyproject.toml`'s `aiuteur.engines` entry point names.

aiuteur calls `register_engines(register)` once, on its first engine lookup. The hook only declares
what the package serves; the engines' modules load when an engine is built, so a plug-in costs
nothing until it is used.
"""
from __future__ import annotations

TINTS: dict[str, tuple[int, int, int]] = {"blue": (40, 90, 200), "red": (200, 50, 40), "sepia": (150, 110, 60)}


def register_engines(register) -> None:
    """Declare the kinds, providers and models this package serves."""
    register("image", "example", _tinted_storyboard, local=True, models=[f"storyboard-{tint}" for tint in TINTS])
    register("text", "example", _draft_writer, local=True, models=["draft-writer"])


def _tinted_storyboard(model: str):
    from aiuteur_example_engines.engines import TintedStoryboard

    return TintedStoryboard(model, TINTS[model.removeprefix("storyboard-")])


def _draft_writer(model: str):
    from aiuteur_example_engines.engines import DelegatingWriter

    return DelegatingWriter(model)
