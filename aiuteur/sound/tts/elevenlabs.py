"""`elevenlabs:<model>` — ElevenLabs speech through the `elevenlabs` SDK (`text_to_speech.convert`).

ElevenLabs bills speech by the character. The response's `x-character-count` header says how many
characters this request was charged, so the call goes through the SDK's raw response
(`text_to_speech.with_raw_response.convert`) to read it; the generation row then holds the
provider's count, and the budget gate reserves the line's own length (the same number: an
estimate that is exact). Audio is asked for as `pcm_24000` (16-bit mono, no decoder needed).
`pace` is the voice setting `speed` (ElevenLabs takes 0.7–1.2); pitch has no parameter and
instructions are not read by these models, so a voice's character is its voice id.

The key comes from `ELEVENLABS_API_KEY` (the SDK's own variable); `AIUTEUR_ELEVENLABS_BASE_URL`
routes through a proxy, a gateway or the test fake.
"""
from __future__ import annotations

import io
import re
import wave
from typing import Any

from aiuteur import tracing
from aiuteur.engines.protocols import MediaResult, SpeechRequest, Usage
from aiuteur.engines.providers import keys
from aiuteur.engines.providers.errors import MalformedResponse
from aiuteur.engines.providers.media import call

from aiuteur.sound.tts.common import ELEVENLABS_MODELS as MODELS  # one list
PCM_RATE = 24000
SPEED_RANGE = (0.7, 1.2)  # what ElevenLabs accepts for voice_settings.speed
#: ElevenLabs' premade voices (name: id), by how they are usually heard
FEMALE_VOICES = {"Rachel": "21m00Tcm4TlvDq8ikWAM", "Sarah": "EXAVITQu4vr4xnSDxMaL", "Domi": "AZnzlk1XvdvUeBnXmlld",
                 "Elli": "MF3mGyEYCl7XYWbV9V6O", "Dorothy": "ThT5KcBeYPX3keUQqHPh"}
MALE_VOICES = {"Adam": "pNInz6obpgDQGcFmaJgB", "Antoni": "ErXwobaYiN019PkySvjV", "Josh": "TxGEqnHWrfWFTfGW9XjX",
               "Arnold": "VR6AewLTigWG4xSOukaG", "Sam": "yoZ06aMxZJJ28mfd3POQ"}
_VOICE_ID = re.compile(r"^[A-Za-z0-9]{20}$")


def check_voice(voice_id: str) -> str:
    if not _VOICE_ID.match(voice_id):
        known = ", ".join(f"{name} {vid}" for name, vid in {**FEMALE_VOICES, **MALE_VOICES}.items())
        raise ValueError(f"ElevenLabs voice ids are 20 letters and digits, not {voice_id!r}; premade voices: {known}")
    return voice_id


def billed_characters(request: SpeechRequest) -> int:
    """The characters ElevenLabs charges for a line: the text sent."""
    return len(" ".join(request.prompt.split()))


class ElevenLabsSpeech:
    def __init__(self, model: str) -> None:
        if model not in MODELS:
            raise ValueError(f"elevenlabs speech model is one of {', '.join(MODELS)}, not {model!r}")
        self.id = f"elevenlabs:{model}"
        self.model = model
        keys.require_module("elevenlabs", "providers", self.id)
        from elevenlabs.client import ElevenLabs

        options: dict[str, Any] = {"api_key": keys.api_key("elevenlabs", self.id),
                                   "timeout": keys.timeout_seconds()}
        if keys.base_url("elevenlabs"):
            options["base_url"] = keys.base_url("elevenlabs")
        self._client = ElevenLabs(**options)

    def __repr__(self) -> str:
        return f"ElevenLabsSpeech({self.id!r})"

    def estimate(self, request: SpeechRequest) -> Usage:
        return Usage(characters=billed_characters(request))

    def speak(self, request: SpeechRequest) -> MediaResult:
        from elevenlabs.types import VoiceSettings

        voice = check_voice(request.voice)
        text = " ".join(request.prompt.split())
        if not text:
            raise ValueError(f"{self.id} was asked to speak an empty line")
        speed = round(min(SPEED_RANGE[1], max(SPEED_RANGE[0], request.pace)), 3)
        options: dict[str, Any] = dict(text=text, model_id=self.model, output_format=f"pcm_{PCM_RATE}",
                                       voice_settings=VoiceSettings(speed=speed), seed=request.seed)
        if request.language and self.model != "eleven_multilingual_v2":  # v2 refuses language_code
            options["language_code"] = request.language.split("-")[0]

        def convert() -> tuple[bytes, dict[str, str]]:
            with self._client.text_to_speech.with_raw_response.convert(voice, **options) as response:
                return b"".join(response.data), {k.lower(): v for k, v in response.headers.items()}

        with tracing.step(f"text_to_speech.convert {self.model}", {"text": text, "voice": voice},
                          run_type="tool") as out:
            pcm, headers = call("elevenlabs", convert)
            usage = Usage(characters=self._charged(headers, text))
            out.update(bytes=len(pcm), usage=usage.model_dump())
        if len(pcm) < 2:
            raise MalformedResponse(f"{self.id} returned no audio", provider="elevenlabs")
        pcm = pcm[: len(pcm) // 2 * 2]
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(PCM_RATE)
            wav.writeframes(pcm)
        return MediaResult(data=buffer.getvalue(), mime="audio/wav", usage=usage,
                           duration=round(len(pcm) / 2 / PCM_RATE, 4))

    def _charged(self, headers: dict[str, str], text: str) -> int:
        """The provider's own count (`x-character-count`); refused when it is missing or not a number,
        since a guess would make the recorded cost an echo of the estimate."""
        raw = headers.get("x-character-count")
        try:
            return int(str(raw).strip())
        except (TypeError, ValueError):
            raise MalformedResponse(f"{self.id} did not say what it billed (x-character-count is {raw!r})",
                                    provider="elevenlabs") from None
