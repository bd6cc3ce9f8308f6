"""A temp score per scene, synthesised offline from the film's tone and the scene's mood.

Temp music in an animatic sets pace and feeling so a cut can be judged; it is replaced later.
So the generator is simple and predictable: a mood picks a mode, a tempo and a chord progression;
the film's key comes from its title (every scene of one film in one key); chords are soft
detuned pads with an octave bass, and a plucked arpeggio or a low pulse marks the tempo.
"""
from __future__ import annotations

import hashlib
import re

import numpy as np

from aiuteur.sound.audio import RATE, db_to_gain

#: mood -> (mode, beats per minute, chord roots as scale degrees (0-based), figure)
MOODS: dict[str, tuple[str, int, tuple[int, ...], str]] = {
    "hopeful": ("major", 72, (0, 4, 5, 3), "arpeggio"),
    "tender": ("major", 60, (0, 5, 3, 4), "arpeggio"),
    "bright": ("major", 84, (0, 3, 4, 0), "arpeggio"),
    "melancholy": ("minor", 60, (0, 5, 2, 6), "none"),
    "tense": ("minor", 96, (0, 0, 5, 4), "pulse"),
}
_TONE_WORDS: dict[str, tuple[str, ...]] = {
    "tense": ("storm", "threat", "threatens", "danger", "chaos", "fear", "dark", "thriller", "suspense", "horror",
              "tense", "grim", "menace", "chase", "fight"),
    "melancholy": ("grief", "drowned", "loss", "sad", "melancholy", "bittersweet", "mourning", "alone", "tragic",
                   "funeral", "tears"),
    "bright": ("dawn", "morning", "first light", "sunrise", "celebration", "joy", "comedy", "wedding"),
    "tender": ("tender", "quiet", "gentle", "romance", "romantic", "love", "side by side"),
}
SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}
LEVEL_DB = -30.0  # the bed's RMS before the mix sets the film's loudness
#: the rate the score is synthesised at before it is brought to 48 kHz: pads and plucks have
#: nothing above 2 kHz, and a quarter of the samples is a quarter of the work
SYNTH_RATE = 12000


def mood_for(tone: str, heading: str, action: str) -> str:
    """The scene's mood: its own words first (a storm is tense whatever the film's tone), then the film's tone."""
    scene_text = f"{heading} {action}".lower()
    for mood, words in _TONE_WORDS.items():
        if any(re.search(rf"\b{re.escape(w)}\b", scene_text) for w in words):
            return mood
    tone_text = tone.lower()
    for mood, words in _TONE_WORDS.items():
        if any(w in tone_text for w in words):
            return mood
    return "hopeful"


def key_of(title: str) -> int:
    """The film's key as a MIDI note of its tonic (C3..B3), from its title."""
    return 48 + int(hashlib.sha256(title.encode()).hexdigest(), 16) % 12


def bed(mood: str, tonic: int, seed: int) -> np.ndarray:
    """One seamless loop of the mood's music (stereo float32, 48 kHz): its progression once round,
    the notes still ringing at the end wrapped onto the start, so the mix can repeat it over a
    scene of any length. `seed` picks where in the progression the loop starts."""
    mode, bpm, roots, figure = MOODS[mood]
    scale = SCALES[mode]
    beat = 60.0 / bpm
    chord_seconds = 8 * beat  # two bars of four
    n = round(len(roots) * chord_seconds * SYNTH_RATE)
    tail = round(2.0 * SYNTH_RATE)
    out = np.zeros((n + tail, 2))
    offset = int(np.random.default_rng(seed).integers(0, len(roots)))
    for i in range(len(roots)):
        degree = roots[(i + offset) % len(roots)]
        notes = [tonic + scale[(degree + step) % 7] + 12 * ((degree + step) // 7) for step in (0, 2, 4)]
        start = round(i * chord_seconds * SYNTH_RATE)
        _add(out, start, _pad(notes, chord_seconds + 1.5))
        _add(out, start, _pad([notes[0] - 12], chord_seconds + 1.5, bright=0.15) * 0.8)
        if figure == "arpeggio":
            order = [notes[0] + 12, notes[1] + 12, notes[2] + 12, notes[1] + 12]
            for k in range(16):  # eighth notes over two bars
                _add(out, start + round(k * beat / 2 * SYNTH_RATE), _pluck(order[k % 4], 0.9) * 0.22)
        elif figure == "pulse":
            for k in range(8):
                _add(out, start + round(k * beat * SYNTH_RATE), _pluck(notes[0] - 12, 0.5) * 0.45)
    out[:tail] += out[n:]  # what rings past the end is heard at the start of the next time round
    out = out[:n]
    rms = float(np.sqrt(np.mean(np.square(out)))) or 1.0
    samples = round(n * RATE / SYNTH_RATE)
    return (_to_rate(out, samples) / rms * db_to_gain(LEVEL_DB)).astype(np.float32)


def _to_rate(x: np.ndarray, samples: int) -> np.ndarray:
    """`x` (at SYNTH_RATE) brought to 48 kHz by linear interpolation, `samples` long."""
    where = np.arange(samples) * (SYNTH_RATE / RATE)
    closed = np.concatenate([x, x[:1]])  # the loop's last sample leads back to its first
    source = np.arange(len(closed))
    return np.stack([np.interp(where, source, closed[:, c]) for c in range(x.shape[1])], axis=1)


def _hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


def _pad(notes: list[int], seconds: float, bright: float = 0.3) -> np.ndarray:
    """Soft chord: each note two slightly detuned oscillators (one per side) with a weak third
    harmonic; slow attack and release so chords overlap into each other."""
    t = np.arange(round(seconds * SYNTH_RATE)) / SYNTH_RATE
    left = np.zeros_like(t)
    right = np.zeros_like(t)
    for note in notes:
        f = _hz(note)
        for side, cents in ((left, -4.0), (right, 4.0)):
            w = 2 * np.pi * f * 2 ** (cents / 1200) * t
            side += np.sin(w) + bright * np.sin(3 * w) / 3
    attack = np.minimum(1.0, t / 0.9)
    release = np.clip((t[-1] - t) / 1.5, 0.0, 1.0)
    envelope = (attack * release)[:, None]
    return np.stack([left, right], axis=1) * envelope / max(1, len(notes))


def _pluck(note: int, seconds: float) -> np.ndarray:
    t = np.arange(round(seconds * SYNTH_RATE)) / SYNTH_RATE
    w = 2 * np.pi * _hz(note) * t
    tone = (np.sin(w) + 0.4 * np.sin(2 * w) * np.exp(-t * 6)) * np.exp(-t * 5) * np.minimum(1.0, t / 0.005)
    return np.stack([tone, tone * 0.85], axis=1)


def _add(out: np.ndarray, start: int, sound: np.ndarray) -> None:
    end = min(len(out), start + len(sound))
    if end > start:
        out[start:end] += sound[: end - start]
