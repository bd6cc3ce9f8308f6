"""Drift: does a character in a frame still look like its asset's key image?

No detector is needed and any engine's pictures can be checked, offline ones too: the key image
(a close-up portrait) gives the character's look as a colour signature — a coarse RGB histogram of
its centre, where the character is — and the frame is searched for the window that looks most like
it (windows of a few sizes over a grid: the per-character crop). The distance is one minus the
histogram intersection of the best window (0: the same colours in the same amounts; 1: nothing in
common), checked with a perceptual hash (`imagehash`) of the same crop so a window with the right
colours but the wrong shape still counts as drift. A frame is flagged past a threshold
(`DEFAULT_THRESHOLD`, or the caller's).

A character must be big enough in the frame to be checked (`checkable`): close-ups, and medium
shots of one character. In wide shots and inserts a figure is a few dozen pixels and its colours
are the set's; those frames are left out rather than flagged at random.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

#: distance above which a character counts as drifted (calibrated on offline frames: the same
#: character measures well under it, another character's look well over it)
DEFAULT_THRESHOLD = 0.49
BINS = 6  # per channel: 216 colours, coarse enough for light and compression to matter little
WORK_WIDTH = 192  # frames are compared at this width (speed; looks survive it)
WINDOWS = (0.18, 0.3, 0.45, 0.6)  # window heights as fractions of the frame's height
HASH_WEIGHT = 0.25  # how much the perceptual-hash distance counts next to the colour distance


def checkable(shot_type: str, characters: int) -> bool:
    """Is a character big enough in a shot of this type to compare with its key image?"""
    kind = shot_type.lower()
    return "close" in kind or (kind.startswith("medium") and characters == 1)


def _load(path: Path, width: int = WORK_WIDTH) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        rgb = image.convert("RGB")
        height = max(1, round(rgb.height * width / rgb.width))
        return np.asarray(rgb.resize((width, height)), dtype=np.uint8)


def _histogram(pixels: np.ndarray) -> np.ndarray:
    q = (pixels.reshape(-1, 3).astype(np.int32) * BINS) // 256
    index = q[:, 0] * BINS * BINS + q[:, 1] * BINS + q[:, 2]
    counts = np.bincount(index, minlength=BINS ** 3).astype(np.float64)
    return counts / max(1.0, counts.sum())


def _phash_distance(a: np.ndarray, b: np.ndarray) -> float:
    import imagehash
    from PIL import Image

    return (imagehash.phash(Image.fromarray(a)) - imagehash.phash(Image.fromarray(b))) / 64.0


@lru_cache(maxsize=256)
def _key_look(path: str, mtime: float) -> tuple[np.ndarray, np.ndarray]:
    """The key image's centre (where a portrait's character is) and its colour signature."""
    key = _load(Path(path))
    h, w = key.shape[:2]
    centre = key[int(h * 0.15): int(h * 0.95), int(w * 0.3): int(w * 0.7)]
    return centre, _histogram(centre)


def look_distance(frame: Path, key_image: Path) -> float:
    """0..1: how far the best-matching crop of `frame` is from the look of `key_image`."""
    centre, wanted = _key_look(str(key_image), Path(key_image).stat().st_mtime)
    picture = _load(Path(frame))
    height, width = picture.shape[:2]
    best, best_crop = 2.0, picture
    aspect = centre.shape[1] / max(1, centre.shape[0])
    for fraction in WINDOWS:
        wh = max(8, int(height * fraction))
        ww = max(8, min(width, int(wh * aspect)))
        step_y, step_x = max(1, wh // 3), max(1, ww // 3)
        for y in range(0, max(1, height - wh + 1), step_y):
            for x in range(0, max(1, width - ww + 1), step_x):
                crop = picture[y: y + wh, x: x + ww]
                distance = 1.0 - float(np.minimum(_histogram(crop), wanted).sum())
                if distance < best:
                    best, best_crop = distance, crop
    shape = _phash_distance(best_crop, centre)
    return float(min(1.0, (1 - HASH_WEIGHT) * best + HASH_WEIGHT * shape))
