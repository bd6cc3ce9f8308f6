"""Ambience beds synthesised offline: room tone, sea, wind, rain, traffic — chosen from a scene's
heading and action.

Each layer is coloured noise shaped in the frequency domain and moved by slow envelopes (waves
that swell and recede, gusts, passing cars), seeded from the scene so a bed is the same on every
run. A temp bed for an animatic only needs to say *where we are*: an interior by the sea hears
the sea through the walls (low-passed, quieter), an exterior hears it in full.
"""
from __future__ import annotations

import re

import numpy as np

from aiuteur.screenplay.headings import split_int_ext
from aiuteur.sound.audio import RATE, db_to_gain

#: layer -> words in a heading or action that call for it
LAYER_WORDS: dict[str, tuple[str, ...]] = {
    "sea": ("sea", "ocean", "harbor", "harbour", "port", "beach", "shore", "waves", "wave", "dock", "pier", "coast",
            "boat", "lighthouse", "bay", "quay", "tide"),
    "wind": ("wind", "storm", "gale", "gust", "gusts", "cliff", "moor", "blizzard", "hurricane", "windy"),
    "rain": ("rain", "storm", "downpour", "drizzle", "raining", "rainy"),
    "traffic": ("street", "road", "city", "traffic", "car", "cars", "avenue", "highway", "downtown", "market",
                "square", "intersection", "bus"),
}
LAYERS: tuple[str, ...] = ("room", "sea", "wind", "rain", "traffic", "air")
#: each layer's level (dBFS RMS) in a bed before the mix sets the film's loudness
LEVELS_DB: dict[str, float] = {"room": -50.0, "air": -48.0, "sea": -38.0, "wind": -41.0, "rain": -42.0, "traffic": -42.0}
INTERIOR_MUFFLE_DB = -10.0  # exterior layers heard through walls


def layers_for(heading: str, action: str) -> list[str]:
    """The layers a scene's bed has, from its heading (INT/EXT, location, time) and its action.

    Only an INT scene is heard from inside (room tone, the outside through the walls): an INT/EXT
    scene (INT./EXT., I/E, EXT/INT...) moves between the two and hears the outside in full. The
    prefix is read by the library's one INT/EXT rule (`aiuteur.screenplay.headings`)."""
    words = set(re.findall(r"[a-z]+", f"{heading} {action}".lower()))
    interior = split_int_ext(heading)[0] == "INT"
    found = [layer for layer, keys in LAYER_WORDS.items() if words & set(keys)]
    if interior:
        return ["room", *found]
    if not found:
        found = ["air"]
    if "night" in words and "wind" not in found:
        found.append("wind")
    return found


#: a bed is one seamless loop this long: its noise is made circularly (by FFT) and every envelope
#: (waves, gusts, passing cars) repeats a whole number of times in it, so the mix repeats it over
#: a scene of any length with no seam and no crossfade — and a 30-minute film costs what a
#: 16-second loop costs
LOOP_SECONDS = 16.0


def bed(layers: list[str], seed: int, *, interior: bool) -> np.ndarray:
    """One loop (stereo float32, 48 kHz, `LOOP_SECONDS` long) of the bed made of `layers`."""
    n = round(LOOP_SECONDS * RATE)
    rng = np.random.default_rng(seed)
    out = np.zeros((n, 2), dtype=np.float32)
    for layer in layers:
        muffled = interior and layer != "room"  # exterior sound heard through walls: the highs are gone
        sound = _LAYER_MAKERS[layer](n, _Colour(rng, muffled))
        out += _at_level(sound, LEVELS_DB[layer] + (INTERIOR_MUFFLE_DB if muffled else 0.0)).astype(np.float32)
    return out


# -- layers ---------------------------------------------------------------------------------------
class _Colour:
    """Makes a loop of stereo noise of a colour: a 1/f^tilt power slope, band-limited (and muffled
    indoors). Shaped in the frequency domain, so the loop's end runs straight into its start."""

    def __init__(self, rng: np.random.Generator, muffled: bool) -> None:
        self.rng = rng
        self.muffled = muffled

    def __call__(self, n: int, low: float | None, high: float | None, tilt: float) -> np.ndarray:
        if self.muffled:
            high = min(high or 900.0, 900.0)
        freqs = np.fft.rfftfreq(n, 1.0 / RATE)
        # white noise's spectrum is itself white complex noise: draw it directly, one FFT saved
        spectrum = self.rng.standard_normal((2, len(freqs))) + 1j * self.rng.standard_normal((2, len(freqs)))
        shape = 1.0 / np.maximum(freqs, 20.0) ** (tilt / 2.0)
        if high is not None:
            shape /= np.sqrt(1.0 + (freqs / high) ** 4)
        if low is not None:
            shape /= np.sqrt(1.0 + (low / np.maximum(freqs, 1e-6)) ** 4)
        return np.fft.irfft(spectrum * shape, n=n, axis=1).T


