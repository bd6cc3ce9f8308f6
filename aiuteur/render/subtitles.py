"""Subtitles burned into animatic clips: an opaque band, or a floating box.

Why: a storyboard panel already carries its line in its caption band; in a clip the line is
shown once, in a full-width band that covers that caption band (so it is never shown twice and
a camera move never crops it), or, for frames without a caption band, in a box at the bottom.
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from ._text import Run, draw_lines, get_font, line_height, text_width, wrap_runs

__all__ = ["subtitle_band", "subtitle_overlay"]


def subtitle_band(text: str, size: tuple[int, int], band: int) -> tuple[Image.Image, tuple[int, int]]:
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


def subtitle_overlay(text: str, size: tuple[int, int]) -> tuple[Image.Image, tuple[int, int]] | None:
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
