"""The film's stems and mix, on one sample clock that starts at the film's first frame.

Stems: *dialogue* (every line at its place in its shot), *effects* (scene ambience beds and spot
effects), *music* (scene temp score, ducked under dialogue), and *video* when the video model's
own sound is used. The mix is their sum, brought to the loudness target with one gain and, where
a peak would pass the ceiling, one limiter envelope — both applied to every stem, so the stems
delivered still add up to the mix an editor hears.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aiuteur.sound import effects as effects_synth
from aiuteur.sound.audio import RATE, db_to_gain, loop, read_wav, stereo
from aiuteur.sound.loudness import TRUE_PEAK_MARGIN_DB, Measurement, limiter_gain, measure

DIALOGUE_DUCK_PRE = 0.15  # music starts to dip this long before a line
DIALOGUE_DUCK_POST = 0.35  # and comes back this long after it
_DUCK_BLOCK = 480  # 10 ms


@dataclass(frozen=True)
class PlacedLine:
    path: Path
    start: int  # sample on the film's clock


@dataclass(frozen=True)
class PlacedBed:
    path: Path
    start: int
    samples: int
    fade_in: float
    fade_out: float


@dataclass(frozen=True)
class PlacedEffect:
    name: str
    seed: int
    start: int


@dataclass(frozen=True)
class Normalised:
    stems: dict[str, np.ndarray]
    mix: np.ndarray
    before: Measurement
    after: Measurement
    gain_db: float
    limited_db: float


def dialogue_stem(samples: int, lines: list[PlacedLine]) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """The dialogue stem and where each line sounds (start, end samples), in the order given."""
    stem = np.zeros((samples, 2), dtype=np.float32)
    spans = []
    for line in lines:
        take, _ = read_wav(line.path)
        take = stereo(take)
        _add(stem, line.start, take)
        spans.append((line.start, min(samples, line.start + len(take))))
    return stem, spans


def bed_stem(samples: int, beds: list[PlacedBed]) -> np.ndarray:
    stem = np.zeros((samples, 2), dtype=np.float32)
    loops: dict[Path, np.ndarray] = {}
    for bed in beds:
        if bed.path not in loops:  # a place or a cue heard in several scenes is read once
            loops[bed.path] = stereo(read_wav(bed.path)[0]).astype(np.float32)
        # the loop runs on the film's clock: a place heard in two scenes in a row carries straight on
        sound = loop(loops[bed.path], min(bed.samples, samples - bed.start), bed.start)
        _fade_edges(sound, bed.fade_in, bed.fade_out)
        _add(stem, bed.start, sound)
    return stem


def _fade_edges(x: np.ndarray, seconds_in: float, seconds_out: float) -> None:
    """Raised-cosine fades on `x`'s ends, in place (only the edges are touched)."""
    for seconds, head in ((seconds_in, True), (seconds_out, False)):
        n = min(len(x), round(seconds * RATE))
        if n <= 0:
            continue
        ramp = (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, n))).astype(np.float32)[:, None]
        if head:
            x[:n] *= ramp
        else:
            x[-n:] *= ramp[::-1]


def add_effects(stem: np.ndarray, placed: list[PlacedEffect]) -> None:
    for effect in placed:
        _add(stem, effect.start, effects_synth.make(effect.name, effect.seed))


def duck(music: np.ndarray, spans: list[tuple[int, int]], depth_db: float) -> np.ndarray:
    """`music` dipped by `depth_db` wherever a line sounds, with smooth ramps either side."""
    if not spans or depth_db <= 0:
        return music
    blocks = int(np.ceil(len(music) / _DUCK_BLOCK)) + 1
    active = np.zeros(blocks)
    for start, end in spans:
        a = max(0, int((start - DIALOGUE_DUCK_PRE * RATE) // _DUCK_BLOCK))
        b = min(blocks, int((end + DIALOGUE_DUCK_POST * RATE) // _DUCK_BLOCK) + 1)
        active[a:b] = 1.0
    ramp = np.ones(int(0.2 * RATE / _DUCK_BLOCK)) / int(0.2 * RATE / _DUCK_BLOCK)
    smooth = np.clip(np.convolve(active, ramp, mode="same") * 1.0, 0.0, 1.0)
    smooth = np.maximum(smooth, active)  # fully down while a line sounds
    gain_blocks = 1.0 - (1.0 - db_to_gain(-depth_db)) * smooth
    gain = np.interp(np.arange(len(music)), (np.arange(blocks) + 0.5) * _DUCK_BLOCK, gain_blocks)
    return (music * gain[:, None]).astype(np.float32)


def normalise(stems: dict[str, np.ndarray], target_lufs: float, ceiling_dbtp: float) -> Normalised:
    """Every stem scaled alike so their sum meets `target_lufs` with true peaks under `ceiling_dbtp`.

    Without limiting, loudness is linear in gain, so one measurement suffices; when the limiter
    acts it takes a little loudness, which the next round gives back (at most three rounds)."""
    mix = _sum(stems)
    before = measure(mix)
    if before.integrated_lufs <= -70.0:  # nothing to hear: leave it silent rather than amplify noise
        return Normalised(stems, mix, before, before, 0.0, 0.0)
    gain_db = target_lufs - before.integrated_lufs
    sample_peak_db = 20 * np.log10(max(float(np.max(np.abs(mix))), 1e-12))
    margin = max(TRUE_PEAK_MARGIN_DB, before.true_peak_dbtp - sample_peak_db + 0.3)  # this mix's own overshoot
    limited_db = 0.0
    scaled, after = stems, before
    for _ in range(3):
        scaled = {name: stem * np.float32(db_to_gain(gain_db)) for name, stem in stems.items()}
        mix = _sum(scaled)
        envelope, reduction = limiter_gain(mix, ceiling_dbtp, margin)
        if envelope is None:
            after = Measurement(round(before.integrated_lufs + gain_db, 2), round(before.true_peak_dbtp + gain_db, 2))
            break
        scaled = {name: (stem * envelope[:, None]).astype(np.float32) for name, stem in scaled.items()}
        mix = _sum(scaled)
        limited_db = min(limited_db, reduction)
        after = measure(mix)
        if abs(after.integrated_lufs - target_lufs) <= 0.3:
            break
        gain_db += target_lufs - after.integrated_lufs
    return Normalised(scaled, mix, before, after, round(gain_db, 2), round(limited_db, 2))


def _sum(stems: dict[str, np.ndarray]) -> np.ndarray:
    values = list(stems.values())
    total = np.zeros_like(values[0])
    for stem in values:
        total += stem
    return total


def _add(target: np.ndarray, start: int, clip: np.ndarray) -> None:
    if start < 0:
        clip, start = clip[-start:], 0
    end = min(len(target), start + len(clip))
    if end > start:
        target[start:end] += clip[: end - start]  # numpy casts in place: no float32 copy of the clip
