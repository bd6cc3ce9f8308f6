"""Offline storyboard panels drawn with Pillow.

Why this exists: before any paid image model is called, aiuteur must show the
whole film as readable panels - where we are, when, who is in shot, how big,
and what happens - for free and deterministically. Every panel is a pure
function of its :class:`FrameSpec`: random choices come from a stable hash of
the spec's text (blake2b, never ``hash()`` or global ``random``), so the same
spec gives the same pixels on every run, and a character or location looks the
same in every shot it appears in.

Drawing is done at 2x and downsampled (cheap anti-aliasing); text is drawn
afterwards at the final size so it stays crisp.
"""

from __future__ import annotations

import colorsys
import hashlib
import math
import os
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw, ImageFilter
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ._ffmpeg import temp_sibling
from ._text import Run, draw_lines, fit_text, get_font, line_height, text_width, wrap_runs

__all__ = [
    "CharacterLook",
    "FrameSpec",
    "SHOT_TYPES",
    "SILHOUETTES",
    "character_look",
    "contact_sheet",
    "normalize_int_ext",
    "normalize_shot_type",
    "normalize_time_of_day",
    "render_frame",
    "save_image",
]

RGB = tuple[int, int, int]
Silhouette = Literal["round", "tall", "broad", "slim", "hat"]
SILHOUETTES: tuple[str, ...] = ("round", "tall", "broad", "slim", "hat")
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
_SHOT_ABBREV = {
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

_SS = 2  # supersampling factor for the drawn scene


# --------------------------------------------------------------------------
# Stable hashing


def _stable_int(*parts: object) -> int:
    """64-bit integer from ``parts`` that is the same in every process."""
    text = "\x1f".join(str(p) for p in parts)
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def _rng(*parts: object) -> random.Random:
    """A private, stably-seeded random generator (never the global one)."""
    return random.Random(_stable_int(*parts))


# --------------------------------------------------------------------------
# Normalisation of screenplay vocabulary


def _norm_name(name: str) -> str:
    """Canonical character key: 'Mara (V.O.)' and 'MARA' are the same person."""
    name = re.sub(r"\(.*?\)", " ", name)
    return " ".join(name.upper().split())


def normalize_int_ext(value: str | None) -> str | None:
    """'int.', 'Interior', 'I/E', 'EXT./INT.' -> 'INT' | 'EXT' | 'INT/EXT'; unknown -> None."""
    if value is None:
        return None
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


# --------------------------------------------------------------------------
# Specs


class CharacterLook(BaseModel):
    """How one character is drawn in every shot: colour, body shape, label."""

    model_config = ConfigDict(frozen=True)

    name: str
    colour: RGB
    silhouette: Silhouette = "slim"

    @field_validator("colour")
    @classmethod
    def _check_colour(cls, v: RGB) -> RGB:
        if any(not 0 <= c <= 255 for c in v):
            raise ValueError(f"colour components must be 0..255, got {v}")
        return tuple(int(c) for c in v)  # type: ignore[return-value]


# Well-separated, saturated costume colours (no greys or skin-like browns,
# which would melt into backdrops and faces).
_COSTUME_PALETTE: tuple[RGB, ...] = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (227, 119, 194), (188, 189, 34), (23, 190, 207), (240, 200, 40), (0, 128, 128),
    (40, 60, 150), (150, 30, 70), (120, 200, 80), (255, 90, 120), (90, 200, 190),
    (180, 80, 220), (230, 80, 20), (60, 110, 70), (250, 160, 170), (110, 150, 240),
)
# Trouser colours: a second, independent cue so two characters that share a
# costume colour still differ.
_LEG_PALETTE: tuple[RGB, ...] = (
    (40, 44, 60), (70, 90, 130), (120, 110, 80), (30, 30, 32), (90, 70, 55), (100, 104, 110),
)


def character_look(name: str) -> CharacterLook:
    """Deterministic look for ``name`` (case, spacing and '(V.O.)' ignored).

    Costume colour comes from a palette of 20 well-separated colours and body
    shape from 5 silhouettes, both picked by a stable hash of the name, so a
    character is drawn the same way in every shot of every run.
    """
    key = _norm_name(name)
    h = _stable_int("character", key)
    colour = _COSTUME_PALETTE[h % len(_COSTUME_PALETTE)]
    sil = SILHOUETTES[(h >> 16) % len(SILHOUETTES)]
    display = " ".join(re.sub(r"\(.*?\)", " ", name).split()) or key
    return CharacterLook(name=display.upper(), colour=colour, silhouette=sil)  # type: ignore[arg-type]


class FrameSpec(BaseModel):
    """Everything needed to draw one storyboard panel.

    ``characters`` may be given as :class:`CharacterLook` or as plain names
    (converted with :func:`character_look`). Spellings of ``int_ext`` and
    ``shot_type`` are normalised on construction. ``tags`` maps a character
    name to short status words ("muddy", "bleeding") drawn next to them.
    An empty ``caption`` draws no caption band (useful under burned-in
    subtitles) but the layout stays the same.
    """

    model_config = ConfigDict(frozen=True)

    width: int = Field(640, ge=32, le=8192)
    height: int = Field(360, ge=32, le=8192)
    int_ext: Literal["INT", "EXT", "INT/EXT"] | None = None
    time_of_day: str | None = None
    location: str = ""
    shot_type: str = "medium"
    characters: list[CharacterLook] = Field(default_factory=list)
    caption: str = ""
    moment: Literal["start", "end"] = "start"
    title: str | None = None
    tags: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("int_ext", mode="before")
    @classmethod
    def _v_int_ext(cls, v: object) -> object:
        return normalize_int_ext(v) if isinstance(v, str) else v

    @field_validator("shot_type", mode="before")
    @classmethod
    def _v_shot(cls, v: object) -> object:
        return normalize_shot_type(v) if (v is None or isinstance(v, str)) else v

    @field_validator("moment", mode="before")
    @classmethod
    def _v_moment(cls, v: object) -> object:
        return v.strip().lower() if isinstance(v, str) else v

    @field_validator("characters", mode="before")
    @classmethod
    def _v_chars(cls, v: object) -> object:
        if isinstance(v, (list, tuple)):
            return [character_look(c) if isinstance(c, str) else c for c in v]
        return v


# --------------------------------------------------------------------------
# Colour helpers


def _mix(a: Sequence[int], b: Sequence[int], t: float) -> RGB:
    """Linear blend of two colours (t=0 -> a, t=1 -> b)."""
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a[:3], b[:3]))  # type: ignore[return-value]


def _shade(c: Sequence[int], f: float) -> RGB:
    return tuple(max(0, min(255, int(round(x * f)))) for x in c[:3])  # type: ignore[return-value]


def _luma(c: Sequence[int]) -> float:
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


@dataclass(frozen=True)
class _Light:
    key: str
    sky: tuple[RGB, RGB, RGB]  # top, middle, horizon
    ambient: float
    tint: RGB
    tint_amount: float

    def lit(self, c: Sequence[int]) -> RGB:
        """A surface colour as seen under this light."""
        return _mix(_shade(c, self.ambient), self.tint, self.tint_amount)


_LIGHTS = {
    "day": _Light("day", ((66, 130, 212), (140, 190, 238), (205, 228, 248)), 1.0, (255, 255, 255), 0.0),
    "morning": _Light("morning", ((92, 148, 218), (180, 206, 234), (250, 222, 186)), 0.95, (255, 222, 170), 0.08),
    "dusk": _Light("dusk", ((50, 46, 108), (196, 92, 104), (255, 162, 92)), 0.72, (255, 130, 80), 0.18),
    "dawn": _Light("dawn", ((72, 96, 160), (222, 152, 172), (255, 208, 164)), 0.82, (255, 184, 172), 0.12),
    "evening": _Light("evening", ((20, 26, 66), (62, 56, 116), (142, 88, 118)), 0.5, (110, 90, 160), 0.2),
    "night": _Light("night", ((4, 7, 22), (12, 20, 48), (30, 42, 80)), 0.34, (50, 70, 150), 0.22),
}


def _vgradient(size: tuple[int, int], stops: Sequence[RGB]) -> Image.Image:
    """Vertical gradient through evenly spaced colour ``stops``."""
    w, h = size
    h = max(1, h)
    col = Image.new("RGB", (1, h))
    n = len(stops) - 1
    data = []
    for y in range(h):
        t = y / max(1, h - 1) * n
        i = min(n - 1, int(t))
        data.append(_mix(stops[i], stops[i + 1], t - i))
    col.putdata(data)
    return col.resize((max(1, w), h), Image.Resampling.NEAREST)


def _glow(img: Image.Image, centre: tuple[float, float], radius: float, colour: RGB, strength: float) -> None:
    """Soft radial light (lamp, sun halo) added onto ``img`` in place."""
    r = int(max(2, radius))
    mask = Image.radial_gradient("L").resize((2 * r, 2 * r), Image.Resampling.BILINEAR)
    # radial_gradient is 0 at the centre and ~181 at the middle of an edge
    mask = mask.point(lambda v: int(255 * strength * max(0.0, 1.0 - v / 181.0) ** 2))
    layer = Image.new("RGB", (2 * r, 2 * r), colour)
    img.paste(layer, (int(centre[0] - r), int(centre[1] - r)), mask)


