"""Read a written AAF back directly, to check it: its cut and its media references.

Reading an AAF back through the OTIO adapter transcribes every object of the file into OTIO
(properties, metadata, ranges, then simplifies the result) only for the package to keep, per clip,
a name, a length in frames and a URL: 3.2 CPU s for 600 clips, a third of the AAF's whole cost
(``benchmarks/RESULTS.md``), and pyaaf2's own object model, which decodes every property it reads
through the metadictionary, still 1.5-1.8 s. Here the file is read as a compound file in one pass
(``cfb_reader.py``) and the same three things are read from the storages of the objects that hold
them (``aaf_storage.py``), the layout pyaaf2 and the adapter read (``tests/unit/test_aaf_readback.py``
compares the result with the adapter's on files the adapter wrote, and on files changed with pyaaf2):

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

import struct
import uuid
from pathlib import Path

from .aaf_storage import (
    CLASS, P_COMPONENTS, P_CONTENT, P_DATA_DEFINITION, P_DESCRIPTOR, P_EDIT_RATE, P_HEADER, P_INPUT_SEGMENTS,
    P_LENGTH, P_LOCATOR, P_NAME, P_SEGMENT, P_SLOT_ID, P_SLOT_NAME, P_SLOTS, P_SOURCE_ID, P_SOURCE_SLOT_ID,
    P_START_TIME, P_URL, P_USAGE, ShapeError, StoredObject, is_class, mob_index, name_of,
)
from .cfb_reader import CFBReadError, read_compound_file
from .errors import ExportError
from .rates import rate_label
from .readback import CutReading

__all__ = ["read_aaf_cut"]

#: How far a slot's edit rate may be from the cut's (both are exact fractions or their floats).
_RATE_TOLERANCE = 1e-6

#: weak-reference keys (little-endian AUIDs) of the data definitions and usage code read here
_PICTURE = uuid.UUID("01030202-0100-0000-060e-2b3404010101").bytes_le
_SOUND = uuid.UUID("01030202-0200-0000-060e-2b3404010101").bytes_le
_TOP_LEVEL = uuid.UUID("0d010102-0101-0700-060e-2b3404010101").bytes_le
_CLASS_NAMES = {class_id: name for name, class_id in CLASS.items()}


def read_aaf_cut(path: Path, rate: float) -> CutReading:
    """The AAF's picture cut (name, frames per item) and every clip's (name, URL), in the order the
    adapter-based read-back gives them. Raises :class:`ExportError` when the file does not hold a
    cut as we write it."""
    path = Path(path)
    if not path.is_file():
        raise ExportError(f"export file {path.name} does not exist", path=path)
    try:
        root, _ = read_compound_file(path)
        return _File(root, path).cut(rate)
    except ExportError as exc:  # raised by the walk below, which names the file but does not hold its path
        exc.path = exc.path or path
        raise
    except (CFBReadError, ShapeError) as exc:
        raise ExportError(f"cannot read {path.name} back as an AAF: {exc}", path=path) from exc


def _kind(obj: StoredObject) -> str:
    return _CLASS_NAMES.get(obj.storage.class_id, "object of another class")


def _int64(obj: StoredObject, pid: int) -> int:
    return struct.unpack("<q", obj.value(pid))[0]


def _int32(obj: StoredObject, pid: int) -> int:
    return struct.unpack("<i", obj.value(pid))[0]


class _File:
    """The mobs of an AAF read as storages: the compositions found by class, the others by MobID."""

    def __init__(self, root, path: Path) -> None:
        self.path = path
        self.content = StoredObject(root).child(P_HEADER).child(P_CONTENT)
        self.set_name, _, self.mobs = mob_index(self.content)

    def mob(self, mob_id: bytes) -> StoredObject | None:
        local = self.mobs.get(mob_id)
        return None if local is None else self.content.element(self.set_name, local)

    def cut(self, rate: float) -> CutReading:
        """The cut of the file's one top-level composition (the adapter reads every one)."""
        found = []
        for local in self.mobs.values():
            storage = self.content.children.get(f"{self.set_name}{{{local:x}}}")
            if storage is not None and is_class(storage, "CompositionMob"):  # its class is on its storage
                mob = StoredObject(storage)
                if mob.get(P_USAGE) == _TOP_LEVEL:
                    found.append(mob)
        if len(found) != 1:
            raise ExportError(f"{self.path.name} holds {len(found)} top-level compositions, expected one timeline",
                              path=self.path)
        return self._read_composition(found[0], rate)

    def _read_composition(self, composition: StoredObject, rate: float) -> CutReading:
        """Walk the composition's picture and sound slots in order, each clip once: the first picture
        slot gives the cut, every clip a reference (the adapter's track order: picture, then each stem)."""
        slots = []
        name, keys, _ = composition.vector(P_SLOTS)
        for key in keys:
            slot = composition.element(name, key)
            if not is_class(slot.storage, "TimelineMobSlot"):
                continue
            kind = slot.child(P_SEGMENT).get(P_DATA_DEFINITION)
            kind = kind[5:21] if kind else None  # a weak reference: tag, key pid, key size, then the key
            if kind in (_PICTURE, _SOUND):
                slots.append((slot, kind))
        pictures = [slot for slot, kind in slots if kind == _PICTURE]
        if not pictures:
            raise ExportError(f"{self.path.name} has no picture track", path=self.path)
        numerator, denominator = struct.unpack("<ii", pictures[0].value(P_EDIT_RATE))
        if denominator == 0 or abs(numerator / denominator - rate) > _RATE_TOLERANCE:
            shown = str(numerator) if denominator == 1 else f"{numerator}/{denominator}"
            raise ExportError(f"{self.path.name}: the picture track's edit rate is {shown}, "
                              f"expected {rate_label(rate)} fps", path=self.path)
        cut: list[tuple[str, int]] = []
        references: list[tuple[str, str | None]] = []
        for slot, _ in slots:
            is_cut = slot is pictures[0]
            label = name_of(slot.get(P_SLOT_NAME) or b"") or _int32(slot, P_SLOT_ID)
            for index, item in enumerate(self._sequence(slot, label)):
                where = f"{self.path.name}: item {index + 1} of track {label}"
                if is_class(item.storage, "SourceClip"):
                    master_name, media = self._master_clip(item, where)
                    if is_cut:
                        cut.append(_clip_frames(item, master_name, media, where))
                    references.append((master_name, self._media_url(master_name, media, where)))
                elif is_cut:
                    cut.append(_gap_frames(item, where))
        return CutReading(cut=cut, references=references)

    def _sequence(self, slot: StoredObject, label: object) -> list[StoredObject]:
        """A track's items: the slot's sequence, or (sound) the sequence inside its one pan operation."""
        segment = slot.child(P_SEGMENT)
        if is_class(segment.storage, "OperationGroup"):
            name, keys, _ = segment.vector(P_INPUT_SEGMENTS)
            if len(keys) == 1:
                segment = segment.element(name, keys[0])
        if not is_class(segment.storage, "Sequence"):
            raise ExportError(f"{self.path.name}: track {label} holds a {_kind(segment)}, "
                              f"expected a sequence of clips", path=self.path)
        name, keys, _ = segment.vector(P_COMPONENTS)
        return [segment.element(name, key) for key in keys]

    def _master_clip(self, item: StoredObject, where: str) -> tuple[str, StoredObject]:
        """The name of the master mob a composition clip plays from, and the source clip of the master
        mob's slot (whose length is the media's, and whose mob is the file mob)."""
        mob_id = item.value(P_SOURCE_ID)
        master = self.mob(mob_id)
        if master is None or not is_class(master.storage, "MasterMob"):
            from aaf2.mobid import MobID  # only to name it the way pyaaf2 and Avid do

            raise ExportError(f"{where} points at mob {MobID(bytes_le=mob_id)}, which is not a master mob "
                              f"of the file")
        master_name = name_of(master.get(P_NAME) or b"")
        slot_id = _int32(item, P_SOURCE_SLOT_ID)
        name, keys, _ = master.vector(P_SLOTS)
        for key in keys:
            slot = master.element(name, key)
            if _int32(slot, P_SLOT_ID) == slot_id:
                break
        else:
            raise ExportError(f"{where} ({master_name}) points at slot {slot_id}, which its master mob "
                              f"does not have")
        media = slot.child(P_SEGMENT)
        if not is_class(media.storage, "SourceClip"):
            raise ExportError(f"{where} ({master_name}): its master mob's slot holds a {_kind(media)}, "
                              f"expected a clip of its media")
        return master_name, media

    def _media_url(self, master_name: str, media: StoredObject, where: str) -> str | None:
        """A clip's media reference: its file mob's one locator, None when it has none (which the
        reference check then refuses, as it refuses the adapter's missing reference)."""
        file_mob = self.mob(media.value(P_SOURCE_ID))
        if file_mob is None or not is_class(file_mob.storage, "SourceMob") or file_mob.get(P_DESCRIPTOR) is None:
            raise ExportError(f"{where} ({master_name}) has no file source mob")
        descriptor = file_mob.child(P_DESCRIPTOR)
        urls = []
        if descriptor.get(P_LOCATOR) is not None:
            name, keys, _ = descriptor.vector(P_LOCATOR)
            urls = [name_of(descriptor.element(name, key).value(P_URL)) for key in keys]
        if len(urls) > 1:
            raise ExportError(f"{where} ({master_name}) has {len(urls)} media locators, expected one")
        return _adapter_url(urls[0]) if urls and urls[0] else None


