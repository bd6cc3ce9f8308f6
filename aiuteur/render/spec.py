"""What one storyboard panel shows: :class:`FrameSpec`, validated and normalised on construction.

Why: the panel drawing trusts its input; every spelling is normalised here, at the edge, once.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .looks import CharacterLook, character_look
from .vocabulary import normalize_int_ext, normalize_shot_type

__all__ = ["FrameSpec"]


class FrameSpec(BaseModel):
    """Everything needed to draw one storyboard panel.

    ``characters`` may be given as :class:`CharacterLook` or as plain names
    (converted with :func:`character_look`). Spellings of ``int_ext`` and
    ``shot_type`` are normalised on construction. ``tags`` maps a character
    name to short status words ("muddy", "bleeding") drawn next to them.
    An empty ``caption`` draws no caption band (useful under burned-in
    subtitles) but the layout stays the same.
    """

    model_config = ConfigDict(frozen=True)

    width: int = Field(640, ge=32, le=8192)
    height: int = Field(360, ge=32, le=8192)
    int_ext: Literal["INT", "EXT", "INT/EXT"] | None = None
    time_of_day: str | None = None
    location: str = ""
    shot_type: str = "medium"
    characters: list[CharacterLook] = Field(default_factory=list)
    caption: str = ""
    moment: Literal["start", "end"] = "start"
    title: str | None = None
    tags: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("int_ext", mode="before")
    @classmethod
    def _v_int_ext(cls, v: object) -> object:
        return normalize_int_ext(v) if isinstance(v, str) else v

    @field_validator("shot_type", mode="before")
    @classmethod
    def _v_shot(cls, v: object) -> object:
        return normalize_shot_type(v) if (v is None or isinstance(v, str)) else v

    @field_validator("moment", mode="before")
    @classmethod
    def _v_moment(cls, v: object) -> object:
        return v.strip().lower() if isinstance(v, str) else v

    @field_validator("characters", mode="before")
    @classmethod
    def _v_chars(cls, v: object) -> object:
        if isinstance(v, (list, tuple)):
            return [character_look(c) if isinstance(c, str) else c for c in v]
        return v
