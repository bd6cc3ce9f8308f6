"""Encode shot media for a delivery package: H.264, ProRes 422 HQ or DNxHR HQ, conformed.

Every shot is re-encoded (never stream-copied) for two reasons: a generated clip may come at
another frame rate or size than the project's, and an editor wants one codec, one rate and one
raster for the whole package. Conforming happens here, once: ``fps=<rate>`` resamples the
picture to the timeline's rate (24000/1001 stays exact: it is passed as a fraction), ``trim``
keeps the handles asked for, ``tpad`` clones the last frame when the rate change rounds one frame
short, and ``-frames:v`` makes the count exact. :func:`encode_shot` probes the result and raises
:class:`ExportError` unless codec, rate and frame count are what was asked.

ProRes 422 HQ is ``prores_ks -profile:v 3`` (fourcc ``apch``), 10-bit 4:2:2; DNxHR HQ is
``dnxhd -profile:v dnxhr_hq`` (8-bit 4:2:2), both in QuickTime ``.mov``. H.264 goes in ``.mp4``.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

from .errors import ExportError
from .rates import NTSC_FILM

__all__ = [
    "CODECS",
    "Codec",
    "EncodedInfo",
    "RESOLUTIONS",
    "encode_shot",
    "parse_resolution",
    "probe_stream",
    "rate_fraction",
]

Codec = Literal["h264", "prores", "dnxhr"]


@dataclass(frozen=True)
class CodecSpec:
    """How one delivery codec is made and how it reads back."""

    suffix: str
    args: tuple[str, ...]
    probe_codec: str  # the codec name ffmpeg prints for the stream
    profile: str | None  # the profile ffmpeg prints in brackets, e.g. "HQ"


CODECS: dict[str, CodecSpec] = {
    "h264": CodecSpec(".mp4", ("-c:v", "libx264", "-preset", "veryfast", "-crf", "16", "-pix_fmt", "yuv420p",
                               "-movflags", "+faststart"), "h264", None),
    "prores": CodecSpec(".mov", ("-c:v", "prores_ks", "-profile:v", "3", "-vendor", "apl0",
                                 "-pix_fmt", "yuv422p10le"), "prores", "HQ"),
    "dnxhr": CodecSpec(".mov", ("-c:v", "dnxhd", "-profile:v", "dnxhr_hq", "-pix_fmt", "yuv422p"),
                       "dnxhd", "DNXHR HQ"),
}

#: Named rasters accepted by ``--resolution`` (16:9).
RESOLUTIONS: dict[str, tuple[int, int]] = {"720p": (1280, 720), "1080p": (1920, 1080), "2160p": (3840, 2160)}


def parse_resolution(text: str | None) -> tuple[int, int] | None:
    """``"1080p"`` or ``"1920x1080"`` -> (1920, 1080); None keeps each shot's own size.

    Sizes must be even (4:2:0 and 4:2:2 need it) and at least 64 pixels a side."""
    if text is None or not str(text).strip():
        return None
    value = str(text).strip().lower()
    if value in RESOLUTIONS:
        return RESOLUTIONS[value]
    match = re.fullmatch(r"(\d{2,5})\s*[x×]\s*(\d{2,5})", value)
    if not match:
        raise ExportError(f"resolution {text!r} is neither WxH nor one of {', '.join(RESOLUTIONS)}")
    width, height = int(match.group(1)), int(match.group(2))
    if width % 2 or height % 2 or width < 64 or height < 64:
        raise ExportError(f"resolution {width}x{height} must be even and at least 64x64")
    return width, height


def rate_fraction(rate: float) -> Fraction:
    """The exact fraction ffmpeg is given: 24000/1001 for NTSC film, else the integer rate."""
    if rate == NTSC_FILM:
        return Fraction(24000, 1001)
    return Fraction(rate).limit_denominator(1001)


@dataclass(frozen=True)
class EncodedInfo:
    """What a written file probes back as."""

    codec: str
    profile: str | None
    fps: Fraction | None
    frames: int
    width: int
    height: int


_STREAM = re.compile(r"Stream #0:\d+\S*: Video: (\w+)(?: \(([^)]*)\))?.*?, (\d{2,5})x(\d{2,5})")
_FPS = re.compile(r"(\d+(?:\.\d+)?)\s*(k?)\s*fps\b")
_TBR = re.compile(r"(\d+(?:\.\d+)?)\s*(k?)\s*tbr\b")
_FRAME = re.compile(r"frame=\s*(\d+)")


def _ffmpeg() -> str:
    from aiuteur.render._ffmpeg import ffmpeg_exe  # one ffmpeg for the whole project

    return ffmpeg_exe()


def probe_stream(path: Path) -> EncodedInfo:
    """Codec, profile, rate, exact frame count and size of a file's first video stream.

    The rate comes from the stream header (``23.98 fps`` is read as 24000/1001); the frame count
    from stream-copying the video into the null muxer, which counts packets without decoding."""
    cmd = [_ffmpeg(), "-hide_banner", "-nostdin", "-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "null", "-"]
    done = subprocess.run(cmd, capture_output=True, text=True, errors="replace", check=False)
    text = done.stderr
    stream = _STREAM.search(text)
    if done.returncode != 0 or stream is None:
        raise ExportError(f"cannot read the video stream of {path}: {text.strip().splitlines()[-1:]}", path=path)
    line = text[stream.start():].splitlines()[0]
    fps_match = _FPS.search(line) or _TBR.search(line)
    fps = None
    if fps_match:
        value = float(fps_match.group(1)) * (1000 if fps_match.group(2) else 1)
        fps = Fraction(24000, 1001) if abs(value - 23.976) < 0.01 else Fraction(value).limit_denominator(1001)
    frames = [int(m) for m in _FRAME.findall(text)]
    return EncodedInfo(codec=stream.group(1), profile=stream.group(2), fps=fps, frames=frames[-1] if frames else 0,
                       width=int(stream.group(3)), height=int(stream.group(4)))


def encode_shot(source: Path, target: Path, *, codec: str, rate: float, first_frame: int, frames: int,
                size: tuple[int, int] | None = None, threads: int = 2) -> EncodedInfo:
    """Write ``frames`` frames of ``source`` (resampled to ``rate``), from ``first_frame`` on, to
    ``target`` in ``codec``; probe it back and raise :class:`ExportError` on any difference."""
    spec = CODECS.get(codec)
    if spec is None:
        raise ExportError(f"unknown codec {codec!r}; choose one of {', '.join(CODECS)}")
    if frames <= 0 or first_frame < 0:
        raise ExportError(f"cannot encode {frames} frames from frame {first_frame} of {source}", path=source)
    fraction = rate_fraction(rate)
    filters = [f"fps={fraction.numerator}/{fraction.denominator}",
               f"trim=start_frame={first_frame}:end_frame={first_frame + frames}", "setpts=PTS-STARTPTS",
               "tpad=stop_mode=clone:stop=4"]
    if size is not None:
        width, height = size
        filters.append(f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
                       f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,setsar=1")
    else:
        filters.append("scale=trunc(iw/2)*2:trunc(ih/2)*2,setsar=1")
    cmd = [_ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(source),
           "-vf", ",".join(filters), "-frames:v", str(frames), "-r", f"{fraction.numerator}/{fraction.denominator}",
           "-an", "-threads", str(threads), *spec.args, "-f", "mov" if spec.suffix == ".mov" else "mp4", str(target)]
    done = subprocess.run(cmd, capture_output=True, text=True, errors="replace", check=False)
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise ExportError(f"ffmpeg could not encode {source.name} as {codec}: {tail}", path=target)
    info = probe_stream(target)
    problems = []
    if info.codec != spec.probe_codec or (spec.profile and info.profile != spec.profile):
        problems.append(f"codec {info.codec} ({info.profile}) instead of {spec.probe_codec} ({spec.profile})")
    if info.fps != fraction:
        problems.append(f"rate {info.fps} instead of {fraction}")
    if info.frames != frames:
        problems.append(f"{info.frames} frames instead of {frames}")
    if problems:
        raise ExportError(f"encoded {target.name} reads back wrong: {'; '.join(problems)}", path=target)
    return info
