"""Fake speech and music services, in the providers' own wire formats, billed by their own rules.

- Gemini TTS (`gemini-3.8-flash-tts`, `-lite-tts`) and Lyria (`lyria-3-clip-preview`, `lyria-3.5`)
  through the Interactions API: `GeminiFake._interactions_create` hands these models to
  `audio_interaction`. TTS answers inline 16-bit PCM (`audio/l16`, 24 kHz) and bills tokens (the
  input's tokens in, 25 audio tokens a second out) in the interaction's `usage`; Lyria answers an
  MP3 (Lyria 3 Clip always 30 s, 44.1 kHz stereo) with its lyrics/structure text, and bills one
  song per interaction.
- ElevenLabs (`ElevenLabsFake`): `POST /v1/text-to-speech/{voice_id}` with `xi-api-key`, 24 kHz
  PCM for `output_format=pcm_24000`, billed per character of the text with the count in the
  `x-character-count` header, as ElevenLabs does.

Each "voice" is a harmonic tone at its own pitch, as long as its words take at the asked speed, so
tests can measure who spoke. Nothing is de-duplicated: the same request twice is billed twice.
"""
from __future__ import annotations

import base64
import hashlib
import itertools
import math
import re
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from tests.fakes.content import tokens
from tests.fakes.server import FakeProvider, Recorded, Reply

TTS_MODELS = ("gemini-3.8-flash-tts", "gemini-3.8-flash-lite-tts")
LYRIA_SECONDS = {"lyria-3-clip-preview": 30.0, "lyria-3.5": 45.0}
AUDIO_MODELS = TTS_MODELS + tuple(LYRIA_SECONDS)
GEMINI_AUDIO_TOKENS_PER_SECOND = 25
#: the fakes' voices and their pitch (Hz)
GEMINI_PITCH = {"Kore": 220.0, "Leda": 240.0, "Aoede": 205.0, "Puck": 130.0, "Charon": 100.0, "Fenrir": 115.0,
                "Orus": 125.0, "Zephyr": 230.0}
ELEVENLABS_PITCH = {"21m00Tcm4TlvDq8ikWAM": 215.0, "EXAVITQu4vr4xnSDxMaL": 235.0, "AZnzlk1XvdvUeBnXmlld": 245.0,
                    "pNInz6obpgDQGcFmaJgB": 105.0, "ErXwobaYiN019PkySvjV": 125.0, "TxGEqnHWrfWFTfGW9XjX": 140.0}
ELEVENLABS_MODELS = ("eleven_multilingual_v2", "eleven_v3", "eleven_flash_v2_5", "eleven_turbo_v2_5")
_ids = itertools.count(1)


def voice_pcm(words: str, f0: float, speed: float = 1.0, rate: int = 24000) -> tuple[bytes, float]:
    """16-bit mono PCM of a harmonic 'voice' at `f0`, as long as `words` take at `speed`."""
    seconds = (len(words.split()) / 2.5 + 0.4) / speed
    t = np.arange(int(seconds * rate)) / rate
    wave = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in (1, 2, 3)) * 0.25 * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    return (wave * 32767).astype("<i2").tobytes(), seconds


@lru_cache(maxsize=16)
def mp3_bytes(seconds: float, hz: float) -> bytes:
    """A real stereo 44.1 kHz MP3 (a soft chord), encoded by imageio-ffmpeg's ffmpeg."""
    import imageio_ffmpeg

    with tempfile.TemporaryDirectory(prefix="fake-mp3-") as tmp:
        out = Path(tmp) / "cue.mp3"
        chord = "+".join(f"0.2*sin(2*PI*{hz * r:.2f}*t)" for r in (1.0, 1.25, 1.5))
        subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
                        f"aevalsrc={chord}|{chord}:s=44100:d={seconds:g}", "-c:a", "libmp3lame", "-b:a", "128k",
                        str(out)], check=True, capture_output=True)
        return out.read_bytes()


def _google_error(status: int, message: str, state: str) -> Reply:
    return Reply(status, {"error": {"code": status, "message": message, "status": state}})


def _input_text(body: dict[str, Any]) -> str:
    value = body.get("input")
    if isinstance(value, str):
        return value
    parts = []
    for item in value or []:
        if isinstance(item, dict) and item.get("type") == "text":
            parts.append(item.get("text", ""))
        for c in (item.get("content", []) if isinstance(item, dict) else []):
            if c.get("type") == "text":
                parts.append(c.get("text", ""))
    return " ".join(parts)


