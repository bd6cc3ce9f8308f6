"""Write the cut as .otio, CMX 3600 .edl and FCP 7 .xml, atomically.

All three documents are rendered to strings first, through the OTIO adapter
registry (``otio.adapters.write_to_string``; the plugins cannot be imported
directly), so a timeline an adapter rejects fails before any file is touched.
Then all three are written to hidden temporary files in the target folder
(``.film.xml.<random>.tmp``) and only when all three are complete are they
``os.replace``-d over their final names.  A crash or a full disk therefore
leaves either the old file or the complete new one, never half of one, and
temporaries are removed on failure; only a failure between the three
(atomic, same-folder) renames could leave a mix of old and new complete
files.  Files are written as UTF-8 (the EDL is pure ASCII).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import opentimelineio as otio

from .errors import ExportError
from .models import ExportPaths
from .text import ascii_fold
from .timeline import timeline_rate

__all__ = [
    "ADAPTERS",
    "MAX_EDL_EVENTS",
    "write_exports",
    "render_exports",
    "edl_safe_copy",
]

#: OTIO adapter name per export suffix.
ADAPTERS: dict[str, str] = {"otio": "otio_json", "edl": "cmx_3600", "xml": "fcp_xml"}

#: CMX 3600 event numbers have three digits.
MAX_EDL_EVENTS = 999


def edl_safe_copy(timeline: otio.schema.Timeline) -> otio.schema.Timeline:
    """Copy of ``timeline`` prepared for the CMX 3600 writer.

    * Names are folded to ASCII: EDL readers expect ASCII; the .otio and .xml
      keep the original names.
    * Clip markers are moved from clip (source) time to record time.  Avid
      and the EDLs OTIO's own sample data comes from write ``* LOC:`` with
      the *record* timecode, but the adapter writes the marker's time as is
      (OpenTimelineIO issue #169), which would put every scene marker of
      an untrimmed shot at 00:00:00:00 in an editor.  Reading our EDL back
      through OTIO therefore gives clip markers at their record frame.
    * The copy also shields the caller's timeline from the EDL writer, which
      edits tracks in place in some cases.
    * Audio tracks (sound stems) are left out: our EDL is picture only (the
      CMX 3600 writer takes at most two audio channels, and stems are whole-
      film files an editor lays in from the .otio or .xml).
    """
    copy = timeline.deepcopy()
    for track in [t for t in copy.tracks if t.kind == otio.schema.TrackKind.Audio]:
        copy.tracks.remove(track)
    copy.name = ascii_fold(copy.name or "")
    for track in copy.video_tracks():
        for index, item in enumerate(track):
            if not isinstance(item, otio.schema.Clip):
                continue
            item.name = ascii_fold(item.name or "")
            record_start = track.range_of_child_at_index(index).start_time
            source_start = item.trimmed_range().start_time
            for marker in item.markers:
                marker.name = ascii_fold(marker.name or "")
                offset = marker.marked_range.start_time - source_start
                marker.marked_range = otio.opentime.TimeRange(
                    record_start + offset, marker.marked_range.duration
                )
    return copy


def _check_exportable(timeline: otio.schema.Timeline) -> float:
    rate = timeline_rate(timeline)
    video = timeline.video_tracks()
    if len(video) != 1:
        raise ExportError(f"an EDL holds one video track; the timeline has {len(video)}")
    events = sum(1 for item in video[0] if isinstance(item, otio.schema.Clip))
    if events > MAX_EDL_EVENTS:
        raise ExportError(
            f"a CMX 3600 EDL holds at most {MAX_EDL_EVENTS} events; the cut has {events}"
        )
    return rate


def render_exports(timeline: otio.schema.Timeline) -> dict[str, str]:
    """Render the timeline to the text of each format, keyed by suffix."""
    rate = _check_exportable(timeline)
    rendered: dict[str, str] = {}
    for suffix, adapter in ADAPTERS.items():
        try:
            if suffix == "edl":
                text = otio.adapters.write_to_string(
                    edl_safe_copy(timeline), adapter_name=adapter, rate=rate
                )
            else:
                text = otio.adapters.write_to_string(timeline, adapter_name=adapter)
        except ExportError:
            raise
        except Exception as exc:  # adapters raise many unrelated types
            raise ExportError(
                f"the {adapter} adapter could not write timeline "
                f"{timeline.name!r}: {type(exc).__name__}: {exc}"
            ) from exc
        rendered[suffix] = text
    return rendered


def _check_stem(stem: str) -> None:
    if not stem or stem in {".", ".."} or "/" in stem or "\\" in stem or "\0" in stem:
        raise ExportError(f"export file stem must be a plain file name, got {stem!r}")


def _prepare_dir(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(
            f"cannot create export folder {out_dir}: {exc.strerror or exc}", path=out_dir
        ) from exc
    if not out_dir.is_dir():
        raise ExportError(f"export folder {out_dir} is not a directory", path=out_dir)


def _write_temp(final: Path, text: str) -> Path:
    """Write ``text`` to a new hidden temp file next to ``final``; return it.

    ``open(..., "xb")`` (not mkstemp) so the file gets the normal umask
    permissions, which the final file keeps after the rename.
    """
    temp = final.with_name(f".{final.name}.{secrets.token_hex(6)}.tmp")
    try:
        with open(temp, "xb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise ExportError(
            f"cannot write {final}: {exc.strerror or exc}", path=final
        ) from exc
    return temp


def write_exports(
    timeline: otio.schema.Timeline, out_dir: Path, stem: str = "film"
) -> ExportPaths:
    """Write ``stem.otio``, ``stem.edl`` and ``stem.xml`` into ``out_dir``.

    ``out_dir`` is created if needed.  Raises :class:`ExportError` naming the
    folder or file when it cannot be written; in that case no export file and
    no temporary is left behind by this call.
    """
    out_dir = Path(out_dir)
    _check_stem(stem)
    rendered = render_exports(timeline)
    _prepare_dir(out_dir)
    paths = ExportPaths(**{suffix: out_dir / f"{stem}.{suffix}" for suffix in ADAPTERS})
    finals = {suffix: getattr(paths, suffix) for suffix in ADAPTERS}
    for final in finals.values():  # fail before writing rather than half-way
        if final.exists() and not final.is_file():
            raise ExportError(f"cannot write {final}: it exists and is not a file", path=final)

    temps: dict[str, Path] = {}
    try:
        for suffix, text in rendered.items():
            temps[suffix] = _write_temp(finals[suffix], text)
        for suffix, temp in temps.items():
            try:
                os.replace(temp, finals[suffix])
            except OSError as exc:
                raise ExportError(
                    f"cannot move finished export into place at {finals[suffix]}: "
                    f"{exc.strerror or exc}",
                    path=finals[suffix],
                ) from exc
    finally:
        for temp in temps.values():
            temp.unlink(missing_ok=True)
    return paths
