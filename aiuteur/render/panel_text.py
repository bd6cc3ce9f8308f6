"""The text of a panel, drawn at its final size: name chips, status tags, header and caption band.

Why: text drawn at 2x and downsampled goes soft, so it is drawn after the scene is scaled down.
Font sizes and the caption band's height depend only on the panel size, so every panel of a film
has the same layout (and :func:`caption_band_height` tells the animatic which rows to hold still).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw

from ._text import Run, draw_lines, fit_text, get_font, line_height, text_width, wrap_runs
from .canvas import SUPERSAMPLE
from .figures import Figure
from .lighting import luma, mix
from .looks import RGB, character_look
from .spec import FrameSpec
from .vocabulary import SHOT_ABBREV, character_key, split_speaker

__all__ = ["Metrics", "caption_band_height", "draw_caption", "draw_header", "draw_labels", "header_plan",
           "panel_metrics"]


def _chip(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, font, *, fill, text_fill, anchor: str = "la",
          swatch: RGB | None = None, outline=None, keep_inside: float | None = None,
          measure_only: bool = False) -> tuple[float, float, float, float]:
    """A small rounded label box; returns its bounding box (``measure_only``: don't draw)."""
    pad_x, pad_y = font.size * 0.4, font.size * 0.22
    tw = text_width(font, text)
    sw = font.size * 0.75 if swatch else 0.0
    bw, bh = tw + 2 * pad_x + (sw + pad_x * 0.6 if swatch else 0), font.size * 1.18 + 2 * pad_y
    x, y = xy
    if anchor[0] == "m":
        x -= bw / 2
    elif anchor[0] == "r":
        x -= bw
    if anchor[1] == "b":
        y -= bh
    if keep_inside is not None:  # keep the chip inside a frame this wide
        x = max(2.0, min(keep_inside - bw - 2.0, x))
    box = (x, y, x + bw, y + bh)
    if measure_only:
        return box
    draw.rounded_rectangle(box, radius=bh * 0.3, fill=fill, outline=outline, width=1 if outline else 0)
    tx = x + pad_x
    if swatch:
        draw.rectangle((tx, y + (bh - sw) / 2, tx + sw, y + (bh + sw) / 2), fill=swatch, outline=(255, 255, 255))
        tx += sw + pad_x * 0.6
    draw.text((tx, y + pad_y + font.size * 0.05), text, font=font, fill=text_fill)
    return box


def _overlaps(a: Sequence[float], b: Sequence[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _slugline(spec: FrameSpec) -> str:
    parts = []
    if spec.int_ext:
        parts.append(spec.int_ext + ".")
    if spec.location:
        parts.append(spec.location.upper())
    line = " ".join(parts)
    if spec.time_of_day:
        line = f"{line} - {spec.time_of_day.upper()}" if line else spec.time_of_day.upper()
    return line


@dataclass(frozen=True)
class Metrics:
    small: int
    caption: int
    band_h: int
    max_lines: int
    margin: int


def panel_metrics(w: int, h: int) -> Metrics:
    """Font sizes and caption band height; depend only on frame size so every
    panel of a film has the same layout whatever its caption says."""
    base = min(w, h)
    small = max(10, round(base * 0.036))
    cap = max(9, round(base * 0.05))
    max_lines = 2 if h < 420 else 3
    lh = line_height(get_font(cap))
    pad = max(4, round(cap * 0.45))
    return Metrics(small, cap, max_lines * lh + 2 * pad, max_lines, max(3, round(base * 0.02)))


def caption_band_height(width: int, height: int) -> int:
    """Pixels of the caption band at the bottom of a panel of this size (the same for every panel)."""
    return panel_metrics(width, height).band_h


def draw_caption(img: Image.Image, spec: FrameSpec, m: Metrics) -> None:
    if not spec.caption.strip():
        return
    W, H = img.size
    band = Image.new("RGBA", (W, m.band_h), (8, 8, 12, 178))
    img.paste(band, (0, H - m.band_h), band)
    draw = ImageDraw.Draw(img)
    draw.line((0, H - m.band_h, W, H - m.band_h), fill=(255, 255, 255), width=1)
    font = get_font(m.caption)
    bold = get_font(m.caption, bold=True)
    speaker, text = split_speaker(spec.caption)
    runs: list[Run] = []
    if speaker:
        look = next((c for c in spec.characters if character_key(c.name) == speaker), character_look(speaker))
        name_col = mix(look.colour, (255, 255, 255), 0.45)
        runs.append(Run(speaker + ":", bold, name_col))
        runs.append(Run(f"\u201c{text}\u201d" if text else "", font, (245, 245, 245)))
    else:
        runs.append(Run(text, font, (240, 240, 240)))
    pad_x = max(6, round(m.caption * 0.6))
    lh = line_height(font)
    lines = wrap_runs(runs, W - 2 * pad_x, m.max_lines)
    used = len(lines) * lh
    y0 = H - m.band_h + (m.band_h - used) / 2
    draw_lines(draw, lines, (pad_x, y0), lh)


def draw_labels(img: Image.Image, figs: list[Figure], spec: FrameSpec, m: Metrics, pic_h: float) -> None:
    """Name chips (speaker highlighted) and status tags next to each figure."""
    draw = ImageDraw.Draw(img)
    font = get_font(m.small, bold=True)
    tag_font = get_font(max(7, round(m.small * 0.9)))
    tags = {character_key(k): [t for t in v if t.strip()] for k, v in spec.tags.items()}
    chip_h = m.small * 1.18 + 2 * m.small * 0.22
    W = img.width
    top_limit = header_plan(spec, m, img.width).bottom + m.margin  # below the title / slugline
    placed: list[tuple[float, float, float, float]] = []
    for fig in figs:
        if not fig.look.name:
            continue
        hx0, hy0, hx1, hy1 = (v / SUPERSAMPLE for v in fig.head_box)
        cx = fig.cx / SUPERSAMPLE
        ntags = 1 if tags.get(character_key(fig.look.name)) else 0
        needed = chip_h * (1 + ntags) + m.margin
        if hy0 - needed > top_limit:
            y = hy0 - needed
        else:  # head near the top: label the chest instead
            y = min(hy1 + m.margin * 2, pic_h - needed)
            y = max(top_limit, y)
        if fig.back:
            cx = max(cx, W * 0.12)
            y = max(top_limit, min(pic_h - needed, y))
        name = fig.look.name
        ftags = tags.get(character_key(fig.look.name))
        # crowded frames: move a label up (or down) until it no longer overlaps another
        for attempt in range(6):
            box = _chip(draw, (cx, y), name, font, fill=None, text_fill=None, anchor="ma", swatch=fig.look.colour,
                        keep_inside=W, measure_only=True)
            group = (box[0], box[1], box[2], box[1] + needed - m.margin)
            if not any(_overlaps(group, other) for other in placed):
                break
            step = needed - m.margin + 2
            y = y - step if (attempt % 2 == 0 and y - step >= top_limit) else y + step
        placed.append((box[0], box[1], box[2], box[1] + needed - m.margin))
        if fig.speaking:
            lum = luma(fig.look.colour)
            fill, tfill = fig.look.colour, ((0, 0, 0) if lum > 140 else (255, 255, 255))
            box = _chip(draw, (cx, y), name, font, fill=fill, text_fill=tfill, anchor="ma", outline=(255, 255, 255), keep_inside=W)
        else:
            box = _chip(draw, (cx, y), name, font, fill=(15, 15, 20, 210), text_fill=(255, 255, 255), anchor="ma", swatch=fig.look.colour, keep_inside=W)
        if ftags:
            text = fit_text("! " + ", ".join(ftags), tag_font, W * 0.4)
            _chip(draw, (cx, box[3] + 1), text, tag_font, fill=(255, 214, 64), text_fill=(20, 20, 20), anchor="ma", keep_inside=W)
    # tags for characters not in this framing are not drawn: they are not visible


def _fit_slug(spec: FrameSpec, font, room: float) -> str:
    """Slugline fitted to ``room``: the location is shortened first, so
    INT/EXT and the time of day (what a panel must show) survive."""
    full = _slugline(spec)
    if text_width(font, full) <= room or not spec.location:
        return fit_text(full, font, room)
    prefix = (spec.int_ext + ". ") if spec.int_ext else ""
    suffix = f" - {spec.time_of_day.upper()}" if spec.time_of_day else ""
    loc_room = room - text_width(font, prefix + suffix)
    if loc_room < font.size * 2:
        return fit_text(full, font, room)
    return prefix + fit_text(spec.location.upper(), font, loc_room) + suffix


@dataclass(frozen=True)
class _Header:
    left: str
    slug: str
    slug_row: int  # 0: same row as the title chip, 1: on a second row
    bottom: float  # y below which the frame is free of header chips


def header_plan(spec: FrameSpec, m: Metrics, width: int) -> _Header:
    """Title chip top-left, slugline top-right (or on a second row when narrow)."""
    font = get_font(m.small, bold=True)
    small = get_font(m.small)
    left = f"{spec.title}  {SHOT_ABBREV[spec.shot_type]}" if spec.title else SHOT_ABBREV[spec.shot_type]
    left = fit_text(f"{left}  {'A' if spec.moment == 'start' else 'B'}", font, width * 0.6)
    chip_h = m.small * 1.62
    pad = m.small * 0.8
    left_w = text_width(font, left) + pad
    slug_full = _slugline(spec)
    if not slug_full:
        return _Header(left, "", 0, m.margin + chip_h)
    room_same = width - left_w - 3 * m.margin - m.small
    if text_width(small, slug_full) <= room_same:
        return _Header(left, slug_full, 0, m.margin + chip_h)
    room_second = width - 2 * m.margin - pad
    if width >= 1.2 * m.small * 40 and room_same > room_second * 0.55:
        return _Header(left, _fit_slug(spec, small, room_same), 0, m.margin + chip_h)
    slug = _fit_slug(spec, small, room_second)
    return _Header(left, slug, 1, m.margin + 2 * chip_h + 2)


def draw_header(img: Image.Image, spec: FrameSpec, m: Metrics) -> None:
    draw = ImageDraw.Draw(img)
    plan = header_plan(spec, m, img.width)
    font = get_font(m.small, bold=True)
    small = get_font(m.small)
    lbox = _chip(draw, (m.margin, m.margin), plan.left, font, fill=(0, 0, 0, 170), text_fill=(255, 255, 255))
    if plan.slug:
        y = m.margin if plan.slug_row == 0 else lbox[3] + 2
        x, anchor = (img.width - m.margin, "ra") if plan.slug_row == 0 else (m.margin, "la")
        _chip(draw, (x, y), plan.slug, small, fill=(0, 0, 0, 150), text_fill=(235, 235, 235), anchor=anchor)