def _cycles(n: int, count: int) -> np.ndarray:
    """Phase 0..1 running `count` times round the loop."""
    return (np.arange(n) * (count / n)) % 1.0


def _slow(n: int, rng: np.random.Generator, cycles: tuple[int, ...]) -> np.ndarray:
    """A smooth 0..1 envelope from a few slow sines, each a whole number of cycles per loop."""
    env = np.zeros(n)
    for count in cycles:
        env += np.sin(2 * np.pi * (_cycles(n, count) + rng.uniform(0, 1)))
    return (env - env.min()) / max(env.max() - env.min(), 1e-9)


def _room(n: int, colour: _Colour) -> np.ndarray:
    tone = colour(n, 30.0, 400.0, 2.0)
    hiss = colour(n, 2000.0, 8000.0, 0.0)
    return _unit(tone) + 0.1 * _unit(hiss)


def _air(n: int, colour: _Colour) -> np.ndarray:
    return _unit(colour(n, 60.0, 3000.0, 1.0)) * (0.7 + 0.3 * _slow(n, colour.rng, (1, 2)))[:, None]


def _sea(n: int, colour: _Colour) -> np.ndarray:
    rng = colour.rng
    wash = _unit(colour(n, 80.0, 2500.0, 1.0))
    waves = int(rng.integers(2, 4))  # a wave every 8 or 5.3 seconds
    phase = (_cycles(n, waves) + rng.uniform(0, 1)) % 1.0
    swell = np.where(phase < 0.3, np.sin(np.pi * phase / 0.6) ** 2, np.exp(-(phase - 0.3) * 4.0))  # rise, recede
    envelope = 0.25 + 0.75 * swell
    left, right = envelope, np.roll(envelope, round(0.35 * RATE))  # waves reach each ear a moment apart
    return wash * np.stack([left, right], axis=1)


def _wind(n: int, colour: _Colour) -> np.ndarray:
    body = _unit(colour(n, 150.0, 1400.0, 1.0))
    whistle = _unit(colour(n, 550.0, 950.0, 0.0))
    gusts = 0.3 + 0.7 * _slow(n, colour.rng, (1, 2, 4))
    return (body + 0.35 * whistle * gusts[:, None] ** 2) * gusts[:, None]


def _rain(n: int, colour: _Colour) -> np.ndarray:
    hiss = _unit(colour(n, 1200.0, 10000.0, 0.0))
    flutter = np.abs(colour(n, None, 25.0, 0.0)[:, :1])
    flutter = 0.6 + 0.4 * flutter / max(float(flutter.max()), 1e-9)
    return hiss * flutter


def _traffic(n: int, colour: _Colour) -> np.ndarray:
    rng = colour.rng
    rumble = _unit(colour(n, 35.0, 300.0, 2.0))
    cars = _unit(colour(n, 100.0, 1200.0, 1.0))
    loop_seconds = n / RATE
    t = np.arange(n) / RATE
    passes = np.zeros((n, 2))
    for k in range(2):  # two cars a loop, on a circular clock so the loop has no seam
        centre = loop_seconds * (k + rng.uniform(0.2, 0.8)) / 2
        offset = (t - centre + loop_seconds / 2) % loop_seconds - loop_seconds / 2
        shape = np.exp(-0.5 * (offset / 1.2) ** 2)
        pan = np.clip(offset / 3.0 + 0.5, 0.0, 1.0)  # left to right as it passes
        passes += np.stack([shape * (1 - pan), shape * pan], axis=1)
    return rumble * 0.6 + cars * (0.15 + passes)


_LAYER_MAKERS = {"room": _room, "air": _air, "sea": _sea, "wind": _wind, "rain": _rain, "traffic": _traffic}


def _unit(x: np.ndarray) -> np.ndarray:
    rms = float(np.sqrt(np.mean(np.square(x)))) if x.size else 0.0
    return x / rms if rms > 0 else x


def _at_level(x: np.ndarray, level_db: float) -> np.ndarray:
    return _unit(x) * db_to_gain(level_db)
