"""The demo film's sound, measured from the files a studio would receive: speech where the lines
are and quiet elsewhere, distinct voices, the mix at -23 LUFS with true peaks under -1 dBTP, stems
that sum to the mix, and a film.mp4 whose audio track is heard. Meters are independent of
aiuteur's own (tests/sound_checks.py: pyloudnorm, scipy, an autocorrelation pitch tracker)."""
from __future__ import annotations

import shutil
import subprocess

import imageio_ffmpeg
import numpy as np
import opentimelineio as otio
import pytest
import soundfile

from aiuteur import Engines, open_store, run
from aiuteur.models.shots import ShotList
from aiuteur.models.sound import FilmSound, LineTake
from aiuteur.stages import shots as shots_stage
from aiuteur.stages import sound, video, voices
from aiuteur.stages.confirm import all_shots
from tests.sound_checks import integrated_lufs, median_pitch, rms_db, true_peak_dbtp

pytestmark = pytest.mark.slow
RATE = 48000


@pytest.fixture(scope="module")
def film_sound(demo_run):
    workspace, out, report = demo_run
    with open_store(workspace) as store:
        project = store.get_project("lighthouse")
        film_version = store.head(project, video.FILM)
        version, mixed = sound.film_sound(store, film_version)
        shots = all_shots(store, project)
    return out, report, mixed, shots


def _read(path):
    data, rate = soundfile.read(str(path), always_2d=True)
    return data, rate


def test_the_delivery_has_three_stems_and_a_mix_at_48k_24_bit_from_the_first_sample(film_sound):
    out, report, mixed, _ = film_sound
    samples = round(report.film.duration * RATE)
    for name in ("dialogue", "effects", "music", "mix"):
        info = soundfile.info(str(out / "sound" / f"{name}.wav"))
        assert (info.samplerate, info.subtype, info.channels) == (RATE, "PCM_24", 2), name
        assert info.frames == samples == mixed.samples, name  # the film's length, sample for sample
    stems = sum(_read(out / "sound" / f"{name}.wav")[0] for name in ("dialogue", "effects", "music"))
    mix, _ = _read(out / "sound" / "mix.wav")
    assert np.max(np.abs(stems - mix)) < 1e-5  # a few 24-bit steps at most


def test_the_mix_meets_ebu_r128_with_true_peaks_under_the_ceiling(film_sound):
    out, _, mixed, _ = film_sound
    mix, rate = _read(out / "sound" / "mix.wav")
    assert abs(integrated_lufs(mix, rate) + 23.0) <= 1.0
    assert true_peak_dbtp(mix) <= -1.0
    assert mixed.loudness.standard == "ebu-r128" and abs(mixed.loudness.integrated_lufs + 23.0) <= 0.3


def test_every_dialogue_shot_is_heard_inside_its_line_and_the_dialogue_stem_is_quiet_outside(film_sound):
    out, report, mixed, shots = film_sound
    dialogue, _ = _read(out / "sound" / "dialogue.wav")
    starts, t = {}, 0.0
    for clip in report.film.clips:
        starts[clip.shot_id] = (clip.start_frame / report.film.fps, clip.frames / report.film.fps)
    speaking = [s.shot_id for s in shots if s.dialogue and s.dialogue.line.strip()]
    placed = {p.shot_id: p for p in mixed.lines}
    assert set(placed) == set(speaking) and len(speaking) >= 20
    heard = np.zeros(len(dialogue), dtype=bool)
    for shot_id in speaking:
        line = placed[shot_id]
        shot_start, shot_seconds = starts[shot_id]
        assert shot_start - 1e-3 <= line.start < shot_start + shot_seconds  # the line starts inside its shot
        a, b = int(line.start * RATE), int(line.end * RATE)
        assert rms_db(dialogue[a:b]) > -40, shot_id  # speech where the line is
        heard[max(0, a - 2400): b + 2400] = True
    assert rms_db(dialogue[~heard]) < -80  # and nothing where no line is


def test_two_characters_voices_differ_measurably(film_sound):
    out, _, mixed, _ = film_sound
    dialogue, _ = _read(out / "sound" / "dialogue.wav")
    by_speaker: dict[str, list[np.ndarray]] = {}
    for line in mixed.lines:
        by_speaker.setdefault(line.speaker, []).append(dialogue[int(line.start * RATE): int(line.end * RATE)])
    pitch = {k: median_pitch(np.concatenate(v), RATE) for k, v in by_speaker.items()}
    assert {"ELSA", "TOMAS"} <= set(pitch)
    assert 12 * np.log2(pitch["ELSA"] / pitch["TOMAS"]) > 4, pitch


