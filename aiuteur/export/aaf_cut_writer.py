"""The AAF of a cut, written by the OTIO adapter for its first shot and copied for the others.

Why: otio-aaf-adapter writes through pyaaf2, which is pure Python and builds every object through
its metadictionary and its own compound-file layer, one red-black-tree insert per directory entry:
about 26 ms of CPU per shot here, 15 s for a 600-shot cut, when all the other formats together take
four. Yet what the adapter writes for a shot is always the same handful of objects — a tape
SourceMob, a file SourceMob, a MasterMob and a SourceClip in the composition's picture sequence —
and from shot to shot only the names, lengths, in and out points, URLs and MobIDs change.

So the adapter writes the cut with its first shot only (the header, the dictionaries, the sound
tracks, the timecode track: everything as it always writes them), the file is read back as a tree
of storages and streams, each other shot gets a copy of the first shot's objects with those values
put in, and the whole compound file is written at once (:mod:`.cfb_writer`). Before anything is
copied every value to be replaced is checked against what the adapter wrote for the first shot,
so an adapter that wrote these objects differently falls back to writing the whole cut itself,
as does any cut this does not cover (no picture track or several, gaps, transitions, nested
tracks, clips without media, sharing media or at another rate, AAF comments or attributes on a
clip, OTIO hook scripts attached to the adapter's write hooks).

``tests/unit/test_aaf_cut_writer.py`` reads a file written here and the adapter's own file of the
same cut with pyaaf2 and compares every object and every property they hold.
"""

from __future__ import annotations

import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import opentimelineio as otio

from .aaf_storage import (
    P_COMPONENTS, P_CONTENT, P_DESCRIPTOR, P_FILE_LENGTH, P_LENGTH, P_LOCATOR, P_MARK_IN, P_MARK_OUT, P_MOB_ID,
    P_MOBS, P_NAME, P_SEGMENT, P_SLOTS, P_SOURCE_ID, P_START_TIME, P_TC_START, P_URL, SF_DATA, ShapeError, StoredObject,
    int64, is_class, mob_index, name_of, utf16, write_properties,
)
from .cfb_reader import read_compound_file
from .cfb_writer import Storage, Stream, write_compound_file

__all__ = ["write_aaf", "replicable"]

ADAPTER = "AAF"

class NotReplicable(ShapeError):
    """This cut, or what the adapter wrote for its first shot, is not what the copy expects."""


# ---------------------------------------------------------------- the cut


@dataclass(frozen=True)
class _Shot:
    """What changes from one shot's objects to the next."""

    name: str
    master_id: bytes
    url: str
    available_start: int
    available_frames: int
    start: int
    frames: int

    @property
    def marked(self) -> bool:
        return (self.start, self.frames) != (self.available_start, self.available_frames)


def _shots(timeline: otio.schema.Timeline) -> list[_Shot]:
    """The picture track's shots, or :class:`NotReplicable` when the cut is not a plain one."""
    from aaf2.mobid import MobID
    from otio_aaf_adapter.adapters.aaf_adapter import hooks

    for hook in (hooks.HOOK_PRE_WRITE_TRANSCRIBE, hooks.HOOK_POST_WRITE_TRANSCRIBE):
        if hook in otio.hooks.names() and otio.hooks.scripts_attached_to(hook):
            raise NotReplicable(f"hook scripts attached to {hook}: they see the whole cut")
    video = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video]
    if len(video) != 1 or len(video[0]) < 2:
        raise NotReplicable("not one picture track of two clips or more")
    track = video[0]
    rate = track[0].duration().rate if isinstance(track[0], otio.schema.Clip) else None
    shots, seen = [], set()
    for item in track:
        if not isinstance(item, otio.schema.Clip) or type(item) is not otio.schema.Clip:
            raise NotReplicable(f"{type(item).__name__} on the picture track")
        ref = item.media_reference
        if not isinstance(ref, otio.schema.ExternalReference) or not ref.target_url or ref.available_range is None:
            raise NotReplicable(f"clip {item.name!r} has no external media with a range")
        if item.effects or set(item.metadata.get("AAF", {})) - {"MobID"} or set(ref.metadata.get("AAF", {})):
            raise NotReplicable(f"clip {item.name!r} carries effects or AAF metadata")
        mob_id = item.metadata.get("AAF", {}).get("MobID")
        if not mob_id or mob_id in seen:
            raise NotReplicable(f"clip {item.name!r} has no MobID of its own")
        seen.add(mob_id)
        visible, available = item.visible_range(), ref.available_range
        if {visible.duration.rate, available.duration.rate, available.start_time.rate} != {rate}:
            raise NotReplicable(f"clip {item.name!r} is not at the track's rate")
        values = (visible.start_time.value, visible.duration.value, available.start_time.value,
                  available.duration.value)
        if any(v != int(v) for v in values):
            raise NotReplicable(f"clip {item.name!r} is not on whole frames")
        shots.append(_Shot(item.name, bytes(MobID(mob_id).bytes_le), ref.target_url, int(values[2]),
                           int(values[3]), int(values[0]), int(values[1])))
    return shots


