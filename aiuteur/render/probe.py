"""Inspect a media file without ffprobe (this machine ships ffmpeg only).

One ffmpeg run does both jobs: the ``Input #0`` banner on stderr gives
container duration, codecs, size and frame rate, and stream-copying the video
into the null muxer gives an exact packet (= frame) count without decoding,
which is what tests and the conform step need to check "N frames exactly".
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from ._ffmpeg import ffmpeg_exe, tail
from .errors import RenderError

__all__ = ["MediaInfo", "probe"]


class MediaInfo(BaseModel):
    """What :func:`probe` learns about a file.

    ``duration`` is the container duration in seconds (ffmpeg prints it to the
    centisecond); when the container has none (a still image) it falls back to
    ``frames / fps``. ``frames`` counts video frames (0 if there is no video).
    """

    model_config = ConfigDict(frozen=True)

    path: Path
    duration: float
    frames: int
    fps: float
    width: int
    height: int
    video_codec: str | None
    has_audio: bool
    audio_codec: str | None
    audio_sample_rate: int | None = None
    audio_channels: str | None = None
    pix_fmt: str | None = None

    @property
    def has_video(self) -> bool:
        return self.video_codec is not None


_DURATION_RE = re.compile(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)")
_STREAM_RE = re.compile(r"^\s*Stream #0:\d+\S*:\s*(Video|Audio):\s*(.*)$")
_SIZE_RE = re.compile(r"(?:^|,\s*)(\d{1,5})x(\d{1,5})(?=[\s,\[]|$)")
_FPS_RE = re.compile(r"(\d+(?:\.\d+)?)\s*fps\b")
_TBR_RE = re.compile(r"(\d+(?:\.\d+)?)(k?)\s*tbr\b")
_FRAME_RE = re.compile(r"frame=\s*(\d+)")
_RATE_RE = re.compile(r"(\d+)\s*Hz")


def _codec_name(desc: str) -> str:
    """First token of a stream description: 'h264 (High) (avc1 / ...)' -> 'h264'."""
    return desc.split(",", 1)[0].split()[0].strip()


def _strip_parens(text: str) -> str:
    """Drop parenthesised parts so commas inside '(tv, bt709)' don't split fields."""
    prev = None
    while prev != text:
        prev = text
        text = re.sub(r"\([^()]*\)", "", text)
    return text


def _parse_banner(stderr: str) -> dict:
    """Parse the ``Input #0`` section of ``ffmpeg -i`` stderr."""
    lines = stderr.splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.startswith("Input #0")), None)
    if start is None:
        raise ValueError("no 'Input #0' section")
    section: list[str] = []
    for ln in lines[start + 1 :]:
        if ln.startswith(("Input #1", "Output #", "Stream mapping")) or not ln.startswith(" "):
            break
        section.append(ln)

    info: dict = {
        "duration": None,
        "fps": 0.0,
        "width": 0,
        "height": 0,
        "video_codec": None,
        "audio_codec": None,
        "audio_sample_rate": None,
        "audio_channels": None,
        "pix_fmt": None,
    }
    for ln in section:
        m = _DURATION_RE.search(ln)
        if m and info["duration"] is None:
            h, mi, s = m.groups()
            info["duration"] = int(h) * 3600 + int(mi) * 60 + float(s)
            continue
        m = _STREAM_RE.match(ln)
        if not m:
            continue
        kind, desc = m.groups()
        if kind == "Video" and info["video_codec"] is None:
            # Cover art / attached pictures are not the picture track.
            if "(attached pic)" in desc:
                continue
            info["video_codec"] = _codec_name(desc)
            flat = _strip_parens(desc)
            fields = [f.strip() for f in flat.split(",")]
            if len(fields) > 1 and fields[1]:
                info["pix_fmt"] = fields[1].split()[0]
            sm = _SIZE_RE.search(flat)
            if sm:
                info["width"], info["height"] = int(sm.group(1)), int(sm.group(2))
            fm = _FPS_RE.search(desc)
            if fm:
                info["fps"] = float(fm.group(1))
            else:
                tm = _TBR_RE.search(desc)
                if tm:
                    info["fps"] = float(tm.group(1)) * (1000 if tm.group(2) else 1)
        elif kind == "Audio" and info["audio_codec"] is None:
            info["audio_codec"] = _codec_name(desc)
            flat = _strip_parens(desc)
            rm = _RATE_RE.search(flat)
            if rm:
                info["audio_sample_rate"] = int(rm.group(1))
            fields = [f.strip() for f in flat.split(",")]
            if len(fields) > 2:
                info["audio_channels"] = fields[2] or None
    return info


def probe(path: str | Path) -> MediaInfo:
    """Describe the media file at ``path``.

    Raises:
        RenderError: the file is missing, unreadable, or has neither audio
            nor video.
    """
    p = Path(path)
    if not p.is_file():
        raise RenderError(f"probe: no such file: {p}")
    cmd = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(p),
        "-map", "0:v:0?", "-map", "0:a:0?", "-c", "copy", "-f", "null", "-",
    ]
    try:
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    except OSError as exc:
        raise RenderError(f"probe: could not start ffmpeg: {exc}") from exc
    err = proc.stderr.decode("utf-8", errors="replace").replace("\r", "\n")
    try:
        info = _parse_banner(err)
    except ValueError:
        raise RenderError(f"probe: ffmpeg cannot read {p}", tail(err)) from None
    if proc.returncode != 0:
        raise RenderError(f"probe: ffmpeg failed reading {p} (code {proc.returncode})", tail(err))
    if info["video_codec"] is None and info["audio_codec"] is None:
        raise RenderError(f"probe: {p} has no audio or video stream", tail(err))

    frames = 0
    if info["video_codec"] is not None:
        counts = _FRAME_RE.findall(err)
        frames = int(counts[-1]) if counts else 0
    duration = info["duration"]
    if duration is None:
        duration = frames / info["fps"] if info["fps"] else 0.0
    return MediaInfo(
        path=p,
        duration=float(duration),
        frames=frames,
        fps=float(info["fps"]),
        width=int(info["width"]),
        height=int(info["height"]),
        video_codec=info["video_codec"],
        has_audio=info["audio_codec"] is not None,
        audio_codec=info["audio_codec"],
        audio_sample_rate=info["audio_sample_rate"],
        audio_channels=info["audio_channels"],
        pix_fmt=info["pix_fmt"],
    )
