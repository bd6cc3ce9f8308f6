"""Interior backdrops: back wall, perspective floor, a window showing the time of day, a door,
furniture of the location's kind (kitchen, office, bar, home, industrial, vehicle), and daylight
or lamp light.

Why: an INT panel must say where and when at a glance; interiors are lit by practicals at night,
so they darken less than exteriors.
"""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image, ImageDraw

from .canvas import SUPERSAMPLE, Canvas
from .lighting import Light, glow, mix, shade, vertical_gradient
from .locations import location_kind
from .looks import RGB
from .seeded import seeded_rng

__all__ = ["draw_interior"]

_INT_WALLS = {
    "kitchen": [(226, 214, 170), (200, 222, 210), (236, 200, 170)],
    "office": [(200, 210, 215), (215, 215, 205), (190, 200, 210)],
    "bar": [(120, 70, 50), (90, 60, 70), (110, 80, 50)],
    "home": [(210, 180, 150), (170, 190, 200), (200, 170, 180), (190, 200, 160)],
    "industrial": [(140, 140, 135), (120, 125, 130), (150, 140, 120)],
    "vehicle": [(70, 70, 78), (90, 84, 76)],
}
_INT_FLOORS = {
    "kitchen": (200, 200, 196),
    "office": (120, 126, 140),
    "bar": (90, 60, 40),
    "home": (150, 110, 75),
    "industrial": (110, 110, 106),
    "vehicle": (50, 50, 55),
}


