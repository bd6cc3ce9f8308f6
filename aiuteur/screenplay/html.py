"""Self-contained HTML export in industry screenplay layout.

The document carries its own CSS (no external fonts, scripts or images):
Courier 12 pt, US-letter ``@page`` with 1.5 in left and 1 in other margins,
and element indents taken from :mod:`aiuteur.screenplay.layout` (cue at
3.7 in, parenthetical at 3.1 in, dialogue at 2.5 in from the page edge,
transitions right-aligned). On screen the script is shown as a white sheet
of the page's width; printing lets the browser paginate with ``break-*``
hints (headings stay with the next element, dialogue groups stay together).
Sections and synopses are shown muted on screen and hidden in print.
"""

from __future__ import annotations

from html import escape

from .emphasis import plain, runs
from .layout import COLUMNS, DUAL_COLUMNS, DUAL_HALF_WIDTH, MARGINS_IN, PAGE_SIZE_IN, DialogueGroup, DualGroup, group_units
from .model import Element, ElementType, FountainError, Screenplay

__all__ = ["to_html", "screenplay_css"]

_CLASS = {t: t.value.replace("_", "-") for t in ElementType}


def _in(value: float) -> str:
    """CSS length in inches without float noise: 1.0 -> "1in", 2.2 -> "2.2in"."""
    return f"{round(value, 3):g}in"


def _indent(kind: ElementType) -> str:
    """Left margin inside the text area for an element that sits at COLUMNS[kind].left on the page."""
    return _in(COLUMNS[kind].left - MARGINS_IN["left"])


def screenplay_css() -> str:
    """CSS for :func:`to_html`, generated from the layout geometry."""
    width, height = PAGE_SIZE_IN
    m = MARGINS_IN
    text_width = width - m["left"] - m["right"]
    dual = DUAL_COLUMNS
    return f"""
@page {{ size: {_in(width)} {_in(height)}; margin: {_in(m['top'])} {_in(m['right'])} {_in(m['bottom'])} {_in(m['left'])}; }}
html {{ background: #e8e8e8; }}
body {{ margin: 0; }}
.screenplay {{
  font-family: "Courier Prime", Courier, "Courier New", monospace;
  font-size: 12pt; line-height: 12pt; color: #000; background: #fff;
  width: {_in(width)}; box-sizing: border-box; margin: 0.25in auto;
  padding: {_in(m['top'])} {_in(m['right'])} {_in(m['bottom'])} {_in(m['left'])};
}}
p {{ margin: 0; }}
.screenplay p {{ white-space: pre-wrap; tab-size: 4; overflow-wrap: anywhere; }}
.title-page {{ min-height: {_in(height - m['top'] - m['bottom'])}; position: relative; break-after: page; page-break-after: always; }}
.title-page .title-block {{ text-align: center; padding-top: 3in; }}
.title-page .title-block p + p {{ margin-top: 12pt; }}
.title-page .title-corner {{ position: absolute; bottom: 0; left: 0; right: 0; }}
.title-page .title-corner p + p {{ margin-top: 12pt; }}
.scene-heading, .action, .transition, .centered, .dialogue-group, .dual-dialogue, .lyrics.standalone {{ margin-top: 12pt; }}
.scene-heading {{ position: relative; break-after: avoid; page-break-after: avoid; }}
.scene-number {{ position: absolute; }}
.scene-number.left {{ left: -0.75in; }}
.scene-number.right {{ right: 0; }}
/* character cue 3.7in, parenthetical 3.1in, dialogue 2.5in from the page edge */
.character {{ margin-left: {_indent(ElementType.CHARACTER)}; break-after: avoid; }}
.parenthetical {{ margin-left: {_indent(ElementType.PARENTHETICAL)}; width: {_in(COLUMNS[ElementType.PARENTHETICAL].width)}; }}
.dialogue {{ margin-left: {_indent(ElementType.DIALOGUE)}; width: {_in(COLUMNS[ElementType.DIALOGUE].width)}; }}
.lyrics {{ margin-left: {_indent(ElementType.LYRICS)}; width: {_in(COLUMNS[ElementType.LYRICS].width)}; font-style: italic; }}
.transition {{ text-align: right; }}
.centered {{ text-align: center; }}
.dialogue-group, .dual-dialogue {{ break-inside: avoid; page-break-inside: avoid; }}
.dual-dialogue {{ display: flex; width: {_in(text_width)}; }}
.dual-dialogue .column {{ width: {_in(DUAL_HALF_WIDTH)}; }}
.dual-dialogue .character {{ margin-left: {_in(dual[ElementType.CHARACTER].left)}; }}
.dual-dialogue .parenthetical {{ margin-left: {_in(dual[ElementType.PARENTHETICAL].left)}; width: {_in(dual[ElementType.PARENTHETICAL].width)}; }}
.dual-dialogue .dialogue, .dual-dialogue .lyrics {{ margin-left: {_in(dual[ElementType.DIALOGUE].left)}; width: {_in(dual[ElementType.DIALOGUE].width)}; }}
.page-break {{ break-after: page; page-break-after: always; height: 0; }}
.section, .synopsis {{ color: #888; margin-top: 12pt; }}
.synopsis {{ font-style: italic; }}
@media screen {{
  .title-page {{ border-bottom: 1px dashed #bbb; padding-bottom: 12pt; margin-bottom: 12pt; }}
  .page-break {{ border-top: 1px dashed #bbb; margin-top: 12pt; }}
}}
@media print {{
  html {{ background: none; }}
  .screenplay {{ width: auto; margin: 0; padding: 0; }}
  .section, .synopsis {{ display: none; }}
}}
""".strip()


