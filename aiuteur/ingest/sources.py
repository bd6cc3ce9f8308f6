"""Staging source files for stage 1: read, validate and label each file; decide the input mode.

A file's kind comes from its content: `%PDF-` is a PDF; XML with a `<FinalDraft>` root is FDX;
text that reads as a screenplay (a scene heading and two character cues, by the Fountain parser)
is Fountain whatever its extension, and so is a `.fountain` file with at least one scene heading
(a scene list without dialogue yet); other text is Markdown when it is named `.md`/`.markdown` or
uses Markdown headings/lists/links, else plain text. Screenplays (Fountain, FDX, screenplay PDFs)
are kept as Fountain text, so stage 4 can import them as they are.

Mode (`decide_mode`): a screenplay among the sources -> *import* (straight to stage 4); other
files -> *adapt* (prose and notes feed the treatment); only an idea -> *expand*.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from aiuteur.ingest.errors import IngestError
from aiuteur.ingest.fdx import fdx_to_fountain, looks_like_fdx
from aiuteur.ingest.pdf import layout_to_fountain, looks_like_screenplay_layout, pdf_pages, plain_text
from aiuteur.ingest.text import decode_text
from aiuteur.models.story import InputMode, SourceDocument, SourceKind
from aiuteur.validate import FileRefused, WrongType, read_regular_file, require_type, unsafe_character

#: the default size limit for one staged file
MAX_FILE_BYTES = 5 * 1024 * 1024
#: the most text one source may contribute after extraction
MAX_TEXT_CHARS = 1_000_000
#: names a screenplay author gives Fountain files: trusted with a scene heading and no dialogue
FOUNTAIN_SUFFIXES = (".fountain", ".spmd")
#: labels given when the caller names none
DEFAULT_LABELS: dict[str, str] = {"screenplay": "draft script", "prose": "notes"}
_MARKDOWN = re.compile(r"^(?:#{1,6} \S|[-*+] \S|\d+\. \S|> \S)|\[[^\]]+\]\([^)]+\)|\*\*[^*]+\*\*", re.MULTILINE)


@dataclass(frozen=True)
class StagedFile:
    """A file waiting to be read: its bytes, the name to show, and an optional label."""

    name: str
    data: bytes
    label: str | None = None

    def __post_init__(self) -> None:
        require_type(self.name, str, "StagedFile.name")
        require_type(self.data, bytes, "StagedFile.data (the file's bytes)")
        if self.label is not None:
            require_type(self.label, str, "StagedFile.label")

    @classmethod
    def from_path(cls, path: str | Path, label: str | None = None, *, max_bytes: int = MAX_FILE_BYTES) -> "StagedFile":
        """A regular file read with a size limit: a folder, a FIFO, a device (/dev/zero) or a file
        over `max_bytes` is refused before it can hang or fill the memory."""
        require_type(path, (str, Path), "file path")
        try:
            data = read_regular_file(path, max_bytes)
        except FileRefused as exc:
            raise IngestError(exc.path, exc.problem) from exc
        return cls(str(path), data, label)


def read_source(staged: StagedFile, order: int = 0, *, max_bytes: int = MAX_FILE_BYTES) -> SourceDocument:
    """Validate and read one file into a `SourceDocument`; `IngestError` names the file otherwise."""
    require_type(staged, StagedFile, "staged file (read a path with StagedFile.from_path)")
    name, data = staged.name, staged.data
    if len(data) > max_bytes:
        raise IngestError(name, f"is {len(data):,} bytes; the limit is {max_bytes:,} bytes per file")
    if not data:
        raise IngestError(name, "is empty (0 bytes): nothing to read")
    encoding: str | None = None
    pages: int | None = None
    if data.lstrip()[:5] == b"%PDF-":
        page_texts = pdf_pages(name, data)
        pages = len(page_texts)
        screenplay = looks_like_screenplay_layout(page_texts)
        text = layout_to_fountain(page_texts) if screenplay else plain_text(page_texts)
        kind: SourceKind = "pdf"
    else:
        if Path(name).suffix.lower() == ".pdf":
            raise IngestError(name, "is named .pdf but is not a PDF (no %PDF- header)")
        text, encoding = decode_text(name, data)
        if looks_like_fdx(text):
            text, kind, screenplay = fdx_to_fountain(name, text), "fdx", True
        elif Path(name).suffix.lower() == ".fdx":
            raise IngestError(name, "is named .fdx but is not Final Draft XML (no <FinalDraft> root)")
        elif is_screenplay(text) or Path(name).suffix.lower() in FOUNTAIN_SUFFIXES and has_scene_heading(text):
            kind, screenplay = "fountain", True
        else:
            screenplay = False
            kind = "markdown" if Path(name).suffix.lower() in (".md", ".markdown") or _MARKDOWN.search(text) else "text"
    if len(text) > MAX_TEXT_CHARS:
        raise IngestError(name, f"holds {len(text):,} characters of text; the limit is {MAX_TEXT_CHARS:,}")
    label = (staged.label or DEFAULT_LABELS["screenplay" if screenplay else "prose"]).strip()
    if not label or len(label) > 60:
        raise IngestError(name, "needs a label of 1-60 characters (e.g. notes, draft script, world bible)")
    if unsafe_character(label, multiline=False):
        raise IngestError(name, "has a label with control characters or escape sequences: give a plain label")
    return SourceDocument(
        name=Path(name).name, label=label, kind=kind, order=order, sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data), encoding=encoding, pages=pages, screenplay=screenplay, text=text,
    )


def read_sources(files: Sequence[StagedFile], *, max_bytes: int = MAX_FILE_BYTES) -> list[SourceDocument]:
    """Every file read in the given order; all problems are collected and raised together, so a
    person fixes them in one go (and nothing is written when any file is refused)."""
    if isinstance(files, (str, bytes, Path, StagedFile)):
        raise WrongType("files: expected a list of StagedFile, got a single "
                        f"{type(files).__name__}; wrap it in a list")
    out: list[SourceDocument] = []
    problems: list[IngestError] = []
    seen: dict[str, str] = {}
    for order, staged in enumerate(files):
        try:
            doc = read_source(staged, order, max_bytes=max_bytes)
        except IngestError as exc:
            problems.append(exc)
            continue
        if doc.sha256 in seen:
            problems.append(IngestError(staged.name, f"is the same file as {seen[doc.sha256]}: staged twice"))
            continue
        seen[doc.sha256] = staged.name
        out.append(doc)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise SourcesRejected(problems)
    return out


class SourcesRejected(IngestError):
    """Several files were refused; `errors` holds one `IngestError` per file."""

    def __init__(self, errors: list[IngestError]) -> None:
        self.errors = errors
        ValueError.__init__(self, f"{len(errors)} files refused: " + "; ".join(str(e) for e in errors))
        self.path = ", ".join(e.path for e in errors)
        self.problem = str(self)


def has_scene_heading(text: str) -> bool:
    """At least one scene heading (INT./EXT..., or forced with `.`) by the Fountain parser: enough
    for a file its author named `.fountain`, even with no dialogue yet (a scene list)."""
    from aiuteur.screenplay import ElementType, parse

    try:
        return any(e.type is ElementType.SCENE_HEADING for e in parse(text).elements)
    except ValueError:
        return False


def is_screenplay(text: str) -> bool:
    """Text the Fountain parser reads as a screenplay: a real scene heading (INT./EXT....) and at
    least two character cues with dialogue."""
    from aiuteur.screenplay import ElementType, parse

    try:
        elements = parse(text).elements
    except ValueError:
        return False
    headings = sum(1 for e in elements if e.type is ElementType.SCENE_HEADING and not e.forced)
    cues = sum(1 for e in elements if e.type is ElementType.CHARACTER)
    return headings >= 1 and cues >= 2


def decide_mode(idea: str, sources: Iterable[SourceDocument], requested: InputMode | None = None) -> InputMode:
    """The mode the inputs imply, or the requested one when the inputs allow it."""
    sources = list(sources)
    has_screenplay = any(s.screenplay for s in sources)
    implied: InputMode = "import" if has_screenplay else "adapt" if sources else "expand"
    if requested is None or requested == implied:
        return implied
    if requested == "import" and not has_screenplay:
        raise IngestError("mode", "'import' needs a screenplay among the files (Fountain, FDX or a screenplay PDF)")
    if requested == "adapt" and not sources:
        raise IngestError("mode", "'adapt' needs at least one file (notes, prose, a world bible...)")
    if requested == "expand" and not idea.strip():
        raise IngestError("mode", "'expand' needs an idea (a sentence or more)")
    return requested
