"""Text clean-up for names that end up in EDL lines and XML elements.

Scene headings and clip names come from screenplays and users, so they can
hold line breaks, tabs, control characters and non-ASCII letters.  A line
break would split an EDL comment line, and control characters are illegal in
XML 1.0, so every name is cleaned once when it enters the package.  EDLs are
ASCII by tradition (Avid, older Premiere), so the EDL copy of the cut is
additionally folded to ASCII; XML and .otio keep the full Unicode text.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean_text", "ascii_fold"]

_WHITESPACE = re.compile(r"\s+")

# Typographic punctuation that NFKD does not turn into ASCII by itself.
_ASCII_PUNCTUATION = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u00df": "ss",
        "\u00c6": "AE",
        "\u00e6": "ae",
        "\u0152": "OE",
        "\u0153": "oe",
        "\u00d8": "O",
        "\u00f8": "o",
        "\u0141": "L",
        "\u0142": "l",
        "\u0110": "D",
        "\u0111": "d",
    }
)


def clean_text(text: str) -> str:
    """Collapse whitespace runs (incl. newlines) to one space and drop control
    characters, so the text fits on one EDL line and is legal in XML."""
    text = "".join(
        ch if not unicodedata.category(ch).startswith("C") else " " for ch in text
    )
    return _WHITESPACE.sub(" ", text).strip()


def ascii_fold(text: str) -> str:
    """Best-effort ASCII version of ``text`` for the EDL ("CAFÉ" -> "CAFE").

    Characters with no ASCII look-alike are dropped rather than replaced with
    "?", which some EDL readers treat specially.
    """
    text = clean_text(text).translate(_ASCII_PUNCTUATION)
    decomposed = unicodedata.normalize("NFKD", text)
    folded = decomposed.encode("ascii", "ignore").decode("ascii")
    return _WHITESPACE.sub(" ", folded).strip()
