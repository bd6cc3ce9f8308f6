"""Inline Fountain emphasis for renderers.

The model keeps ``*italic*``, ``**bold**``, ``***bold italic***`` and
``_underline_`` as literal text; only HTML/PDF output interprets them, so the
rules live here, in one place. Rules (Fountain does not define edge cases):

* ``\\*`` and ``\\_`` are literal characters (the backslash is dropped);
* a marker opens only before a non-space character and closes only after
  one, so ``5 * 3 * 2`` stays literal; ``_`` also must not touch a letter or
  digit on its outer side, so ``snake_case_name`` stays literal;
* unmatched markers are printed as written; emphasis never spans lines.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Style", "styled_chars", "runs", "plain"]


@dataclass(frozen=True)
class Style:
    """Typographic style of one character."""

    bold: bool = False
    italic: bool = False
    underline: bool = False


_PLAIN = Style()
_STYLE_OF = {"*": Style(italic=True), "**": Style(bold=True), "***": Style(bold=True, italic=True), "_": Style(underline=True)}


def _tokens(line: str) -> list[tuple[str, str]]:
    """Split into ("text", char) and ("mark", marker) tokens; escapes resolved."""
    tokens: list[tuple[str, str]] = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line) and line[i + 1] in "*_\\":
            tokens.append(("text", line[i + 1]))
            i += 2
        elif ch == "*":
            j = i
            while j < len(line) and line[j] == "*" and j - i < 3:
                j += 1
            tokens.append(("mark", line[i:j]))
            i = j
        elif ch == "_":
            tokens.append(("mark", "_"))
            i += 1
        else:
            tokens.append(("text", ch))
            i += 1
    return tokens


def _neighbour(tokens: list[tuple[str, str]], index: int) -> str:
    """Character of the token at ``index`` ("" outside the line, markers count as text)."""
    if 0 <= index < len(tokens):
        return tokens[index][1][0]
    return ""


def styled_chars(line: str) -> tuple[str, list[Style]]:
    """Return the printable text of ``line`` and the style of each character."""
    tokens = _tokens(line)
    open_at: dict[str, int] = {}
    pairs: dict[int, int] = {}
    for index, (kind, value) in enumerate(tokens):
        if kind != "mark":
            continue
        before, after = _neighbour(tokens, index - 1), _neighbour(tokens, index + 1)
        can_close = value in open_at and before != "" and not before.isspace()
        can_open = after != "" and not after.isspace()
        if value == "_":
            can_close = can_close and not after.isalnum()
            can_open = can_open and not before.isalnum()
        if can_close:
            pairs[open_at.pop(value)] = index
        elif can_open:
            open_at[value] = index
    closing = {end: start for start, end in pairs.items()}

    text: list[str] = []
    styles: list[Style] = []
    active: list[str] = []
    for index, (kind, value) in enumerate(tokens):
        if kind == "mark" and index in pairs:
            active.append(value)
            continue
        if kind == "mark" and index in closing:
            active.remove(value)
            continue
        style = _merge(active)
        for ch in value:
            text.append(ch)
            styles.append(style)
    return "".join(text), styles


def _merge(active: list[str]) -> Style:
    if not active:
        return _PLAIN
    return Style(
        bold=any(_STYLE_OF[m].bold for m in active),
        italic=any(_STYLE_OF[m].italic for m in active),
        underline=any(_STYLE_OF[m].underline for m in active),
    )


def runs(line: str) -> list[tuple[str, Style]]:
    """Group ``line`` into (text, style) runs of equal style."""
    text, styles = styled_chars(line)
    return group_runs(text, styles)


def group_runs(text: str, styles: list[Style]) -> list[tuple[str, Style]]:
    """Group characters with equal consecutive styles."""
    out: list[tuple[str, Style]] = []
    for ch, style in zip(text, styles, strict=True):
        if out and out[-1][1] == style:
            out[-1] = (out[-1][0] + ch, style)
        else:
            out.append((ch, style))
    return out


def plain(line: str) -> str:
    """``line`` without emphasis markers (for titles and metadata)."""
    return styled_chars(line)[0]
