"""The AAF is checked by reading its storages directly (aiuteur/export/aaf_readback.py), not through the adapter.

Each AAF here is written by the real exporter (otio-aaf-adapter + pyaaf2) through
`package.write_timelines`, which also checks it. The direct read must give exactly what the
adapter-based read gives (names, lengths, media references), and a file changed after the fact
with pyaaf2 — a clip's length, a clip removed, two clips swapped, a locator, a clip pointing
nowhere — must be refused with an ExportError that says which clip.
"""
from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aaf2
import pytest

from aiuteur.export import NTSC_FILM, AudioStem, CutClip, ExportError, Exporter, resolve_media
from aiuteur.export.aaf_readback import read_aaf_cut
from aiuteur.export.exporters import get_exporter
from aiuteur.export.package import write_timelines
from aiuteur.export.readback import verify_timeline

SHOTS = ["SC010_SH0010", "SC010_SH0020", "SC020_SH0010", "SC020_SH0020", "SC020_SH0030"]
STEMS = ["dialogue", "effects", "music"]


def _frames(index: int) -> int:
    return 30 + 7 * index


def _write_aaf(root: Path, rate: float) -> tuple[Path, list[tuple[str, int]]]:
    """A 5-shot cut with three stems, empty placeholder media (all a timeline needs), written as an AAF."""
    (root / "media").mkdir(parents=True)
    (root / "sound").mkdir()
    clips = []
    for index, shot_id in enumerate(SHOTS):
        media = root / "media" / f"{shot_id}_v002.mov"
        media.touch()
        clips.append(CutClip(shot_id=shot_id, scene_number=int(shot_id[2:5]), scene_heading="INT. ROOM - DAY",
                             media_path=media, frames=_frames(index), rate=rate, source_start_frame=4,
                             media_frames=_frames(index) + 8, name=shot_id))
    stems = []
    for name in STEMS:
        (root / "sound" / f"{name}.wav").touch()
        stems.append(AudioStem(name=name, media_path=root / "sound" / f"{name}.wav",
                               frames=sum(c.frames for c in clips)))
    written = write_timelines(clips, stems, "Cut", root, [get_exporter("aaf")])
    return written["aaf"], [(c.shot_id, c.frames) for c in clips]


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[float, tuple[Path, list[tuple[str, int]]]]:
    out = {}
    for rate in (24.0, NTSC_FILM, 25.0):
        out[rate] = _write_aaf(tmp_path_factory.mktemp("aaf") / "Cut_v001", rate)
    return out


def _through_adapter() -> Exporter:
    """The AAF exporter as it was: its file read back through the OTIO AAF adapter."""
    return dataclasses.replace(get_exporter("aaf"), reader=None)


