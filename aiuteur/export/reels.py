"""EDL reel names derived from shot ids.

CMX 3600 gives the reel (source) name a fixed 8-character column: longer
names are cut, spaces break the column, and an EDL conform matches media by
reel, so every shot needs a short, unique, space-free reel.  The adapter's
fallback (media file name cut to 8 characters) makes "SC010_SH0010.mp4" and
"SC010_SH0020.mp4" both "SC010SH0", which is why the reel is set explicitly.

The rule, applied per distinct shot id in cut order:

1. ``SC<scene>_SH<shot>`` with scene and shot numbers below 1000
   (case-insensitive, any zero padding) -> ``S<scene:03d>H<shot:03d>``,
   e.g. ``SC010_SH0020`` -> ``S010H020``.
2. Otherwise the shot id's ASCII letters and digits, upper-cased, if that is
   1-8 characters and not a reserved source name (BL, BLACK, BARS, AX),
   e.g. ``INSERT4`` -> ``INSERT4``.
3. Otherwise (or if steps 1-2 collide with an earlier shot's reel)
   ``X`` + 7 base-32 characters of the SHA-1 of the shot id, e.g.
   ``XK3M9QZA``: stable across runs, unique in practice, and checked.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from .errors import ExportError

__all__ = ["MAX_REEL_LENGTH", "RESERVED_REELS", "reel_for_shot_id", "assign_reels"]

MAX_REEL_LENGTH = 8

#: Source names with a special meaning in CMX 3600 (black, bars, auxiliary).
RESERVED_REELS = frozenset({"BL", "BLACK", "BARS", "AX"})

_SHOT_ID = re.compile(r"^SC0*(\d{1,3})_SH0*(\d{1,3})$", re.IGNORECASE)
_REEL_OK = re.compile(r"^[A-Z0-9]{1,8}$")


def _hashed_reel(shot_id: str) -> str:
    digest = hashlib.sha1(shot_id.encode("utf-8")).digest()
    return "X" + base64.b32encode(digest).decode("ascii")[:7]


def reel_for_shot_id(shot_id: str) -> str:
    """Reel for one shot id by rules 1-2 above, falling back to rule 3."""
    match = _SHOT_ID.match(shot_id.strip())
    if match:
        scene, shot = (int(g) for g in match.groups())
        return f"S{scene:03d}H{shot:03d}"
    compact = re.sub(r"[^A-Za-z0-9]", "", shot_id).upper()
    if _REEL_OK.match(compact) and compact not in RESERVED_REELS:
        return compact
    return _hashed_reel(shot_id)


def assign_reels(shot_ids: Iterable[str]) -> dict[str, str]:
    """Map each distinct shot id to a reel unique within the cut.

    The same shot id always gets the same reel (a shot used twice is one
    source); a different shot id whose derived reel is already taken gets its
    hashed reel instead.
    """
    reels: dict[str, str] = {}
    taken: dict[str, str] = {}
    for shot_id in shot_ids:
        if shot_id in reels:
            continue
        reel = reel_for_shot_id(shot_id)
        if reel in taken:
            reel = _hashed_reel(shot_id)
        if reel in taken:
            raise ExportError(
                f"cannot find a unique EDL reel for shot {shot_id!r}: "
                f"{reel!r} is already used by shot {taken[reel]!r}"
            )
        reels[shot_id] = reel
        taken[reel] = shot_id
    return reels
