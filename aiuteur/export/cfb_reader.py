"""Read a whole Microsoft Compound File Binary (MS-CFB) file into a tree of Storage / Stream.

pyaaf2's reader (``aaf2.cfb.CompoundFileBinary``) reads directory entries one at a time through
sector caches and seeks, which costs about 1 s of CPU for the ~27,000 entries of a 600-clip AAF.
Here the file is read once into memory and decoded in bulk:

* the FAT and mini FAT are ``array``\\ s made straight from their sectors' bytes;
* the directory stream is decoded in bulk too: one ``array`` of 32-bit words over all of it,
  sliced with a step of 32 into one column per field (left, right, child, start, size), and
  ``bytes`` slices with a step of 128 for the entry types; a name or class id is sliced out only
  for an entry the walk reaches, and each distinct name is decoded once;
* each storage's children come from an iterative in-order walk of its sibling tree (CFB order),
  and the storages themselves are visited with an explicit stack, so neither a deep sibling tree
  nor deeply nested storages meet the recursion limit;
* a stream's bytes are slices of the file (or of the root's mini stream) joined once, one slice
  per run of consecutive sectors.

Nothing in the file is trusted: every sector id is checked against the file and the FAT, every
sector may belong to one chain only (a chain that loops meets a sector it already used), every
directory entry may be reached once only (a cycle in the sibling or child links meets an entry
already reached), and a stream must hold as many bytes as its size says. A damaged file raises
:class:`CFBReadError` saying what is wrong, never IndexError, struct.error or a hang.

What is tolerated, as pyaaf2 tolerates it: sibling trees that are not balanced or red-black,
free directory entries and free sectors anywhere (a file edited in place), chains in any order,
a FAT sector count in the header that disagrees with the DIFAT, a mini stream whose recorded
size disagrees with its chain, the stray high 32 bits of a version 3 stream size (MS-CFB asks
readers to ignore them), a chain longer than its stream needs (the extra sectors are not read),
and a last sector cut short by the end of the file as long as no byte that is needed is missing.
"""

from __future__ import annotations

import os
import struct
import sys
from array import array
from collections.abc import Callable

from .cfb_writer import Storage, Stream

__all__ = ["CFBReadError", "read_compound_bytes", "read_compound_file"]

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

MAXREGSECT = 0xFFFFFFFA
DIFSECT = 0xFFFFFFFC
FATSECT = 0xFFFFFFFD
ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
NOSTREAM = 0xFFFFFFFF

HEADER_SIZE = 512
HEADER_DIFAT_SLOTS = 109
ENTRY_SIZE = 128
MINI_SECTOR_SIZE = 64

_TYPE_EMPTY = 0
_TYPE_STORAGE = 1
_TYPE_STREAM = 2
_TYPE_ROOT = 5

#: The header up to and including the 109 DIFAT slots (the field layout of cfb_writer._HEADER).
_HEADER = struct.Struct("<8s16sHHHHH6s9I109I")
assert _HEADER.size == HEADER_SIZE

_U32 = "I" if array("I").itemsize == 4 else "L"
_BIG_ENDIAN = sys.byteorder == "big"
_SPECIAL = {DIFSECT: "DIFSECT", FATSECT: "FATSECT", ENDOFCHAIN: "ENDOFCHAIN", FREESECT: "FREESECT"}


class CFBReadError(ValueError):
    """The file is not a compound file, or a damaged one (the message says what is wrong)."""


def read_compound_file(path: str | os.PathLike[str]) -> tuple[Storage, bytes]:
    """The whole file as a tree of cfb_writer.Storage / cfb_writer.Stream (the root Storage named
    "Root Entry" with its class id), and the header's 16-byte CLSID (offset 8).

    Each storage's children are in CFB order (an in-order walk of its sibling tree). A file that
    is not a compound file, or a damaged one, raises :class:`CFBReadError`; a file that cannot
    be opened raises OSError as ``open`` does.
    """
    with open(path, "rb") as handle:
        data = handle.read()
    return read_compound_bytes(data, str(path))


