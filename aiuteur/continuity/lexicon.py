"""The words continuity reads: status tags and what removes them, and light that gives the time away.

A small explicit lexicon beats a model here: it is fast on 600 shots, the same every run, and a
person can read why a tag was set. Real text engines may add tags; people add or remove them by hand.
"""
from __future__ import annotations

import re

#: tag -> words in an action that put it on whoever the sentence is about
TAG_WORDS: dict[str, str] = {
    "muddy": r"\bmud(?:dy|-caked|-spattered)?\b",
    "wet": r"\b(?:wet|soaked|drenched|dripping|rain-soaked|sodden)\b",
    "bloody": r"\b(?:blood|bloody|bloodied|bleeding|bleeds)\b",
    "torn": r"\b(?:torn|tears? (?:his|her|their) \w+|rips?|ripped)\b",
    "injured": r"\b(?:injured|limps?|limping|wounded|sprains?|sprained)\b",
    "bruised": r"\b(?:bruised?|black eye)\b",
    "burnt": r"\b(?:burnt|burned|scorched|singed)\b",
    "bandaged": r"\b(?:bandaged|bandages (?:his|her|their)|stitched up|in a sling)\b",
    "dirty": r"\b(?:dirty|filthy|grimy|sooty|covered in dust)\b",
    "broken": r"\b(?:smashed|shattered|broken|cracked)\b",
}

#: tags that only make sense on people, and only on objects
CHARACTER_TAGS = {"injured", "bruised", "bandaged"}
PROP_TAGS = {"broken"}


def applies(tag: str, kind: str) -> bool:
    """Whether a tag can be put on an asset of this kind (a radio is not injured, a person not broken)."""
    if tag in CHARACTER_TAGS:
        return kind == "character"
    if tag in PROP_TAGS:
        return kind == "prop"
    return kind in ("character", "prop")


#: tag -> words that take it off again
CLEAR_WORDS: dict[str, str] = {
    "muddy": r"\b(?:washes|washed|cleans? up|cleaned up|showers?|showered|changes? (?:his|her|their) clothes|fresh clothes)\b",
    "wet": r"\b(?:dries|dried off|towels? off|dry clothes|changes? (?:his|her|their) clothes|fresh clothes)\b",
    "bloody": r"\b(?:washes|washed|cleans? up|cleaned up|wipes? the blood)\b",
    "dirty": r"\b(?:washes|washed|cleans? up|cleaned up|showers?|showered)\b",
    "torn": r"\b(?:mends?|mended|changes? (?:his|her|their) clothes|fresh clothes|new (?:shirt|coat|jacket))\b",
    "injured": r"\b(?:healed|heals|recovered)\b",
    "bandaged": r"\b(?:unwraps? the bandage|removes? the bandage|bandage off)\b",
    "broken": r"\b(?:repairs?|repaired|fixed|mends?|mended)\b",
}

#: tag -> words that say the opposite without any change event: a contradiction to flag
CONTRARY_WORDS: dict[str, str] = {
    "muddy": r"\b(?:spotless|pristine|immaculate|clean (?:clothes|coat|jacket|boots|shirt))\b",
    "wet": r"\b(?:bone[- ]dry|perfectly dry|dry (?:clothes|hair|coat))\b",
    "bloody": r"\b(?:spotless|pristine|immaculate|unmarked)\b",
    "torn": r"\b(?:pristine|immaculate|perfectly pressed|neatly pressed)\b",
    "injured": r"\b(?:sprints?|sprinting|unhurt|uninjured|without a scratch)\b",
    "dirty": r"\b(?:spotless|pristine|immaculate)\b",
    "broken": r"\b(?:intact|good as new|unbroken)\b",
}

#: a tag a person adds by hand: one lower-case word or hyphenated words
TAG_FORMAT = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")

DAY_LIGHT = re.compile(r"\b(?:sunlight|sunshine|sunlit|midday sun|noon sun|blue sky|broad daylight|daylight)\b", re.I)
NIGHT_LIGHT = re.compile(r"\b(?:moonlight|moonlit|starlight|pitch[- ]dark|night sky|streetlights?|stars overhead)\b", re.I)

#: time-of-day words grouped into the two kinds of light a camera sees
DAY_TIMES = {"DAY", "MORNING", "AFTERNOON", "NOON", "MIDDAY", "DAWN", "SUNRISE", "DAYBREAK", "EARLY MORNING"}
NIGHT_TIMES = {"NIGHT", "MIDNIGHT", "EVENING", "DUSK", "SUNSET", "TWILIGHT", "NIGHTFALL", "LATE NIGHT"}
#: headings that say the action carries straight on from the scene before
CONTINUOUS_TIMES = {"CONTINUOUS", "SAME", "SAME TIME", "MOMENTS LATER", "SIMULTANEOUS", "CONTINUED"}


def light_of(time_of_day: str | None) -> str | None:
    """"day" or "night" for a heading's time, None when it does not say (LATER, CONTINUOUS...)."""
    if not time_of_day:
        return None
    time = re.sub(r"\s*\(.*\)\s*$", "", time_of_day.upper()).strip()
    if time in DAY_TIMES or time.endswith(" DAY") or time.endswith(" MORNING"):
        return "day"
    if time in NIGHT_TIMES or time.endswith(" NIGHT") or time.endswith(" EVENING"):
        return "night"
    return None


def is_continuous(time_of_day: str | None) -> bool:
    return bool(time_of_day) and re.sub(r"\s*\(.*\)\s*$", "", time_of_day.upper()).strip() in CONTINUOUS_TIMES


def tags_added(text: str) -> list[str]:
    return [tag for tag, pattern in TAG_WORDS.items() if re.search(pattern, text, re.I)]


def tags_cleared(text: str) -> list[str]:
    return [tag for tag, pattern in CLEAR_WORDS.items() if re.search(pattern, text, re.I)]


def contradicts(tag: str, text: str) -> bool:
    pattern = CONTRARY_WORDS.get(tag)
    return bool(pattern and re.search(pattern, text, re.I))


def sentences(text: str) -> list[str]:
    """Action split at sentence ends: tags attach to who a sentence is about."""
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]
