"""Audio as numpy arrays: float64, shape (samples, channels), 48 kHz — and the few conversions sound needs.

Why these choices: every stem and the mix share one rate, one channel layout and one sample
clock starting at the film's first frame, so stems add up to the mix by plain addition and an
editor lines them up with the picture without nudging. WAVs are written 24-bit (what a mix stage
expects); reading and resampling WAVs is done here in numpy, anything else (an engine's MP3) is
decoded by the ffmpeg that ships with imageio-ffmpeg.
"""
from __future__ import annotations

import io
import subprocess
import wave
from pathlib import Path

import numpy as np

from aiuteur.render._ffmpeg import ffmpeg_exe, tail
from aiuteur.render.errors import RenderError

RATE = 48000
CHANNELS = 2
BIT_DEPTH = 24
_FULL_24 = 8388607.0


class AudioError(RenderError):
    """Audio bytes could not be read, decoded or measured; the message names what and why."""


def silence(seconds: float, channels: int = CHANNELS) -> np.ndarray:
    return np.zeros((max(0, round(seconds * RATE)), channels))


def stereo(x: np.ndarray) -> np.ndarray:
    """(n,) or (n, 1) or (n, 2) -> (n, 2)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.shape[1] == 1:
        return np.repeat(x, 2, axis=1)
    return x[:, :2]


def db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def gain_to_db(gain: float) -> float:
    return float(20.0 * np.log10(max(gain, 1e-12)))


def rms_db(x: np.ndarray) -> float:
    """RMS level in dBFS over all samples and channels (-inf-safe: silence reads -240)."""
    if x.size == 0:
        return -240.0
    return gain_to_db(float(np.sqrt(np.mean(np.square(x)))))


# -- WAV ------------------------------------------------------------------------------------------
def wav_bytes(x: np.ndarray, rate: int = RATE) -> bytes:
    """24-bit PCM WAV of `x` (clipped to full scale)."""
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    if x.ndim == 1:
        x = x[:, None]
    scaled = np.rint(x * x.dtype.type(_FULL_24))  # stays float32 for float32 stems: half the memory and time
    np.clip(scaled, -_FULL_24 - 1, _FULL_24, out=scaled)
    packed = scaled.astype("<i4").reshape(-1).view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(x.shape[1])
        out.setsampwidth(3)
        out.setframerate(rate)
        out.writeframes(packed)
    return buffer.getvalue()


def write_wav(path: Path, x: np.ndarray, rate: int = RATE) -> Path:
    path = Path(path)
    path.write_bytes(wav_bytes(x, rate))
    return path


def read_wav(data: bytes | Path, *, start: float = 0.0, seconds: float | None = None) -> tuple[np.ndarray, int]:
    """(samples (n, channels) float64, rate) of a PCM WAV (8/16/24/32-bit integer); `start` and
    `seconds` read only that part (a file is then not read whole: a scene out of a film's mix)."""
    try:
        with wave.open(str(data) if isinstance(data, Path) else io.BytesIO(data), "rb") as src:
            channels, width, rate = src.getnchannels(), src.getsampwidth(), src.getframerate()
            first = min(src.getnframes(), max(0, round(start * rate)))
            src.setpos(first)
            count = src.getnframes() - first if seconds is None else max(0, round(seconds * rate))
            frames = src.readframes(count)
    except (wave.Error, EOFError, OSError) as exc:
        raise AudioError(f"not a readable PCM WAV ({data if isinstance(data, Path) else 'bytes'}): {exc}") from exc
    if width == 1:
        x = (np.frombuffer(frames, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    elif width == 2:
        x = np.frombuffer(frames, dtype="<i2").astype(np.float64) / 32768.0
    elif width == 3:
        wide = np.zeros((len(frames) // 3, 4), dtype=np.uint8)
        wide[:, 1:] = np.frombuffer(frames, dtype=np.uint8).reshape(-1, 3)  # each sample in the top 3 bytes
        x = (wide.view("<i4")[:, 0] >> 8).astype(np.float64) / (_FULL_24 + 1)  # the shift keeps the sign
    elif width == 4:
        x = np.frombuffer(frames, dtype="<i4").astype(np.float64) / 2147483648.0
    else:  # pragma: no cover - wave refuses other widths
        raise AudioError(f"unsupported WAV sample width {width}")
    return x.reshape(-1, channels), rate


def is_wav(data: bytes) -> bool:
    return data[:4] == b"RIFF" and data[8:12] == b"WAVE"


def resample(x: np.ndarray, source_rate: int, target_rate: int = RATE) -> np.ndarray:
    """Band-limited resampling by FFT (for short clips such as one spoken line). The clip is
    padded with silence to a length both FFTs are fast at (a power of two times the rates' ratio
    terms), and the result cut back to the resampled length."""
    if source_rate == target_rate or len(x) == 0:
        return x
    from math import gcd

    step = gcd(source_rate, target_rate)
    up, down = target_rate // step, source_rate // step
    blocks = 1 << int(np.ceil(np.log2(max(1.0, len(x) / down))))
    n, m = blocks * down, blocks * up
    padded = np.zeros((n,) + x.shape[1:])
    padded[: len(x)] = x
    spectrum = np.fft.rfft(padded, axis=0)
    keep = min(spectrum.shape[0], m // 2 + 1)
    out = np.zeros((m // 2 + 1,) + x.shape[1:], dtype=complex)
    out[:keep] = spectrum[:keep]
    return np.fft.irfft(out, n=m, axis=0)[: int(round(len(x) * target_rate / source_rate))] * (m / n)


def decode(data: bytes) -> np.ndarray:
    """Any audio an engine returns (WAV, MP3, AAC, raw-less containers) as 48 kHz stereo float."""
    if is_wav(data):
        try:
            x, rate = read_wav(data)
            return stereo(resample(x, rate, RATE))
        except AudioError:
            pass  # e.g. float WAV: let ffmpeg read it
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", "pipe:0",
           "-f", "f32le", "-ac", str(CHANNELS), "-ar", str(RATE), "pipe:1"]
    proc = subprocess.run(cmd, input=data, capture_output=True, check=False)
    if proc.returncode != 0:
        raise AudioError(f"ffmpeg could not decode the audio ({len(data)} bytes): "
                         f"{tail(proc.stderr.decode('utf-8', 'replace'))}")
    return np.frombuffer(proc.stdout, dtype="<f4").astype(np.float64).reshape(-1, CHANNELS)


def decode_file(path: Path, seconds: float | None = None) -> np.ndarray:
    """The audio track of a media file (e.g. a video model's clip) as 48 kHz stereo, padded or cut
    to `seconds`; silence when the file has no audio track."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(path), "-map", "0:a:0?",
           "-f", "f32le", "-ac", str(CHANNELS), "-ar", str(RATE), "pipe:1"]
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0:
        raise AudioError(f"ffmpeg could not read the audio of {path}: {tail(proc.stderr.decode('utf-8', 'replace'))}")
    x = np.frombuffer(proc.stdout, dtype="<f4").astype(np.float64).reshape(-1, CHANNELS)
    return x if seconds is None else fit(x, round(seconds * RATE))


def fit(x: np.ndarray, samples: int) -> np.ndarray:
    """`x` cut or padded with silence to exactly `samples`."""
    if len(x) >= samples:
        return x[:samples]
    return np.concatenate([x, np.zeros((samples - len(x),) + x.shape[1:])])


def loop(x: np.ndarray, samples: int, start: int = 0) -> np.ndarray:
    """A seamless loop `x` (its end runs into its start) repeated to `samples`, beginning `start`
    samples into it."""
    out = np.zeros((samples,) + x.shape[1:], dtype=x.dtype)
    if len(x) == 0:
        return out
    done, at = 0, start % len(x)
    while done < samples:
        take = min(len(x) - at, samples - done)
        out[done:done + take] = x[at:at + take]
        done, at = done + take, 0
    return out


def trim_silence(x: np.ndarray, threshold_db: float = -50.0, pad: float = 0.03) -> np.ndarray:
    """`x` without its leading and trailing silence (engines pad a line; placement wants the words)."""
    level = np.max(np.abs(x), axis=1) if x.ndim == 2 else np.abs(x)
    loud = np.flatnonzero(level > db_to_gain(threshold_db))
    if loud.size == 0:
        return x[:0]
    margin = round(pad * RATE)
    return x[max(0, loud[0] - margin): min(len(x), loud[-1] + 1 + margin)]


def fade(x: np.ndarray, seconds_in: float = 0.01, seconds_out: float = 0.01) -> np.ndarray:
    """Short raised-cosine fades so a cut never clicks."""
    x = x.copy()
    for seconds, edge in ((seconds_in, "in"), (seconds_out, "out")):
        n = min(len(x), round(seconds * RATE))
        if n <= 0:
            continue
        ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, n))
        ramp = ramp[:, None] if x.ndim == 2 else ramp
        if edge == "in":
            x[:n] *= ramp
        else:
            x[-n:] *= ramp[::-1]
    return x


def band(x: np.ndarray, low: float | None, high: float | None, rate: int = RATE, order: int = 4) -> np.ndarray:
    """`x` through a smooth band-pass (Butterworth-shaped magnitude, zero phase) applied by FFT."""
    n = len(x)
    if n == 0:
        return x
    spectrum = np.fft.rfft(x, axis=0)
    freqs = np.fft.rfftfreq(n, 1.0 / rate)
    response = np.ones_like(freqs)
    if high is not None:
        response /= np.sqrt(1.0 + (freqs / high) ** (2 * order))
    if low is not None:
        with np.errstate(divide="ignore"):
            response /= np.sqrt(1.0 + (low / np.maximum(freqs, 1e-9)) ** (2 * order))
    if spectrum.ndim == 2:
        response = response[:, None]
    return np.fft.irfft(spectrum * response, n=n, axis=0)


def place(target: np.ndarray, clip: np.ndarray, start: int, gain: float = 1.0) -> None:
    """Add `clip` into `target` from sample `start` (cut at the target's end; negative starts cut the head)."""
    if start < 0:
        clip, start = clip[-start:], 0
    end = min(len(target), start + len(clip))
    if end > start:
        target[start:end] += clip[: end - start] * gain