@pytest.mark.parametrize("rate", [24.0, NTSC_FILM, 25.0], ids=["24", "23.976", "25"])
def test_the_direct_read_gives_what_the_adapter_gives(written, rate, monkeypatch):
    path, expected = written[rate]
    through_adapter = _through_adapter().read_cut(path, rate)

    def no_adapter(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the AAF check must not read the file through the adapter")

    monkeypatch.setattr(Exporter, "read", no_adapter)
    direct = get_exporter("aaf").read_cut(path, rate)  # what the package's check calls
    assert direct == read_aaf_cut(path, rate) == through_adapter
    assert direct.cut == expected
    assert direct.references == [(shot, f"file://media/{shot}_v002.mov") for shot in SHOTS] + \
        [(stem, f"file://sound/{stem}.wav") for stem in STEMS]
    assert all(resolve_media(url, path.parent).is_file() for _, url in direct.references)
    assert verify_timeline(get_exporter("aaf"), path, path.parent, rate, expected) == direct.references


# -- a file changed after it was written ------------------------------------------------------------------
Tamper = Callable[[Any, Any, Any], None]  # (file, top-level composition, picture sequence)


def _tampered(path: Path, tmp_path: Path, tamper: Tamper) -> Path:
    """A copy of the package folder whose AAF was changed with pyaaf2."""
    folder = tmp_path / "changed"
    shutil.copytree(path.parent, folder)
    copy = folder / path.name
    with aaf2.open(str(copy), "rw") as aaf:
        composition = next(aaf.content.toplevel())
        tamper(aaf, composition, composition.slot_at(1).segment)
    return copy


def _lengthen(aaf: Any, composition: Any, sequence: Any) -> None:
    sequence.components[1].length += 1


def _remove(aaf: Any, composition: Any, sequence: Any) -> None:
    sequence.components.pop(2)


def _swap(aaf: Any, composition: Any, sequence: Any) -> None:
    sequence.components.insert(2, sequence.components.pop(1))


def _relocate(aaf: Any, composition: Any, sequence: Any) -> None:
    file_mob = sequence.components[3].mob.slot_at(1).segment.mob
    file_mob.descriptor["Locator"][0]["URLString"].value = "media/not_there.mov"


def _gap(aaf: Any, composition: Any, sequence: Any) -> None:
    length = sequence.components[2].length
    sequence.components.pop(2)
    sequence.components.insert(2, aaf.create.Filler("picture", length))


def _past_its_media(aaf: Any, composition: Any, sequence: Any) -> None:
    sequence.components[0].start = 12  # 30 frames from 12: its media has 38


def _nowhere(aaf: Any, composition: Any, sequence: Any) -> None:
    sequence.components[4].mob_id = aaf2.mobid.MobID.new()


def _other_rate(aaf: Any, composition: Any, sequence: Any) -> None:
    composition.slot_at(1).edit_rate = 30


def _second_timeline(aaf: Any, composition: Any, sequence: Any) -> None:
    other = aaf.create.CompositionMob()
    other.name, other.usage = "Other", "Usage_TopLevel"
    aaf.content.mobs.append(other)


#: what the adapter-based check caught, and the direct read still must, with the message it gives
CAUGHT_BEFORE = [
    (_lengthen, r"clip 2 duration in frames is 38, expected 37"),
    (_remove, r"expected 5 clips, read back 4"),
    (_swap, r"clip 2 name is 'SC020_SH0010', expected 'SC010_SH0020'"),
    (_relocate, r"clip SC020_SH0020 points at 'file://media/not_there.mov', which does not resolve"),
    (_gap, r"clip 3 name is '<gap>', expected 'SC020_SH0010'"),
    (_nowhere, r"item 5 of track V1 points at mob .*, which is not a master mob of the file"),
    (_second_timeline, r"holds 2 top-level compositions, expected one timeline"),
]
#: what the adapter read around (a clip longer than its media comes back trimmed or as is; a slot's
#: edit rate is not compared), which the direct read refuses
CAUGHT_NOW = [
    (_past_its_media, r"item 1 of track V1 \(SC010_SH0010\) plays frames 12..42 of media 38 frames long"),
    (_other_rate, r"the picture track's edit rate is 30, expected 24 fps"),
]


@pytest.mark.parametrize("tamper,message", CAUGHT_BEFORE + CAUGHT_NOW,
                         ids=[t.__name__.strip("_") for t, _ in CAUGHT_BEFORE + CAUGHT_NOW])
def test_a_changed_aaf_is_refused_saying_which_clip(written, tmp_path, tamper, message):
    path, expected = written[24.0]
    changed = _tampered(path, tmp_path, tamper)
    with pytest.raises(ExportError, match=message) as refused:
        verify_timeline(get_exporter("aaf"), changed, changed.parent, 24.0, expected)
    assert refused.value.path == changed
    if (tamper, message) in CAUGHT_BEFORE:  # as strict as the adapter-based check was
        with pytest.raises(ExportError):
            verify_timeline(_through_adapter(), changed, changed.parent, 24.0, expected)


def test_a_gap_reads_as_the_adapter_reads_it(written, tmp_path):
    path, _ = written[24.0]
    changed = _tampered(path, tmp_path, _gap)
    direct = read_aaf_cut(changed, 24.0)
    assert direct == _through_adapter().read_cut(changed, 24.0)
    assert direct.cut[2] == ("<gap>", _frames(2)) and len(direct.references) == len(SHOTS) - 1 + len(STEMS)


def test_a_file_that_is_not_an_aaf_is_refused(tmp_path):
    broken = tmp_path / "Cut.aaf"
    broken.write_bytes(b"not a compound file" * 100)
    with pytest.raises(ExportError, match=r"cannot read Cut.aaf back as an AAF: .*not a compound file"):
        read_aaf_cut(broken, 24.0)
    with pytest.raises(ExportError, match=r"does not exist"):
        read_aaf_cut(tmp_path / "missing.aaf", 24.0)
