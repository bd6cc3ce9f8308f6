"""Animatic clips: a start and an end storyboard frame become a short H.264 shot.

How a clip is made (and why):

* Frames are composed in Python with Pillow and piped raw into one
  ffmpeg/libx264 process (:mod:`.encode`), as yuv420p planes made only where
  they change (:mod:`.planes`: the 1080p render's cost is the camera move's
  resampling, so it is done on 1.5 bytes a pixel instead of RGB's 4, and not
  at all under still bands). Sub-pixel affine transforms give smooth camera moves
  (ffmpeg's ``zoompan`` rounds to whole pixels and visibly judders unless the
  source is upscaled first), the frame count is exact by construction, and
  subtitles need no font file inside ffmpeg (``drawtext`` requires one).
* Blend: the start frame holds, then cross-fades to the end frame over the
  middle ``crossfade`` fraction of the clip (default 30%, eased), then the end
  frame holds. A storyboard reads better as "pose A ... pose B" than as a
  clip-long double exposure. ``crossfade=1`` blends across the whole clip;
  ``crossfade=0`` cuts at the middle (what the offline animatic engine uses:
  two poses of a figure never show at once as ghosts).
* A storyboard's caption band (``caption_band`` pixels at the bottom) is held
  still while the camera moves over the picture, so moves never crop it.
* Camera moves (:mod:`.camera`) are eased (sine in/out) and applied on top
  of the blend; subtitles (:mod:`.subtitles`) are drawn once per clip.
* Audio: by default a silent 48 kHz stereo AAC track exactly as long as the
  video (ffmpeg writes an edit list that trims the encoder padding), because
  editors and players treat picture-only files inconsistently and the film
  assembly then always has an audio track to lay sound onto.
* Every output is written to a temporary file in the destination folder and
  renamed on success, so a failure never leaves a half-written clip.
"""

from __future__ import annotations

import math
import os
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image, ImageOps
from pydantic import BaseModel, ConfigDict, Field

from ._ffmpeg import default_threads, discard, temp_sibling, tail
from .camera import CAMERA_MOVES, STILL, CameraMove, camera_at, ease, normalize_camera_move, shake_phases
from .concat import concat_clips
from .encode import AUDIO_RATE, PipeWriter, encode_args
from .errors import RenderError
from .planes import PlaneFrames, even_up, to_planes
from .subtitles import subtitle_band, subtitle_overlay

__all__ = [
    "AUDIO_RATE",
    "CLIP_CRF",
    "CLIP_PRESET",
    "CAMERA_MOVES",
    "CameraMove",
    "ClipJob",
    "concat_clips",
    "normalize_camera_move",
    "render_clip",
    "render_clips",
]


#: libx264's quality and speed for animatic clips. ``superfast`` would spend a third less CPU on
#: storyboard animatics (the biggest part of the offline demo's CPU) for files 1.7x larger, but then
#: the camera moves' resampling is a larger share and the render takes 1.34x an ffmpeg zoompan graph
#: at the same settings (issue 12's bar: 1.3x; 0.92x at ``veryfast``, benchmarks/RESULTS.md)
CLIP_CRF = 20
CLIP_PRESET = "veryfast"


def _load_frame(path: Path, size: tuple[int, int] | None) -> Image.Image:
    if not path.is_file():
        raise RenderError(f"render_clip: frame not found: {path}")
    try:
        with Image.open(path) as im:
            im.load()
            img = im.convert("RGB")
    except (OSError, ValueError) as exc:
        raise RenderError(f"render_clip: cannot read image {path}: {exc}") from exc
    if size is not None and img.size != size:
        # fill the target frame, cropping the overflow (no letterbox bars)
        img = ImageOps.fit(img, size, Image.Resampling.LANCZOS)
    return img


