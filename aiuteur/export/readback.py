"""Read exported files back and check they still describe the same cut.

An export that an editor opens one frame short per shot is worse than no
export, so the library reads every file it writes back through the same OTIO
adapters and compares clip count, order and per-clip length in frames.

What each format keeps (OTIO 0.18, otio-cmx3600-adapter / otio-fcp-adapter
1.0), as checked by the tests:

* ``.otio`` keeps everything: names, rates, source/available ranges,
  target URLs, clip and timeline markers with colours, all metadata.
* ``.xml`` (FCP 7) keeps names, rate (timebase + ntsc), source ranges,
  ``<pathurl>`` target URLs, clip markers and timeline (sequence) markers with
  their names and ranges - but not their colours (they read back as RED) -
  and only the ``fcp_xml`` metadata namespace, so shot ids come back as
  ``metadata["fcp_xml"]["logginginfo"]["shottake"]``, not under "aiuteur".
* ``.edl`` (CMX 3600) keeps clip names (``* FROM CLIP NAME``, ASCII-folded),
  reels, source ranges, target URLs (``* FROM CLIP``) and clip markers as
  ``* LOC`` lines at their *record* timecode (names upper-cased, so they read
  back at their record frame, see ``writers.edl_safe_copy``); it has no rate
  (read with ``rate=``), no timeline markers and no metadata.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import opentimelineio as otio

from .errors import ExportError
from .media import path_from_target_url, resolve_media
from .rates import normalize_rate
from .reels import assign_reels
from .text import ascii_fold

if TYPE_CHECKING:  # the models (pydantic) stay out of the AAF process, which reads back only
    from .exporters import Exporter
    from .models import CutClip, ExportPaths

__all__ = [
    "CutReading", "check_references", "compare_items", "cut_reading", "read_back", "summarize_cut", "summarize_reels",
    "verify_exports", "verify_timeline",
]


class CutReading(NamedTuple):
    """What a delivery package checks in a timeline file it wrote: the first video track as
    :func:`summarize_cut` gives it, and every clip's (name, media URL) for the package to resolve."""

    cut: list[tuple[str, int]]
    references: list[tuple[str, str | None]]


def read_back(path: Path, rate: float = 24.0) -> otio.schema.Timeline:
    """Read an exported .otio/.edl/.xml file into a timeline.

    ``rate`` is only used for EDLs, which do not record their frame rate.
    """
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    from .writers import ADAPTERS  # writers needs the models (pydantic), which a read-back alone does not

    adapter = ADAPTERS.get(suffix)
    if adapter is None:
        raise ExportError(
            f"cannot read {path}: unknown export suffix (expected .otio, .edl or .xml)",
            path=path,
        )
    if not path.is_file():
        raise ExportError(f"export file {path} does not exist", path=path)
    try:  # 23.976 -> exactly 24000/1001, like the clips were written
        rate = normalize_rate(rate)
    except ValueError:
        pass  # reading is allowed at any rate; only writing is restricted
    kwargs = {"rate": rate} if adapter == "cmx_3600" else {}
    try:
        result = otio.adapters.read_from_file(str(path), adapter_name=adapter, **kwargs)
    except Exception as exc:  # adapters raise many unrelated types
        raise ExportError(
            f"cannot read {path} with the {adapter} adapter: {type(exc).__name__}: {exc}",
            path=path,
        ) from exc
    if not isinstance(result, otio.schema.Timeline):
        raise ExportError(
            f"{path} holds a {type(result).__name__}, expected exactly one timeline",
            path=path,
        )
    return result


def _video_clips(timeline: otio.schema.Timeline) -> list[otio.core.Item]:
    tracks = timeline.video_tracks()
    if not tracks:
        raise ExportError(f"timeline {timeline.name!r} has no video track")
    # Gaps count too: an unexpected gap must show up as a mismatch.
    return [item for item in tracks[0] if not isinstance(item, otio.schema.Transition)]


def summarize_cut(timeline: otio.schema.Timeline) -> list[tuple[str, int]]:
    """(clip name, duration in frames) for the first video track, in order.

    Frames are counted at each item's own rate; gaps appear as ``("<gap>", n)``
    so they cannot hide in a comparison.
    """
    summary: list[tuple[str, int]] = []
    for item in _video_clips(timeline):
        duration = item.duration()
        name = "<gap>" if isinstance(item, otio.schema.Gap) else (item.name or "")
        summary.append((name, round(duration.value)))
    return summary