def _clip_frames(item: StoredObject, master_name: str, media: StoredObject, where: str) -> tuple[str, int]:
    """(name, frames) of a picture clip, which must play frames its media has (the adapter would
    trim a clip running past them, and a check must not read a damaged clip around)."""
    start, length, media_length = _int64(item, P_START_TIME), _int64(item, P_LENGTH), _int64(media, P_LENGTH)
    if start < 0 or length <= 0 or start + length > media_length:
        raise ExportError(f"{where} ({master_name}) plays frames {start}..{start + length} "
                          f"of media {media_length} frames long")
    return master_name, length


def _gap_frames(item: StoredObject, where: str) -> tuple[str, int]:
    """A filler reads as ``("<gap>", frames)``, like ``summarize_cut`` reads a gap, so the comparison
    with the expected cut shows it; anything else on the picture track is not a cut we write."""
    if not is_class(item.storage, "Filler"):
        raise ExportError(f"{where} is a {_kind(item)}, expected a clip")
    return "<gap>", _int64(item, P_LENGTH)


def _adapter_url(url: str) -> str:
    """A locator's URL as otio-aaf-adapter reads it back (``file://`` prefixed, forward slashes), so
    the references are the same strings whichever reader produced them."""
    url = url if url.startswith("file://") else "file://" + url
    return url.replace("\\", "/")
