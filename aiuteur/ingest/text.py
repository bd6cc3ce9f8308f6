"""Bytes to text, refusing what is not text: the type comes from the content, not the extension.

Rules, in order (each refusal names the file):
1. no bytes at all -> "is empty";
2. a known binary signature (PNG, JPEG, GIF, ZIP/DOCX, GZIP, OLE2 .doc, ELF, MP4, RTF;
   other binaries are caught by rule 4)
   -> "is a <type>, not text" (PDF is recognised earlier and read by `pdf.py`);
3. a byte-order mark decides the encoding (UTF-8/16/32); otherwise strict UTF-8; otherwise the
   best guess of charset-normalizer (cp1252, latin-1, Shift-JIS...) when it is confident;
4. NUL bytes or more than 1% control characters in the decoded text -> "binary posing as text";
   any ESC (a terminal escape sequence, e.g. colour codes) -> refused too;
5. only whitespace -> "has no text".
"""
from __future__ import annotations

import codecs

from aiuteur.ingest.errors import IngestError

_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "PNG image"),
    (b"\xff\xd8\xff", 0, "JPEG image"),
    (b"GIF87a", 0, "GIF image"),
    (b"GIF89a", 0, "GIF image"),
    (b"PK\x03\x04", 0, "ZIP archive (a .docx or .fdx-zip?)"),
    (b"\x1f\x8b", 0, "GZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "legacy Office document (.doc)"),
    (b"\x7fELF", 0, "program (ELF)"),
    (b"ftyp", 4, "MP4/QuickTime video"),
    (b"{\\rtf", 0, "RTF document (save it as plain text, Fountain, FDX or PDF)"),
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
#: the share of control characters above which decoded "text" is treated as binary
CONTROL_LIMIT = 0.01


def binary_signature(data: bytes) -> str | None:
    """The kind of binary file these bytes start like, or None."""
    for magic, offset, kind in _SIGNATURES:
        if data[offset:offset + len(magic)] == magic:
            return kind
    return None


def decode_text(name: str, data: bytes) -> tuple[str, str]:
    """(text with LF line ends, encoding) or an `IngestError` naming `name`."""
    if not data:
        raise IngestError(name, "is empty (0 bytes): nothing to read")
    kind = binary_signature(data)
    if kind:
        raise IngestError(name, f"is a {kind}, not text: upload .txt, .md, .fountain, .fdx or .pdf")
    text, encoding = _decode(name, data)
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f")
    if "\x00" in text or controls > max(1, len(text) * CONTROL_LIMIT):
        raise IngestError(name, f"looks binary ({controls} control characters in {len(text)}), not text: "
                                "is it the right file?")
    if "\x1b" in text:
        raise IngestError(name, f"contains terminal escape sequences (ESC at character {text.index(chr(27)) + 1}): "
                                "save it as plain text without colour codes")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IngestError(name, f"has no text ({len(data)} bytes of whitespace)")
    return text, encoding


def _decode(name: str, data: bytes) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding.replace("-sig", "")
            except UnicodeDecodeError as exc:
                raise IngestError(name, f"starts with a {encoding} byte-order mark but is not valid {encoding}: {exc.reason}") from exc
    if b"\x00" in data:
        raise IngestError(name, "contains NUL bytes: a binary file posing as text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.chaos > 0.2:
        raise IngestError(name, "is not UTF-8 and its encoding cannot be recognised: save it as UTF-8")
    return str(best), best.encoding
