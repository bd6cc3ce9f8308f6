"""A film's sound on paid engines (through the fakes): scene cues composed by Lyria, bought once per
mood and film; a character recast on Gemini TTS speaks only their own lines there; the sound
settings refuse engines that do not exist."""
from __future__ import annotations

import shutil

import pytest

from aiuteur import Engines, jobs, open_store, run, start_project
from aiuteur.jobs import FakeClock, ProviderLimits, RetryPolicy, Runner
from aiuteur.models.project import ProjectConfig
from aiuteur.models.sound import LineTake, SceneSound
from aiuteur.sound.audio import read_wav
from aiuteur.stages import sound, voices
from aiuteur.stages.gates import StageError
from tests.conftest import LIGHTHOUSE
from tests.fakes.fixtures import fake_gemini, provider_env  # noqa: F401  (fixtures)
from tests.fakes.sound_fakes import GEMINI_PITCH
from tests.sound_checks import median_pitch

pytestmark = pytest.mark.slow  # the project is planned once (about 40 s on this machine)
LYRIA = "gemini:lyria-3-clip-preview"
GEMINI_TTS = "gemini:gemini-3.8-flash-tts"


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    """A short lighthouse project run to its shot lists offline, its lines and beds made offline."""
    path = tmp_path_factory.mktemp("paid-sound") / "ws.duckdb"
    with open_store(path) as store:
        project, _ = start_project(store, "paid", LIGHTHOUSE, ProjectConfig(title="The Last Light", target_minutes=1.0))
        run(store, project, Engines.offline(), until="shots")
        sound.generate(store, project, auto_lock=True)
    return path


@pytest.fixture
def runner():
    runner = Runner(clock=FakeClock(), default_limits=ProviderLimits(concurrency=2),
                    retry=RetryPolicy(max_attempts=2, jitter=0.0))
    with jobs.using(runner):
        yield runner
    runner.close()


def _copy(planned, tmp_path):
    target = tmp_path / "ws.duckdb"
    shutil.copyfile(planned, target)
    shutil.copytree(planned.with_name("ws.media"), tmp_path / "ws.media")
    return target


def test_scene_cues_come_from_lyria_once_per_mood_and_a_rerun_buys_nothing(planned, tmp_path, fake_gemini, runner):
    with open_store(_copy(planned, tmp_path)) as store:
        project = store.get_project("paid")
        moods = {s.music_mood for s in sound.scene_sounds(store, project).values()}
        sound.set_settings(store, project, music_engine=LYRIA)
        beds, made = sound.scene_beds(store, project)
        asked = fake_gemini.control.of("interactions.create")
        assert made == len(beds) and len(asked) == len(moods)  # one cue per mood, for the whole film
        assert {r.json["model"] for r in asked} == {"lyria-3-clip-preview"}
        assert sum(u["clips"] for u in fake_gemini.control.usage) == len(moods)
        for version in beds:
            scene = version.model(SceneSound)
            assert scene.music_engine == LYRIA and version.generation_id
            samples, rate = read_wav(store.media_path(scene.music_media))
            assert rate == 48000 and abs(len(samples) / rate - 30.0) < 0.2
        cost = store.db.fetchone("SELECT sum(actual_cost) FROM generations WHERE kind = 'music'")[0]
        assert cost == pytest.approx(0.04 * len(moods))
        again, made_again = sound.scene_beds(store, project)
        assert made_again == 0 and [v.id for v in again] == [v.id for v in beds]
        assert len(fake_gemini.control.of("interactions.create")) == len(moods)  # nothing bought twice
        sound.set_settings(store, project, music_engine="offline:score")  # back to the temp score: free
        back, _ = sound.scene_beds(store, project)
        assert {v.model(SceneSound).music_engine for v in back} == {"offline:score"}
        assert len(fake_gemini.control.of("interactions.create")) == len(moods)


def test_a_character_recast_on_gemini_speaks_only_their_lines_there(planned, tmp_path, fake_gemini, runner):
    with open_store(_copy(planned, tmp_path)) as store:
        project = store.get_project("paid")
        elsa_lines = [t for t in sound.lines(store, project) if t.speaker == "ELSA"]
        voices.set_voice(store, project, "ELSA", engine=GEMINI_TTS)
        assert voices.voice_for(store, project, "ELSA").model(voices.Voice).voice_id == "Kore"  # her palette's first
        _, spoken = sound.speak_lines(store, project)
        asked = fake_gemini.control.of("interactions.create")
        assert spoken == len(elsa_lines) == len(asked) > 0
        takes = {t.shot_id: t for t in sound.lines(store, project)}
        for old in elsa_lines:
            take: LineTake = takes[old.shot_id]
            assert take.engine == GEMINI_TTS
            samples, rate = read_wav(store.media_path(take.media))
            assert abs(median_pitch(samples, rate) - GEMINI_PITCH["Kore"]) < 8
        assert all(t.engine == "offline:espeak" for t in takes.values() if t.speaker != "ELSA")


def test_the_sound_settings_refuse_an_engine_that_does_not_exist(planned, tmp_path):
    with open_store(_copy(planned, tmp_path)) as store:
        project = store.get_project("paid")
        with pytest.raises(StageError, match="no music engine 'gemini:lyria-9'"):
            sound.set_settings(store, project, music_engine="gemini:lyria-9")
        assert sound.settings(store, project).music_engine == "offline:score"