def draw_interior(img: Image.Image, cv: Canvas, light: Light, location: str) -> None:
    """INT: back wall, perspective floor, a window showing the time of day,
    a door, kind-specific furniture, and lamp / daylight lighting."""
    rng = seeded_rng("int", location.upper())
    kind = location_kind(location, interior=True)
    P = cv.pic_h
    floor_y = P * 0.64
    # Interiors are lit by practicals at night: less darkening than outdoors.
    amb = {"day": 1.0, "morning": 0.96, "dusk": 0.8, "dawn": 0.85, "evening": 0.62, "night": 0.5}[light.key]
    warm = {"day": 0.0, "morning": 0.05, "dusk": 0.14, "dawn": 0.08, "evening": 0.16, "night": 0.2}[light.key]

    def lit(c: Sequence[int]) -> RGB:
        return mix(shade(c, amb), (255, 170, 90), warm)

    wall = rng.choice(_INT_WALLS[kind])
    wall_img = vertical_gradient((cv.w, int(floor_y) + 1), [lit(shade(wall, 0.85)), lit(wall)])
    img.paste(wall_img, (0, 0))
    d = ImageDraw.Draw(img)
    floor = lit(_INT_FLOORS[kind])
    d.rectangle((0, floor_y, cv.w, cv.h), fill=floor)
    vp = (cv.w / 2, P * 0.3)
    line_c = shade(floor, 0.8)
    for i in range(-12, 13):
        fx = cv.w / 2 + i * cv.w / 9
        # line from the floor line toward the viewer, converging at vp
        t = (cv.h - vp[1]) / (floor_y - vp[1])
        bx = vp[0] + (fx - vp[0]) * t
        d.line((fx, floor_y, bx, cv.h), fill=line_c, width=SUPERSAMPLE)
    y, step = floor_y, P * 0.03
    while y < cv.h:
        d.line((0, y, cv.w, y), fill=line_c, width=SUPERSAMPLE)
        step *= 1.45
        y += step
    d.rectangle((0, floor_y - P * 0.02, cv.w, floor_y), fill=shade(lit(wall), 0.6))

    # window (shows the sky of this time of day) and door on opposite sides
    win_left = rng.random() < 0.5
    if kind == "vehicle":
        wx0, wx1, wy0, wy1 = cv.w * 0.06, cv.w * 0.94, P * 0.08, P * 0.5
    else:
        ww = min(cv.w * 0.26, P * 0.5)
        cx = cv.w * (rng.uniform(0.18, 0.3) if win_left else rng.uniform(0.7, 0.82))
        wx0, wx1, wy0, wy1 = cx - ww / 2, cx + ww / 2, P * 0.12, P * 0.44
    sky = vertical_gradient((int(wx1 - wx0), int(wy1 - wy0)), light.sky)
    img.paste(sky, (int(wx0), int(wy0)))
    if light.key == "night":
        mr = P * 0.03
        mx, my = wx0 + (wx1 - wx0) * 0.7, wy0 + (wy1 - wy0) * 0.3
        d.ellipse((mx - mr, my - mr, mx + mr, my + mr), fill=(236, 234, 212))
    frame_c = lit((245, 245, 240)) if kind != "vehicle" else lit((40, 40, 44))
    fw = max(SUPERSAMPLE * 2, P * 0.015)
    d.rectangle((wx0, wy0, wx1, wy1), outline=frame_c, width=int(fw))
    if kind != "vehicle":
        d.line(((wx0 + wx1) / 2, wy0, (wx0 + wx1) / 2, wy1), fill=frame_c, width=int(fw * 0.7))
        d.line((wx0, (wy0 + wy1) / 2, wx1, (wy0 + wy1) / 2), fill=frame_c, width=int(fw * 0.7))
        dx = cv.w * (rng.uniform(0.7, 0.85) if win_left else rng.uniform(0.15, 0.3))
        dw, dh = P * 0.2, P * 0.5
        door_c = lit(rng.choice([(120, 80, 50), (90, 100, 120), (150, 150, 150)]))
        d.rectangle((dx - dw / 2, floor_y - dh, dx + dw / 2, floor_y), fill=door_c, outline=shade(door_c, 0.6), width=int(fw))
        kr = P * 0.012
        kx = dx + dw * 0.32 * (-1 if win_left else 1)
        d.ellipse((kx - kr, floor_y - dh * 0.48 - kr, kx + kr, floor_y - dh * 0.48 + kr), fill=lit((220, 190, 90)))
    else:  # dashboard
        d.rectangle((0, P * 0.5, cv.w, floor_y), fill=lit((45, 45, 50)))

    # kind-specific furniture along the back wall
    if kind == "kitchen":
        top = floor_y - P * 0.2
        d.rectangle((0, top, cv.w, floor_y), fill=lit((235, 235, 230)))
        d.rectangle((0, top - P * 0.02, cv.w, top), fill=lit((120, 110, 100)))
        for cx0 in range(0, cv.w, int(P * 0.2)):
            d.rectangle((cx0 + P * 0.01, top + P * 0.03, cx0 + P * 0.19, floor_y - P * 0.01), outline=lit((180, 180, 175)), width=SUPERSAMPLE)
        d.rectangle((0, P * 0.04, cv.w, P * 0.1), fill=lit((235, 235, 230)))
    elif kind == "office":
        bx = cv.w * (0.62 if win_left else 0.38)
        d.rectangle((bx - P * 0.2, P * 0.14, bx + P * 0.2, P * 0.38), fill=lit((248, 248, 248)), outline=lit((150, 150, 160)), width=SUPERSAMPLE * 2)
        for k in range(3):
            d.line((bx - P * 0.16, P * (0.19 + k * 0.05), bx + P * rng.uniform(0.0, 0.15), P * (0.19 + k * 0.05)), fill=(70, 90, 160), width=SUPERSAMPLE)
        d.rectangle((0, floor_y - P * 0.015, cv.w, floor_y), fill=lit((90, 90, 100)))
    elif kind == "bar":
        sy = P * 0.2
        for k in range(2):
            yy = sy + k * P * 0.14
            d.rectangle((0, yy, cv.w, yy + P * 0.012), fill=lit((70, 45, 30)))
            bx = rng.uniform(0, P * 0.05)
            while bx < cv.w:
                bc = lit(rng.choice([(60, 120, 60), (150, 90, 40), (200, 200, 210), (120, 40, 40)]))
                bh = P * rng.uniform(0.06, 0.1)
                d.rectangle((bx, yy - bh, bx + P * 0.025, yy), fill=bc)
                bx += P * rng.uniform(0.04, 0.07)
        d.rectangle((0, floor_y - P * 0.16, cv.w, floor_y), fill=lit((100, 60, 35)))
        d.rectangle((0, floor_y - P * 0.17, cv.w, floor_y - P * 0.15), fill=lit((140, 90, 50)))
    elif kind == "home":
        fx = cv.w * rng.uniform(0.4, 0.6)
        d.rectangle((fx - P * 0.08, P * 0.16, fx + P * 0.08, P * 0.3), fill=lit((240, 230, 210)), outline=lit((110, 80, 50)), width=SUPERSAMPLE * 3)
        d.polygon([(fx - P * 0.06, P * 0.27), (fx - P * 0.02, P * 0.2), (fx + P * 0.02, P * 0.25), (fx + P * 0.06, P * 0.21), (fx + P * 0.06, P * 0.27)],
                  fill=lit((110, 150, 110)))
        sofa_c = lit(rng.choice([(120, 60, 60), (60, 90, 120), (110, 110, 80)]))
        d.rounded_rectangle((fx - P * 0.35, floor_y - P * 0.16, fx + P * 0.35, floor_y + P * 0.02), radius=P * 0.04, fill=sofa_c)
        d.rounded_rectangle((fx - P * 0.38, floor_y - P * 0.1, fx + P * 0.38, floor_y + P * 0.03), radius=P * 0.03, fill=shade(sofa_c, 0.85))
    elif kind == "industrial":
        for k in range(3):
            rx = cv.w * (0.15 + 0.35 * k) + rng.uniform(-P * 0.05, P * 0.05)
            d.rectangle((rx - P * 0.15, P * 0.12, rx + P * 0.15, floor_y), outline=lit((200, 120, 40)), width=SUPERSAMPLE * 2)
            for s in range(3):
                yy = P * (0.25 + s * 0.13)
                d.line((rx - P * 0.15, yy, rx + P * 0.15, yy), fill=lit((200, 120, 40)), width=SUPERSAMPLE * 2)
                d.rectangle((rx - P * 0.12, yy - P * 0.07, rx - P * 0.01, yy), fill=lit((170, 140, 100)))
        for k in range(3):  # hanging industrial lamps
            lx = cv.w * (0.2 + 0.3 * k)
            d.line((lx, 0, lx, P * 0.06), fill=lit((40, 40, 40)), width=SUPERSAMPLE)

    # lighting: daylight shaft from the window, or warm practical lamps at night
    if light.key in ("day", "morning", "dawn") and kind != "vehicle":
        shaft = Image.new("L", img.size, 0)
        sd = ImageDraw.Draw(shaft)
        off = (cv.w * 0.1) * (1 if win_left else -1)
        sd.polygon([(wx0, wy1), (wx1, wy1), (wx1 + off, cv.h), (wx0 + off, cv.h)], fill=40)
        img.paste((255, 250, 225), (0, 0), shaft)
    elif light.key in ("night", "evening", "dusk") and kind != "vehicle":
        lx = cv.w * (0.88 if win_left else 0.12)
        ly = floor_y - P * 0.3
        d.rectangle((lx - P * 0.006, ly, lx + P * 0.006, floor_y), fill=(40, 36, 30))
        d.polygon([(lx - P * 0.05, ly + P * 0.02), (lx - P * 0.03, ly - P * 0.06), (lx + P * 0.03, ly - P * 0.06), (lx + P * 0.05, ly + P * 0.02)],
                  fill=(255, 226, 160))
        glow(img, (lx, ly), P * 0.55, (255, 190, 110), 0.45)
    elif kind == "vehicle" and light.key in ("night", "evening"):
        glow(img, (cv.w / 2, P * 0.55), P * 0.3, (80, 140, 255), 0.35)
