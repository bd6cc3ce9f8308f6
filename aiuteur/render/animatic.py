"""Animatic clips: a start and an end storyboard frame become a short H.264 shot.

How a clip is made (and why):

* Frames are composed in Python with Pillow and piped as raw RGB into one
  ffmpeg/libx264 process. Sub-pixel affine transforms give smooth camera moves
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
* Camera moves are eased (sine in/out) and applied on top of the blend:
  push-in / pull-out zoom 1.0 <-> 1.18 about the centre; pans and tilts travel
  across a 1.15x crop; tracking is treated as a pan; handheld is a
  deterministic small shake (sum of sines seeded from the start frame's
  pixels) with a slight roll on a 1.06x crop.
* Audio: by default a silent 48 kHz stereo AAC track exactly as long as the
  video (ffmpeg writes an edit list that trims the encoder padding), because
  editors and players treat picture-only files inconsistently and the film
  assembly then always has an audio track to lay sound onto.
* Every output is written to a temporary file in the destination folder and
  renamed on success, so a failure never leaves a half-written clip.
"""

from __future__ import annotations

import hashlib
import math
import os
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw, ImageOps
from pydantic import BaseModel, ConfigDict, Field

from ._ffmpeg import default_threads, discard, ffmpeg_exe, run_ffmpeg, tail, temp_sibling
from ._text import Run, draw_lines, get_font, line_height, text_width, wrap_runs
from .errors import RenderError
from .probe import _parse_banner

__all__ = [
    "CAMERA_MOVES",
    "CameraMove",
    "ClipJob",
    "concat_clips",
    "normalize_camera_move",
    "render_clip",
    "render_clips",
]

CameraMove = Literal["static", "push_in", "pull_out", "pan_left", "pan_right", "tilt_up", "tilt_down", "handheld"]
CAMERA_MOVES: tuple[str, ...] = (
    "static", "push_in", "pull_out", "pan_left", "pan_right", "tilt_up", "tilt_down", "handheld",
)

AUDIO_RATE = 48000
_PUSH_ZOOM = 1.18
_PAN_ZOOM = 1.15
_HANDHELD_ZOOM = 1.06


def normalize_camera_move(move: str | None) -> str:
    """Map free-text camera directions to one of :data:`CAMERA_MOVES`.

    'Push in', 'dolly-in', 'slow zoom in', 'PUSH_IN' -> push_in; 'pull back',
    'zoom out', 'dolly out' -> pull_out; 'pan L' / 'pan left' -> pan_left;
    'crane up' / 'tilt up' / 'pedestal up' -> tilt_up; 'tracking', 'truck
    right', 'dolly right' -> pan_right ('track left' -> pan_left);
    'handheld', 'shaky', 'hand-held' -> handheld. Anything unrecognised
    (including 'locked off', '', None) is static: an animatic must never fail
    because a shot list used an unusual word.
    """
    if not move:
        return "static"
    v = move.lower().replace("_", " ").replace("-", " ").replace("/", " ")
    v = " ".join(v.split())
    words = set(v.split())
    if words & {"handheld", "shaky", "shake", "jitter", "steadicam"} or "hand held" in v:
        return "handheld"
    if any(k in v for k in ("push in", "dolly in", "zoom in", "push", "move in", "creep in", "punch in")):
        return "push_in"
    if any(k in v for k in ("pull out", "pull back", "dolly out", "zoom out", "pull", "move out", "back out")):
        return "pull_out"
    left = bool(words & {"left", "l"})
    right = bool(words & {"right", "r"})
    if "tilt" in words or words & {"crane", "boom", "pedestal", "jib"}:
        if "down" in words:
            return "tilt_down"
        if "up" in words:
            return "tilt_up"
        return "tilt_up" if "tilt" not in words else "tilt_down"
    if "pan" in words or "whip" in words:
        return "pan_left" if left and not right else "pan_right"
    if words & {"track", "tracking", "truck", "trucking", "dolly", "follow", "crab", "slide"}:
        return "pan_left" if left and not right else "pan_right"
    if "zoom" in words:
        return "push_in"
    return "static"


# --------------------------------------------------------------------------
# Frame composition


def _ease(p: float) -> float:
    """Sine ease-in/out on [0, 1]."""
    p = min(1.0, max(0.0, p))
    return 0.5 - 0.5 * math.cos(math.pi * p)


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


