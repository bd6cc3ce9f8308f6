"""`gemini:gemini-3.8-flash-tts` (and `-lite-tts`) — Gemini speech through the Interactions API.

google-genai 3.x gives a Gemini API key the Interactions API (`client.interactions.create`), the
same route Gemini Omni video takes (aiuteur.engines.providers.google), so the same key, base URL
(`GOOGLE_GEMINI_BASE_URL`) and Vertex switch (`GOOGLE_GENAI_USE_VERTEXAI`) apply. The older
`gemini-2.5-flash-preview-tts` on `generateContent` is scheduled for shutdown on 2026-12-18, so it
is not offered. One call speaks one line: the voice's description and the line's delivery are a
director's note before the words (Gemini TTS is steered in words; it has no pitch or speed
parameter, so those are asked for in words too). The answer is inline audio — raw 16-bit PCM
(`audio/l16`, 24 kHz mono) unless the service says otherwise — and the interaction's `usage`
holds what Google bills: text tokens in, audio tokens out.
"""
from __future__ import annotations

import base64
import io
import math
import re
import wave
from typing import Any

from aiuteur import tracing
from aiuteur.engines.protocols import MediaResult, SpeechRequest, Usage
from aiuteur.engines.providers.errors import MalformedResponse
from aiuteur.engines.providers.media import call

from aiuteur.sound.tts.common import GEMINI_MODELS as MODELS  # one list
#: Gemini's prebuilt voices, by how they are usually heard (the Gemini API's speech-generation guide)
FEMALE_VOICES = ("Kore", "Leda", "Aoede", "Callirrhoe", "Autonoe", "Despina", "Erinome", "Laomedeia", "Achernar",
                 "Gacrux", "Pulcherrima", "Vindemiatrix", "Sulafat", "Zephyr")
MALE_VOICES = ("Puck", "Charon", "Fenrir", "Orus", "Enceladus", "Iapetus", "Umbriel", "Algieba", "Algenib",
               "Rasalgethi", "Alnilam", "Schedar", "Achird", "Zubenelgenubi", "Sadachbia", "Sadaltager")
VOICES = FEMALE_VOICES + MALE_VOICES
PCM_RATE = 24000  # Gemini TTS speaks 24 kHz, 16-bit, mono
#: Gemini meters audio at 32 tokens a second at most (input audio); TTS output is 25 a second.
#: The ceiling uses the larger: an estimate must never be below the bill.
AUDIO_TOKENS_PER_SECOND = 32
_CUSTOM_VOICE = re.compile(r"^(voice|voicekey)_[A-Za-z0-9_-]+$")


def check_voice(voice_id: str) -> str:
    if voice_id not in VOICES and not _CUSTOM_VOICE.match(voice_id):
        raise ValueError(f"Gemini has no voice {voice_id!r}: choose one of {', '.join(VOICES)} "
                         "(or a designed voice id voice_...)")
    return voice_id


def director_note(request: SpeechRequest) -> str:
    """The words that steer the performance: description, delivery, and pitch and pace in words."""
    parts = [request.instructions.strip()]
    if request.pitch >= 2:
        parts.append("A little higher pitched than usual.")
    elif request.pitch <= -2:
        parts.append("A little lower pitched than usual.")
    if request.pace >= 1.08:
        parts.append("A little faster than usual.")
    elif request.pace <= 0.92:
        parts.append("A little slower than usual.")
    return " ".join(p for p in parts if p)


def prompt_for(request: SpeechRequest) -> str:
    """What the model reads: the note, then the words to say (only the words are spoken)."""
    note = director_note(request)
    line = " ".join(request.prompt.split())
    return f"Say this line. {note}\nLine: {line}" if note else f"Say this line.\nLine: {line}"


class GeminiSpeech:
    """`speak(request)` -> a 16-bit mono WAV, billed as the interaction's usage says."""

    def __init__(self, model: str) -> None:
        from aiuteur.engines.providers.google import make_client
        from aiuteur.engines.providers.keys import require_module

        if model not in MODELS:
            raise ValueError(f"gemini speech model is one of {', '.join(MODELS)}, not {model!r}")
        self.id = f"gemini:{model}"
        self.model = model
        require_module("google.genai", "providers", self.id)
        self._client = make_client("gemini", self.id)

    def __repr__(self) -> str:
        return f"GeminiSpeech({self.id!r})"

    def estimate(self, request: SpeechRequest) -> Usage:
        """The most the call can bill: every byte of the prompt a token, the longest take in audio tokens."""
        from aiuteur.sound.tts.common import longest_take_seconds

        return Usage(input_tokens=len(prompt_for(request).encode()),
                     output_tokens=math.ceil(longest_take_seconds(request) * AUDIO_TOKENS_PER_SECOND))

    def speak(self, request: SpeechRequest) -> MediaResult:
        voice = check_voice(request.voice)
        if not request.prompt.strip():
            raise ValueError(f"{self.id} was asked to speak an empty line")
        speaker: dict[str, Any] = {"voice": voice}
        if request.language:
            speaker["language"] = request.language
        text = prompt_for(request)
        with tracing.step(f"interactions.create {self.model}", {"input": text, "voice": voice},
                          run_type="tool") as out:
            interaction = call("gemini", lambda: self._client.interactions.create(
                model=self.model, input=text, response_format={"type": "audio", "delivery": "inline"},
                generation_config={"speech_config": [speaker], "seed": request.seed}, store=False))
            pcm, rate = self._audio(interaction)
            usage = self._usage(interaction)
            out.update(bytes=len(pcm), usage=usage.model_dump())
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(rate)
            wav.writeframes(pcm)
        return MediaResult(data=buffer.getvalue(), mime="audio/wav", usage=usage,
                           duration=round(len(pcm) / 2 / rate, 4))

    def _audio(self, interaction: Any) -> tuple[bytes, int]:
        """16-bit mono PCM and its rate, from inline `audio/l16` or a WAV/MP3 the service chose."""
        if getattr(interaction, "status", "completed") not in ("completed", None):
            from aiuteur.engines.providers.google import _interaction_error

            raise _interaction_error(self.id, interaction)
        audio = getattr(interaction, "output_audio", None)
        data = getattr(audio, "data", None) if audio is not None else None
        if not data:
            raise MalformedResponse(f"{self.id} returned no audio", provider="gemini")
        try:
            raw = base64.b64decode(data, validate=True)
        except ValueError as exc:
            raise MalformedResponse(f"{self.id}: the audio's inline data is not base64", provider="gemini") from exc
        mime = (getattr(audio, "mime_type", None) or "audio/l16").lower()
        if mime.startswith(("audio/l16", "audio/pcm")):
            return raw, int(getattr(audio, "sample_rate", None) or PCM_RATE)
        from aiuteur.sound.audio import RATE, decode

        mono = decode(raw).mean(axis=1)  # WAV, MP3...: ffmpeg reads it, at the mix's rate
        return (mono.clip(-1, 1) * 32767).astype("<i2").tobytes(), RATE

    def _usage(self, interaction: Any) -> Usage:
        usage = getattr(interaction, "usage", None)
        if usage is None or getattr(usage, "total_output_tokens", None) is None:
            raise MalformedResponse(f"{self.id} did not say what it billed (no usage on the interaction)",
                                    provider="gemini")
        return Usage(input_tokens=int(usage.total_input_tokens or 0), output_tokens=int(usage.total_output_tokens))