# --------------------------------------------------------------------------
# Location analysis

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


def _location_kind(location: str, interior: bool) -> str:
    """Pick the backdrop family from words in the location; else from its hash."""
    words = re.findall(r"[a-zé]+", location.lower())
    table = _INT_KINDS if interior else _EXT_KINDS
    for word in words:
        for kind, keys in table.items():
            if any(word == k or (len(k) > 3 and word.startswith(k)) for k in keys):
                return kind
    kinds = sorted(table) + (["plain"] if not interior else [])
    return kinds[_stable_int("kind", location.upper()) % len(kinds)]


def _guess_interior(location: str) -> bool:
    """No INT/EXT given: guess from the location words (default exterior)."""
    words = set(re.findall(r"[a-z]+", location.lower()))
    int_words = {k for keys in _INT_KINDS.values() for k in keys}
    ext_words = {k for keys in _EXT_KINDS.values() for k in keys}
    if words & int_words and not words & ext_words:
        return True
    return False


# --------------------------------------------------------------------------
# Backdrops


@dataclass(frozen=True)
class _Canvas:
    """Geometry of the supersampled scene: size and the picture area above the caption band."""

    w: int
    h: int
    pic_h: float  # height of the area not covered by the caption band
    head_room: float = 0.0  # y below the title / slugline chips


def _sky_and_celestial(img: Image.Image, cv: _Canvas, light: _Light, horizon: float, rng: random.Random) -> None:
    """Sky gradient with sun / moon / stars according to the light."""
    sky = _vgradient((cv.w, int(horizon) + 1), light.sky)
    img.paste(sky, (0, 0))
    d = ImageDraw.Draw(img)
    sx = cv.w * rng.uniform(0.12, 0.88)
    unit = cv.pic_h
    if light.key == "night":
        for _ in range(int(cv.w * horizon / (unit * unit) * 60)):
            x, y = rng.uniform(0, cv.w), rng.uniform(0, horizon * 0.9)
            r = rng.choice((1, 1, 1, 2)) * _SS * 0.6
            v = rng.randint(150, 255)
            d.ellipse((x - r, y - r, x + r, y + r), fill=(v, v, min(255, v + 20)))
        mr = unit * 0.07
        my = unit * 0.16
        _glow(img, (sx, my), mr * 3.2, (90, 110, 170), 0.5)
        d.ellipse((sx - mr, my - mr, sx + mr, my + mr), fill=(236, 234, 212))
        d.ellipse((sx - mr * 0.45, my - mr * 0.3, sx - mr * 0.15, my), fill=(214, 212, 192))
        d.ellipse((sx + mr * 0.2, my + mr * 0.25, sx + mr * 0.45, my + mr * 0.5), fill=(220, 218, 198))
    elif light.key == "evening":
        for _ in range(int(cv.w * horizon / (unit * unit) * 15)):
            x, y = rng.uniform(0, cv.w), rng.uniform(0, horizon * 0.5)
            r = _SS * 0.6
            d.ellipse((x - r, y - r, x + r, y + r), fill=(200, 200, 220))
    else:
        sun = {
            "day": ((255, 244, 190), unit * 0.07, unit * 0.15),
            "morning": ((255, 236, 170), unit * 0.075, unit * 0.30),
            "dusk": ((255, 178, 92), unit * 0.11, horizon - unit * 0.05),
            "dawn": ((255, 218, 170), unit * 0.1, horizon - unit * 0.04),
        }[light.key]
        colour, sr, sy = sun
        _glow(img, (sx, sy), sr * 3.5, colour, 0.55)
        d.ellipse((sx - sr, sy - sr, sx + sr, sy + sr), fill=colour)
        if light.key in ("day", "morning"):  # a couple of clouds
            for _ in range(rng.randint(1, 3)):
                cx, cy = rng.uniform(0, cv.w), rng.uniform(unit * 0.08, horizon * 0.55)
                cw = unit * rng.uniform(0.18, 0.3)
                for k in range(4):
                    ox = (k - 1.5) * cw * 0.28
                    rr = cw * (0.2 if k in (0, 3) else 0.28)
                    d.ellipse((cx + ox - rr, cy - rr * 0.8, cx + ox + rr, cy + rr * 0.6), fill=(250, 252, 255))


