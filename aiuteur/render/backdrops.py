"""Backdrops: the exterior or interior of a panel's location, and the opening of an INT/EXT shot.

Why: a panel must say where and when at a glance. INT/EXT comes from the spec (or is guessed from
the location's words); :mod:`.exteriors` and :mod:`.interiors` draw the place.
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from .canvas import SUPERSAMPLE, Canvas
from .exteriors import draw_exterior
from .interiors import draw_interior
from .lighting import LIGHTS, Light, mix, shade
from .locations import guess_interior
from .seeded import seeded_rng
from .spec import FrameSpec
from .vocabulary import normalize_time_of_day

__all__ = ["draw_backdrop", "draw_int_ext_frame"]


def draw_int_ext_frame(img: Image.Image, cv: Canvas, light: Light, location: str) -> None:
    """INT/EXT: looking out through an opening (doorway / windscreen) at the exterior."""
    d = ImageDraw.Draw(img)
    rng = seeded_rng("intext", location.upper())
    wall = mix(shade(rng.choice([(90, 80, 70), (70, 74, 84), (110, 96, 80)]), max(0.45, light.ambient)), (255, 170, 90), 0.05)
    P = cv.pic_h
    side = cv.w * 0.09
    d.rectangle((0, 0, side, cv.h), fill=wall)
    d.rectangle((cv.w - side, 0, cv.w, cv.h), fill=wall)
    d.rectangle((0, 0, cv.w, P * 0.08), fill=wall)
    edge = shade(wall, 0.6)
    d.line((side, P * 0.08, side, cv.h), fill=edge, width=SUPERSAMPLE * 3)
    d.line((cv.w - side, P * 0.08, cv.w - side, cv.h), fill=edge, width=SUPERSAMPLE * 3)
    d.line((side, P * 0.08, cv.w - side, P * 0.08), fill=edge, width=SUPERSAMPLE * 3)


def draw_backdrop(cv: Canvas, spec: FrameSpec) -> Image.Image:
    img = Image.new("RGB", (cv.w, cv.h))
    light = LIGHTS[normalize_time_of_day(spec.time_of_day)]
    ie = spec.int_ext or ("INT" if guess_interior(spec.location) else "EXT")
    if ie == "INT":
        draw_interior(img, cv, light, spec.location)
    else:
        draw_exterior(img, cv, light, spec.location)
    return img
