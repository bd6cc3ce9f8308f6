"""Character names — one normaliser for the whole library.

A cue, a shot's speaker, an asset's name or a mention in the action all name a character in
their own way: "MRS. PELL (V.O.)", "Mrs Pell", "@McCLANE", "JANE^", "MOM (ON PHONE)". Two
functions, the second built on the first so they cannot disagree:

* `character_name` — the name as the script writes it: the `@` (forced character) and `^` (dual
  dialogue) marks and every parenthetical extension dropped, upper case, single spaces; periods
  kept ("MRS. PELL"). What the scene list shows.
* `name_key` — the key two names are compared by: `character_name` without periods and with one
  kind of apostrophe ("MRS PELL", "O'BRIEN" for "O’Brien"). What matching, casting and
  validation compare.
"""
from __future__ import annotations

import re

__all__ = ["character_name", "name_key"]

_PARENTHETICAL = re.compile(r"\([^)]*\)")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


def character_name(cue: str) -> str:
    """Cue text to a character name: "MOM (V.O.)" -> "MOM", "@McCLANE" -> "MCCLANE", "JANE ^" -> "JANE"."""
    name = cue.strip().removeprefix("@").strip().removesuffix("^")
    name = _PARENTHETICAL.sub(" ", name)
    name = name.split("(", 1)[0]  # an extension left open
    return " ".join(name.upper().split())


def name_key(name: str) -> str:
    """The comparison key of a name: "Mrs.  Pell (V.O.)" -> "MRS PELL", "O’Brien (cont’d)" -> "O'BRIEN"."""
    return " ".join(character_name(name.translate(_APOSTROPHES)).replace(".", " ").split())
