"""Exterior backdrops: a sky for the time of day (sun, moon, stars, clouds), a horizon, and the
ground and props of the location's kind (street, nature, plain, water, desert, snow).

Why: an EXT panel must say where and when at a glance; the details come from a stable hash of
the location, so a place looks the same in all its shots.
"""

from __future__ import annotations

import colorsys
import random

from PIL import Image, ImageDraw

from .canvas import SUPERSAMPLE, Canvas
from .lighting import Light, glow, shade, vertical_gradient
from .locations import location_kind
from .looks import RGB
from .seeded import seeded_rng

__all__ = ["draw_exterior"]


def _sky_and_celestial(img: Image.Image, cv: Canvas, light: Light, horizon: float, rng: random.Random) -> None:
    """Sky gradient with sun / moon / stars according to the light."""
    sky = vertical_gradient((cv.w, int(horizon) + 1), light.sky)
    img.paste(sky, (0, 0))
    d = ImageDraw.Draw(img)
    sx = cv.w * rng.uniform(0.12, 0.88)
    unit = cv.pic_h
    if light.key == "night":
        for _ in range(int(cv.w * horizon / (unit * unit) * 60)):
            x, y = rng.uniform(0, cv.w), rng.uniform(0, horizon * 0.9)
            r = rng.choice((1, 1, 1, 2)) * SUPERSAMPLE * 0.6
            v = rng.randint(150, 255)
            d.ellipse((x - r, y - r, x + r, y + r), fill=(v, v, min(255, v + 20)))
        mr = unit * 0.07
        my = unit * 0.16
        glow(img, (sx, my), mr * 3.2, (90, 110, 170), 0.5)
        d.ellipse((sx - mr, my - mr, sx + mr, my + mr), fill=(236, 234, 212))
        d.ellipse((sx - mr * 0.45, my - mr * 0.3, sx - mr * 0.15, my), fill=(214, 212, 192))
        d.ellipse((sx + mr * 0.2, my + mr * 0.25, sx + mr * 0.45, my + mr * 0.5), fill=(220, 218, 198))
    elif light.key == "evening":
        for _ in range(int(cv.w * horizon / (unit * unit) * 15)):
            x, y = rng.uniform(0, cv.w), rng.uniform(0, horizon * 0.5)
            r = SUPERSAMPLE * 0.6
            d.ellipse((x - r, y - r, x + r, y + r), fill=(200, 200, 220))
    else:
        sun = {
            "day": ((255, 244, 190), unit * 0.07, unit * 0.15),
            "morning": ((255, 236, 170), unit * 0.075, unit * 0.30),
            "dusk": ((255, 178, 92), unit * 0.11, horizon - unit * 0.05),
            "dawn": ((255, 218, 170), unit * 0.1, horizon - unit * 0.04),
        }[light.key]
        colour, sr, sy = sun
        glow(img, (sx, sy), sr * 3.5, colour, 0.55)
        d.ellipse((sx - sr, sy - sr, sx + sr, sy + sr), fill=colour)
        if light.key in ("day", "morning"):  # a couple of clouds
            for _ in range(rng.randint(1, 3)):
                cx, cy = rng.uniform(0, cv.w), rng.uniform(unit * 0.08, horizon * 0.55)
                cw = unit * rng.uniform(0.18, 0.3)
                for k in range(4):
                    ox = (k - 1.5) * cw * 0.28
                    rr = cw * (0.2 if k in (0, 3) else 0.28)
                    d.ellipse((cx + ox - rr, cy - rr * 0.8, cx + ox + rr, cy + rr * 0.6), fill=(250, 252, 255))


