"""How media files are referenced from the exported cut.

Decision: every ``ExternalReference.target_url`` is a percent-encoded file
URL of the form ``file://localhost/abs/path/shot.mp4``, the same string in
.otio, EDL and XML.  That is the form Final Cut Pro 7 and Premiere Pro write
into ``<pathurl>`` and the form DaVinci Resolve and Premiere relink from; it
is also a valid RFC 8089 URL that ``otio.url_utils.filepath_from_url``
understands.  Percent-encoding keeps spaces and non-ASCII out of the EDL
``* FROM CLIP:`` comment and the XML, and makes the value ASCII everywhere.
"""

from __future__ import annotations

from pathlib import Path, PurePath
from urllib.parse import quote

import opentimelineio as otio

__all__ = ["target_url_for_path", "path_from_target_url", "resolve_media"]

_PREFIX = "file://localhost"


def target_url_for_path(path: Path) -> str:
    """Return the ``file://localhost/...`` URL for an absolute media path."""
    pure = PurePath(path)
    if not pure.is_absolute():
        raise ValueError(f"media path must be absolute, got {str(path)!r}")
    posix = pure.as_posix()
    if not posix.startswith("/"):  # Windows drive paths: C:/x -> /C%3A/x
        posix = "/" + posix
    return _PREFIX + quote(posix, safe="/")


def path_from_target_url(url: str) -> Path:
    """Turn a target URL (or a plain path, as some EDLs hold) back into a Path."""
    if "://" not in url:
        return Path(url)
    return Path(otio.url_utils.filepath_from_url(url))


def resolve_media(url: str, base: Path) -> Path:
    """The file a timeline's media reference names, relative references taken from ``base``.

    Handles what the adapters read back: ``media/x.mov``, ``file://localhost/abs/x.mov``,
    ``file:///abs/x.mov`` and the AAF adapter's ``file://media/x.mov`` (a relative locator)."""
    if url.startswith("file://") and not url.startswith(("file:///", "file://localhost/")):
        url = url[len("file://"):]
    path = path_from_target_url(url) if "://" in url else Path(url)
    return path if path.is_absolute() else base / path
