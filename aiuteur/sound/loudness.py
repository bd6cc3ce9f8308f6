"""Loudness: measure with ffmpeg's EBU R128 meter, bring stems to a target, limit true peaks.

Why one gain for every stem: stems must add up to the mix, so whatever is done to the mix is done
to each stem alike — a fixed gain to reach the target (EBU R128 -23 LUFS, or ATSC A/85 -24 LKFS),
and, only where a peak would pass the ceiling, the same gain envelope on all of them (a
look-ahead limiter computed on the mix). The meter is ffmpeg's `ebur128` filter with true-peak
(4x oversampled) measurement; the tests check the result with an independent meter (pyloudnorm).
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

import numpy as np

from aiuteur.render._ffmpeg import ffmpeg_exe, tail
from aiuteur.sound.audio import RATE, AudioError, db_to_gain

#: how far below the ceiling sample peaks are held: true peaks between samples (and AAC) run a little higher
TRUE_PEAK_MARGIN_DB = 0.7
_BLOCK = 240  # 5 ms at 48 kHz: the limiter's resolution


@dataclass(frozen=True)
class Measurement:
    integrated_lufs: float
    true_peak_dbtp: float


def measure(x: np.ndarray) -> Measurement:
    """Integrated loudness (LUFS) and true peak (dBTP) of 48 kHz stereo `x`, by ffmpeg's ebur128."""
    data = np.ascontiguousarray(x, dtype="<f4").tobytes()
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-f", "f32le", "-ar", str(RATE), "-ac", str(x.shape[1]),
           "-i", "pipe:0", "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-"]
    proc = subprocess.run(cmd, input=data, capture_output=True, check=False)
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise AudioError(f"ffmpeg could not measure loudness: {tail(err)}")
    summary = err[err.rfind("Summary:"):]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf)\s+LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf)\s+dBFS", summary)
    if integrated is None or peak is None:
        raise AudioError(f"ffmpeg's ebur128 summary could not be read: {tail(summary)}")

    def number(text: str) -> float:
        return -240.0 if text == "-inf" else float(text)

    return Measurement(number(integrated.group(1)), number(peak.group(1)))


def limiter_gain(x: np.ndarray, ceiling_db: float,
                 margin_db: float = TRUE_PEAK_MARGIN_DB) -> tuple[np.ndarray | None, float]:
    """A per-sample gain (<= 1) that keeps `x`'s sample peaks `margin_db` under `ceiling_db`,
    and the deepest reduction in dB; (None, 0.0) when no sample comes near the ceiling. Block peaks need their gain for the block and its neighbours
    (look-ahead and release), and the gain moves linearly between blocks: no clicks, no overshoot."""
    limit = db_to_gain(ceiling_db - margin_db)
    n = len(x)
    level = np.abs(x).max(axis=1) if x.ndim == 2 else np.abs(x)
    if float(level.max(initial=0.0)) <= limit:  # nothing near the ceiling: no envelope at all
        return None, 0.0
    blocks = int(np.ceil(n / _BLOCK))
    padded = np.zeros(blocks * _BLOCK, dtype=np.float32)
    padded[:n] = level
    peaks = padded.reshape(blocks, _BLOCK).max(axis=1)
    need = np.minimum(1.0, limit / np.maximum(peaks, 1e-12))
    spread = need.copy()
    for shift in (1, 2):  # 10 ms either side
        spread[shift:] = np.minimum(spread[shift:], need[:-shift])
        spread[:-shift] = np.minimum(spread[:-shift], need[shift:])
    centres = (np.arange(blocks) + 0.5) * _BLOCK
    gain = np.interp(np.arange(n), centres, spread).astype(np.float32)
    return gain, float(20 * np.log10(spread.min()))
