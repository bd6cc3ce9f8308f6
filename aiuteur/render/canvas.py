"""The supersampled drawing surface of a panel.

Why: scenes are drawn at :data:`SUPERSAMPLE` times the panel size and downsampled (cheap
anti-aliasing); every drawing routine needs the same geometry: the size and the picture area
above the caption band, and the room left under the title and slugline chips.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SUPERSAMPLE", "Canvas"]

SUPERSAMPLE = 2  # supersampling factor for the drawn scene


@dataclass(frozen=True)
class Canvas:
    """Geometry of the supersampled scene: size and the picture area above the caption band."""

    w: int
    h: int
    pic_h: float  # height of the area not covered by the caption band
    head_room: float = 0.0  # y below the title / slugline chips