def _camera(move: str, p: float, t: float, phases: tuple[float, ...]) -> tuple[float, float, float, float]:
    """(zoom, dx, dy, roll_degrees) at eased progress ``p`` / time ``t`` seconds.

    dx, dy move the centre of view as fractions of the frame size.
    """
    e = _ease(p)
    if move == "push_in":
        return (1.0 + (_PUSH_ZOOM - 1.0) * e, 0.0, 0.0, 0.0)
    if move == "pull_out":
        return (_PUSH_ZOOM - (_PUSH_ZOOM - 1.0) * e, 0.0, 0.0, 0.0)
    m = (1.0 - 1.0 / _PAN_ZOOM) / 2 * 0.96  # travel that stays inside the image
    if move == "pan_left":
        return (_PAN_ZOOM, m - 2 * m * e, 0.0, 0.0)
    if move == "pan_right":
        return (_PAN_ZOOM, -m + 2 * m * e, 0.0, 0.0)
    if move == "tilt_up":
        return (_PAN_ZOOM, 0.0, m - 2 * m * e, 0.0)
    if move == "tilt_down":
        return (_PAN_ZOOM, 0.0, -m + 2 * m * e, 0.0)
    if move == "handheld":
        a1, a2, a3, a4, a5 = phases
        tau = 2 * math.pi
        dx = 0.006 * math.sin(tau * 0.63 * t + a1) + 0.003 * math.sin(tau * 1.71 * t + a2)
        dy = 0.006 * math.sin(tau * 0.49 * t + a3) + 0.003 * math.sin(tau * 1.37 * t + a4)
        roll = 0.3 * math.sin(tau * 0.37 * t + a5)
        return (_HANDHELD_ZOOM, dx, dy, roll)
    return (1.0, 0.0, 0.0, 0.0)


def _transform(img: Image.Image, zoom: float, dx: float, dy: float, roll: float) -> Image.Image:
    """View of ``img`` zoomed by ``zoom`` about a shifted centre, rolled by ``roll``°."""
    if zoom == 1.0 and dx == 0.0 and dy == 0.0 and roll == 0.0:
        return img
    w, h = img.size
    if roll == 0.0:
        # sub-pixel crop + separable resize: ~3x faster than an affine transform
        cw, ch = w / zoom, h / zoom
        x0 = min(max(0.0, w / 2 + dx * w - cw / 2), w - cw)
        y0 = min(max(0.0, h / 2 + dy * h - ch / 2), h - ch)
        return img.resize((w, h), Image.Resampling.BICUBIC, box=(x0, y0, x0 + cw, y0 + ch))
    th = math.radians(roll)
    cos, sin = math.cos(th), math.sin(th)
    cx, cy = w / 2 + dx * w, h / 2 + dy * h
    a, b = cos / zoom, -sin / zoom
    d, e = sin / zoom, cos / zoom
    c = cx - a * w / 2 - b * h / 2
    f = cy - d * w / 2 - e * h / 2
    return img.transform((w, h), Image.Transform.AFFINE, (a, b, c, d, e, f), resample=Image.Resampling.BILINEAR)


def _moved(img: Image.Image, camera: tuple[float, float, float, float], held: int) -> Image.Image:
    """`img` under the camera move; its bottom `held` pixels (a caption band) stay where they are."""
    if held <= 0 or camera == (1.0, 0.0, 0.0, 0.0):
        return _transform(img, *camera)
    w, h = img.size
    frame = img.copy()
    frame.paste(_transform(img.crop((0, 0, w, h - held)), *camera), (0, 0))
    return frame


