"""Camera moves of the animatic: the vocabulary, the eased path of each move, and the view it gives.

Why: shot lists say "slow push in", "dolly left", "hand-held"; the animatic needs one of a few
moves it can draw. Each move is a pure function of progress and time (sine-eased, so it starts
and stops gently), evaluated with sub-pixel precision (ffmpeg's ``zoompan`` rounds to whole
pixels and visibly judders on slow moves). The view is computed for any plane size, so the same
move applies to an RGB picture and to the luma and chroma planes of a yuv420p frame.

* push-in / pull-out zoom 1.0 <-> 1.18 about the centre;
* pans and tilts travel across a 1.15x crop; tracking is treated as a pan;
* handheld is a deterministic small shake (sum of sines seeded from the picture) with a slight
  roll on a 1.06x crop.
"""

from __future__ import annotations

import hashlib
import math
from typing import Literal

from PIL import Image

__all__ = [
    "CAMERA_MOVES",
    "STILL",
    "Camera",
    "CameraMove",
    "camera_at",
    "ease",
    "moved",
    "normalize_camera_move",
    "shake_phases",
    "view",
]

CameraMove = Literal["static", "push_in", "pull_out", "pan_left", "pan_right", "tilt_up", "tilt_down", "handheld"]
CAMERA_MOVES: tuple[str, ...] = (
    "static", "push_in", "pull_out", "pan_left", "pan_right", "tilt_up", "tilt_down", "handheld",
)
#: (zoom, dx, dy, roll_degrees): dx, dy move the centre of view as fractions of the frame size
Camera = tuple[float, float, float, float]
#: the camera that does not move
STILL: Camera = (1.0, 0.0, 0.0, 0.0)

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


def ease(p: float) -> float:
    """Sine ease-in/out on [0, 1]."""
    p = min(1.0, max(0.0, p))
    return 0.5 - 0.5 * math.cos(math.pi * p)


def camera_at(move: str, p: float, t: float, phases: tuple[float, ...]) -> Camera:
    """(zoom, dx, dy, roll_degrees) at eased progress ``p`` / time ``t`` seconds.

    dx, dy move the centre of view as fractions of the frame size.
    """
    e = ease(p)
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
    return STILL


def view(img: Image.Image, zoom: float, dx: float, dy: float, roll: float, *, rows: int | None = None,
         resample: Image.Resampling = Image.Resampling.BICUBIC) -> Image.Image:
    """View of ``img`` zoomed by ``zoom`` about a shifted centre, rolled by ``roll``°.

    ``rows``: make only the top this-many rows of the view (the rest of the frame is covered by a
    still band anyway: resampling rows nobody sees is the animatic's largest cost at 1080p).
    """
    w, h = img.size
    rows = h if rows is None else max(1, min(h, int(rows)))
    if zoom == 1.0 and dx == 0.0 and dy == 0.0 and roll == 0.0:
        return img if rows == h else img.crop((0, 0, w, rows))
    if roll == 0.0:
        # sub-pixel crop + separable resize: ~3x faster than an affine transform
        cw, ch = w / zoom, h / zoom
        x0 = min(max(0.0, w / 2 + dx * w - cw / 2), w - cw)
        y0 = min(max(0.0, h / 2 + dy * h - ch / 2), h - ch)
        return img.resize((w, rows), resample, box=(x0, y0, x0 + cw, y0 + ch * rows / h))
    th = math.radians(roll)
    cos, sin = math.cos(th), math.sin(th)
    cx, cy = w / 2 + dx * w, h / 2 + dy * h
    a, b = cos / zoom, -sin / zoom
    d, e = sin / zoom, cos / zoom
    c = cx - a * w / 2 - b * h / 2
    f = cy - d * w / 2 - e * h / 2
    return img.transform((w, rows), Image.Transform.AFFINE, (a, b, c, d, e, f), resample=Image.Resampling.BILINEAR)


def moved(img: Image.Image, camera: Camera, held: int) -> Image.Image:
    """`img` under the camera move; its bottom `held` pixels (a caption band) stay where they are."""
    if held <= 0 or camera == STILL:
        return view(img, *camera)
    w, h = img.size
    frame = img.copy()
    frame.paste(view(img.crop((0, 0, w, h - held)), *camera), (0, 0))
    return frame


def shake_phases(img: Image.Image) -> tuple[float, ...]:
    """Handheld shake phases derived from the picture, so each shot shakes
    differently but the same shot always shakes the same way."""
    digest = hashlib.blake2b(img.resize((32, 18)).tobytes(), digest_size=10).digest()
    return tuple(int.from_bytes(digest[i : i + 2], "big") / 65535 * 2 * math.pi for i in range(0, 10, 2))
