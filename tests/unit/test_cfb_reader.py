"""The compound file reader (aiuteur/export/cfb_reader.py): everything pyaaf2 reads, read faster.

Files come from the writer (aiuteur/export/cfb_writer.py), from pyaaf2 (fresh, and edited in
place with "rw": free directory entries, freed and reused sectors, chains out of order), from the
OTIO AAF adapter, and from hand-made damage. Each readable file is compared entry by entry with
pyaaf2's own reader (``aaf2.cfb.CompoundFileBinary``); each damaged one must raise CFBReadError
and nothing else.
"""

from __future__ import annotations

import random
import struct
import time
import uuid
from pathlib import Path

import aaf2
import aaf2.cfb
import aaf2.mobid
import opentimelineio as otio
import pytest

from aiuteur.export.cfb_reader import CFBReadError, read_compound_bytes, read_compound_file
from aiuteur.export.cfb_writer import Storage, Stream, write_compound_file
from tests.unit.test_cfb_writer import aaf_shaped_tree  # the writer's 27,000-entry speed test tree

ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
NOSTREAM = 0xFFFFFFFF
AAF_CLSID = bytes.fromhex("0102010d00020000060e2b3403020101")

Tree = dict[str, tuple[str, bytes]]


def clsid(n: int) -> bytes:
    return n.to_bytes(4, "little") + bytes(range(200, 212))