def test_the_film_has_an_audio_track_that_is_heard(film_sound):
    out, _, _, _ = film_sound
    film = out / "film.mp4"
    if shutil.which("ffprobe"):
        streams = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name,sample_rate",
                                  "-of", "csv=p=0", str(film)], capture_output=True, text=True, check=True).stdout
        assert "aac,audio,48000" in streams.replace("\n", ",") or "aac,48000,audio" in streams.replace("\n", ",")
    pcm = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(film), "-map", "0:a:0", "-f", "f32le",
                          "-ac", "2", "-ar", str(RATE), "pipe:1"], capture_output=True, check=True).stdout
    audio = np.frombuffer(pcm, dtype="<f4").reshape(-1, 2).astype(np.float64)
    assert len(audio) > 60 * RATE and rms_db(audio) > -45  # not the old -91 dB silence
    assert abs(integrated_lufs(audio, RATE) + 23.0) <= 1.5


def test_stems_are_audio_tracks_on_the_timelines(film_sound):
    out, report, _, _ = film_sound
    for name in ("film.otio", "film.xml"):
        timeline = otio.adapters.read_from_file(str(out / name))
        audio = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Audio]
        assert len(audio) == 3, name
        urls = [clip.media_reference.target_url for track in audio for clip in track.find_clips()]
        assert [u.rsplit("/", 1)[-1] for u in urls] == ["dialogue.wav", "effects.wav", "music.wav"], name
        frames = sum(c.frames for c in report.film.clips)
        assert all(track.duration().to_frames() == frames for track in audio), name
    assert "dialogue.wav" not in (out / "film.edl").read_text()  # the EDL stays picture only


def test_the_scenes_have_beds_that_follow_their_headings(demo_run):
    workspace, _, _ = demo_run
    with open_store(workspace) as store:
        project = store.get_project("lighthouse")
        scenes = sound.scene_sounds(store, project)
        headings = {v.model(ShotList).scene: v.model(ShotList).heading for k, v in store.heads(project, "scene/").items()
                    if k.endswith("/shots")}
    assert set(scenes) == set(headings)
    for number, scene in scenes.items():
        if headings[number].startswith("INT"):
            assert scene.ambience[0] == "room"
        else:
            assert "room" not in scene.ambience
    assert any("sea" in s.ambience for s in scenes.values())  # a harbour town by the sea
    assert len({s.music_mood for s in scenes.values()}) >= 2


def test_a_new_voice_remakes_only_its_lines_and_remixes_the_film(demo_run, tmp_path):
    workspace, _, _ = demo_run
    copy = tmp_path / "ws.duckdb"
    shutil.copyfile(workspace, copy)
    shutil.copytree(workspace.with_name(workspace.stem + ".media"), tmp_path / "ws.media", copy_function=_link)
    with open_store(copy) as store:
        project = store.get_project("lighthouse")
        film_before = store.head(project, video.FILM)
        takes = [v.model(LineTake) for v in store.heads(project, sound.LINE_PREFIX).values()]
        elsa = [t for t in takes if t.speaker == "ELSA"]
        voices.set_voice(store, project, "ELSA", pitch=5.0)
        voices.lock(store, project, "ELSA")
        assert store.staleness(film_before).status == "stale"
        speech_before = store.db.fetchone("SELECT count(*) FROM generations WHERE kind = 'speech'")[0]
        clips_before = store.db.fetchone("SELECT count(*) FROM generations WHERE kind = 'video'")[0]
        report = run(store, project, Engines.offline())
        assert store.db.fetchone("SELECT count(*) FROM generations WHERE kind = 'speech'")[0] - speech_before == len(elsa)
        assert store.db.fetchone("SELECT count(*) FROM generations WHERE kind = 'video'")[0] == clips_before
        film_after = store.head(project, video.FILM)
        assert film_after.id != film_before.id and report.film is not None
        _, mixed = sound.film_sound(store, film_after)
        assert abs(mixed.loudness.integrated_lufs + 23.0) <= 0.3


