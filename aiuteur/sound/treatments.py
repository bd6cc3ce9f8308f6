"""How a line is heard: on screen, voice-over, off screen, or through a radio or a phone.

The treatment is read from the screenplay the way a sound editor reads it: the cue's extension
(`TOMAS (V.O.)`, `ELSA (O.S.)`, `JONAH (ON RADIO)`) or the parenthetical (`(over the radio)`,
`(on the phone)`). A device gets its band-limited, slightly driven sound; off screen is a little
duller and further away; voice-over stays dry and close. Only on-screen lines expect lip-sync.
"""
from __future__ import annotations

import re

import numpy as np

from aiuteur.models.sound import Treatment
from aiuteur.screenplay.names import character_name
from aiuteur.sound.audio import band, db_to_gain

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("radio", re.compile(r"\b(radio|walkie|intercom|transmission|filtered|over the air)\b", re.I)),
    ("phone", re.compile(r"\b(phone|telephone|on the line|mobile|voicemail|answering machine)\b", re.I)),
    ("vo", re.compile(r"\b(v\.?\s?o\.?|voice[- ]?over|narrat\w*)(?![a-z])", re.I)),
    ("os", re.compile(r"\b(o\.?\s?s\.?|o\.?\s?c\.?|off[- ]?screen|off[- ]?camera|from (the )?(next room|outside|offstage))(?![a-z])", re.I)),
)


def treatment_of(*texts: str | None) -> Treatment:
    """The treatment named by a cue extension or parenthetical (the first text that names one wins)."""
    for text in texts:
        if not text:
            continue
        for treatment, pattern in _PATTERNS:
            if pattern.search(text):
                return treatment  # type: ignore[return-value]
    return "on_screen"


def cue_extensions(scene_fountain: str) -> dict[str, str]:
    """Each speaker's cue extension in a scene's Fountain text (`TOMAS (V.O.)` -> {"TOMAS": "V.O."})."""
    found: dict[str, str] = {}
    lines = scene_fountain.splitlines()
    for i, line in enumerate(lines):
        match = re.match(r"^\s*@?([A-Z][A-Z0-9 .'\-]+?)\s*\(([^)]+)\)\s*\^?\s*$", line)
        previous_blank = i == 0 or not lines[i - 1].strip()
        if match and previous_blank and i + 1 < len(lines) and lines[i + 1].strip():
            found.setdefault(character_name(match.group(1)), match.group(2).strip())
    return found


def apply(take: np.ndarray, treatment: Treatment) -> np.ndarray:
    """`take` (48 kHz stereo) as heard through its treatment."""
    if treatment in ("radio", "phone"):
        low, high = (400.0, 3000.0) if treatment == "radio" else (300.0, 3400.0)
        narrowed = band(take, low, high, order=4)
        peak = float(np.max(np.abs(narrowed))) or 1.0
        driven = np.tanh(narrowed / peak * 2.5) * peak / np.tanh(2.5)  # a small speaker pushed a little
        return driven * db_to_gain(-2.0)
    if treatment == "os":
        return band(take, None, 3500.0, order=2) * db_to_gain(-4.0)
    return take
