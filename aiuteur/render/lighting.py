"""Colour arithmetic and the light of each time of day (sky gradient, ambient level, tint).

Why: every backdrop, figure and prop is coloured "as seen under this light", so a night scene
is dark and blue and a dusk scene warm without each drawing routine knowing about times of day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image

from .looks import RGB

__all__ = ["LIGHTS", "Light", "glow", "luma", "mix", "shade", "vertical_gradient"]


def mix(a: Sequence[int], b: Sequence[int], t: float) -> RGB:
    """Linear blend of two colours (t=0 -> a, t=1 -> b)."""
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a[:3], b[:3]))  # type: ignore[return-value]


def shade(c: Sequence[int], f: float) -> RGB:
    return tuple(max(0, min(255, int(round(x * f)))) for x in c[:3])  # type: ignore[return-value]


def luma(c: Sequence[int]) -> float:
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


@dataclass(frozen=True)
class Light:
    key: str
    sky: tuple[RGB, RGB, RGB]  # top, middle, horizon
    ambient: float
    tint: RGB
    tint_amount: float

    def lit(self, c: Sequence[int]) -> RGB:
        """A surface colour as seen under this light."""
        return mix(shade(c, self.ambient), self.tint, self.tint_amount)


LIGHTS = {
    "day": Light("day", ((66, 130, 212), (140, 190, 238), (205, 228, 248)), 1.0, (255, 255, 255), 0.0),
    "morning": Light("morning", ((92, 148, 218), (180, 206, 234), (250, 222, 186)), 0.95, (255, 222, 170), 0.08),
    "dusk": Light("dusk", ((50, 46, 108), (196, 92, 104), (255, 162, 92)), 0.72, (255, 130, 80), 0.18),
    "dawn": Light("dawn", ((72, 96, 160), (222, 152, 172), (255, 208, 164)), 0.82, (255, 184, 172), 0.12),
    "evening": Light("evening", ((20, 26, 66), (62, 56, 116), (142, 88, 118)), 0.5, (110, 90, 160), 0.2),
    "night": Light("night", ((4, 7, 22), (12, 20, 48), (30, 42, 80)), 0.34, (50, 70, 150), 0.22),
}


def vertical_gradient(size: tuple[int, int], stops: Sequence[RGB]) -> Image.Image:
    """Vertical gradient through evenly spaced colour ``stops``."""
    w, h = size
    h = max(1, h)
    col = Image.new("RGB", (1, h))
    n = len(stops) - 1
    data = []
    for y in range(h):
        t = y / max(1, h - 1) * n
        i = min(n - 1, int(t))
        data.append(mix(stops[i], stops[i + 1], t - i))
    col.putdata(data)
    return col.resize((max(1, w), h), Image.Resampling.NEAREST)


def glow(img: Image.Image, centre: tuple[float, float], radius: float, colour: RGB, strength: float) -> None:
    """Soft radial light (lamp, sun halo) added onto ``img`` in place."""
    r = int(max(2, radius))
    mask = Image.radial_gradient("L").resize((2 * r, 2 * r), Image.Resampling.BILINEAR)
    # radial_gradient is 0 at the centre and ~181 at the middle of an edge
    mask = mask.point(lambda v: int(255 * strength * max(0.0, 1.0 - v / 181.0) ** 2))
    layer = Image.new("RGB", (2 * r, 2 * r), colour)
    img.paste(layer, (int(centre[0] - r), int(centre[1] - r)), mask)
