"""Fountain parser (https://fountain.io/syntax, Fountain 1.1).

Why our own parser: the PyPI candidates (``fountain`` 0.1.3 from 2016,
``jouvence`` last released 2020, ``screenplain``, and the brand-new
``fountain-py`` / ``fountain-parser``) are either unmaintained, miss Fountain
1.1 (``@`` characters, ``~`` lyrics, ``!`` action) or give no round-trip
guarantee. Stage 4 needs ``parse(format_fountain(sp)) == sp``, which is only
verifiable when the grammar below and the formatter are written together.

How the text is read
--------------------
1. Input is checked (:class:`FountainError` for non-``str`` or NUL bytes),
   byte-order marks (U+FEFF) are dropped and CR/CRLF become LF.
2. **Boneyard** ``/* ... */`` (may span lines and blank lines) and **notes**
   ``[[ ... ]]`` (may span lines but not a blank line, per spec) are
   *removed before element parsing* and are not kept in the model. A line
   that held nothing but ignored content disappears completely, so a note on
   its own line between a cue and its dialogue does not break the dialogue.
   An unclosed ``/*`` or ``[[`` is kept as literal text (nothing is silently
   swallowed). Removal repeats until nothing changes, so removing one span
   cannot create another.
3. Lines are right-stripped. A line holding exactly two spaces is an *empty
   line inside an element* (spec: "two spaces" keep dialogue going); any
   other whitespace-only line is a separator. Separators split the body into
   blocks.
4. The **title page** is the first block when every line is ``Key: value`` or
   an indented continuation, the first line is neither a scene heading nor a
   transition (so ``FADE IN:`` or ``CUT TO:`` never become a title page), at
   least one key has a value, and keys are one to four words (letters,
   digits, ``_``, ``-``). Values with several lines are joined with ``\\n``; a
   repeated key appends to the earlier value.
5. Each block is read top-down by its first line (leading whitespace is
   ignored for classification, kept for action):

   ===================  ==================================================
   ``===``              page break (three or more ``=`` and nothing else)
   ``#``, ``##``...     section, depth = number of ``#``
   ``=`` text           synopsis
   ``> text <``         centered (consecutive centered lines form one)
   ``>`` text           forced transition
   ``~`` text           lyrics (consecutive ``~`` lines form one)
   ``!`` text           forced action: the rest of the block is action
   ``@NAME``            forced character (needs a non-empty next line)
   ``.TEXT``            forced scene heading (``.`` + letter/digit; ``..``
                        and ``...`` stay action)
   INT/EXT/EST/...      scene heading (INT, EXT, EST, INT./EXT, INT/EXT,
                        EXT/INT, I/E, E/I followed by ``.``, space or end;
                        any case: the one rule in :mod:`.headings`)
   ``... TO:``          transition (upper case, ends in ``TO:``)
   NAME                 character cue: no lower-case letter before the
                        first ``(``, at least one upper-case letter, and a
                        non-empty next line. The rest of the block is
                        dialogue, ``(parentheticals)`` and ``~lyrics``.
   anything else        action: the whole remaining block, line breaks,
                        indentation and tabs preserved.
   ===================  ==================================================

Ambiguities resolved (documented because the spec leaves them open):

* The spec wants a blank line after scene headings and transitions. We also
  accept an all-capitals heading or transition directly followed by text
  (common in generated scripts); a heading line containing lower-case
  letters must stand alone, so prose such as ``Est. 1920, the inn...``
  followed by more lines stays action. Page breaks, sections, synopses,
  centered runs, forced transitions and lyric runs likewise end where the
  next kind of line starts; the rest of the block is read as a new block.
* A single leading ``!`` is removed from *every* line of an action element
  (each line may be forced); ``forced`` records whether the first line had it.
* Inside a dialogue group an empty (two-space) line is kept only between
  dialogue or lyric lines; trailing empty lines are dropped.
* Parentheticals are single lines starting with ``(`` and ending with ``)``.
* Scene numbers are the trailing ``#...#`` (letters, digits, ``.``, ``-``) of a
  heading; they are removed from ``text`` and stored in ``scene_number``.
* ``dual`` marks only the cue written with ``^`` (the second of the pair).
* Emphasis (``*``, ``**``, ``***``, ``_``) and ``\\`` escapes stay in the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from .headings import is_heading_prefix
from .model import Element, ElementType, FountainError, Screenplay

__all__ = ["parse", "parse_block", "read_title_page"]

# A line is ``None`` (separator), ``""`` (empty line inside an element, written
# as two spaces) or a right-stripped, non-blank string.
Line = str | None

_SENTINEL = "\x00"  # safe: NUL is rejected in the input
_BONEYARD = re.compile(r"/\*.*?\*/", re.DOTALL)
_PAGE_BREAK = re.compile(r"^={3,}$")
_SCENE_NUMBER = re.compile(r"\s*#([\w.\-]+)#$")
# Title keys are short labels ("Title", "Draft date"): at most four words, so a
# first action line such as "Steel enters the code on the keypad: 9765" is
# never mistaken for a title page.
_TITLE_KEY = re.compile(r"^([A-Za-z][\w\-]*(?: [\w\-]+){0,3})\s*:(.*)$")


def parse(text: str) -> Screenplay:
    """Parse Fountain ``text`` into a :class:`Screenplay`.

    Raises:
        FountainError: when ``text`` is not a ``str`` or contains NUL bytes.
    """
    source = _checked_source(text)
    lines = _logical_lines(_remove_ignored(source))
    title_page, body = _split_title_page(lines)
    elements: list[Element] = []
    for block in _blocks(body):
        elements.extend(parse_block(block))
    return Screenplay(title_page=title_page, elements=elements)


# --------------------------------------------------------------------------
# input hygiene


def _checked_source(text: object) -> str:
    """Validate the input and normalise BOM and line endings."""
    if not isinstance(text, str):
        if isinstance(text, bytes | bytearray):
            hint = "decode it first, e.g. data.decode('utf-8')"
        else:
            hint = "pass the file contents, e.g. Path('script.fountain').read_text(encoding='utf-8')"
        raise FountainError(f"parse() needs the screenplay as str, got {type(text).__name__}; {hint}")
    nul = text.find("\x00")
    if nul >= 0:
        line_no = text.count("\n", 0, nul) + 1
        raise FountainError(
            f"line {line_no}: NUL byte found; the input looks binary or UTF-16 encoded - "
            "save the screenplay as UTF-8 plain text (.fountain) and read it with encoding='utf-8'"
        )
    # U+FEFF is a byte-order mark at the start and a stray one (from joined
    # files) anywhere else: never screenplay content.
    return text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")


def _remove_ignored(text: str) -> str:
    """Remove boneyard and notes until a fixed point is reached.

    Removed spans become a sentinel first so that a line holding only ignored
    content can be dropped entirely instead of turning into a blank line.
    """
    while True:
        marked = _mark_notes(_BONEYARD.sub(_SENTINEL, text))
        cleaned: list[str] = []
        for raw in marked.split("\n"):
            if _SENTINEL in raw:
                raw = raw.replace(_SENTINEL, "")
                if not raw.strip():
                    continue
            cleaned.append(raw)
        result = "\n".join(cleaned)
        if result == text:
            return result
        text = result


def _mark_notes(text: str) -> str:
    """Replace each ``[[...]]`` note that spans no blank line by the sentinel."""
    out: list[str] = []
    pos = 0
    while True:
        start = text.find("[[", pos)
        if start < 0:
            break
        end = text.find("]]", start + 2)
        if end < 0:
            break
        blank_at = _first_separator(text, start, end)
        if blank_at >= 0:
            # every "[[" before this blank line would span it too: skip past it
            out.append(text[pos:blank_at])
            pos = blank_at
            continue
        out.append(text[pos:start])
        out.append(_SENTINEL)
        pos = end + 2
    out.append(text[pos:])
    return "".join(out)


def _first_separator(text: str, start: int, end: int) -> int:
    """Offset of the first separator line lying wholly inside ``text[start:end]``, or -1."""
    line_start = text.find("\n", start, end)
    while line_start >= 0:
        line_end = text.find("\n", line_start + 1, end)
        if line_end < 0:
            return -1
        if _is_separator(text[line_start + 1 : line_end]):
            return line_start + 1
        line_start = line_end
    return -1


def _is_separator(raw: str) -> bool:
    return not raw.strip() and raw != "  "


def _logical_lines(text: str) -> list[Line]:
    """Classify raw lines into separators, in-element empty lines and content."""
    lines: list[Line] = []
    for raw in text.split("\n"):
        if raw == "  ":
            lines.append("")
        elif not raw.strip():
            lines.append(None)
        else:
            lines.append(raw.rstrip())
    return lines


def _blocks(lines: Sequence[Line]) -> list[list[str]]:
    """Split lines at separators into blocks of consecutive lines."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line is None:
            if current:
                blocks.append(current)
            current = []
        else:
            current.append(line)
    if current:
        blocks.append(current)
    return blocks


