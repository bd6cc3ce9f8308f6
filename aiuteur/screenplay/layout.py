"""Industry screenplay geometry, line layout and pagination.

One source of truth for the page: the HTML export uses these numbers in its
CSS, the PDF export draws the rows computed here, and scene length estimates
(eighths of a page) count the same rows, so all three agree.

Geometry (US letter, Courier 12 pt = 10 characters per inch, 6 lines per inch):

================  ==============  ======  ==================================
element           left edge (in)  width   notes
================  ==============  ======  ==================================
action / heading  1.5             6.0 in  60 characters
character cue     3.7             3.8 in
parenthetical     3.1             2.5 in
dialogue, lyrics  2.5             3.5 in  lyrics in italics
transition        right-aligned to 7.5 in
centered          centered between 1.5 and 7.5 in
================  ==============  ======  ==================================

Margins: 1.5 in left, 1 in top/right/bottom; 55 lines per page. One blank
line precedes every element except parentheticals, dialogue and lyrics that
continue a cue. Sections and synopses are not printed. Dual dialogue is set
in two 3-inch columns side by side.

Pagination is deliberately simple: a scene heading is never the last line of
a page, a dialogue group (cue + parentheticals + dialogue) that fits on one
page is not split, longer ones are split without ``(MORE)``/``(CONT'D)``
markers, and ``===`` starts a new page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .emphasis import Style, group_runs, styled_chars
from .model import Element, ElementType

__all__ = [
    "CHARS_PER_INCH",
    "COLUMNS",
    "LINES_PER_PAGE",
    "MARGINS_IN",
    "PAGE_SIZE_IN",
    "Block",
    "Column",
    "DialogueGroup",
    "DualGroup",
    "Span",
    "Unit",
    "blocks",
    "group_units",
    "measure_lines",
    "paginate",
    "title_page_rows",
    "wrap",
]

PAGE_SIZE_IN = (8.5, 11.0)
MARGINS_IN = {"left": 1.5, "right": 1.0, "top": 1.0, "bottom": 1.0}
CHARS_PER_INCH = 10  # Courier advance is 0.6 em: 7.2 pt at 12 pt = 0.1 in
LINES_PER_PAGE = 55
TAB_SIZE = 4  # the spec converts tabs in action to four spaces


@dataclass(frozen=True)
class Column:
    """Horizontal slot of an element: left edge from the page edge and width, in inches."""

    left: float
    width: float
    align: str = "left"  # "left", "right" or "center"

    @property
    def chars(self) -> int:
        return round(self.width * CHARS_PER_INCH)


_BODY = Column(MARGINS_IN["left"], PAGE_SIZE_IN[0] - MARGINS_IN["left"] - MARGINS_IN["right"])

COLUMNS: dict[ElementType, Column] = {
    ElementType.SCENE_HEADING: _BODY,
    ElementType.ACTION: _BODY,
    ElementType.CHARACTER: Column(3.7, 3.8),
    ElementType.PARENTHETICAL: Column(3.1, 2.5),
    ElementType.DIALOGUE: Column(2.5, 3.5),
    ElementType.LYRICS: Column(2.5, 3.5),
    ElementType.TRANSITION: Column(_BODY.left, _BODY.width, "right"),
    ElementType.CENTERED: Column(_BODY.left, _BODY.width, "center"),
}

# Dual dialogue: offsets inside each 3-inch half of the text area.
DUAL_HALF_WIDTH = _BODY.width / 2
DUAL_COLUMNS: dict[ElementType, Column] = {
    ElementType.CHARACTER: Column(0.9, 2.0),
    ElementType.PARENTHETICAL: Column(0.4, 2.2),
    ElementType.DIALOGUE: Column(0.0, 2.8),
    ElementType.LYRICS: Column(0.0, 2.8),
}

_GROUP_FOLLOWERS = frozenset({ElementType.PARENTHETICAL, ElementType.DIALOGUE, ElementType.LYRICS})
_NOT_PRINTED = frozenset({ElementType.SECTION, ElementType.SYNOPSIS})


@dataclass(frozen=True)
class Span:
    """A run of equally styled text at ``x`` inches from the page's left edge."""

    x: float
    text: str
    style: Style = Style()


