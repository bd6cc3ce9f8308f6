"""`openai:gpt-4o-mini-tts` — OpenAI's instructable speech model through `audio.speech`.

The call streams server-sent events (`stream_format="sse"`, raw 24 kHz PCM in each
`speech.audio.delta`) because the closing `speech.audio.done` event carries the usage OpenAI bills
(text tokens in, audio tokens out): the generation row then holds the provider's own count, not a
guess from the audio's length. The voice's description and the line's parenthetical become the
`instructions`; `pace` is the `speed`; pitch has no parameter, so it is asked for in words.
"""
from __future__ import annotations

import base64
import io
import json
import wave
from typing import Any

from aiuteur import tracing
from aiuteur.engines.protocols import MediaResult, SpeechRequest, Usage
from aiuteur.engines.providers.errors import MalformedResponse
from aiuteur.engines.providers.media import call

#: OpenAI's built-in voices (audio.speech)
VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse",
          "marin", "cedar")
PCM_RATE = 24000  # OpenAI's `pcm` format: 24 kHz, 16-bit signed little-endian, mono


def check_voice(voice_id: str) -> str:
    if voice_id not in VOICES and not voice_id.startswith("voice_"):
        raise ValueError(f"OpenAI has no voice {voice_id!r}: choose one of {', '.join(VOICES)} "
                         "(or a custom voice id voice_...)")
    return voice_id


def instructions_for(request: SpeechRequest) -> str:
    parts = [request.instructions.strip()]
    if request.pitch >= 2:
        parts.append("Pitch the voice a little higher than usual.")
    elif request.pitch <= -2:
        parts.append("Pitch the voice a little lower than usual.")
    return " ".join(p for p in parts if p)


class OpenAISpeech:
    def __init__(self, model: str) -> None:
        from aiuteur.engines.providers.keys import require_module
        from aiuteur.engines.providers.openai_media import make_client

        self.id = f"openai:{model}"
        self.model = model
        require_module("openai", "providers", self.id)
        self._client = make_client(self.id)

    def __repr__(self) -> str:
        return f"OpenAISpeech({self.id!r})"

    def estimate(self, request: SpeechRequest) -> Usage:
        """The most the call can bill (the budget gate reserves this)."""
        from aiuteur.sound.tts.common import speech_usage_ceiling

        return speech_usage_ceiling(request.model_copy(update={"instructions": instructions_for(request)}))

    def speak(self, request: SpeechRequest) -> MediaResult:
        voice = check_voice(request.voice)
        options: dict[str, Any] = dict(model=self.model, input=request.prompt, voice=voice, response_format="pcm",
                                       stream_format="sse", speed=round(min(4.0, max(0.25, request.pace)), 3))
        instructions = instructions_for(request)
        if instructions:
            options["instructions"] = instructions
        with tracing.step(f"audio.speech {self.model}", {"input": request.prompt, "voice": voice}) as out:
            response = call("openai", lambda: self._client.audio.speech.create(**options))
            pcm, usage = self._read_events(response.content if hasattr(response, "content") else bytes(response))
            out.update(bytes=len(pcm), usage=usage.model_dump())
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(PCM_RATE)
            wav.writeframes(pcm)
        return MediaResult(data=buffer.getvalue(), mime="audio/wav", usage=usage,
                           duration=round(len(pcm) / 2 / PCM_RATE, 4))

    def _read_events(self, body: bytes) -> tuple[bytes, Usage]:
        pcm = bytearray()
        usage: Usage | None = None
        for line in body.decode("utf-8", "replace").splitlines():
            if not line.startswith("data:"):
                continue
            payload = line[5:].strip()
            if not payload or payload == "[DONE]":
                continue
            try:
                event = json.loads(payload)
            except ValueError as exc:
                raise MalformedResponse(f"{self.id} sent an event that is not JSON: {payload[:80]!r}",
                                        provider="openai") from exc
            if event.get("type") == "speech.audio.delta":
                pcm.extend(base64.b64decode(event.get("audio") or ""))
            elif event.get("type") == "speech.audio.done":
                counted = event.get("usage") or {}
                usage = Usage(input_tokens=int(counted.get("input_tokens", 0)),
                              output_tokens=int(counted.get("output_tokens", 0)))
        if not pcm:
            raise MalformedResponse(f"{self.id} returned no audio", provider="openai")
        if usage is None:
            raise MalformedResponse(f"{self.id} did not say what it billed (no speech.audio.done event)",
                                    provider="openai")
        return bytes(pcm), usage
