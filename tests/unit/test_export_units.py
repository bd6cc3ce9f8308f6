"""Unit tests for aiuteur.export: validation, reel rule, rates, timeline layout.

Media files are not needed here (``check_media=False``); the integration
tests in tests/integration/test_export_roundtrip.py use real renders.
"""

from __future__ import annotations

import re
from pathlib import Path

import opentimelineio as otio
import pytest
from pydantic import ValidationError

from aiuteur.export import (
    NTSC_FILM,
    SUPPORTED_RATES,
    CutClip,
    ExportError,
    ascii_fold,
    assign_reels,
    build_timeline,
    clean_text,
    normalize_rate,
    read_back,
    reel_for_shot_id,
    scene_spans,
    summarize_cut,
    summarize_reels,
    target_url_for_path,
    verify_exports,
    write_exports,
)

RT = otio.opentime.RationalTime
TR = otio.opentime.TimeRange


def clip(shot_id: str, scene: int, frames: int = 24, **kw) -> CutClip:
    kw.setdefault("scene_heading", f"INT. ROOM {scene} - DAY")
    kw.setdefault("media_path", Path(f"/renders/{shot_id}.mp4"))
    return CutClip(shot_id=shot_id, scene_number=scene, frames=frames, **kw)


# ---------------------------------------------------------------------------- rates


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (23.976, NTSC_FILM),
        (23.98, NTSC_FILM),
        (24000 / 1001, NTSC_FILM),
        (24, 24.0),
        ("25", 25.0),
        (30.0, 30.0),
        (60, 60.0),
    ],
)
def test_normalize_rate_returns_canonical_values(given, expected):
    assert normalize_rate(given) == expected


@pytest.mark.parametrize("bad", [29.97, 59.94, 16, 0, -24, float("nan"), "fast"])
def test_normalize_rate_rejects_unsupported_rates(bad):
    with pytest.raises(ValueError):
        normalize_rate(bad)


def test_ntsc_film_matches_what_the_fcp_reader_rebuilds():
    assert NTSC_FILM == 24 * 1000.0 / 1001


# ---------------------------------------------------------------------------- reels


@pytest.mark.parametrize(
    ("shot_id", "reel"),
    [
        ("SC010_SH0020", "S010H020"),
        ("sc1_sh7", "S001H007"),
        ("SC999_SH0999", "S999H999"),
        ("INSERT4", "INSERT4"),
        ("ab-12", "AB12"),
    ],
)
def test_reel_rule_examples(shot_id, reel):
    assert reel_for_shot_id(shot_id) == reel


@pytest.mark.parametrize("shot_id", ["SC010_SH1000", "SC010_SH0020A", "BL", "bars", "a very long id"])
def test_reel_rule_falls_back_to_a_stable_hash(shot_id):
    reel = reel_for_shot_id(shot_id)
    assert re.fullmatch(r"X[A-Z2-7]{7}", reel)
    assert reel == reel_for_shot_id(shot_id)  # stable


def test_assign_reels_unique_and_same_shot_same_reel():
    reels = assign_reels(["SC010_SH0020", "SC10_SH20", "SC010_SH0020", "S010H020"])
    assert reels["SC010_SH0020"] == "S010H020"
    assert len(reels) == 3
    assert len(set(reels.values())) == 3  # collisions got the hashed form
    assert all(len(r) <= 8 and " " not in r for r in reels.values())


# ------------------------------------------------------------------------ text


def test_clean_text_collapses_newlines_and_control_characters():
    assert clean_text("  INT. ROOM\n\t- NIGHT\x00 ") == "INT. ROOM - NIGHT"


def test_ascii_fold():
    assert ascii_fold("Mara’s CAFÉ – «Straße»") == "Mara's CAFE - Strasse"


def test_target_url_is_percent_encoded_file_localhost_url():
    assert target_url_for_path(Path("/a b/é.mp4")) == "file://localhost/a%20b/%C3%A9.mp4"
    with pytest.raises(ValueError):
        target_url_for_path(Path("relative.mp4"))


# ---------------------------------------------------------------------- CutClip


def test_cutclip_defaults_and_cleanup():
    c = clip("SC010_SH0010", 10, scene_heading="INT. KITCHEN\n- NIGHT", rate=23.976)
    assert c.rate == NTSC_FILM
    assert c.scene_heading == "INT. KITCHEN - NIGHT"
    assert c.display_name == "SC010_SH0010"
    assert c.available_frames == 24
    assert c.metadata == {}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"frames": 0},
        {"media_path": Path("relative/shot.mp4")},
        {"rate": 29.97},
        {"source_start_frame": -1},
        {"source_start_frame": 10, "media_frames": 20},  # 10 + 24 > 20
        {"metadata": {"shot_id": "OTHER"}},
        {"unknown_field": 1},
    ],
)
def test_cutclip_rejects_bad_input(kwargs):
    with pytest.raises(ValidationError):
        clip("SC010_SH0010", 10, **kwargs)


