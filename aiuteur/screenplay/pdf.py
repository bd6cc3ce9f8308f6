"""PDF export in the same layout as the HTML, with no third-party dependency.

Why no fpdf2/reportlab: a screenplay page is monospaced text only. With the
PDF core fonts Courier / Courier-Bold / Courier-Oblique / Courier-BoldOblique
(present in every PDF reader, nothing embedded) every character is exactly
0.1 in wide at 12 pt, so the rows computed by :mod:`aiuteur.screenplay.layout`
can be written directly as text operators. That takes ~100 lines here and
keeps the package free of a PDF library (and of Pillow/fontTools, which
fpdf2 pulls in).

Text is encoded in WinAnsiEncoding (cp1252: covers Western European letters,
curly quotes and dashes); characters outside it are written as ``?``.
Pages: an optional title page, then the body; body pages after the first
carry the page number (``2.``) at the top right, as is customary.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

from .emphasis import Style, plain
from .layout import CHARS_PER_INCH, MARGINS_IN, PAGE_SIZE_IN, Row, Span, paginate, title_page_rows
from .model import FountainError, Screenplay

__all__ = ["to_pdf", "pdf_bytes"]

_PT_PER_IN = 72.0
_FONT_SIZE = 12.0
_LINE_PT = 12.0
_BASELINE_PT = 9.5  # distance from a line's top to its baseline for 12 pt Courier
_FONTS = {  # resource name -> (base font, bold, italic)
    "F1": ("Courier", False, False),
    "F2": ("Courier-Bold", True, False),
    "F3": ("Courier-Oblique", False, True),
    "F4": ("Courier-BoldOblique", True, True),
}


def to_pdf(sp: Screenplay, path: str | os.PathLike[str]) -> Path:
    """Write ``sp`` as a PDF at ``path`` (parent folders are created); return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(pdf_bytes(sp))
    return target


def pdf_bytes(sp: Screenplay) -> bytes:
    """The PDF document for ``sp`` as bytes."""
    if not isinstance(sp, Screenplay):
        raise FountainError(f"to_pdf() needs a Screenplay (from parse()), got {type(sp).__name__}")
    streams: list[bytes] = []
    if sp.title_page:
        streams.append(_page_stream(title_page_rows(sp.title_page), page_label=None))
    for index, rows in enumerate(paginate(sp.elements)):
        streams.append(_page_stream(rows, page_label=f"{index + 1}." if index else None))
    title = next((plain(v.replace("\n", " ")) for k, v in sp.title_page.items() if k.lower() == "title"), "Screenplay")
    return _document(streams, title)


def _font_for(style: Style) -> str:
    for name, (_, bold, italic) in _FONTS.items():
        if bold == style.bold and italic == style.italic:
            return name
    return "F1"  # pragma: no cover - all four combinations exist


def _pdf_string(text: str) -> bytes:
    """A PDF literal string in WinAnsiEncoding, with escapes."""
    raw = text.encode("cp1252", errors="replace")
    out = bytearray(b"(")
    for byte in raw:
        if byte in (0x28, 0x29, 0x5C):  # ( ) \
            out += b"\\" + bytes([byte])
        elif byte < 0x20 or byte > 0x7E:
            out += b"\\%03o" % byte
        else:
            out.append(byte)
    out += b")"
    return bytes(out)


def _page_stream(rows: list[Row], page_label: str | None) -> bytes:
    """Content stream drawing ``rows`` from the top margin down."""
    height = PAGE_SIZE_IN[1] * _PT_PER_IN
    top = MARGINS_IN["top"] * _PT_PER_IN
    ops: list[bytes] = []
    lines: list[bytes] = []
    placed: list[tuple[float, Span]] = []
    if page_label:  # drawn first so text extraction reads it first, as it is placed
        right = (PAGE_SIZE_IN[0] - MARGINS_IN["right"]) - len(page_label) / CHARS_PER_INCH
        placed.append((height - 0.5 * _PT_PER_IN - _BASELINE_PT, Span(right, page_label)))
    for index, row in enumerate(rows):
        baseline = height - top - index * _LINE_PT - _BASELINE_PT
        placed.extend((baseline, span) for span in row if span.text)
    for baseline, span in placed:
        x = span.x * _PT_PER_IN
        font = _font_for(span.style)
        ops.append(b"BT /%s %.1f Tf %.2f %.2f Td %s Tj ET" % (font.encode(), _FONT_SIZE, x, baseline, _pdf_string(span.text)))
        if span.style.underline:
            end = x + len(span.text) * _PT_PER_IN / CHARS_PER_INCH
            lines.append(b"%.2f %.2f m %.2f %.2f l S" % (x, baseline - 1.5, end, baseline - 1.5))
    if lines:
        ops.append(b"0.6 w")
        ops.extend(lines)
    return b"\n".join(ops)


def _document(streams: list[bytes], title: str) -> bytes:
    """Assemble a PDF 1.4 file: catalog, page tree, fonts, info and pages."""
    width, height = (v * _PT_PER_IN for v in PAGE_SIZE_IN)
    objects: list[bytes] = []  # object i+1

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    pages = add(b"")
    font_refs = {
        name: add(b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>" % base.encode())
        for name, (base, _, _) in _FONTS.items()
    }
    info = add(b"<< /Title %s /Creator (aiuteur.screenplay) /Producer (aiuteur.screenplay) >>" % _pdf_string(title))
    resources = b"<< /Font << %s >> >>" % b" ".join(b"/%s %d 0 R" % (n.encode(), r) for n, r in font_refs.items())
    kids: list[int] = []
    for stream in streams:
        data = zlib.compress(stream)
        content = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(data), data))
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /Resources %s /Contents %d 0 R >>" % (pages, resources, content)))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages
    objects[pages - 1] = b"<< /Type /Pages /Kids [%s] /Count %d /MediaBox [0 0 %.0f %.0f] >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
        width,
        height,
    )

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog,
        info,
        xref,
    )
    return bytes(out)