# ---------------------------------------------------------------- one shot's objects as a template


Patch = Callable[[_Shot, dict[str, bytes]], bytes]


@dataclass
class _Template:
    """One object of the first shot: its storage, and the properties each shot sets anew."""

    node: StoredObject
    patches: dict[int, Patch]
    marks: bool = False  # a master mob slot: MarkIn/MarkOut present when the shot is trimmed

    def check(self, pid: int, patch: Patch, first: _Shot, ids: dict[str, bytes]) -> None:
        """The adapter wrote ``pid`` for the first shot as ``patch`` makes it, or :class:`NotReplicable`."""
        if self.node.value(pid) != patch(first, ids):
            raise NotReplicable(f"{self.node.storage.name!r}: property {pid:04x} is not what the copy expects")

    def expect(self, pid: int, patch: Patch, first: _Shot, ids: dict[str, bytes]) -> None:
        """Replace ``pid`` per shot — once the adapter is seen to have written it that way."""
        self.check(pid, patch, first, ids)
        self.patches[pid] = patch


def _copy(storage: Storage, templates: dict[int, _Template], shot: _Shot, ids: dict[str, bytes]) -> Storage:
    """A copy of ``storage`` and everything under it, the templates' properties set for ``shot``."""
    template = templates.get(id(storage))
    children: list[Storage | Stream] = []
    for child in storage.children:
        if isinstance(child, Storage):
            children.append(_copy(child, templates, shot, ids))
        elif template is not None and child.name == "properties":
            children.append(Stream("properties", _patched(template, shot, ids)))
        else:
            children.append(child)  # bytes are immutable: shared, not copied
    return Storage(storage.name, storage.class_id, children)


def _patched(template: _Template, shot: _Shot, ids: dict[str, bytes]) -> bytes:
    node = template.node
    entries = [[pid, form, template.patches[pid](shot, ids) if pid in template.patches else value]
               for pid, form, value in node.entries if not (template.marks and pid in (P_MARK_IN, P_MARK_OUT))]
    if template.marks and shot.marked:
        entries += [[P_MARK_IN, SF_DATA, int64(shot.start)], [P_MARK_OUT, SF_DATA, int64(shot.start + shot.frames)]]
    return write_properties(node.order, node.version, entries)


def _mob_by_id(content: StoredObject, mobs: dict[bytes, int], set_name: str, mob_id: bytes, kind: str) -> StoredObject:
    if mob_id not in mobs:
        raise NotReplicable("a clip's source mob is not in the file")
    node = content.element(set_name, mobs[mob_id])
    if not is_class(node.storage, kind):
        raise NotReplicable(f"expected a {kind}")
    return node


def _single_slot_segment(mob: StoredObject) -> tuple[StoredObject, StoredObject]:
    name, keys, _ = mob.vector(P_SLOTS)
    if len(keys) != 1:
        raise NotReplicable(f"{mob.storage.name!r} has {len(keys)} slots")
    slot = mob.element(name, keys[0])
    return slot, slot.child(P_SEGMENT)


# ---------------------------------------------------------------- the copy


def _tape_length(rate: float) -> int:
    """What pyaaf2's ``create_tape_slots`` gives a tape: twelve hours at the edit rate."""
    from aaf2.rational import AAFRational

    return int(float(AAFRational(rate)) * 60 * 60 * 12)