def to_html(sp: Screenplay) -> str:
    """Render ``sp`` as a complete HTML document with embedded print CSS."""
    if not isinstance(sp, Screenplay):
        raise FountainError(f"to_html() needs a Screenplay (from parse()), got {type(sp).__name__}")
    title = _plain_title(sp)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="generator" content="aiuteur.screenplay">',
        f"<title>{escape(title)}</title>",
        f"<style>\n{screenplay_css()}\n</style>",
        "</head>",
        "<body>",
        '<article class="screenplay">',
    ]
    if sp.title_page:
        parts.append(_title_page_html(sp.title_page))
    parts.append('<section class="script">')
    parts.extend(_body_html(sp.elements))
    parts += ["</section>", "</article>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _plain_title(sp: Screenplay) -> str:
    for key, value in sp.title_page.items():
        if key.lower() == "title" and value.strip():
            return " ".join(plain(line) for line in value.split("\n"))
    return "Screenplay"


def _inline(text: str) -> str:
    """Escape text and turn emphasis into tags; line breaks stay ``\\n`` (pre-wrap)."""
    lines = []
    for line in text.split("\n"):
        out = []
        for run_text, style in runs(line):
            piece = escape(run_text)
            if style.underline:
                piece = f"<u>{piece}</u>"
            if style.italic:
                piece = f"<em>{piece}</em>"
            if style.bold:
                piece = f"<strong>{piece}</strong>"
            out.append(piece)
        lines.append("".join(out))
    return "\n".join(lines)


def _p(kind: ElementType, text: str, extra: str = "", attrs: str = "") -> str:
    classes = _CLASS[kind] + (f" {extra}" if extra else "")
    return f'<p class="{classes}"{attrs}>{_inline(text)}</p>'


def _title_page_html(title_page: dict[str, str]) -> str:
    centered = {"title", "credit", "author", "authors", "source"}
    def entry(key: str, value: str) -> str:
        return f'<p data-key="{escape(key)}">{_inline(value)}</p>'

    top = [entry(k, v) for k, v in title_page.items() if k.lower() in centered and v]
    corner = [entry(k, v) for k, v in title_page.items() if k.lower() not in centered and v]
    return (
        '<section class="title-page">\n<div class="title-block">\n'
        + "\n".join(top)
        + '\n</div>\n<div class="title-corner">\n'
        + "\n".join(corner)
        + "\n</div>\n</section>"
    )


def _group_html(group: DialogueGroup) -> list[str]:
    return [_p(e.type, e.text, "dual" if e.dual else "") for e in group.elements]


def _body_html(elements: list[Element]) -> list[str]:
    out: list[str] = []
    scene = 0
    for unit in group_units(elements):
        if isinstance(unit, DualGroup):
            out.append('<div class="dual-dialogue">')
            for side in (unit.left, unit.right):
                out.append('<div class="column">')
                out.extend(_group_html(side))
                out.append("</div>")
            out.append("</div>")
        elif isinstance(unit, DialogueGroup):
            out.append('<div class="dialogue-group">')
            out.extend(_group_html(unit))
            out.append("</div>")
        elif unit.type is ElementType.SCENE_HEADING:
            scene += 1
            number = ""
            if unit.scene_number:
                n = escape(unit.scene_number)
                number = f'<span class="scene-number left">{n}</span><span class="scene-number right">{n}</span>'
            attrs = f' id="scene-{scene}"'
            out.append(f'<p class="scene-heading"{attrs}>{number}{_inline(unit.text)}</p>')
        elif unit.type is ElementType.PAGE_BREAK:
            out.append('<div class="page-break"></div>')
        elif unit.type is ElementType.SECTION:
            out.append(_p(unit.type, "#" * unit.depth + " " + unit.text, attrs=f' data-depth="{unit.depth}"'))
        elif unit.type is ElementType.LYRICS:
            out.append(_p(unit.type, unit.text, "standalone"))
        else:
            out.append(_p(unit.type, unit.text))
    return out
