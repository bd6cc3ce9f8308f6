"""The delivery package an editor opens as it is (issue 11 part 3).

Real tiny clips are encoded with ffmpeg; packages are written, moved to another folder and read
back through OTIO's adapters the way an editing suite would receive them. Every format is checked:
otio-fcpx-xml-adapter and otio-aaf-adapter (with pyaaf2) are in the lock, so FCP X XML and AAF are
required here, and the only format a package may skip is FCP X XML at 23.976 (an adapter limit,
docs/delivery.md).
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from fractions import Fraction
from importlib.metadata import EntryPoint
from pathlib import Path

import opentimelineio as otio
import pytest

from aiuteur.export import NTSC_FILM, ExportError
from aiuteur.export import package as package_module
from aiuteur.export.encode import probe_stream
from aiuteur.export.exporters import BUILTIN, Exporter, available, exporters, plugin_problems
from aiuteur.export.package import (
    PackageCut, PackageOptions, PackageShot, read_manifest, resolve_media, verify_package, write_package,
)
from aiuteur.render._ffmpeg import ffmpeg_exe

pytestmark = pytest.mark.slow  # encodes real (tiny) video with ffmpeg

FFMPEG_RATE = {24.0: "24", NTSC_FILM: "24000/1001", 25.0: "25", 30.0: "30"}
ADAPTER_FOR = {"otio": "otio_json", "edl": "cmx_3600", "fcp7": "fcp_xml", "fcpx": "fcpx_xml", "aaf": "AAF"}
EVERY_FORMAT = {"otio", "edl", "fcp7", "fcpx", "aaf"}

#: a plug-in exporter for the entry-point test
PLUGIN = Exporter("otio_copy", ".copy.otio", "otio_json", "opentimelineio", "OTIO (plug-in copy)")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[tuple[float, int, int], Path]:
    """Tiny generated clips keyed by (rate, frames, pattern): a cache filled on demand."""
    folder = tmp_path_factory.mktemp("generated")
    made: dict[tuple[float, int, int], Path] = {}

    def make(rate: float, frames: int, pattern: int) -> Path:
        key = (rate, frames, pattern)
        if key not in made:
            out = folder / f"clip_{pattern}_{frames}_{FFMPEG_RATE[rate].replace('/', '_')}.mp4"
            source = ["testsrc", "testsrc2", "smptebars", "rgbtestsrc"][pattern % 4]
            subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                            f"{source}=size=160x90:rate={FFMPEG_RATE[rate]}", "-frames:v", str(frames),
                            "-c:v", "libx264", "-pix_fmt", "yuv420p", str(out)], check=True)
            made[key] = out
        return made[key]

    made_fn = make
    made_fn.made = made  # type: ignore[attr-defined]
    return made_fn  # type: ignore[return-value]


@pytest.fixture(scope="module")
def stems(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("stems")
    out = {}
    for name, freq in (("dialogue", 440), ("effects", 220), ("music", 330)):
        out[name] = folder / f"{name}.wav"
        subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                        f"sine=frequency={freq}:duration=6", "-ar", "48000", "-c:a", "pcm_s24le", str(out[name])],
                       check=True)
    return out


def _cut(sources, stems, rate: float, *, other_rate: float, title: str = "Mara’s Night") -> PackageCut:
    """Three shots at the project's rate and one generated at `other_rate` (conformed on export)."""
    plan = [("SC010_SH0010", 10, rate, 48, 0), ("SC010_SH0020", 10, other_rate, 45, 1),
            ("SC020_SH0010", 20, rate, 30, 2), ("SC020_SH0020", 20, rate, 24, 3)]
    shots = []
    for index, (shot_id, scene, src_rate, frames, pattern) in enumerate(plan):
        source = sources(src_rate, frames, pattern)
        shots.append(PackageShot(
            shot_id=shot_id, scene_number=scene, scene_heading=f"INT. SCENE {scene} - NIGHT", source=source,
            source_frames=frames, source_rate=src_rate, cut_frames=round(frames * rate / src_rate),
            version_id=f"ver_{shot_id.lower()}", version_number=index + 2, model="veo-3.1-fast",
            engine="google:veo-3.1-fast", prompt_hash=hashlib.sha256(shot_id.encode()).hexdigest(),
            cost_usd=0.4 * (index + 1)))
    return PackageCut(title=title, rate=rate, shots=shots, stems=stems, metadata={"film_version": "ver_film"})


