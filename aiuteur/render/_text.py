"""Fonts and word-wrapping shared by the storyboard and the animatic.

Fonts: a system DejaVu/Liberation face is preferred because it covers
accented Latin, Greek and Cyrillic (Pillow's bundled default face, Aileron,
has no glyph for "é"); when none is installed we fall back to Pillow's
bundled scalable font, and finally to its tiny bitmap font. The choice is made
once per process, so output is pixel-identical run to run on one machine.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

from PIL import ImageDraw, ImageFont

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

ELLIPSIS = "\u2026"

_REGULAR_CANDIDATES = (
    "DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "Arial.ttf",
)
_BOLD_CANDIDATES = (
    "DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
    "LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "Arial Bold.ttf",
)


@lru_cache(maxsize=4)
def _font_path(bold: bool) -> str | None:
    """First loadable candidate font file, or None to use Pillow's default."""
    for cand in _BOLD_CANDIDATES if bold else _REGULAR_CANDIDATES:
        try:
            ImageFont.truetype(cand, 12)
        except OSError:
            continue
        return cand
    if bold:  # no bold face: use the regular one (bold is cosmetic)
        return _font_path(False)
    return None


_local = threading.local()


def get_font(size: int, bold: bool = False) -> Font:
    """A font of roughly ``size`` pixels; never raises.

    Cached per thread: clips are rendered from worker threads and FreeType
    face objects are not safe to share between threads.
    """
    cache = getattr(_local, "fonts", None)
    if cache is None:
        cache = _local.fonts = {}
    key = (max(6, int(size)), bool(bold))
    font = cache.get(key)
    if font is None:
        font = cache[key] = _load_font(*key)
    return font


def _load_font(size: int, bold: bool) -> Font:
    path = _font_path(bold)
    if path is not None:
        try:
            return ImageFont.truetype(path, size)
        except OSError:  # pragma: no cover - file vanished
            pass
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError, ImportError):  # pragma: no cover - Pillow without FreeType
        return ImageFont.load_default()


def text_width(font: Font, text: str) -> float:
    """Advance width of ``text`` in pixels."""
    if not text:
        return 0.0
    return float(font.getlength(text))


def line_height(font: Font) -> int:
    """Line spacing for ``font`` (ascent + descent plus a little leading)."""
    try:
        ascent, descent = font.getmetrics()  # type: ignore[union-attr]
        return int(round((ascent + descent) * 1.12))
    except AttributeError:  # pragma: no cover - bitmap font
        box = font.getbbox("Ag")
        return int(box[3] - box[1]) + 4


@dataclass(frozen=True)
class Run:
    """A piece of styled text: wrapping keeps each word's own font and colour."""

    text: str
    font: Font
    fill: tuple[int, ...]


@dataclass(frozen=True)
class Placed:
    """A word placed on a line at horizontal offset ``x``."""

    x: float
    text: str
    font: Font
    fill: tuple[int, ...]


def _fit_chars(word: str, font: Font, width: float, suffix: str = "") -> str:
    """Longest prefix of ``word`` that fits in ``width`` together with ``suffix``."""
    lo, hi = 0, len(word)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if text_width(font, word[:mid] + suffix) <= width:
            lo = mid
        else:
            hi = mid - 1
    return word[:lo]


def wrap_runs(runs: list[Run], max_width: float, max_lines: int) -> list[list[Placed]]:
    """Greedy word-wrap of styled runs into at most ``max_lines`` lines.

    Overflowing text is cut and the last line ends in an ellipsis, so a long
    caption never spills out of its band. Words longer than a line are broken
    by characters.
    """
    words: list[tuple[str, Font, tuple[int, ...]]] = []
    for run in runs:
        for w in run.text.split():
            words.append((w, run.font, run.fill))
    lines: list[list[Placed]] = []
    line: list[Placed] = []
    x = 0.0
    i = 0
    truncated = False
    while i < len(words):
        w, font, fill = words[i]
        space = text_width(font, " ") if line else 0.0
        ww = text_width(font, w)
        if x + space + ww <= max_width:
            line.append(Placed(x + space, w, font, fill))
            x += space + ww
            i += 1
            continue
        if not line:  # a single word wider than the line: break it
            head = _fit_chars(w, font, max_width) or w[:1]
            line.append(Placed(0.0, head, font, fill))
            words[i] = (w[len(head):], font, fill)
            if not words[i][0]:
                i += 1
            if i >= len(words):
                break
        if len(lines) + 1 >= max_lines:
            truncated = True
            break
        lines.append(line)
        line, x = [], 0.0
    if line:
        lines.append(line)
    if truncated and lines:
        last = lines[-1]
        while last:
            tail = last[-1]
            room = max_width - tail.x
            if text_width(tail.font, tail.text + ELLIPSIS) <= room:
                last[-1] = Placed(tail.x, tail.text + ELLIPSIS, tail.font, tail.fill)
                break
            cut = _fit_chars(tail.text, tail.font, room, ELLIPSIS)
            if cut:
                last[-1] = Placed(tail.x, cut + ELLIPSIS, tail.font, tail.fill)
                break
            last.pop()
        if not last:
            lines[-1] = [Placed(0.0, ELLIPSIS, runs[0].font, runs[0].fill)]
    return lines


def fit_text(text: str, font: Font, max_width: float) -> str:
    """``text`` cut with an ellipsis so that it fits on one line of ``max_width``."""
    if text_width(font, text) <= max_width:
        return text
    return _fit_chars(text, font, max_width, ELLIPSIS) + ELLIPSIS


def draw_lines(
    draw: ImageDraw.ImageDraw,
    lines: list[list[Placed]],
    origin: tuple[float, float],
    line_h: int,
    *,
    align_width: float | None = None,
    stroke: tuple[int, ...] | None = None,
) -> None:
    """Draw wrapped lines at ``origin``; centre each line when ``align_width`` is given."""
    ox, oy = origin
    for n, line in enumerate(lines):
        if not line:
            continue
        dx = 0.0
        if align_width is not None:
            end = line[-1].x + text_width(line[-1].font, line[-1].text)
            dx = (align_width - end) / 2
        for word in line:
            kwargs = {}
            if stroke is not None:
                kwargs = {"stroke_width": max(1, line_h // 14), "stroke_fill": stroke}
            draw.text((ox + dx + word.x, oy + n * line_h), word.text, font=word.font, fill=word.fill, **kwargs)