def _even_size(size: tuple[int, int]) -> tuple[int, int]:
    """yuv420p needs even dimensions: round down (minimum 2x2)."""
    w, h = int(size[0]), int(size[1])
    if w < 2 or h < 2:
        raise ValueError(f"frame size too small: {size}")
    return (w - w % 2, h - h % 2)


def render_clip(
    start: Path,
    end: Path,
    out: Path,
    *,
    duration: float,
    fps: int = 24,
    camera_move: str = "static",
    subtitle: str | None = None,
    subtitle_band: int = 0,
    caption_band: int = 0,
    size: tuple[int, int] | None = None,
    crossfade: float = 0.3,
    audio: bool = True,
    crf: int = CLIP_CRF,
    preset: str = CLIP_PRESET,
    threads: int | None = None,
) -> Path:
    """Animate ``start`` -> ``end`` into an H.264 MP4 of exactly ``round(duration * fps)`` frames.

    Args:
        start, end: image files (any Pillow format); ``end`` may equal ``start``.
        out: destination .mp4 (parent folders are created).
        duration: seconds; fps: frames per second.
        camera_move: free text, see :func:`normalize_camera_move`.
        subtitle: text burned in at the bottom (max two lines, ellipsised).
        size: output (width, height); default the start frame's size. Odd
            values are rounded down to even; frames of another size or
            aspect are scaled to fill and centre-cropped.
        subtitle_band: when > 0, the subtitle is drawn in an opaque full-width band this many pixels
            tall at the bottom (covering a storyboard caption band) instead of a floating box.
        caption_band: the bottom this-many pixels of the frames are a storyboard caption: it is
            held still while the camera moves over the picture above it, so a push-in never
            crops it ("ELSA goes..." stays "ELSA goes...", not "A goes...").
        crossfade: fraction of the clip spent blending start into end; ``0`` cuts from the start
            to the end frame at the middle of the clip (the camera move carries on across the
            cut): pose A, then pose B, never a double exposure.
        audio: add a silent stereo AAC track exactly as long as the video.
        crf, preset: libx264's quality and speed (`CLIP_CRF`, `CLIP_PRESET`).

    Bands are rounded up to even rows (a yuv420p chroma row is two picture rows).

    Returns ``out``. Raises :class:`RenderError` if an input is missing or
    unreadable or ffmpeg fails (nothing is left at ``out`` then), and
    ValueError for nonsensical arguments.
    """
    start, end, out = Path(start), Path(end), Path(out)
    if not (duration > 0) or not math.isfinite(duration):
        raise ValueError(f"duration must be > 0, got {duration}")
    if int(fps) != fps or fps < 1:
        raise ValueError(f"fps must be a positive integer, got {fps}")
    fps = int(fps)
    frames = round(duration * fps)
    if frames < 1:
        raise ValueError(f"duration {duration}s at {fps} fps is less than one frame")
    if not 0.0 <= crossfade <= 1.0:
        raise ValueError(f"crossfade must be within 0..1, got {crossfade}")
    move = normalize_camera_move(camera_move)

    first = _load_frame(start, None)
    target = _even_size(size if size is not None else first.size)
    a = first if first.size == target else ImageOps.fit(first, target, Image.Resampling.LANCZOS)
    same = end.resolve() == start.resolve() if end.exists() else False
    b = a if same else _load_frame(end, target)
    if b is not a and b.tobytes() == a.tobytes():
        b = a
    maker = _frame_maker(a, target, subtitle, subtitle_band, caption_band)
    pose_a = to_planes(a)
    pose_b = pose_a if b is a else to_planes(b)
    phases = shake_phases(a) if move == "handheld" else (0.0,) * 5
    t0, t1 = (1.0 - crossfade) / 2, (1.0 + crossfade) / 2
    w, h = target

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_sibling(out)
    cmd = encode_args(w, h, fps, frames, audio, threads or default_threads(), crf, preset, tmp)
    with tempfile.TemporaryFile() as errf:
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errf)
        except OSError as exc:
            raise RenderError(f"render_clip: could not start ffmpeg: {exc}") from exc
        writer: PipeWriter | None = None
        try:
            assert proc.stdin is not None
            writer = PipeWriter(proc.stdin)
            for i in range(frames):
                p = i / (frames - 1) if frames > 1 else 0.0
                if pose_b is pose_a or p <= t0:
                    pose, key = pose_a, "a"
                elif p >= t1:
                    pose, key = pose_b, "b"
                else:
                    k = ease((p - t0) / (t1 - t0)) if t1 > t0 else 1.0
                    pose, key = pose_a.blend(pose_b, k), ("blend", i)
                camera = camera_at(move, p, i / fps, phases) if move != "static" else STILL
                if not writer.put(maker.frame(pose, key, camera)):
                    break
            written = writer.close()
            code = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            if writer is not None:
                writer.close()  # the pipe is broken now: the thread drains and ends
            discard(tmp)
            raise
        finally:
            maker.close()
        errf.seek(0)
        err = errf.read().decode("utf-8", errors="replace")
    if code != 0 or not written:
        discard(tmp)
        raise RenderError(f"render_clip: ffmpeg failed (exit code {code}) writing {out}", tail(err))
    try:
        os.replace(tmp, out)
    except OSError as exc:
        discard(tmp)
        raise RenderError(f"render_clip: cannot move result to {out}: {exc}") from exc
    return out


