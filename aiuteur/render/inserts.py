"""Insert shots: a tabletop close on the object the caption names (phone, letter, key, mug...).

Why: an insert has no characters; what it must show is the object, so the object is read from
the caption's words (or picked by a stable hash when none is named).
"""

from __future__ import annotations

import math
import re

from PIL import Image, ImageDraw, ImageFilter

from .canvas import SUPERSAMPLE, Canvas
from .lighting import Light, mix, shade, vertical_gradient
from .looks import character_look
from .seeded import stable_int
from .spec import FrameSpec

__all__ = ["draw_insert"]

_INSERT_OBJECTS = ("phone", "letter", "key", "mug", "photo", "book", "clock")
_INSERT_WORDS = {
    "phone": ("phone", "text", "message", "call", "screen", "cellphone", "mobile", "sms"),
    "letter": ("letter", "note", "envelope", "paper", "document", "file", "map", "page", "contract", "ticket"),
    "key": ("key", "keys", "lock", "keycard"),
    "mug": ("cup", "coffee", "mug", "tea", "glass", "drink", "bottle", "wine"),
    "photo": ("photo", "picture", "photograph", "polaroid", "portrait", "frame"),
    "book": ("book", "diary", "journal", "notebook", "bible", "album"),
    "clock": ("clock", "watch", "time", "timer", "alarm", "wristwatch"),
}


def _insert_object(spec: FrameSpec) -> str:
    words = set(re.findall(r"[a-z]+", spec.caption.lower()))
    for obj in _INSERT_OBJECTS:
        if words & set(_INSERT_WORDS[obj]):
            return obj
    return _INSERT_OBJECTS[stable_int("insert", spec.caption, spec.title or "") % len(_INSERT_OBJECTS)]


