"""The compound file writer (aiuteur/export/cfb_writer.py): files pyaaf2 reads back exactly.

Every file written here is read twice: with pyaaf2's own CFB reader (``aaf2.cfb``, what the AAF
export is read with) and with a small strict parser below, which checks what pyaaf2 tolerates:
header fields, FATSECT/DIFSECT marks, every sector owned by exactly one chain, empty directory
slots, and each storage's sibling tree (binary search tree in CFB order, red-black valid).
A real AAF written by pyaaf2 is rewritten with the writer and must open as the same AAF.
"""

from __future__ import annotations

import random
import struct
import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aaf2
import aaf2.cfb
import pytest

from aiuteur.export.cfb_writer import CFBWriteError, Storage, Stream, write_compound_file

DIFSECT = 0xFFFFFFFC
FATSECT = 0xFFFFFFFD
ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
NOSTREAM = 0xFFFFFFFF
HEADER = struct.Struct("<8s16sHHHHH6s9I109I")
ENTRY = struct.Struct("<64sHBBIII16sIQQIQ")
AAF_CLSID = bytes.fromhex("0102010d00020000060e2b3403020101")  # as pyaaf2 writes it (4096-byte sectors)


def clsid(n: int) -> bytes:
    return n.to_bytes(4, "little") + bytes(range(100, 112))


