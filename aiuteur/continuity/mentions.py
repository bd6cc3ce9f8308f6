"""Which assets a piece of action text names: "Mara sets the iron down" names MARA.

People and places are proper names: they match whole words in any case but must start with a
capital in the text ("June slides the folder", not "in june"). Props are common nouns: they match
in any case, singular or plural ("the logbooks"). One compiled alternation per asset set keeps this
fast on hundreds of shots.
"""
from __future__ import annotations

import re
from typing import Iterable

from aiuteur.models.assets import Asset
from aiuteur.screenplay.names import name_key

#: titles that may be dropped when a person is named in action: DEPUTY RUIZ is "Ruiz"
HONORIFICS = {"MR", "MRS", "MS", "MISS", "DR", "DEPUTY", "OFFICER", "SHERIFF", "CAPTAIN", "CAPT", "AUNT",
              "UNCLE", "DETECTIVE", "AGENT", "PROFESSOR", "PROF", "SERGEANT", "SGT", "LIEUTENANT", "LT",
              "NURSE", "COACH", "JUDGE", "MAYOR", "SIR", "LADY", "LORD", "SISTER", "BROTHER", "FATHER"}


def short_names(name: str) -> list[str]:
    """Other ways action may call a person: "DEPUTY RUIZ" -> ["RUIZ"] (only after a known title)."""
    words = name.replace(".", " ").split()
    if len(words) >= 2 and words[0].upper() in HONORIFICS:
        return [" ".join(words[1:])]
    return []


def _word_pattern(name: str, plural: bool) -> str:
    parts = [re.escape(w) for w in name.replace(".", " ").split()]
    body = r"\.?\s+".join(parts) + (r"\.?" if name.endswith(".") else "")
    return rf"(?<![\w'-]){body}{'(?:e?s)?' if plural else ''}(?:['\u2019]s)?(?![\w-])"


class Mentions:
    """Finds the assets named in a text."""

    def __init__(self, assets: Iterable[Asset], *, short: bool = True, possessive: bool = True) -> None:
        self._possessive = possessive
        self._slug: dict[str, str] = {}
        proper: list[str] = []
        common: list[str] = []
        for asset in assets:
            names = list(asset.names) + (short_names(asset.name) if short and asset.kind == "character" else [])
            for name in names:
                key = name_key(name)
                if not key or key in self._slug:
                    continue
                self._slug[key] = asset.slug
                (common if asset.kind == "prop" else proper).append(name)
        self._proper = _compile(proper, plural=False)
        self._common = _compile(common, plural=True)

    def find(self, text: str) -> list[str]:
        """Slugs named in `text`, in order of first mention, each once."""
        found: list[str] = []
        if self._proper is not None:
            for m in self._proper.finditer(text):
                if m.group(0)[0].isupper() and (self._possessive or not re.search(r"['\u2019]s$", m.group(0))):
                    self._add(found, m.group(0))
        if self._common is not None:
            for m in self._common.finditer(text):
                self._add(found, m.group(0), plural=True)
        return found

    def _add(self, found: list[str], text: str, plural: bool = False) -> None:
        key = name_key(re.sub(r"['\u2019]s$", "", text))
        slug = self._slug.get(key)
        if slug is None and plural:
            slug = self._slug.get(re.sub(r"E?S$", "", key)) or self._slug.get(key[:-1])
        if slug is not None and slug not in found:
            found.append(slug)


_key = name_key  # the library's one name key, under the name tests import it by


def _compile(names: list[str], plural: bool) -> re.Pattern[str] | None:
    if not names:
        return None
    ordered = sorted(set(names), key=len, reverse=True)  # longest first: "OSKAR LUND" before "OSKAR"
    return re.compile("|".join(_word_pattern(n, plural) for n in ordered), re.IGNORECASE)
