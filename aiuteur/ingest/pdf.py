"""PDF text with pypdf, and screenplay PDFs back to Fountain.

Text is extracted in pypdf's layout mode, which keeps each line's indentation: that is how a
screenplay PDF's elements are told apart (cues are indented furthest, parentheticals less, dialogue
less again, action and headings sit at the margin). A PDF whose pages give (almost) no text is a
scan: it is refused with a message saying to OCR it first, since guessing would invent a story.
"""
from __future__ import annotations

import io
import re

from aiuteur.ingest.errors import IngestError
from aiuteur.screenplay.headings import is_heading_prefix

#: fewer non-space characters per page than this, over the whole file, means "scanned"
MIN_CHARS_PER_PAGE = 20
_FORCED_HEADING = re.compile(r"^\.(?=[A-Za-z0-9])")
_PAGE_NUMBER = re.compile(r"^\d+\.?$")
_DROP = {"(MORE)", "CONTINUED:", "(CONTINUED)", "CONTINUED"}


def _is_heading(line: str) -> bool:
    """A scene heading by the library's one INT/EXT rule (what the Fountain parser will read back)."""
    return bool(_FORCED_HEADING.match(line)) or is_heading_prefix(line)


def pdf_pages(name: str, data: bytes) -> list[str]:
    """Each page's text (layout mode); `IngestError` for unreadable, encrypted or scanned PDFs."""
    import pypdf
    from pypdf.errors import PdfReadError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(name, "is a password-protected PDF: remove the password and upload it again")
        pages = [page.extract_text(extraction_mode="layout") or "" for page in reader.pages]
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise IngestError(name, f"is not a readable PDF ({type(exc).__name__}: {exc})") from exc
    if not pages:
        raise IngestError(name, "is a PDF with no pages")
    chars = sum(len("".join(p.split())) for p in pages)
    if chars < MIN_CHARS_PER_PAGE * len(pages):
        raise IngestError(name, f"has no extractable text ({chars} characters on {len(pages)} page(s)): it looks "
                                "like a scan; run OCR on it first or upload a text version")
    return [p.replace("\r\n", "\n").replace("\r", "\n") for p in pages]


def looks_like_screenplay_layout(pages: list[str]) -> bool:
    """At least one scene heading at the margin and two indented all-caps cues."""
    lines = [line for page in pages for line in page.splitlines()]
    headings = sum(1 for line in lines if line.strip() and not line.startswith(" ") and _is_heading(line))
    cues = sum(1 for line in lines if _indent(line) >= 15 and _is_upper(line.strip()) and not line.strip().endswith(":"))
    return headings >= 1 and cues >= 2


def plain_text(pages: list[str]) -> str:
    """Prose from a PDF: lines stripped, paragraphs kept, page numbers dropped."""
    out: list[str] = []
    for page in pages:
        for line in page.splitlines():
            stripped = line.strip()
            if _PAGE_NUMBER.match(stripped):
                continue
            out.append(stripped)
        out.append("")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip() + "\n"


def layout_to_fountain(pages: list[str]) -> str:
    """A screenplay PDF's layout text as Fountain (title page from a first page without headings)."""
    title: list[str] = []
    body_pages = pages
    if len(pages) > 1 and not any(_is_heading(l) for l in pages[0].splitlines() if not l.startswith(" ")):
        title = [l.strip() for l in pages[0].splitlines() if l.strip()]
        body_pages = pages[1:]
    blocks: list[list[str]] = []
    current: list[str] = []
    kind = ""
    for page in body_pages:
        lines = page.splitlines()
        margin = min((_indent(l) for l in lines if l.strip() and not _PAGE_NUMBER.match(l.strip())), default=0)
        for raw in lines:
            stripped = raw.strip()
            if not stripped:
                if current:
                    blocks.append(current)
                current, kind = [], ""
                continue
            if _PAGE_NUMBER.match(stripped) or stripped in _DROP:
                continue
            indent = _indent(raw) - margin
            if kind == "dialogue":
                if stripped.startswith("(") and stripped.endswith(")"):
                    current.append(stripped)
                elif current and current[-1].startswith("(") or len(current) == 1:
                    current.append(stripped)
                else:
                    current[-1] += " " + stripped
                continue
            if indent >= 15 and _is_upper(stripped) and not stripped.endswith(":"):
                if current:
                    blocks.append(current)
                current, kind = [stripped], "dialogue"
                continue
            if indent >= 15 and stripped.endswith(":") and _is_upper(stripped):
                if current:
                    blocks.append(current)
                blocks.append([stripped if stripped.endswith("TO:") else ">" + stripped])
                current, kind = [], ""
                continue
            if kind == "action" and current:
                current[-1] += " " + stripped
            else:
                if current:
                    blocks.append(current)
                current, kind = [stripped], "action"
                if _is_heading(stripped):
                    blocks.append(current)
                    current, kind = [], ""
        # a page break ends no element: dialogue and action may continue on the next page
    if current:
        blocks.append(current)
    head = []
    if title:
        head = [f"Title: {title[0]}"]
        for i, line in enumerate(title[:-1]):
            if "written by" in line.lower() or line.lower() == "by":
                head += [f"Credit: {line}", f"Author: {title[i + 1]}"]
                break
        head.append("")
    return "\n".join(head + ["\n".join(b) + "\n" for b in blocks]).rstrip() + "\n"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_upper(text: str) -> bool:
    name = text.split("(", 1)[0]
    return any(c.isalpha() for c in name) and not any(c.islower() for c in name)