def cut_reading(timeline: otio.schema.Timeline) -> CutReading:
    """The :class:`CutReading` of a timeline read back through an adapter (every clip of every
    track, in the timeline's order, with its default reference's URL)."""
    references = [(clip.name, getattr(clip.media_reference, "target_url", None)) for clip in timeline.find_clips()]
    return CutReading(cut=summarize_cut(timeline), references=references)


def summarize_reels(timeline: otio.schema.Timeline) -> list[str | None]:
    """EDL reel of each item on the first video track, in order."""
    return [
        item.metadata.get("cmx_3600", {}).get("reel") for item in _video_clips(timeline)
    ]


def _target_paths(timeline: otio.schema.Timeline) -> list[Path | None]:
    paths: list[Path | None] = []
    for item in _video_clips(timeline):
        ref = getattr(item, "media_reference", None)
        url = getattr(ref, "target_url", None)
        paths.append(path_from_target_url(url) if url else None)
    return paths


def compare_items(
    label: str, path: Path, expected: Sequence[object], got: Sequence[object], what: str
) -> None:
    """Raise :class:`ExportError` at a different count or at the first clip whose ``what`` differs,
    naming it: one wrong clip in six hundred must be findable from the message alone."""
    if len(got) != len(expected):
        raise ExportError(
            f"{label} export {path}: expected {len(expected)} clips, read back {len(got)}",
            path=path,
        )
    for index, (want, have) in enumerate(zip(expected, got)):
        if want != have:
            raise ExportError(
                f"{label} export {path}: clip {index + 1} {what} is {have!r}, "
                f"expected {want!r}",
                path=path,
            )


def verify_exports(paths: ExportPaths, clips: list[CutClip]) -> None:
    """Read each export back; raise :class:`ExportError` at the first mismatch.

    Checks, per format: clip count, order (clip names; for the EDL also
    reels), per-clip duration in frames, and that every clip still points at
    its media file.  Names are compared ASCII-folded for the EDL.
    """
    if not clips:
        raise ExportError("cannot verify an empty cut: the clip list has no shots")
    rate = clips[0].rate
    names = [clip.display_name for clip in clips]
    frames = [clip.frames for clip in clips]
    media = [clip.media_path for clip in clips]
    reels = assign_reels(clip.shot_id for clip in clips)

    from .writers import ADAPTERS

    for suffix in ADAPTERS:
        path: Path = getattr(paths, suffix)
        timeline = read_back(path, rate=rate)
        summary = summarize_cut(timeline)
        expected_names = [ascii_fold(n) for n in names] if suffix == "edl" else names
        compare_items(suffix, path, expected_names, [n for n, _ in summary], "name")
        compare_items(suffix, path, frames, [f for _, f in summary], "duration in frames")
        if suffix == "edl":
            expected_reels = [reels[clip.shot_id] for clip in clips]
            compare_items(suffix, path, expected_reels, summarize_reels(timeline), "reel")
        compare_items(suffix, path, media, _target_paths(timeline), "media path")


def verify_timeline(exporter: Exporter, path: Path, root: Path, rate: float, expected: Sequence[tuple[str, int]],
                     *, media_ready: bool = True) -> list[tuple[str, str | None]]:
    """Read a written timeline back: same shots, same lengths, and (``media_ready``) every media
    reference resolving. Returns each clip's (name, reference), for a caller to check once the
    media is written when it is not yet."""
    reading = exporter.read_cut(path, rate)
    names = [ascii_fold(n) for n, _ in expected] if exporter.name == "edl" else [n for n, _ in expected]
    compare_items(exporter.name, path, names, [n for n, _ in reading.cut], "name")
    compare_items(exporter.name, path, [f for _, f in expected], [f for _, f in reading.cut], "duration in frames")
    if media_ready:
        check_references(path, reading.references)
    return reading.references


def check_references(path: Path, references: Sequence[tuple[str, str | None]]) -> None:
    """Every clip of the timeline ``path`` points at a file that exists (relative to its folder)."""
    for name, url in references:
        if not url or not resolve_media(url, path.parent).is_file():
            raise ExportError(f"{path.name}: clip {name} points at {url!r}, which does not resolve", path=path)
