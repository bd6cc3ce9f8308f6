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

__all__ = ["target_url_for_path", "path_from_target_url"]

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
