"""Write a Microsoft Compound File Binary (MS-CFB, "structured storage") file in one go.

An AAF file is a compound file. pyaaf2 (``aaf2/cfb.py``) writes one entry at a time: each new
directory entry is inserted into its storage's red-black sibling tree, each stream grows its FAT
chains sector by sector, and everything is written through seeks. That costs about 0.5 ms per
directory entry, and a 600-clip AAF has about 27,000 entries (some 13 s of CPU for the container
alone). Here the whole tree is known up front, so the file is laid out once:

* every storage's sibling tree is built at once as a balanced binary tree over its children in
  CFB order (shorter UTF-16 name first, then upper-cased code units) and coloured red-black by
  depth (all black, except the deepest level when it is incomplete, which is red), from a shape
  computed once per child count;
* streams under the 4096-byte cutoff are packed into the mini stream (64-byte mini sectors, mini
  FAT); larger ones get regular sectors;
* sectors are allocated in contiguous runs (FAT, DIFAT, directory, mini FAT, mini stream, large
  streams), so every FAT and mini FAT is an ``array`` of "next sector" values with only the chain
  ends patched, and the directory is packed with one ``struct`` call per entry;
* the file is assembled in memory and written with a single ``write``.

Version 4 (4096-byte sectors) is the default, as AAF uses; version 3 (512-byte sectors) is
available. Files are limited to just under 2 GB (the size at which CFB reserves the range-lock
sector), which a file built in memory should not approach anyway.
"""

from __future__ import annotations

import os
import re
import struct
import sys
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat, starmap
from operator import itemgetter

__all__ = ["CFBWriteError", "Storage", "Stream", "write_compound_file"]

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

DIFSECT = 0xFFFFFFFC
FATSECT = 0xFFFFFFFD
ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
NOSTREAM = 0xFFFFFFFF

MINI_SECTOR_SIZE = 64
MINI_STREAM_CUTOFF = 4096
ENTRY_SIZE = 128
HEADER_SIZE = 512
HEADER_DIFAT_SLOTS = 109
MAX_NAME_UNITS = 31
#: First byte of the range-lock area; a file must stay below it (see the module docstring).
MAX_FILE_SIZE = 0x7FFFFF00

_TYPE_STORAGE = 1
_TYPE_STREAM = 2
_TYPE_ROOT = 5
_RED = 0
_BLACK = 1
_ZERO_CLSID = bytes(16)
_ROOT_NAME = "Root Entry".encode("utf-16-le")

_HEADER = struct.Struct("<8s16sHHHHH6s9I109I")
_ENTRY = struct.Struct("<64sHBBIII16sIQQIQ")
assert _HEADER.size == HEADER_SIZE and _ENTRY.size == ENTRY_SIZE

_BAD_NAME_CHARS = re.compile(r"[/\\:!\x00]")
_SECTOR_SHIFTS = {512: 9, 4096: 12}
_MINI_PADDING = [bytes(n) for n in range(MINI_SECTOR_SIZE)]
#: An unused directory slot: all zero except left/right/child = NOSTREAM.
_EMPTY_ENTRY = _ENTRY.pack(b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, _ZERO_CLSID, 0, 0, 0, 0, 0)
_U32 = "I" if array("I").itemsize == 4 else "L"
#: Sorts a storage's (CFB key, name, type, clsid, child) tuples by the CFB key alone.
_BY_KEY = itemgetter(0)


class CFBWriteError(ValueError):
    """The tree cannot be written as a compound file (bad name, duplicate, bad class id, ...)."""


@dataclass
class Stream:
    """A stream (a file of the compound file): its name and all its bytes."""

    name: str
    data: bytes


@dataclass
class Storage:
    """A storage (a folder of the compound file), its CLSID and its children, in any order."""

    name: str
    class_id: bytes = bytes(16)  # 16 raw bytes as stored in the directory entry (CLSID)
    children: list[Storage | Stream] = field(default_factory=list)


@dataclass
class _Directory:
    """The tree flattened into directory order (stream id = index), one list per entry field."""

    names: list[bytes] = field(default_factory=lambda: [_ROOT_NAME])
    types: list[int] = field(default_factory=lambda: [_TYPE_ROOT])
    colours: list[int] = field(default_factory=lambda: [_BLACK])
    lefts: list[int] = field(default_factory=lambda: [NOSTREAM])
    rights: list[int] = field(default_factory=lambda: [NOSTREAM])
    childs: list[int] = field(default_factory=lambda: [NOSTREAM])
    clsids: list[bytes] = field(default_factory=list)
    #: (stream id, data) of every stream, in stream id order.
    streams: list[tuple[int, bytes]] = field(default_factory=list)


