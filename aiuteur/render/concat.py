"""Joining animatic clips into a film without re-encoding the picture.

Why: a film is its shots in order; re-encoding would cost time and quality, so clips that share
codec, size, frame rate and audio layout are joined with the concat demuxer (stream copy), and a
mismatch is refused instead of producing a broken file.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ._ffmpeg import discard, ffmpeg_exe, run_ffmpeg, tail, temp_sibling
from .encode import AUDIO_RATE
from .errors import RenderError
from .probe import _parse_banner

__all__ = ["concat_clips"]


def _header(path: Path) -> dict:
    """Codec parameters of ``path`` from ``ffmpeg -i`` (no decoding, fast)."""
    proc = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    err = proc.stderr.decode("utf-8", errors="replace")
    try:
        return _parse_banner(err)
    except ValueError:
        raise RenderError(f"concat_clips: ffmpeg cannot read {path}", tail(err)) from None


def _concat_escape(path: Path) -> str:
    return "file '" + str(path.resolve()).replace("'", "'\\''") + "'"


def concat_clips(clips: Sequence[Path], out: Path, *, audio: Path | None = None) -> Path:
    """Join ``clips`` in order into ``out`` with the concat demuxer (stream copy).

    All clips must share codec, size, frame rate and audio layout - true for
    clips made by :func:`render_clip` with the same size/fps; a mismatch
    raises :class:`RenderError` instead of producing a broken file.
    Timestamps are copied (``-copyts``) so the AAC priming of each clip does
    not shift the picture: N clips of d_i seconds give sum(d_i) seconds.

    ``audio``: the film's sound (a WAV as long as the picture, e.g. the mix
    from :mod:`aiuteur.stages.sound`) becomes the audio track instead of the
    clips' own, encoded once as 48 kHz stereo AAC; the picture is still copied.
    """
    paths = [Path(c) for c in clips]
    out = Path(out)
    if not paths:
        raise ValueError("concat_clips needs at least one clip")
    ref = None
    for p in paths:
        if not p.is_file():
            raise RenderError(f"concat_clips: clip not found: {p}")
        info = _header(p)
        if info["video_codec"] is None:
            raise RenderError(f"concat_clips: {p} has no video stream")
        key = (info["video_codec"], info["width"], info["height"], info["fps"], info["pix_fmt"], info["audio_codec"],
               info["audio_sample_rate"], info["audio_channels"])
        if ref is None:
            ref = (p, key)
        elif key != ref[1]:
            raise RenderError(
                f"concat_clips: {p} does not match {ref[0]} (codec, size, fps, pixel format, audio): "
                f"{key} != {ref[1]}"
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_sibling(out)
    with tempfile.TemporaryDirectory(prefix="aiuteur-concat-") as tdir:
        listing = Path(tdir) / "list.txt"
        listing.write_text("ffconcat version 1.0\n" + "\n".join(_concat_escape(p) for p in paths) + "\n", encoding="utf-8")
        if audio is not None and not Path(audio).is_file():
            raise RenderError(f"concat_clips: audio not found: {audio}")
        streams = (["-map", "0", "-c", "copy"] if audio is None else
                   ["-i", str(audio), "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", "-c:a", "aac", "-b:a", "192k",
                    "-aac_coder", "fast", "-ar", str(AUDIO_RATE), "-ac", "2"])  # fast coder: half the CPU, fine at 192k
        try:
            run_ffmpeg(
                ["-loglevel", "error", "-f", "concat", "-safe", "0", "-i", str(listing), *streams,
                 "-copyts", "-movflags", "+faststart", "-f", "mp4", str(tmp)],
                what="concat_clips",
            )
            os.replace(tmp, out)
        except BaseException:
            discard(tmp)
            raise
    return out