# --------------------------------------------------------------------------
# title page


def _split_title_page(lines: list[Line]) -> tuple[dict[str, str], list[Line]]:
    """Return the title page and the remaining body lines."""
    start = 0
    while start < len(lines) and not lines[start]:
        start += 1
    end = start
    while end < len(lines) and lines[end] is not None:
        end += 1
    block = [line for line in lines[start:end] if line is not None]
    title_page = read_title_page(block)
    if title_page is None:
        return {}, lines[start:]
    return title_page, lines[end:]


def read_title_page(block: Sequence[str]) -> dict[str, str] | None:
    """Read the first block as a title page, or return None when it is not one.

    ``block`` holds logical lines (``""`` for a two-space line, which no title
    page contains).
    """
    if not block or block[0][:1] in (" ", "\t"):
        return None
    if is_heading_prefix(block[0]) or is_transition(block[0]):
        return None
    entries: list[tuple[str, list[str]]] = []
    for line in block:
        if line == "":
            return None
        if line[0] in " \t":
            entries[-1][1].append(line.strip())
            continue
        match = _TITLE_KEY.match(line)
        if not match:
            return None
        value = match.group(2).strip()
        entries.append((match.group(1).strip(), [value] if value else []))
    if not any(values for _, values in entries):
        return None
    title_page: dict[str, str] = {}
    for key, values in entries:
        value = "\n".join(values)
        previous = title_page.get(key, "")
        title_page[key] = f"{previous}\n{value}" if previous and value else previous or value
    return title_page


