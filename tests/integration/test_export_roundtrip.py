"""Round trips of a real cut (tiny MP4 renders) through .otio, EDL and FCP XML.

Every test writes real files into tmp_path and reads them back through the
OTIO adapters, the way an editor's suite would receive them.
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import opentimelineio as otio
import pytest

from aiuteur.export import (
    NTSC_FILM,
    CutClip,
    ExportError,
    ExportPaths,
    build_timeline,
    export_cut,
    path_from_target_url,
    read_back,
    summarize_cut,
    summarize_reels,
    verify_exports,
    write_exports,
)
from aiuteur.export import writers as writers_module

pytestmark = pytest.mark.slow  # renders real (tiny) video with ffmpeg

RATES = {"24": 24.0, "23.976": NTSC_FILM, "25": 25.0, "30": 30.0}
# What callers type; CutClip must turn 23.976 into exactly 24000/1001.
GIVEN_RATES = {"24": 24, "23.976": 23.976, "25": 25.0, "30": 30}
FFMPEG_RATE = {"24": "24", "23.976": "24000/1001", "25": "25", "30": "30"}

KITCHEN = "INT. MARA'S KITCHEN & HALL - NIGHT"
CAFE = "EXT. CAFÉ «LUMIÈRE» - DAY"  # non-ASCII heading
ROOF = "INT. ROOF <TOP> - DAWN"

# (shot_id, scene, heading, media file name, media frames, head trim, name)
SHOTS = [
    ("SC010_SH0010", 10, KITCHEN, "SC010_SH0010.mp4", 36, 0, None),
    ("SC010_SH0020", 10, KITCHEN, "SC010_SH0020.mp4", 30, 4, "Mara’s close-up & hands"),
    ("SC020_SH0010", 20, CAFE, "SC020_SH0010 café.mp4", 42, 0, None),
    ("SC030_SH0010", 30, ROOF, "SC030_SH0010.mp4", 27, 2, "Toit / Dach"),
]


@dataclass(frozen=True)
class Render:
    path: Path
    frames: int  # counted in the file, not assumed


def _encode(ffmpeg: str, out: Path, rate: str, frames: int) -> None:
    subprocess.run(
        [
            ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc=size=160x90:rate={rate}",
            "-frames:v", str(frames),
            "-c:v", "libx264", "-pix_fmt", "yuv420p",
            str(out),
        ],
        check=True,
    )


@pytest.fixture(scope="session")
def renders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Render]]:
    """Real tiny MP4 renders per rate, in a folder whose name has a space."""
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    result: dict[str, list[Render]] = {}
    for label, ffmpeg_rate in FFMPEG_RATE.items():
        folder = tmp_path_factory.mktemp("renders") / f"shots {label}fps"
        folder.mkdir()
        result[label] = []
        for _, _, _, file_name, frames, _, _ in SHOTS:
            out = folder / file_name
            _encode(ffmpeg, out, ffmpeg_rate, frames)
            counted, _ = imageio_ffmpeg.count_frames_and_secs(str(out))
            result[label].append(Render(out, counted))
    return result


def make_clips(renders: dict[str, list[Render]], label: str) -> list[CutClip]:
    clips = []
    for (shot_id, scene, heading, _, _, trim, name), render in zip(SHOTS, renders[label]):
        clips.append(
            CutClip(
                shot_id=shot_id,
                scene_number=scene,
                scene_heading=heading,
                media_path=render.path,
                frames=render.frames - trim,
                rate=GIVEN_RATES[label],
                source_start_frame=trim,
                media_frames=render.frames,
                name=name,
                metadata={"version_id": f"v-{shot_id.lower()}", "take": 3},
            )
        )
    return clips


FILM_METADATA = {"film_id": "film-42", "title": "Mara’s Night", "cut": 7}


@pytest.fixture(params=list(RATES), ids=lambda label: f"{label}fps")
def exported(request, renders, tmp_path) -> tuple[list[CutClip], ExportPaths]:
    clips = make_clips(renders, request.param)
    assert {c.rate for c in clips} == {RATES[request.param]}
    timeline = build_timeline(clips, "Mara’s Night & Day", film_metadata=FILM_METADATA)
    paths = write_exports(timeline, tmp_path / "exports", stem="mara")
    return clips, paths


def _video_clips(timeline: otio.schema.Timeline) -> list[otio.schema.Clip]:
    tracks = timeline.video_tracks()
    assert len(tracks) == 1
    return list(tracks[0])


# --------------------------------------------------------------------------- media


def test_fixture_renders_have_the_requested_frame_counts(renders):
    for label in RATES:
        assert [r.frames for r in renders[label]] == [s[4] for s in SHOTS]
        assert all(r.path.is_file() for r in renders[label])


# ---------------------------------------------------------------------- round trip


def test_writes_three_files_with_the_stem(exported):
    _, paths = exported
    assert paths.otio.name == "mara.otio"
    assert paths.edl.name == "mara.edl"
    assert paths.xml.name == "mara.xml"
    folder = paths.otio.parent
    assert sorted(p.name for p in folder.iterdir()) == ["mara.edl", "mara.otio", "mara.xml"]


@pytest.mark.parametrize("fmt", ["otio", "edl", "xml"])
def test_round_trip_keeps_count_order_and_frame_durations(exported, fmt):
    clips, paths = exported
    rate = clips[0].rate
    timeline = read_back(getattr(paths, fmt), rate=rate)
    summary = summarize_cut(timeline)

    assert len(summary) == len(clips)
    names = [c.name or c.shot_id for c in clips]
    if fmt == "edl":  # EDL names are folded to ASCII
        names = ["SC010_SH0010", "Mara's close-up & hands", "SC020_SH0010", "Toit / Dach"]
    assert [n for n, _ in summary] == names
    assert [f for _, f in summary] == [c.frames for c in clips]

    items = _video_clips(timeline)
    assert all(isinstance(i, otio.schema.Clip) for i in items)
    assert [i.source_range.start_time.value for i in items] == [
        c.source_start_frame for c in clips
    ]
    assert all(i.source_range.duration.rate == pytest.approx(rate, abs=1e-9) for i in items)
    total = timeline.video_tracks()[0].duration()
    assert total.rescaled_to(rate).value == pytest.approx(sum(c.frames for c in clips))
    assert round(total.rescaled_to(rate).value) == sum(f for _, f in summary)


def test_edl_keeps_the_reels_we_set(exported):
    clips, paths = exported
    timeline = read_back(paths.edl, rate=clips[0].rate)
    assert summarize_reels(timeline) == ["S010H010", "S010H020", "S020H010", "S030H010"]
    text = paths.edl.read_text(encoding="ascii")  # EDL is pure ASCII
    assert "S010H020 V     C" in text


@pytest.mark.parametrize("fmt", ["otio", "edl", "xml"])
def test_target_urls_point_to_the_existing_renders(exported, fmt):
    clips, paths = exported
    timeline = read_back(getattr(paths, fmt), rate=clips[0].rate)
    for item, clip in zip(_video_clips(timeline), clips):
        url = item.media_reference.target_url
        assert url.startswith("file://localhost/")
        assert " " not in url
        media = path_from_target_url(url)
        assert media == clip.media_path
        assert media.is_file()


def test_rates_survive_in_files_that_carry_them(exported):
    clips, paths = exported
    rate = clips[0].rate
    for fmt in ("otio", "xml"):
        timeline = read_back(getattr(paths, fmt), rate=999.0)  # rate ignored here
        for item in _video_clips(timeline):
            assert item.duration().rate == pytest.approx(rate, abs=1e-9)
    root = ET.parse(paths.xml).getroot()
    timebase = root.find(".//sequence/rate/timebase").text
    ntsc = root.find(".//sequence/rate/ntsc").text
    expected = {24.0: ("24", "FALSE"), NTSC_FILM: ("24", "TRUE"), 25.0: ("25", "FALSE"),
                30.0: ("30", "FALSE")}[rate]
    assert (timebase, ntsc) == expected


def test_verify_exports_accepts_a_good_export(exported):
    clips, paths = exported
    verify_exports(paths, clips)  # raises on mismatch


# ------------------------------------------------------------------------- markers


def test_otio_keeps_scene_markers_on_clips_and_timeline(exported):
    clips, paths = exported
    rate = clips[0].rate
    timeline = read_back(paths.otio)
    items = _video_clips(timeline)

    clip_markers = [[(m.name, m.color) for m in i.markers] for i in items]
    assert clip_markers == [
        [(KITCHEN, "GREEN")], [], [(CAFE, "GREEN")], [(ROOF, "GREEN")]
    ]
    # marked at the first used frame of the clip (its source start)
    assert items[3].markers[0].marked_range.start_time == otio.opentime.RationalTime(2, rate)
    assert items[0].markers[0].metadata["aiuteur"] == {"kind": "scene", "scene_number": 10}

    stack_markers = [
        (m.name, m.marked_range.start_time.value, m.marked_range.duration.value, m.color)
        for m in timeline.tracks.markers
    ]
    f = [c.frames for c in clips]
    assert stack_markers == [
        (KITCHEN, 0, f[0] + f[1], "GREEN"),
        (CAFE, f[0] + f[1], f[2], "GREEN"),
        (ROOF, f[0] + f[1] + f[2], f[3], "GREEN"),
    ]


def test_xml_keeps_scene_markers_names_and_ranges(exported):
    clips, paths = exported
    timeline = read_back(paths.xml)
    items = _video_clips(timeline)
    assert [[m.name for m in i.markers] for i in items] == [[KITCHEN], [], [CAFE], [ROOF]]
    assert items[3].markers[0].marked_range.start_time.value == 2
    # the standard FCP marker <comment> carries the scene number
    assert items[2].markers[0].metadata["fcp_xml"]["comment"] == "Scene 20"

    f = [c.frames for c in clips]
    assert [
        (m.name, m.marked_range.start_time.value, m.marked_range.duration.value)
        for m in timeline.tracks.markers
    ] == [
        (KITCHEN, 0, f[0] + f[1]),
        (CAFE, f[0] + f[1], f[2]),
        (ROOF, f[0] + f[1] + f[2], f[3]),
    ]


def test_edl_keeps_clip_markers_only_as_upper_case_ascii_at_record_time(exported):
    clips, paths = exported
    timeline = read_back(paths.edl, rate=clips[0].rate)
    items = _video_clips(timeline)
    assert [[m.name for m in i.markers] for i in items] == [
        ["INT. MARA'S KITCHEN & HALL - NIGHT"], [], ["EXT. CAFE LUMIERE - DAY"],
        ["INT. ROOF <TOP> - DAWN"],
    ]
    # * LOC timecodes are record timecodes (where the scene starts in the cut)
    f = [c.frames for c in clips]
    assert [i.markers[0].marked_range.start_time.value for i in items if i.markers] == [
        0, f[0] + f[1], f[0] + f[1] + f[2]
    ]
    rate = clips[0].rate
    loc_lines = [line for line in paths.edl.read_text().splitlines() if line.startswith("* LOC")]
    assert loc_lines[1].startswith(
        "* LOC: " + otio.opentime.to_timecode(otio.opentime.RationalTime(f[0] + f[1], rate), rate)
    )
    assert list(timeline.tracks.markers) == []  # EDLs have no timeline markers


# ------------------------------------------------------------------------ metadata


def test_otio_keeps_aiuteur_metadata(exported):
    clips, paths = exported
    timeline = read_back(paths.otio)
    assert dict(timeline.metadata["aiuteur"]) == FILM_METADATA
    for item, clip in zip(_video_clips(timeline), clips):
        assert dict(item.metadata["aiuteur"]) == {
            "shot_id": clip.shot_id,
            "scene_number": clip.scene_number,
            "scene_heading": clip.scene_heading,
            "version_id": f"v-{clip.shot_id.lower()}",
            "take": 3,
        }
    assert summarize_reels(timeline) == ["S010H010", "S010H020", "S020H010", "S030H010"]


def test_xml_keeps_shot_ids_only_as_fcp_logging_info(exported):
    clips, paths = exported
    timeline = read_back(paths.xml)
    assert "aiuteur" not in timeline.metadata  # FCP XML drops our namespace ...
    for item, clip in zip(_video_clips(timeline), clips):
        assert "aiuteur" not in item.metadata
        logging_info = item.metadata["fcp_xml"]["logginginfo"]  # ... but keeps these
        assert logging_info["shottake"] == clip.shot_id
        assert logging_info["scene"] == str(clip.scene_number)
        assert logging_info["description"] == clip.scene_heading


def test_xml_is_well_formed_and_escapes_special_characters(exported):
    _, paths = exported
    raw = paths.xml.read_bytes()
    root = ET.fromstring(raw)  # raises if &, <, ', non-ASCII broke the XML
    assert b"&amp;" in raw and b"&lt;TOP&gt;" in raw
    assert root.find("./project/name").text == "Mara’s Night & Day"
    names = [e.text for e in root.iter("name")]
    assert "Mara’s close-up & hands" in names
    assert CAFE in names
    pathurls = [e.text for e in root.iter("pathurl")]
    assert any(u.endswith("/SC020_SH0010%20caf%C3%A9.mp4") for u in pathurls)


# -------------------------------------------------------------------- verification


def test_verify_exports_reports_a_changed_duration(exported):
    clips, paths = exported
    # An editor's tool rewrote the EDL with the last shot one frame short.
    timeline = read_back(paths.edl, rate=clips[0].rate)
    last = _video_clips(timeline)[-1]
    sr = last.source_range
    last.source_range = otio.opentime.TimeRange(
        sr.start_time, sr.duration - otio.opentime.RationalTime(1, sr.duration.rate)
    )
    otio.adapters.write_to_file(timeline, str(paths.edl), adapter_name="cmx_3600",
                                rate=clips[0].rate)
    with pytest.raises(ExportError, match=r"edl export .*clip 4 duration in frames") as info:
        verify_exports(paths, clips)
    assert info.value.path == paths.edl


def test_verify_exports_reports_a_missing_clip_and_wrong_order(exported):
    clips, paths = exported
    with pytest.raises(ExportError, match=r"expected 3 clips, read back 4"):
        verify_exports(paths, clips[:3])
    swapped = [clips[1], clips[0], *clips[2:]]
    with pytest.raises(ExportError, match=r"otio export .*clip 1 name"):
        verify_exports(paths, swapped)


def test_export_cut_builds_writes_and_verifies(renders, tmp_path):
    clips = make_clips(renders, "25")
    paths = export_cut(clips, "Short", tmp_path / "new" / "folder", stem="short")
    assert paths.edl.is_file() and paths.xml.is_file() and paths.otio.is_file()
    assert summarize_cut(read_back(paths.xml)) == [(c.name or c.shot_id, c.frames) for c in clips]


# -------------------------------------------------------------------------- errors


def test_unwritable_out_dir_raises_export_error_and_writes_nothing(renders, tmp_path):
    clips = make_clips(renders, "24")
    timeline = build_timeline(clips, "Film")
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("I am a file")
    out_dir = blocker / "exports"
    with pytest.raises(ExportError) as info:
        write_exports(timeline, out_dir)
    assert str(out_dir) in str(info.value)
    assert info.value.path == out_dir
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not_a_dir"]
    assert blocker.read_text() == "I am a file"


def test_failure_mid_write_leaves_no_partial_files_and_keeps_old_ones(
    renders, tmp_path, monkeypatch
):
    clips = make_clips(renders, "24")
    timeline = build_timeline(clips, "Film")
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    (out_dir / "film.otio").write_text("previous export")

    real_write_temp = writers_module._write_temp
    calls = []

    def failing_write_temp(final: Path, text: str) -> Path:
        calls.append(final.name)
        if final.suffix == ".xml":  # the third file fails (disk full, say)
            raise ExportError(f"cannot write {final}: No space left on device", path=final)
        return real_write_temp(final, text)

    monkeypatch.setattr(writers_module, "_write_temp", failing_write_temp)
    with pytest.raises(ExportError, match="No space left"):
        write_exports(timeline, out_dir)
    assert calls == ["film.otio", "film.edl", "film.xml"]
    assert sorted(p.name for p in out_dir.iterdir()) == ["film.otio"]  # no temps, no .edl
    assert (out_dir / "film.otio").read_text() == "previous export"


def test_empty_clip_list_is_an_export_error(tmp_path):
    with pytest.raises(ExportError, match="empty cut"):
        build_timeline([], "Nothing")
    with pytest.raises(ExportError, match="empty cut"):
        export_cut([], "Nothing", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_missing_render_is_an_export_error(renders, tmp_path):
    clips = make_clips(renders, "24")
    gone = clips[1].model_copy(update={"media_path": tmp_path / "gone.mp4"})
    with pytest.raises(ExportError, match="SC010_SH0020 does not exist") as info:
        build_timeline([clips[0], gone], "Film")
    assert info.value.path == tmp_path / "gone.mp4"