def test_cutclip_rejects_blank_shot_id():
    with pytest.raises(ValidationError):
        clip("   ", 10)


# --------------------------------------------------------------- build_timeline


def test_build_timeline_layout():
    clips = [
        clip("SC010_SH0010", 10, 30, source_start_frame=5, media_frames=50,
             metadata={"version_id": "v1"}),
        clip("SC010_SH0020", 10, 20, name="Close-up"),
        clip("SC020_SH0010", 20, 40),
        clip("SC010_SH0030", 10, 10),  # back to scene 10: a new scene boundary
    ]
    timeline = build_timeline(clips, "Film", film_metadata={"film_id": "f1"}, check_media=False)
    assert dict(timeline.metadata["aiuteur"]) == {"film_id": "f1"}
    (track,) = timeline.video_tracks()
    assert len(timeline.audio_tracks()) == 0
    items = list(track)
    assert [i.name for i in items] == ["SC010_SH0010", "Close-up", "SC020_SH0010", "SC010_SH0030"]
    first = items[0]
    assert first.source_range == TR(RT(5, 24), RT(30, 24))
    assert first.media_reference.available_range == TR(RT(0, 24), RT(50, 24))
    assert first.media_reference.target_url == "file://localhost/renders/SC010_SH0010.mp4"
    assert first.media_reference.name == "SC010_SH0010.mp4"
    assert dict(first.metadata["aiuteur"]) == {
        "version_id": "v1", "shot_id": "SC010_SH0010", "scene_number": 10,
        "scene_heading": "INT. ROOM 10 - DAY",
    }
    assert first.metadata["cmx_3600"]["reel"] == "S010H010"
    assert first.metadata["fcp_xml"]["logginginfo"]["shottake"] == "SC010_SH0010"
    assert items[1].media_reference.available_range == TR(RT(0, 24), RT(20, 24))

    assert [len(i.markers) for i in items] == [1, 0, 1, 1]
    assert first.markers[0].marked_range == TR(RT(5, 24), RT(0, 24))
    assert first.markers[0].color == otio.schema.MarkerColor.GREEN
    assert [(m.name, m.marked_range.start_time.value, m.marked_range.duration.value)
            for m in timeline.tracks.markers] == [
        ("INT. ROOM 10 - DAY", 0, 50), ("INT. ROOM 20 - DAY", 50, 40), ("INT. ROOM 10 - DAY", 90, 10),
    ]
    assert track.duration() == RT(100, 24)
    assert summarize_cut(timeline) == [
        ("SC010_SH0010", 30), ("Close-up", 20), ("SC020_SH0010", 40), ("SC010_SH0030", 10)
    ]


def test_scene_spans_group_consecutive_clips():
    spans = scene_spans([clip("A", 1, 10), clip("B", 1, 5), clip("C", 2, 7)])
    assert [(s.scene_number, s.first_index, s.start_frame, s.frames) for s in spans] == [
        (1, 0, 0, 15), (2, 2, 15, 7)
    ]


def test_blank_heading_gets_a_scene_number_marker():
    timeline = build_timeline([clip("A", 7, scene_heading=" ")], "F", check_media=False)
    assert timeline.tracks.markers[0].name == "SCENE 7"


def test_empty_cut_is_an_export_error():
    with pytest.raises(ExportError, match="empty cut"):
        build_timeline([], "Film")
    with pytest.raises(ExportError, match="empty cut"):
        verify_exports(None, [])  # type: ignore[arg-type]


def test_mixed_rates_are_an_export_error():
    with pytest.raises(ExportError, match="one frame rate"):
        build_timeline([clip("A", 1, rate=24), clip("B", 1, rate=25)], "F", check_media=False)


def test_one_shot_with_two_media_files_is_an_export_error():
    clips = [clip("A", 1), clip("A", 1, media_path=Path("/renders/A_v2.mp4"))]
    with pytest.raises(ExportError, match="two media files"):
        build_timeline(clips, "F", check_media=False)


def test_missing_media_is_checked_by_default(tmp_path):
    with pytest.raises(ExportError, match="does not exist") as info:
        build_timeline([clip("A", 1, media_path=tmp_path / "nope.mp4")], "F")
    assert info.value.path == tmp_path / "nope.mp4"


def test_unstorable_film_metadata_is_an_export_error():
    with pytest.raises(ExportError, match="film_metadata.bad"):
        build_timeline([clip("A", 1)], "F", film_metadata={"bad": object()}, check_media=False)