# --------------------------------------------------------------------------
# body blocks


def parse_block(lines: Sequence[str]) -> list[Element]:
    """Parse one block (lines between separators) into elements.

    Public to the package so the formatter can check how a block it is about
    to write will be read back.
    """
    elements: list[Element] = []
    i = 0
    while True:
        while i < len(lines) and lines[i] == "":
            i += 1
        if i >= len(lines):
            return elements
        i, found = _parse_at(lines, i)
        elements.extend(found)


def _parse_at(lines: Sequence[str], i: int) -> tuple[int, list[Element]]:
    """Classify the element starting at ``lines[i]``; return next index and elements."""
    line = lines[i]
    s = line.strip()
    single = i + 1 == len(lines)
    has_next = not single and lines[i + 1] != ""

    if _PAGE_BREAK.match(s):
        return i + 1, [Element(type=ElementType.PAGE_BREAK)]
    if s.startswith("#"):
        depth = len(s) - len(s.lstrip("#"))
        return i + 1, [Element(type=ElementType.SECTION, text=s[depth:].strip(), depth=depth)]
    if s.startswith("="):
        return i + 1, [Element(type=ElementType.SYNOPSIS, text=s[1:].strip())]
    if _is_centered(s):
        texts, j = _run(lines, i, _is_centered, lambda t: t[1:-1].strip())
        return j, [Element(type=ElementType.CENTERED, text="\n".join(texts))]
    if s.startswith(">"):
        return i + 1, [Element(type=ElementType.TRANSITION, text=s[1:].strip(), forced=True)]
    if s.startswith("~"):
        texts, j = _run(lines, i, _is_lyric, _lyric_text)
        return j, [Element(type=ElementType.LYRICS, text="\n".join(texts))]
    if s.startswith("!"):
        return len(lines), [_action(lines[i:])]
    if s.startswith("@") and has_next:
        return len(lines), [_cue(s[1:], forced=True), *_dialogue_group(lines[i + 1 :])]
    heading = _heading(s, single)
    if heading is not None:
        return i + 1, [heading]
    if is_transition(s):
        return i + 1, [Element(type=ElementType.TRANSITION, text=s)]
    if has_next and is_cue(s):
        return len(lines), [_cue(s, forced=False), *_dialogue_group(lines[i + 1 :])]
    return len(lines), [_action(lines[i:])]