@dataclass
class _Layout:
    """Where every part of the file goes, in sectors (ids as in the FAT)."""

    sector_size: int
    fat_sectors: int
    difat_sectors: int
    dir_sectors: int
    minifat_sectors: int
    ministream_sectors: int
    large_sectors: int

    @property
    def difat_start(self) -> int:
        return self.fat_sectors

    @property
    def dir_start(self) -> int:
        return self.difat_start + self.difat_sectors

    @property
    def minifat_start(self) -> int:
        return self.dir_start + self.dir_sectors

    @property
    def ministream_start(self) -> int:
        return self.minifat_start + self.minifat_sectors

    @property
    def large_start(self) -> int:
        return self.ministream_start + self.ministream_sectors

    @property
    def total_sectors(self) -> int:
        return self.large_start + self.large_sectors


def write_compound_file(path: str | os.PathLike[str], root: Storage, *, header_clsid: bytes = bytes(16),
                        sector_size: int = 4096) -> None:
    """Write `root` (the Root Entry; its name is ignored and written as "Root Entry") and everything under it."""
    if sector_size not in _SECTOR_SHIFTS or isinstance(sector_size, bool):
        raise CFBWriteError(f"sector_size must be 512 or 4096, not {sector_size!r}")
    header_clsid = _check_clsid(header_clsid, "header_clsid")
    if not isinstance(root, Storage):
        raise CFBWriteError(f"the root must be a Storage, not {type(root).__name__}")
    data = _build_file(_flatten(root), header_clsid, sector_size)
    with open(path, "wb") as out:
        out.write(data)


def _build_file(directory: _Directory, header_clsid: bytes, sector_size: int) -> bytes:
    """The whole file's bytes: header, FAT, DIFAT, directory, mini FAT, mini stream, large streams."""
    starts, sizes, mini_count, mini_ends, mini_parts, large = _place_streams(directory)
    layout = _plan(sector_size, len(directory.names), mini_count,
                   sum(_sectors(len(data), sector_size) for _, data in large))
    large_ends = _place_large(layout, large, starts)
    if mini_count:
        starts[0], sizes[0] = layout.ministream_start, mini_count * MINI_SECTOR_SIZE
    parts = [_header(layout, header_clsid), _fat(layout, large_ends), *_difat(layout),
             _directory_bytes(directory, starts, sizes, layout),
             _minifat(layout, mini_count, mini_ends)]
    parts.extend(mini_parts)
    parts.append(bytes(layout.ministream_sectors * sector_size - mini_count * MINI_SECTOR_SIZE))
    for _, data in large:
        parts.append(data)
        parts.append(bytes(-len(data) % sector_size))
    return b"".join(parts)


# -- the tree ---------------------------------------------------------------------------------


def _flatten(root: Storage) -> _Directory:
    """Number every entry breadth first (children of a storage consecutive, in CFB order).

    Children get their ids in sibling order, so each storage's tree is its cached shape shifted
    by the first child's id. A Storage object may appear only once: that rules out cycles, which
    would otherwise never end.
    """
    directory = _Directory(clsids=[_check_clsid(root.class_id, "the root's class_id")])
    names: dict[str, tuple[bytes, tuple[int, bytes]]] = {}
    seen: set[int] = {id(root)}
    queue: list[Storage | Stream] = [root]
    index = 0
    while index < len(queue):
        node = queue[index]
        if isinstance(node, Stream):
            directory.streams.append((index, node.data))
        elif node.children:
            tree_root, ordered = _add_children(directory, node, len(queue), names, seen)
            directory.childs[index] = tree_root
            queue.extend(ordered)
        index += 1
    return directory


