"""Contact sheets (a grid of labelled thumbnails) and atomic image files.

Why: a reviewer reads a film's storyboard at a glance from one sheet; and no reader may ever see
a half-written image, so files are written to a temporary sibling and renamed.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from PIL import Image, ImageDraw

from ._ffmpeg import temp_sibling
from ._text import Run, draw_lines, get_font, line_height, wrap_runs

__all__ = ["contact_sheet", "save_image"]


def contact_sheet(
    images: list[Image.Image],
    labels: list[str],
    columns: int = 6,
    thumb_width: int = 240,
) -> Image.Image:
    """Grid of thumbnails (``thumb_width`` wide, aspect kept) with a label under each.

    Size: ``columns' = min(columns, len(images))``; width =
    ``columns' * thumb_width + (columns' + 1) * margin``; each row is as tall
    as the tallest thumbnail plus a two-line label area.
    """
    if not images:
        raise ValueError("contact_sheet needs at least one image")
    if len(labels) != len(images):
        raise ValueError(f"got {len(images)} images but {len(labels)} labels")
    if columns < 1 or thumb_width < 16:
        raise ValueError("columns must be >= 1 and thumb_width >= 16")
    cols = min(columns, len(images))
    rows = math.ceil(len(images) / cols)
    margin = max(4, thumb_width // 30)
    thumbs = []
    for im in images:
        th = max(1, round(im.height * thumb_width / im.width))
        thumbs.append(im.convert("RGB").resize((thumb_width, th), Image.Resampling.LANCZOS))
    cell_h = max(t.height for t in thumbs)
    font = get_font(max(9, round(thumb_width * 0.055)))
    lh = line_height(font)
    label_h = 2 * lh + margin // 2
    W = cols * thumb_width + (cols + 1) * margin
    H = rows * (cell_h + label_h) + (rows + 1) * margin
    sheet = Image.new("RGB", (W, H), (30, 30, 34))
    draw = ImageDraw.Draw(sheet)
    for i, (t, label) in enumerate(zip(thumbs, labels)):
        r, c = divmod(i, cols)
        x = margin + c * (thumb_width + margin)
        y = margin + r * (cell_h + label_h + margin)
        sheet.paste(t, (x, y + (cell_h - t.height) // 2))
        draw.rectangle((x - 1, y + (cell_h - t.height) // 2 - 1, x + thumb_width, y + (cell_h + t.height) // 2), outline=(70, 70, 78))
        lines = wrap_runs([Run(label or "", font, (225, 225, 230))], thumb_width, 2)
        draw_lines(draw, lines, (x, y + cell_h + margin // 3), lh, align_width=thumb_width)
    return sheet


def save_image(image: Image.Image, path: str | Path) -> Path:
    """Write ``image`` atomically (temp file in the same folder, then rename)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_sibling(out)
    try:
        fmt = (out.suffix.lstrip(".") or "png").upper()
        image.save(tmp, format={"JPG": "JPEG"}.get(fmt, fmt))
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out