def _film_frames(cut: PackageCut) -> int:
    """The film's length, computed apart from the package: each clip's seconds at the cut's rate."""
    return sum(round(Fraction(s.source_frames) / Fraction(s.source_rate).limit_denominator(1001)
                     * Fraction(cut.rate).limit_denominator(1001)) for s in cut.shots)


# -- quality bar ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rate,other", [(24.0, 30.0), (NTSC_FILM, 30.0), (25.0, 24.0)],
                         ids=["24fps+30", "23.976fps+30", "25fps+24"])
def test_a_moved_package_reads_back_with_every_reference_resolving_and_the_film_s_length(
        sources, stems, tmp_path, rate, other):
    cut = _cut(sources, stems, rate, other_rate=other)
    result = write_package(cut, tmp_path / "made here", PackageOptions(codec="h264"))
    moved = tmp_path / "another machine" / "Deliveries"
    moved.parent.mkdir()
    shutil.move(str(result.path), str(moved))
    assert not result.path.exists()

    expected = _film_frames(cut)
    names = [s.shot_id for s in cut.shots]
    assert {e.name for e in available()} >= EVERY_FORMAT  # the adapters are installed (uv.lock)
    expected_formats = EVERY_FORMAT - ({"fcpx"} if rate == NTSC_FILM else set())
    assert set(result.timelines) == expected_formats
    if rate == NTSC_FILM:  # the one skip: otio-fcpx-xml-adapter 1.0 cannot write 23.976
        assert list(result.skipped) == ["fcpx"] and "23.976" in result.skipped["fcpx"]
        assert read_manifest(moved)["skipped_formats"] == result.skipped
    else:
        assert result.skipped == {} and read_manifest(moved)["skipped_formats"] == {}
    for fmt, written in result.timelines.items():
        path = moved / written.name
        kwargs = {"rate": rate} if fmt == "edl" else {}
        timeline = otio.adapters.read_from_file(str(path), adapter_name=ADAPTER_FOR[fmt], **kwargs)
        if isinstance(timeline, otio.schema.SerializableCollection):
            (timeline,) = list(timeline.find_children(descended_from_type=otio.schema.Timeline))
        track = timeline.video_tracks()[0]
        clips = [c for c in track if isinstance(c, otio.schema.Clip)]
        assert [c.name for c in clips] == names, fmt
        duration = track.duration()
        assert duration.rate == pytest.approx(rate, abs=1e-6), fmt
        assert round(duration.value) == expected and duration.value == pytest.approx(expected, abs=1e-6), fmt
        for clip in clips:  # every reference resolves, from the moved folder, and holds the cut's frames
            media = resolve_media(clip.media_reference.target_url, path.parent)
            assert media.is_file() and moved in media.parents, (fmt, clip.media_reference.target_url)
            info = probe_stream(media)
            assert info.fps == Fraction(rate).limit_denominator(1001)
            end = clip.source_range.end_time_exclusive().rescaled_to(rate).value
            assert clip.source_range.start_time.value >= 0 and round(end) <= info.frames, fmt
        if fmt != "edl":  # the EDL is picture only; the others carry the stems as audio tracks
            audio = [c for t in timeline.audio_tracks() for c in t if isinstance(c, otio.schema.Clip)]
            assert sorted(Path(resolve_media(c.media_reference.target_url, path.parent)).name for c in audio) == \
                ["dialogue.wav", "effects.wav", "music.wav"], fmt
            assert all(round(c.source_range.duration.rescaled_to(rate).value) == expected for c in audio), fmt
    assert verify_package(moved)["frames"] == expected