def _add_children(directory: _Directory, storage: Storage, first_id: int,
                  names: dict[str, tuple[bytes, tuple[int, bytes]]],
                  seen: set[int]) -> tuple[int, tuple[Storage | Stream, ...]]:
    """Append the entries of `storage`'s children (ids from `first_id`); return the tree root id
    and the children in CFB order (their id order).

    `names` caches each distinct name's encoding and sort key: AAF repeats a few names
    ("properties", "... index") thousands of times.
    """
    entries = []
    for child in storage.children:
        kind = type(child)
        if kind is Stream or (kind is not Storage and isinstance(child, Stream)):
            entry_type, clsid = _TYPE_STREAM, _ZERO_CLSID
        elif kind is Storage or isinstance(child, Storage):
            entry_type, clsid = _TYPE_STORAGE, _storage_clsid(child, seen)
        else:
            raise CFBWriteError(f"children of {storage.name!r} must be Storage or Stream, not {kind.__name__}")
        name = child.name
        info = names.get(name) if type(name) is str else None
        if info is None:
            info = names[name] = _check_name(name, storage)
        entries.append((info[1], info[0], entry_type, clsid, child))
    count = len(entries)
    if count > 1:
        entries.sort(key=_BY_KEY)
        _check_unique(entries, storage)
    _, encoded, types, clsids, ordered = zip(*entries)
    directory.names.extend(encoded)
    directory.types.extend(types)
    directory.clsids.extend(clsids)
    directory.childs.extend(repeat(NOSTREAM, count))
    root, lefts, rights, colours = _tree_shape(count)
    if count > 1:
        directory.lefts.extend([NOSTREAM if pos < 0 else first_id + pos for pos in lefts])
        directory.rights.extend([NOSTREAM if pos < 0 else first_id + pos for pos in rights])
    else:
        directory.lefts.append(NOSTREAM)
        directory.rights.append(NOSTREAM)
    directory.colours.extend(colours)
    return first_id + root, ordered


def _storage_clsid(storage: Storage, seen: set[int]) -> bytes:
    """A storage's checked class id; also refuses a Storage object met twice (a cycle would never end)."""
    if id(storage) in seen:
        raise CFBWriteError(f"storage {storage.name!r} appears more than once in the tree")
    seen.add(id(storage))
    return _check_clsid(storage.class_id, f"class_id of storage {storage.name!r}")


def _check_unique(entries: Sequence[tuple[tuple[int, bytes], bytes, int, bytes, Storage | Stream]],
                  storage: Storage) -> None:
    """Siblings whose names compare equal the CFB way (case-insensitively) cannot both be found."""
    for before, after in zip(entries, entries[1:]):
        if before[0] == after[0]:
            raise CFBWriteError(f"{storage.name!r} has two children named {before[4].name!r} and "
                                f"{after[4].name!r} (CFB names are compared case-insensitively)")


def _check_name(name: object, parent: Storage) -> tuple[bytes, tuple[int, bytes]]:
    """The UTF-16LE name and its CFB sort key, or CFBWriteError if CFB cannot store it."""
    if type(name) is not str and not isinstance(name, str):
        raise CFBWriteError(f"a child of {parent.name!r} has a name that is not a str: {name!r}")
    if _BAD_NAME_CHARS.search(name):
        raise CFBWriteError(f"name {name!r} (in {parent.name!r}) contains one of / \\ : ! or NUL")
    try:
        encoded = name.encode("utf-16-le")
    except UnicodeEncodeError as error:
        raise CFBWriteError(f"name {name!r} (in {parent.name!r}) is not valid Unicode") from error
    if not 0 < len(encoded) <= 2 * MAX_NAME_UNITS:
        raise CFBWriteError(f"name {name!r} (in {parent.name!r}) must be 1 to {MAX_NAME_UNITS} UTF-16 units long")
    return encoded, _cfb_key(name)


def _cfb_key(name: str) -> tuple[int, bytes]:
    """The CFB sibling order: shorter UTF-16 name first, then upper-cased code unit by code unit.

    Upper-casing is the simple (one character to one character) mapping; characters whose only
    upper case is several characters (such as 'ß') are kept as they are.
    """
    upper = name.upper() if name.isascii() else "".join(map(_simple_upper, name))
    encoded = upper.encode("utf-16-be")  # big-endian: bytes compare as code units do
    return len(encoded) // 2, encoded


@lru_cache(maxsize=4096)
def _simple_upper(char: str) -> str:
    """One character's upper case when it is one character (str.upper may give several)."""
    upper = char.upper()
    return upper if len(upper) == 1 else char


