"""Character figures: a body of the character's silhouette in its costume colour, with a face.

Why: the costume colour is the character's identity on the storyboard, so the torso is drawn in
exactly that colour; faces look where the figure faces, mouths open when it speaks, and every
figure gets a dark outline so it reads against any backdrop.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter

from .canvas import SUPERSAMPLE
from .lighting import shade
from .looks import LEG_PALETTE, CharacterLook
from .seeded import stable_int
from .vocabulary import character_key

__all__ = ["BODY", "Figure", "composite_figure", "draw_figure"]

_SKIN = [(241, 212, 182), (226, 184, 146), (196, 146, 106), (156, 106, 74), (112, 76, 54)]
_HAIR = [(40, 30, 24), (90, 60, 30), (150, 110, 60), (200, 170, 110), (60, 60, 64), (120, 50, 30)]

# per silhouette: head diameter, shoulder width, hip height (all fractions of full height)
BODY = {
    "round": (0.19, 0.31, 0.58),
    "tall": (0.135, 0.22, 0.5),
    "broad": (0.155, 0.38, 0.55),
    "slim": (0.15, 0.2, 0.54),
    "hat": (0.155, 0.26, 0.55),
}


@dataclass
class Figure:
    """One character placed in the frame (scene coordinates)."""

    look: CharacterLook
    cx: float
    top: float  # y of the top of the head
    height: float  # head-top to feet
    facing: float  # -1 = screen left, 0 = camera, +1 = screen right
    gesture: float = 0.0  # 0 = arms down, 1 = forward arm raised
    back: bool = False  # seen from behind (over-the-shoulder foreground)
    speaking: bool = False

    @property
    def head_d(self) -> float:
        return BODY[self.look.silhouette][0] * self.height

    @property
    def head_box(self) -> tuple[float, float, float, float]:
        hd = self.head_d
        return (self.cx - hd / 2, self.top, self.cx + hd / 2, self.top + hd)


def draw_figure(fig: Figure, size: tuple[int, int]) -> Image.Image:
    """Draw one figure on a transparent layer; torso is exactly the look colour."""
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    look = fig.look
    F = fig.height
    head_f, sh_f, hip_f = BODY[look.silhouette]
    hd = head_f * F
    sw = sh_f * F
    cx, top = fig.cx, fig.top
    col = look.colour
    dark = shade(col, 0.62)
    h = stable_int("looks-extra", character_key(look.name))
    skin = _SKIN[h % len(_SKIN)]
    hair = _HAIR[(h >> 5) % len(_HAIR)]
    legs = LEG_PALETTE[(h >> 11) % len(LEG_PALETTE)] if look.name else dark
    head_cy = top + hd / 2
    sh_y = top + hd * 1.08
    hip_y = top + hip_f * F
    feet_y = top + F
    lean = fig.facing * sw * 0.06

    # legs
    lw = sw * (0.28 if look.silhouette != "slim" else 0.36)
    gap = sw * 0.05
    for sgn in (-1, 1):
        x_in = cx + sgn * gap
        x_out = cx + sgn * (gap + lw)
        d.polygon([(x_in, hip_y - F * 0.02), (x_out, hip_y - F * 0.02), (x_out + sgn * lw * 0.05, feet_y - F * 0.02), (x_in, feet_y - F * 0.02)], fill=legs)
        fx0, fx1 = sorted((x_in, x_out + sgn * lw * 0.05 + fig.facing * lw * 0.5))
        d.rounded_rectangle((fx0, feet_y - F * 0.035, fx1 + lw * 0.1, feet_y), radius=F * 0.012, fill=shade(col, 0.3))

    # arms (behind the torso when seen from the back)
    aw = max(2.0, F * 0.055 * (1.25 if look.silhouette == "broad" else 1.0))
    forward = 1 if fig.facing >= 0 else -1

    def arm(sgn: int, raise_amt: float) -> None:
        sx, sy = cx + sgn * (sw / 2 - aw * 0.4), sh_y + aw * 0.5
        down = (cx + sgn * (sw / 2 + F * 0.03), hip_y + F * 0.02)
        up = (cx + sgn * (sw / 2 + F * 0.15), sh_y + F * 0.07)
        hx = down[0] + (up[0] - down[0]) * raise_amt
        hy = down[1] + (up[1] - down[1]) * raise_amt
        d.line((sx, sy, hx, hy), fill=shade(col, 0.85), width=int(aw))
        d.ellipse((sx - aw / 2, sy - aw / 2, sx + aw / 2, sy + aw / 2), fill=shade(col, 0.85))
        r = aw * 0.62
        d.ellipse((hx - r, hy - r, hx + r, hy + r), fill=skin if not fig.back else shade(skin, 0.8))

    arm(-forward, 0.0)
    arm(forward, fig.gesture)

    # neck
    d.rectangle((cx - hd * 0.16 + lean, head_cy, cx + hd * 0.16 + lean, sh_y + F * 0.02), fill=skin)

    # torso (exact character colour)
    s = look.silhouette
    if s == "round":
        d.ellipse((cx - sw * 0.55, sh_y - F * 0.01, cx + sw * 0.55, hip_y + F * 0.03), fill=col)
    else:
        taper = {"broad": 0.34, "tall": 0.4, "slim": 0.44, "hat": 0.42}[s]
        rad = sw * 0.18
        d.rounded_rectangle((cx - sw / 2, sh_y, cx + sw / 2, sh_y + (hip_y - sh_y) * 0.55), radius=rad, fill=col)
        d.polygon([(cx - sw / 2, sh_y + rad), (cx + sw / 2, sh_y + rad), (cx + sw * taper, hip_y), (cx - sw * taper, hip_y)], fill=col)
    # belt line for readability
    d.line((cx - sw * 0.4, hip_y - F * 0.005, cx + sw * 0.4, hip_y - F * 0.005), fill=shade(col, 0.5), width=max(1, int(F * 0.01)))

    # head
    hx = cx + lean
    hb = (hx - hd / 2, top, hx + hd / 2, top + hd)
    if fig.back:
        d.ellipse(hb, fill=hair)
    else:
        d.ellipse(hb, fill=skin)
        # hair cap
        d.chord((hb[0] - hd * 0.02, hb[1] - hd * 0.04, hb[2] + hd * 0.02, hb[3] - hd * 0.1), 180, 360, fill=hair)
        # face: eyes follow the facing direction
        ex = hx + fig.facing * hd * 0.22
        ey = head_cy + hd * 0.06
        sep = hd * 0.17 * (1 - abs(fig.facing) * 0.45)
        er = max(1.0, hd * 0.055)
        eyes = [ex - sep, ex + sep]
        if abs(fig.facing) > 0.65:
            eyes = [ex + sep * (1 if fig.facing > 0 else -1)]
        for x in eyes:
            d.ellipse((x - er, ey - er * 1.2, x + er, ey + er * 1.2), fill=(30, 26, 24))
            if hd > 60 * SUPERSAMPLE:  # close-ups: catch-lights
                d.ellipse((x - er * 0.35 + er * 0.3, ey - er * 0.7, x + er * 0.1 + er * 0.3, ey - er * 0.25), fill=(250, 250, 250))
        if hd > 20 * SUPERSAMPLE:
            mx = ex + fig.facing * hd * 0.05
            mw = hd * (0.14 if not fig.speaking else 0.08)
            my = head_cy + hd * 0.28
            if fig.speaking:  # open mouth
                d.ellipse((mx - mw, my - mw * 0.55, mx + mw, my + mw * 0.55), fill=(80, 30, 30))
            else:
                d.line((mx - mw, my, mx + mw, my), fill=(120, 60, 50), width=max(1, int(hd * 0.03)))
        if abs(fig.facing) > 0.4:  # nose hints at a profile
            nx = hx + (hd / 2 if fig.facing > 0 else -hd / 2) * 0.95
            ny = head_cy + hd * 0.12
            d.polygon([(nx - fig.facing * hd * 0.1, ny - hd * 0.1), (nx + fig.facing * hd * 0.08, ny + hd * 0.02), (nx - fig.facing * hd * 0.1, ny + hd * 0.06)], fill=skin)
    if s == "hat":
        hat_c = shade(col, 0.45)
        d.ellipse((hx - hd * 0.78, top + hd * 0.08, hx + hd * 0.78, top + hd * 0.32), fill=hat_c)
        d.rounded_rectangle((hx - hd * 0.42, top - hd * 0.32, hx + hd * 0.42, top + hd * 0.22), radius=hd * 0.1, fill=hat_c)
        d.rectangle((hx - hd * 0.42, top + hd * 0.08, hx + hd * 0.42, top + hd * 0.15), fill=shade(col, 0.8))
    return layer


def composite_figure(img: Image.Image, layer: Image.Image, outline_px: int) -> None:
    """Paste a figure with a dark outline so it reads against any backdrop."""
    alpha = layer.getchannel("A")
    bbox = alpha.getbbox()
    if bbox is None:
        return
    pad = outline_px + 2
    box = (max(0, bbox[0] - pad), max(0, bbox[1] - pad), min(img.width, bbox[2] + pad), min(img.height, bbox[3] + pad))
    a = alpha.crop(box)
    # dilation by box blur + threshold: same look as MaxFilter at a fraction of the cost
    outline = a.filter(ImageFilter.BoxBlur(outline_px)).point(lambda v: 255 if v > 24 else 0)
    region = img.crop(box)
    region.paste((20, 18, 24), (0, 0), outline)
    region.paste(layer.crop(box), (0, 0), a)
    img.paste(region, box[:2])
