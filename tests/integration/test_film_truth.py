"""Film truth: the film's pictures are its clips' pictures — in cut order, to the frame, with the
retake in it and not the take it replaced.

Every frame of the film and of each clip is decoded (ffmpeg from imageio-ffmpeg) to a small
picture signature (64x36 RGB, area-averaged), and each segment of the film is compared with the
clip the `Film` says is there. The check is proven able to fail: an assembly monkeypatched to swap
two clips, to drop one, or to hand back the old film after a retake, makes it raise.
"""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from aiuteur import Engines, open_store
from aiuteur.models.media import Film, ShotVideo
from aiuteur.pipeline import run
from aiuteur.render._ffmpeg import ffmpeg_exe
from aiuteur.stages import review, shots as shots_stage, video
from aiuteur.stages.confirm import all_shots

pytestmark = pytest.mark.slow

WIDTH, HEIGHT = 64, 36
#: mean absolute difference (0-255) below which two frame signatures are the same picture. The film
#: is a stream copy of its clips, so its frames decode identically (the difference is 0); two
#: different shots differ by far more (the test below measures the margin).
SAME_PICTURE = 1.0

_signature_cache: dict[tuple[str, int], np.ndarray] = {}  # media files are named by their sha256


class FilmMismatch(AssertionError):
    """The film's pictures are not its clips' pictures, in order, to the frame."""