def test_the_manifest_names_every_version_model_prompt_cost_and_file_hash(sources, stems, tmp_path):
    cut = _cut(sources, stems, 24.0, other_rate=30.0)
    result = write_package(cut, tmp_path, PackageOptions())
    manifest = json.loads((result.path / "manifest.json").read_text())
    assert manifest == read_manifest(result.path) and manifest["format"] == "aiuteur-delivery/1"
    assert manifest["rate"] == "24/1" and manifest["frames"] == _film_frames(cut)
    assert manifest["total_cost_usd"] == pytest.approx(0.4 + 0.8 + 1.2 + 1.6)
    for entry, shot in zip(manifest["shots"], cut.shots):
        assert entry["file"] == f"media/{shot.shot_id}_v{shot.version_number:03d}.mp4"
        assert (entry["version_id"], entry["model"], entry["prompt_hash"], entry["cost_usd"]) == \
            (shot.version_id, shot.model, shot.prompt_hash, shot.cost_usd)
        assert entry["sha256"] == _sha(result.path / entry["file"])
        assert entry["source_sha256"] == _sha(shot.source)
    assert [s["file"] for s in manifest["sound"]] == ["sound/dialogue.wav", "sound/effects.wav", "sound/music.wav"]
    for entry in [*manifest["sound"], *manifest["timelines"]]:
        assert entry["sha256"] == _sha(result.path / entry["file"])
    (result.path / manifest["shots"][1]["file"]).write_bytes(b"changed by hand")
    with pytest.raises(ExportError, match="missing or changed"):
        verify_package(result.path)


def _placeholder_cut(root: Path, shots: int, rate: float = 24.0):
    """A long cut for the timelines alone (as benchmarks/bench_timelines.py): empty media files."""
    from aiuteur.export import AudioStem, CutClip

    (root / "media").mkdir(parents=True)
    (root / "sound").mkdir()
    clips = []
    for index in range(shots):
        shot_id = f"SC{index // 8 * 10 + 10:03d}_SH{index % 8 * 10 + 10:04d}"
        media = root / "media" / f"{shot_id}_v002.mov"
        media.touch()
        clips.append(CutClip(shot_id=shot_id, scene_number=index // 8 * 10 + 10, scene_heading="INT. ROOM - DAY",
                             media_path=media, frames=30 + index % 7, rate=rate, source_start_frame=6,
                             media_frames=48, name=shot_id))
    (root / "sound" / "music.wav").touch()
    return clips, [AudioStem(name="music", media_path=root / "sound" / "music.wav", frames=sum(c.frames for c in clips))]


def test_a_long_cut_writes_the_aaf_in_a_process_of_its_own_beside_the_others(tmp_path, monkeypatch):
    from aiuteur.export.exporters import get_exporter
    from aiuteur.export.package import write_timelines

    monkeypatch.setattr(package_module, "OWN_PROCESS_MIN_CLIPS", 10)  # 600 shots in the benchmark; 12 here
    root = tmp_path / "Long_v001"
    clips, stems = _placeholder_cut(root, 12)
    chosen = [get_exporter(name) for name in ("otio", "edl", "fcp7", "aaf")]
    steps: list[str] = []
    written = write_timelines(clips, stems, "Long", root, chosen, progress=steps.append)
    assert "writing AAF (Avid Media Composer) (in its own process)" in steps and len(steps) == len(chosen) + 1
    assert list(written) == ["otio", "edl", "fcp7", "aaf"] and written["aaf"] == root / "Long.aaf"
    timeline = otio.adapters.read_from_file(str(written["aaf"]), adapter_name="AAF")
    got = [c for c in timeline.video_tracks()[0] if isinstance(c, otio.schema.Clip)]
    assert [(c.name, c.duration().value) for c in got] == [(c.shot_id, c.frames) for c in clips]
    assert all(resolve_media(c.media_reference.target_url, root).is_file() for c in got)

    broken = tmp_path / "Broken_v001"
    clips, stems = _placeholder_cut(broken, 12)
    (broken / "Long.aaf").mkdir()  # the AAF process cannot write its file: its error comes back here
    with pytest.raises(ExportError, match="Long.aaf"):
        write_timelines(clips, stems, "Long", broken, chosen)


