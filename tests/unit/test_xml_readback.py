"""The FCP 7 and FCP X XMLs are checked by reading them back with ElementTree directly
(aiuteur/export/xml_readback.py).

Each XML here is written by the real exporters (otio-fcp-adapter, otio-fcpx-xml-adapter) through
`package.write_timelines`, which also checks it: shots with handles (each clip starts inside its
media), a non-ASCII name and a long one, three sound stems. The direct read must give exactly what
the adapter-based read gives (names, lengths, media references), and a file changed after the fact
— a clip's length, a clip removed, two clips swapped, a media path, another rate, a clip pointing
nowhere, a file cut short — must be refused with an ExportError that says which clip.
"""
from __future__ import annotations

import dataclasses
import re
import shutil
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from aiuteur.export import NTSC_FILM, AudioStem, CutClip, ExportError, Exporter, resolve_media
from aiuteur.export.exporters import get_exporter
from aiuteur.export.package import write_timelines
from aiuteur.export.readback import CutReading, cut_reading, verify_timeline
from aiuteur.export.xml_readback import read_fcp7_cut, read_fcpx_cut

SHOTS = ["SC010_SH0010", "SC010_SH0020 Été – café Ñandú 日本語 & <b>", "SC020_SH0010",
         "SC020_SH0020_" + "a_very_long_shot_name_from_a_screenplay_" * 3, "SC020_SH0030"]
#: 113 frames at 25 fps is "113/25s", which otio-fcpx-xml-adapter 1.0 alone reads as 112
FRAMES = [113, 37, 44, 51, 58]
STEMS = ["dialogue", "effects", "music"]
HANDLE = 4  # frames of media before each clip's first frame, and twice that after its last

READERS: dict[str, Callable[[Path, float], CutReading]] = {"fcp7": read_fcp7_cut, "fcpx": read_fcpx_cut}
#: every (format, rate) written: FCP X does not take 23.976 (Exporter.supports)
CASES = [("fcp7", 24.0), ("fcp7", NTSC_FILM), ("fcp7", 25.0), ("fcpx", 24.0), ("fcpx", 25.0)]


def _write(root: Path, rate: float, shots: list[str],
           frames: list[int]) -> tuple[dict[str, Path], list[tuple[str, int]]]:
    """A cut with three stems, empty placeholder media (all a timeline needs), written as FCP 7 XML
    and (at the rates it takes) FCP X XML."""
    (root / "media").mkdir(parents=True)
    (root / "sound").mkdir()
    clips = []
    for shot_id, length in zip(shots, frames):
        media = root / "media" / f"{shot_id}_v002.mov"
        media.touch()
        clips.append(CutClip(shot_id=shot_id, scene_number=int(shot_id[2:5]), scene_heading="INT. CAFÉ - DAY",
                             media_path=media, frames=length, rate=rate, source_start_frame=HANDLE,
                             media_frames=length + 3 * HANDLE, name=shot_id))
    stems = []
    for name in STEMS:
        (root / "sound" / f"{name}.wav").touch()
        stems.append(AudioStem(name=name, media_path=root / "sound" / f"{name}.wav",
                               frames=sum(c.frames for c in clips)))
    chosen = [e for e in (get_exporter("fcp7"), get_exporter("fcpx")) if e.supports(rate)]
    written = write_timelines(clips, stems, "Cut", root, chosen)
    return written, [(c.shot_id, c.frames) for c in clips]


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[tuple[str, float], tuple[Path, list[tuple[str, int]]]]:
    out = {}
    for rate in (24.0, NTSC_FILM, 25.0):
        paths, expected = _write(tmp_path_factory.mktemp("xml") / "Cut_v001", rate, SHOTS, FRAMES)
        for name, path in paths.items():
            out[name, rate] = (path, expected)
    return out


def _through_adapter(name: str) -> Exporter:
    """The exporter as it was: its file read back through its OTIO adapter."""
    return dataclasses.replace(get_exporter(name), reader=None)