def audio_interaction(fake: FakeProvider, request: Recorded) -> Reply | dict[str, Any]:
    """A speech or music interaction, answered at once (no background run needed for these models)."""
    body = request.json or {}
    model = body.get("model", "")
    text = _input_text(body)
    if not text.strip():
        return _google_error(400, "input must not be empty", "INVALID_ARGUMENT")
    interaction_id = f"interaction-audio-{next(_ids)}"
    if model in TTS_MODELS:
        speakers = ((body.get("generation_config") or {}).get("speech_config")) or []
        speakers = speakers.get("speakers", []) if isinstance(speakers, dict) else speakers
        voice = (speakers[0] if speakers else {}).get("voice", "Kore")
        if voice not in GEMINI_PITCH:
            return _google_error(400, f"Voice name {voice} is not supported.", "INVALID_ARGUMENT")
        spoken = text.split("Line:", 1)[-1]  # the model performs the line; the note before it steers it
        pcm, seconds = voice_pcm(spoken, GEMINI_PITCH[voice])
        input_tokens, output_tokens = tokens(text), math.ceil(seconds * GEMINI_AUDIO_TOKENS_PER_SECOND)
        fake.control.bill(route="interactions", model=model, input_tokens=input_tokens, output_tokens=output_tokens)
        content = [{"type": "audio", "data": base64.b64encode(pcm).decode(), "mime_type": "audio/l16",
                    "sample_rate": 24000, "channels": 1}]
        usage = {"total_input_tokens": input_tokens, "total_output_tokens": output_tokens,
                 "total_tokens": input_tokens + output_tokens,
                 "output_tokens_by_modality": [{"modality": "audio", "tokens": output_tokens}]}
    else:
        seconds = LYRIA_SECONDS[model]
        hz = 110.0 + int(hashlib.sha256(text.encode()).hexdigest(), 16) % 110  # each prompt its own chord
        data = mp3_bytes(seconds, hz)
        fake.control.bill(route="interactions", model=model, clips=1, seconds=seconds)
        content = [{"type": "text", "text": "[Instrumental]\n[Intro] [Theme] [Outro]"},
                   {"type": "audio", "data": base64.b64encode(data).decode(), "mime_type": "audio/mp3"}]
        usage = {"total_input_tokens": tokens(text), "total_output_tokens": 0, "total_tokens": tokens(text)}
    return {"id": interaction_id, "model": model, "status": "completed", "created": "2026-12-02T10:00:00Z",
            "updated": "2026-12-02T10:00:00Z", "steps": [{"type": "model_output", "content": content}], "usage": usage}


class ElevenLabsFake(FakeProvider):
    """ElevenLabs text to speech, billed per character (`x-character-count`)."""

    name = "elevenlabs"
    PATH = re.compile(r"/v1/text-to-speech/(?P<voice>[^/]+)")

    def route(self, method: str, path: str) -> str | None:
        if method == "POST" and self.PATH.fullmatch(path):
            return "text_to_speech"
        return None

    def answer(self, route: str, request: Recorded) -> Reply:
        if not request.headers.get("xi-api-key"):
            return Reply(401, {"detail": {"status": "invalid_api_key", "message": "Invalid API key"}})
        return super().answer(route, request)

    def default(self, route: str, request: Recorded) -> Reply:
        voice = self.PATH.fullmatch(request.path)["voice"]  # type: ignore[index]
        body = request.json or {}
        if body.get("model_id") not in ELEVENLABS_MODELS:
            return Reply(400, {"detail": {"status": "model_not_found", "message": f"Model {body.get('model_id')} "
                                          "does not exist"}})
        if voice not in ELEVENLABS_PITCH:
            return Reply(404, {"detail": {"status": "voice_not_found", "message": f"A voice with the voice_id "
                                          f"{voice} was not found."}})
        fmt = (request.query.get("output_format") or ["mp3_44100_128"])[0]
        if fmt != "pcm_24000":
            return Reply(400, {"detail": {"status": "invalid_output_format", "message": "this fake makes pcm_24000"}})
        speed = float(((body.get("voice_settings") or {}).get("speed")) or 1.0)
        if not 0.7 <= speed <= 1.2:
            return Reply(400, {"detail": {"status": "invalid_voice_settings", "message": "speed must be 0.7..1.2"}})
        if "language_code" in body and body["model_id"] == "eleven_multilingual_v2":
            return Reply(400, {"detail": {"status": "unsupported_language_code",
                                          "message": "language_code is not supported for this model"}})
        text = body.get("text") or ""
        pcm, _ = voice_pcm(text, ELEVENLABS_PITCH[voice], speed)
        self.control.bill(route="text_to_speech", model=body["model_id"], characters=len(text))
        return Reply(body=pcm, content_type="application/octet-stream",
                     headers={"x-character-count": str(len(text)), "request-id": f"req{next(_ids)}"})