def test_a_long_package_starts_its_aaf_before_encoding_and_checks_its_media_once_written(sources, stems, tmp_path,
                                                                                        monkeypatch):
    monkeypatch.setattr(package_module, "OWN_PROCESS_MIN_CLIPS", 2)  # 100 in a real export; this cut has 4 shots
    events: list[str] = []
    real_popen, real_encode = package_module.subprocess.Popen, package_module.encode_shot

    def popen(args, **kw):
        if "aiuteur.export.apart" in args:  # (ffmpeg runs through Popen too)
            events.append("aaf process")
        return real_popen(args, **kw)

    def encode(source, target, **kw):
        events.append("encode")
        return real_encode(source, target, **kw)

    monkeypatch.setattr(package_module.subprocess, "Popen", popen)
    monkeypatch.setattr(package_module, "encode_shot", encode)
    steps = []
    result = write_package(_cut(sources, stems, 24.0, other_rate=30.0), tmp_path, PackageOptions(), progress=steps.append)
    assert events[:2] == ["aaf process", "encode"] and events.count("encode") == 4
    manifest = verify_package(result.path)  # the AAF included: read back, every reference resolving
    assert {t["format"] for t in manifest["timelines"]} == EVERY_FORMAT
    timeline = otio.adapters.read_from_file(str(result.timelines["aaf"]), adapter_name="AAF")
    assert [c.name for c in timeline.video_tracks()[0] if isinstance(c, otio.schema.Clip)] == \
        [s["shot_id"] for s in manifest["shots"]]
    total = steps[0].total
    assert [s.done for s in steps[:-1]] == list(range(total)) and steps[-2].message == "moving the package into place"
    assert (steps[-1].done, steps[-1].total, steps[-1].message) == (1, 1, f"done: {result.path}")
    assert "writing AAF (Avid Media Composer) (in its own process)" in [s.message for s in steps]


class Stop(BaseException):
    """What a cancelled job raises from its progress report."""


@pytest.mark.parametrize("at", ["encoding", "writing AAF", "moving the package into place"])
def test_a_progress_report_that_raises_stops_the_package_with_nothing_left(sources, stems, tmp_path, monkeypatch, at):
    monkeypatch.setattr(package_module, "OWN_PROCESS_MIN_CLIPS", 2)  # the AAF process is running when it stops
    out = tmp_path / "deliveries"

    def report(step):
        if step.message.startswith(at) and step.done > 0:
            raise Stop(step.message)

    with pytest.raises(Stop):
        write_package(_cut(sources, stems, 24.0, other_rate=30.0), out, PackageOptions(), progress=report)
    assert list(out.iterdir()) == []  # no package, no hidden .part folder


def test_fcpx_named_at_23_976_is_refused_with_the_adapter_s_reason(sources, tmp_path):
    shot = PackageShot(shot_id="SC010_SH0010", scene_number=10, source=sources(NTSC_FILM, 24, 1), source_frames=24,
                       source_rate=NTSC_FILM, cut_frames=24)
    cut = PackageCut(title="Ntsc", rate=NTSC_FILM, shots=[shot])
    with pytest.raises(ExportError, match="cannot write 23.976"):
        write_package(cut, tmp_path / "out", PackageOptions(formats=["otio", "fcpx"]))
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


# -- names, handles, codecs -------------------------------------------------------------------------------
def test_names_are_versioned_and_a_second_export_is_a_new_folder(sources, stems, tmp_path):
    cut = _cut(sources, stems, 24.0, other_rate=24.0)
    first = write_package(cut, tmp_path, PackageOptions())
    before = {p: _sha(p) for p in first.path.rglob("*") if p.is_file()}
    second = write_package(cut, tmp_path, PackageOptions())
    assert (first.path.name, second.path.name) == ("Mara_s_Night_v001", "Mara_s_Night_v002")
    assert sorted(p.name for p in (first.path / "media").iterdir()) == [
        "SC010_SH0010_v002.mp4", "SC010_SH0020_v003.mp4", "SC020_SH0010_v004.mp4", "SC020_SH0020_v005.mp4"]
    assert {p: _sha(p) for p in first.path.rglob("*") if p.is_file()} == before  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Mara_s_Night_v001", "Mara_s_Night_v002"]


def test_handles_keep_frames_either_side_of_the_cut_inside_the_whole_media(sources, tmp_path):
    source = sources(24.0, 48, 0)
    shot = PackageShot(shot_id="SC010_SH0010", scene_number=10, source=source, source_frames=48, source_rate=24,
                       cut_in=10, cut_frames=20, version_id="v", version_number=1)
    cut = PackageCut(title="Trim", rate=24, shots=[shot])
    whole = write_package(cut, tmp_path / "whole", PackageOptions(formats=["otio"]))
    handled = write_package(cut, tmp_path / "handles", PackageOptions(formats=["otio"], handles=4))
    for result, media_frames, clip_in in ((whole, 48, 10), (handled, 28, 4)):
        clip = otio.adapters.read_from_file(str(result.timelines["otio"])).video_tracks()[0][0]
        assert (clip.source_range.start_time.value, clip.source_range.duration.value) == (clip_in, 20)
        assert clip.media_reference.available_range.duration.value == media_frames
        assert probe_stream(result.path / "media" / "SC010_SH0010_v001.mp4").frames == media_frames


