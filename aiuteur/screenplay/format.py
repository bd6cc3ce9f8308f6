"""Canonical Fountain output.

Guarantee: ``parse(format_fountain(sp)) == sp`` for every ``sp`` returned by
:func:`aiuteur.screenplay.parse`. The canonical form is:

* title page first (``Key: value``, or ``Key:`` followed by lines indented by
  four spaces when the value has several lines), then one blank line;
* exactly one blank line between elements, except that parentheticals,
  dialogue and lyrics follow their cue (or each other) directly;
* force markers (``.``, ``!``, ``@``, ``>``) written exactly where the element
  was parsed as forced; a trailing `` ^`` on dual cues; `` #N#`` after
  numbered headings; empty lines inside dialogue written as two spaces,
  inside lyrics as a bare ``~``.

Elements built by hand (not parsed) are written so that they read back as
the same type whenever Fountain can express it: a force marker is added when
the unforced spelling would be read as something else.
"""

from __future__ import annotations

from collections.abc import Sequence

from .headings import is_heading_prefix
from .model import Element, ElementType, FountainError, Screenplay
from .parse import is_cue, is_forced_heading, is_transition, parse_block, read_title_page

__all__ = ["format_fountain", "format_elements"]

_GROUP_FOLLOWERS = frozenset({ElementType.PARENTHETICAL, ElementType.DIALOGUE, ElementType.LYRICS})
_GROUP_MEMBERS = _GROUP_FOLLOWERS | {ElementType.CHARACTER}
_MARKERS = frozenset("!@~>#=(")


def format_fountain(sp: Screenplay) -> str:
    """Write ``sp`` as canonical Fountain text (ends with a newline)."""
    if not isinstance(sp, Screenplay):
        raise FountainError(f"format_fountain() needs a Screenplay (from parse()), got {type(sp).__name__}")
    sections: list[str] = []
    if sp.title_page:
        sections.append("\n".join(_title_page_lines(sp.title_page)))
    body = format_elements(sp.elements)
    if body and not sp.title_page and sp.elements[0].type is ElementType.CHARACTER:
        body = _not_a_title_page(body)
    if body:
        sections.append(body)
    return "\n\n".join(sections) + "\n" if sections else ""


def format_elements(elements: Sequence[Element]) -> str:
    """Write body elements with canonical spacing (no trailing newline)."""
    lines: list[str] = []
    previous: ElementType | None = None
    for element in elements:
        if previous is not None and not _follows_directly(previous, element.type):
            lines.append("")
        lines.extend(_element_lines(element))
        previous = element.type
    return "\n".join(lines)


def _not_a_title_page(body: str) -> str:
    """Keep a body that starts with a cue like ``FADE IN:`` from reading as a title page.

    Only a dialogue group can start a body and look like ``Key: value`` lines
    (its lines lose their indentation when written). A trailing two-space
    line after the group is ignored by the dialogue parser but disqualifies
    the block as a title page.
    """
    lines = body.split("\n")
    end = lines.index("") if "" in lines else len(lines)
    block = ["" if line == "  " else line for line in lines[:end]]
    if read_title_page(block) is None:
        return body
    return "\n".join([*lines[:end], "  ", *lines[end:]])


def _follows_directly(previous: ElementType, current: ElementType) -> bool:
    """True when ``current`` continues a dialogue group started before it."""
    if previous is ElementType.LYRICS and current is ElementType.LYRICS:
        return False  # two lyric elements only stay apart with a blank line
    return current in _GROUP_FOLLOWERS and previous in _GROUP_MEMBERS


def _title_page_lines(title_page: dict[str, str]) -> list[str]:
    lines: list[str] = []
    for index, (key, value) in enumerate(title_page.items()):
        values = [v.strip() for v in value.split("\n") if v.strip()]
        inline = f"{key}: {values[0]}" if len(values) == 1 else ""
        if index == 0 and (is_heading_prefix(inline) or is_transition(inline)):
            inline = ""  # keep the page recognisable as a title page
        if inline:
            lines.append(inline)
        else:
            lines.append(f"{key}:")
            lines.extend(f"    {v}" for v in values)
    return lines


def _element_lines(element: Element) -> list[str]:
    """Fountain lines for one element."""
    kind, text = element.type, element.text
    if kind is ElementType.SCENE_HEADING:
        prefix = "." if element.forced or not is_heading_prefix(text) else ""
        number = f" #{element.scene_number}#" if element.scene_number else ""
        return [f"{prefix}{text}{number}"]
    if kind is ElementType.ACTION:
        return _action_lines(element)
    if kind is ElementType.CHARACTER:
        force = element.forced or not _reads_as_cue(text)
        return [("@" if force else "") + text + (" ^" if element.dual else "")]
    if kind is ElementType.PARENTHETICAL:
        return [text]
    if kind is ElementType.DIALOGUE:
        return ["  " if line == "" else line for line in text.split("\n")]
    if kind is ElementType.LYRICS:
        return ["~" + line for line in text.split("\n")]
    if kind is ElementType.TRANSITION:
        force = element.forced or not is_transition(text)
        return [(">" if force else "") + text]
    if kind is ElementType.CENTERED:
        return [f"> {line} <" for line in text.split("\n")]
    if kind is ElementType.PAGE_BREAK:
        return ["==="]
    if kind is ElementType.SECTION:
        return [("#" * max(element.depth, 1) + " " + text).rstrip()]
    if kind is ElementType.SYNOPSIS:
        return [("= " + text).rstrip()]
    raise FountainError(f"unknown element type {kind!r}")  # pragma: no cover - enum is closed


def _reads_as_cue(text: str) -> bool:
    """True when ``text`` on its own line is read as an unforced character cue."""
    stripped = text.strip()
    return (
        stripped == text
        and is_cue(text)
        and not text.endswith("^")
        and text[:1] not in _MARKERS
        and not is_forced_heading(text)
        and not is_heading_prefix(text)
        and not is_transition(text)
    )


def _action_lines(element: Element) -> list[str]:
    """Action lines, re-escaping ``!`` and forcing when needed to read back as action."""
    lines = element.text.split("\n")
    escaped = [_insert_bang(line) if line.lstrip().startswith("!") else line for line in lines]
    if element.forced or not lines[0] or escaped[0] != lines[0] or not _reads_as_action(escaped, element.text):
        escaped[0] = _insert_bang(lines[0])
    return ["  " if line == "" else line for line in escaped]


def _reads_as_action(lines: list[str], text: str) -> bool:
    """True when ``lines`` (logical lines, ``""`` = two spaces) parse back as this unforced action."""
    return parse_block(lines) == [Element(type=ElementType.ACTION, text=text)]


def _insert_bang(line: str) -> str:
    """Insert one ``!`` after the indentation (the parser removes exactly one per line)."""
    stripped = line.lstrip()
    return line[: len(line) - len(stripped)] + "!" + stripped
