"""What kind of place a location is, from its words: street, forest, sea...; kitchen, office, bar...

Why: the backdrop must say where we are at a glance; a location's words choose its family (and a
stable hash of it when no word matches), so the same location is the same kind in every shot.
"""

from __future__ import annotations

import re

from .seeded import stable_int

__all__ = ["guess_interior", "location_kind"]

_EXT_KINDS = {
    "urban": ("street", "road", "city", "alley", "avenue", "parking", "downtown", "town", "square",
              "sidewalk", "highway", "bridge", "rooftop", "roof", "station", "market", "lot", "plaza"),
    "nature": ("forest", "wood", "park", "garden", "field", "meadow", "farm", "jungle", "trail", "yard",
               "orchard", "countryside", "hill", "valley", "grove", "camp", "cemetery", "graveyard"),
    "water": ("beach", "sea", "ocean", "shore", "coast", "lake", "river", "harbor", "harbour", "pier",
              "dock", "bay", "boat", "port", "cliff"),
    "desert": ("desert", "canyon", "dune", "mesa", "wasteland", "badlands"),
    "snow": ("mountain", "snow", "glacier", "peak", "ski", "tundra", "arctic", "summit", "ice"),
}
_INT_KINDS = {
    "kitchen": ("kitchen", "diner", "cafe", "café", "canteen", "bakery"),
    "office": ("office", "lab", "bank", "classroom", "school", "hospital", "clinic", "precinct",
               "police", "studio", "library", "corridor", "hallway", "lobby", "court", "museum"),
    "bar": ("bar", "pub", "club", "restaurant", "saloon", "tavern", "lounge", "casino", "theater", "theatre"),
    "home": ("bedroom", "apartment", "living", "house", "home", "flat", "hotel", "motel", "room",
             "cabin", "cottage", "lounge", "den", "nursery", "attic", "study"),
    "industrial": ("warehouse", "garage", "factory", "basement", "cellar", "hangar", "workshop",
                   "bunker", "prison", "cell", "shed", "barn", "mill"),
    "vehicle": ("car", "truck", "van", "bus", "train", "plane", "cockpit", "taxi", "cab", "subway",
                "carriage", "ship", "elevator"),
}


def location_kind(location: str, interior: bool) -> str:
    """Pick the backdrop family from words in the location; else from its hash."""
    words = re.findall(r"[a-zé]+", location.lower())
    table = _INT_KINDS if interior else _EXT_KINDS
    for word in words:
        for kind, keys in table.items():
            if any(word == k or (len(k) > 3 and word.startswith(k)) for k in keys):
                return kind
    kinds = sorted(table) + (["plain"] if not interior else [])
    return kinds[stable_int("kind", location.upper()) % len(kinds)]


def guess_interior(location: str) -> bool:
    """No INT/EXT given: guess from the location words (default exterior)."""
    words = set(re.findall(r"[a-z]+", location.lower()))
    int_words = {k for keys in _INT_KINDS.values() for k in keys}
    ext_words = {k for keys in _EXT_KINDS.values() for k in keys}
    if words & int_words and not words & ext_words:
        return True
    return False