def _run(
    lines: Sequence[str], i: int, member: Callable[[str], bool], text_of: Callable[[str], str]
) -> tuple[list[str], int]:
    """Collect consecutive ``member`` lines from ``i``; inner empty lines kept.

    Returns the texts and the index after the last member line.
    """
    texts: list[str] = []
    end = i
    j = i
    while j < len(lines):
        line = lines[j]
        if line == "":
            j += 1
            continue
        stripped = line.strip()
        if not member(stripped):
            break
        texts.extend([""] * (j - end))  # empty lines between members
        texts.append(text_of(stripped))
        j += 1
        end = j
    return texts, end


def _is_centered(s: str) -> bool:
    return len(s) >= 2 and s.startswith(">") and s.endswith("<")


def _is_lyric(s: str) -> bool:
    return s.startswith("~")


def _lyric_text(s: str) -> str:
    return s[1:].strip()


def _has_lower(text: str) -> bool:
    return any(c.islower() for c in text)


def is_transition(s: str) -> bool:
    """True for a natural transition line: upper case and ending in ``TO:``."""
    return s.endswith("TO:") and not _has_lower(s)


def is_cue(s: str) -> bool:
    """True when ``s`` reads as a natural character cue (upper-case name).

    The extension (from the first ``(``) may contain lower case, and a
    trailing dual-dialogue ``^`` is allowed.
    """
    name = s[:-1] if s.endswith("^") else s
    name = name.split("(", 1)[0]
    return any(c.isupper() for c in name) and not _has_lower(name)


def is_forced_heading(s: str) -> bool:
    """True for ``.TEXT`` (single period followed by a letter or digit)."""
    return len(s) > 1 and s[0] == "." and s[1].isalnum()


def _heading(s: str, single: bool) -> Element | None:
    """Scene heading at ``s`` or None (see module notes on the trailing blank line)."""
    forced = is_forced_heading(s)
    if forced:
        body = s[1:]
    elif is_heading_prefix(s):
        body = s
    else:
        return None
    text, number = split_scene_number(body)
    if not single and _has_lower(text):
        return None
    return Element(type=ElementType.SCENE_HEADING, text=text, scene_number=number, forced=forced)


def split_scene_number(heading: str) -> tuple[str, str | None]:
    """Split ``"INT. HOUSE - DAY #1A#"`` into ``("INT. HOUSE - DAY", "1A")``."""
    match = _SCENE_NUMBER.search(heading)
    if match is None:
        return heading, None
    return heading[: match.start()], match.group(1)


def _cue(raw: str, forced: bool) -> Element:
    """Character cue element from the cue line (``@`` already removed)."""
    raw = raw.strip()
    dual = raw.endswith("^")
    if dual:
        raw = raw[:-1].strip()
    return Element(type=ElementType.CHARACTER, text=raw, dual=dual, forced=forced)


def _dialogue_group(lines: Sequence[str]) -> list[Element]:
    """Parse the lines after a cue into parentheticals, dialogue and lyrics."""
    elements: list[Element] = []
    kind: ElementType | None = None
    run: list[str] = []
    pending_empty = 0  # two-space lines seen since the last content line

    def flush() -> None:
        nonlocal kind, run
        if kind is not None:
            elements.append(Element(type=kind, text="\n".join(run)))
        kind, run = None, []

    def add(line_kind: ElementType, text: str) -> None:
        nonlocal kind, pending_empty
        if kind is line_kind:
            run.extend([""] * pending_empty)
        else:
            flush()
            kind = line_kind
        run.append(text)
        pending_empty = 0

    for line in lines:
        if line == "":
            pending_empty += 1
            continue
        s = line.strip()
        if s.startswith("~"):
            add(ElementType.LYRICS, _lyric_text(s))
        elif s.startswith("(") and s.endswith(")"):
            flush()
            pending_empty = 0
            elements.append(Element(type=ElementType.PARENTHETICAL, text=s))
        else:
            add(ElementType.DIALOGUE, s)
    flush()
    return elements


def _action(lines: Sequence[str]) -> Element:
    """Action element from the remaining block lines (one ``!`` per line removed)."""
    forced = lines[0].lstrip().startswith("!")
    texts = [_unforce(line) for line in lines]
    return Element(type=ElementType.ACTION, text="\n".join(texts), forced=forced)


def _unforce(line: str) -> str:
    """Drop one leading ``!`` (after indentation); whitespace-only becomes ``""``."""
    if line.lstrip().startswith("!"):
        line = line.replace("!", "", 1)
    return line if line.strip() else ""
