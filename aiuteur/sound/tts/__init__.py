"""Speech engines: `offline:espeak` (espeak-ng, free and local), `openai:gpt-4o-mini-tts`,
`gemini:gemini-3.8-flash-tts` / `-lite-tts` (Interactions API) and `elevenlabs:<model>`.

They are registered like every other engine (`register_speech` is one of aiuteur's own registry
hooks), called through the gateway (`aiuteur.engines.gateway.generate_speech`: cached by content
hash, recorded as generations) and, when paid, run as jobs behind the budget gate. A voice names
its engine (`Voice.engine`), so one film can mix engines character by character.
"""
from __future__ import annotations

from typing import Callable

from aiuteur.sound.tts.common import (  # noqa: F401  (re-exported)
    AUDIO_TOKENS_PER_SECOND, ELEVENLABS_MODELS, GEMINI_MODELS, SLOWEST_WORDS_PER_SECOND, longest_take_seconds,
    speech_usage_ceiling,
)

def _offline(model: str) -> object:
    from aiuteur.sound.tts.espeak import EspeakSpeech

    return EspeakSpeech(model)


def _openai(model: str) -> object:
    from aiuteur.sound.tts.openai import OpenAISpeech

    return OpenAISpeech(model)


def _gemini(model: str) -> object:
    from aiuteur.sound.tts.gemini import GeminiSpeech

    return GeminiSpeech(model)


def _elevenlabs(model: str) -> object:
    from aiuteur.sound.tts.elevenlabs import ElevenLabsSpeech

    return ElevenLabsSpeech(model)


def register_speech(register: Callable[..., None]) -> None:
    """aiuteur's speech engines, declared through the registry hook like any plug-in."""
    register("speech", "offline", _offline, local=True, models=["espeak"])
    register("speech", "openai", _openai, models=["gpt-4o-mini-tts"])
    register("speech", "gemini", _gemini, models=list(GEMINI_MODELS))
    register("speech", "elevenlabs", _elevenlabs, models=list(ELEVENLABS_MODELS))


__all__ = ["AUDIO_TOKENS_PER_SECOND", "longest_take_seconds", "register_speech", "speech_usage_ceiling"]
