"""The AAF written by copying the adapter's first shot (aiuteur/export/aaf_cut_writer.py) holds what
the OTIO AAF adapter writes for the whole cut: every object, every property, the same values.

Both files are read with pyaaf2 and walked from the composition down through every source clip to
the mobs it names; MobIDs the adapter draws at random (file and tape mobs) are compared by the
place they are first met, the master mobs' by value (they come from the timeline), creation
times are left out. Cuts the copy does not cover are written by the adapter as before.
"""
from __future__ import annotations

import re
from pathlib import Path

import aaf2
import opentimelineio as otio
import pytest

from aiuteur.export import NTSC_FILM, AudioStem, CutClip
from aiuteur.export import aaf_cut_writer
from aiuteur.export.aaf_cut_writer import replicable, write_aaf
from aiuteur.export.exporters import _aaf_prepare, get_exporter
from aiuteur.export.package import _relativize, build_timeline

TIMESTAMPS = {"CreationTime", "LastModified"}


def _cut(root: Path, rate: float, shots: int, *, handles=lambda i: 6, stems: bool = True,
         name=lambda i: f"SC{i // 8 + 1:03d}0_SH{i % 8 + 1:03d}0") -> otio.schema.Timeline:
    """A cut as a package builds it for the AAF exporter (relative media, a MobID per clip)."""
    (root / "media").mkdir(parents=True, exist_ok=True)
    (root / "sound").mkdir(exist_ok=True)
    clips = []
    for i in range(shots):
        media = root / "media" / f"{name(i)}_v{i % 3 + 1:03d}.mov"
        media.touch()
        frames = 40 + (i * 7) % 53
        clips.append(CutClip(shot_id=name(i), scene_number=i // 8 + 1, scene_heading="INT. ROOM - DAY",
                             media_path=media, frames=frames, rate=rate, source_start_frame=handles(i),
                             media_frames=frames + 2 * handles(i), name=name(i)))
    audio = []
    for stem in ("dialogue", "effects", "music") if stems else ():
        (root / "sound" / f"{stem}.wav").touch()
        audio.append(AudioStem(name=stem, media_path=root / "sound" / f"{stem}.wav",
                               frames=sum(c.frames for c in clips)))
    timeline = build_timeline(clips, "Cut", film_metadata={}, audio=audio, check_media=True)
    _relativize(timeline, root)
    return _aaf_prepare(timeline)


def _canonical(path: Path) -> list:
    """Everything the file says about the cut, with random MobIDs named by where they are first met."""
    labels: dict[str, str] = {}
    with aaf2.open(str(path), "r") as f:
        mobs = {str(m.mob_id): m for m in f.content.mobs}
        queue = [m for m in f.content.mobs if m.classdef.class_name == "CompositionMob"]
        seen: set[str] = set()
        out = []

        def mob_label(mob_id) -> str:
            key = str(mob_id)
            if key not in mobs:
                return "none" if mob_id is None or int(mob_id.int) == 0 else f"missing:{key}"
            if key not in labels:
                labels[key] = f"mob{len(labels)}"
                queue.append(mobs[key])
            return labels[key]

        def value(p) -> object:
            if isinstance(p, aaf2.properties.StrongRefProperty):
                return obj(p.value)
            if isinstance(p, aaf2.properties.StrongRefVectorProperty):
                return [obj(o) for o in p.value]
            if isinstance(p, aaf2.properties.StrongRefSetProperty):
                return sorted((repr(obj(o)) for o in p.value))
            if isinstance(p, aaf2.properties.WeakRefProperty):
                return f"ref:{p.ref}"
            if isinstance(p, aaf2.properties.WeakRefArrayProperty):
                return [f"ref:{o.auid}" for o in p.value]
            v = p.value
            if isinstance(v, aaf2.mobid.MobID):
                return mob_label(v)
            return re.sub(r" at 0x[0-9a-f]+", "", repr(v))  # no object addresses

        def obj(o) -> tuple:
            props = {p.name: value(p) for p in o.property_entries.values() if p.name not in TIMESTAMPS}
            return (o.classdef.class_name, sorted(props.items(), key=lambda kv: kv[0]))

        while queue:
            mob = queue.pop(0)
            if str(mob.mob_id) in seen:
                continue
            seen.add(str(mob.mob_id))
            label = labels.setdefault(str(mob.mob_id), f"mob{len(labels)}")
            out.append((label, obj(mob)))
        assert seen == set(mobs), "a mob no clip leads to"
        out.append(("dictionary", obj(f.dictionary)))
        out.append(("masters", sorted(str(m.mob_id) for m in f.content.mastermobs())))
    return out


def _both(tmp_path: Path, timeline: otio.schema.Timeline) -> tuple[list, list]:
    adapter, ours = tmp_path / "adapter.aaf", tmp_path / "ours.aaf"
    otio.adapters.write_to_file(timeline, str(adapter), adapter_name="AAF")
    write_aaf(timeline, ours)
    return _canonical(adapter), _canonical(ours)