@pytest.mark.parametrize("codec,probe_codec,profile", [("prores", "prores", "HQ"), ("dnxhr", "dnxhd", "DNXHR HQ")])
def test_prores_and_dnxhr_encodes_probe_back_with_codec_rate_and_duration(sources, tmp_path, codec, probe_codec,
                                                                           profile):
    shots = [PackageShot(shot_id=f"SC010_SH00{i}0", scene_number=10, source=sources(src, frames, i),
                         source_frames=frames, source_rate=src, cut_frames=round(frames * NTSC_FILM / src),
                         version_id=f"v{i}", version_number=1)
             for i, (src, frames) in enumerate([(NTSC_FILM, 24), (30.0, 30)], start=1)]
    cut = PackageCut(title="Codecs", rate=23.976, shots=shots)
    result = write_package(cut, tmp_path, PackageOptions(codec=codec, resolution="320x180", formats=["otio", "fcp7"]))
    for entry, shot in zip(result.manifest["shots"], shots):
        path = result.path / entry["file"]
        assert path.suffix == ".mov"
        info = probe_stream(path)
        assert (info.codec, info.profile) == (probe_codec, profile)
        assert info.fps == Fraction(24000, 1001) and (info.width, info.height) == (320, 180)
        assert info.frames == shot.cut_frames
        from aiuteur.render import probe

        assert probe(path).duration == pytest.approx(shot.cut_frames * 1001 / 24000, abs=0.02)


def test_a_bad_resolution_or_codec_is_refused_before_anything_is_written(sources, tmp_path):
    cut = _cut(sources, {}, 24.0, other_rate=24.0)
    with pytest.raises(ExportError, match="resolution"):
        write_package(cut, tmp_path / "out", PackageOptions(resolution="1081p"))
    with pytest.raises(ValueError, match="codec"):
        PackageOptions(codec="mpeg2")
    assert not any((tmp_path / "out").iterdir())


# -- never over another film; nothing half-written ----------------------------------------------------------
def test_a_zip_is_refused_when_the_file_exists_and_written_whole_otherwise(sources, stems, tmp_path):
    cut = _cut(sources, stems, 25.0, other_rate=24.0)
    taken = tmp_path / "delivery.zip"
    taken.write_bytes(b"another film")
    with pytest.raises(ExportError, match="never writes over"):
        write_package(cut, taken, PackageOptions())
    assert taken.read_bytes() == b"another film"
    result = write_package(cut, tmp_path / "fresh.zip", PackageOptions(formats=["otio", "edl", "fcp7"]))
    assert result.path == tmp_path / "fresh.zip"
    assert read_manifest(result.path)["frames"] == _film_frames(cut)
    unpacked = tmp_path / "unpacked"
    shutil.unpack_archive(result.path, unpacked)
    assert verify_package(unpacked / "fresh")["package"] == "fresh"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["delivery.zip", "fresh.zip", "unpacked"]


@pytest.mark.parametrize("where", ["encoding the third shot", "writing the FCP 7 XML"])
def test_a_failure_mid_way_leaves_nothing_half_written(sources, stems, tmp_path, monkeypatch, where):
    cut = _cut(sources, stems, 24.0, other_rate=30.0)
    out = tmp_path / "deliveries"
    out.mkdir()
    (out / "Mara_s_Night_v001").mkdir()  # an earlier export
    (out / "Mara_s_Night_v001" / "manifest.json").write_text("{}")
    if where.startswith("encoding"):
        real = package_module.encode_shot
        calls = []

        def failing(source, target, **kw):
            calls.append(target.name)
            if len(calls) == 3:
                raise ExportError("ffmpeg: No space left on device", path=target)
            return real(source, target, **kw)
        monkeypatch.setattr(package_module, "encode_shot", failing)
    else:
        def failing_render(self, timeline, path, rate):
            path.write_text("<xmeml half")
            raise ExportError("No space left on device", path=path)
        monkeypatch.setattr(Exporter, "render", lambda self, t, p, r: failing_render(self, t, p, r) if self.name == "fcp7"
                            else BUILTIN_RENDER(self, t, p, r))
    with pytest.raises(ExportError, match="No space left"):
        write_package(cut, out, PackageOptions())
    assert sorted(p.name for p in out.iterdir()) == ["Mara_s_Night_v001"]  # no temp, no second folder
    assert [p.name for p in (out / "Mara_s_Night_v001").iterdir()] == ["manifest.json"]


