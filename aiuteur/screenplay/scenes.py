"""Scene extraction: headings split into parts, speaking characters, length.

Heading rule (``parse_heading``)
--------------------------------
* An optional ``.`` force marker and trailing ``#N#`` scene number are ignored.
* The prefix INT, EXT, EST, INT./EXT, INT/EXT, EXT/INT, I/E or E/I (any case,
  with or without the period) becomes ``"INT"``, ``"EXT"``, ``"EST"`` or
  ``"INT/EXT"``; no prefix gives ``None`` (forced headings such as
  ``.SNIPER SCOPE POV``).
* The rest is split at dashes surrounded by spaces (``-``, ``--``, en/em dash).
  When there are at least two segments and the **last** one reads as a time
  of day - only time words (DAY, NIGHT, MORNING, DUSK, CONTINUOUS, LATER,
  SAME, MOMENTS, EARLY, NEXT, numbers...) with at least one core word, a
  trailing parenthetical such as ``(FLASHBACK)`` allowed - it is the time of
  day (upper-cased) and everything before it, joined with `` - ``, is the
  location. So ``INT./EXT. CAR - MOVING - NIGHT`` gives location
  ``CAR - MOVING`` and time ``NIGHT``; ``EXT. ROAD - RAIN`` gives location
  ``ROAD - RAIN`` and no time.

Length estimate (``eighths``)
-----------------------------
The scene's elements are laid out with the printed geometry of
:mod:`aiuteur.screenplay.layout` (60-character action lines, 35-character
dialogue, one blank line between elements...). The printed line count ``L``
(heading included, blank line before the heading excluded) becomes
``round(L * 8 / 55)`` eighths with 55 lines per page, rounding halves up, and
never less than 1. It grows monotonically with the scene's length.

Elements before the first heading belong to no scene; structural elements
(sections, synopses, page breaks) up to the next heading stay with the
current scene's text but add no length.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .format import format_elements
from .headings import split_int_ext
from .layout import LINES_PER_PAGE, measure_lines
from .model import Element, ElementType, FountainError, IntExt, SceneInfo, Screenplay
from .names import character_name
from .parse import is_forced_heading, split_scene_number

__all__ = ["extract_scenes", "parse_heading", "normalize_character", "eighths_for_lines"]

_SEGMENT_SPLIT = re.compile(r"\s+(?:-+|\u2013|\u2014)\s+")
_PARENS = re.compile(r"\([^)]*\)")

_TIME_CORE = frozenset(
    """DAY NIGHT MORNING AFTERNOON EVENING DAWN DUSK SUNRISE SUNSET NOON MIDDAY MIDNIGHT
    TWILIGHT NIGHTFALL DAYBREAK CONTINUOUS CONTINUED LATER EARLIER SAME SIMULTANEOUS""".split()
)
_TIME_WORDS = _TIME_CORE | frozenset(
    """EARLY LATE MID PRE NEXT THE THAT A AN FEW SEVERAL MOMENT MOMENTS SECONDS MINUTES HOUR
    HOURS DAYS WEEKS MONTHS YEARS MAGIC GOLDEN TIME CONT D OF AND AFTER BEFORE AGO FOLLOWING
    ONE TWO THREE FOUR FIVE SIX SEVEN EIGHT NINE TEN TWELVE TWENTY THIRTY FORTY FIFTY HUNDRED""".split()
)


def parse_heading(heading: str) -> tuple[IntExt | None, str, str | None]:
    """Split a scene heading into (int_ext, location, time_of_day).

    >>> parse_heading("INT. BRICK'S PATIO - DAY")
    ('INT', "BRICK'S PATIO", 'DAY')
    """
    if not isinstance(heading, str):
        raise FountainError(f"parse_heading() needs the heading as str, got {type(heading).__name__}")
    text = heading.strip()
    if is_forced_heading(text):
        text = text[1:]
    text, _ = split_scene_number(text)
    int_ext, text = split_int_ext(text)  # the one INT/EXT rule (aiuteur.screenplay.headings)
    segments = [seg for seg in (s.strip(" -\t") for s in _SEGMENT_SPLIT.split(text.strip())) if seg]
    time_of_day: str | None = None
    if len(segments) > 1 and _is_time(segments[-1]):
        time_of_day = " ".join(segments.pop().upper().split())
    location = " - ".join(" ".join(seg.split()) for seg in segments)
    return int_ext, location, time_of_day


def _is_time(segment: str) -> bool:
    words = re.findall(r"[A-Z0-9]+", _PARENS.sub(" ", segment.upper()))
    return (
        bool(words)
        and all(w in _TIME_WORDS or w.isdigit() for w in words)
        and any(w in _TIME_CORE for w in words)
    )


#: cue text to a character name (the one normaliser: aiuteur.screenplay.names); kept under its old name
normalize_character = character_name


def eighths_for_lines(lines: int, lines_per_page: int = LINES_PER_PAGE) -> int:
    """Printed lines to eighths of a page: round half up, at least 1."""
    return max(1, (lines * 8 * 2 + lines_per_page) // (2 * lines_per_page))


def extract_scenes(sp: Screenplay) -> list[SceneInfo]:
    """One :class:`SceneInfo` per scene heading, in script order."""
    if not isinstance(sp, Screenplay):
        raise FountainError(f"extract_scenes() needs a Screenplay (from parse()), got {type(sp).__name__}")
    starts = [i for i, e in enumerate(sp.elements) if e.type is ElementType.SCENE_HEADING]
    scenes: list[SceneInfo] = []
    for ordinal, start in enumerate(starts, 1):
        end = starts[ordinal] if ordinal < len(starts) else len(sp.elements)
        scenes.append(_scene(ordinal, sp.elements[start:end]))
    return scenes


def _scene(ordinal: int, elements: Sequence[Element]) -> SceneInfo:
    heading = elements[0]
    int_ext, location, time_of_day = parse_heading(heading.text)
    return SceneInfo(
        number=ordinal,
        scene_number=heading.scene_number,
        heading=heading.text,
        int_ext=int_ext,
        location=location,
        time_of_day=time_of_day,
        characters=_speaking_characters(elements),
        eighths=eighths_for_lines(measure_lines(elements)),
        text=format_elements(list(elements)) + "\n",
    )


def _speaking_characters(elements: Sequence[Element]) -> list[str]:
    names: list[str] = []
    for element in elements:
        if element.type is ElementType.CHARACTER:
            name = normalize_character(element.text)
            if name and name not in names:
                names.append(name)
    return names
