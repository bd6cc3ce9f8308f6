"""Data model for a parsed Fountain screenplay.

The models are frozen pydantic v2 models so a parsed screenplay can be
serialised to JSON, compared by value (the round-trip guarantee of
:func:`aiuteur.screenplay.format_fountain` is stated as model equality) and
passed between pipeline stages without defensive copies.

Emphasis markers (``*italic*``, ``**bold**``, ``_underline_``) and backslash
escapes are kept verbatim inside ``Element.text``: they are presentation, and
only the renderers (HTML/PDF) interpret them.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

IntExt = Literal["INT", "EXT", "INT/EXT", "EST"]


class FountainError(ValueError):
    """Input that cannot be treated as Fountain text.

    Raised for wrong input types (e.g. ``bytes``) and for content no
    screenplay can contain (NUL bytes). The message says what to do.
    """


class ElementType(str, Enum):
    """Kinds of screenplay body elements defined by the Fountain spec.

    Notes (``[[...]]``) and boneyard (``/* ... */``) are not element types:
    they are removed before parsing (see :mod:`aiuteur.screenplay.parse`).
    """

    SCENE_HEADING = "scene_heading"
    ACTION = "action"
    CHARACTER = "character"
    PARENTHETICAL = "parenthetical"
    DIALOGUE = "dialogue"
    LYRICS = "lyrics"
    TRANSITION = "transition"
    CENTERED = "centered"
    PAGE_BREAK = "page_break"
    SECTION = "section"
    SYNOPSIS = "synopsis"


class Element(BaseModel):
    """One body element of a screenplay.

    Attributes:
        type: the element kind.
        text: the element's text without Fountain markup that only selects
            the type (``.``, ``!``, ``@``, ``>``, ``<``, ``~``, ``#``, ``=``,
            the dual-dialogue ``^`` and the ``#1A#`` scene number are removed).
            Multi-line elements (action, dialogue, lyrics, centered) join their
            lines with ``\\n``; an empty line inside an element is ``""``.
            Parentheticals keep their parentheses. Character cues keep their
            extension, e.g. ``"MOM (V.O.)"``.
        scene_number: the explicit ``#..#`` number of a scene heading.
        dual: True on the *second* character cue of a dual-dialogue pair
            (the one written with a trailing ``^``).
        depth: section level (number of ``#``); 0 for every other type.
        forced: True when the source used a force marker that was needed to
            pick this type: ``.`` heading, ``!`` action, ``@`` character,
            ``>`` transition. Kept so formatting reproduces the source choice.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: ElementType
    text: str = ""
    scene_number: str | None = None
    dual: bool = False
    depth: int = Field(default=0, ge=0)
    forced: bool = False


class Screenplay(BaseModel):
    """A whole Fountain document: ordered title page plus body elements."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title_page: dict[str, str] = Field(default_factory=dict)
    elements: list[Element] = Field(default_factory=list)


class SceneInfo(BaseModel):
    """Summary of one scene, as produced by :func:`extract_scenes`.

    Attributes:
        number: 1-based position of the scene in the script.
        scene_number: explicit ``#..#`` number written in the heading, if any.
        heading: heading text (no ``.`` force marker, no scene number).
        int_ext: normalised interior/exterior prefix, None when absent.
        location: heading text between the prefix and the time of day.
        time_of_day: upper-cased last heading segment when it reads as a time
            (``DAY``, ``NIGHT``, ``LATER``, ``MOMENTS LATER``...), else None.
        characters: speaking characters (cue names without extensions, ``@``
            or ``^``; upper case) in order of first appearance.
        eighths: estimated length in eighths of a page, at least 1.
        text: the scene's canonical Fountain source, heading included.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int = Field(ge=1)
    scene_number: str | None = None
    heading: str
    int_ext: IntExt | None = None
    location: str
    time_of_day: str | None = None
    characters: list[str] = Field(default_factory=list)
    eighths: int = Field(ge=1)
    text: str
