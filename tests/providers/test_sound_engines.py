"""Paid speech and music engines through their real SDKs against fakes on 127.0.0.1, billed by the
providers' own rules: Gemini TTS (google-genai, Interactions API: tokens), ElevenLabs (elevenlabs
SDK: characters, from the `x-character-count` header) and Lyria (Interactions API: per song).
Through the gateway each call is a paid job: admitted by the budget gate before it is sent,
recorded at the provider's bill, and paid once. Keys come from the environment only and never
reach an error, the workspace or a log."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from aiuteur import jobs
from aiuteur.costs import load_prices
from aiuteur.costs.budgets import BudgetExceeded, set_budget
from aiuteur.engines.gateway import Call, generate_music, generate_speech
from aiuteur.engines.protocols import EngineError, MusicRequest, SpeechRequest, Usage
from aiuteur.engines.providers.errors import MissingKey
from aiuteur.engines.registry import get_engine
from aiuteur.engines.secrets import REDACTED, known_secrets
from aiuteur.engines.templates import load_template
from aiuteur.jobs import FakeClock, ProviderLimits, RetryPolicy, Runner
from aiuteur.models.project import ProjectConfig
from aiuteur.sound.audio import read_wav
from tests.fakes.fixtures import _serve
from tests.fakes.sound_fakes import ELEVENLABS_PITCH, GEMINI_PITCH, ElevenLabsFake
from tests.providers.test_secrets import echo, workspace_text
from tests.sound_checks import median_pitch

GEMINI_TTS = "gemini:gemini-3.8-flash-tts"
ELEVEN = "elevenlabs:eleven_multilingual_v2"
LYRIA = "gemini:lyria-3-clip-preview"
RACHEL, ADAM = "21m00Tcm4TlvDq8ikWAM", "pNInz6obpgDQGcFmaJgB"
LINE = "Stay by the radio, Elsa. I'll be back before the light."


@pytest.fixture
def fake_elevenlabs(provider_env, monkeypatch):
    monkeypatch.setenv("ELEVENLABS_API_KEY", "fake-eleven-" + "key-0006")
    yield from _serve(ElevenLabsFake(), monkeypatch, {"AIUTEUR_ELEVENLABS_BASE_URL": ""})


@pytest.fixture
def runner():
    runner = Runner(clock=FakeClock(), default_limits=ProviderLimits(concurrency=2),
                    retry=RetryPolicy(max_attempts=2, jitter=0.0))
    with jobs.using(runner):
        yield runner
    runner.close()


def _interactions(fake):
    return fake.control.of("interactions.create")


# -- Gemini TTS ---------------------------------------------------------------------------------
def test_gemini_speaks_through_the_interactions_api_and_reports_what_google_billed(fake_gemini):
    engine = get_engine("speech", GEMINI_TTS)
    result = engine.speak(SpeechRequest(prompt=LINE, voice="Charon", instructions="Tired, warm.", pitch=-3,
                                        pace=0.9, language="en"))
    [sent] = _interactions(fake_gemini)
    body = sent.json
    assert body["model"] == "gemini-3.8-flash-tts" and sent.headers["x-goog-api-key"] == "fake-google-key-0002"
    assert body["generation_config"]["speech_config"] == [{"voice": "Charon", "language": "en"}]
    assert LINE in body["input"] and "Tired, warm." in body["input"] and "lower" in body["input"]
    assert "slower" in body["input"]  # pace has no parameter: asked for in words
    [bill] = fake_gemini.control.usage
    assert result.usage == Usage(input_tokens=bill["input_tokens"], output_tokens=bill["output_tokens"])
    samples, rate = read_wav(result.data)
    assert rate == 24000 and abs(len(samples) / rate - result.duration) < 1e-3
    assert abs(median_pitch(samples, rate) - GEMINI_PITCH["Charon"]) < 5  # the voice asked for, heard
    assert engine.estimate(SpeechRequest(prompt=LINE, voice="Charon")).output_tokens >= bill["output_tokens"]


def test_gemini_refuses_an_unknown_voice_before_anything_is_sent(fake_gemini):
    engine = get_engine("speech", GEMINI_TTS)
    with pytest.raises(ValueError, match="Gemini has no voice 'onyx'"):
        engine.speak(SpeechRequest(prompt="Hello.", voice="onyx"))
    assert fake_gemini.control.count() == 0


def test_a_gemini_line_is_a_paid_job_at_googles_bill_and_is_paid_once(fake_gemini, store, runner):
    project = store.create_project("gemini-tts", ProjectConfig(title="Radio"))
    engine = get_engine("speech", GEMINI_TTS)
    call = Call(project, "sound", load_template("speech"))
    request = SpeechRequest(prompt=LINE, voice="Kore", instructions="Far away, crackling.")
    ref, outcome = generate_speech(store, call, engine, request)
    again, cached = generate_speech(store, call, engine, request)
    assert again == ref and cached.cached and len(_interactions(fake_gemini)) == 1  # paid once
    [bill] = fake_gemini.control.usage
    billed = load_prices().cost(GEMINI_TTS, Usage(input_tokens=bill["input_tokens"], output_tokens=bill["output_tokens"]))
    row = store.db.fetchone("SELECT kind, status, actual_cost, estimated_cost FROM generations WHERE id = ?",
                            [outcome.generation_id])
    assert row[:2] == ("speech", "ok") and row[2] == pytest.approx(billed) and row[3] >= row[2] > 0
    samples, _ = read_wav(store.media_path(ref))
    assert abs(median_pitch(samples, 24000) - GEMINI_PITCH["Kore"]) < 5


# -- ElevenLabs ---------------------------------------------------------------------------------
def test_elevenlabs_speaks_through_its_sdk_and_bills_the_characters_it_counted(fake_elevenlabs):
    engine = get_engine("speech", ELEVEN)
    result = engine.speak(SpeechRequest(prompt=f"  {LINE}  ", voice=ADAM, pace=1.5, language="en"))
    [sent] = fake_elevenlabs.control.of("text_to_speech")
    assert sent.path == f"/v1/text-to-speech/{ADAM}" and sent.query["output_format"] == ["pcm_24000"]
    assert sent.headers["xi-api-key"] == "fake-eleven-key-0006"
    body = sent.json
    assert body["text"] == LINE and body["model_id"] == "eleven_multilingual_v2"
    assert body["voice_settings"]["speed"] == 1.2  # clamped into what ElevenLabs takes
    assert "language_code" not in body  # multilingual v2 refuses it
    [bill] = fake_elevenlabs.control.usage
    assert result.usage == Usage(characters=bill["characters"]) and bill["characters"] == len(LINE)
    assert load_prices().cost(ELEVEN, result.usage) == pytest.approx(len(LINE) / 1000 * 0.10)
    samples, rate = read_wav(result.data)
    assert rate == 24000 and abs(median_pitch(samples, rate) - ELEVENLABS_PITCH[ADAM]) < 5


def test_elevenlabs_records_the_providers_count_not_its_own(fake_elevenlabs, store, runner):
    """The header is what ElevenLabs charged (it may differ from the text's length); the row follows it."""
    def dearer(request):
        reply = ElevenLabsFake.default(fake_elevenlabs.provider, "text_to_speech", request)
        reply.headers["x-character-count"] = "500"
        return reply

    fake_elevenlabs.control.respond("text_to_speech", dearer)
    project = store.create_project("eleven", ProjectConfig(title="Radio"))
    _, outcome = generate_speech(store, Call(project, "sound", load_template("speech")), get_engine("speech", ELEVEN),
                                 SpeechRequest(prompt="Short.", voice=RACHEL))
    cost = store.db.fetchone("SELECT actual_cost FROM generations WHERE id = ?", [outcome.generation_id])[0]
    assert cost == pytest.approx(500 / 1000 * 0.10)


def test_elevenlabs_without_a_key_fails_before_anything_is_sent(fake_elevenlabs, monkeypatch):
    monkeypatch.delenv("ELEVENLABS_API_KEY")
    with pytest.raises(MissingKey, match="ELEVENLABS_API_KEY"):
        get_engine("speech", ELEVEN)
    assert fake_elevenlabs.control.count() == 0


def test_elevenlabs_refuses_a_voice_that_is_not_an_id_before_anything_is_sent(fake_elevenlabs):
    with pytest.raises(ValueError, match="20 letters and digits"):
        get_engine("speech", ELEVEN).speak(SpeechRequest(prompt="Hello.", voice="Rachel"))
    assert fake_elevenlabs.control.count() == 0


def test_the_budget_gate_stops_a_paid_line_before_it_is_sent(fake_elevenlabs, store, runner):
    project = store.create_project("eleven-cap", ProjectConfig(title="Radio"))
    set_budget(store, project, limit_usd=0.001, mode="cap")  # a 60-character line costs $0.006
    with pytest.raises(BudgetExceeded):
        generate_speech(store, Call(project, "sound", load_template("speech")), get_engine("speech", ELEVEN),
                        SpeechRequest(prompt=LINE, voice=RACHEL))
    assert fake_elevenlabs.control.count() == 0


@pytest.mark.parametrize("engine_id, fixture, route", [(ELEVEN, "fake_elevenlabs", "text_to_speech"),
                                                       (GEMINI_TTS, "fake_gemini", "interactions.create")])
def test_an_echoed_key_reaches_no_error_table_or_log(request, engine_id, fixture, route, store, runner, caplog):
    fake = request.getfixturevalue(fixture)
    caplog.set_level(logging.DEBUG)
    # ElevenLabs names its key header xi-api-key: its echo quotes that one
    fake.control.respond(route, _echo_xi() if fixture == "fake_elevenlabs" else echo(401))
    project = store.create_project("echo", ProjectConfig(title="Radio"))
    voice = RACHEL if fixture == "fake_elevenlabs" else "Kore"
    with pytest.raises(EngineError) as failed:
        generate_speech(store, Call(project, "sound", load_template("speech")), get_engine("speech", engine_id),
                        SpeechRequest(prompt="Hello there.", voice=voice))
    assert fake.control.count(route) >= 1
    stored = workspace_text(store)
    assert "nvalid" in stored and REDACTED in stored  # the echo was kept, scrubbed
    secrets = [s for s in known_secrets() if s]
    assert any("key-000" in s for s in secrets)
    for text in (str(failed.value), workspace_text(store), caplog.text):
        assert not [s for s in secrets if s in text]


def _echo_xi():
    from tests.fakes.server import Reply

    def reply(request):
        key = request.headers.get("xi-api-key", "")
        return Reply(401, {"detail": {"status": "invalid_api_key", "message": f"Invalid API key {key} "
                                      f"(xi-api-key: {key})"}})
    return reply


# -- Lyria --------------------------------------------------------------------------------------
def test_lyria_composes_through_the_interactions_api_and_bills_per_song(fake_gemini):
    engine = get_engine("music", LYRIA)
    result = engine.compose(MusicRequest(prompt="A tense cue, strings and low drums.", negative_prompt="vocals"))
    [sent] = _interactions(fake_gemini)
    assert sent.json["model"] == "lyria-3-clip-preview" and "Avoid: vocals." in sent.json["input"]
    [bill] = fake_gemini.control.usage
    assert bill["clips"] == 1 and result.usage == Usage(clips=1)
    samples, rate = read_wav(result.data)  # the MP3 Google sends, decoded to the mix's 48 kHz stereo WAV
    assert rate == 48000 and samples.shape[1] == 2 and abs(len(samples) / rate - 30.0) < 0.2
    assert float(np.sqrt(np.mean(samples ** 2))) > 0.01
    assert load_prices().cost(LYRIA, result.usage) == pytest.approx(0.04)


def test_a_cue_is_paid_once_and_the_gate_runs_first(fake_gemini, store, runner):
    project = store.create_project("lyria", ProjectConfig(title="Radio"))
    call = Call(project, "sound", load_template("music"))
    request = MusicRequest(prompt="A melancholy cue, solo piano.")
    ref, outcome = generate_music(store, call, get_engine("music", LYRIA), request)
    again, cached = generate_music(store, call, get_engine("music", LYRIA), request)
    assert again == ref and cached.cached and len(_interactions(fake_gemini)) == 1
    row = store.db.fetchone("SELECT kind, actual_cost, estimated_cost FROM generations WHERE id = ?",
                            [outcome.generation_id])
    assert row == ("music", pytest.approx(0.04), pytest.approx(0.04))
    capped = store.create_project("lyria-cap", ProjectConfig(title="Radio"))
    set_budget(store, capped, limit_usd=0.01, mode="cap")
    with pytest.raises(BudgetExceeded):
        generate_music(store, Call(capped, "sound", load_template("music")), get_engine("music", LYRIA),
                       MusicRequest(prompt="Another cue."))
    assert len(_interactions(fake_gemini)) == 1
