"""Read a written AAF back with pyaaf2 directly, to check it: its cut and its media references.

Reading an AAF back through the OTIO adapter transcribes every object of the file into OTIO
(properties, metadata, ranges, then simplifies the result) only for the package to keep, per clip,
a name, a length in frames and a URL: 3.2 CPU s for 600 clips, a third of the AAF's whole cost
(``benchmarks/RESULTS.md``). Here the same three things are read from the objects that hold them:

* the one top-level composition mob (the adapter reads every top-level mob; more than one would be
  more than one timeline, which the adapter-based check refuses too);
* its first picture slot, a sequence of source clips (and fillers, read as ``("<gap>", length)``
  like :func:`readback.summarize_cut` reads gaps), each clip's length in frames at the slot's edit
  rate, which must be the cut's;
* each source clip's master mob (its name is the clip's name, as the adapter names clips), the
  master mob's slot, and the file source mob that slot points at: its descriptor's one locator is
  the clip's media reference, spelled as the adapter spells it (``file://`` prefixed, so
  ``media/x.mov`` reads back as ``file://media/x.mov``; ``media.resolve_media`` resolves both).
  Sound slots (the stems) are walked for their references only, as the adapter-based check does.

The structure is the one otio-aaf-adapter writes: anything else (a transition, a nested sequence, a
clip pointing at a mob that is not in the file, a clip longer than its media) is refused with an
:class:`ExportError` saying which clip, instead of being read around.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aaf2

from .errors import ExportError
from .rates import rate_label
from .readback import CutReading

__all__ = ["read_aaf_cut"]

#: How far a slot's edit rate may be from the cut's (both are exact fractions or their floats).
_RATE_TOLERANCE = 1e-6


def read_aaf_cut(path: Path, rate: float) -> CutReading:
    """The AAF's picture cut (name, frames per item) and every clip's (name, URL), in the order the
    adapter-based read-back gives them. Raises :class:`ExportError` when the file does not hold a
    cut as we write it."""
    path = Path(path)
    if not path.is_file():
        raise ExportError(f"export file {path.name} does not exist", path=path)
    try:
        with aaf2.open(str(path), "r") as aaf:
            # Only the compositions are read to find the timeline (a mob's class is on its storage, so the
            # tape mobs, a third of the file, are never read); master and file mobs are read when a clip
            # names them, each once.
            return _read_composition(_top_level_composition(_compositions(aaf), path), path, rate)
    except ExportError as exc:  # raised by the walk below, which names the file but does not hold its path
        exc.path = exc.path or path
        raise
    except Exception as exc:  # a damaged file fails in pyaaf2 with many unrelated types, as in Exporter.read
        raise ExportError(f"cannot read {path.name} back with pyaaf2: {type(exc).__name__}: {exc}",
                          path=path) from exc


def _compositions(aaf: Any) -> list[Any]:
    """The file's composition mobs, found by the class on each mob's storage before reading it."""
    mobs = aaf.content["Mobs"]
    composition = aaf.metadict.lookup_classdef("CompositionMob").auid
    return [mobs.read_object(key) for key in mobs.references
            if aaf.content.dir.get(mobs.index_ref_name(key)).class_id == composition]


def _top_level_composition(mobs: list[Any], path: Path) -> Any:
    """The file's one top-level composition mob: the timeline (the adapter reads every one)."""
    found = [mob for mob in mobs if isinstance(mob, aaf2.mobs.CompositionMob) and mob.usage == "Usage_TopLevel"]
    if len(found) != 1:
        raise ExportError(f"{path.name} holds {len(found)} top-level compositions, expected one timeline",
                          path=path)
    return found[0]