BUILTIN_RENDER = Exporter.render


# -- exporters are plug-ins ---------------------------------------------------------------------------------
def test_exporters_are_found_through_entry_points(sources, tmp_path):
    found = exporters([
        EntryPoint("copy", f"{__name__}:PLUGIN", "aiuteur.exporters"),
        EntryPoint("broken", "no_such_module_here:X", "aiuteur.exporters"),
        EntryPoint("clash", f"{__name__}:CLASH", "aiuteur.exporters"),
    ])
    assert list(found)[:5] == ["otio", "edl", "fcp7", "fcpx", "aaf"] and "otio_copy" in found
    assert found["otio_copy"].source == f"{__name__}:PLUGIN"
    from aiuteur.export import exporters as registry

    problems = list(registry._problems)  # what this discovery reported (plugin_problems() rediscovers)
    assert any("no_such_module_here" in p.entry_point for p in problems)
    assert any("taken by a built-in" in p.error for p in problems)
    assert isinstance(plugin_problems(), list)
    monkey = dict(found)
    cut = PackageCut(title="Plug", rate=24, shots=[PackageShot(
        shot_id="SC010_SH0010", scene_number=10, source=sources(24.0, 24, 1), source_frames=24, source_rate=24,
        cut_frames=24)])
    registry._found = monkey
    try:
        result = write_package(cut, tmp_path, PackageOptions(formats=["otio_copy"]))
    finally:
        registry._found = None
    assert result.timelines["otio_copy"].name == "Plug.copy.otio"
    assert otio.adapters.read_from_file(str(result.timelines["otio_copy"]), adapter_name="otio_json").duration().value == 24


CLASH = Exporter("otio", ".x.otio", "otio_json", "opentimelineio", "a plug-in that takes a built-in's name")


def test_an_unavailable_exporter_is_skipped_by_default_and_refused_by_name(sources, tmp_path, monkeypatch):
    missing = Exporter("nle9", ".nle9", "no_such_adapter", "otio-nle9-adapter", "NLE 9")
    from aiuteur.export import exporters as registry

    monkeypatch.setattr(registry, "_found", {**{e.name: e for e in BUILTIN}, "nle9": missing})
    cut = PackageCut(title="Skip", rate=24, shots=[PackageShot(
        shot_id="SC010_SH0010", scene_number=10, source=sources(24.0, 24, 1), source_frames=24, source_rate=24,
        cut_frames=24)])
    with pytest.raises(ExportError, match="pip install otio-nle9-adapter"):
        write_package(cut, tmp_path / "named", PackageOptions(formats=["otio", "nle9"]))
    result = write_package(cut, tmp_path / "default", PackageOptions())
    assert result.skipped["nle9"] == "needs otio-nle9-adapter"
    assert read_manifest(result.path)["skipped_formats"]["nle9"] == "needs otio-nle9-adapter"


# -- from the store: `aiuteur export`, history, the job -----------------------------------------------------
@pytest.fixture
def workspace(demo_run, tmp_path) -> Path:
    source, _, _ = demo_run
    shutil.copy(source, tmp_path / "ws.duckdb")
    shutil.copytree(source.with_name("ws.media"), tmp_path / "ws.media")
    return tmp_path / "ws.duckdb"