def _replicate(root: Storage, shots: list[_Shot], rate: float) -> None:
    """Add shots 2..n to the tree of the file the adapter wrote with the first shot only."""
    from aaf2.mobid import MobID

    header = StoredObject(next(c for c in root.children if isinstance(c, Storage) and c.name.startswith("Header")))
    content = header.child(P_CONTENT)
    set_name, mobs_index, mobs = mob_index(content)
    first = shots[0]
    ids = {"master": first.master_id}

    # the composition's picture sequence: the one holding a single clip of the first shot's master mob
    sequence = clip = None
    for key, local in mobs.items():
        mob = content.element(set_name, local)
        if not is_class(mob.storage, "CompositionMob"):
            continue
        slots_name, slot_keys, _ = mob.vector(P_SLOTS)
        for slot_key in slot_keys:
            segment = mob.element(slots_name, slot_key).child(P_SEGMENT)
            if not is_class(segment.storage, "Sequence"):
                continue
            comp_name, comp_keys, comp_index = segment.vector(P_COMPONENTS)
            if len(comp_keys) == 1:
                candidate = segment.element(comp_name, comp_keys[0])
                if is_class(candidate.storage, "SourceClip") and candidate.value(P_SOURCE_ID) == first.master_id:
                    if sequence is not None:
                        raise NotReplicable("the first shot is on two sequences")
                    sequence, clip = segment, candidate
    if sequence is None or clip is None:
        raise NotReplicable("no picture sequence holding the first shot")

    # the first shot's chain of mobs: master -> file -> tape
    master = _mob_by_id(content, mobs, set_name, first.master_id, "MasterMob")
    master_slot, master_clip = _single_slot_segment(master)
    ids["file"] = master_clip.value(P_SOURCE_ID)
    file_mob = _mob_by_id(content, mobs, set_name, ids["file"], "SourceMob")
    _, file_clip = _single_slot_segment(file_mob)
    ids["tape"] = file_clip.value(P_SOURCE_ID)
    tape = _mob_by_id(content, mobs, set_name, ids["tape"], "SourceMob")

    templates: dict[int, _Template] = {}

    def template(node: StoredObject, marks: bool = False) -> _Template:
        made = templates[id(node.storage)] = _Template(node, {}, marks)
        return made

    name: Patch = lambda s, i: utf16(s.name)  # noqa: E731 — a table of small rules reads best inline
    url: Patch = lambda s, i: utf16(s.url)  # noqa: E731
    available: Patch = lambda s, i: int64(s.available_frames)  # noqa: E731
    available_start: Patch = lambda s, i: int64(s.available_start)  # noqa: E731

    comp = template(clip)
    comp.expect(P_LENGTH, lambda s, i: int64(s.frames), first, ids)
    comp.expect(P_START_TIME, lambda s, i: int64(s.start - s.available_start), first, ids)
    comp.expect(P_SOURCE_ID, lambda s, i: i["master"], first, ids)

    master_t = template(master)
    master_t.expect(P_NAME, name, first, ids)
    master_t.expect(P_MOB_ID, lambda s, i: i["master"], first, ids)
    slot_t = template(master_slot, marks=True)
    if first.marked:  # the marks are written by _patched, present only on a trimmed shot
        slot_t.check(P_MARK_IN, lambda s, i: int64(s.start), first, ids)
        slot_t.check(P_MARK_OUT, lambda s, i: int64(s.start + s.frames), first, ids)
    elif any(pid in (P_MARK_IN, P_MARK_OUT) for pid, _, _ in master_slot.entries):
        raise NotReplicable("marks on an untrimmed shot")
    master_clip_t = template(master_clip)
    master_clip_t.expect(P_LENGTH, available, first, ids)
    master_clip_t.expect(P_SOURCE_ID, lambda s, i: i["file"], first, ids)

    file_t = template(file_mob)
    file_t.expect(P_MOB_ID, lambda s, i: i["file"], first, ids)
    file_clip_t = template(file_clip)
    file_clip_t.expect(P_LENGTH, available, first, ids)
    file_clip_t.expect(P_SOURCE_ID, lambda s, i: i["tape"], first, ids)
    descriptor = file_mob.child(P_DESCRIPTOR)
    template(descriptor).expect(P_FILE_LENGTH, available, first, ids)
    _locators(descriptor, template, url, first, ids)

    tape_t = template(tape)
    tape_t.expect(P_NAME, name, first, ids)
    tape_t.expect(P_MOB_ID, lambda s, i: i["tape"], first, ids)
    _locators(tape.child(P_DESCRIPTOR), template, url, first, ids)
    slots_name, slot_keys, _ = tape.vector(P_SLOTS)
    tape_length, seen = int64(_tape_length(rate)), []
    for slot_key in slot_keys:
        segment = tape.element(slots_name, slot_key).child(P_SEGMENT)
        if is_class(segment.storage, "Timecode"):
            made = template(segment)
            made.expect(P_LENGTH, available, first, ids)
            made.expect(P_TC_START, available_start, first, ids)
            seen.append("timecode")
        elif is_class(segment.storage, "SourceClip") and segment.value(P_LENGTH) == tape_length:
            seen.append("tape")  # the tape's own twelve hours: the same for every shot
        elif is_class(segment.storage, "SourceClip"):
            made = template(segment)
            made.expect(P_LENGTH, available, first, ids)
            made.expect(P_START_TIME, available_start, first, ids)
            seen.append("clip")
        else:
            raise NotReplicable("an unexpected slot on the tape mob")
    if sorted(seen) != ["clip", "tape", "timecode"]:
        raise NotReplicable(f"tape mob slots {seen}")

    _check_sequence_length(sequence, first)

    # the copies
    comp_name, comp_keys, comp_index = sequence.vector(P_COMPONENTS)
    next_comp = struct.unpack_from("<I", comp_index.data, 4)[0]
    next_mob = struct.unpack_from("<I", mobs_index.data, 4)[0]
    new_comp_keys, new_mob_entries = [], []
    for shot in shots[1:]:
        shot_ids = {"master": shot.master_id, "file": bytes(MobID.new().bytes_le),
                    "tape": bytes(MobID.new().bytes_le)}
        for kind, node in (("tape", tape), ("file", file_mob), ("master", master)):
            copy = _copy(node.storage, templates, shot, shot_ids)
            copy.name = f"{set_name}{{{next_mob:x}}}"
            content.storage.children.append(copy)
            new_mob_entries.append(struct.pack("<II32s", next_mob, 1, shot_ids[kind]))
            next_mob += 1
        copy = _copy(clip.storage, templates, shot, shot_ids)
        copy.name = f"{comp_name}{{{next_comp:x}}}"
        sequence.storage.children.append(copy)
        new_comp_keys.append(next_comp)
        next_comp += 1

    _set_stream(content.storage, mobs_index.name, _grown_mob_index(mobs_index.data, next_mob, new_mob_entries))
    _set_stream(sequence.storage, comp_index.name, _grown_vector_index(comp_index.data, next_comp, new_comp_keys))
    if sequence.value(P_LENGTH) != int64(0):
        _set_stream(sequence.storage, "properties", write_properties(sequence.order, sequence.version, [
            [pid, form, int64(sum(s.frames for s in shots)) if pid == P_LENGTH else value]
            for pid, form, value in sequence.entries]))