def test_a_shot_too_short_for_its_line_is_flagged_with_the_seconds_it_needs(demo_run, tmp_path):
    workspace, _, _ = demo_run
    copy = tmp_path / "ws.duckdb"
    shutil.copyfile(workspace, copy)
    shutil.copytree(workspace.with_name(workspace.stem + ".media"), tmp_path / "ws.media", copy_function=_link)
    with open_store(copy) as store:
        project = store.get_project("lighthouse")
        longest = max(sound.lines(store, project), key=lambda t: t.seconds)
        shots_stage.edit_shot(store, project, longest.scene, longest.shot_id, {"duration": 1.5})
        sound.speak_lines(store, project)
        fits = {f.shot_id: f for f in sound.line_fits(store, project)}
        assert longest.shot_id in fits
        assert fits[longest.shot_id].seconds_needed == pytest.approx(0.25 + longest.seconds, abs=0.01)
        problems = sound.fit_problems(store, project, longest.scene)
        assert any(p.shot_id == longest.shot_id and p.field == "line" and "needs" in p.message for p in problems)


def _link(source, target):
    import os

    os.link(source, target)
    return target


def test_film_sound_is_recorded_for_every_line(film_sound):
    _, _, mixed, _ = film_sound
    assert isinstance(mixed, FilmSound) and mixed.source == "aiuteur" and set(mixed.stems) == {"dialogue", "effects", "music"}


def test_the_sound_page_model_edits_a_voice_auditions_it_and_plays_a_scene(demo_run, tmp_path):
    from aiuteur.ui.pages import sound as sound_page
    from aiuteur.ui.sound_model import SoundModel
    from aiuteur.ui.studio_model import StudioModel

    workspace, _, _ = demo_run
    copy = tmp_path / "ws.duckdb"
    shutil.copyfile(workspace, copy)
    shutil.copytree(workspace.with_name(workspace.stem + ".media"), tmp_path / "ws.media", copy_function=_link)
    studio = StudioModel(workspace=str(copy))
    studio.project = "lighthouse"
    model = SoundModel(studio=studio)
    rows = model.voice_rows()
    assert {r["character"] for r in rows} >= {"ELSA", "TOMAS"} and all(r["stale_lines"] == 0 for r in rows)
    model.select("TOMAS")
    assert model.engine == "offline:espeak" and model.voice_id.startswith("en+m")
    model.audition_line = "Stay by the radio."
    path = model.audition()
    assert path.endswith(".wav") and soundfile.info(path).frames > 0
    model.pitch = model.pitch - 3
    assert model.save_voice() and "v2" in model.message
    tomas = next(r for r in model.voice_rows() if r["character"] == "TOMAS")
    assert tomas["stale_lines"] == tomas["lines"] > 0  # its lines were spoken in the old voice
    model.voice_id = "en+nope"
    assert not model.save_voice() and "no variant" in model.message  # refused, nothing written
    samples, rate = model.scene_preview(1)
    assert rate == 24000 and samples.dtype == np.int16 and len(samples) > rate
    assert "LUFS" in sound_page.mix_markdown(model.summary())
    layout = sound_page.page(studio)
    assert layout.get_root() is not None  # the page builds with real Panel widgets


def test_the_video_models_own_sound_can_be_kept_as_its_own_stem(demo_run, tmp_path):
    workspace, _, _ = demo_run
    copy = tmp_path / "ws.duckdb"
    shutil.copyfile(workspace, copy)
    shutil.copytree(workspace.with_name(workspace.stem + ".media"), tmp_path / "ws.media", copy_function=_link)
    with open_store(copy) as store:
        project = store.get_project("lighthouse")
        sound.set_settings(store, project, mix_source="both", loudness="atsc-a85")
        film = video.assemble(store, project)
        _, mixed = sound.film_sound(store, film)
        assert set(mixed.stems) == {"dialogue", "effects", "music", "video"} and mixed.source == "both"
        stems = [soundfile.read(str(store.media_path(ref)), always_2d=True)[0] for ref in mixed.stems.values()]
        mix, rate = soundfile.read(str(store.media_path(mixed.mix)), always_2d=True)
        assert np.max(np.abs(sum(stems) - mix)) < 1e-5
        assert abs(integrated_lufs(mix, rate) + 24.0) <= 1.0  # ATSC A/85
        assert rms_db(stems[3]) < -100  # the offline animatic's clips are silent: nothing from the video model