def signatures(path: Path) -> np.ndarray:
    """(frames, HEIGHT, WIDTH, 3) float32: every decoded frame, area-averaged to a small picture."""
    key = (path.name, path.stat().st_size)
    if key not in _signature_cache:
        proc = subprocess.run(
            [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(path), "-map", "0:v:0",
             "-vf", f"scale={WIDTH}:{HEIGHT}:flags=area", "-pix_fmt", "rgb24", "-f", "rawvideo", "-"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
        data = np.frombuffer(proc.stdout, dtype=np.uint8)
        _signature_cache[key] = data.reshape(-1, HEIGHT, WIDTH, 3).astype(np.float32)
    return _signature_cache[key]


def difference(a: np.ndarray, b: np.ndarray) -> float:
    """Worst per-frame mean absolute difference of two equally long frame sequences."""
    return float(np.abs(a - b).mean(axis=(1, 2, 3)).max())


@dataclass(frozen=True)
class Segment:
    shot_id: str
    clip: Path
    start: int
    frames: int


def film_segments(store, project) -> tuple[Path, Film, list[Segment]]:
    film = store.require_head(project, video.FILM).model(Film)
    segments = [Segment(c.shot_id, store.media_path(c.media), c.start_frame, c.frames) for c in film.clips]
    return store.media_path(film.media), film, segments


def check_film_truth(store, project) -> list[Segment]:
    """Raise `FilmMismatch` unless the film is exactly its clips, in the cut's order, to the frame:
    the film's clip list follows the shot lists and the current clip of each shot, each clip holds
    its shot's frames, the film holds their sum, and each film segment shows its clip's pictures."""
    film_path, film, segments = film_segments(store, project)
    fps = project.config.fps
    cut = all_shots(store, project)
    if [s.shot_id for s in segments] != [s.shot_id for s in cut]:
        raise FilmMismatch(f"the film's shots {[s.shot_id for s in segments]} are not the cut's {[s.shot_id for s in cut]}")
    for shot, segment in zip(cut, segments):
        head = store.require_head(project, video.key(shot.shot_id)).model(ShotVideo)
        if store.media_path(head.media) != segment.clip:
            raise FilmMismatch(f"{shot.shot_id}: the film uses {segment.clip.name}, not the shot's current clip "
                               f"{store.media_path(head.media).name}")
        clip = signatures(segment.clip)
        if len(clip) != segment.frames or segment.frames != round(shot.duration * fps):
            raise FilmMismatch(f"{shot.shot_id}: the clip has {len(clip)} frames, the film says {segment.frames}, "
                               f"the shot's {shot.duration} s at {fps} fps is {round(shot.duration * fps)}")
    pictures = signatures(film_path)
    total = sum(s.frames for s in segments)
    if len(pictures) != total:
        raise FilmMismatch(f"the film has {len(pictures)} frames; its clips add up to {total}")
    for index, segment in enumerate(segments):
        shown = pictures[segment.start:segment.start + segment.frames]
        expected = signatures(segment.clip)
        if difference(shown, expected) > SAME_PICTURE:
            look_alike = [s.shot_id for s in segments if s.frames == segment.frames and s is not segment
                          and difference(shown, signatures(s.clip)) <= SAME_PICTURE]
            raise FilmMismatch(f"segment {index} of the film (frames {segment.start}-{segment.start + segment.frames - 1}) "
                               f"does not show {segment.shot_id}'s clip (difference {difference(shown, expected):.1f})"
                               + (f"; it shows {look_alike[0]}'s" if look_alike else ""))
    return segments


@pytest.fixture
def workspace(demo_run, tmp_path):
    source, _, _ = demo_run
    shutil.copy(source, tmp_path / "ws.duckdb")
    shutil.copytree(source.with_name("ws.media"), tmp_path / "ws.media")
    return tmp_path / "ws.duckdb"


def _distinct_neighbours(segments: list[Segment]) -> int:
    """An index i where clips i and i+1 are clearly different pictures of the same length."""
    for i in range(len(segments) - 1):
        a, b = segments[i], segments[i + 1]
        if a.frames == b.frames and difference(signatures(a.clip), signatures(b.clip)) > 10 * SAME_PICTURE:
            return i
    for i in range(len(segments) - 1):  # lengths differ: the swap shows anyway
        if difference(signatures(segments[i].clip)[:1], signatures(segments[i + 1].clip)[:1]) > 10 * SAME_PICTURE:
            return i
    raise AssertionError("no two neighbouring clips differ: the demo cannot prove an order check")


def test_the_film_is_its_clips_in_order_to_the_frame(workspace):
    with open_store(workspace) as store:
        project = store.get_project("lighthouse")
        segments = check_film_truth(store, project)
        film_path, film, _ = film_segments(store, project)
    assert len(segments) == len(film.clips) > 10
    assert len(signatures(film_path)) == sum(s.frames for s in segments)
    # the margin the check relies on: different shots are far apart, the film's copy of a clip is exact
    first, second = segments[_distinct_neighbours(segments)], segments[_distinct_neighbours(segments) + 1]
    assert difference(signatures(first.clip)[:1], signatures(second.clip)[:1]) > 10 * SAME_PICTURE
    shown = signatures(film_path)[first.start:first.start + first.frames]
    assert difference(shown, signatures(first.clip)) < 0.01


def test_the_check_fails_when_assembly_swaps_two_clips(workspace, monkeypatch):
    with open_store(workspace) as store:
        project = store.get_project("lighthouse")
        _, _, segments = film_segments(store, project)
        i = _distinct_neighbours(segments)
        real = video.concat_clips

        def swapped(paths, out, **options):
            paths = list(paths)
            paths[i], paths[i + 1] = paths[i + 1], paths[i]
            return real(paths, out, **options)

        monkeypatch.setattr(video, "concat_clips", swapped)
        video.assemble(store, project)
        with pytest.raises(FilmMismatch, match=f"segment {i} of the film"):
            check_film_truth(store, project)


def test_the_check_fails_when_assembly_drops_a_clip(workspace, monkeypatch):
    with open_store(workspace) as store:
        project = store.get_project("lighthouse")
        real = video.concat_clips
        monkeypatch.setattr(video, "concat_clips", lambda paths, out, **options: real(list(paths)[:-1], out, **options))
        video.assemble(store, project)
        with pytest.raises(FilmMismatch, match="frames; its clips add up to"):
            check_film_truth(store, project)


def _retake_with_a_new_camera_move(store, project) -> tuple[str, Path, Path]:
    """A director's note on a static shot, fixed at the shot list (a push-in), re-run to stage 11,
    and retaken for the note. Returns (shot id, old clip, new clip)."""
    _, _, segments = film_segments(store, project)
    shot = next(s for s in all_shots(store, project) if s.camera_move in ("static", "", "locked off"))
    old_clip = next(s.clip for s in segments if s.shot_id == shot.shot_id)
    note = review.add_note(store, project, shot.shot_id, "this should push in slowly on her", category="coverage",
                           author="director")
    assert review.go_to(store, project, note.id).stage == "shots"
    shots_stage.edit_shot(store, project, shot.scene, shot.shot_id, {"camera_move": "slow push in"}, author="editor")
    run(store, project, Engines.offline(), until="confirm")  # shot list locked, prompts and frames, stage 11
    done = review.retake(store, project, Engines.offline(), note.id, author="editor")
    assert [v.artifact_key for v in done.clips] == [video.key(shot.shot_id)] and done.film is not None
    new_clip = store.media_path(done.clips[0].model(ShotVideo).media)
    assert new_clip != old_clip
    return shot.shot_id, old_clip, new_clip


def test_a_retake_is_in_the_film_and_the_take_it_replaced_is_not(workspace):
    with open_store(workspace) as store:
        project = store.get_project("lighthouse")
        shot_id, old_clip, new_clip = _retake_with_a_new_camera_move(store, project)
        segments = check_film_truth(store, project)
        film_path, _, _ = film_segments(store, project)
        segment = next(s for s in segments if s.shot_id == shot_id)
        shown = signatures(film_path)[segment.start:segment.start + segment.frames]
        assert difference(shown, signatures(new_clip)) < 0.01
        assert difference(shown, signatures(old_clip)) > 10 * SAME_PICTURE  # the push-in shows


def test_the_check_fails_when_assembly_reuses_the_old_film_after_a_retake(workspace, monkeypatch):
    with open_store(workspace) as store:
        project = store.get_project("lighthouse")
        old_film, _, _ = film_segments(store, project)
        kept = workspace.parent / "old_film.mp4"
        shutil.copy(old_film, kept)

        def stale(paths, out, **options):  # an assembly that hands back the film it made before
            shutil.copy(kept, out)
            return Path(out)

        monkeypatch.setattr(video, "concat_clips", stale)
        shot_id, _, _ = _retake_with_a_new_camera_move(store, project)
        with pytest.raises(FilmMismatch, match=f"does not show {shot_id}'s clip"):
            check_film_truth(store, project)
