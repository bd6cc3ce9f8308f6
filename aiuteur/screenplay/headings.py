"""The INT/EXT prefix of a scene heading — one rule for the whole library.

The Fountain parser (is this line a heading?), the scene list (which prefix is it?), the PDF
importer and the sound stage all read the prefix here, so a heading one of them accepts is never
action to another. Accepted (any case, with or without the period, spaces around the slash):
INT, EXT, EST, INT./EXT, INT/EXT, EXT./INT, EXT/INT, I/E and E/I, followed by a period, white
space or the end of the line. The normalised prefix is "INT", "EXT", "EST" or "INT/EXT".
"""
from __future__ import annotations

import re

from .model import IntExt

__all__ = ["INT_EXT_PREFIX", "is_heading_prefix", "split_int_ext"]

#: the prefix and what follows it (a period, white space or the end); `prefix` is the group to normalise
INT_EXT_PREFIX = re.compile(
    r"^(?P<prefix>INT\.?\s*/\s*EXT|EXT\.?\s*/\s*INT|I\s*/\s*E|E\s*/\s*I|INT|EXT|EST)(?:\.|\s|$)\s*",
    re.IGNORECASE,
)


def is_heading_prefix(text: str) -> bool:
    """True when `text` starts with a scene-heading prefix (INT, EXT, EST, INT./EXT, I/E...)."""
    return bool(INT_EXT_PREFIX.match(text))


def split_int_ext(heading: str) -> tuple[IntExt | None, str]:
    """(the normalised prefix or None, the rest of the heading): "int./ext. car - day" ->
    ("INT/EXT", "car - day"); a heading without a prefix (".SNIPER SCOPE POV") -> (None, as given)."""
    text = heading.strip()
    match = INT_EXT_PREFIX.match(text)
    if match is None:
        return None, text
    compact = re.sub(r"[\s.]", "", match.group("prefix").upper())
    prefix: IntExt = "INT/EXT" if "/" in compact else compact  # type: ignore[assignment]
    return prefix, text[match.end():]