def draw_insert(img: Image.Image, cv: Canvas, spec: FrameSpec, light: Light) -> None:
    """Insert: a tabletop close on one object named (or implied) by the caption."""
    d = ImageDraw.Draw(img)
    P, W = cv.pic_h, cv.w
    table_y = P * 0.5
    wood = mix(shade((150, 105, 65), max(0.55, light.ambient)), (255, 170, 90), 0.08 if light.key != "day" else 0.0)
    tab = vertical_gradient((W, int(cv.h - table_y)), [shade(wood, 0.85), wood])
    img.paste(tab, (0, int(table_y)))
    for k in range(6):
        yy = table_y + (cv.h - table_y) * (k + 1) / 7
        d.line((0, yy, W, yy + P * 0.01), fill=shade(wood, 0.78), width=SUPERSAMPLE)
    obj = _insert_object(spec)
    cx, cy = W / 2, P * 0.58
    s = P * 0.3
    if spec.moment == "end":
        cx += W * 0.03
    ink = (40, 40, 48)
    # soft shadow
    sh = Image.new("L", img.size, 0)
    ImageDraw.Draw(sh).ellipse((cx - s * 1.1, cy + s * 0.2, cx + s * 1.2, cy + s * 0.75), fill=90)
    sh = sh.filter(ImageFilter.GaussianBlur(s * 0.12))
    img.paste((0, 0, 0), (0, 0), sh)
    if obj == "phone":
        d.rounded_rectangle((cx - s * 0.38, cy - s * 0.7, cx + s * 0.38, cy + s * 0.7), radius=s * 0.08, fill=(30, 30, 34))
        scr = (120, 190, 255) if spec.moment == "end" else (70, 110, 170)
        d.rounded_rectangle((cx - s * 0.32, cy - s * 0.6, cx + s * 0.32, cy + s * 0.6), radius=s * 0.04, fill=scr)
        for k in range(3):
            d.rounded_rectangle((cx - s * 0.26, cy - s * 0.45 + k * s * 0.25, cx + s * (0.2 - 0.1 * k), cy - s * 0.33 + k * s * 0.25),
                                radius=s * 0.04, fill=(240, 244, 250))
    elif obj == "letter":
        d.polygon([(cx - s * 0.7, cy - s * 0.5), (cx + s * 0.6, cy - s * 0.6), (cx + s * 0.7, cy + s * 0.5), (cx - s * 0.6, cy + s * 0.6)], fill=(246, 240, 222))
        for k in range(6):
            yy = cy - s * 0.35 + k * s * 0.14
            d.line((cx - s * 0.48, yy + s * 0.02, cx + s * (0.45 - 0.1 * (k == 5)), yy - s * 0.03), fill=(60, 70, 120), width=max(1, int(s * 0.02)))
    elif obj == "key":
        r = s * 0.22
        d.ellipse((cx - s * 0.6 - r, cy - r, cx - s * 0.6 + r, cy + r), outline=(200, 170, 70), width=int(s * 0.08))
        d.rectangle((cx - s * 0.4, cy - s * 0.05, cx + s * 0.6, cy + s * 0.05), fill=(200, 170, 70))
        for k in range(3):
            d.rectangle((cx + s * (0.25 + 0.12 * k), cy, cx + s * (0.3 + 0.12 * k), cy + s * 0.18), fill=(200, 170, 70))
    elif obj == "mug":
        mc = (200, 60, 50)
        d.rounded_rectangle((cx - s * 0.4, cy - s * 0.5, cx + s * 0.4, cy + s * 0.5), radius=s * 0.08, fill=mc)
        d.ellipse((cx + s * 0.28, cy - s * 0.3, cx + s * 0.72, cy + s * 0.2), outline=mc, width=int(s * 0.1))
        d.ellipse((cx - s * 0.4, cy - s * 0.6, cx + s * 0.4, cy - s * 0.4), fill=(70, 40, 25))
        for k in (-1, 0, 1):
            d.arc((cx + k * s * 0.15 - s * 0.08, cy - s * 1.0, cx + k * s * 0.15 + s * 0.08, cy - s * 0.65), 90, 270, fill=(235, 235, 235), width=max(1, int(s * 0.03)))
    elif obj == "photo":
        d.rectangle((cx - s * 0.7, cy - s * 0.55, cx + s * 0.7, cy + s * 0.55), fill=(248, 248, 244))
        d.rectangle((cx - s * 0.6, cy - s * 0.45, cx + s * 0.6, cy + s * 0.3), fill=(150, 180, 210))
        for k, look in enumerate(spec.characters[:3] or [character_look("?")]):
            px = cx - s * 0.3 + k * s * 0.3
            d.ellipse((px - s * 0.08, cy - s * 0.25, px + s * 0.08, cy - s * 0.09), fill=(230, 200, 170))
            d.rectangle((px - s * 0.12, cy - s * 0.08, px + s * 0.12, cy + s * 0.3), fill=look.colour)
    elif obj == "book":
        d.polygon([(cx - s * 0.8, cy - s * 0.4), (cx, cy - s * 0.3), (cx + s * 0.8, cy - s * 0.4), (cx + s * 0.8, cy + s * 0.45), (cx, cy + s * 0.55), (cx - s * 0.8, cy + s * 0.45)],
                  fill=(245, 238, 220), outline=(110, 60, 40), width=int(s * 0.04))
        d.line((cx, cy - s * 0.3, cx, cy + s * 0.55), fill=(150, 130, 110), width=max(1, int(s * 0.02)))
        for k in range(5):
            yy = cy - s * 0.2 + k * s * 0.13
            d.line((cx - s * 0.68, yy, cx - s * 0.12, yy + s * 0.03), fill=(90, 90, 110), width=max(1, int(s * 0.015)))
            d.line((cx + s * 0.12, yy + s * 0.03, cx + s * 0.68, yy), fill=(90, 90, 110), width=max(1, int(s * 0.015)))
    else:  # clock
        r = s * 0.6
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(250, 248, 240), outline=ink, width=int(s * 0.06))
        for k in range(12):
            a = k / 12 * 2 * math.pi
            d.line((cx + math.sin(a) * r * 0.8, cy - math.cos(a) * r * 0.8, cx + math.sin(a) * r * 0.9, cy - math.cos(a) * r * 0.9), fill=ink, width=max(1, int(s * 0.02)))
        mins = 0.1 if spec.moment == "start" else 0.25
        for length, frac, wdt in ((0.5, 0.83, 0.05), (0.75, mins, 0.03)):
            a = frac * 2 * math.pi
            d.line((cx, cy, cx + math.sin(a) * r * length, cy - math.cos(a) * r * length), fill=ink, width=max(1, int(s * wdt)))
