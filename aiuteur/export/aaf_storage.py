"""AAF objects as they lie in the compound file: a storage per object, its ``properties`` stream.

Shared by the AAF writer that copies the adapter's first shot (``aaf_cut_writer.py``) and the check
that reads a written AAF back (``aaf_readback.py``): both work on the storages and streams of the file
(``cfb_writer.Storage``/``Stream``) instead of pyaaf2's object model, which decodes every property
through the metadictionary and costs most of pyaaf2's time. The layout is AAF's structured-storage
mapping as pyaaf2 writes and reads it: a ``properties`` stream (byte order, version, count, then
``(pid, stored form, size)`` per property and the values), strong references stored as the name of
a child storage, strong reference vectors and sets as ``<name>{<local key in hex>}`` storages and a
``<name> index`` stream, weak references as a tag and the referenced object's key.
"""

from __future__ import annotations

import struct
import uuid

from .cfb_writer import Storage, Stream

#: AAF class ids (SMPTE-registered), as a directory entry stores them: little-endian AUIDs
CLASS = {name: uuid.UUID(f"0d010101-0101-{code}-060e-2b3402060101").bytes_le for name, code in {
    "CompositionMob": "3500", "MasterMob": "3600", "SourceMob": "3700", "Sequence": "0f00", "SourceClip": "1100",
    "Timecode": "1400", "Filler": "0900", "OperationGroup": "0a00", "TimelineMobSlot": "3b00"}.items()}

# property ids (AAF baseline)
P_NAME, P_MOB_ID, P_SLOTS, P_SEGMENT = 0x4402, 0x4401, 0x4403, 0x4803
P_LENGTH, P_START_TIME, P_SOURCE_ID = 0x0202, 0x1201, 0x1101
P_TC_START, P_MARK_IN, P_MARK_OUT = 0x1501, 0x4b03, 0x4b04
P_COMPONENTS, P_DESCRIPTOR, P_LOCATOR, P_URL = 0x1001, 0x4701, 0x2f01, 0x4001
P_HEADER, P_CONTENT, P_MOBS = 0x0002, 0x3b03, 0x1901
P_FILE_LENGTH = 0x3002  # a FileDescriptor's Length
P_USAGE, P_EDIT_RATE, P_SLOT_ID, P_SLOT_NAME = 0x4408, 0x4b01, 0x4801, 0x4802
P_SOURCE_SLOT_ID, P_DATA_DEFINITION, P_INPUT_SEGMENTS = 0x1102, 0x0201, 0x0b02
SF_DATA = 0x82


class ShapeError(ValueError):
    """The storages do not hold the objects or properties expected of them."""


def is_class(storage: Storage, class_name: str) -> bool:
    return storage.class_id == CLASS[class_name]


def read_properties(data: bytes) -> tuple[int, int, list[list]]:
    """``properties`` stream -> (byte order, version, [[pid, stored form, value bytes], ...])."""
    try:
        order, version, count = struct.unpack_from("<BBH", data, 0)
        heads = struct.unpack_from("<" + "HHH" * count, data, 4)
    except struct.error:
        raise ShapeError("a properties stream shorter than its header") from None
    offset, out = 4 + 6 * count, []
    for i in range(0, 3 * count, 3):
        pid, form, size = heads[i:i + 3]
        out.append([pid, form, data[offset:offset + size]])
        offset += size
    if offset > len(data):
        raise ShapeError("a properties stream shorter than its values")
    return order, version, out


def write_properties(order: int, version: int, entries: list[list]) -> bytes:
    head = struct.pack("<BBH", order, version, len(entries))
    table = b"".join(struct.pack("<HHH", pid, form, len(value)) for pid, form, value in entries)
    return head + table + b"".join(value for _, _, value in entries)


def utf16(text: str) -> bytes:
    return text.encode("utf-16-le") + b"\0\0"


def int64(value: int) -> bytes:
    return struct.pack("<q", value)


def name_of(value: bytes) -> str:
    try:
        return value.decode("utf-16-le").rstrip("\0")
    except UnicodeDecodeError:
        raise ShapeError("a name that is not UTF-16") from None


class StoredObject:
    """A storage of the file read back, with its children by name and its properties parsed."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.children = {c.name: c for c in storage.children}
        stream = self.children.get("properties")
        if not isinstance(stream, Stream):
            raise ShapeError(f"storage {storage.name!r} holds no properties")
        self.order, self.version, self.entries = read_properties(stream.data)

    def value(self, pid: int) -> bytes:
        for entry in self.entries:
            if entry[0] == pid:
                return entry[2]
        raise ShapeError(f"{self.storage.name!r} has no property {pid:04x}")

    def get(self, pid: int) -> bytes | None:
        """A property's value, or None when the object does not have it."""
        for entry in self.entries:
            if entry[0] == pid:
                return entry[2]
        return None

    def child(self, pid: int) -> "StoredObject":
        """The object a strong reference property points at."""
        found = self.children.get(name_of(self.value(pid)))
        if not isinstance(found, Storage):
            raise ShapeError(f"{self.storage.name!r}: no storage for property {pid:04x}")
        return StoredObject(found)

    def vector(self, pid: int) -> tuple[str, list[int], Stream]:
        """A strong reference vector: its name, its elements' local keys, its index stream."""
        name = name_of(self.value(pid))
        index = self.children.get(name + " index")
        if not isinstance(index, Stream):
            raise ShapeError(f"{self.storage.name!r}: no index for {name}")
        try:
            count = struct.unpack_from("<I", index.data, 0)[0]
            return name, list(struct.unpack_from(f"<{count}I", index.data, 12)), index
        except struct.error:
            raise ShapeError(f"{self.storage.name!r}: the index of {name} is shorter than its count") from None

    def element(self, name: str, key: int) -> "StoredObject":
        found = self.children.get(f"{name}{{{key:x}}}")
        if not isinstance(found, Storage):
            raise ShapeError(f"{self.storage.name!r}: no element {key:x} of {name}")
        return StoredObject(found)


def mob_index(content: StoredObject) -> tuple[str, Stream, dict[bytes, int]]:
    """The content storage's set of mobs: its name, its index stream, and MobID -> local key."""
    set_name = name_of(content.value(P_MOBS))
    index = content.children.get(set_name + " index")
    if not isinstance(index, Stream):
        raise ShapeError("no mob index")
    try:
        count = struct.unpack_from("<I", index.data, 0)[0]
        key_pid, key_size = struct.unpack_from("<HB", index.data, 12)
        if (key_pid, key_size) != (P_MOB_ID, 32):
            raise ShapeError("mobs not keyed by MobID")
        entries = struct.iter_unpack("<II32s", index.data[15:15 + 40 * count])
        return set_name, index, {key: local for local, _refs, key in entries}
    except struct.error:
        raise ShapeError("the mob index is shorter than its count") from None