@lru_cache(maxsize=1024)
def _tree_shape(count: int) -> tuple[int, tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Root, left and right children (-1: none) and colours of a balanced tree over `count` sorted siblings.

    The middle element is the root, recursively, so every level but the deepest is full. Every
    node is black except those of the deepest level when that level is incomplete, which are red
    (and have no children): no red node has a red child, and every path down has the same number
    of black nodes. Positions are indices into the sorted siblings; one shape serves every
    storage with that many children.
    """
    lefts = [-1] * count
    rights = [-1] * count
    depths = [0] * count
    spans = [(0, count, 0, -1, 0)]  # (lo, hi, depth, parent, side)
    root = -1
    while spans:
        lo, hi, depth, parent, side = spans.pop()
        if lo >= hi:
            continue
        middle = (lo + hi) // 2
        depths[middle] = depth
        if parent < 0:
            root = middle
        elif side:
            rights[parent] = middle
        else:
            lefts[parent] = middle
        spans.append((lo, middle, depth + 1, middle, 0))
        spans.append((middle + 1, hi, depth + 1, middle, 1))
    deepest = max(depths, default=0)
    red_level = deepest if count != (1 << (deepest + 1)) - 1 else -1
    colours = tuple(_RED if depth == red_level else _BLACK for depth in depths)
    return root, tuple(lefts), tuple(rights), colours


def _check_clsid(value: object, what: str) -> bytes:
    """A class id must be exactly 16 raw bytes (the CLSID as stored, little-endian GUID)."""
    if type(value) is bytes and len(value) == 16:
        return value
    if not isinstance(value, (bytes, bytearray, memoryview)) or len(value) != 16:
        raise CFBWriteError(f"{what} must be 16 bytes, not {value!r}")
    return bytes(value)


# -- the layout -------------------------------------------------------------------------------


def _place_streams(directory: _Directory) -> tuple[list[int], list[int], int, list[int], list[bytes],
                                                  list[tuple[int, bytes]]]:
    """Start sectors and sizes per entry, mini sector count, mini FAT chain ends, mini stream parts
    and large streams.

    Small streams are packed back to back in the mini stream (each padded to 64 bytes); empty
    streams own no sector (start ENDOFCHAIN). Large streams get their start in `_place_large`.
    """
    count = len(directory.names)
    starts = [0] * count
    starts[0] = ENDOFCHAIN
    sizes = [0] * count
    mini_ends: list[int] = []
    mini_parts: list[bytes] = []
    large: list[tuple[int, bytes]] = []
    cursor = 0
    padding = _MINI_PADDING
    for entry_id, data in directory.streams:
        if type(data) is not bytes:
            data = _as_bytes(data, entry_id, directory)
        size = len(data)
        sizes[entry_id] = size
        if size == 0:
            starts[entry_id] = ENDOFCHAIN
        elif size < MINI_STREAM_CUTOFF:
            starts[entry_id] = cursor
            cursor += (size + MINI_SECTOR_SIZE - 1) // MINI_SECTOR_SIZE
            mini_ends.append(cursor - 1)
            mini_parts.append(data)
            mini_parts.append(padding[-size % MINI_SECTOR_SIZE])
        else:
            large.append((entry_id, data))
    return starts, sizes, cursor, mini_ends, mini_parts, large


def _as_bytes(data: object, entry_id: int, directory: _Directory) -> bytes:
    """Stream data may be any bytes-like object; anything else (a str, None) is a caller's bug."""
    try:
        return memoryview(data).tobytes()  # type: ignore[arg-type]
    except TypeError as error:
        name = directory.names[entry_id].decode("utf-16-le")
        raise CFBWriteError(f"data of stream {name!r} must be bytes, not {type(data).__name__}") from error


def _sectors(size: int, sector_size: int) -> int:
    """How many sectors (or table sectors, or entries) `size` units need, rounded up."""
    return (size + sector_size - 1) // sector_size


def _plan(sector_size: int, entries: int, mini_sectors: int, large_sectors: int) -> _Layout:
    """Count the sectors of every part; the FAT must also cover itself and the DIFAT."""
    per_sector = sector_size // 4
    content = (_sectors(entries * ENTRY_SIZE, sector_size) + _sectors(mini_sectors * 4, sector_size)
               + _sectors(mini_sectors * MINI_SECTOR_SIZE, sector_size) + large_sectors)
    fat = _sectors(content, per_sector)
    while True:
        difat = _sectors(max(0, fat - HEADER_DIFAT_SLOTS), per_sector - 1)
        needed = _sectors(content + fat + difat, per_sector)
        if needed <= fat:
            break
        fat = needed
    layout = _Layout(sector_size, fat, difat, _sectors(entries * ENTRY_SIZE, sector_size),
                     _sectors(mini_sectors * 4, sector_size),
                     _sectors(mini_sectors * MINI_SECTOR_SIZE, sector_size), large_sectors)
    if (layout.total_sectors + 1) * sector_size > MAX_FILE_SIZE:
        raise CFBWriteError("the compound file would be larger than 2 GB, which this writer does not support")
    return layout


def _place_large(layout: _Layout, large: Iterable[tuple[int, bytes]], starts: list[int]) -> list[int]:
    """Give each large stream a run of sectors after the mini stream; return each run's last sector."""
    ends = []
    cursor = layout.large_start
    for entry_id, data in large:
        starts[entry_id] = cursor
        cursor += _sectors(len(data), layout.sector_size)
        ends.append(cursor - 1)
    return ends


# -- the sectors ------------------------------------------------------------------------------


def _header(layout: _Layout, header_clsid: bytes) -> bytes:
    """The 512-byte header (padded to a whole sector for version 4), with the first 109 FAT sectors."""
    version = 4 if layout.sector_size == 4096 else 3
    difat = list(range(min(layout.fat_sectors, HEADER_DIFAT_SLOTS)))
    difat.extend(repeat(FREESECT, HEADER_DIFAT_SLOTS - len(difat)))
    header = _HEADER.pack(
        MAGIC, header_clsid, 0x003E, version, 0xFFFE, _SECTOR_SHIFTS[layout.sector_size], 6, bytes(6),
        layout.dir_sectors if version == 4 else 0,
        layout.fat_sectors,
        layout.dir_start,
        0,  # transaction signature
        MINI_STREAM_CUTOFF,
        layout.minifat_start if layout.minifat_sectors else ENDOFCHAIN,
        layout.minifat_sectors,
        layout.difat_start if layout.difat_sectors else ENDOFCHAIN,
        layout.difat_sectors,
        *difat,
    )
    return header + bytes(layout.sector_size - HEADER_SIZE)


def _chain_table(length: int, ends: Iterable[int], padded_length: int) -> array:
    """A FAT-like table where every sector points at the next, except chain `ends`; FREESECT after."""
    table = array(_U32, range(1, length + 1))
    for end in ends:
        table[end] = ENDOFCHAIN
    table.extend(repeat(FREESECT, padded_length - length))
    return table


def _table_bytes(table: array) -> bytes:
    """A FAT-like table as CFB stores it: little-endian 32-bit values, whatever the machine."""
    if sys.byteorder == "big":
        table.byteswap()
    return table.tobytes()


def _fat(layout: _Layout, large_ends: list[int]) -> bytes:
    """The FAT: its own sectors FATSECT, DIFAT sectors DIFSECT, every other part one chain."""
    ends = [layout.dir_start + layout.dir_sectors - 1, *large_ends]
    if layout.minifat_sectors:
        ends.append(layout.minifat_start + layout.minifat_sectors - 1)
    if layout.ministream_sectors:
        ends.append(layout.ministream_start + layout.ministream_sectors - 1)
    table = _chain_table(layout.total_sectors, ends, layout.fat_sectors * layout.sector_size // 4)
    table[0:layout.fat_sectors] = array(_U32, repeat(FATSECT, layout.fat_sectors))
    table[layout.difat_start:layout.dir_start] = array(_U32, repeat(DIFSECT, layout.difat_sectors))
    return _table_bytes(table)


def _difat(layout: _Layout) -> list[bytes]:
    """DIFAT sectors: the FAT sectors past the header's 109, then the next DIFAT sector's id."""
    slots = layout.sector_size // 4 - 1
    sectors = []
    for index in range(layout.difat_sectors):
        first = HEADER_DIFAT_SLOTS + index * slots
        table = array(_U32, range(first, min(first + slots, layout.fat_sectors)))
        table.extend(repeat(FREESECT, slots - len(table)))
        last = index == layout.difat_sectors - 1
        table.append(ENDOFCHAIN if last else layout.difat_start + index + 1)
        sectors.append(_table_bytes(table))
    return sectors


def _minifat(layout: _Layout, mini_count: int, mini_ends: list[int]) -> bytes:
    """The mini FAT: one chain per small stream over the mini stream's 64-byte sectors."""
    if not layout.minifat_sectors:
        return b""
    return _table_bytes(_chain_table(mini_count, mini_ends, layout.minifat_sectors * layout.sector_size // 4))


def _directory_bytes(directory: _Directory, starts: list[int], sizes: list[int], layout: _Layout) -> bytes:
    """Every entry packed in stream id order, then empty entries up to the end of the last sector."""
    count = len(directory.names)
    packed = b"".join(starmap(_ENTRY.pack, zip(
        directory.names, [len(name) + 2 for name in directory.names], directory.types,
        directory.colours, directory.lefts, directory.rights, directory.childs, directory.clsids,
        repeat(0, count), repeat(0, count), repeat(0, count), starts, sizes)))
    unused = layout.dir_sectors * layout.sector_size // ENTRY_SIZE - count
    return packed + _EMPTY_ENTRY * unused
