"""Independent measurements for the sound tests: nothing here comes from aiuteur.sound.

Loudness by pyloudnorm (ITU-R BS.1770), true peak by 4x oversampling (scipy), pitch by a plain
autocorrelation tracker — so a bug in aiuteur's own meter or synthesis cannot pass its own check.
"""
from __future__ import annotations

import numpy as np


def integrated_lufs(x: np.ndarray, rate: int = 48000) -> float:
    import pyloudnorm

    return float(pyloudnorm.Meter(rate).integrated_loudness(x))


def true_peak_dbtp(x: np.ndarray) -> float:
    from scipy.signal import resample_poly

    over = resample_poly(x, 4, 1, axis=0)
    return float(20 * np.log10(max(np.max(np.abs(over)), np.max(np.abs(x)), 1e-12)))


def rms_db(x: np.ndarray) -> float:
    return float(20 * np.log10(max(np.sqrt(np.mean(np.square(x))) if x.size else 0.0, 1e-12)))


def median_pitch(x: np.ndarray, rate: int) -> float:
    """Median fundamental (Hz) over voiced 40 ms frames, by normalised autocorrelation (60..500 Hz)."""
    mono = x.mean(axis=1) if x.ndim == 2 else x
    frame, hop = int(0.04 * rate), int(0.02 * rate)
    low, high = int(rate / 500), int(rate / 60)
    found = []
    for start in range(0, len(mono) - frame, hop):
        chunk = mono[start:start + frame] - mono[start:start + frame].mean()
        energy = float(np.dot(chunk, chunk))
        if energy < 1e-6 * frame:
            continue
        corr = np.correlate(chunk, chunk, mode="full")[frame - 1:]
        lag = low + int(np.argmax(corr[low:high]))
        if corr[lag] / energy > 0.5:
            found.append(rate / lag)
    return float(np.median(found)) if found else 0.0
