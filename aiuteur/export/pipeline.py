"""One call for the library: build the timeline, write it, verify it."""

from __future__ import annotations

from pathlib import Path

from .models import AudioStem, CutClip, ExportPaths
from .readback import verify_exports
from .timeline import build_timeline
from .writers import write_exports

__all__ = ["export_cut"]


def export_cut(
    clips: list[CutClip],
    name: str,
    out_dir: Path,
    *,
    stem: str = "film",
    film_metadata: dict | None = None,
    audio: list[AudioStem] | None = None,
) -> ExportPaths:
    """Build, write and verify the cut; raise ``ExportError`` on any failure.

    Verification reads the written files back, so a successful return means
    an editor opening any of the three files sees the same shots, in the same
    order, with the same lengths.  ``audio`` stems become audio tracks in the
    .otio and FCP XML (the EDL is picture only).
    """
    timeline = build_timeline(clips, name, film_metadata=film_metadata, audio=audio)
    paths = write_exports(timeline, out_dir, stem)
    verify_exports(paths, clips)
    return paths
