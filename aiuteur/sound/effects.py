"""Spot effects named in a shot's action (or its sound note) that a small generator can make.

Only sounds a few lines of synthesis can make believably enough for an animatic are offered:
thunder, a door, a knock, footsteps, radio static, a splash, a bell, breaking glass. Anything
else named in the action is left to the ambience bed (or to a real effects library later).
"""
from __future__ import annotations

import re

import numpy as np

from aiuteur.models.sound import SpotEffect
from aiuteur.sound.audio import RATE, band, db_to_gain

#: effect -> words that call for it
EFFECT_WORDS: dict[str, tuple[str, ...]] = {
    "thunder": ("thunder", "lightning", "thunderclap"),
    "door": ("door", "doors", "slams", "slam"),
    "knock": ("knock", "knocks", "knocking"),
    "footsteps": ("footsteps", "steps", "walks", "walk", "paces", "runs", "enters", "crosses", "step"),
    "static": ("static", "crackle", "crackles", "transmission", "radio"),
    "splash": ("splash", "splashes", "dives", "plunges"),
    "bell": ("bell", "bells", "chime", "chimes"),
    "glass": ("glass", "shatters", "shatter", "smashes"),
}
EFFECTS: tuple[str, ...] = tuple(EFFECT_WORDS)
LEVEL_DB: dict[str, float] = {"thunder": -22.0, "door": -24.0, "knock": -26.0, "footsteps": -30.0, "static": -32.0,
                              "splash": -26.0, "bell": -30.0, "glass": -26.0}
MAX_PER_SHOT = 2


def effects_for(shot_id: str, text: str, seconds: float) -> list[SpotEffect]:
    """The spot effects a shot's action and sound note name, placed inside the shot."""
    words = set(re.findall(r"[a-z]+", text.lower()))
    found = [name for name, keys in EFFECT_WORDS.items() if words & set(keys)]
    return [SpotEffect(shot_id=shot_id, name=name, at=round(min(seconds * (0.2 + 0.3 * i), max(0.0, seconds - 0.5)), 2))
            for i, name in enumerate(found[:MAX_PER_SHOT])]


def make(name: str, seed: int) -> np.ndarray:
    """The effect `name` as stereo float32 at 48 kHz (a second or two)."""
    rng = np.random.default_rng(seed)
    sound = _MAKERS[name](rng)
    peak = float(np.max(np.abs(sound))) or 1.0
    rms = float(np.sqrt(np.mean(np.square(sound)))) or 1.0
    sound = sound / rms * db_to_gain(LEVEL_DB[name])
    if peak / rms * db_to_gain(LEVEL_DB[name]) > 0.5:  # keep transients sane before the mix
        sound *= 0.5 / (peak / rms * db_to_gain(LEVEL_DB[name]))
    return np.stack([sound, sound * 0.92], axis=1).astype(np.float32) if sound.ndim == 1 else sound.astype(np.float32)


def _t(seconds: float) -> np.ndarray:
    return np.arange(round(seconds * RATE)) / RATE


def _noise(rng: np.random.Generator, seconds: float, low: float | None, high: float | None) -> np.ndarray:
    return band(rng.standard_normal(round(seconds * RATE)), low, high, order=2)


def _thunder(rng: np.random.Generator) -> np.ndarray:
    t = _t(3.0)
    crack = _noise(rng, 3.0, 200.0, 4000.0) * np.exp(-t * 9.0)
    rumble = _noise(rng, 3.0, 25.0, 180.0) * (1 - np.exp(-t * 6.0)) * np.exp(-t * 1.1)
    return crack * 0.5 + rumble * 3.0


def _door(rng: np.random.Generator) -> np.ndarray:
    t = _t(0.9)
    thud = np.sin(2 * np.pi * 70 * t) * np.exp(-t * 12) + 0.3 * _noise(rng, 0.9, 80.0, 1500.0) * np.exp(-t * 25)
    latch = np.zeros_like(t)
    latch[: round(0.02 * RATE)] = _noise(rng, 0.02, 2000.0, 8000.0)
    return thud + 0.4 * latch


def _knock(rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(round(1.0 * RATE))
    for i, when in enumerate((0.0, 0.22, 0.44)):
        t = _t(0.12)
        hit = np.sin(2 * np.pi * (180 + 10 * i) * t) * np.exp(-t * 45) + 0.2 * _noise(rng, 0.12, 500.0, 3000.0) * np.exp(-t * 60)
        start = round(when * RATE)
        out[start:start + len(hit)] += hit
    return out


def _footsteps(rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(round(2.2 * RATE))
    when = 0.05
    while when < 2.0:
        t = _t(0.09)
        step = _noise(rng, 0.09, 150.0, 2500.0) * np.exp(-t * 50) * rng.uniform(0.7, 1.0)
        start = round(when * RATE)
        out[start:start + len(step)] += step
        when += rng.uniform(0.48, 0.58)
    return out


def _static(rng: np.random.Generator) -> np.ndarray:
    t = _t(1.2)
    hiss = _noise(rng, 1.2, 800.0, 5000.0)
    crackle = (rng.random(len(t)) < 0.004) * rng.standard_normal(len(t)) * 6.0
    envelope = np.minimum(1.0, t / 0.05) * np.minimum(1.0, (t[-1] - t) / 0.2)
    return (hiss + crackle) * envelope


def _splash(rng: np.random.Generator) -> np.ndarray:
    t = _t(1.4)
    return _noise(rng, 1.4, 300.0, 6000.0) * (1 - np.exp(-t * 40)) * np.exp(-t * 3.5)


def _bell(rng: np.random.Generator) -> np.ndarray:  # noqa: ARG001 - a bell is the same every time
    t = _t(2.5)
    partials = ((1.0, 1.0), (2.0, 0.6), (2.76, 0.4), (5.4, 0.25))
    return sum(a * np.sin(2 * np.pi * 440.0 * f * t) * np.exp(-t * (1.2 + f)) for f, a in partials)


def _glass(rng: np.random.Generator) -> np.ndarray:
    t = _t(1.0)
    shards = _noise(rng, 1.0, 2500.0, 12000.0) * np.exp(-t * 6)
    tinkles = sum(np.sin(2 * np.pi * rng.uniform(3000, 6000) * t) * np.exp(-np.maximum(t - d, 0) * 20) * (t > d)
                  for d in rng.uniform(0.05, 0.6, 6))
    return shards + 0.2 * tinkles


_MAKERS = {"thunder": _thunder, "door": _door, "knock": _knock, "footsteps": _footsteps, "static": _static,
           "splash": _splash, "bell": _bell, "glass": _glass}