def payload(seed: int, size: int) -> bytes:
    """Bytes that differ per stream and per position, so a misplaced sector shows."""
    return bytes((seed * 7 + i * 13 + (i >> 8)) & 0xFF for i in range(size)) if size < 5000 \
        else (bytes(range(256)) * (size // 256 + 1))[seed % 256:seed % 256 + size]


def expected_tree(root: Storage) -> dict[str, tuple[str, bytes]]:
    """Every path under `root` -> ("storage", class id) or ("stream", data); "/" is the root."""
    out = {"/": ("storage", root.class_id)}
    stack = [("", root)]
    while stack:
        prefix, storage = stack.pop()
        for child in storage.children:
            path = f"{prefix}/{child.name}"
            if isinstance(child, Storage):
                out[path] = ("storage", child.class_id)
                stack.append((path, child))
            else:
                out[path] = ("stream", bytes(child.data))
    return out


def pyaaf2_tree(cfb: aaf2.cfb.CompoundFileBinary) -> dict[str, tuple[str, bytes]]:
    """The same mapping, read with pyaaf2's reader (walk, find, open().read(), raw class ids)."""
    out = {"/": ("storage", bytes(cfb.root.data[80:96]))}
    for _, storages, streams in cfb.walk():
        for entry in storages:
            out[entry.path()] = ("storage", bytes(entry.data[80:96]))
        for entry in streams:
            assert cfb.find(entry.path()) is entry
            assert bytes(entry.data[80:96]) == bytes(16)
            out[entry.path()] = ("stream", bytes(cfb.open(entry.path()).read()))
    return out


# -- a strict parser, independent of the writer and of pyaaf2 -------------------------------


@dataclass
class Entry:
    name: str
    type: int
    colour: int
    left: int
    right: int
    child: int
    clsid: bytes
    start: int
    size: int
    raw: bytes


@dataclass
class Parsed:
    major: int
    sector_size: int
    header_clsid: bytes
    entries: list[Entry]
    streams: dict[str, bytes]
    storages: dict[str, bytes]


def cfb_key(name: str) -> tuple[int, str]:
    """The CFB sibling order for the names used here (one UTF-16 unit per character)."""
    return len(name.encode("utf-16-le")) // 2, name.upper()


def parse(data: bytes) -> Parsed:
    """Read a compound file strictly, asserting the format rules the writer must follow."""
    (magic, header_clsid, minor, major, byte_order, shift, mini_shift, reserved, dir_count, fat_count,
     dir_start, _, cutoff, minifat_start, minifat_count, difat_start, difat_count, *difat) = HEADER.unpack_from(data)
    assert (magic, minor, byte_order, mini_shift, reserved, cutoff) == (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0x3E, 0xFFFE, 6, bytes(6), 4096)
    sector_size = 1 << shift
    assert (major, sector_size) in ((3, 512), (4, 4096))
    assert data[512:sector_size] == bytes(sector_size - 512)
    assert len(data) % sector_size == 0
    total = len(data) // sector_size - 1
    per = sector_size // 4

    def sector(sid: int) -> bytes:
        assert 0 <= sid < total, sid
        return data[(sid + 1) * sector_size:(sid + 2) * sector_size]

    fat_sids = [sid for sid in difat if sid != FREESECT]
    assert difat[len(fat_sids):] == [FREESECT] * (109 - len(fat_sids))
    difat_sids, sid = [], difat_start
    for _ in range(difat_count):
        difat_sids.append(sid)
        values = struct.unpack(f"<{per}I", sector(sid))
        fat_sids.extend(v for v in values[:-1] if v != FREESECT)
        sid = values[-1]
    assert sid == ENDOFCHAIN and len(fat_sids) == fat_count
    fat = array("I")
    for sid in fat_sids:
        fat.frombytes(sector(sid))
    owner = {}
    for sid in fat_sids:
        assert fat[sid] == FATSECT
        owner[sid] = "fat"
    for sid in difat_sids:
        assert fat[sid] == DIFSECT
        owner[sid] = "difat"

    def chain(start: int, table: array, what: str, track: bool = True) -> list[int]:
        sids = []
        while start != ENDOFCHAIN:
            assert start < len(table) and len(sids) <= len(table), (what, start)
            if track:
                assert start not in owner, (what, start, owner.get(start))
                owner[start] = what
            sids.append(start)
            start = table[start]
        return sids

    directory = b"".join(sector(s) for s in chain(dir_start, fat, "directory"))
    assert dir_count == (len(directory) // sector_size if major == 4 else 0)
    entries = []
    for offset in range(0, len(directory), 128):
        raw = directory[offset:offset + 128]
        name, name_size, kind, colour, left, right, child, cls, _, _, _, start, size = ENTRY.unpack(raw)
        assert name_size % 2 == 0 and name_size <= 64
        text = name[:max(name_size - 2, 0)].decode("utf-16-le")
        assert name[max(name_size - 2, 0):] == bytes(64 - max(name_size - 2, 0))
        entries.append(Entry(text, kind, colour, left, right, child, cls, start, size, raw))
    root = entries[0]
    assert (root.name, root.type, root.colour, root.left, root.right) == ("Root Entry", 5, 1, NOSTREAM, NOSTREAM)
    for entry in entries:
        if entry.type == 0:
            assert entry.raw == bytes(68) + b"\xff" * 12 + bytes(48)
        if major == 3:
            assert entry.size >> 32 == 0

    minifat = array("I")
    for sid in chain(minifat_start, fat, "minifat"):
        minifat.frombytes(sector(sid))
    assert len(minifat) == minifat_count * per
    ministream = b"".join(sector(s) for s in chain(root.start, fat, "ministream"))
    if root.start == ENDOFCHAIN:
        assert root.size == 0 and minifat_count == 0 and minifat_start == ENDOFCHAIN
    else:
        assert root.size % 64 == 0 and len(ministream) >= root.size
    mini_owner: set[int] = set()

    streams: dict[str, bytes] = {}
    storages: dict[str, bytes] = {"/": root.clsid}

    def visit(entry_id: int, prefix: str) -> None:
        entry = entries[entry_id]
        path = f"{prefix}/{entry.name}"
        if entry.type == 1:
            assert entry.start == 0 and entry.size == 0
            storages[path] = entry.clsid
            walk_children(entry.child, path)
        elif entry.type == 2:
            assert entry.clsid == bytes(16) and entry.child == NOSTREAM
            if entry.size == 0:
                assert entry.start == ENDOFCHAIN
                streams[path] = b""
            elif entry.size < 4096:
                sids = chain(entry.start, minifat, "mini", track=False)
                assert len(sids) == (entry.size + 63) // 64
                assert not mini_owner.intersection(sids)
                mini_owner.update(sids)
                streams[path] = b"".join(ministream[s * 64:s * 64 + 64] for s in sids)[:entry.size]
            else:
                sids = chain(entry.start, fat, path)
                assert len(sids) == -(-entry.size // sector_size)
                streams[path] = b"".join(sector(s) for s in sids)[:entry.size]
        else:
            raise AssertionError(f"unexpected entry type {entry.type} at {path}")

    def walk_children(child: int, path: str) -> None:
        for entry_id in in_order(entries, child):
            visit(entry_id, "" if path == "/" else path)

    walk_children(root.child, "/")
    if root.start != ENDOFCHAIN:
        assert root.size == 64 * len(mini_owner), "the mini stream holds the small streams, no more"
        assert len(ministream) == -(-root.size // sector_size) * sector_size
    used = len(streams) + len(storages)
    assert sum(1 for e in entries if e.type) == used
    assert len(entries) - used < sector_size // 128
    assert sorted(owner) == list(range(total)), "every sector belongs to exactly one chain"
    assert fat[total:] == array("I", [FREESECT] * (len(fat) - total))
    return Parsed(major, sector_size, header_clsid, entries, streams, storages)


def in_order(entries: list[Entry], root: int) -> Iterator[int]:
    """The sibling tree under `root` in order, checking it is a CFB-ordered red-black tree."""
    order: list[int] = []

    def black_height(node: int, parent_red: bool) -> int:
        if node == NOSTREAM:
            return 1
        entry = entries[node]
        red = entry.colour == 0
        assert entry.colour in (0, 1)
        assert not (red and parent_red), f"red {entry.name} under a red parent"
        left = black_height(entry.left, red)
        order.append(node)
        right = black_height(entry.right, red)
        assert left == right, f"black heights differ under {entry.name}"
        return left + (0 if red else 1)

    if root != NOSTREAM:
        assert entries[root].colour == 1, "the root of a sibling tree is black"
        black_height(root, False)
    keys = [cfb_key(entries[i].name) for i in order]
    assert keys == sorted(keys) and len(set(keys)) == len(keys), "siblings must be in strict CFB order"
    return iter(order)


def write_and_read(tmp_path: Path, root: Storage, **options) -> tuple[Parsed, dict[str, tuple[str, bytes]]]:
    path = tmp_path / "out.cfb"
    write_compound_file(path, root, **options)
    parsed = parse(path.read_bytes())
    with path.open("rb") as handle:
        read = pyaaf2_tree(aaf2.cfb.CompoundFileBinary(handle, "rb"))
    return parsed, read


def assert_same(root: Storage, parsed: Parsed, read: dict[str, tuple[str, bytes]]) -> None:
    expected = expected_tree(root)
    assert read == expected
    assert {p: ("stream", d) for p, d in parsed.streams.items()} | \
        {p: ("storage", c) for p, c in parsed.storages.items()} == expected


# -- 1. round trips ---------------------------------------------------------------------------


def sample_tree() -> Storage:
    sizes = [0, 1, 63, 64, 65, 4095, 4096, 4097, 8192, 200_003]
    streams = [Stream(f"s{size}", payload(i, size)) for i, size in enumerate(sizes)]
    deep = leaf = Storage("level0", clsid(1000))
    for depth in range(1, 60):
        nxt = Storage(f"level{depth}", clsid(1000 + depth), [Stream("properties", payload(depth, 90))])
        leaf.children.append(nxt)
        leaf = nxt
    leaf.children.append(Stream("bottom", payload(99, 5000)))
    mobs = Storage("Content-3b03", clsid(3), [Stream("Mobs-1901 index", payload(5, 1234 * 36))])
    for i in range(1234):
        mobs.children.append(Storage(f"Mobs-1901{{{i:x}}}", clsid(i), [Stream("properties", payload(i, 100 + i % 7))]))
    cases = [Storage("A", clsid(7), [Stream("Props", b"upper"), Storage("props-x", clsid(8))]),
             Storage("a2", clsid(9), [Stream("props", b"lower"), Stream("PROPS-X", b"x")])]
    unicode = Storage("Émission 日本語", clsid(10), [
        Stream("straße", b"sz"), Stream("ÉTÉ", b"ete"), Stream("été-2", b"ete2"), Stream("Ωμέγα", b"omega"),
        Stream("x" * 29 + "😀", b"emoji: 31 UTF-16 units"), Stream("Z" * 31, b"longest name"),
        Storage("empty storage", clsid(11))])
    return Storage("ignored", clsid(1), [*streams, deep, mobs, *cases, unicode, Stream("properties", b"root")])


@pytest.mark.parametrize("sector_size", [4096, 512])
def test_round_trip_through_pyaaf2(tmp_path: Path, sector_size: int) -> None:
    root = sample_tree()
    parsed, read = write_and_read(tmp_path, root, sector_size=sector_size, header_clsid=AAF_CLSID)
    assert_same(root, parsed, read)
    assert (parsed.major, parsed.sector_size, parsed.header_clsid) == (4 if sector_size == 4096 else 3,
                                                                        sector_size, AAF_CLSID)
    assert read["/A/Props"] == ("stream", b"upper") and read["/a2/props"] == ("stream", b"lower")


@pytest.mark.parametrize("root", [
    Storage("r"),
    Storage("r", clsid(2), [Stream("empty", b"")]),
    Storage("r", clsid(2), [Stream("only big", payload(3, 10_000))]),
    Storage("r", clsid(2), [Storage("s", clsid(4))]),
], ids=["empty", "empty stream", "no mini stream", "empty storage"])
def test_small_trees(tmp_path: Path, root: Storage) -> None:
    for sector_size in (4096, 512):
        parsed, read = write_and_read(tmp_path, root, sector_size=sector_size)
        assert_same(root, parsed, read)


def test_difat_sectors_for_big_files(tmp_path: Path) -> None:
    """With 512-byte sectors, 109 FAT sectors cover ~7 MB; 16 MB needs two DIFAT sectors."""
    big = bytes(range(256)) * (16 * 1024 * 1024 // 256) + b"tail"
    root = Storage("r", clsid(1), [Stream("big", big), Stream("small", b"s" * 100)])
    path = tmp_path / "big.cfb"
    write_compound_file(path, root, sector_size=512)
    data = path.read_bytes()
    fat_count, difat_count = struct.unpack_from("<I", data, 0x2C)[0], struct.unpack_from("<I", data, 0x48)[0]
    assert fat_count > 109 + 127 and difat_count == 2
    parsed = parse(data)
    assert parsed.streams == {"/big": big, "/small": b"s" * 100}
    with path.open("rb") as handle:
        cfb = aaf2.cfb.CompoundFileBinary(handle, "rb")
        assert bytes(cfb.open("/big").read()) == big


# -- 2. a real AAF ----------------------------------------------------------------------------


def write_pyaaf2_aaf(path: Path, sector_size: int) -> None:
    with aaf2.open(str(path), "w", sector_size=sector_size) as f:
        for i in range(4):
            mob = f.create.CompositionMob()
            mob.name = f"Comp {i} – été"
            sequence = f.create.Sequence(media_kind="picture")
            slot = mob.create_timeline_slot(edit_rate="25")
            slot.segment = sequence
            sequence.components.append(f.create.Filler("picture", 100 + i))
            f.content.mobs.append(mob)


def tree_from_cfb(cfb: aaf2.cfb.CompoundFileBinary, entry: aaf2.cfb.DirEntry) -> Storage:
    storage = Storage(entry.name, bytes(entry.data[80:96]))
    for child in cfb.listdir(entry):
        if child.isdir():
            storage.children.append(tree_from_cfb(cfb, child))
        else:
            storage.children.append(Stream(child.name, bytes(child.open("r").read())))
    return storage


def aaf_summary(path: Path) -> tuple[list[tuple[str, str, list[int]]], dict[str, tuple[str, bytes]]]:
    with aaf2.open(str(path), "r") as f:
        mobs = sorted((mob.name, str(mob.mob_id), [c.length for s in mob.slots for c in s.segment.components])
                      for mob in f.content.mobs)
        return mobs, pyaaf2_tree(f.cfb)


@pytest.mark.parametrize("sector_size", [4096, 512])
def test_rewritten_aaf_opens_the_same(tmp_path: Path, sector_size: int) -> None:
    original, rewritten = tmp_path / "pyaaf2.aaf", tmp_path / "rewritten.aaf"
    write_pyaaf2_aaf(original, sector_size)
    with original.open("rb") as handle:
        cfb = aaf2.cfb.CompoundFileBinary(handle, "rb")
        root = tree_from_cfb(cfb, cfb.root)
    header_clsid = original.read_bytes()[8:24]
    write_compound_file(rewritten, root, header_clsid=header_clsid, sector_size=sector_size)

    mobs, entries = aaf_summary(original)
    assert len(mobs) == 4 and len(entries) > 500
    assert aaf_summary(rewritten) == (mobs, entries)
    assert rewritten.read_bytes()[8:24] == header_clsid
    parse(rewritten.read_bytes())


# -- 3. sibling trees -------------------------------------------------------------------------


def test_sibling_trees_are_ordered_red_black_trees(tmp_path: Path) -> None:
    rng = random.Random(7)
    root = Storage("r")
    for count in [*range(41), 1000]:
        names = [f"{rng.choice(['p', 'Q', 'mob', 'Slots-4403'])}{i}" + "x" * rng.randrange(4) for i in range(count)]
        rng.shuffle(names)
        children = [Storage(n, clsid(i)) if i % 3 == 0 else Stream(n, payload(i, i % 70)) for i, n in enumerate(names)]
        root.children.append(Storage(f"count {count}", clsid(count), children))
    path = tmp_path / "trees.cfb"
    write_compound_file(path, root)
    parsed = parse(path.read_bytes())  # checks order, colours and black heights of every storage
    by_name = {e.name: e for e in parsed.entries if e.type == 1}
    for count in [*range(41), 1000]:
        storage = by_name[f"count {count}"]
        assert len(list(in_order(parsed.entries, storage.child))) == count
    red = sum(1 for e in parsed.entries if e.type and e.colour == 0)
    assert red > 0, "incomplete last levels are red"
    with path.open("rb") as handle:
        assert pyaaf2_tree(aaf2.cfb.CompoundFileBinary(handle, "rb")) == expected_tree(root)


# -- 4. bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize("root, options", [
    (Storage("r", children=[Stream("Properties", b""), Stream("properties", b"")]), {}),
    (Storage("r", children=[Storage("s", children=[Storage("DUP"), Stream("dup", b"")])]), {}),
    (Storage("r", children=[Stream("x" * 32, b"")]), {}),
    (Storage("r", children=[Stream("x" * 30 + "😀", b"")]), {}),
    (Storage("r", children=[Stream("", b"")]), {}),
    (Storage("r", children=[Storage("s", bytes(15))]), {}),
    (Storage("r", bytes(17)), {}),
    (Storage("r"), {"header_clsid": bytes(15)}),
    (Storage("r"), {"sector_size": 1024}),
    *[(Storage("r", children=[Stream(f"a{c}b", b"")]), {}) for c in "/\\:!"],
    (Storage("r", children=["not an entry"]), {}),
    (Storage("r", children=[Stream("s", "text, not bytes")]), {}),
], ids=["case duplicate", "nested duplicate", "32 chars", "32 units", "empty name", "15-byte class id",
        "17-byte root class id", "header clsid", "sector size", "slash", "backslash", "colon", "bang",
        "not an entry", "str data"])
def test_bad_input_raises(tmp_path: Path, root: Storage, options: dict) -> None:
    path = tmp_path / "bad.cfb"
    with pytest.raises(CFBWriteError):
        write_compound_file(path, root, **options)
    assert not path.exists()
    assert issubclass(CFBWriteError, ValueError)


def test_a_storage_twice_is_refused(tmp_path: Path) -> None:
    shared = Storage("shared")
    looped = Storage("loop")
    looped.children.append(looped)
    for root in (Storage("r", children=[Storage("a", children=[shared]), Storage("b", children=[shared])]),
                 Storage("r", children=[looped])):
        with pytest.raises(CFBWriteError, match="more than once"):
            write_compound_file(tmp_path / "x.cfb", root)


# -- 5. speed ---------------------------------------------------------------------------------


def aaf_shaped_tree() -> Storage:
    """~27,000 entries shaped like a 600-clip AAF: ~12,000 storages with a ~100-byte "properties"
    stream each, "X index" streams, and storages with 2,000 children."""
    mobs = []
    for i in range(2000):
        slots = [Storage(f"Slots-4403{{{j}}}", clsid(3), [
            Stream("properties", payload(i + j, 80)),
            Storage("Segment-4803", clsid(4), [Stream("properties", payload(i, 96))])]) for j in range(2)]
        mobs.append(Storage(f"Mobs-1901{{{i:x}}}", clsid(2), [
            Stream("properties", payload(i, 100)), Stream("Slots-4403 index", payload(i, 60)), *slots]))
    components = [Storage(f"Components-1001{{{i:x}}}", clsid(5), [Stream("properties", payload(i, 110))])
                  for i in range(2000)]
    classes = [Storage(f"ClassDefinitions-3{{{i:x}}}", clsid(6), [
        Stream("properties", payload(i, 130)), Stream("Properties-9 index", payload(i, 39))]) for i in range(400)]
    return Storage("Root Entry", clsid(1), [
        Stream("properties", payload(0, 68)), Stream("referenced properties", payload(1, 27)),
        Storage("MetaDictionary-1", clsid(7), [Stream("ClassDefinitions-3 index", payload(0, 400 * 36)), *classes]),
        Storage("Header-2", clsid(8), [Stream("properties", payload(2, 100)), Storage("Content-3b03", clsid(9), [
            Stream("Mobs-1901 index", payload(3, 2000 * 36)), *mobs,
            Storage("Sequence", clsid(10), [Stream("Components-1001 index", payload(4, 2000 * 20)), *components]),
        ])]),
    ])


def test_27k_entries_are_written_fast(tmp_path: Path) -> None:
    root = aaf_shaped_tree()
    expected = expected_tree(root)
    assert len(expected) > 27_000 and sum(kind == "storage" for kind, _ in expected.values()) > 12_000
    path = tmp_path / "big.aaf"
    elapsed = []
    for _ in range(2):
        start = time.process_time()
        write_compound_file(path, root, header_clsid=AAF_CLSID)
        elapsed.append(time.process_time() - start)
    assert min(elapsed) < 1.5, f"writing 27k entries took {min(elapsed):.2f} s of CPU (target ~0.3 s)"
    parsed = parse(path.read_bytes())
    assert {p: ("stream", d) for p, d in parsed.streams.items()} | \
        {p: ("storage", c) for p, c in parsed.storages.items()} == expected
    with path.open("rb") as handle:
        cfb = aaf2.cfb.CompoundFileBinary(handle, "rb")
        for sample in ("/Header-2/Content-3b03/Mobs-1901{7cf}/Slots-4403{1}/Segment-4803/properties",
                       "/Header-2/Content-3b03/Mobs-1901 index",
                       "/MetaDictionary-1/ClassDefinitions-3{18f}/properties"):
            assert bytes(cfb.open(sample).read()) == expected[sample][1]
        assert len(cfb.listdir("/Header-2/Content-3b03")) == 2002