Row = tuple[Span, ...]


@dataclass(frozen=True)
class DialogueGroup:
    """A character cue and the parentheticals, dialogue and lyrics under it."""

    elements: tuple[Element, ...]


@dataclass(frozen=True)
class DualGroup:
    """Two dialogue groups spoken at once (the right one's cue has ``dual``)."""

    left: DialogueGroup
    right: DialogueGroup


Unit = Element | DialogueGroup | DualGroup


@dataclass
class Block:
    """Rows of one layout unit plus the pagination hints for it."""

    kind: str
    space_before: int
    rows: list[Row] = field(default_factory=list)
    keep_together: bool = False
    keep_with_next: bool = False
    page_break: bool = False


def group_units(elements: Sequence[Element]) -> list[Unit]:
    """Group elements into layout units (dialogue groups, dual pairs, singles)."""
    units: list[Unit] = []
    current: list[Element] | None = None

    def close() -> None:
        nonlocal current
        if current is None:
            return
        group = DialogueGroup(tuple(current))
        cue = current[0]
        if cue.dual and units and isinstance(units[-1], DialogueGroup):
            units[-1] = DualGroup(units[-1], group)
        else:
            units.append(group)
        current = None

    for element in elements:
        if element.type is ElementType.CHARACTER:
            close()
            current = [element]
        elif element.type in _GROUP_FOLLOWERS and current is not None:
            current.append(element)
        else:
            close()
            units.append(element)
    close()
    return units


def wrap(text: str, width: int) -> list[tuple[int, int]]:
    """Word-wrap ``text`` to ``width`` characters; returns (start, end) index pairs.

    Breaks at spaces, hard-splits words longer than a line, and keeps an empty
    line as one row.
    """
    if width < 1:
        raise ValueError("width must be positive")
    spans: list[tuple[int, int]] = []
    start, n = 0, len(text)
    if n == 0:
        return [(0, 0)]
    while start < n:
        if n - start <= width:
            spans.append((start, n))
            break
        cut = text.rfind(" ", start + 1, start + width + 1)
        if cut <= start:
            spans.append((start, start + width))
            start += width
        else:
            spans.append((start, cut))
            start = cut + 1
            while start < n and text[start] == " ":
                start += 1
    return spans


def _rows(text: str, column: Column, offset: float = 0.0, italic: bool = False) -> list[Row]:
    """Lay out (possibly multi-line) ``text`` in ``column``; ``offset`` shifts it right."""
    rows: list[Row] = []
    for line in text.split("\n"):
        plain_text, styles = styled_chars(line.expandtabs(TAB_SIZE))
        if italic:
            styles = [Style(s.bold, True, s.underline) for s in styles]
        for start, end in wrap(plain_text, column.chars):
            piece, piece_styles = plain_text[start:end], styles[start:end]
            trimmed = len(piece.rstrip())
            piece, piece_styles = piece[:trimmed], piece_styles[:trimmed]
            left = column.left + offset
            if column.align == "right":
                left += column.width - len(piece) / CHARS_PER_INCH
            elif column.align == "center":
                left += (column.width - len(piece) / CHARS_PER_INCH) / 2
            spans: list[Span] = []
            x = left
            for run_text, style in group_runs(piece, piece_styles):
                spans.append(Span(round(x, 4), run_text, style))
                x += len(run_text) / CHARS_PER_INCH
            rows.append(tuple(spans))
    return rows


def _group_rows(group: DialogueGroup, columns: dict[ElementType, Column], offset: float) -> list[Row]:
    rows: list[Row] = []
    for element in group.elements:
        italic = element.type is ElementType.LYRICS
        rows.extend(_rows(element.text, columns[element.type], offset, italic))
    return rows