def test_film_metadata_paths_become_strings():
    timeline = build_timeline([clip("A", 1)], "F", film_metadata={"p": Path("/x")},
                              check_media=False)
    assert timeline.metadata["aiuteur"]["p"] == "/x"


# ------------------------------------------------------------ write / read / verify


@pytest.mark.parametrize("rate", SUPPORTED_RATES, ids=lambda r: f"{r:.3f}fps")
def test_every_supported_rate_round_trips(tmp_path, rate):
    clips = [clip("SC001_SH0010", 1, 37, rate=rate, source_start_frame=3),
             clip("SC001_SH0020", 1, 1, rate=rate),
             clip("SC002_SH0010", 2, 250, rate=rate)]
    timeline = build_timeline(clips, "F", check_media=False)
    paths = write_exports(timeline, tmp_path)
    verify_exports(paths, clips)
    for path in (paths.otio, paths.edl, paths.xml):
        assert summarize_cut(read_back(path, rate=rate)) == [
            ("SC001_SH0010", 37), ("SC001_SH0020", 1), ("SC002_SH0010", 250)
        ]


def test_same_shot_used_twice_shares_one_reel(tmp_path):
    clips = [clip("SC001_SH0010", 1, 10), clip("SC002_SH0010", 2, 12),
             clip("SC001_SH0010", 1, 8, source_start_frame=10)]
    paths = write_exports(build_timeline(clips, "F", check_media=False), tmp_path)
    verify_exports(paths, clips)
    assert summarize_reels(read_back(paths.edl)) == ["S001H010", "S002H010", "S001H010"]


def test_edl_is_read_at_the_given_rate(tmp_path):
    clips = [clip("A", 1, 25, rate=25)]
    paths = write_exports(build_timeline(clips, "F", check_media=False), tmp_path)
    (item,) = read_back(paths.edl, rate=25).video_tracks()[0]
    assert item.duration() == RT(25, 25)


def test_write_exports_rejects_bad_stems(tmp_path):
    timeline = build_timeline([clip("A", 1)], "F", check_media=False)
    for stem in ["", "..", "a/b", "a\\b"]:
        with pytest.raises(ExportError, match="stem"):
            write_exports(timeline, tmp_path, stem=stem)
    assert list(tmp_path.iterdir()) == []


def test_write_exports_rejects_two_video_tracks(tmp_path):
    timeline = build_timeline([clip("A", 1)], "F", check_media=False)
    timeline.tracks.append(otio.schema.Track(kind=otio.schema.TrackKind.Video))
    with pytest.raises(ExportError, match="one video track"):
        write_exports(timeline, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_write_exports_overwrites_previous_files(tmp_path):
    first = build_timeline([clip("A", 1, 10)], "F", check_media=False)
    second = build_timeline([clip("A", 1, 12)], "F", check_media=False)
    write_exports(first, tmp_path)
    paths = write_exports(second, tmp_path)
    assert summarize_cut(read_back(paths.xml)) == [("A", 12)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.edl", "film.otio", "film.xml"]


def test_read_back_errors_name_the_path(tmp_path):
    with pytest.raises(ExportError, match="unknown export suffix"):
        read_back(tmp_path / "cut.mov")
    with pytest.raises(ExportError, match="does not exist"):
        read_back(tmp_path / "cut.xml")
    broken = tmp_path / "cut.xml"
    broken.write_text("<xmeml><not-closed>")
    with pytest.raises(ExportError, match="fcp_xml") as info:
        read_back(broken)
    assert info.value.path == broken


def test_export_error_mentions_its_path():
    err = ExportError("boom", path=Path("/x/y"))
    assert "/x/y" in str(err) and err.path == Path("/x/y")
    assert isinstance(err, Exception)


def test_write_exports_does_not_change_the_callers_timeline(tmp_path):
    timeline = build_timeline([clip("A", 1, 10), clip("B", 2, 10, name="Café")], "Ça",
                              check_media=False)
    before = otio.adapters.write_to_string(timeline, adapter_name="otio_json")
    write_exports(timeline, tmp_path)
    assert otio.adapters.write_to_string(timeline, adapter_name="otio_json") == before


def test_a_folder_in_the_way_fails_before_anything_is_written(tmp_path):
    (tmp_path / "film.xml").mkdir()
    timeline = build_timeline([clip("A", 1)], "F", check_media=False)
    with pytest.raises(ExportError, match="not a file") as info:
        write_exports(timeline, tmp_path)
    assert info.value.path == tmp_path / "film.xml"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.xml"]


def test_read_back_normalizes_23_976_for_edls(tmp_path):
    clips = [clip("A", 1, 30, rate=23.976)]
    paths = write_exports(build_timeline(clips, "F", check_media=False), tmp_path)
    (item,) = read_back(paths.edl, rate=23.976).video_tracks()[0]
    assert item.duration() == RT(30, NTSC_FILM)