def draw_exterior(img: Image.Image, cv: Canvas, light: Light, location: str) -> None:
    """EXT: sky + horizon + a ground and props chosen from the location."""
    rng = seeded_rng("ext", location.upper())
    kind = location_kind(location, interior=False)
    P = cv.pic_h
    horizon = P * 0.56
    _sky_and_celestial(img, cv, light, horizon, rng)
    d = ImageDraw.Draw(img)
    night = light.key in ("night", "evening")
    hue_jit = rng.uniform(-0.08, 0.08)

    def jitter(c: RGB) -> RGB:
        h, s, v = colorsys.rgb_to_hsv(*(x / 255 for x in c))
        r, g, b = colorsys.hsv_to_rgb((h + hue_jit * 0.3) % 1, s, v)
        return (int(r * 255), int(g * 255), int(b * 255))

    if kind == "urban":
        ground = [(92, 92, 98), (62, 62, 68)]
        x = -rng.uniform(0, P * 0.1)
        while x < cv.w:
            bw = P * rng.uniform(0.12, 0.3)
            bh = P * rng.uniform(0.12, 0.42)
            base = jitter(rng.choice([(120, 128, 150), (150, 140, 130), (110, 118, 128), (140, 150, 160)]))
            col = light.lit(base)
            d.rectangle((x, horizon - bh, x + bw, horizon), fill=col, outline=shade(col, 0.7), width=SUPERSAMPLE)
            ww, wh = bw * 0.12, P * 0.025
            for wy in range(int(bh // (wh * 2.2))):
                for wx in range(int(bw // (ww * 2.0))):
                    lit_win = night and rng.random() < 0.45
                    wc = (255, 214, 120) if lit_win else light.lit((170, 200, 225))
                    x0 = x + ww * 0.6 + wx * ww * 2.0
                    y0 = horizon - bh + wh + wy * wh * 2.2
                    if y0 + wh < horizon - wh * 0.5:
                        d.rectangle((x0, y0, x0 + ww, y0 + wh), fill=wc)
            x += bw + P * rng.uniform(0.0, 0.05)
        d.rectangle((0, horizon, cv.w, cv.h), fill=light.lit(ground[1]))
        d.rectangle((0, horizon, cv.w, horizon + P * 0.05), fill=light.lit((150, 150, 150)))
        # kerb and perspective road markings
        vp = (cv.w / 2, horizon)
        for i in range(9):
            y0 = horizon + P * 0.09 + i * P * 0.07 * (1 + i * 0.35)
            if y0 > cv.h:
                break
            t = (y0 - vp[1]) / (cv.h - vp[1])
            dw = P * 0.01 + t * P * 0.03
            d.rectangle((vp[0] - dw, y0, vp[0] + dw, y0 + P * 0.02 * (1 + t * 2)), fill=light.lit((235, 210, 90)))
        lx = cv.w * rng.choice((0.12, 0.88))
        d.rectangle((lx - P * 0.008, horizon - P * 0.38, lx + P * 0.008, horizon + P * 0.06), fill=light.lit((60, 64, 70)))
        d.rectangle((lx - P * 0.04, horizon - P * 0.4, lx + P * 0.04, horizon - P * 0.37), fill=light.lit((60, 64, 70)))
        if night:
            glow(img, (lx, horizon - P * 0.36), P * 0.25, (255, 200, 120), 0.55)
    elif kind in ("nature", "plain"):
        far = light.lit(jitter((110, 150, 120)))
        for _ in range(3):
            hx, hw = rng.uniform(0, cv.w), P * rng.uniform(0.5, 1.0)
            hh = P * rng.uniform(0.06, 0.14)
            d.ellipse((hx - hw, horizon - hh, hx + hw, horizon + hh), fill=far)
        d.rectangle((0, horizon, cv.w, cv.h), fill=light.lit(jitter((96, 150, 70))))
        grad = vertical_gradient((cv.w, int(cv.h - horizon)), [light.lit(jitter((120, 170, 90))), light.lit(jitter((70, 120, 50)))])
        img.paste(grad, (0, int(horizon)))
        if kind == "nature":
            n_trees = rng.randint(5, 9)
            for i in range(n_trees):
                tx = cv.w * (i + rng.uniform(0.1, 0.9)) / n_trees
                th = P * rng.uniform(0.22, 0.4)
                ty = horizon + P * rng.uniform(0.0, 0.03)
                trunk = light.lit((96, 70, 50))
                d.rectangle((tx - th * 0.04, ty - th * 0.45, tx + th * 0.04, ty), fill=trunk)
                leaf = light.lit(jitter(rng.choice([(50, 110, 60), (70, 130, 60), (40, 95, 70)])))
                if rng.random() < 0.5:  # pine
                    d.polygon([(tx, ty - th), (tx - th * 0.28, ty - th * 0.3), (tx + th * 0.28, ty - th * 0.3)], fill=leaf)
                else:
                    r = th * 0.3
                    d.ellipse((tx - r, ty - th * 0.95, tx + r, ty - th * 0.95 + 2 * r), fill=leaf)
        else:  # plain: a fence and a distant house
            hx = cv.w * rng.uniform(0.15, 0.85)
            hs = P * 0.08
            d.rectangle((hx - hs, horizon - hs, hx + hs, horizon), fill=light.lit((200, 190, 170)))
            d.polygon([(hx - hs * 1.2, horizon - hs), (hx, horizon - hs * 1.8), (hx + hs * 1.2, horizon - hs)], fill=light.lit((150, 60, 50)))
            fy = horizon + P * 0.12
            fc = light.lit((130, 100, 70))
            d.rectangle((0, fy, cv.w, fy + P * 0.012), fill=fc)
            for fx in range(0, cv.w, int(P * 0.12)):
                d.rectangle((fx, fy - P * 0.04, fx + P * 0.012, fy + P * 0.03), fill=fc)
    elif kind == "water":
        sea_bottom = horizon + P * 0.16
        sea = vertical_gradient((cv.w, int(sea_bottom - horizon)), [light.lit((60, 110, 170)), light.lit((40, 90, 150))])
        img.paste(sea, (0, int(horizon)))
        d.rectangle((0, sea_bottom, cv.w, cv.h), fill=light.lit(jitter((222, 200, 150))))
        for _ in range(14):
            wx, wy = rng.uniform(0, cv.w), rng.uniform(horizon + P * 0.02, sea_bottom - P * 0.01)
            wl = P * rng.uniform(0.03, 0.08)
            d.line((wx, wy, wx + wl, wy), fill=light.lit((170, 200, 230)), width=SUPERSAMPLE)
        d.line((0, sea_bottom, cv.w, sea_bottom), fill=light.lit((245, 245, 240)), width=2 * SUPERSAMPLE)
    elif kind == "desert":
        for _ in range(3):
            mx, mw = rng.uniform(0, cv.w), P * rng.uniform(0.2, 0.4)
            mh = P * rng.uniform(0.08, 0.2)
            d.polygon([(mx - mw, horizon), (mx - mw * 0.6, horizon - mh), (mx + mw * 0.6, horizon - mh), (mx + mw, horizon)],
                      fill=light.lit(jitter((176, 100, 70))))
        grad = vertical_gradient((cv.w, int(cv.h - horizon)), [light.lit((232, 196, 140)), light.lit((206, 160, 100))])
        img.paste(grad, (0, int(horizon)))
        cx = cv.w * rng.uniform(0.1, 0.9)
        cc = light.lit((70, 130, 70))
        d.rounded_rectangle((cx - P * 0.015, horizon - P * 0.03, cx + P * 0.015, horizon + P * 0.12), radius=P * 0.015, fill=cc)
        d.rounded_rectangle((cx - P * 0.05, horizon + P * 0.0, cx - P * 0.03, horizon + P * 0.06), radius=P * 0.01, fill=cc)
    else:  # snow
        for _ in range(4):
            mx, mw = rng.uniform(0, cv.w), P * rng.uniform(0.3, 0.5)
            mh = P * rng.uniform(0.18, 0.36)
            d.polygon([(mx - mw, horizon), (mx, horizon - mh), (mx + mw, horizon)], fill=light.lit(jitter((110, 120, 150))))
            d.polygon([(mx - mw * 0.25, horizon - mh * 0.75), (mx, horizon - mh), (mx + mw * 0.25, horizon - mh * 0.75)],
                      fill=light.lit((245, 248, 255)))
        grad = vertical_gradient((cv.w, int(cv.h - horizon)), [light.lit((236, 242, 250)), light.lit((200, 214, 232))])
        img.paste(grad, (0, int(horizon)))