@pytest.mark.parametrize("rate", [24.0, NTSC_FILM, 25.0], ids=["24", "23.976", "25"])
def test_the_copy_holds_what_the_adapter_writes(tmp_path, rate, monkeypatch):
    timeline = _cut(tmp_path / "Cut_v001", rate, 23)
    assert replicable(timeline)
    copied = []
    real = aaf_cut_writer.write_compound_file
    monkeypatch.setattr(aaf_cut_writer, "write_compound_file", lambda *a, **k: copied.append(1) or real(*a, **k))
    adapter, ours = _both(tmp_path, timeline)
    assert copied, "the copy was not used"
    assert ours == adapter
    assert len(ours) == 1 + 3 * (23 + 3) + 2  # composition, tape + file + master mobs per shot and stem, dictionary, masters


@pytest.mark.parametrize("handles", [lambda i: 0 if i == 0 else 5, lambda i: 4 if i == 0 else 0,
                                     lambda i: i % 3], ids=["first-untrimmed", "only-first-trimmed", "mixed"])
def test_trimmed_and_untrimmed_shots_get_the_adapters_marks(tmp_path, handles):
    timeline = _cut(tmp_path / "Cut_v001", 24.0, 9, handles=handles)
    adapter, ours = _both(tmp_path, timeline)
    assert ours == adapter


def test_names_and_urls_of_any_length_and_script(tmp_path):
    names = ["A", "SC010_SH0010", "Ébauche_été", "镜头_二", "x" * 60, "SC020_SH0020"]
    timeline = _cut(tmp_path / "Cut_v001", 25.0, len(names), stems=False, name=lambda i: names[i])
    adapter, ours = _both(tmp_path, timeline)
    assert ours == adapter


def test_a_cut_it_does_not_cover_is_written_by_the_adapter(tmp_path, monkeypatch):
    timeline = _cut(tmp_path / "Cut_v001", 24.0, 4)
    video = timeline.video_tracks()[0]
    video.insert(2, otio.schema.Gap(source_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(0, 24), otio.opentime.RationalTime(12, 24))))
    assert not replicable(timeline)
    monkeypatch.setattr(aaf_cut_writer, "write_compound_file", lambda *a, **k: pytest.fail("copied a gap"))
    adapter, ours = _both(tmp_path, timeline)
    assert ours == adapter


def test_hook_scripts_on_the_adapters_write_hooks_get_the_whole_cut(tmp_path, monkeypatch):
    """A pre/post write hook script may change the file as it sees fit: the adapter writes it all."""
    from otio_aaf_adapter.adapters.aaf_adapter import hooks

    timeline = _cut(tmp_path / "Cut_v001", 24.0, 3)
    assert replicable(timeline)
    monkeypatch.setattr(otio.hooks, "names", lambda: [hooks.HOOK_POST_WRITE_TRANSCRIBE])
    monkeypatch.setattr(otio.hooks, "scripts_attached_to",
                        lambda hook: ["studio_stamp"] if hook == hooks.HOOK_POST_WRITE_TRANSCRIBE else [])
    assert not replicable(timeline)


def test_shots_sharing_media_are_left_to_the_adapter(tmp_path):
    timeline = _cut(tmp_path / "Cut_v001", 24.0, 3)
    clips = list(timeline.find_clips())
    clips[2].metadata["AAF"]["MobID"] = clips[0].metadata["AAF"]["MobID"]
    assert not replicable(timeline)


def test_an_adapter_writing_otherwise_is_left_to_write_the_whole_cut(tmp_path, monkeypatch):
    """Every value the copy replaces is checked against the adapter's first shot first."""
    timeline = _cut(tmp_path / "Cut_v001", 24.0, 5)
    monkeypatch.setattr(aaf_cut_writer, "_tape_length", lambda rate: 1)  # the tape is no longer recognised
    monkeypatch.setattr(aaf_cut_writer, "write_compound_file", lambda *a, **k: pytest.fail("copied anyway"))
    adapter, ours = _both(tmp_path, timeline)
    assert ours == adapter


def test_the_exporter_writes_with_it_and_its_check_reads_the_file(tmp_path):
    timeline = _cut(tmp_path / "Cut_v001", 24.0, 12)
    exporter = get_exporter("aaf")
    path = tmp_path / "Cut_v001" / "Cut.aaf"
    exporter.render(timeline, path, 24.0)
    reading = exporter.read_cut(path, 24.0)
    assert [name for name, _ in reading.cut] == [c.name for c in timeline.video_tracks()[0]]
    assert [frames for _, frames in reading.cut] == [c.duration().to_frames() for c in timeline.video_tracks()[0]]
    read_by_adapter = otio.adapters.read_from_file(str(path), adapter_name="AAF")
    assert [c.name for c in read_by_adapter.find_clips()][:12] == [c.name for c in timeline.video_tracks()[0]]