def _subtitle_band(text: str, size: tuple[int, int], band: int) -> tuple[Image.Image, tuple[int, int]]:
    """An opaque full-width subtitle band `band` pixels tall at the bottom: it replaces a storyboard
    panel's own caption band, so a line of dialogue is never shown twice."""
    w, h = size
    band = min(band, h // 2)
    font = get_font(max(10, round(min(w, h) * 0.05)))
    lh = line_height(font)
    lines = wrap_runs([Run(" ".join(text.split()), font, (255, 255, 255))], w * 0.9, max(1, min(3, int(band // lh))))
    overlay = Image.new("RGBA", (w, band), (8, 8, 12, 255))
    d = ImageDraw.Draw(overlay)
    widest = max((line[-1].x + text_width(line[-1].font, line[-1].text) for line in lines if line), default=0)
    top = max(0, (band - len(lines) * lh) // 2)
    draw_lines(d, lines, (int((w - widest) / 2), top), lh, align_width=widest, stroke=(0, 0, 0))
    return overlay, (0, h - band)


def _subtitle_overlay(text: str, size: tuple[int, int]) -> tuple[Image.Image, tuple[int, int]] | None:
    """Pre-rendered subtitle box (RGBA) and where to paste it, bottom-centre."""
    text = " ".join(text.split())
    if not text:
        return None
    w, h = size
    font = get_font(max(10, round(min(w, h) * 0.055)))
    lh = line_height(font)
    max_w = w * 0.86
    lines = wrap_runs([Run(text, font, (255, 255, 255))], max_w, 2)
    widest = max(line[-1].x + text_width(line[-1].font, line[-1].text) for line in lines if line)
    pad_x, pad_y = round(font.size * 0.6), round(font.size * 0.3)
    bw = int(widest + 2 * pad_x)
    bh = int(len(lines) * lh + 2 * pad_y)
    overlay = Image.new("RGBA", (bw, bh), (0, 0, 0, 0))
    d = ImageDraw.Draw(overlay)
    d.rounded_rectangle((0, 0, bw - 1, bh - 1), radius=round(font.size * 0.4), fill=(0, 0, 0, 190))
    draw_lines(d, lines, (pad_x, pad_y), lh, align_width=widest, stroke=(0, 0, 0))
    x = (w - bw) // 2
    y = h - bh - max(4, round(h * 0.05))
    return overlay, (x, max(0, y))


def _phases(img: Image.Image) -> tuple[float, ...]:
    """Handheld shake phases derived from the picture, so each shot shakes
    differently but the same shot always shakes the same way."""
    digest = hashlib.blake2b(img.resize((32, 18)).tobytes(), digest_size=10).digest()
    return tuple(int.from_bytes(digest[i : i + 2], "big") / 65535 * 2 * math.pi for i in range(0, 10, 2))


# --------------------------------------------------------------------------
# Encoding


def _encode_args(
    w: int, h: int, fps: int, frames: int, audio: bool, threads: int, crf: int, preset: str, out: Path,
) -> list[str]:
    args = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-framerate", str(fps), "-i", "pipe:0",
    ]
    if audio:
        seconds = frames / fps
        args += ["-f", "lavfi", "-i", f"anullsrc=r={AUDIO_RATE}:cl=stereo:d={seconds:.6f}"]
    args += [
        "-map", "0:v:0",
        "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p",
        "-profile:v", "high", "-g", str(max(1, fps)), "-threads", str(threads),
        "-frames:v", str(frames), "-r", str(fps),
    ]
    if audio:
        args += ["-map", "1:a:0", "-c:a", "aac", "-b:a", "96k", "-ac", "2", "-ar", str(AUDIO_RATE)]
    args += ["-movflags", "+faststart", "-f", "mp4", str(out)]
    return args


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
    crf: int = 20,
    preset: str = "veryfast",
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
        crossfade: ``0`` cuts from the start to the end frame at the middle of the clip (the
            camera move carries on across the cut): pose A, then pose B, never a double exposure.
        crossfade: fraction of the clip spent blending start into end.
        audio: add a silent stereo AAC track exactly as long as the video.

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
    w, h = target
    if subtitle and subtitle_band > 0:
        sub = _subtitle_band(subtitle, target, subtitle_band)
    else:
        sub = _subtitle_overlay(subtitle, target) if subtitle else None
    phases = _phases(a) if move == "handheld" else (0.0,) * 5
    t0, t1 = (1.0 - crossfade) / 2, (1.0 + crossfade) / 2
    held = max(0, min(int(caption_band), h // 2))
    if sub is not None and held and subtitle_band >= held:
        held = 0  # the subtitle band covers the caption anyway: move the whole frame

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_sibling(out)
    cmd = _encode_args(w, h, fps, frames, audio, threads or default_threads(), crf, preset, tmp)
    with tempfile.TemporaryFile() as errf:
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errf)
        except OSError as exc:
            raise RenderError(f"render_clip: could not start ffmpeg: {exc}") from exc
        broken = False
        try:
            assert proc.stdin is not None
            for i in range(frames):
                p = i / (frames - 1) if frames > 1 else 0.0
                if b is a or p <= t0:
                    src = a
                elif p >= t1:
                    src = b
                else:
                    k = _ease((p - t0) / (t1 - t0)) if t1 > t0 else 1.0
                    src = Image.blend(a, b, k)
                frame = _moved(src, _camera(move, p, i / fps, phases), held)
                if sub is not None:
                    if frame is a or frame is b:
                        frame = frame.copy()
                    frame.paste(sub[0], sub[1], sub[0])
                try:
                    proc.stdin.write(frame.tobytes())
                except (BrokenPipeError, ValueError):
                    broken = True
                    break
            try:
                proc.stdin.close()
            except BrokenPipeError:
                broken = True
            code = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            discard(tmp)
            raise
        errf.seek(0)
        err = errf.read().decode("utf-8", errors="replace")
    if code != 0 or broken:
        discard(tmp)
        raise RenderError(f"render_clip: ffmpeg failed (exit code {code}) writing {out}", tail(err))
    try:
        os.replace(tmp, out)
    except OSError as exc:
        discard(tmp)
        raise RenderError(f"render_clip: cannot move result to {out}: {exc}") from exc
    return out


# --------------------------------------------------------------------------
# Joining and batches


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