def _read_composition(composition: Any, path: Path, rate: float) -> CutReading:
    """Walk the composition's picture and sound slots in order, each clip once: the first picture
    slot gives the cut, every clip a reference (the adapter's track order: picture, then each stem)."""
    slots = [slot for slot in composition.slots if isinstance(slot, aaf2.mobslots.TimelineMobSlot)
             and slot.segment.media_kind in ("Picture", "Sound")]
    pictures = [slot for slot in slots if slot.segment.media_kind == "Picture"]
    if not pictures:
        raise ExportError(f"{path.name} has no picture track", path=path)
    if abs(float(pictures[0].edit_rate) - rate) > _RATE_TOLERANCE:
        raise ExportError(f"{path.name}: the picture track's edit rate is {pictures[0].edit_rate}, "
                          f"expected {rate_label(rate)} fps", path=path)
    cut: list[tuple[str, int]] = []
    references: list[tuple[str, str | None]] = []
    for slot in slots:
        is_cut = slot is pictures[0]
        for index, item in enumerate(_sequence(slot, path)):
            where = f"{path.name}: item {index + 1} of track {slot.name or slot.slot_id}"
            if isinstance(item, aaf2.components.SourceClip):
                master, media = _master_clip(item, where)
                if is_cut:
                    cut.append(_clip_frames(item, master, media, where))
                references.append((master.name or "", _media_url(master, media, where)))
            elif is_cut:
                cut.append(_gap_frames(item, where))
    return CutReading(cut=cut, references=references)


def _sequence(slot: Any, path: Path) -> list[Any]:
    """A track's items: the slot's sequence, or (sound) the sequence inside its one pan operation."""
    segment = slot.segment
    if isinstance(segment, aaf2.components.OperationGroup) and len(segment.segments) == 1:
        segment = segment.segments[0]
    if not isinstance(segment, aaf2.components.Sequence):
        raise ExportError(f"{path.name}: track {slot.name or slot.slot_id} holds a {type(segment).__name__}, "
                          f"expected a sequence of clips", path=path)
    return list(segment.components)


def _master_clip(item: Any, where: str) -> tuple[Any, Any]:
    """The master mob a composition clip plays from, and the source clip of the master mob's slot
    (whose length is the media's, and whose mob is the file mob)."""
    master = item.mob
    if not isinstance(master, aaf2.mobs.MasterMob):
        raise ExportError(f"{where} points at mob {item.mob_id}, which is not a master mob of the file")
    try:
        media = master.slot_at(item.slot_id).segment
    except IndexError:
        raise ExportError(f"{where} ({master.name}) points at slot {item.slot_id}, which its master mob "
                          f"does not have") from None
    if not isinstance(media, aaf2.components.SourceClip):
        raise ExportError(f"{where} ({master.name}): its master mob's slot holds a {type(media).__name__}, "
                          f"expected a clip of its media")
    return master, media


def _clip_frames(item: Any, master: Any, media: Any, where: str) -> tuple[str, int]:
    """(name, frames) of a picture clip, which must play frames its media has (the adapter would
    trim a clip running past them, and a check must not read a damaged clip around)."""
    if item.start < 0 or item.length <= 0 or item.start + item.length > media.length:
        raise ExportError(f"{where} ({master.name}) plays frames {item.start}..{item.start + item.length} "
                          f"of media {media.length} frames long")
    return master.name or "", int(item.length)


def _gap_frames(item: Any, where: str) -> tuple[str, int]:
    """A filler reads as ``("<gap>", frames)``, like ``summarize_cut`` reads a gap, so the comparison
    with the expected cut shows it; anything else on the picture track is not a cut we write."""
    if not isinstance(item, aaf2.components.Filler):
        raise ExportError(f"{where} is a {type(item).__name__}, expected a clip")
    return "<gap>", int(item.length)


def _media_url(master: Any, media: Any, where: str) -> str | None:
    """A clip's media reference: its file mob's one locator, None when it has none (which the
    reference check then refuses, as it refuses the adapter's missing reference)."""
    file_mob = media.mob
    if not isinstance(file_mob, aaf2.mobs.SourceMob) or file_mob.descriptor is None:
        raise ExportError(f"{where} ({master.name}) has no file source mob")
    urls = [locator["URLString"].value for locator in file_mob.descriptor.getvalue("Locator", [])]
    if len(urls) > 1:
        raise ExportError(f"{where} ({master.name}) has {len(urls)} media locators, expected one")
    return _adapter_url(urls[0]) if urls and urls[0] else None


def _adapter_url(url: str) -> str:
    """A locator's URL as otio-aaf-adapter reads it back (``file://`` prefixed, forward slashes), so
    the references are the same strings whichever reader produced them."""
    url = url if url.startswith("file://") else "file://" + url
    return url.replace("\\", "/")
