"""Screenplay vocabulary as the storyboard reads it: INT/EXT, shot types, times of day, speakers.

Why a module of its own: shot lists, sluglines and captions come from people and language models
in many spellings ('CU', 'Close up', 'int.', 'SUNSET', 'MARA (V.O.): ...'); every panel must map
them to the same few canonical values, so the drawing code never meets an unknown word.
"""

from __future__ import annotations

import re

__all__ = [
    "SHOT_ABBREV",
    "SHOT_TYPES",
    "character_key",
    "normalize_int_ext",
    "normalize_shot_type",
    "normalize_time_of_day",
    "split_speaker",
]

SHOT_TYPES: tuple[str, ...] = (
    "establishing",
    "wide",
    "medium",
    "medium close-up",
    "close-up",
    "extreme close-up",
    "over-the-shoulder",
    "two-shot",
    "insert",
)
SHOT_ABBREV = {
    "establishing": "EST",
    "wide": "WS",
    "medium": "MS",
    "medium close-up": "MCU",
    "close-up": "CU",
    "extreme close-up": "ECU",
    "over-the-shoulder": "OTS",
    "two-shot": "2S",
    "insert": "INSERT",
}


def character_key(name: str) -> str:
    """Canonical character key: 'Mara (V.O.)' and 'MARA' are the same person.

    The library's one character-name normaliser, `aiuteur.screenplay.names.character_name` (upper
    case, single spaces, extensions and the `@`/`^` marks dropped, periods kept: looks are seeded
    from this key, so it must not move under pinned renders)."""
    from aiuteur.screenplay.names import character_name

    return character_name(name)


def normalize_int_ext(value: str | None) -> str | None:
    """A render spec's `int_ext` value: 'int.', 'Interior', 'I/E', 'EXT./INT.' -> 'INT' | 'EXT' |
    'INT/EXT'; unknown (and 'EST', which a panel does not draw) -> None.

    A heading prefix is read by the library's one INT/EXT rule, `aiuteur.screenplay.headings
    .split_int_ext`; this function maps a wider input on top of it — the words a person or a model
    writes in a spec field ('Interior', 'Exterior/Interior', 'IE') — where that rule, made for
    scene headings, sees no prefix."""
    from aiuteur.screenplay.headings import split_int_ext

    if value is None:
        return None
    prefix, _ = split_int_ext(value)
    if prefix is not None:
        return None if prefix == "EST" else prefix
    v = re.sub(r"[^A-Z/]", "", value.upper())
    if not v:
        return None
    if "/" in v or v in {"IE", "EI"}:
        parts = {p[:3] for p in v.split("/") if p}
        if {"INT", "EXT"} <= parts or v in {"I/E", "E/I", "IE", "EI"}:
            return "INT/EXT"
    if v.startswith("INT"):
        return "INT"
    if v.startswith("EXT"):
        return "EXT"
    return None


def normalize_shot_type(value: str | None) -> str:
    """Map shot-type spellings ('CU', 'Close up', 'ECU', 'OTS', 'WS', '2-shot'...)
    to one of :data:`SHOT_TYPES`; unknown values become 'medium'."""
    if not value:
        return "medium"
    v = value.lower().replace("_", " ").replace("-", " ").replace(".", "")
    v = re.sub(r"\bshot\b", " ", v)
    v = " ".join(v.split())
    exact = {
        "ews": "establishing", "els": "establishing", "xws": "establishing", "xls": "establishing",
        "est": "establishing", "establishing": "establishing", "extreme wide": "establishing",
        "extreme long": "establishing", "aerial": "establishing",
        "ws": "wide", "ls": "wide", "fs": "wide", "wide": "wide", "long": "wide", "full": "wide",
        "master": "wide", "mws": "wide", "mls": "wide", "medium wide": "wide", "medium long": "wide",
        "cowboy": "wide",
        "ms": "medium", "mid": "medium", "medium": "medium", "waist": "medium", "pov": "medium",
        "mcu": "medium close-up", "medium close up": "medium close-up", "medium closeup": "medium close-up",
        "cu": "close-up", "close up": "close-up", "closeup": "close-up", "close": "close-up",
        "ecu": "extreme close-up", "xcu": "extreme close-up", "bcu": "extreme close-up",
        "extreme close up": "extreme close-up", "extreme closeup": "extreme close-up",
        "big close up": "extreme close-up",
        "ots": "over-the-shoulder", "os": "over-the-shoulder", "o/s": "over-the-shoulder",
        "over the shoulder": "over-the-shoulder", "over shoulder": "over-the-shoulder",
        "2s": "two-shot", "2": "two-shot", "2 shot": "two-shot", "two": "two-shot", "two shot": "two-shot",
        "insert": "insert", "ins": "insert", "detail": "insert", "cutaway": "insert",
    }
    if v in exact:
        return exact[v]
    keywords = (
        ("extreme close", "extreme close-up"), ("ecu", "extreme close-up"),
        ("medium close", "medium close-up"), ("mcu", "medium close-up"),
        ("close", "close-up"), ("shoulder", "over-the-shoulder"), ("ots", "over-the-shoulder"),
        ("two", "two-shot"), ("insert", "insert"), ("detail", "insert"),
        ("establish", "establishing"), ("extreme wide", "establishing"), ("aerial", "establishing"),
        ("wide", "wide"), ("long", "wide"), ("full", "wide"), ("medium", "medium"), ("mid", "medium"),
    )
    for key, canon in keywords:
        if key in v:
            return canon
    return "medium"


_TOD_KEYS = (
    ("MIDNIGHT", "night"), ("NIGHT", "night"),
    ("EVENING", "evening"), ("TWILIGHT", "dusk"), ("DUSK", "dusk"), ("SUNSET", "dusk"),
    ("GOLDEN", "dusk"), ("MAGIC HOUR", "dusk"),
    ("DAWN", "dawn"), ("SUNRISE", "dawn"), ("FIRST LIGHT", "dawn"),
    ("MORNING", "morning"),
    ("DAY", "day"), ("NOON", "day"), ("AFTERNOON", "day"),
)


def normalize_time_of_day(value: str | None) -> str:
    """Lighting key for a slugline time: day | morning | dusk | dawn | evening | night.

    CONTINUOUS / LATER / SAME / MOMENTS LATER / unknown carry no lighting
    information and are drawn as day.
    """
    if not value:
        return "day"
    v = value.upper()
    for key, light in _TOD_KEYS:
        if key in v:
            return light
    return "day"


_SPEAKER_RE = re.compile(r"^\s*([A-Z][A-Z0-9 .'\-]{0,40}?)\s*(?:\([^)]*\)\s*)?:\s*(.*)$", re.S)


def split_speaker(caption: str) -> tuple[str | None, str]:
    """'MARA: Get down!' -> ('MARA', 'Get down!'); action text -> (None, text)."""
    m = _SPEAKER_RE.match(caption or "")
    if m and m.group(1).strip() and m.group(1) == m.group(1).upper() and any(ch.isalpha() for ch in m.group(1)):
        return character_key(m.group(1)), m.group(2).strip()
    return None, (caption or "").strip()
