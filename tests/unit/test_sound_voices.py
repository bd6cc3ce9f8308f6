"""Voices: the offline speech engine, casting, and voices as versions (a new voice makes only that
character's lines stale). Pitch is measured by an independent tracker (tests/sound_checks.py)."""
from __future__ import annotations

import numpy as np
import pytest

from aiuteur import Engines, open_store, run, start_project
from aiuteur.engines.gateway import Call, generate_speech
from aiuteur.engines.protocols import SpeechRequest
from aiuteur.engines.registry import UnknownEngine, get_engine, registered
from aiuteur.engines.templates import load_template
from aiuteur.models.project import ProjectConfig
from aiuteur.models.sound import LineTake, Voice
from aiuteur.sound import voices as casting
from aiuteur.sound.audio import read_wav
from aiuteur.stages import sound, voices
from aiuteur.stages.gates import StageError
from tests.conftest import LIGHTHOUSE
from tests.sound_checks import median_pitch

LINE = "The light has to burn tonight, whatever the sea says."


def _speak(voice_id: str, text: str = LINE, pitch: float = 0.0, pace: float = 1.0) -> bytes:
    return get_engine("speech", "offline:espeak").speak(SpeechRequest(prompt=text, voice=voice_id, pitch=pitch, pace=pace)).data


def test_offline_speech_is_registered_and_deterministic_whatever_came_before():
    assert ("speech", "offline") in {(p.kind, p.provider) for p in registered("speech")}
    first = _speak("en+f3")
    _speak("en+m4", "Something else entirely, said first.")
    assert _speak("en+f3") == first  # same request, same bytes, after another line
    samples, rate = read_wav(first)
    assert rate == 22050 and 2.0 < len(samples) / rate < 6.0 and np.sqrt(np.mean(samples ** 2)) > 0.02


def test_bad_voices_fail_with_a_message_that_says_what_to_do():
    with pytest.raises(ValueError, match="no variant 'zz9'"):
        casting.check_voice(Voice(character="A", slug="char-a", engine="offline:espeak", voice_id="en+zz9"))
    with pytest.raises(UnknownEngine, match="speech"):
        casting.check_voice(Voice(character="A", slug="char-a", engine="acme:tts", voice_id="x"))
    with pytest.raises(ValueError, match="OpenAI has no voice"):
        casting.check_voice(Voice(character="A", slug="char-a", engine="openai:gpt-4o-mini-tts", voice_id="en+f3"))


def test_the_default_cast_is_distinct_and_sounds_distinct():
    assert casting.guess_sex("ELSA", "Elsa: aging lighthouse keeper.") == "female"
    assert casting.guess_sex("TOMAS", "Tomas: drowned brother.") == "male"
    assert casting.guess_sex("JONAH", "Jonah: fisherman.") == "male"
    assert casting.guess_sex("SAM", "Sam: a retired nurse; her son visits.") == "male"  # only the first clause is hers
    taken: list[Voice] = []
    for name, description in (("ELSA", "Elsa: aging lighthouse keeper."), ("TOMAS", "Tomas: drowned brother."),
                              ("JONAH", "Jonah: fisherman.")):
        taken.append(casting.default_voice(name, f"char-{name.lower()}", description, engine="offline:espeak", taken=taken))
    assert len({(v.voice_id, v.pitch) for v in taken}) == 3
    pitches = {}
    for voice in taken:
        samples, rate = read_wav(_speak(voice.voice_id, pitch=voice.pitch, pace=voice.pace))
        pitches[voice.character] = median_pitch(samples, rate)
    semitones = {k: 12 * np.log2(v / pitches["TOMAS"]) for k, v in pitches.items()}
    assert semitones["ELSA"] > 5, pitches  # a woman's voice against a man's
    assert abs(semitones["JONAH"]) > 2, pitches  # two men, audibly apart


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    """A short lighthouse project run to its shot lists (offline), with its lines spoken."""
    path = tmp_path_factory.mktemp("voices") / "ws.duckdb"
    with open_store(path) as store:
        project, _ = start_project(store, "voices", LIGHTHOUSE, ProjectConfig(title="The Last Light", target_minutes=3.0))
        run(store, project, Engines.offline(), until="shots")
        sound.speak_lines(store, project)
    return path


def test_every_speaker_is_cast_at_stage_5_and_each_voice_is_its_own_version(planned):
    with open_store(planned) as store:
        project = store.get_project("voices")
        cast = voices.all_voices(store, project)
        assert {"ELSA", "TOMAS"} <= set(cast)
        assert all(v.artifact_key.startswith("voices/char-") and v.status == "locked" for v in cast.values())
        states = {s.slug: s.state for s in __import__("aiuteur").project_status(store, project)}
        assert states["assets"] == "locked"


