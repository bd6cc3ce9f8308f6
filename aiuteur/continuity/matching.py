"""Fuzzy name matching: a scene says "MRS PELL", the asset is "MRS. PELL".

Similarity is rapidfuzz's normalised Levenshtein similarity (1 - edits / longer length) on
normalised names; a name is matched when its best score reaches MATCH_THRESHOLD (0.85), and
listed as unmatched for a human otherwise. 0.85 lets a typo through in a name of seven letters
or more ("HALVORSON" / "HALVORSEN") but keeps short different names apart ("JUNE" / "JUNO").
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from rapidfuzz.distance import Levenshtein

from aiuteur.screenplay.names import name_key

MATCH_THRESHOLD = 0.85
_EPSILON = 1e-9  # 1 - 3/20 is 0.85 on paper; floating point must not push it below


@dataclass(frozen=True)
class Match:
    slug: str
    name: str  # the candidate name (or alias) that matched
    score: float


#: "Mrs.  Pell (V.O.)" -> "MRS PELL": the library's one name key (`aiuteur.screenplay.names.name_key`),
#: kept under the name callers import it by
normalise_name = name_key


def similarity(a: str, b: str) -> float:
    """Normalised Levenshtein similarity of two names after normalisation, 0..1."""
    return Levenshtein.normalized_similarity(name_key(a), name_key(b))


def best_match(name: str, candidates: Iterable[tuple[str, str]], threshold: float = MATCH_THRESHOLD) -> Match | None:
    """The best (candidate name, slug) for `name` if it scores at least `threshold`.

    Ties go to the first candidate, so a roster's order decides, never a dict's hash.
    """
    wanted = name_key(name)
    best: Match | None = None
    for candidate, slug in candidates:
        score = Levenshtein.normalized_similarity(wanted, name_key(candidate))
        if best is None or score > best.score:
            best = Match(slug=slug, name=candidate, score=score)
            if score == 1.0:
                break
    if best is None or best.score + _EPSILON < threshold:
        return None
    return best