def read_compound_bytes(data: bytes, source: str = "the compound file") -> tuple[Storage, bytes]:
    """:func:`read_compound_file` for a file already in memory; `source` names it in errors."""
    try:
        return _Reader(bytes(data), source).read()
    except CFBReadError:
        raise
    except (IndexError, KeyError, struct.error, OverflowError, ValueError) as error:  # pragma: no cover
        # Every check above should come first; this only keeps the promise of one exception type.
        raise CFBReadError(f"{source}: damaged compound file ({type(error).__name__}: {error})") from error


def _sector_name(sid: int) -> str:
    return _SPECIAL.get(sid, f"sector {sid}")


class _Reader:
    """One file's bytes and the tables decoded from them."""

    def __init__(self, data: bytes, source: str) -> None:
        self.data = data
        self.source = source

    def fail(self, message: str) -> CFBReadError:
        return CFBReadError(f"{self.source}: {message}")

    # -- header, FAT ----------------------------------------------------------------------------

    def read(self) -> tuple[Storage, bytes]:
        data = self.data
        if len(data) < HEADER_SIZE:
            raise self.fail(f"{len(data)} bytes is too short for a compound file header ({HEADER_SIZE} bytes)")
        (magic, header_clsid, _minor, major, byte_order, shift, mini_shift, _reserved, _dir_count, fat_count,
         dir_start, _transaction, cutoff, minifat_start, _minifat_count, difat_start, difat_count,
         *header_difat) = _HEADER.unpack_from(data)
        if magic != MAGIC:
            raise self.fail(f"not a compound file (bad magic {magic.hex()})")
        if byte_order != 0xFFFE:
            raise self.fail(f"bad byte order mark 0x{byte_order:04X} (expected 0xFFFE)")
        if shift not in (9, 12):
            raise self.fail(f"unsupported sector shift {shift} (expected 9 or 12)")
        if mini_shift != 6:
            raise self.fail(f"unsupported mini sector shift {mini_shift} (expected 6)")
        size = self.sector_size = 1 << shift
        self.version3 = major == 3
        self.cutoff = cutoff
        #: Sectors present in the file, the last one possibly cut short.
        self.file_sectors = (len(data) - 1) // size  # the header takes the first sector's place

        self.fat = self._read_fat(header_difat, difat_start, difat_count, fat_count)
        #: Sector ids a chain may use: those both in the FAT and in the file.
        self.limit = min(len(self.fat), self.file_sectors)
        #: Sectors already read: the FAT's and DIFAT's own, then every chain's (a loop meets one again).
        self.used = bytearray(len(self.fat))
        for sid in self.table_sids:
            if sid < len(self.used):
                self.used[sid] = 1
        # The header's directory sector count (version 4) is not checked: pyaaf2 trusts the chain.
        directory = self._table_stream(dir_start, "directory")
        if minifat_start in (ENDOFCHAIN, FREESECT):
            self.minifat = array(_U32)
        else:
            self.minifat = self._table(self._table_stream(minifat_start, "mini FAT"))
        return self._tree(directory), header_clsid

    def _read_fat(self, header_difat: list[int], difat_start: int, difat_count: int, fat_count: int) -> array:
        """The FAT from the sectors the header's 109 DIFAT slots and the DIFAT chain name."""
        fat_sids = [sid for sid in header_difat if sid <= MAXREGSECT]
        per_sector = self.sector_size // 4
        sid = difat_start
        seen: set[int] = set()
        for index in range(difat_count):
            if sid > MAXREGSECT:
                raise self.fail(f"the DIFAT chain ends ({_sector_name(sid)}) after {index} of its "
                                f"{difat_count} sectors")
            if sid >= self.file_sectors:
                raise self.fail(f"DIFAT sector index {sid} out of range (the file has {self.file_sectors} sectors)")
            if sid in seen:
                raise self.fail(f"the DIFAT chain loops (sector {sid} again)")
            seen.add(sid)
            values = self._table(self._sector(sid, "DIFAT"))
            fat_sids.extend(value for value in values[:per_sector - 1] if value <= MAXREGSECT)
            sid = values[per_sector - 1]
            if len(fat_sids) > self.file_sectors:
                break  # reported below
        if not fat_sids:
            raise self.fail(f"the DIFAT lists no FAT sector (header says {fat_count})")
        if len(fat_sids) > self.file_sectors:
            raise self.fail(f"the DIFAT lists {len(fat_sids)} FAT sectors, more than the file's "
                            f"{self.file_sectors} sectors")
        if len(set(fat_sids)) != len(fat_sids):
            raise self.fail("the DIFAT lists a FAT sector twice")
        if not seen.isdisjoint(fat_sids):
            raise self.fail("the DIFAT lists one of its own sectors as a FAT sector")
        self.table_sids = [*fat_sids, *seen]
        parts = []
        for sid in fat_sids:
            if sid >= self.file_sectors:
                raise self.fail(f"FAT sector index {sid} out of range (the file has {self.file_sectors} sectors)")
            parts.append(self._sector(sid, "FAT"))
        return self._table(b"".join(parts))

    def _sector(self, sid: int, what: str) -> bytes:
        """A whole sector of a table (FAT, DIFAT, directory, mini FAT): a short one is damage."""
        size = self.sector_size
        offset = (sid + 1) * size
        chunk = self.data[offset:offset + size]
        if len(chunk) != size:
            raise self.fail(f"the file ends inside {what} sector {sid} (truncated)")
        return chunk

    @staticmethod
    def _table(raw: bytes) -> array:
        table = array(_U32)
        table.frombytes(raw)
        if _BIG_ENDIAN:
            table.byteswap()
        return table

    def _chain(self, start: int, what: str) -> list[int]:
        """Every sector of a FAT chain up to ENDOFCHAIN, each marked as used (a loop meets one again)."""
        fat, used, limit = self.fat, self.used, self.limit
        sids = []
        sid = start
        while sid != ENDOFCHAIN:
            if sid >= limit:
                raise self.fail(self._bad_sid(sid, what))
            if used[sid]:
                raise self.fail(f"sector {sid} of the {what} chain is used twice (the chain loops, or "
                                f"crosses another chain or the FAT)")
            used[sid] = 1
            sids.append(sid)
            sid = fat[sid]
        return sids

    def _bad_sid(self, sid: int, what: str) -> str:
        """Why a chain cannot go on to `sid`, which is not below the limit of readable sectors."""
        if sid > MAXREGSECT:
            return f"the {what} chain reaches {_sector_name(sid)} instead of a sector"
        if sid >= len(self.fat):
            return f"sector index {sid} of the {what} chain out of range (the FAT covers {len(self.fat)} sectors)"
        return (f"sector index {sid} of the {what} chain out of range: past the end of the file, which "
                f"holds {self.file_sectors} sectors (truncated?)")

    def _table_stream(self, start: int, what: str) -> bytes:
        """A chain of whole sectors (directory, mini FAT) as one bytes object."""
        if start == ENDOFCHAIN:
            raise self.fail(f"the {what} has no sector")
        return b"".join([self._sector(sid, what) for sid in self._chain(start, what)])

    # -- the directory --------------------------------------------------------------------------

    def _tree(self, directory: bytes) -> Storage:
        """The storages and streams reachable from the root entry, each storage's children in order.

        The directory is split into columns (index = entry id) with array slices, so no tuple or
        bytes object is made per entry; names and class ids are sliced from the directory only for
        the entries the walk reaches. An entry's words: name 0-15, name size (low half of 16),
        type (byte 66), colour, left 17, right 18, child 19, class id 20-23, state bits, times,
        start sector 29, size 30-31 (low, high).
        """
        count = len(directory) // ENTRY_SIZE
        words = self._table(directory)  # 32 little-endian 32-bit words per entry
        lefts, rights = words[17::32].tolist(), words[18::32].tolist()
        childs, starts = words[19::32], words[29::32]
        sizes, sizes_high = words[30::32], words[31::32]
        if self.version3:  # the high 32 bits are to be ignored (MS-CFB 2.6.3)
            sizes_high = array(_U32, bytes(4 * count))
        halves = array("H", directory)
        if _BIG_ENDIAN:
            halves.byteswap()
        name_sizes = halves[32::64]
        types = directory[66::ENTRY_SIZE]
        if types[0] != _TYPE_ROOT:
            raise self.fail(f"directory entry 0 is not the root entry (type {types[0]})")
        decoded: dict[bytes, str] = {}

        def name_of(node: int) -> str:
            name_size = name_sizes[node]
            if not 0 < name_size <= 64 or name_size & 1:
                raise self.fail(f"directory entry {node}: name length field {name_size} out of range "
                                f"(an even number from 2 to 64)")
            raw = directory[node * ENTRY_SIZE:node * ENTRY_SIZE + name_size]
            name = decoded[raw] = raw.decode("utf-16-le", "backslashreplace").split("\x00", 1)[0]
            return name

        root = Storage(name_of(0), directory[80:96], [])
        small, large = self._stream_readers(starts[0])
        cutoff = self.cutoff
        reached = bytearray(count)
        reached[0] = 1
        pending = [(childs[0], root)]
        while pending:
            node, storage = pending.pop()
            append = storage.children.append
            stack: list[int] = []
            push, pop = stack.append, stack.pop
            while True:
                while node < count:
                    if reached[node]:
                        raise self.fail(f"directory entry {node} (under {storage.name!r}) is referenced twice "
                                        f"(a cycle in the sibling or child links)")
                    reached[node] = 1
                    push(node)
                    node = lefts[node]
                if node != NOSTREAM:
                    raise self.fail(f"directory entry index {node} (under {storage.name!r}) out of range "
                                    f"(the directory has {count} entries)")
                if not stack:
                    break
                node = pop()
                kind = types[node]
                if kind != _TYPE_STREAM and kind != _TYPE_STORAGE:
                    what = "an unused entry" if kind == _TYPE_EMPTY else f"of type {kind}"
                    raise self.fail(f"directory entry {node} (under {storage.name!r}) is {what}, "
                                    f"not a storage or a stream")
                offset = node * ENTRY_SIZE
                name_size = name_sizes[node]
                name = decoded.get(directory[offset:offset + name_size]) if name_size <= 64 else None
                if name is None:
                    name = name_of(node)
                if kind == _TYPE_STREAM:
                    size = sizes[node] | sizes_high[node] << 32
                    if not size:
                        append(Stream(name, b""))
                    elif size < cutoff:
                        append(Stream(name, small(node, name, starts[node], size)))
                    else:
                        append(Stream(name, large(node, name, starts[node], size)))
                else:
                    child = Storage(name, directory[offset + 80:offset + 96], [])
                    append(child)
                    pending.append((childs[node], child))
                node = rights[node]
        return root

    # -- streams --------------------------------------------------------------------------------

    def _stream_readers(self, root_start: int) -> tuple[Callable[[int, str, int, int], bytes],
                                                         Callable[[int, str, int, int], bytes]]:
        """Readers of small streams (mini FAT chains over the mini stream) and of the others
        (FAT chains over the file): `read(entry id, name, start sector, size)` -> exactly `size`
        bytes, one slice per run of consecutive sectors. Each sector may be read once only (a
        chain that loops, or crosses another, meets one it has already used)."""
        data, fat, used, limit, sector_size = self.data, self.fat, self.used, self.limit, self.sector_size
        minifat = self.minifat
        mini_used = bytearray(len(minifat))
        ministream = b""
        if minifat and root_start not in (ENDOFCHAIN, FREESECT):
            ministream = b"".join([data[(sid + 1) * sector_size:(sid + 2) * sector_size]
                                   for sid in self._chain(root_start, "mini stream")])
        mini_limit = min(len(minifat), (len(ministream) + MINI_SECTOR_SIZE - 1) // MINI_SECTOR_SIZE)
        fail = self.fail

        def small(node: int, name: str, sid: int, size: int) -> bytes:
            begin = end = sid
            runs = None
            for index in range((size + MINI_SECTOR_SIZE - 1) // MINI_SECTOR_SIZE):
                if sid >= mini_limit or mini_used[sid]:
                    raise fail(self._bad_mini_link(sid, index, size, mini_limit, f"stream {name!r} (entry {node})"))
                mini_used[sid] = 1
                if sid != end:
                    if runs is None:
                        runs = []
                    runs.append(ministream[begin * MINI_SECTOR_SIZE:end * MINI_SECTOR_SIZE])
                    begin = sid
                end = sid + 1
                sid = minifat[sid]
            if runs is None:
                chunk = ministream[begin * MINI_SECTOR_SIZE:begin * MINI_SECTOR_SIZE + size]
            else:
                runs.append(ministream[begin * MINI_SECTOR_SIZE:end * MINI_SECTOR_SIZE])
                chunk = b"".join(runs)[:size]
            if len(chunk) != size:
                raise fail(f"stream {name!r} (entry {node}) is shorter than its size: {len(chunk)} of {size} "
                           f"bytes present in the mini stream")
            return chunk

        def large(node: int, name: str, sid: int, size: int) -> bytes:
            needed = (size + sector_size - 1) // sector_size
            if needed > limit:
                raise fail(f"stream {name!r} (entry {node}) is {size} bytes, more than the file holds")
            begin = end = sid
            runs = []
            for index in range(needed):
                if sid >= limit or used[sid]:
                    raise fail(self._bad_link(sid, index, size, f"stream {name!r} (entry {node})"))
                used[sid] = 1
                if sid != end:
                    runs.append(data[(begin + 1) * sector_size:(end + 1) * sector_size])
                    begin = sid
                end = sid + 1
                sid = fat[sid]
            if runs:
                runs.append(data[(begin + 1) * sector_size:(end + 1) * sector_size])
                chunk = b"".join(runs)[:size]
            else:
                chunk = data[(begin + 1) * sector_size:(begin + 1) * sector_size + size]
            if len(chunk) != size:
                raise fail(f"stream {name!r} (entry {node}) is shorter than its size: {len(chunk)} of {size} "
                           f"bytes present (truncated file)")
            return chunk

        return small, large

    def _bad_link(self, sid: int, index: int, size: int, what: str) -> str:
        """Why a stream's FAT chain cannot go on at `sid`, its `index`-th sector."""
        if sid == ENDOFCHAIN:
            needed = (size + self.sector_size - 1) // self.sector_size
            return (f"{what} is shorter than its size: its chain ends after {index} sectors, {size} bytes "
                    f"need {needed}")
        if sid < self.limit:
            return f"sector {sid} of {what} is used twice (the chain loops, or crosses another chain or the FAT)"
        return self._bad_sid(sid, what)

    def _bad_mini_link(self, sid: int, index: int, size: int, limit: int, what: str) -> str:
        """Why a stream's mini FAT chain cannot go on at `sid`, its `index`-th mini sector."""
        if not limit:
            return f"{what} needs the mini stream, but the file has none (no mini FAT or no root entry stream)"
        if sid == ENDOFCHAIN:
            needed = (size + MINI_SECTOR_SIZE - 1) // MINI_SECTOR_SIZE
            return (f"{what} is shorter than its size: its mini chain ends after {index} mini sectors, "
                    f"{size} bytes need {needed}")
        if sid > MAXREGSECT:
            return f"the mini chain of {what} reaches {_sector_name(sid)} instead of a mini sector"
        if sid < limit:
            return f"mini sector {sid} of {what} is used twice (the chain loops or crosses another)"
        return (f"mini sector index {sid} of {what} out of range (the mini FAT and the mini stream hold "
                f"{limit} mini sectors)")
