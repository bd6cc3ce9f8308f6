"""OpenAI speech (`openai:gpt-4o-mini-tts`) through the real openai SDK against a fake on 127.0.0.1:
the speech route in OpenAI's wire format (server-sent `speech.audio.delta` / `speech.audio.done`
events, 24 kHz PCM), billed by the fake's own count. Through the gateway a line is a paid job:
admitted by the budget gate, recorded with the provider's usage and cost, and paid once."""
from __future__ import annotations

import base64
import json
import math

import numpy as np
import pytest

from aiuteur.costs import load_prices
from aiuteur.costs.budgets import BudgetExceeded, set_budget
from aiuteur.engines.gateway import Call, generate_speech
from aiuteur.engines.protocols import SpeechRequest, Usage
from aiuteur.engines.registry import get_engine
from aiuteur.engines.templates import load_template
from aiuteur.models.project import ProjectConfig
from aiuteur.sound.audio import read_wav
from aiuteur.sound.tts.openai import VOICES
from tests.fakes.fixtures import _serve, provider_env  # noqa: F401  (provider_env is a fixture)
from tests.fakes.openai_fake import OpenAIFake, count_tokens
from tests.fakes.server import Recorded, Reply
from tests.sound_checks import median_pitch

AUDIO_TOKENS_PER_SECOND = 20  # the fake's own audio-token rate (about what OpenAI's $0.015/min implies)
PITCH = {"coral": 210.0, "nova": 230.0, "onyx": 105.0, "ash": 120.0}


class SpeechFake(OpenAIFake):
    """OpenAI with `POST /v1/audio/speech`: a harmonic 'voice' per voice id, as long as the words
    take at the requested speed; bills text tokens in and audio tokens out."""

    def route(self, method: str, path: str) -> str | None:
        if method == "POST" and path == "/v1/audio/speech":
            return "audio.speech"
        return super().route(method, path)

    def _audio_speech(self, request: Recorded) -> Reply:
        body = request.json or {}
        if body.get("model") not in ("gpt-4o-mini-tts", "tts-1", "tts-1-hd"):
            return Reply.bad_request(f"Invalid model {body.get('model')!r}")
        if body.get("voice") not in VOICES:
            return Reply.bad_request(f"Invalid voice {body.get('voice')!r}")
        if body.get("stream_format") == "sse" and body["model"].startswith("tts-1"):
            return Reply.bad_request("stream_format sse is not supported for tts-1")
        speed = float(body.get("speed") or 1.0)
        seconds = (len(body["input"].split()) / 2.5 + 0.4) / speed
        t = np.arange(int(seconds * 24000)) / 24000
        f0 = PITCH.get(body["voice"], 160.0)
        wave = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in (1, 2, 3)) * 0.25 * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
        pcm = (wave * 32767).astype("<i2").tobytes()
        input_tokens = count_tokens(body["input"]) + count_tokens(body.get("instructions") or "")
        output_tokens = math.ceil(seconds * AUDIO_TOKENS_PER_SECOND)
        self.control.bill(route="speech", model=body["model"], input_tokens=input_tokens, output_tokens=output_tokens)
        if body.get("stream_format") != "sse":
            return Reply(body=pcm, content_type="audio/pcm")
        chunks = [pcm[i:i + 9600] for i in range(0, len(pcm), 9600)]
        events = [{"type": "speech.audio.delta", "audio": base64.b64encode(c).decode()} for c in chunks]
        events.append({"type": "speech.audio.done", "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens,
                                                               "total_tokens": input_tokens + output_tokens}})
        text = "".join(f"data: {json.dumps(e)}\n\n" for e in events)
        return Reply(body=text.encode(), content_type="text/event-stream")


@pytest.fixture
def fake_speech(provider_env, monkeypatch):  # noqa: F811
    yield from _serve(SpeechFake(), monkeypatch, {"OPENAI_BASE_URL": "/v1"})


def test_the_engine_speaks_through_the_sdk_and_reports_what_openai_billed(fake_speech):
    engine = get_engine("speech", "openai:gpt-4o-mini-tts")
    result = engine.speak(SpeechRequest(prompt="Stay by the radio, Elsa.", voice="onyx", instructions="Tired, warm.",
                                        pace=1.0, pitch=-3))
    [sent] = fake_speech.control.of("audio.speech")
    body = sent.json
    assert body["model"] == "gpt-4o-mini-tts" and body["voice"] == "onyx" and body["stream_format"] == "sse"
    assert body["response_format"] == "pcm" and "Tired, warm." in body["instructions"] and "lower" in body["instructions"]
    assert sent.headers["authorization"] == "Bearer fake-openai-key-0001"
    [bill] = fake_speech.control.usage
    assert result.usage == Usage(input_tokens=bill["input_tokens"], output_tokens=bill["output_tokens"])
    samples, rate = read_wav(result.data)
    assert rate == 24000 and abs(len(samples) / rate - result.duration) < 1e-3
    assert abs(median_pitch(samples, rate) - PITCH["onyx"]) < 5


def test_a_bad_voice_is_refused_before_anything_is_sent(fake_speech):
    engine = get_engine("speech", "openai:gpt-4o-mini-tts")
    with pytest.raises(ValueError, match="OpenAI has no voice 'en\\+f3'"):
        engine.speak(SpeechRequest(prompt="Hello.", voice="en+f3"))
    assert fake_speech.control.count("audio.speech") == 0


def test_a_line_is_a_paid_job_recorded_at_the_providers_bill_and_paid_once(fake_speech, store):
    project = store.create_project("tts", ProjectConfig(title="Radio"))
    engine = get_engine("speech", "openai:gpt-4o-mini-tts")
    call = Call(project, "sound", load_template("speech"))
    request = SpeechRequest(prompt="I'm here, Elsa. I always was.", voice="coral", instructions="Far away, crackling.")
    ref, outcome = generate_speech(store, call, engine, request)
    again, cached = generate_speech(store, call, engine, request)
    assert again == ref and cached.cached and fake_speech.control.count("audio.speech") == 1  # paid once
    [bill] = fake_speech.control.usage
    row = store.db.fetchone("SELECT kind, engine, status, actual_cost, estimated_cost FROM generations WHERE id = ?",
                            [outcome.generation_id])
    billed = load_prices().cost("openai:gpt-4o-mini-tts", Usage(input_tokens=bill["input_tokens"],
                                                                output_tokens=bill["output_tokens"]))
    assert row[:3] == ("speech", "openai:gpt-4o-mini-tts", "ok") and row[3] == pytest.approx(billed)
    assert row[4] >= row[3] > 0  # the gate reserved a ceiling, the bill came in under it
    job = store.db.fetchone("SELECT kind, status FROM jobs WHERE idempotency_key = "
                            "(SELECT idempotency_key FROM generations WHERE id = ?)", [outcome.generation_id])
    assert job == ("speech", "done")
    samples, _ = read_wav(store.media_path(ref))
    assert len(samples) > 0


def test_the_budget_gate_stops_a_line_before_it_is_sent(fake_speech, store):
    project = store.create_project("tts-cap", ProjectConfig(title="Radio"))
    set_budget(store, project, limit_usd=0.000001, mode="cap")
    engine = get_engine("speech", "openai:gpt-4o-mini-tts")
    with pytest.raises(BudgetExceeded):
        generate_speech(store, Call(project, "sound", load_template("speech")), engine,
                        SpeechRequest(prompt="Too dear to say.", voice="nova"))
    assert fake_speech.control.count("audio.speech") == 0
