"""The whole spine, offline, end to end: real DuckDB, real PNGs, real ffmpeg encodes, real exports."""
from __future__ import annotations

import json
import shutil
import subprocess

import imageio_ffmpeg
import pytest
from PIL import Image

from aiuteur import Engines, open_store, project_status, run
from aiuteur.export import read_back, summarize_cut
from aiuteur.models.media import Film, ShotFrames
from aiuteur.models.project import output_size
from aiuteur.models.shots import ShotList
from aiuteur.render import character_look
from aiuteur.stages import prompts, video
from aiuteur.stages.confirm import all_shots
from tests.integration.jobs_fake_video import copy_workspace

pytestmark = pytest.mark.slow


def ffprobe(path) -> dict:
    """An independent probe: Debian's ffprobe when installed (CI installs it), else imageio-ffmpeg's counter."""
    if shutil.which("ffprobe"):
        out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
                             capture_output=True, text=True, check=True).stdout
        data = json.loads(out)
        video_stream = next(s for s in data["streams"] if s["codec_type"] == "video")
        return {"codec": video_stream["codec_name"], "frames": int(video_stream["nb_frames"]),
                "duration": float(data["format"]["duration"]), "width": video_stream["width"]}
    frames, secs = imageio_ffmpeg.count_frames_and_secs(str(path))
    return {"codec": "h264", "frames": frames, "duration": secs, "width": None}


def test_quality_bar_film_length_scenes_and_shots(demo_run):
    _, _, report = demo_run
    film = report.film
    assert len({c.scene for c in film.clips}) >= 6
    assert len(film.clips) >= 30
    assert 120 <= film.duration <= 240


def test_film_mp4_duration_is_the_sum_of_shot_durations(demo_run):
    workspace, out, report = demo_run
    with open_store(workspace) as store:
        project = store.get_project("lighthouse")
        planned = sum(s.duration for s in all_shots(store, project))
    probe = ffprobe(out / "film.mp4")
    assert probe["codec"] == "h264"
    fps = report.film.fps
    assert abs(probe["frames"] - round(planned * fps)) <= len(report.film.clips)  # each shot rounds to whole frames
    assert abs(probe["duration"] - planned) <= 1 / fps + 0.05 * len(report.film.clips) / fps
    assert probe["frames"] == sum(c.frames for c in report.film.clips)


def test_frames_are_storyboards_of_the_right_size_with_consistent_characters(demo_run):
    workspace, _, _ = demo_run
    with open_store(workspace) as store:
        project = store.get_project("lighthouse")
        size = output_size(project.config)
        seen = 0
        for scene_key, version in store.heads(project, "scene/").items():
            if not scene_key.endswith("/shots"):
                continue
            for shot in version.model(ShotList).shots:
                frames = store.head(project, f"shot/{shot.shot_id}/frames").model(ShotFrames)
                with Image.open(store.media_path(frames.start)) as img:
                    assert img.size == size
                    if shot.shot_type != "insert" and shot.characters[:1] == ["ELSA"]:  # inserts show the object
                        colour = character_look("ELSA").colour
                        pixels = img.convert("RGB").getdata()
                        assert any(p == tuple(colour) for p in pixels), shot.shot_id
                        seen += 1
        assert seen >= 3  # Elsa drawn in her colour in several different shots


def test_exports_read_back_to_the_same_cut(demo_run):
    _, out, report = demo_run
    expected = [c.frames for c in report.film.clips]
    for name in ("film.otio", "film.edl", "film.xml"):
        cut = summarize_cut(read_back(out / name, rate=report.film.fps))
        assert [frames for _, frames in cut] == expected, name
    assert (out / "script.fountain").read_text().startswith("Title:")
    with Image.open(out / "storyboard.png") as sheet:
        assert sheet.width > 0


def test_every_stage_is_passed_and_the_rerun_pays_for_nothing(demo_run, tmp_path):
    with open_store(copy_workspace(demo_run, tmp_path)) as store:  # a copy: the shared run stays as it was made
        project = store.get_project("lighthouse")
        states = {s.slug: s.state for s in project_status(store, project)}
        assert set(states.values()) <= {"locked", "done"}, states
        before = store.db.fetchone("SELECT count(*) FROM generations")[0]
        versions_before = store.db.fetchone("SELECT count(*) FROM versions")[0]
        run(store, project, Engines.offline())
        assert store.db.fetchone("SELECT count(*) FROM generations")[0] == before
        assert store.db.fetchone("SELECT count(*) FROM versions")[0] == versions_before


def test_a_retake_regenerates_one_shot_and_rebuilds_the_film(demo_run, tmp_path):
    # a copy: other tests (the two-backend comparison) read the shared run as it was made
    with open_store(copy_workspace(demo_run, tmp_path)) as store:
        project = store.get_project("lighthouse")
        target = all_shots(store, project)[3].shot_id
        old_film = store.head(project, video.FILM)
        prompts.edit(store, project, target, video_prompt="A slower, colder take. " + "x", confirm_invalidation=True)
        assert store.staleness(store.head(project, "confirmation")).status == "stale"
        assert store.staleness(old_film).status == "stale"
        videos_before = store.db.fetchone("SELECT count(*) FROM generations WHERE kind = 'video'")[0]
        report = run(store, project, Engines.offline())
        videos_after = store.db.fetchone("SELECT count(*) FROM generations WHERE kind = 'video'")[0]
        assert videos_after - videos_before == 1  # only the edited shot was made again
        new_film = store.head(project, video.FILM)
        assert new_film.id != old_film.id and store.staleness(new_film).status == "fresh"
        assert report.film.model_dump() == new_film.model(Film).model_dump()