def _frame_maker(first: Image.Image, size: tuple[int, int], subtitle: str | None, subtitle_band_px: int,
                 caption_band: int) -> PlaneFrames:
    """How each frame of the clip is laid out: which rows the camera moves, what covers the rest."""
    w, h = size
    held = max(0, min(int(caption_band), h // 2))
    if subtitle and subtitle_band_px > 0:
        if held and subtitle_band_px >= held:
            held = 0  # the subtitle band covers the caption anyway: move the whole picture under it
        band, at = subtitle_band(subtitle, size, subtitle_band_px)
        rows = min(even_up(band.height), h - 2)
        covered = first.copy()
        covered.paste(band, at, band)
        if rows > band.height:  # one more row of the band's own colour, so it starts on a chroma row
            covered.paste(band.crop((0, 0, w, 1)), (0, h - rows))
        picture = max(2, h - even_up(held))
        return PlaneFrames(size, picture_rows=picture, moving_rows=picture if held else h - rows,
                           cover=to_planes(covered))
    picture = max(2, h - even_up(held))
    floating = subtitle_overlay(subtitle, size) if subtitle else None
    if floating is not None:
        return PlaneFrames(size, picture_rows=picture, moving_rows=picture, overlay=floating[0],
                           overlay_at=floating[1])
    return PlaneFrames(size, picture_rows=picture, moving_rows=picture)


class ClipJob(BaseModel):
    """Arguments of one :func:`render_clip` call, for :func:`render_clips`."""

    model_config = ConfigDict(frozen=True)

    start: Path
    end: Path | None = None
    out: Path
    duration: float = Field(gt=0)
    fps: int = Field(24, ge=1)
    camera_move: str = "static"
    subtitle: str | None = None
    size: tuple[int, int] | None = None


def render_clips(
    jobs: Sequence[ClipJob],
    *,
    progress: Callable[[int, int, Path], None] | None = None,
) -> list[Path]:
    """Render ``jobs`` one after another (each encode already uses the cores),
    calling ``progress(done, total, out)`` after each clip. Stops at the first
    failure with its :class:`RenderError`."""
    outs: list[Path] = []
    total = len(jobs)
    for n, job in enumerate(jobs, 1):
        outs.append(render_clip(job.start, job.end or job.start, job.out, duration=job.duration, fps=job.fps,
                                camera_move=job.camera_move, subtitle=job.subtitle, size=job.size))
        if progress is not None:
            progress(n, total, job.out)
    return outs