def _draw_exterior(img: Image.Image, cv: _Canvas, light: _Light, location: str) -> None:
    """EXT: sky + horizon + a ground and props chosen from the location."""
    rng = _rng("ext", location.upper())
    kind = _location_kind(location, interior=False)
    P = cv.pic_h
    horizon = P * 0.56
    _sky_and_celestial(img, cv, light, horizon, rng)
    d = ImageDraw.Draw(img)
    night = light.key in ("night", "evening")
    hue_jit = rng.uniform(-0.08, 0.08)

    def jitter(c: RGB) -> RGB:
        h, s, v = colorsys.rgb_to_hsv(*(x / 255 for x in c))
        r, g, b = colorsys.hsv_to_rgb((h + hue_jit * 0.3) % 1, s, v)
        return (int(r * 255), int(g * 255), int(b * 255))

    if kind == "urban":
        ground = [(92, 92, 98), (62, 62, 68)]
        x = -rng.uniform(0, P * 0.1)
        while x < cv.w:
            bw = P * rng.uniform(0.12, 0.3)
            bh = P * rng.uniform(0.12, 0.42)
            base = jitter(rng.choice([(120, 128, 150), (150, 140, 130), (110, 118, 128), (140, 150, 160)]))
            col = light.lit(base)
            d.rectangle((x, horizon - bh, x + bw, horizon), fill=col, outline=_shade(col, 0.7), width=_SS)
            ww, wh = bw * 0.12, P * 0.025
            for wy in range(int(bh // (wh * 2.2))):
                for wx in range(int(bw // (ww * 2.0))):
                    lit_win = night and rng.random() < 0.45
                    wc = (255, 214, 120) if lit_win else light.lit((170, 200, 225))
                    x0 = x + ww * 0.6 + wx * ww * 2.0
                    y0 = horizon - bh + wh + wy * wh * 2.2
                    if y0 + wh < horizon - wh * 0.5:
                        d.rectangle((x0, y0, x0 + ww, y0 + wh), fill=wc)
            x += bw + P * rng.uniform(0.0, 0.05)
        d.rectangle((0, horizon, cv.w, cv.h), fill=light.lit(ground[1]))
        d.rectangle((0, horizon, cv.w, horizon + P * 0.05), fill=light.lit((150, 150, 150)))
        # kerb and perspective road markings
        vp = (cv.w / 2, horizon)
        for i in range(9):
            y0 = horizon + P * 0.09 + i * P * 0.07 * (1 + i * 0.35)
            if y0 > cv.h:
                break
            t = (y0 - vp[1]) / (cv.h - vp[1])
            dw = P * 0.01 + t * P * 0.03
            d.rectangle((vp[0] - dw, y0, vp[0] + dw, y0 + P * 0.02 * (1 + t * 2)), fill=light.lit((235, 210, 90)))
        lx = cv.w * rng.choice((0.12, 0.88))
        d.rectangle((lx - P * 0.008, horizon - P * 0.38, lx + P * 0.008, horizon + P * 0.06), fill=light.lit((60, 64, 70)))
        d.rectangle((lx - P * 0.04, horizon - P * 0.4, lx + P * 0.04, horizon - P * 0.37), fill=light.lit((60, 64, 70)))
        if night:
            _glow(img, (lx, horizon - P * 0.36), P * 0.25, (255, 200, 120), 0.55)
    elif kind in ("nature", "plain"):
        far = light.lit(jitter((110, 150, 120)))
        for _ in range(3):
            hx, hw = rng.uniform(0, cv.w), P * rng.uniform(0.5, 1.0)
            hh = P * rng.uniform(0.06, 0.14)
            d.ellipse((hx - hw, horizon - hh, hx + hw, horizon + hh), fill=far)
        d.rectangle((0, horizon, cv.w, cv.h), fill=light.lit(jitter((96, 150, 70))))
        grad = _vgradient((cv.w, int(cv.h - horizon)), [light.lit(jitter((120, 170, 90))), light.lit(jitter((70, 120, 50)))])
        img.paste(grad, (0, int(horizon)))
        if kind == "nature":
            n_trees = rng.randint(5, 9)
            for i in range(n_trees):
                tx = cv.w * (i + rng.uniform(0.1, 0.9)) / n_trees
                th = P * rng.uniform(0.22, 0.4)
                ty = horizon + P * rng.uniform(0.0, 0.03)
                trunk = light.lit((96, 70, 50))
                d.rectangle((tx - th * 0.04, ty - th * 0.45, tx + th * 0.04, ty), fill=trunk)
                leaf = light.lit(jitter(rng.choice([(50, 110, 60), (70, 130, 60), (40, 95, 70)])))
                if rng.random() < 0.5:  # pine
                    d.polygon([(tx, ty - th), (tx - th * 0.28, ty - th * 0.3), (tx + th * 0.28, ty - th * 0.3)], fill=leaf)
                else:
                    r = th * 0.3
                    d.ellipse((tx - r, ty - th * 0.95, tx + r, ty - th * 0.95 + 2 * r), fill=leaf)
        else:  # plain: a fence and a distant house
            hx = cv.w * rng.uniform(0.15, 0.85)
            hs = P * 0.08
            d.rectangle((hx - hs, horizon - hs, hx + hs, horizon), fill=light.lit((200, 190, 170)))
            d.polygon([(hx - hs * 1.2, horizon - hs), (hx, horizon - hs * 1.8), (hx + hs * 1.2, horizon - hs)], fill=light.lit((150, 60, 50)))
            fy = horizon + P * 0.12
            fc = light.lit((130, 100, 70))
            d.rectangle((0, fy, cv.w, fy + P * 0.012), fill=fc)
            for fx in range(0, cv.w, int(P * 0.12)):
                d.rectangle((fx, fy - P * 0.04, fx + P * 0.012, fy + P * 0.03), fill=fc)
    elif kind == "water":
        sea_bottom = horizon + P * 0.16
        sea = _vgradient((cv.w, int(sea_bottom - horizon)), [light.lit((60, 110, 170)), light.lit((40, 90, 150))])
        img.paste(sea, (0, int(horizon)))
        d.rectangle((0, sea_bottom, cv.w, cv.h), fill=light.lit(jitter((222, 200, 150))))
        for _ in range(14):
            wx, wy = rng.uniform(0, cv.w), rng.uniform(horizon + P * 0.02, sea_bottom - P * 0.01)
            wl = P * rng.uniform(0.03, 0.08)
            d.line((wx, wy, wx + wl, wy), fill=light.lit((170, 200, 230)), width=_SS)
        d.line((0, sea_bottom, cv.w, sea_bottom), fill=light.lit((245, 245, 240)), width=2 * _SS)
    elif kind == "desert":
        for _ in range(3):
            mx, mw = rng.uniform(0, cv.w), P * rng.uniform(0.2, 0.4)
            mh = P * rng.uniform(0.08, 0.2)
            d.polygon([(mx - mw, horizon), (mx - mw * 0.6, horizon - mh), (mx + mw * 0.6, horizon - mh), (mx + mw, horizon)],
                      fill=light.lit(jitter((176, 100, 70))))
        grad = _vgradient((cv.w, int(cv.h - horizon)), [light.lit((232, 196, 140)), light.lit((206, 160, 100))])
        img.paste(grad, (0, int(horizon)))
        cx = cv.w * rng.uniform(0.1, 0.9)
        cc = light.lit((70, 130, 70))
        d.rounded_rectangle((cx - P * 0.015, horizon - P * 0.03, cx + P * 0.015, horizon + P * 0.12), radius=P * 0.015, fill=cc)
        d.rounded_rectangle((cx - P * 0.05, horizon + P * 0.0, cx - P * 0.03, horizon + P * 0.06), radius=P * 0.01, fill=cc)
    else:  # snow
        for _ in range(4):
            mx, mw = rng.uniform(0, cv.w), P * rng.uniform(0.3, 0.5)
            mh = P * rng.uniform(0.18, 0.36)
            d.polygon([(mx - mw, horizon), (mx, horizon - mh), (mx + mw, horizon)], fill=light.lit(jitter((110, 120, 150))))
            d.polygon([(mx - mw * 0.25, horizon - mh * 0.75), (mx, horizon - mh), (mx + mw * 0.25, horizon - mh * 0.75)],
                      fill=light.lit((245, 248, 255)))
        grad = _vgradient((cv.w, int(cv.h - horizon)), [light.lit((236, 242, 250)), light.lit((200, 214, 232))])
        img.paste(grad, (0, int(horizon)))


_INT_WALLS = {
    "kitchen": [(226, 214, 170), (200, 222, 210), (236, 200, 170)],
    "office": [(200, 210, 215), (215, 215, 205), (190, 200, 210)],
    "bar": [(120, 70, 50), (90, 60, 70), (110, 80, 50)],
    "home": [(210, 180, 150), (170, 190, 200), (200, 170, 180), (190, 200, 160)],
    "industrial": [(140, 140, 135), (120, 125, 130), (150, 140, 120)],
    "vehicle": [(70, 70, 78), (90, 84, 76)],
}
_INT_FLOORS = {
    "kitchen": (200, 200, 196),
    "office": (120, 126, 140),
    "bar": (90, 60, 40),
    "home": (150, 110, 75),
    "industrial": (110, 110, 106),
    "vehicle": (50, 50, 55),
}


def _draw_interior(img: Image.Image, cv: _Canvas, light: _Light, location: str) -> None:
    """INT: back wall, perspective floor, a window showing the time of day,
    a door, kind-specific furniture, and lamp / daylight lighting."""
    rng = _rng("int", location.upper())
    kind = _location_kind(location, interior=True)
    P = cv.pic_h
    floor_y = P * 0.64
    # Interiors are lit by practicals at night: less darkening than outdoors.
    amb = {"day": 1.0, "morning": 0.96, "dusk": 0.8, "dawn": 0.85, "evening": 0.62, "night": 0.5}[light.key]
    warm = {"day": 0.0, "morning": 0.05, "dusk": 0.14, "dawn": 0.08, "evening": 0.16, "night": 0.2}[light.key]

    def lit(c: Sequence[int]) -> RGB:
        return _mix(_shade(c, amb), (255, 170, 90), warm)

    wall = rng.choice(_INT_WALLS[kind])
    wall_img = _vgradient((cv.w, int(floor_y) + 1), [lit(_shade(wall, 0.85)), lit(wall)])
    img.paste(wall_img, (0, 0))
    d = ImageDraw.Draw(img)
    floor = lit(_INT_FLOORS[kind])
    d.rectangle((0, floor_y, cv.w, cv.h), fill=floor)
    vp = (cv.w / 2, P * 0.3)
    line_c = _shade(floor, 0.8)
    for i in range(-12, 13):
        fx = cv.w / 2 + i * cv.w / 9
        # line from the floor line toward the viewer, converging at vp
        t = (cv.h - vp[1]) / (floor_y - vp[1])
        bx = vp[0] + (fx - vp[0]) * t
        d.line((fx, floor_y, bx, cv.h), fill=line_c, width=_SS)
    y, step = floor_y, P * 0.03
    while y < cv.h:
        d.line((0, y, cv.w, y), fill=line_c, width=_SS)
        step *= 1.45
        y += step
    d.rectangle((0, floor_y - P * 0.02, cv.w, floor_y), fill=_shade(lit(wall), 0.6))

    # window (shows the sky of this time of day) and door on opposite sides
    win_left = rng.random() < 0.5
    if kind == "vehicle":
        wx0, wx1, wy0, wy1 = cv.w * 0.06, cv.w * 0.94, P * 0.08, P * 0.5
    else:
        ww = min(cv.w * 0.26, P * 0.5)
        cx = cv.w * (rng.uniform(0.18, 0.3) if win_left else rng.uniform(0.7, 0.82))
        wx0, wx1, wy0, wy1 = cx - ww / 2, cx + ww / 2, P * 0.12, P * 0.44
    sky = _vgradient((int(wx1 - wx0), int(wy1 - wy0)), light.sky)
    img.paste(sky, (int(wx0), int(wy0)))
    if light.key == "night":
        mr = P * 0.03
        mx, my = wx0 + (wx1 - wx0) * 0.7, wy0 + (wy1 - wy0) * 0.3
        d.ellipse((mx - mr, my - mr, mx + mr, my + mr), fill=(236, 234, 212))
    frame_c = lit((245, 245, 240)) if kind != "vehicle" else lit((40, 40, 44))
    fw = max(_SS * 2, P * 0.015)
    d.rectangle((wx0, wy0, wx1, wy1), outline=frame_c, width=int(fw))
    if kind != "vehicle":
        d.line(((wx0 + wx1) / 2, wy0, (wx0 + wx1) / 2, wy1), fill=frame_c, width=int(fw * 0.7))
        d.line((wx0, (wy0 + wy1) / 2, wx1, (wy0 + wy1) / 2), fill=frame_c, width=int(fw * 0.7))
        dx = cv.w * (rng.uniform(0.7, 0.85) if win_left else rng.uniform(0.15, 0.3))
        dw, dh = P * 0.2, P * 0.5
        door_c = lit(rng.choice([(120, 80, 50), (90, 100, 120), (150, 150, 150)]))
        d.rectangle((dx - dw / 2, floor_y - dh, dx + dw / 2, floor_y), fill=door_c, outline=_shade(door_c, 0.6), width=int(fw))
        kr = P * 0.012
        kx = dx + dw * 0.32 * (-1 if win_left else 1)
        d.ellipse((kx - kr, floor_y - dh * 0.48 - kr, kx + kr, floor_y - dh * 0.48 + kr), fill=lit((220, 190, 90)))
    else:  # dashboard
        d.rectangle((0, P * 0.5, cv.w, floor_y), fill=lit((45, 45, 50)))

    # kind-specific furniture along the back wall
    if kind == "kitchen":
        top = floor_y - P * 0.2
        d.rectangle((0, top, cv.w, floor_y), fill=lit((235, 235, 230)))
        d.rectangle((0, top - P * 0.02, cv.w, top), fill=lit((120, 110, 100)))
        for cx0 in range(0, cv.w, int(P * 0.2)):
            d.rectangle((cx0 + P * 0.01, top + P * 0.03, cx0 + P * 0.19, floor_y - P * 0.01), outline=lit((180, 180, 175)), width=_SS)
        d.rectangle((0, P * 0.04, cv.w, P * 0.1), fill=lit((235, 235, 230)))
    elif kind == "office":
        bx = cv.w * (0.62 if win_left else 0.38)
        d.rectangle((bx - P * 0.2, P * 0.14, bx + P * 0.2, P * 0.38), fill=lit((248, 248, 248)), outline=lit((150, 150, 160)), width=_SS * 2)
        for k in range(3):
            d.line((bx - P * 0.16, P * (0.19 + k * 0.05), bx + P * rng.uniform(0.0, 0.15), P * (0.19 + k * 0.05)), fill=(70, 90, 160), width=_SS)
        d.rectangle((0, floor_y - P * 0.015, cv.w, floor_y), fill=lit((90, 90, 100)))
    elif kind == "bar":
        sy = P * 0.2
        for k in range(2):
            yy = sy + k * P * 0.14
            d.rectangle((0, yy, cv.w, yy + P * 0.012), fill=lit((70, 45, 30)))
            bx = rng.uniform(0, P * 0.05)
            while bx < cv.w:
                bc = lit(rng.choice([(60, 120, 60), (150, 90, 40), (200, 200, 210), (120, 40, 40)]))
                bh = P * rng.uniform(0.06, 0.1)
                d.rectangle((bx, yy - bh, bx + P * 0.025, yy), fill=bc)
                bx += P * rng.uniform(0.04, 0.07)
        d.rectangle((0, floor_y - P * 0.16, cv.w, floor_y), fill=lit((100, 60, 35)))
        d.rectangle((0, floor_y - P * 0.17, cv.w, floor_y - P * 0.15), fill=lit((140, 90, 50)))
    elif kind == "home":
        fx = cv.w * rng.uniform(0.4, 0.6)
        d.rectangle((fx - P * 0.08, P * 0.16, fx + P * 0.08, P * 0.3), fill=lit((240, 230, 210)), outline=lit((110, 80, 50)), width=_SS * 3)
        d.polygon([(fx - P * 0.06, P * 0.27), (fx - P * 0.02, P * 0.2), (fx + P * 0.02, P * 0.25), (fx + P * 0.06, P * 0.21), (fx + P * 0.06, P * 0.27)],
                  fill=lit((110, 150, 110)))
        sofa_c = lit(rng.choice([(120, 60, 60), (60, 90, 120), (110, 110, 80)]))
        d.rounded_rectangle((fx - P * 0.35, floor_y - P * 0.16, fx + P * 0.35, floor_y + P * 0.02), radius=P * 0.04, fill=sofa_c)
        d.rounded_rectangle((fx - P * 0.38, floor_y - P * 0.1, fx + P * 0.38, floor_y + P * 0.03), radius=P * 0.03, fill=_shade(sofa_c, 0.85))
    elif kind == "industrial":
        for k in range(3):
            rx = cv.w * (0.15 + 0.35 * k) + rng.uniform(-P * 0.05, P * 0.05)
            d.rectangle((rx - P * 0.15, P * 0.12, rx + P * 0.15, floor_y), outline=lit((200, 120, 40)), width=_SS * 2)
            for s in range(3):
                yy = P * (0.25 + s * 0.13)
                d.line((rx - P * 0.15, yy, rx + P * 0.15, yy), fill=lit((200, 120, 40)), width=_SS * 2)
                d.rectangle((rx - P * 0.12, yy - P * 0.07, rx - P * 0.01, yy), fill=lit((170, 140, 100)))
        for k in range(3):  # hanging industrial lamps
            lx = cv.w * (0.2 + 0.3 * k)
            d.line((lx, 0, lx, P * 0.06), fill=lit((40, 40, 40)), width=_SS)

    # lighting: daylight shaft from the window, or warm practical lamps at night
    if light.key in ("day", "morning", "dawn") and kind != "vehicle":
        shaft = Image.new("L", img.size, 0)
        sd = ImageDraw.Draw(shaft)
        off = (cv.w * 0.1) * (1 if win_left else -1)
        sd.polygon([(wx0, wy1), (wx1, wy1), (wx1 + off, cv.h), (wx0 + off, cv.h)], fill=40)
        img.paste((255, 250, 225), (0, 0), shaft)
    elif light.key in ("night", "evening", "dusk") and kind != "vehicle":
        lx = cv.w * (0.88 if win_left else 0.12)
        ly = floor_y - P * 0.3
        d.rectangle((lx - P * 0.006, ly, lx + P * 0.006, floor_y), fill=(40, 36, 30))
        d.polygon([(lx - P * 0.05, ly + P * 0.02), (lx - P * 0.03, ly - P * 0.06), (lx + P * 0.03, ly - P * 0.06), (lx + P * 0.05, ly + P * 0.02)],
                  fill=(255, 226, 160))
        _glow(img, (lx, ly), P * 0.55, (255, 190, 110), 0.45)
    elif kind == "vehicle" and light.key in ("night", "evening"):
        _glow(img, (cv.w / 2, P * 0.55), P * 0.3, (80, 140, 255), 0.35)


def _draw_int_ext_frame(img: Image.Image, cv: _Canvas, light: _Light, location: str) -> None:
    """INT/EXT: looking out through an opening (doorway / windscreen) at the exterior."""
    d = ImageDraw.Draw(img)
    rng = _rng("intext", location.upper())
    wall = _mix(_shade(rng.choice([(90, 80, 70), (70, 74, 84), (110, 96, 80)]), max(0.45, light.ambient)), (255, 170, 90), 0.05)
    P = cv.pic_h
    side = cv.w * 0.09
    d.rectangle((0, 0, side, cv.h), fill=wall)
    d.rectangle((cv.w - side, 0, cv.w, cv.h), fill=wall)
    d.rectangle((0, 0, cv.w, P * 0.08), fill=wall)
    edge = _shade(wall, 0.6)
    d.line((side, P * 0.08, side, cv.h), fill=edge, width=_SS * 3)
    d.line((cv.w - side, P * 0.08, cv.w - side, cv.h), fill=edge, width=_SS * 3)
    d.line((side, P * 0.08, cv.w - side, P * 0.08), fill=edge, width=_SS * 3)


def _draw_backdrop(cv: _Canvas, spec: FrameSpec) -> Image.Image:
    img = Image.new("RGB", (cv.w, cv.h))
    light = _LIGHTS[normalize_time_of_day(spec.time_of_day)]
    ie = spec.int_ext or ("INT" if _guess_interior(spec.location) else "EXT")
    if ie == "INT":
        _draw_interior(img, cv, light, spec.location)
    else:
        _draw_exterior(img, cv, light, spec.location)
    return img


# --------------------------------------------------------------------------
# Figures

_SKIN = [(241, 212, 182), (226, 184, 146), (196, 146, 106), (156, 106, 74), (112, 76, 54)]
_HAIR = [(40, 30, 24), (90, 60, 30), (150, 110, 60), (200, 170, 110), (60, 60, 64), (120, 50, 30)]

# per silhouette: head diameter, shoulder width, hip height (all fractions of full height)
_BODY = {
    "round": (0.19, 0.31, 0.58),
    "tall": (0.135, 0.22, 0.5),
    "broad": (0.155, 0.38, 0.55),
    "slim": (0.15, 0.2, 0.54),
    "hat": (0.155, 0.26, 0.55),
}


@dataclass
class _Figure:
    """One character placed in the frame (scene coordinates)."""

    look: CharacterLook
    cx: float
    top: float  # y of the top of the head
    height: float  # head-top to feet
    facing: float  # -1 = screen left, 0 = camera, +1 = screen right
    gesture: float = 0.0  # 0 = arms down, 1 = forward arm raised
    back: bool = False  # seen from behind (over-the-shoulder foreground)
    speaking: bool = False

    @property
    def head_d(self) -> float:
        return _BODY[self.look.silhouette][0] * self.height

    @property
    def head_box(self) -> tuple[float, float, float, float]:
        hd = self.head_d
        return (self.cx - hd / 2, self.top, self.cx + hd / 2, self.top + hd)


def _draw_figure(fig: _Figure, size: tuple[int, int]) -> Image.Image:
    """Draw one figure on a transparent layer; torso is exactly the look colour."""
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    look = fig.look
    F = fig.height
    head_f, sh_f, hip_f = _BODY[look.silhouette]
    hd = head_f * F
    sw = sh_f * F
    cx, top = fig.cx, fig.top
    col = look.colour
    dark = _shade(col, 0.62)
    h = _stable_int("looks-extra", _norm_name(look.name))
    skin = _SKIN[h % len(_SKIN)]
    hair = _HAIR[(h >> 5) % len(_HAIR)]
    legs = _LEG_PALETTE[(h >> 11) % len(_LEG_PALETTE)] if look.name else dark
    head_cy = top + hd / 2
    sh_y = top + hd * 1.08
    hip_y = top + hip_f * F
    feet_y = top + F
    lean = fig.facing * sw * 0.06

    # legs
    lw = sw * (0.28 if look.silhouette != "slim" else 0.36)
    gap = sw * 0.05
    for sgn in (-1, 1):
        x_in = cx + sgn * gap
        x_out = cx + sgn * (gap + lw)
        d.polygon([(x_in, hip_y - F * 0.02), (x_out, hip_y - F * 0.02), (x_out + sgn * lw * 0.05, feet_y - F * 0.02), (x_in, feet_y - F * 0.02)], fill=legs)
        fx0, fx1 = sorted((x_in, x_out + sgn * lw * 0.05 + fig.facing * lw * 0.5))
        d.rounded_rectangle((fx0, feet_y - F * 0.035, fx1 + lw * 0.1, feet_y), radius=F * 0.012, fill=_shade(col, 0.3))

    # arms (behind the torso when seen from the back)
    aw = max(2.0, F * 0.055 * (1.25 if look.silhouette == "broad" else 1.0))
    forward = 1 if fig.facing >= 0 else -1

    def arm(sgn: int, raise_amt: float) -> None:
        sx, sy = cx + sgn * (sw / 2 - aw * 0.4), sh_y + aw * 0.5
        down = (cx + sgn * (sw / 2 + F * 0.03), hip_y + F * 0.02)
        up = (cx + sgn * (sw / 2 + F * 0.15), sh_y + F * 0.07)
        hx = down[0] + (up[0] - down[0]) * raise_amt
        hy = down[1] + (up[1] - down[1]) * raise_amt
        d.line((sx, sy, hx, hy), fill=_shade(col, 0.85), width=int(aw))
        d.ellipse((sx - aw / 2, sy - aw / 2, sx + aw / 2, sy + aw / 2), fill=_shade(col, 0.85))
        r = aw * 0.62
        d.ellipse((hx - r, hy - r, hx + r, hy + r), fill=skin if not fig.back else _shade(skin, 0.8))

    arm(-forward, 0.0)
    arm(forward, fig.gesture)

    # neck
    d.rectangle((cx - hd * 0.16 + lean, head_cy, cx + hd * 0.16 + lean, sh_y + F * 0.02), fill=skin)

    # torso (exact character colour)
    s = look.silhouette
    if s == "round":
        d.ellipse((cx - sw * 0.55, sh_y - F * 0.01, cx + sw * 0.55, hip_y + F * 0.03), fill=col)
    else:
        taper = {"broad": 0.34, "tall": 0.4, "slim": 0.44, "hat": 0.42}[s]
        rad = sw * 0.18
        d.rounded_rectangle((cx - sw / 2, sh_y, cx + sw / 2, sh_y + (hip_y - sh_y) * 0.55), radius=rad, fill=col)
        d.polygon([(cx - sw / 2, sh_y + rad), (cx + sw / 2, sh_y + rad), (cx + sw * taper, hip_y), (cx - sw * taper, hip_y)], fill=col)
    # belt line for readability
    d.line((cx - sw * 0.4, hip_y - F * 0.005, cx + sw * 0.4, hip_y - F * 0.005), fill=_shade(col, 0.5), width=max(1, int(F * 0.01)))

    # head
    hx = cx + lean
    hb = (hx - hd / 2, top, hx + hd / 2, top + hd)
    if fig.back:
        d.ellipse(hb, fill=hair)
    else:
        d.ellipse(hb, fill=skin)
        # hair cap
        d.chord((hb[0] - hd * 0.02, hb[1] - hd * 0.04, hb[2] + hd * 0.02, hb[3] - hd * 0.1), 180, 360, fill=hair)
        # face: eyes follow the facing direction
        ex = hx + fig.facing * hd * 0.22
        ey = head_cy + hd * 0.06
        sep = hd * 0.17 * (1 - abs(fig.facing) * 0.45)
        er = max(1.0, hd * 0.055)
        eyes = [ex - sep, ex + sep]
        if abs(fig.facing) > 0.65:
            eyes = [ex + sep * (1 if fig.facing > 0 else -1)]
        for x in eyes:
            d.ellipse((x - er, ey - er * 1.2, x + er, ey + er * 1.2), fill=(30, 26, 24))
            if hd > 60 * _SS:  # close-ups: catch-lights
                d.ellipse((x - er * 0.35 + er * 0.3, ey - er * 0.7, x + er * 0.1 + er * 0.3, ey - er * 0.25), fill=(250, 250, 250))
        if hd > 20 * _SS:
            mx = ex + fig.facing * hd * 0.05
            mw = hd * (0.14 if not fig.speaking else 0.08)
            my = head_cy + hd * 0.28
            if fig.speaking:  # open mouth
                d.ellipse((mx - mw, my - mw * 0.55, mx + mw, my + mw * 0.55), fill=(80, 30, 30))
            else:
                d.line((mx - mw, my, mx + mw, my), fill=(120, 60, 50), width=max(1, int(hd * 0.03)))
        if abs(fig.facing) > 0.4:  # nose hints at a profile
            nx = hx + (hd / 2 if fig.facing > 0 else -hd / 2) * 0.95
            ny = head_cy + hd * 0.12
            d.polygon([(nx - fig.facing * hd * 0.1, ny - hd * 0.1), (nx + fig.facing * hd * 0.08, ny + hd * 0.02), (nx - fig.facing * hd * 0.1, ny + hd * 0.06)], fill=skin)
    if s == "hat":
        hat_c = _shade(col, 0.45)
        d.ellipse((hx - hd * 0.78, top + hd * 0.08, hx + hd * 0.78, top + hd * 0.32), fill=hat_c)
        d.rounded_rectangle((hx - hd * 0.42, top - hd * 0.32, hx + hd * 0.42, top + hd * 0.22), radius=hd * 0.1, fill=hat_c)
        d.rectangle((hx - hd * 0.42, top + hd * 0.08, hx + hd * 0.42, top + hd * 0.15), fill=_shade(col, 0.8))
    return layer


def _composite_figure(img: Image.Image, layer: Image.Image, outline_px: int) -> None:
    """Paste a figure with a dark outline so it reads against any backdrop."""
    alpha = layer.getchannel("A")
    bbox = alpha.getbbox()
    if bbox is None:
        return
    pad = outline_px + 2
    box = (max(0, bbox[0] - pad), max(0, bbox[1] - pad), min(img.width, bbox[2] + pad), min(img.height, bbox[3] + pad))
    a = alpha.crop(box)
    # dilation by box blur + threshold: same look as MaxFilter at a fraction of the cost
    outline = a.filter(ImageFilter.BoxBlur(outline_px)).point(lambda v: 255 if v > 24 else 0)
    region = img.crop(box)
    region.paste((20, 18, 24), (0, 0), outline)
    region.paste(layer.crop(box), (0, 0), a)
    img.paste(region, box[:2])


# --------------------------------------------------------------------------
# Shot layout

_SPEAKER_RE = re.compile(r"^\s*([A-Z][A-Z0-9 .'\-]{0,40}?)\s*(?:\([^)]*\)\s*)?:\s*(.*)$", re.S)


def _speaker(caption: str) -> tuple[str | None, str]:
    """'MARA: Get down!' -> ('MARA', 'Get down!'); action text -> (None, text)."""
    m = _SPEAKER_RE.match(caption or "")
    if m and m.group(1).strip() and m.group(1) == m.group(1).upper() and any(ch.isalpha() for ch in m.group(1)):
        return _norm_name(m.group(1)), m.group(2).strip()
    return None, (caption or "").strip()


# backdrop zoom and blur (depth of field) per shot type
_LENS = {
    "establishing": (1.0, 0.0),
    "wide": (1.0, 0.0),
    "medium": (1.3, 0.0025),
    "two-shot": (1.25, 0.0025),
    "medium close-up": (1.6, 0.006),
    "over-the-shoulder": (1.6, 0.006),
    "close-up": (1.9, 0.01),
    "extreme close-up": (2.4, 0.014),
    "insert": (2.0, 0.014),
}


def _spread(n: int, lo: float, hi: float) -> list[float]:
    if n <= 0:
        return []
    if n == 1:
        return [(lo + hi) / 2]
    return [lo + (hi - lo) * i / (n - 1) for i in range(n)]


def _layout(spec: FrameSpec, cv: _Canvas) -> list[_Figure]:
    """Place characters for the shot type; the 'end' moment shifts and turns them."""
    shot = spec.shot_type
    chars = list(spec.characters)
    if shot == "insert" or not chars:
        return []
    W, P = cv.w, cv.pic_h
    speaker, _ = _speaker(spec.caption)
    names = [_norm_name(c.name) for c in chars]
    end = spec.moment == "end"
    figs: list[_Figure] = []

    def centre_facing(x: float, centre: float) -> float:
        return max(-0.8, min(0.8, (centre - x) / W * 3.0))

    if shot in ("close-up", "extreme close-up"):
        idx = names.index(speaker) if speaker in names else 0
        look = chars[idx]
        rng = _rng("cu", names[idx], spec.title or "", spec.location)
        side = -1 if rng.random() < 0.5 else 1
        head_f = _BODY[look.silhouette][0]
        if shot == "close-up":  # head and shoulders: head ~55% of the picture height
            F, top, x = min(P * 0.55, W * 0.42) / head_f, P * 0.1, W / 2 + side * W * 0.08
        else:  # the face fills the frame, eyes a little above the middle
            F = min(P * 0.95, W * 0.9) / head_f  # shoulders stay just visible: the costume colour identifies
            top, x = P * 0.42 - F * head_f * 0.56, W / 2
        facing = -side * 0.25
        if end:
            x += -side * W * 0.025
            facing = -side * 0.05 + side * 0.3
        figs.append(_Figure(look, x, top, F, facing, gesture=0.0, speaking=speaker == names[idx]))
        return figs

    if shot == "over-the-shoulder":
        if speaker in names:
            fi = names.index(speaker)
        else:
            fi = 1 if len(chars) > 1 else 0
        front = chars[fi]
        others = [c for i, c in enumerate(chars) if i != fi]
        shoulder = others[0] if others else None
        F_front = P * 2.0
        fx = W * 0.64 + (W * 0.02 if end else 0.0)
        figs.append(_Figure(front, fx, max(P * 0.16, cv.head_room), F_front, -0.45 + (0.2 if end else 0.0),
                            gesture=0.5 if end else 0.0, speaking=speaker == names[fi]))
        # the foreground shoulder: back of the head large at the left, shoulders
        # well above the caption band so the costume colour reads
        back = shoulder or CharacterLook(name="", colour=(52, 54, 62), silhouette="broad")
        hd = min(P * 0.48, W * 0.3)
        F_back = hd / _BODY[back.silhouette][0]
        bx = W * 0.14 - (W * 0.015 if end else 0.0)
        figs.append(_Figure(back, bx, P * 0.74 - hd * 1.08, F_back, 0.3, back=True))
        return figs

    if shot == "two-shot" and len(chars) > 2:
        chars, names = chars[:2], names[:2]
    if shot == "medium close-up" and len(chars) > 2:
        chars, names = chars[:2], names[:2]
    n = len(chars)
    if shot == "establishing":
        F, lo, hi, feet = P * 0.2, 0.32, 0.68, P * 0.93
    elif shot == "wide":
        F, lo, hi, feet = P * 0.52, 0.2, 0.8, P * 0.95
    elif shot == "medium close-up":
        F, lo, hi, feet = P * 2.3, 0.3, 0.7, None
    else:  # medium, two-shot
        F, lo, hi, feet = P * 1.55, 0.25, 0.75, None
        if shot == "two-shot" and n == 2:
            lo, hi = 0.3, 0.7
    if n > 1:
        lo, hi = max(0.08, lo - 0.03 * (n - 2)), min(0.92, hi + 0.03 * (n - 2))
    stagger = False
    if n > 1:  # crowded or narrow (9:16) frames: make the figures fit side by side
        max_sw = max(_BODY[c.silhouette][1] for c in chars)
        room = W * (hi - lo) / (n - 1)
        fit = room * 0.85 / (max_sw + 0.1)
        if feet is not None:  # full figures simply get smaller
            F = min(F, fit)
        elif fit < F:  # waist-up: shrink a little, then stagger in depth
            F = max(fit, F * 0.75)
            stagger = fit < F
    xs = _spread(n, W * lo, W * hi)
    centre = sum(xs) / n
    for i, (look, x) in enumerate(zip(chars, xs)):
        rng = _rng("fig", names[i], spec.title or "", spec.location, shot)
        facing = centre_facing(x, centre) if n > 1 else rng.uniform(-0.3, 0.3)
        gesture = 0.0
        if end:
            step = (W * 0.07 if shot in ("wide", "establishing") else W * 0.03)
            direction = (1 if x < centre else -1) if n > 1 else (1 if rng.random() < 0.5 else -1)
            x += direction * step
            facing = max(-0.9, min(0.9, facing + direction * 0.35 if n == 1 else facing * 0.5 + direction * 0.2))
            gesture = 0.8 if (speaker == names[i] or (speaker is None and i == 0)) else 0.15
        elif speaker == names[i]:
            gesture = 0.3
        if feet is not None:
            top = feet - F
        else:
            top = max(P * (0.12 if shot != "medium close-up" else 0.1), cv.head_room)
        Fi = F * 0.82 if (stagger and i % 2 == 1) else F  # odd ones stand further back
        figs.append(_Figure(look, x, top, Fi, facing, gesture=gesture, speaking=speaker == names[i]))
    return figs


# --------------------------------------------------------------------------
# Inserts

_INSERT_OBJECTS = ("phone", "letter", "key", "mug", "photo", "book", "clock")
_INSERT_WORDS = {
    "phone": ("phone", "text", "message", "call", "screen", "cellphone", "mobile", "sms"),
    "letter": ("letter", "note", "envelope", "paper", "document", "file", "map", "page", "contract", "ticket"),
    "key": ("key", "keys", "lock", "keycard"),
    "mug": ("cup", "coffee", "mug", "tea", "glass", "drink", "bottle", "wine"),
    "photo": ("photo", "picture", "photograph", "polaroid", "portrait", "frame"),
    "book": ("book", "diary", "journal", "notebook", "bible", "album"),
    "clock": ("clock", "watch", "time", "timer", "alarm", "wristwatch"),
}


def _insert_object(spec: FrameSpec) -> str:
    words = set(re.findall(r"[a-z]+", spec.caption.lower()))
    for obj in _INSERT_OBJECTS:
        if words & set(_INSERT_WORDS[obj]):
            return obj
    return _INSERT_OBJECTS[_stable_int("insert", spec.caption, spec.title or "") % len(_INSERT_OBJECTS)]


def _draw_insert(img: Image.Image, cv: _Canvas, spec: FrameSpec, light: _Light) -> None:
    """Insert: a tabletop close on one object named (or implied) by the caption."""
    d = ImageDraw.Draw(img)
    P, W = cv.pic_h, cv.w
    table_y = P * 0.5
    wood = _mix(_shade((150, 105, 65), max(0.55, light.ambient)), (255, 170, 90), 0.08 if light.key != "day" else 0.0)
    tab = _vgradient((W, int(cv.h - table_y)), [_shade(wood, 0.85), wood])
    img.paste(tab, (0, int(table_y)))
    for k in range(6):
        yy = table_y + (cv.h - table_y) * (k + 1) / 7
        d.line((0, yy, W, yy + P * 0.01), fill=_shade(wood, 0.78), width=_SS)
    obj = _insert_object(spec)
    cx, cy = W / 2, P * 0.58
    s = P * 0.3
    if spec.moment == "end":
        cx += W * 0.03
    ink = (40, 40, 48)
    # soft shadow
    sh = Image.new("L", img.size, 0)
    ImageDraw.Draw(sh).ellipse((cx - s * 1.1, cy + s * 0.2, cx + s * 1.2, cy + s * 0.75), fill=90)
    sh = sh.filter(ImageFilter.GaussianBlur(s * 0.12))
    img.paste((0, 0, 0), (0, 0), sh)
    if obj == "phone":
        d.rounded_rectangle((cx - s * 0.38, cy - s * 0.7, cx + s * 0.38, cy + s * 0.7), radius=s * 0.08, fill=(30, 30, 34))
        scr = (120, 190, 255) if spec.moment == "end" else (70, 110, 170)
        d.rounded_rectangle((cx - s * 0.32, cy - s * 0.6, cx + s * 0.32, cy + s * 0.6), radius=s * 0.04, fill=scr)
        for k in range(3):
            d.rounded_rectangle((cx - s * 0.26, cy - s * 0.45 + k * s * 0.25, cx + s * (0.2 - 0.1 * k), cy - s * 0.33 + k * s * 0.25),
                                radius=s * 0.04, fill=(240, 244, 250))
    elif obj == "letter":
        d.polygon([(cx - s * 0.7, cy - s * 0.5), (cx + s * 0.6, cy - s * 0.6), (cx + s * 0.7, cy + s * 0.5), (cx - s * 0.6, cy + s * 0.6)], fill=(246, 240, 222))
        for k in range(6):
            yy = cy - s * 0.35 + k * s * 0.14
            d.line((cx - s * 0.48, yy + s * 0.02, cx + s * (0.45 - 0.1 * (k == 5)), yy - s * 0.03), fill=(60, 70, 120), width=max(1, int(s * 0.02)))
    elif obj == "key":
        r = s * 0.22
        d.ellipse((cx - s * 0.6 - r, cy - r, cx - s * 0.6 + r, cy + r), outline=(200, 170, 70), width=int(s * 0.08))
        d.rectangle((cx - s * 0.4, cy - s * 0.05, cx + s * 0.6, cy + s * 0.05), fill=(200, 170, 70))
        for k in range(3):
            d.rectangle((cx + s * (0.25 + 0.12 * k), cy, cx + s * (0.3 + 0.12 * k), cy + s * 0.18), fill=(200, 170, 70))
    elif obj == "mug":
        mc = (200, 60, 50)
        d.rounded_rectangle((cx - s * 0.4, cy - s * 0.5, cx + s * 0.4, cy + s * 0.5), radius=s * 0.08, fill=mc)
        d.ellipse((cx + s * 0.28, cy - s * 0.3, cx + s * 0.72, cy + s * 0.2), outline=mc, width=int(s * 0.1))
        d.ellipse((cx - s * 0.4, cy - s * 0.6, cx + s * 0.4, cy - s * 0.4), fill=(70, 40, 25))
        for k in (-1, 0, 1):
            d.arc((cx + k * s * 0.15 - s * 0.08, cy - s * 1.0, cx + k * s * 0.15 + s * 0.08, cy - s * 0.65), 90, 270, fill=(235, 235, 235), width=max(1, int(s * 0.03)))
    elif obj == "photo":
        d.rectangle((cx - s * 0.7, cy - s * 0.55, cx + s * 0.7, cy + s * 0.55), fill=(248, 248, 244))
        d.rectangle((cx - s * 0.6, cy - s * 0.45, cx + s * 0.6, cy + s * 0.3), fill=(150, 180, 210))
        for k, look in enumerate(spec.characters[:3] or [character_look("?")]):
            px = cx - s * 0.3 + k * s * 0.3
            d.ellipse((px - s * 0.08, cy - s * 0.25, px + s * 0.08, cy - s * 0.09), fill=(230, 200, 170))
            d.rectangle((px - s * 0.12, cy - s * 0.08, px + s * 0.12, cy + s * 0.3), fill=look.colour)
    elif obj == "book":
        d.polygon([(cx - s * 0.8, cy - s * 0.4), (cx, cy - s * 0.3), (cx + s * 0.8, cy - s * 0.4), (cx + s * 0.8, cy + s * 0.45), (cx, cy + s * 0.55), (cx - s * 0.8, cy + s * 0.45)],
                  fill=(245, 238, 220), outline=(110, 60, 40), width=int(s * 0.04))
        d.line((cx, cy - s * 0.3, cx, cy + s * 0.55), fill=(150, 130, 110), width=max(1, int(s * 0.02)))
        for k in range(5):
            yy = cy - s * 0.2 + k * s * 0.13
            d.line((cx - s * 0.68, yy, cx - s * 0.12, yy + s * 0.03), fill=(90, 90, 110), width=max(1, int(s * 0.015)))
            d.line((cx + s * 0.12, yy + s * 0.03, cx + s * 0.68, yy), fill=(90, 90, 110), width=max(1, int(s * 0.015)))
    else:  # clock
        r = s * 0.6
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(250, 248, 240), outline=ink, width=int(s * 0.06))
        for k in range(12):
            a = k / 12 * 2 * math.pi
            d.line((cx + math.sin(a) * r * 0.8, cy - math.cos(a) * r * 0.8, cx + math.sin(a) * r * 0.9, cy - math.cos(a) * r * 0.9), fill=ink, width=max(1, int(s * 0.02)))
        mins = 0.1 if spec.moment == "start" else 0.25
        for length, frac, wdt in ((0.5, 0.83, 0.05), (0.75, mins, 0.03)):
            a = frac * 2 * math.pi
            d.line((cx, cy, cx + math.sin(a) * r * length, cy - math.cos(a) * r * length), fill=ink, width=max(1, int(s * wdt)))


# --------------------------------------------------------------------------
# Overlays (final resolution)


def _chip(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, font, *, fill, text_fill, anchor: str = "la",
          swatch: RGB | None = None, outline=None, keep_inside: float | None = None,
          measure_only: bool = False) -> tuple[float, float, float, float]:
    """A small rounded label box; returns its bounding box (``measure_only``: don't draw)."""
    pad_x, pad_y = font.size * 0.4, font.size * 0.22
    tw = text_width(font, text)
    sw = font.size * 0.75 if swatch else 0.0
    bw, bh = tw + 2 * pad_x + (sw + pad_x * 0.6 if swatch else 0), font.size * 1.18 + 2 * pad_y
    x, y = xy
    if anchor[0] == "m":
        x -= bw / 2
    elif anchor[0] == "r":
        x -= bw
    if anchor[1] == "b":
        y -= bh
    if keep_inside is not None:  # keep the chip inside a frame this wide
        x = max(2.0, min(keep_inside - bw - 2.0, x))
    box = (x, y, x + bw, y + bh)
    if measure_only:
        return box
    draw.rounded_rectangle(box, radius=bh * 0.3, fill=fill, outline=outline, width=1 if outline else 0)
    tx = x + pad_x
    if swatch:
        draw.rectangle((tx, y + (bh - sw) / 2, tx + sw, y + (bh + sw) / 2), fill=swatch, outline=(255, 255, 255))
        tx += sw + pad_x * 0.6
    draw.text((tx, y + pad_y + font.size * 0.05), text, font=font, fill=text_fill)
    return box


def _overlaps(a: Sequence[float], b: Sequence[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _slugline(spec: FrameSpec) -> str:
    parts = []
    if spec.int_ext:
        parts.append(spec.int_ext + ".")
    if spec.location:
        parts.append(spec.location.upper())
    line = " ".join(parts)
    if spec.time_of_day:
        line = f"{line} - {spec.time_of_day.upper()}" if line else spec.time_of_day.upper()
    return line


@dataclass(frozen=True)
class _Metrics:
    small: int
    caption: int
    band_h: int
    max_lines: int
    margin: int


def _metrics(w: int, h: int) -> _Metrics:
    """Font sizes and caption band height; depend only on frame size so every
    panel of a film has the same layout whatever its caption says."""
    base = min(w, h)
    small = max(10, round(base * 0.036))
    cap = max(9, round(base * 0.05))
    max_lines = 2 if h < 420 else 3
    lh = line_height(get_font(cap))
    pad = max(4, round(cap * 0.45))
    return _Metrics(small, cap, max_lines * lh + 2 * pad, max_lines, max(3, round(base * 0.02)))


def caption_band_height(width: int, height: int) -> int:
    """Pixels of the caption band at the bottom of a panel of this size (the same for every panel)."""
    return _metrics(width, height).band_h


def _draw_caption(img: Image.Image, spec: FrameSpec, m: _Metrics) -> None:
    if not spec.caption.strip():
        return
    W, H = img.size
    band = Image.new("RGBA", (W, m.band_h), (8, 8, 12, 178))
    img.paste(band, (0, H - m.band_h), band)
    draw = ImageDraw.Draw(img)
    draw.line((0, H - m.band_h, W, H - m.band_h), fill=(255, 255, 255), width=1)
    font = get_font(m.caption)
    bold = get_font(m.caption, bold=True)
    speaker, text = _speaker(spec.caption)
    runs: list[Run] = []
    if speaker:
        look = next((c for c in spec.characters if _norm_name(c.name) == speaker), character_look(speaker))
        name_col = _mix(look.colour, (255, 255, 255), 0.45)
        runs.append(Run(speaker + ":", bold, name_col))
        runs.append(Run(f"\u201c{text}\u201d" if text else "", font, (245, 245, 245)))
    else:
        runs.append(Run(text, font, (240, 240, 240)))
    pad_x = max(6, round(m.caption * 0.6))
    lh = line_height(font)
    lines = wrap_runs(runs, W - 2 * pad_x, m.max_lines)
    used = len(lines) * lh
    y0 = H - m.band_h + (m.band_h - used) / 2
    draw_lines(draw, lines, (pad_x, y0), lh)


def _draw_labels(img: Image.Image, figs: list[_Figure], spec: FrameSpec, m: _Metrics, pic_h: float) -> None:
    """Name chips (speaker highlighted) and status tags next to each figure."""
    draw = ImageDraw.Draw(img)
    font = get_font(m.small, bold=True)
    tag_font = get_font(max(7, round(m.small * 0.9)))
    tags = {_norm_name(k): [t for t in v if t.strip()] for k, v in spec.tags.items()}
    chip_h = m.small * 1.18 + 2 * m.small * 0.22
    W = img.width
    top_limit = _header_plan(spec, m, img.width).bottom + m.margin  # below the title / slugline
    placed: list[tuple[float, float, float, float]] = []
    for fig in figs:
        if not fig.look.name:
            continue
        hx0, hy0, hx1, hy1 = (v / _SS for v in fig.head_box)
        cx = fig.cx / _SS
        ntags = 1 if tags.get(_norm_name(fig.look.name)) else 0
        needed = chip_h * (1 + ntags) + m.margin
        if hy0 - needed > top_limit:
            y = hy0 - needed
        else:  # head near the top: label the chest instead
            y = min(hy1 + m.margin * 2, pic_h - needed)
            y = max(top_limit, y)
        if fig.back:
            cx = max(cx, W * 0.12)
            y = max(top_limit, min(pic_h - needed, y))
        name = fig.look.name
        ftags = tags.get(_norm_name(fig.look.name))
        # crowded frames: move a label up (or down) until it no longer overlaps another
        for attempt in range(6):
            box = _chip(draw, (cx, y), name, font, fill=None, text_fill=None, anchor="ma", swatch=fig.look.colour,
                        keep_inside=W, measure_only=True)
            group = (box[0], box[1], box[2], box[1] + needed - m.margin)
            if not any(_overlaps(group, other) for other in placed):
                break
            step = needed - m.margin + 2
            y = y - step if (attempt % 2 == 0 and y - step >= top_limit) else y + step
        placed.append((box[0], box[1], box[2], box[1] + needed - m.margin))
        if fig.speaking:
            lum = _luma(fig.look.colour)
            fill, tfill = fig.look.colour, ((0, 0, 0) if lum > 140 else (255, 255, 255))
            box = _chip(draw, (cx, y), name, font, fill=fill, text_fill=tfill, anchor="ma", outline=(255, 255, 255), keep_inside=W)
        else:
            box = _chip(draw, (cx, y), name, font, fill=(15, 15, 20, 210), text_fill=(255, 255, 255), anchor="ma", swatch=fig.look.colour, keep_inside=W)
        if ftags:
            text = fit_text("! " + ", ".join(ftags), tag_font, W * 0.4)
            _chip(draw, (cx, box[3] + 1), text, tag_font, fill=(255, 214, 64), text_fill=(20, 20, 20), anchor="ma", keep_inside=W)
    # tags for characters not in this framing are not drawn: they are not visible


def _fit_slug(spec: FrameSpec, font, room: float) -> str:
    """Slugline fitted to ``room``: the location is shortened first, so
    INT/EXT and the time of day (what a panel must show) survive."""
    full = _slugline(spec)
    if text_width(font, full) <= room or not spec.location:
        return fit_text(full, font, room)
    prefix = (spec.int_ext + ". ") if spec.int_ext else ""
    suffix = f" - {spec.time_of_day.upper()}" if spec.time_of_day else ""
    loc_room = room - text_width(font, prefix + suffix)
    if loc_room < font.size * 2:
        return fit_text(full, font, room)
    return prefix + fit_text(spec.location.upper(), font, loc_room) + suffix


@dataclass(frozen=True)
class _Header:
    left: str
    slug: str
    slug_row: int  # 0: same row as the title chip, 1: on a second row
    bottom: float  # y below which the frame is free of header chips


def _header_plan(spec: FrameSpec, m: _Metrics, width: int) -> _Header:
    """Title chip top-left, slugline top-right (or on a second row when narrow)."""
    font = get_font(m.small, bold=True)
    small = get_font(m.small)
    left = f"{spec.title}  {_SHOT_ABBREV[spec.shot_type]}" if spec.title else _SHOT_ABBREV[spec.shot_type]
    left = fit_text(f"{left}  {'A' if spec.moment == 'start' else 'B'}", font, width * 0.6)
    chip_h = m.small * 1.62
    pad = m.small * 0.8
    left_w = text_width(font, left) + pad
    slug_full = _slugline(spec)
    if not slug_full:
        return _Header(left, "", 0, m.margin + chip_h)
    room_same = width - left_w - 3 * m.margin - m.small
    if text_width(small, slug_full) <= room_same:
        return _Header(left, slug_full, 0, m.margin + chip_h)
    room_second = width - 2 * m.margin - pad
    if width >= 1.2 * m.small * 40 and room_same > room_second * 0.55:
        return _Header(left, _fit_slug(spec, small, room_same), 0, m.margin + chip_h)
    slug = _fit_slug(spec, small, room_second)
    return _Header(left, slug, 1, m.margin + 2 * chip_h + 2)


def _draw_header(img: Image.Image, spec: FrameSpec, m: _Metrics) -> None:
    draw = ImageDraw.Draw(img)
    plan = _header_plan(spec, m, img.width)
    font = get_font(m.small, bold=True)
    small = get_font(m.small)
    lbox = _chip(draw, (m.margin, m.margin), plan.left, font, fill=(0, 0, 0, 170), text_fill=(255, 255, 255))
    if plan.slug:
        y = m.margin if plan.slug_row == 0 else lbox[3] + 2
        x, anchor = (img.width - m.margin, "ra") if plan.slug_row == 0 else (m.margin, "la")
        _chip(draw, (x, y), plan.slug, small, fill=(0, 0, 0, 150), text_fill=(235, 235, 235), anchor=anchor)


# --------------------------------------------------------------------------
# Public API


def render_frame(spec: FrameSpec) -> Image.Image:
    """Draw the storyboard panel for ``spec`` as an RGB image of spec.width x spec.height.

    Deterministic: the same spec always yields identical pixels.
    """
    W, H = spec.width, spec.height
    m = _metrics(W, H)
    pic_h = H - m.band_h
    cv = _Canvas(W * _SS, H * _SS, pic_h * _SS, (_header_plan(spec, m, W).bottom + 2) * _SS)
    light = _LIGHTS[normalize_time_of_day(spec.time_of_day)]

    scene = _draw_backdrop(cv, spec)
    zoom, blur = _LENS[spec.shot_type]
    if zoom > 1.0:  # tighter shots see less backdrop, out of focus
        cw, ch = cv.w / zoom, cv.h / zoom
        x0 = (cv.w - cw) / 2
        y0 = (cv.pic_h * 0.5) - ch * 0.5
        y0 = max(0.0, min(cv.h - ch, y0))
        scene = scene.resize((cv.w, cv.h), Image.Resampling.BILINEAR, box=(x0, y0, x0 + cw, y0 + ch))
        if blur > 0:  # blur at quarter size: the backdrop is out of focus anyway
            small = scene.reduce(4).filter(ImageFilter.GaussianBlur(blur * cv.h / 4))
            scene = small.resize((cv.w, cv.h), Image.Resampling.BICUBIC)

    if spec.int_ext == "INT/EXT" and spec.shot_type != "insert":
        # the opening we look through is near the camera: drawn after the lens, in focus
        _draw_int_ext_frame(scene, cv, light, spec.location)

    figs = _layout(spec, cv)
    if spec.shot_type == "insert":
        _draw_insert(scene, cv, spec, light)
    if spec.shot_type in ("establishing", "wide"):
        shadow = Image.new("L", scene.size, 0)
        sd = ImageDraw.Draw(shadow)
        for f in figs:
            feet = f.top + f.height
            r = f.height * 0.22
            sd.ellipse((f.cx - r, feet - r * 0.18, f.cx + r, feet + r * 0.18), fill=110)
        scene.paste((0, 0, 0), (0, 0), shadow.filter(ImageFilter.GaussianBlur(_SS * 2)))
    # back-facing (foreground) figures last so they overlap the others
    for f in sorted(figs, key=lambda f: (f.back, f.height)):
        layer = _draw_figure(f, scene.size)
        _composite_figure(scene, layer, outline_px=_SS * (1 if f.height < cv.pic_h else 2))

    img = scene.resize((W, H), Image.Resampling.LANCZOS, reducing_gap=None)
    img = img.convert("RGBA")
    _draw_labels(img, figs, spec, m, pic_h)
    _draw_header(img, spec, m)
    _draw_caption(img, spec, m)
    return img.convert("RGB")


def contact_sheet(
    images: list[Image.Image],
    labels: list[str],
    columns: int = 6,
    thumb_width: int = 240,
) -> Image.Image:
    """Grid of thumbnails (``thumb_width`` wide, aspect kept) with a label under each.

    Size: ``columns' = min(columns, len(images))``; width =
    ``columns' * thumb_width + (columns' + 1) * margin``; each row is as tall
    as the tallest thumbnail plus a two-line label area.
    """
    if not images:
        raise ValueError("contact_sheet needs at least one image")
    if len(labels) != len(images):
        raise ValueError(f"got {len(images)} images but {len(labels)} labels")
    if columns < 1 or thumb_width < 16:
        raise ValueError("columns must be >= 1 and thumb_width >= 16")
    cols = min(columns, len(images))
    rows = math.ceil(len(images) / cols)
    margin = max(4, thumb_width // 30)
    thumbs = []
    for im in images:
        th = max(1, round(im.height * thumb_width / im.width))
        thumbs.append(im.convert("RGB").resize((thumb_width, th), Image.Resampling.LANCZOS))
    cell_h = max(t.height for t in thumbs)
    font = get_font(max(9, round(thumb_width * 0.055)))
    lh = line_height(font)
    label_h = 2 * lh + margin // 2
    W = cols * thumb_width + (cols + 1) * margin
    H = rows * (cell_h + label_h) + (rows + 1) * margin
    sheet = Image.new("RGB", (W, H), (30, 30, 34))
    draw = ImageDraw.Draw(sheet)
    for i, (t, label) in enumerate(zip(thumbs, labels)):
        r, c = divmod(i, cols)
        x = margin + c * (thumb_width + margin)
        y = margin + r * (cell_h + label_h + margin)
        sheet.paste(t, (x, y + (cell_h - t.height) // 2))
        draw.rectangle((x - 1, y + (cell_h - t.height) // 2 - 1, x + thumb_width, y + (cell_h + t.height) // 2), outline=(70, 70, 78))
        lines = wrap_runs([Run(label or "", font, (225, 225, 230))], thumb_width, 2)
        draw_lines(draw, lines, (x, y + cell_h + margin // 3), lh, align_width=thumb_width)
    return sheet


def save_image(image: Image.Image, path: str | Path) -> Path:
    """Write ``image`` atomically (temp file in the same folder, then rename)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_sibling(out)
    try:
        fmt = (out.suffix.lstrip(".") or "png").upper()
        image.save(tmp, format={"JPG": "JPEG"}.get(fmt, fmt))
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out
