"""How each character is drawn: costume colour, trouser colour and body shape from the name.

Why: without a casting department, the offline storyboard tells characters apart by a look that
depends only on the name (case, spacing and '(V.O.)' ignored), so a character is recognisable
in every shot of every run.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from .seeded import stable_int
from .vocabulary import character_key

__all__ = ["LEG_PALETTE", "RGB", "SILHOUETTES", "CharacterLook", "Silhouette", "character_look"]

RGB = tuple[int, int, int]
Silhouette = Literal["round", "tall", "broad", "slim", "hat"]
SILHOUETTES: tuple[str, ...] = ("round", "tall", "broad", "slim", "hat")


class CharacterLook(BaseModel):
    """How one character is drawn in every shot: colour, body shape, label."""

    model_config = ConfigDict(frozen=True)

    name: str
    colour: RGB
    silhouette: Silhouette = "slim"

    @field_validator("colour")
    @classmethod
    def _check_colour(cls, v: RGB) -> RGB:
        if any(not 0 <= c <= 255 for c in v):
            raise ValueError(f"colour components must be 0..255, got {v}")
        return tuple(int(c) for c in v)  # type: ignore[return-value]


# Well-separated, saturated costume colours (no greys or skin-like browns,
# which would melt into backdrops and faces).
_COSTUME_PALETTE: tuple[RGB, ...] = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (227, 119, 194), (188, 189, 34), (23, 190, 207), (240, 200, 40), (0, 128, 128),
    (40, 60, 150), (150, 30, 70), (120, 200, 80), (255, 90, 120), (90, 200, 190),
    (180, 80, 220), (230, 80, 20), (60, 110, 70), (250, 160, 170), (110, 150, 240),
)
# Trouser colours: a second, independent cue so two characters that share a
# costume colour still differ.
LEG_PALETTE: tuple[RGB, ...] = (
    (40, 44, 60), (70, 90, 130), (120, 110, 80), (30, 30, 32), (90, 70, 55), (100, 104, 110),
)


def character_look(name: str) -> CharacterLook:
    """Deterministic look for ``name`` (case, spacing and '(V.O.)' ignored).

    Costume colour comes from a palette of 20 well-separated colours and body
    shape from 5 silhouettes, both picked by a stable hash of the name, so a
    character is drawn the same way in every shot of every run.
    """
    key = character_key(name)
    h = stable_int("character", key)
    colour = _COSTUME_PALETTE[h % len(_COSTUME_PALETTE)]
    sil = SILHOUETTES[(h >> 16) % len(SILHOUETTES)]
    display = " ".join(re.sub(r"\(.*?\)", " ", name).split()) or key
    return CharacterLook(name=display.upper(), colour=colour, silhouette=sil)  # type: ignore[arg-type]
