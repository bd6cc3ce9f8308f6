"""Checks at the edge: what a person, a script or a file hands to aiuteur, refused with a typed
error that says what to do, before anything is written.

Everything here is pure (no store, no engines) so the models, the store, the stages, the CLI and
the studio all use the same rules:

* `safe_text` — text may not hold control characters or terminal escape sequences (ESC, C1
  controls, DEL, bidirectional overrides): printed by the CLI or a log they can rewrite the
  screen, and they are never part of an idea, a title or a name;
* `check_name` — project and branch names: one line, safe, not blank, at most `MAX_NAME_CHARS`;
* `finite_number` — numbers from options and forms: a real number (not NaN, not infinite, not a
  bool) within a range;
* `read_regular_file` — a file given by a person: a regular file only (never a FIFO, a device,
  /dev/zero or a folder), read with a size limit, so nothing can hang or fill the memory;
* `require_type` — library functions called with the wrong type fail with a message naming the
  argument, not with an `AttributeError` from deep inside;
* `word_count` — how long an idea is in words, also for scripts written without spaces.

All errors derive from `BadInput`, a `ValueError`: every client (CLI `_guard`, the studio's
message line) shows it as one line.
"""
from __future__ import annotations

import math
import os
import stat
import unicodedata
from pathlib import Path
from typing import Any

#: the longest project or branch name (a slug of a 200-character title is cut well before this)
MAX_NAME_CHARS = 80
#: characters that are not control characters (category Cc) but reorder or hide text on screen
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}
_LINE_BREAKS = {"\n", "\r", "\u2028", "\u2029"}
_CONTROL_NAMES = {"\x1b": "ESC, a terminal escape", "\x07": "BEL", "\x08": "backspace", "\x00": "NUL", "\x7f": "DEL",
                  "\r": "carriage return", "\n": "line break", "\t": "tab"}


class BadInput(ValueError):
    """Input that cannot be used; the message names the field and says what to do."""


class WrongType(BadInput, TypeError):
    """A library function was given an argument of the wrong type."""


class UnsafeText(BadInput):
    """Text holding control characters or terminal escape sequences."""