def _locators(descriptor: StoredObject, template: Callable[..., _Template], url: Patch, first: _Shot,
              ids: dict[str, bytes]) -> None:
    name, keys, _ = descriptor.vector(P_LOCATOR)
    if len(keys) != 1:
        raise NotReplicable("a descriptor without exactly one locator")
    template(descriptor.element(name, keys[0])).expect(P_URL, url, first, ids)


def _check_sequence_length(sequence: StoredObject, first: _Shot) -> None:
    """The adapter leaves its sequences' Length at 0 or sums it; either is followed, nothing else."""
    if sequence.value(P_LENGTH) not in (int64(0), int64(first.frames)):
        raise NotReplicable("the picture sequence's length is neither 0 nor the first shot's")


def _grown_mob_index(data: bytes, next_key: int, entries: list[bytes]) -> bytes:
    count, _next, last = struct.unpack_from("<III", data, 0)
    return struct.pack("<III", count + len(entries), next_key, last) + data[12:] + b"".join(entries)


def _grown_vector_index(data: bytes, next_key: int, keys: list[int]) -> bytes:
    count, _next, last = struct.unpack_from("<III", data, 0)
    return (struct.pack("<III", count + len(keys), next_key, last) + data[12:12 + 4 * count]
            + struct.pack(f"<{len(keys)}I", *keys))


def _set_stream(storage: Storage, name: str, data: bytes) -> None:
    for i, child in enumerate(storage.children):
        if child.name == name:
            storage.children[i] = Stream(name, data)
            return
    raise NotReplicable(f"no stream {name!r} in {storage.name!r}")


# ---------------------------------------------------------------- writing


def replicable(timeline: otio.schema.Timeline) -> bool:
    """Whether :func:`write_aaf` copies shots (True) or lets the adapter write the whole cut."""
    try:
        _shots(timeline)
    except NotReplicable:
        return False
    return True


def write_aaf(timeline: otio.schema.Timeline, path: Path, **adapter_args) -> None:
    """Write ``timeline`` to ``path`` as the OTIO AAF adapter would (see the module's docstring).

    ``timeline`` carries a MobID per clip (``metadata["AAF"]["MobID"]``, as the adapter reads it).
    """
    path = Path(path)
    try:
        shots = _shots(timeline)
    except NotReplicable:
        otio.adapters.write_to_file(timeline, str(path), adapter_name=ADAPTER, **adapter_args)
        return
    first_only = timeline.deepcopy()
    track = next(t for t in first_only.tracks if t.kind == otio.schema.TrackKind.Video)
    del track[1:]
    with tempfile.TemporaryDirectory(prefix="aiuteur-aaf-") as scratch:
        skeleton = Path(scratch) / "first-shot.aaf"
        otio.adapters.write_to_file(first_only, str(skeleton), adapter_name=ADAPTER, **adapter_args)
        root, header_clsid = read_compound_file(skeleton)
    try:
        _replicate(root, shots, track[0].duration().rate)
    except ShapeError:  # NotReplicable, or storages not as the copy reads them
        otio.adapters.write_to_file(timeline, str(path), adapter_name=ADAPTER, **adapter_args)
        return
    write_compound_file(path, root, header_clsid=header_clsid)