def blocks(elements: Sequence[Element]) -> list[Block]:
    """Printable layout blocks for body elements, in order."""
    out: list[Block] = []
    for unit in group_units(elements):
        if isinstance(unit, DualGroup):
            left_col = {k: Column(c.left + _BODY.left, c.width) for k, c in DUAL_COLUMNS.items()}
            left = _group_rows(unit.left, left_col, 0.0)
            right = _group_rows(unit.right, left_col, DUAL_HALF_WIDTH)
            height = max(len(left), len(right))
            left += [()] * (height - len(left))
            right += [()] * (height - len(right))
            rows = [a + b for a, b in zip(left, right, strict=True)]
            out.append(Block("dual_dialogue", 1, rows, keep_together=True))
        elif isinstance(unit, DialogueGroup):
            out.append(Block("dialogue_group", 1, _group_rows(unit, COLUMNS, 0.0), keep_together=True))
        elif unit.type is ElementType.PAGE_BREAK:
            out.append(Block("page_break", 0, page_break=True))
        elif unit.type in _NOT_PRINTED:
            continue
        else:
            rows = _rows(unit.text, COLUMNS[unit.type], italic=unit.type is ElementType.LYRICS)
            out.append(Block(unit.type.value, 1, rows, keep_with_next=unit.type is ElementType.SCENE_HEADING))
    return out


def measure_lines(elements: Sequence[Element]) -> int:
    """Printed lines of ``elements`` laid out continuously (no page breaks).

    The first block's leading blank line is not counted: it belongs to the
    gap between this run of elements and whatever precedes it.
    """
    total = 0
    for index, block in enumerate(blocks(elements)):
        if block.page_break:
            continue
        total += len(block.rows) + (block.space_before if index else 0)
    return total


def paginate(elements: Sequence[Element], lines_per_page: int = LINES_PER_PAGE) -> list[list[Row]]:
    """Split the body into pages of at most ``lines_per_page`` rows.

    Returns a list of pages, each a list of rows (an empty tuple is a blank
    line). Always returns at least one page.
    """
    pages: list[list[Row]] = [[]]
    laid = blocks(elements)
    for index, block in enumerate(laid):
        page = pages[-1]
        if block.page_break:
            if page:
                pages.append([])
            continue
        space = block.space_before if page else 0
        need = space + len(block.rows)
        if block.keep_with_next:
            following = next((b for b in laid[index + 1 :] if not b.page_break), None)
            if following is not None and following.rows:
                need += following.space_before + (len(following.rows) if following.keep_together else 1)
        if len(page) + need > lines_per_page and page and need <= lines_per_page:
            pages.append([])
            page, space = pages[-1], 0
        page.extend([()] * space)
        for row in block.rows:
            if len(page) >= lines_per_page:
                pages.append([])
                page = pages[-1]
            page.append(row)
    return pages


_CENTERED_KEYS = ("title", "credit", "author", "authors", "source")


def title_page_rows(title_page: dict[str, str], lines_per_page: int = LINES_PER_PAGE) -> list[Row]:
    """Rows of a conventional title page.

    Title, credit, author(s) and source are centered from about a third of the
    page down; every other key (draft date, contact, copyright, notes...) is
    stacked at the bottom left.
    """
    lowered = {key.lower(): value for key, value in title_page.items()}
    centered: list[Row] = []
    for key in _CENTERED_KEYS:
        if key in lowered and lowered[key]:
            if centered:
                centered.append(())
            centered.extend(_rows(lowered[key], COLUMNS[ElementType.CENTERED]))
    corner: list[Row] = []
    for key, value in title_page.items():
        if key.lower() in _CENTERED_KEYS or not value:
            continue
        if corner:
            corner.append(())
        corner.extend(_rows(value, _BODY))
    top = max(0, min(lines_per_page // 3, lines_per_page - len(corner) - len(centered) - 1))
    rows: list[Row] = [()] * top + centered
    gap = lines_per_page - len(rows) - len(corner)
    rows += [()] * max(gap, 1) + corner
    return rows
