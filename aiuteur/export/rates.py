"""Frame rates the exports are known to round-trip exactly.

EDL timecode and FCP 7 XML (``timebase`` + ``ntsc`` flag) can only describe
a few rates.  23.976 must be stored as exactly 24000/1001: the FCP XML reader
rebuilds it as ``24 * 1000 / 1001`` and the EDL needs one rate for the whole
list, so a "nearly 23.976" float would drift or fail to compare.  Drop-frame
rates (29.97, 59.94) are left out on purpose: the EDL adapter switches to
drop-frame timecode for them and that path is not verified here.
"""

from __future__ import annotations

import math

__all__ = ["NTSC_FILM", "SUPPORTED_RATES", "normalize_rate", "rate_label"]

#: 23.976 fps, exactly as the FCP XML reader rebuilds it (timebase 24, ntsc).
NTSC_FILM: float = 24000 / 1001

#: Canonical rates accepted by :func:`normalize_rate`.
SUPPORTED_RATES: tuple[float, ...] = (NTSC_FILM, 24.0, 25.0, 30.0, 48.0, 50.0, 60.0)

# How far a given rate may be from a canonical one and still mean it
# (23.976, 23.98 and 24000/1001 all mean NTSC film).
_TOLERANCE = 0.005


def normalize_rate(rate: float) -> float:
    """Return the canonical float for ``rate`` or raise ``ValueError``.

    Accepting 23.976/23.98 but storing 24000/1001 keeps every clip of a cut on
    the same exact rate, which the EDL and the round-trip comparison need.
    """
    try:
        value = float(rate)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"frame rate must be a number, got {rate!r}") from exc
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"frame rate must be a positive number, got {rate!r}")
    for canonical in SUPPORTED_RATES:
        if abs(value - canonical) <= _TOLERANCE or (
            canonical == NTSC_FILM and abs(value - 23.98) <= _TOLERANCE
        ):
            return canonical
    supported = ", ".join(rate_label(r) for r in SUPPORTED_RATES)
    raise ValueError(
        f"unsupported frame rate {value:g} fps for EDL/FCP XML export; "
        f"conform the shot to one of: {supported}"
    )


def rate_label(rate: float) -> str:
    """Human label for a rate ("23.976", "24") used in messages."""
    if rate == NTSC_FILM:
        return "23.976"
    return f"{rate:g}"