def payload(seed: int, size: int) -> bytes:
    """Bytes that differ per stream and per position, so a misplaced sector shows."""
    block = bytes((seed * 31 + i * 7 + (i >> 8)) & 0xFF for i in range(4099))
    return (block * (size // len(block) + 1))[:size]


def flatten(root: Storage) -> Tree:
    """Every path -> ("storage", class id) or ("stream", data); "/" is the root. Iterative: trees are deep."""
    out: Tree = {"/": ("storage", bytes(root.class_id))}
    stack = [("", root)]
    while stack:
        prefix, storage = stack.pop()
        for child in storage.children:
            path = f"{prefix}/{child.name}"
            assert path not in out, f"{path} twice"
            if isinstance(child, Storage):
                out[path] = ("storage", bytes(child.class_id))
                stack.append((path, child))
            else:
                assert type(child.data) is bytes
                out[path] = ("stream", child.data)
    return out


def pyaaf2_flatten(path: Path) -> Tree:
    """The same mapping read with pyaaf2's reader: listdir, raw class ids (entry.data[80:96]), open().read()."""
    with path.open("rb") as handle:
        cfb = aaf2.cfb.CompoundFileBinary(handle, "rb")
        out: Tree = {"/": ("storage", bytes(cfb.root.data[80:96]))}
        stack = [("", cfb.root)]
        while stack:
            prefix, storage = stack.pop()
            for entry in cfb.listdir(storage):
                child_path = f"{prefix}/{entry.name}"
                if entry.isdir():
                    out[child_path] = ("storage", bytes(entry.data[80:96]))
                    stack.append((child_path, entry))
                else:
                    out[child_path] = ("stream", bytes(entry.open("r").read()))
        return out


def storages(root: Storage):
    stack = [root]
    while stack:
        storage = stack.pop()
        yield storage
        stack.extend(child for child in storage.children if isinstance(child, Storage))


def cfb_key(name: str) -> tuple[int, bytes]:
    """MS-CFB sibling order: fewer UTF-16 units first, then upper-cased (one character to one)
    code unit by code unit."""
    upper = "".join(char.upper() if len(char.upper()) == 1 else char for char in name)
    return len(name.encode("utf-16-le")) // 2, upper.encode("utf-16-be")


def assert_cfb_order(root: Storage) -> None:
    """Children come in-order from the sibling tree, which is CFB order."""
    for storage in storages(root):
        keys = [cfb_key(child.name) for child in storage.children]
        assert keys == sorted(keys) and len(set(keys)) == len(keys), f"children of {storage.name!r} out of CFB order"


def write_stream(cfb: aaf2.cfb.CompoundFileBinary, path: str, data: bytes) -> None:
    stream = cfb.open(path, "w")
    stream.write(data)
    stream.close()


def read_both(path: Path) -> tuple[Storage, Tree]:
    """Our reading, checked against pyaaf2's; the header CLSID must be the file's bytes 8-24."""
    root, header_clsid = read_compound_file(path)
    assert header_clsid == path.read_bytes()[8:24]
    assert root.name == "Root Entry"
    tree = flatten(root)
    assert tree == pyaaf2_flatten(path)
    return root, tree


# -- 1. round trips ---------------------------------------------------------------------------


SIZES = [0, 1, 63, 64, 65, 4095, 4096, 4097, 8192, 200_000]


def sample_tree() -> Storage:
    streams = [Stream(f"s{size}", payload(i, size)) for i, size in enumerate(SIZES)]
    deep = leaf = Storage("level0", clsid(1000))
    for depth in range(1, 70):
        nxt = Storage(f"level{depth}", clsid(1000 + depth), [Stream("properties", payload(depth, 90 + depth))])
        leaf.children.append(nxt)
        leaf = nxt
    leaf.children.append(Stream("bottom", payload(99, 5000)))
    many = Storage("Mobs-1901", clsid(3), [Stream("Mobs-1901 index", payload(5, 1234 * 36))])
    for i in range(1234):
        properties = Stream("properties", payload(i, 40 + i % 90))
        many.children.append(Storage(f"Mobs-1901{{{i:x}}}", clsid(i), [properties]) if i % 3
                             else Stream(f"m{i}", payload(i, i % 300)))
    unicode = Storage("Émission 日本語", clsid(10), [
        Stream("straße", b"sz"), Stream("ÉTÉ", b"ete"), Stream("été-2", b"ete2"), Stream("Ωμέγα", b"omega"),
        Stream("x" * 29 + "😀", b"31 UTF-16 units"), Stream("Z" * 31, b"longest name"),
        Storage("empty storage", clsid(11))])
    cases = Storage("A", clsid(7), [Stream("Props", b"upper"), Storage("props-x", clsid(8))])
    return Storage("Root Entry", clsid(1), [*streams, deep, many, cases, unicode, Stream("properties", b"root")])


@pytest.mark.parametrize("sector_size", [4096, 512])
def test_writer_files_read_back_identical(tmp_path: Path, sector_size: int) -> None:
    original = sample_tree()
    path = tmp_path / "tree.cfb"
    write_compound_file(path, original, header_clsid=AAF_CLSID, sector_size=sector_size)
    root, header_clsid = read_compound_file(path)
    assert header_clsid == AAF_CLSID
    assert (root.name, root.class_id) == ("Root Entry", clsid(1))
    assert flatten(root) == flatten(original)
    assert_cfb_order(root)
    assert [child.name for child in root.children][:5] == ["A", "s0", "s1", "s63", "s64"]
    deepest = root
    for depth in range(70):
        deepest = next(child for child in deepest.children if child.name == f"level{depth}")
    assert [child.name for child in deepest.children] == ["bottom", "properties"]
    with path.open("rb") as handle:  # pyaaf2 agrees on a sample (a full pyaaf2 walk is slow)
        cfb = aaf2.cfb.CompoundFileBinary(handle, "rb")
        for size in SIZES:
            assert bytes(cfb.open(f"/s{size}").read()) == flatten(root)[f"/s{size}"][1]
        assert len(cfb.listdir("/Mobs-1901")) == 1235


@pytest.mark.parametrize("original", [
    Storage("r"),
    Storage("r", clsid(2), [Stream("empty", b"")]),
    Storage("r", clsid(2), [Stream("only big", payload(3, 10_000))]),
    Storage("r", clsid(2), [Stream("only small", payload(3, 100))]),
    Storage("r", clsid(2), [Storage("s", clsid(4))]),
], ids=["empty", "empty stream", "no mini stream", "only mini stream", "empty storage"])
@pytest.mark.parametrize("sector_size", [4096, 512])
def test_small_trees(tmp_path: Path, original: Storage, sector_size: int) -> None:
    path = tmp_path / "small.cfb"
    write_compound_file(path, original, sector_size=sector_size)
    root, tree = read_both(path)
    assert tree == flatten(original)


def test_difat_beyond_the_header(tmp_path: Path) -> None:
    """512-byte sectors: 109 FAT sectors cover ~7 MB, so 16 MB needs DIFAT sectors, from the
    writer and from pyaaf2 (whose DIFAT chain ends in FREESECT rather than ENDOFCHAIN)."""
    big = bytes(range(256)) * (16 * 1024 * 1024 // 256) + b"tail"
    ours = tmp_path / "writer.cfb"
    write_compound_file(ours, Storage("r", clsid(1), [Stream("big", big), Stream("small", b"s" * 100)]), sector_size=512)
    assert struct.unpack_from("<I", ours.read_bytes(), 0x48)[0] == 2  # two DIFAT sectors
    root, _ = read_compound_file(ours)
    assert flatten(root) == {"/": ("storage", clsid(1)), "/big": ("stream", big), "/small": ("stream", b"s" * 100)}

    theirs = tmp_path / "pyaaf2.cfb"
    eight = big[:8 * 1024 * 1024 + 3]
    with theirs.open("w+b") as handle:
        cfb = aaf2.cfb.CompoundFileBinary(handle, "wb+", sector_size=512)
        cfb.makedir("/dir")
        write_stream(cfb, "/dir/big", eight)
        write_stream(cfb, "/small", b"small")
        cfb.close()
    assert struct.unpack_from("<I", theirs.read_bytes(), 0x48)[0] >= 1
    root, _ = read_compound_file(theirs)
    assert flatten(root)["/dir/big"] == ("stream", eight) and flatten(root)["/small"] == ("stream", b"small")


def test_degenerate_sibling_trees_and_deep_nesting(tmp_path: Path) -> None:
    """A storage whose 3,000 children form a list (each the right, or the left, child of the
    previous): a valid but maximally unbalanced tree, 3,000 deep. No recursion limit applies."""
    count = 3000
    names = sorted((f"c{i:04d}" for i in range(count)))
    original = Storage("Root Entry", clsid(1), [Storage("list", clsid(2), [Stream(n, payload(i, i % 200))
                                                                            for i, n in enumerate(names)])])
    nest = original
    for depth in range(150):
        inner = Storage(f"n{depth}", clsid(depth))
        nest.children.append(inner)
        nest = inner
    path = tmp_path / "list.cfb"
    write_compound_file(path, original, sector_size=512)
    data = bytearray(path.read_bytes())
    dir_start = struct.unpack_from("<I", data, 0x30)[0]
    base = (dir_start + 1) * 512  # the writer's directory is one run of sectors
    entry = lambda i: base + i * 128  # noqa: E731
    # the writer numbers breadth first, a storage's children consecutive and in CFB order
    named = lambda name: next(i for i in range(count + 200)  # noqa: E731
                              if data[entry(i):entry(i) + 2 * len(name) + 2] == (name + "\0").encode("utf-16-le"))
    list_id, first = named("list"), named("c0000")
    assert named("c2999") == first + count - 1
    for variant in ("right", "left"):
        for k in range(count):
            node = first + k
            left = NOSTREAM if variant == "right" or k == 0 else node - 1
            right = NOSTREAM if variant == "left" or k == count - 1 else node + 1
            struct.pack_into("<II", data, entry(node) + 68, left, right)
        struct.pack_into("<I", data, entry(list_id) + 76, first if variant == "right" else first + count - 1)
        path.write_bytes(bytes(data))
        root, _ = read_compound_file(path)
        assert flatten(root) == flatten(original)
        listed = next(child for child in root.children if child.name == "list")
        assert [child.name for child in listed.children] == names
        if variant == "right":  # pyaaf2 agrees (once: it is slow on 3,000 entries)
            assert pyaaf2_flatten(path) == flatten(original)


# -- 2. pyaaf2 and OTIO files -----------------------------------------------------------------


def add_composition(f, name: str, length: int) -> None:
    mob = f.create.CompositionMob()
    mob.name = name
    sequence = f.create.Sequence(media_kind="picture")
    slot = mob.create_timeline_slot(edit_rate="25")
    slot.segment = sequence
    sequence.components.append(f.create.Filler("picture", length))
    f.content.mobs.append(mob)


def write_pyaaf2(path: Path, sector_size: int) -> None:
    with aaf2.open(str(path), "w", sector_size=sector_size) as f:
        for i in range(5):
            add_composition(f, f"Comp {i} – été", 100 + i)
        extra = f.cfb.makedir("/Extra")
        assert extra is not None
        for name, size in (("big A", 20_000), ("big B", 9_000), ("small C", 300), ("small D", 700)):
            write_stream(f.cfb, f"/Extra/{name}", payload(size, size))


def edit_pyaaf2(path: Path) -> None:
    """Remove mobs and streams, add others: freed sectors and entries, reused out of order, and
    holes left by the last removals."""
    with aaf2.open(str(path), "rw") as f:
        mobs = list(f.content.mobs)
        f.content.mobs.pop(mobs[1].mob_id)
        master = f.create.MasterMob()
        master.name = "added master"
        f.content.mobs.append(master)
        add_composition(f, "added comp", 7)
        f.cfb.remove("/Extra/small C")
        for name, size in (("big E", 30_000), ("small F", 1500), ("big B", 12_000)):
            write_stream(f.cfb, f"/Extra/{name}", payload(size + 1, size))
        f.content.mobs.pop(mobs[3].mob_id)
        f.cfb.remove("/Extra/big A")


def layout_facts(path: Path) -> tuple[int, int, int]:
    """(free directory entries before the last used one, FAT links that jump, free FAT/mini FAT
    slots below the highest used one): proof that a file has holes and scattered chains."""
    data = path.read_bytes()
    sector_size = 1 << struct.unpack_from("<H", data, 30)[0]
    sector = lambda sid: data[(sid + 1) * sector_size:(sid + 2) * sector_size]  # noqa: E731
    fat_sids = [sid for sid in struct.unpack_from("<109I", data, 0x4C) if sid < 0xFFFFFFFA]
    fat = [v for sid in fat_sids for v in struct.unpack(f"<{sector_size // 4}I", sector(sid))]

    def chain(sid: int) -> list[int]:
        out = []
        while sid != ENDOFCHAIN:
            out.append(sid)
            sid = fat[sid]
        return out

    directory = b"".join(sector(s) for s in chain(struct.unpack_from("<I", data, 0x30)[0]))
    types = directory[66::128]
    last = max(i for i, t in enumerate(types) if t)
    free_entries = sum(1 for t in types[:last] if t == 0)
    minifat = [v for sid in chain(struct.unpack_from("<I", data, 0x3C)[0])
               for v in struct.unpack(f"<{sector_size // 4}I", sector(sid))]
    jumps = sum(1 for i, v in enumerate(fat) if v < 0xFFFFFFFA and v != i + 1)
    jumps += sum(1 for i, v in enumerate(minifat) if v < 0xFFFFFFFA and v != i + 1)
    holes = 0
    for table in (fat, minifat):
        top = max(i for i, v in enumerate(table) if v != FREESECT)
        holes += sum(1 for v in table[:top] if v == FREESECT)
    return free_entries, jumps, holes


@pytest.mark.parametrize("sector_size", [4096, 512])
def test_pyaaf2_files_fresh_and_edited(tmp_path: Path, sector_size: int) -> None:
    path = tmp_path / "pyaaf2.aaf"
    write_pyaaf2(path, sector_size)
    root, tree = read_both(path)
    assert len(tree) > 300 and tree["/Extra/big A"] == ("stream", payload(20_000, 20_000))
    assert_cfb_order(root)

    edit_pyaaf2(path)
    free_entries, jumps, holes = layout_facts(path)
    assert free_entries > 0 and jumps > 0 and holes > 0, (free_entries, jumps, holes)
    root, edited = read_both(path)
    assert_cfb_order(root)
    assert "/Extra/big A" not in edited and "/Extra/small C" not in edited
    assert edited["/Extra/big B"] == ("stream", payload(12_001, 12_000))
    assert edited["/Extra/big E"] == ("stream", payload(30_001, 30_000))
    assert edited["/Extra/small F"] == ("stream", payload(1501, 1500))
    assert edited["/Extra/small D"] == ("stream", payload(700, 700))
    with aaf2.open(str(path), "r") as f:
        assert sorted(mob.name for mob in f.content.mobs) == sorted(
            ["Comp 0 – été", "Comp 2 – été", "Comp 4 – été", "added master", "added comp"])


def test_an_aaf_from_the_otio_adapter(tmp_path: Path) -> None:
    rt, tr = otio.opentime.RationalTime, otio.opentime.TimeRange
    timeline = otio.schema.Timeline(name="cut")
    video = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    audio = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    for i in range(4):
        url = f"file:///media/shot_{i}.mov"
        for track in (video, audio):
            reference = otio.schema.ExternalReference(target_url=url, available_range=tr(rt(0, 25), rt(200, 25)))
            clip = otio.schema.Clip(name=f"shot {i}", media_reference=reference,
                                    source_range=tr(rt(10, 25), rt(50 + i, 25)))
            mob_id = aaf2.mobid.MobID.new()  # as aiuteur/export/exporters.py _aaf_prepare makes them
            mob_id.material = uuid.uuid5(uuid.NAMESPACE_URL, "aiuteur:" + url)
            clip.metadata["AAF"] = {"MobID": str(mob_id)}
            track.append(clip)
    timeline.tracks.append(video)
    timeline.tracks.append(audio)
    path = tmp_path / "otio.aaf"
    otio.adapters.write_to_file(timeline, str(path), adapter_name="AAF")
    root, tree = read_both(path)
    assert_cfb_order(root)
    assert len(tree) > 500
    assert {child.name for child in root.children} >= {"Header-2", "MetaDictionary-1", "properties"}


# -- 3. damaged files -------------------------------------------------------------------------


class Damage:
    """A small valid writer file (512-byte sectors) and where its parts are."""

    def __init__(self, tmp_path: Path) -> None:
        self.original = Storage("Root Entry", clsid(1), [
            Stream("big", payload(1, 5000)), Stream("small", payload(2, 200)),
            Storage("dir", clsid(2), [Stream("p", payload(3, 100)), Stream("q", payload(4, 4100))])])
        path = tmp_path / "good.cfb"
        write_compound_file(path, self.original, sector_size=512)
        self.data = path.read_bytes()
        self.fat_sid = struct.unpack_from("<I", self.data, 0x4C)[0]
        self.dir_start = struct.unpack_from("<I", self.data, 0x30)[0]
        self.minifat_start = struct.unpack_from("<I", self.data, 0x3C)[0]
        self.ids = {}
        for i in range((len(self.data) - (self.dir_start + 1) * 512) // 128):
            offset = self.entry(i)
            size = struct.unpack_from("<H", self.data, offset + 64)[0]
            if self.data[offset + 66] == 0:
                break
            self.ids[self.data[offset:offset + size - 2].decode("utf-16-le")] = i

    def entry(self, i: int) -> int:
        return (self.dir_start + 1) * 512 + i * 128  # the writer's directory is one run

    def fat(self, sid: int) -> int:
        return (self.fat_sid + 1) * 512 + 4 * sid

    def minifat(self, sid: int) -> int:
        return (self.minifat_start + 1) * 512 + 4 * sid

    def field(self, name: str, offset: int) -> int:
        return self.entry(self.ids[name]) + offset

    def start(self, name: str) -> int:
        return struct.unpack_from("<I", self.data, self.field(name, 116))[0]

    def patched(self, *edits: tuple[int, str, int]) -> bytes:
        data = bytearray(self.data)
        for offset, fmt, value in edits:
            struct.pack_into("<" + fmt, data, offset, value)
        return bytes(data)


def damaged(d: Damage, case: str) -> bytes:
    big, small, q = d.start("big"), d.start("small"), d.start("q")
    rand = random.Random(case)
    loop_sector = bytes(FREESECT.to_bytes(4, "little") * 127) + big.to_bytes(4, "little")
    cases = {
        "empty": lambda: b"",
        "shorter than a header": lambda: d.data[:300],
        "garbage": lambda: rand.randbytes(4096),
        "zeros": lambda: bytes(4096),
        "magic": lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe0" + d.data[8:],
        "byte order": lambda: d.patched((28, "H", 0xFEFF)),
        "sector shift": lambda: d.patched((30, "H", 10)),
        "mini sector shift": lambda: d.patched((32, "H", 7)),
        "directory outside the file": lambda: d.patched((0x30, "I", 10_000)),
        "directory starts free": lambda: d.patched((0x30, "I", FREESECT)),
        "directory starts at end of chain": lambda: d.patched((0x30, "I", ENDOFCHAIN)),
        "FAT sector outside the file": lambda: d.patched((0x4C, "I", 50_000)),
        "no FAT sector": lambda: d.patched((0x4C, "I", FREESECT)),
        "FAT sector twice": lambda: d.patched((0x50, "I", d.fat_sid)),
        "directory chain loops": lambda: d.patched((d.fat(d.dir_start), "I", d.dir_start)),
        "stream chain loops": lambda: d.patched((d.fat(big), "I", big)),
        "stream chain loops back": lambda: d.patched((d.fat(big + 3), "I", big + 1)),
        "chains cross": lambda: d.patched((d.field("q", 116), "I", big)),
        "chain through the FAT": lambda: d.patched((d.field("q", 116), "I", d.fat_sid)),
        "stream chain to a free sector": lambda: d.patched((d.fat(big + 2), "I", FREESECT)),
        "stream chain out of range": lambda: d.patched((d.fat(big + 2), "I", 9_999)),
        "stream shorter than its size": lambda: d.patched((d.field("big", 120), "Q", 5000 + 3 * 512)),
        "stream larger than the file": lambda: d.patched((d.field("big", 120), "Q", 0xFFFFFF00)),
        "version 3 ignores the high size bits": lambda: d.patched((d.field("big", 120), "Q", 1 << 40 | 9000)),
        "mini chain loops": lambda: d.patched((d.minifat(small + 1), "I", small)),
        "mini stream shorter than its size": lambda: d.patched((d.field("small", 120), "Q", 1000)),
        "mini chain out of range": lambda: d.patched((d.field("small", 116), "I", 100_000)),
        "mini chains cross": lambda: d.patched((d.field("p", 116), "I", small)),
        "no mini stream": lambda: d.patched((d.entry(0) + 116, "I", ENDOFCHAIN)),
        "mini stream outside the file": lambda: d.patched((d.entry(0) + 116, "I", 77_777)),
        "no mini FAT": lambda: d.patched((0x3C, "I", ENDOFCHAIN)),
        "name length 66": lambda: d.patched((d.field("p", 64), "H", 66)),
        "name length 0": lambda: d.patched((d.field("dir", 64), "H", 0)),
        "odd name length": lambda: d.patched((d.field("q", 64), "H", 3)),
        "root name length": lambda: d.patched((d.entry(0) + 64, "H", 200)),
        "sibling points at itself": lambda: d.patched((d.field("p", 68), "I", d.ids["p"])),
        "sibling points at its parent": lambda: d.patched((d.field("q", 72), "I", d.ids["dir"])),
        "child points at the root": lambda: d.patched((d.field("dir", 76), "I", 0)),
        "child out of range": lambda: d.patched((d.field("dir", 76), "I", 5000)),
        "sibling is ENDOFCHAIN": lambda: d.patched((d.field("p", 72), "I", ENDOFCHAIN)),
        "unused entry in a tree": lambda: d.patched((d.field("q", 66), "B", 0)),
        "free entry in a tree": lambda: d.patched((d.field("dir", 76), "I", len(d.ids))),
        "entry of type 3": lambda: d.patched((d.field("p", 66), "B", 3)),
        "root is not a root": lambda: d.patched((d.entry(0) + 66, "B", 1)),
        "truncated by sectors": lambda: d.data[:-2 * 512],
        "truncated inside a needed sector": lambda: d.data[:-510],
        "directory truncated": lambda: d.data[:(d.dir_start + 1) * 512 + 100],
        "DIFAT loops": lambda: d.patched((0x44, "I", big), (0x48, "I", 3))[:(big + 1) * 512] + loop_sector
        + d.data[(big + 2) * 512:],
        "DIFAT outside the file": lambda: d.patched((0x44, "I", 10_000), (0x48, "I", 1)),
        "DIFAT ends early": lambda: d.patched((0x44, "I", ENDOFCHAIN), (0x48, "I", 2)),
        "DIFAT count huge": lambda: d.patched((0x44, "I", big), (0x48, "I", 0xFFFFFFFF)),
    }
    return cases[case]()


CASES = {
    "empty": "too short", "shorter than a header": "too short", "garbage": "magic", "zeros": "magic",
    "magic": "magic", "byte order": "byte order", "sector shift": "sector shift",
    "mini sector shift": "mini sector shift", "directory outside the file": "out of range",
    "directory starts free": "FREESECT", "directory starts at end of chain": "has no sector",
    "FAT sector outside the file": "out of range", "no FAT sector": "no FAT sector",
    "FAT sector twice": "twice", "directory chain loops": "used twice", "stream chain loops": "used twice",
    "stream chain loops back": "used twice", "chains cross": "used twice", "chain through the FAT": "used twice",
    "stream chain to a free sector": "FREESECT", "stream chain out of range": "out of range",
    "stream shorter than its size": "shorter than its size", "stream larger than the file": "more than the file",
    "version 3 ignores the high size bits": "shorter than its size",
    "mini chain loops": "used twice", "mini stream shorter than its size": "shorter than its size",
    "mini chain out of range": "out of range", "mini chains cross": "used twice",
    "no mini stream": "mini stream", "mini stream outside the file": "out of range",
    "no mini FAT": "mini stream", "name length 66": "name length", "name length 0": "name length",
    "odd name length": "name length", "root name length": "name length",
    "sibling points at itself": "referenced twice", "sibling points at its parent": "referenced twice",
    "child points at the root": "referenced twice", "child out of range": "out of range",
    "sibling is ENDOFCHAIN": "out of range", "unused entry in a tree": "unused entry", "free entry in a tree": "unused entry",
    "entry of type 3": "type 3", "root is not a root": "root entry", "truncated by sectors": "past the end of the file",
    "truncated inside a needed sector": "shorter than its size", "directory truncated": "truncated",
    "DIFAT loops": "DIFAT chain loops", "DIFAT outside the file": "out of range",
    "DIFAT ends early": "DIFAT chain ends", "DIFAT count huge": "DIFAT",
}


def test_the_damage_helper_starts_from_a_good_file(tmp_path: Path) -> None:
    d = Damage(tmp_path)
    root, _ = read_compound_bytes(d.data)
    assert flatten(root) == flatten(d.original)
    assert set(d.ids) == {"Root Entry", "big", "small", "dir", "p", "q"}


@pytest.mark.parametrize("case", list(CASES))
def test_damaged_files_raise_cfb_read_error(tmp_path: Path, case: str) -> None:
    data = damaged(Damage(tmp_path), case)
    path = tmp_path / "damaged.cfb"
    path.write_bytes(data)
    with pytest.raises(CFBReadError, match=CASES[case]) as raised:
        read_compound_file(path)
    assert str(path) in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_every_truncation_is_an_error_or_the_same_tree(tmp_path: Path) -> None:
    d = Damage(tmp_path)
    expected = flatten(d.original)
    errors = 0
    for cut in range(0, len(d.data), 37):
        try:
            root, _ = read_compound_bytes(d.data[:cut])
        except CFBReadError as error:
            assert "damaged compound file (" not in str(error), "an unforeseen exception, caught at the top"
            errors += 1
        else:  # only padding was cut
            assert flatten(root) == expected, cut
    assert errors > len(d.data) // 37 // 2


def test_random_corruption_raises_only_cfb_read_error(tmp_path: Path) -> None:
    """Flip bytes in the header, FAT, directory and mini FAT: any outcome but another exception
    or a hang is fine (some flips only change a name, a colour or a byte of data)."""
    d = Damage(tmp_path)
    metadata_end = (d.minifat_start + 2) * 512
    rng = random.Random(2024)
    outcomes = {"error": 0, "read": 0}
    for _ in range(600):
        data = bytearray(d.data)
        for _ in range(rng.choice((1, 2, 4, 8))):
            offset = rng.randrange(metadata_end)
            data[offset] = rng.choice((0, 0xFF, 0xFE, rng.randrange(256), data[offset] ^ (1 << rng.randrange(8))))
        try:
            read_compound_bytes(bytes(data))
            outcomes["read"] += 1
        except CFBReadError as error:
            assert "damaged compound file (" not in str(error), "an unforeseen exception, caught at the top"
            outcomes["error"] += 1
    assert outcomes["error"] > 50 and outcomes["read"] > 50, outcomes


def test_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_compound_file(tmp_path / "missing.aaf")


# -- 4. speed ---------------------------------------------------------------------------------


def test_27k_entries_are_read_fast(tmp_path: Path) -> None:
    original = aaf_shaped_tree()
    expected = flatten(original)
    assert len(expected) > 27_000
    path = tmp_path / "big.aaf"
    write_compound_file(path, original, header_clsid=AAF_CLSID)
    elapsed = []
    for _ in range(3):
        start = time.process_time()
        root, header_clsid = read_compound_file(path)
        elapsed.append(time.process_time() - start)
    assert min(elapsed) < 1.5, f"reading 27k entries took {min(elapsed):.2f} s of CPU (target ~0.15 s)"
    assert header_clsid == AAF_CLSID
    assert flatten(root) == expected
    assert_cfb_order(root)