def test_a_new_voice_makes_only_that_characters_lines_stale_and_respeaks_only_them(planned, tmp_path):
    import shutil

    copy = tmp_path / "ws.duckdb"
    shutil.copyfile(planned, copy)
    shutil.copytree(planned.with_name("ws.media"), tmp_path / "ws.media")
    with open_store(copy) as store:
        project = store.get_project("voices")
        before = {v.model(LineTake).shot_id: v for v in store.heads(project, sound.LINE_PREFIX).values()}
        elsa = {k for k, v in before.items() if v.model(LineTake).speaker == "ELSA"}
        assert elsa and len(elsa) < len(before)
        new = voices.set_voice(store, project, "Elsa", pitch=4.0)
        assert new.status == "draft" and new.model(Voice).pitch == 4.0
        stale = {k for k, v in before.items() if store.staleness(v).status == "stale"}
        assert stale == elsa
        reason = store.staleness(before[next(iter(elsa))]).reasons[0]
        assert "voices/char-elsa changed" in reason
        spoken = store.db.fetchone("SELECT count(*) FROM generations WHERE kind = 'speech'")[0]
        lines, made = sound.speak_lines(store, project)
        assert made == len(elsa)
        assert store.db.fetchone("SELECT count(*) FROM generations WHERE kind = 'speech'")[0] == spoken + len(elsa)
        assert all(store.staleness(v).status == "fresh" for v in lines)
        assert sound.speak_lines(store, project)[1] == 0  # nothing left to do


def test_setting_a_voice_is_checked_before_it_is_written(planned, tmp_path):
    import shutil

    copy = tmp_path / "ws.duckdb"
    shutil.copyfile(planned, copy)
    with open_store(copy) as store:
        project = store.get_project("voices")
        count = store.db.fetchone("SELECT count(*) FROM versions")[0]
        with pytest.raises(StageError, match="no variant"):
            voices.set_voice(store, project, "ELSA", voice_id="en+nope")
        with pytest.raises(StageError, match="no voice yet"):
            voices.set_voice(store, project, "NOBODY", pitch=1.0)
        with pytest.raises(StageError, match="loudness"):
            sound.set_settings(store, project, loudness="loud")
        with pytest.raises(StageError, match="speech"):
            sound.set_settings(store, project, speech_engine="acme:tts")
        assert store.db.fetchone("SELECT count(*) FROM versions")[0] == count  # nothing written
        switched = voices.set_voice(store, project, "TOMAS", engine="openai:gpt-4o-mini-tts")
        assert switched.model(Voice).voice_id in casting.OPENAI_PALETTE["male"]


def test_an_audition_is_spoken_once_and_then_cached(planned, tmp_path):
    import shutil

    copy = tmp_path / "ws.duckdb"
    shutil.copyfile(planned, copy)
    shutil.copytree(planned.with_name("ws.media"), tmp_path / "ws.media")
    with open_store(copy) as store:
        project = store.get_project("voices")
        first = voices.audition(store, project, "JONAH" if "JONAH" in voices.all_voices(store, project) else "TOMAS",
                                "Storm's coming.")
        count = store.db.fetchone("SELECT count(*) FROM generations WHERE stage = 'voices'")[0]
        again = voices.audition(store, project, "JONAH" if "JONAH" in voices.all_voices(store, project) else "TOMAS",
                                "Storm's coming.")
        assert again == first and count == 1
        assert store.db.fetchone("SELECT count(*) FROM generations WHERE stage = 'voices'")[0] == 1
        samples, _ = read_wav(store.media_path(first))
        assert len(samples) > 0


def test_lines_take_their_treatment_and_report_whether_they_fit(planned):
    with open_store(planned) as store:
        project = store.get_project("voices")
        takes = sound.lines(store, project)
        by_speaker = {t.speaker: {x.treatment for x in takes if x.speaker == t.speaker} for t in takes}
        assert by_speaker["TOMAS"] == {"vo"}  # TOMAS (V.O.) in the script: heard, not seen
        assert by_speaker["ELSA"] == {"on_screen"}
        assert all(t.seconds > 0.3 and 0 <= t.lead_in <= 0.25 for t in takes)
        fits = {f.shot_id for f in sound.line_fits(store, project)}
        assert fits == {t.shot_id for t in takes if t.lead_in + t.seconds > t.shot_seconds + 1e-6}


def test_gateway_caches_speech_like_any_media(planned, tmp_path):
    import shutil

    copy = tmp_path / "ws.duckdb"
    shutil.copyfile(planned, copy)
    shutil.copytree(planned.with_name("ws.media"), tmp_path / "ws.media")
    with open_store(copy) as store:
        project = store.get_project("voices")
        call = Call(project, "sound", load_template("speech"))
        engine = get_engine("speech", "offline:espeak")
        request = SpeechRequest(prompt="Once only.", voice="en+m3")
        ref, outcome = generate_speech(store, call, engine, request)
        again, cached = generate_speech(store, call, engine, request)
        assert again == ref and cached.cached and not outcome.cached
        row = store.db.fetchone("SELECT kind, engine, actual_cost FROM generations WHERE id = ?", [outcome.generation_id])
        assert row == ("speech", "offline:espeak", 0.0)
