"""The video prompt's [AUDIO] section carries the voice map and the effects, and voices are locked
with the master assets at the stage-5 gate. Read from the prompts the pipeline wrote."""
from __future__ import annotations

import shutil

import pytest

from aiuteur import Engines, open_store, run, start_project
from aiuteur.models.prompts import ShotPrompt
from aiuteur.models.shots import ShotList
from aiuteur.models.project import ProjectConfig
from aiuteur.models.sound import LineTake, SceneSound, Voice
from aiuteur.stages import gate_actions, sound, voices
from aiuteur.stages import prompts as prompts_stage
from aiuteur.stages import shots as shots_stage
from aiuteur.stages.gates import StageError
from tests.conftest import LIGHTHOUSE

pytestmark = pytest.mark.slow  # a project is planned to its prompts once (~20 s)


@pytest.fixture(scope="module")
def prompted(tmp_path_factory):
    path = tmp_path_factory.mktemp("sound-prompts") / "ws.duckdb"
    with open_store(path) as store:
        project, _ = start_project(store, "prompted", LIGHTHOUSE,
                                   ProjectConfig(title="The Last Light", target_minutes=3.0))
        run(store, project, Engines.offline(), until="prompts")
    return path


def _copy(path, tmp_path):
    shutil.copyfile(path, tmp_path / "ws.duckdb")
    shutil.copytree(path.with_name("ws.media"), tmp_path / "ws.media")
    return tmp_path / "ws.duckdb"


def _shots(store, project):
    return [s for n in shots_stage.scenes(store, project)
            for s in store.head(project, shots_stage.key(n)).model(ShotList).shots]


def _audio(store, project, shot_id):
    return store.head(project, prompts_stage.key(shot_id)).model(ShotPrompt).sections["AUDIO"]


def test_every_dialogue_shots_audio_section_names_the_speaker_voice_and_how_the_line_is_heard(prompted):
    with open_store(prompted) as store:
        project = store.get_project("prompted")
        shots = _shots(store, project)
        speaking = [s for s in shots if s.dialogue and s.dialogue.line.strip()]
        assert len(speaking) >= 5
        for shot in speaking:
            audio = _audio(store, project, shot.shot_id)
            assert f"Dialogue: {shot.dialogue.speaker} speaks the line (" in audio, shot.shot_id
            assert "No music" in audio
        by_speaker = {s.dialogue.speaker: _audio(store, project, s.shot_id) for s in speaking}
        assert "a woman's voice" in by_speaker["ELSA"] and "a man's voice" in by_speaker["JONAH"]
        assert "lighthouse keeper" in by_speaker["ELSA"]
        tomas = [_audio(store, project, s.shot_id) for s in speaking if s.dialogue.speaker == "TOMAS"]
        assert tomas and all("voice-over" in a and "no lip-sync" in a for a in tomas)  # the drowned brother: V.O.
        on_screen = [a for a in by_speaker.values() if "lips in sync" in a]
        assert on_screen


def test_effects_and_ambience_in_the_prompt_are_the_ones_the_mix_will_have(prompted):
    with open_store(prompted) as store:
        project = store.get_project("prompted")
        beds, _ = sound.scene_beds(store, project)
        for version in beds:
            scene = version.model(SceneSound)
            for effect in scene.effects:
                assert f"{effect.name} at {effect.at:g} s" in _audio(store, project, effect.shot_id)
            first = store.head(project, shots_stage.key(scene.scene)).model(ShotList).shots[0]
            audio = _audio(store, project, first.shot_id)
            assert ("room tone" in audio) == ("room" in scene.ambience)
            for layer in (layer for layer in scene.ambience if layer not in ("room", "air")):
                assert layer in audio.split("Ambience:", 1)[1]


def test_a_new_pitch_or_engine_changes_no_video_prompt_and_only_that_characters_lines(prompted, tmp_path):
    with open_store(_copy(prompted, tmp_path)) as store:
        project = store.get_project("prompted")
        sound.speak_lines(store, project)
        before = {s.shot_id: store.head(project, prompts_stage.key(s.shot_id)).id for s in _shots(store, project)}
        voices.set_voice(store, project, "JONAH", pitch=6.0)
        for n in shots_stage.scenes(store, project):
            prompts_stage.generate_scene(store, project, n)
        after = {s.shot_id: store.head(project, prompts_stage.key(s.shot_id)).id for s in _shots(store, project)}
        assert after == before  # the prompt reads the voice's description only
        memo: dict = {}
        stale = {v.model(LineTake).speaker for v in store.heads(project, sound.LINE_PREFIX).values()
                 if store.staleness(v, memo).status == "stale"}
        assert stale == {"JONAH"}


def test_voices_are_locked_with_the_master_assets_and_a_changed_voice_reopens_the_gate(prompted, tmp_path):
    with open_store(_copy(prompted, tmp_path)) as store:
        project = store.get_project("prompted")
        assert gate_actions.waiting_at(store, project, "assets") is None  # the run locked both (auto_lock)
        assert all(v.status == "locked" for v in voices.all_voices(store, project).values())
        voices.set_voice(store, project, "ELSA", description="Elsa: a hoarse, tired lighthouse keeper.")
        waiting = gate_actions.waiting_at(store, project, "assets")
        assert waiting is not None and "draft" in waiting.waiting
        gate_actions.pass_gate(store, project, "assets")
        assert gate_actions.waiting_at(store, project, "assets") is None
        elsa = voices.voice_for(store, project, "ELSA")
        assert elsa.status == "locked" and elsa.model(Voice).description.startswith("Elsa: a hoarse")
        with pytest.raises(StageError, match="cannot set ELSA's voice"):
            voices.set_voice(store, project, "ELSA", voice_id="Kore")  # an espeak voice needs an espeak id