class FileRefused(BadInput):
    """A file that cannot be read as given: not a regular file, too large, unreadable.
    `path` is the file as the person named it; `problem` what is wrong with it."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


def require_type(value: Any, expected: type | tuple[type, ...], name: str) -> Any:
    """`value` when it is an `expected`, else `WrongType` naming the argument (bools are not numbers)."""
    kinds = expected if isinstance(expected, tuple) else (expected,)
    if isinstance(value, bool) and bool not in kinds and any(k in (int, float) for k in kinds):
        ok = False
    else:
        ok = isinstance(value, kinds)
    if not ok:
        wanted = " or ".join(k.__name__ for k in kinds)
        raise WrongType(f"{name}: expected {wanted}, got {type(value).__name__} {_short(value)}")
    return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def unsafe_character(text: str, *, multiline: bool = True) -> tuple[int, str] | None:
    """(position, character) of the first character `safe_text` refuses, or None."""
    for i, c in enumerate(text):
        if c in _LINE_BREAKS or c == "\t":
            if multiline:
                continue
            return i, c
        if c in _BIDI_CONTROLS or unicodedata.category(c) == "Cc":
            return i, c
    return None


def describe_character(c: str) -> str:
    """`U+001B (ESC, a terminal escape)`: how a refused character is named in messages."""
    name = _CONTROL_NAMES.get(c) or unicodedata.name(c, "control character")
    return f"U+{ord(c):04X} ({name})"


def safe_text(value: str, field: str, *, multiline: bool = True) -> str:
    """`value` unchanged when it holds no control character (tabs and line breaks are allowed when
    `multiline`), else `UnsafeText` naming the field, the character and where it is."""
    require_type(value, str, field)
    found = unsafe_character(value, multiline=multiline)
    if found is not None:
        position, c = found
        raise UnsafeText(f"{field}: contains {describe_character(c)} at character {position + 1}; "
                         "remove control characters and escape sequences"
                         + ("" if multiline else " (it must be one line)"))
    return value


def check_name(value: str, what: str, *, max_chars: int = MAX_NAME_CHARS) -> str:
    """A project or branch name, stripped: one safe line of 1..`max_chars` characters."""
    require_type(value, str, what)
    value = value.strip()
    if not value:
        raise BadInput(f"{what}: must not be blank")
    safe_text(value, what, multiline=False)
    if len(value) > max_chars:
        raise BadInput(f"{what}: {len(value)} characters; at most {max_chars} (give a shorter name)")
    return value


def finite_number(value: Any, field: str, *, low: float | None = None, high: float | None = None,
                  low_open: bool = False) -> float:
    """`value` as a float when it is a real, finite number within [low, high] (`low_open`: above low)."""
    require_type(value, (int, float), field)
    number = float(value)
    if not math.isfinite(number):
        raise BadInput(f"{field}: must be a finite number, got {value!r}")
    if low is not None and (number <= low if low_open else number < low):
        raise BadInput(f"{field}: must be {'above' if low_open else 'at least'} {low:g}, got {number:g}")
    if high is not None and number > high:
        raise BadInput(f"{field}: must be at most {high:g}, got {number:g}")
    return number


def read_regular_file(path: str | Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most `max_bytes`, else `FileRefused`.

    The type is checked before opening (a FIFO would block the open) and again on the open file
    (it could have been swapped), the file is opened non-blocking, and at most `max_bytes + 1` bytes
    are read: a file that grows, or reports a wrong size (/proc), cannot take more."""
    require_type(path, (str, Path), "path")
    shown = str(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise FileRefused(shown, f"cannot be read: {exc.strerror or exc}") from exc
    _require_regular(shown, info.st_mode)
    if info.st_size > max_bytes:
        raise FileRefused(shown, f"is {info.st_size:,} bytes; the limit is {max_bytes:,} bytes per file")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise FileRefused(shown, f"cannot be read: {exc.strerror or exc}") from exc
    try:
        _require_regular(shown, os.fstat(fd).st_mode)
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise FileRefused(shown, f"cannot be read: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)
    if size > max_bytes:
        raise FileRefused(shown, f"holds more than {max_bytes:,} bytes; the limit is {max_bytes:,} bytes per file")
    return b"".join(chunks)


def _require_regular(shown: str, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = ("a folder" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "not a regular file")
    raise FileRefused(shown, f"is {kind}, not a regular file: give the path of a saved file")


#: scripts written without spaces between words, and their average word length in characters
_UNSPACED_SCRIPTS: tuple[tuple[str, float], ...] = (
    ("CJK", 1.7), ("HIRAGANA", 2.0), ("KATAKANA", 3.0), ("THAI", 4.5), ("LAO", 4.5),
    ("KHMER", 4.5), ("MYANMAR", 4.5), ("TIBETAN", 4.0),
)


def _unspaced_script(c: str) -> float | None:
    name = unicodedata.name(c, "")
    for prefix, length in _UNSPACED_SCRIPTS:
        if name.startswith(prefix):
            return length
    return None


def word_count(text: str) -> int:
    """Words in `text`: whitespace-separated tokens; within a token, letters of scripts written
    without spaces (Chinese, Japanese, Thai, Lao, Khmer, Burmese, Tibetan) count as
    letters / the script's average word length, so "灯台守の老婆が古いラジオで兄の声を聞く" is a
    sentence of several words, not one."""
    require_type(text, str, "text")
    count = 0
    for token in text.split():
        unspaced = 0.0
        spaced_letters = 0
        for c in token:
            length = _unspaced_script(c)
            if length:
                unspaced += 1 / length
            elif c.isalnum():
                spaced_letters += 1
        count += max(1, round(unspaced) + (1 if spaced_letters else 0)) if unspaced else 1
    return count