@pytest.mark.parametrize("name,rate", CASES, ids=[f"{n}-{r:.5g}" for n, r in CASES])
def test_the_direct_read_gives_what_the_adapter_gives(written, name, rate, monkeypatch):
    path, expected = written[name, rate]
    through_adapter = _through_adapter(name).read_cut(path, rate)
    assert through_adapter == cut_reading(get_exporter(name).read(path, rate))

    def no_adapter(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the XML check must not read the file through the adapter")

    monkeypatch.setattr(Exporter, "read", no_adapter)
    direct = get_exporter(name).read_cut(path, rate)  # what the package's check calls
    assert direct == READERS[name](path, rate) == through_adapter
    assert direct.cut == expected
    pictures = [(shot, f"media/{shot}_v002.mov") for shot in SHOTS]
    sounds = [(stem, f"sound/{stem}.wav") for stem in STEMS]
    # the FCP X adapter's tracks are its lanes sorted by their text: "-1", "-2", "-3" (the stems), "0"
    assert direct.references == (pictures + sounds if name == "fcp7" else sounds + pictures)
    assert all(resolve_media(url, path.parent).is_file() for _, url in direct.references)
    assert verify_timeline(get_exporter(name), path, path.parent, rate, expected) == direct.references


# -- a file changed after it was written ------------------------------------------------------------------
Tamper = Callable[[ET.Element], None]  # the root element, changed in place


def _tampered(path: Path, tmp_path: Path, tamper: Tamper) -> Path:
    """A copy of the package folder whose XML was changed with ElementTree."""
    folder = tmp_path / "changed"
    shutil.copytree(path.parent, folder)
    copy = folder / path.name
    tree = ET.parse(copy)
    tamper(tree.getroot())
    tree.write(copy, encoding="utf-8", xml_declaration=True)
    return copy


# FCP 7: clipitems with start/end on the track, in/out in their file, a <file> each
def _items(root: ET.Element) -> list[ET.Element]:
    return root.findall("project/children/sequence/media/video/track/clipitem")


def _add(item: ET.Element, frames: int, *tags: str) -> None:
    for tag in tags:
        element = item.find(tag)
        element.text = str(int(element.text) + frames)


def _fcp7_lengthen(root: ET.Element) -> None:
    """A frame more for clip 2, the clips after it moved along (a ripple edit)."""
    items = _items(root)
    _add(items[1], 1, "duration", "end", "out")
    for item in items[2:]:
        _add(item, 1, "start", "end")


def _fcp7_remove(root: ET.Element) -> None:
    track = root.find("project/children/sequence/media/video/track")
    track.remove(_items(root)[2])


def _fcp7_swap(root: ET.Element) -> None:
    """Clips 2 and 3 trade places (and timings): the cut plays them the other way round."""
    track = root.find("project/children/sequence/media/video/track")
    second, third = _items(root)[1:3]
    start = int(second.find("start").text)
    length = int(third.find("duration").text)
    _add(third, start - int(third.find("start").text), "start", "end")
    _add(second, start + length - int(second.find("start").text), "start", "end")
    index = list(track).index(second)
    track.remove(third)
    track.insert(index, third)


def _fcp7_relocate(root: ET.Element) -> None:
    _items(root)[3].find("file/pathurl").text = "media/not_there.mov"


def _fcp7_nowhere(root: ET.Element) -> None:
    item = _items(root)[2]
    item.remove(item.find("file"))
    item.insert(1, ET.Element("file", id="file-99"))


def _fcp7_second_sequence(root: ET.Element) -> None:
    children = root.find("project/children")
    children.append(ET.fromstring(ET.tostring(children.find("sequence"))))


def _fcp7_past_its_media(root: ET.Element) -> None:
    _add(_items(root)[0], 9, "in", "out")  # 113 frames from 13: its media has 125


def _fcp7_no_duration(root: ET.Element) -> None:
    item = _items(root)[1]
    item.remove(item.find("duration"))


def _fcp7_other_rate(root: ET.Element) -> None:
    for timebase in root.iter("timebase"):
        timebase.text = "30"


# FCP X: a spine of clips end to end (offset, duration, start in their asset), assets in the resources
def _spine(root: ET.Element) -> ET.Element:
    return root.find("project/sequence/spine")


def _frame(root: ET.Element) -> Fraction:
    return Fraction(root.find("resources/format").get("frameDuration")[:-1])


def _time(text: str | None) -> Fraction:
    return Fraction(0) if text in (None, "0s") else Fraction(text[:-1])


def _spell(value: Fraction) -> str:
    return f"{value.numerator}s" if value.denominator == 1 else f"{value.numerator}/{value.denominator}s"


def _shift(clip: ET.Element, attribute: str, by: Fraction) -> None:
    clip.set(attribute, _spell(_time(clip.get(attribute)) + by))


def _fcpx_lengthen(root: ET.Element) -> None:
    clips = _spine(root).findall("clip")
    _shift(clips[1], "duration", _frame(root))
    for clip in clips[2:]:
        _shift(clip, "offset", _frame(root))


def _fcpx_remove(root: ET.Element) -> None:
    _spine(root).remove(_spine(root).findall("clip")[2])


def _fcpx_swap(root: ET.Element) -> None:
    """Clips 2 and 3 trade places (and offsets)."""
    spine = _spine(root)
    second, third = spine.findall("clip")[1:3]
    third.set("offset", second.get("offset"))
    _shift(second, "offset", _time(third.get("duration")))
    spine.remove(third)
    spine.insert(1, third)


def _fcpx_shuffle(root: ET.Element) -> None:
    """Clips 2 and 3 trade places in the file but keep their offsets (the adapter sorts them back)."""
    spine = _spine(root)
    third = spine.findall("clip")[2]
    spine.remove(third)
    spine.insert(1, third)


def _fcpx_relocate(root: ET.Element) -> None:
    ref = _spine(root).findall("clip")[3].find("video").get("ref")
    root.find(f"resources/asset[@id='{ref}']").set("src", "media/not_there.mov")


def _fcpx_nowhere(root: ET.Element) -> None:
    _spine(root).findall("clip")[2].find("video").set("ref", "r99")


def _fcpx_second_project(root: ET.Element) -> None:
    root.append(ET.fromstring(ET.tostring(root.find("project"))))


def _fcpx_past_its_media(root: ET.Element) -> None:
    _shift(_spine(root).findall("clip")[0], "start", 9 * _frame(root))  # 113 frames from 13: its media has 125


def _fcpx_no_duration(root: ET.Element) -> None:
    del _spine(root).findall("clip")[1].attrib["duration"]


def _fcpx_other_rate(root: ET.Element) -> None:
    root.find("resources/format").set("frameDuration", "1/30s")


def _clip(number: int) -> str:
    """How a compare of the read cut with the expected one names clip ``number`` (1-based)."""
    return re.escape(repr(SHOTS[number - 1]))


#: (format, tamper, message): what the adapter-based check caught, and the direct read still must
CAUGHT_BEFORE = [
    ("fcp7", _fcp7_lengthen, r"clip 2 duration in frames is 38, expected 37"),
    ("fcp7", _fcp7_remove, rf"clip 3 name is '<gap>', expected {_clip(3)}"),
    ("fcp7", _fcp7_swap, rf"clip 2 name is {_clip(3)}, expected {_clip(2)}"),
    ("fcp7", _fcp7_relocate, rf"clip {re.escape(SHOTS[3])} points at 'media/not_there.mov', which does not resolve"),
    ("fcp7", _fcp7_nowhere, r"item 3 of track V1 \(SC020_SH0010\) refers to file 'file-99', which the XML does not "
                            r"define"),
    ("fcp7", _fcp7_second_sequence, r"Cut.xml holds 2 sequences, expected one timeline"),
    ("fcpx", _fcpx_lengthen, r"clip 2 duration in frames is 38, expected 37"),
    ("fcpx", _fcpx_remove, rf"clip 3 name is '<gap>', expected {_clip(3)}"),
    ("fcpx", _fcpx_swap, rf"clip 2 name is {_clip(3)}, expected {_clip(2)}"),
    ("fcpx", _fcpx_relocate, rf"clip {re.escape(SHOTS[3])} points at 'media/not_there.mov', which does not resolve"),
    ("fcpx", _fcpx_nowhere, r"item 3 of the spine \(SC020_SH0010\) refers to asset 'r99', which the resources do "
                            r"not define"),
    ("fcpx", _fcpx_no_duration, rf"item 2 of the spine \({_clip(2)[1:-1]}\) has no duration"),
    ("fcpx", _fcpx_other_rate, r"the sequence is at 30 fps \(format r1\), expected 24 fps"),
]
#: what the adapter read around (a clip longer than its media, a clipitem's duration, the rate of an FCP 7
#: XML, the order of the spine, a second project), which the direct read refuses
CAUGHT_NOW = [
    ("fcp7", _fcp7_past_its_media, r"item 1 of track V1 \(SC010_SH0010\) plays frames 13..126 of media 125 "
                                   r"frames long"),
    ("fcp7", _fcp7_no_duration, rf"item 2 of track V1 \({_clip(2)[1:-1]}\) has no duration"),
    ("fcp7", _fcp7_other_rate, r"the sequence is at 30 fps, expected 24 fps"),
    ("fcpx", _fcpx_past_its_media, r"item 1 of the spine \(SC010_SH0010\) plays frames 13..126 of media 125 "
                                   r"frames long"),
    ("fcpx", _fcpx_shuffle, rf"item 3 of the spine \({_clip(2)[1:-1]}\) starts at frame 113, before the item "
                            rf"before it ends \(frame 194\)"),
    ("fcpx", _fcpx_second_project, r"Cut.fcpxml holds 2 projects, expected one timeline"),
]


@pytest.mark.parametrize("name,tamper,message", CAUGHT_BEFORE + CAUGHT_NOW,
                         ids=[t.__name__.strip("_") for _, t, _ in CAUGHT_BEFORE + CAUGHT_NOW])
def test_a_changed_xml_is_refused_saying_which_clip(written, tmp_path, name, tamper, message):
    path, expected = written[name, 24.0]
    changed = _tampered(path, tmp_path, tamper)
    with pytest.raises(ExportError, match=message) as refused:
        verify_timeline(get_exporter(name), changed, changed.parent, 24.0, expected)
    assert refused.value.path == changed
    if (name, tamper, message) in CAUGHT_BEFORE:  # as strict as the adapter-based check was
        with pytest.raises(ExportError):
            verify_timeline(_through_adapter(name), changed, changed.parent, 24.0, expected)


@pytest.mark.parametrize("name,tamper", [("fcp7", _fcp7_remove), ("fcpx", _fcpx_remove)], ids=["fcp7", "fcpx"])
def test_a_gap_reads_as_the_adapter_reads_it(written, tmp_path, name, tamper):
    path, _ = written[name, 25.0]
    changed = _tampered(path, tmp_path, tamper)
    direct = READERS[name](changed, 25.0)
    assert direct == _through_adapter(name).read_cut(changed, 25.0)
    assert direct.cut[2] == ("<gap>", FRAMES[2]) and len(direct.references) == len(SHOTS) - 1 + len(STEMS)


def test_a_media_file_used_twice_reads_as_the_adapter_reads_it(tmp_path):
    """The second clip of a media file refers back to the first one's <file> (FCP 7) or asset (FCP X)."""
    paths, expected = _write(tmp_path / "Twice_v001", 24.0, [SHOTS[0], SHOTS[1], SHOTS[0]], [30, 20, 25])
    files = ET.parse(paths["fcp7"]).getroot().findall(".//clipitem/file[@id='file-1']")
    assert len(files) == 2 and files[1].find("pathurl") is None
    for name, path in paths.items():
        direct = READERS[name](path, 24.0)
        assert direct == _through_adapter(name).read_cut(path, 24.0) and direct.cut == expected


def test_a_clip_repeated_as_it_is_is_refused_in_fcp7(tmp_path):
    """otio-fcp-adapter writes a clip equal to an earlier one (same shot, range and scene marker) as a
    back-reference to it, ``<clipitem id="clipitem-1"/>``, which has no place of its own on the track (the
    adapter read it at the first one's place, then a gap after it). A package never repeats a shot."""
    shots = [SHOTS[0], SHOTS[2], SHOTS[0]]  # scenes 10, 20, 10: the repeat starts a scene again, like the first
    with pytest.raises(ExportError, match=r"Cut.xml: item 3 of track V1 repeats clipitem-1 instead of placing a "
                                          r"clip of its own"):
        _write(tmp_path / "Again_v001", 24.0, shots, [30, 20, 30])


@pytest.mark.parametrize("name", ["fcp7", "fcpx"])
def test_a_file_that_is_not_the_xml_we_write_is_refused(written, tmp_path, name):
    path, _ = written[name, 24.0]
    whole = path.read_bytes()
    for broken in (whole[: len(whole) // 2], b"\x00\xffnot xml at all" * 50, b""):
        copy = tmp_path / path.name
        copy.write_bytes(broken)
        with pytest.raises(ExportError, match=rf"cannot read {path.name} back as XML: ParseError") as refused:
            READERS[name](copy, 24.0)
        assert refused.value.path == copy
    copy.write_text("<?xml version='1.0'?><something><else/></something>", encoding="utf-8")
    with pytest.raises(ExportError, match=r"holds 0 sequences|not an FCP X XML"):
        READERS[name](copy, 24.0)
    with pytest.raises(ExportError, match=r"does not exist"):
        READERS[name](tmp_path / f"missing{path.suffix}", 24.0)


def test_600_clips_cost_a_third_of_the_adapter_at_most(tmp_path):
    shots = [f"SC{index // 8 * 10 + 10:03d}_SH{index % 8 * 10 + 10:04d}" for index in range(600)]
    paths, expected = _write(tmp_path / "Long_v001", 24.0, shots, [72 + index % 49 for index in range(600)])
    for name, path in paths.items():
        started = time.process_time()
        through_adapter = _through_adapter(name).read_cut(path, 24.0)
        adapter_cpu = time.process_time() - started
        direct_cpu = float("inf")
        for _ in range(3):  # the best of three: a CPU second stolen by the machine is not the reader's
            started = time.process_time()
            direct = READERS[name](path, 24.0)
            direct_cpu = min(direct_cpu, time.process_time() - started)
        assert direct == through_adapter and direct.cut == expected
        assert direct_cpu <= adapter_cpu / 3, f"{name}: direct {direct_cpu:.3f} s, adapter {adapter_cpu:.3f} s"