def test_the_project_s_package_is_its_film_to_the_frame_with_its_sound(workspace, tmp_path):
    from aiuteur import open_store
    from aiuteur.jobs import list_jobs
    from aiuteur.models.media import Film
    from aiuteur.export.job import BackgroundExport
    from aiuteur.stages import delivery, video

    steps = []
    with open_store(workspace) as store:
        project = store.get_project("lighthouse")
        film_version = store.require_head(project, video.FILM)
        film = film_version.model(Film)
        job = BackgroundExport(store, project, tmp_path / "deliveries", codec="h264", handles=0)
        assert [j.id for j in list_jobs(store, project.id) if j.kind == "export"] == [job.job_id]  # a job row at once
        result = job.wait(timeout=300)
        row = next(j for j in list_jobs(store, project.id) if j.id == job.job_id)
        film_frames = probe_stream(store.media_path(film.media)).frames
        history = delivery.export_history(store, project)
    manifest = result.manifest
    assert job.done and job.progress is not None and job.progress.message.startswith("done")
    assert row.status == "done"
    assert result.path == tmp_path / "deliveries" / "The_Last_Light_v001"
    assert manifest["film_version"] == film_version.id and manifest["project"] == "lighthouse"
    assert manifest["frames"] == film_frames == sum(c.frames for c in film.clips)
    assert [s["shot_id"] for s in manifest["shots"]] == [c.shot_id for c in film.clips]
    for entry, clip in zip(manifest["shots"], film.clips):
        assert entry["source_sha256"] == clip.media.sha256 and entry["version_id"].startswith("ver")
        assert entry["prompt_hash"] and entry["model"] and entry["cost_usd"] == 0.0  # offline engines cost nothing
    assert {s["name"] for s in manifest["sound"]} >= {"dialogue", "effects", "music", "mix"}
    assert {e["file"] for e in manifest["extras"]} == {"reference/film.mp4", "script.fountain", "storyboard.png"}
    assert set(result.timelines) == EVERY_FORMAT and result.skipped == {}  # 24 fps: every format
    timeline = otio.adapters.read_from_file(str(result.timelines["fcp7"]), adapter_name="fcp_xml")
    assert round(timeline.video_tracks()[0].duration().value) == film_frames
    assert len(timeline.audio_tracks()) >= 3
    assert [(r.status, r.path, r.frames) for r in history] == [("done", str(result.path), film_frames)]
    del steps


def test_export_and_its_history_from_the_command_line(workspace, tmp_path):
    from typer.testing import CliRunner

    from aiuteur.cli import app

    runner = CliRunner()
    done = runner.invoke(app, ["export", "lighthouse", "--to", str(tmp_path / "out.zip"), "--codec", "prores",
                               "--resolution", "320x180", "--format", "otio", "--format", "edl", "-w", str(workspace),
                               "--json"])
    assert done.exit_code == 0, done.output
    made = json.loads(done.output)
    assert made["path"] == str(tmp_path / "out.zip") and made["manifest"]["codec"] == "prores"
    again = runner.invoke(app, ["export", "lighthouse", "--to", str(tmp_path / "out.zip"), "-w", str(workspace)])
    assert again.exit_code == 1 and "never writes over" in again.output
    history = runner.invoke(app, ["exports", "lighthouse", "-w", str(workspace), "--json"])
    rows = json.loads(history.output)
    assert [(r["status"], r["codec"]) for r in rows] == [("done", "prores"), ("failed", "h264")]
    assert "never writes over" in rows[1]["error"]
    table = runner.invoke(app, ["exports", "lighthouse", "-w", str(workspace)])
    assert table.exit_code == 0 and "failed" in table.output


def test_the_farm_s_export_task_writes_a_new_package_each_time_never_over_another(workspace, tmp_path):
    from aiuteur import Engines, open_store
    from aiuteur.farm.tasks import run_task
    from aiuteur.models.media import Film
    from aiuteur.render import probe
    from aiuteur.stages import video

    out = tmp_path / "farm-delivery"
    with open_store(workspace) as store:
        project = store.get_project("lighthouse")
        film = store.require_head(project, video.FILM).model(Film)
        said = [run_task(store, project, Engines.offline(), "export", out=out) for _ in range(2)]
    assert said == [f"exported The_Last_Light_v00{n} to {out / f'The_Last_Light_v00{n}'}" for n in (1, 2)]
    first = verify_package(out / "The_Last_Light_v001")
    assert verify_package(out / "The_Last_Light_v002")["shots"] == first["shots"]
    # what tests/integration/test_farm_openjd.py does: the longest .mp4/.mov under the out dir is the film
    media = {p: probe(p) for p in out.rglob("*") if p.suffix in (".mp4", ".mov")}
    longest = max(media, key=lambda p: media[p].duration)
    assert longest.relative_to(out).parts[1:] == ("reference", "film.mp4")
    assert abs(media[longest].duration - film.duration) < 0.1 and media[longest].has_audio
