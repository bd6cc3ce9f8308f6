"""Speech engines: `offline:espeak` (espeak-ng, free and local), `openai:gpt-4o-mini-tts`,
`gemini:gemini-3.8-flash-tts` / `-lite-tts` (Interactions API) and `elevenlabs:<model>`.

They are registered like every other engine (`register_speech` is one of aiuteur's own registry
hooks), called through the gateway (`aiuteur.engines.gateway.generate_speech`: cached by content
hash, recorded as generations) and, when paid, run as jobs behind the budget gate. A voice names
its engine (`Voice.engine`), so one film can mix engines character by character.
"""
from __future__ import annotations

import math
from typing import Callable

from aiuteur.engines.protocols import SpeechRequest, Usage

#: audio tokens a second of speech bills at most (gpt-4o-mini-tts: ~$0.015 a minute at $12/1M
#: audio tokens is ~21 tokens a second; rounded up: an estimate is a ceiling)
AUDIO_TOKENS_PER_SECOND = 25
#: the slowest delivery a line is planned for: a word a second plus two seconds of pauses
SLOWEST_WORDS_PER_SECOND = 1.0


def longest_take_seconds(request: SpeechRequest) -> float:
    """The longest a take of this line can plausibly run (for a price ceiling)."""
    words = len(request.prompt.split())
    return (words / SLOWEST_WORDS_PER_SECOND + 2.0) / max(request.pace, 0.25)


def speech_usage_ceiling(request: SpeechRequest) -> Usage:
    """The most a spoken line can bill: its text (a token a byte at most) in, its longest take out."""
    text = request.prompt + request.instructions
    return Usage(input_tokens=len(text.encode()),
                 output_tokens=math.ceil(longest_take_seconds(request) * AUDIO_TOKENS_PER_SECOND))


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


#: the paid speech models, by provider (what `register_speech` declares and the casting palettes serve)
GEMINI_MODELS = ("gemini-3.8-flash-tts", "gemini-3.8-flash-lite-tts")
ELEVENLABS_MODELS = ("eleven_multilingual_v2", "eleven_v3", "eleven_flash_v2_5", "eleven_turbo_v2_5")


def register_speech(register: Callable[..., None]) -> None:
    """aiuteur's speech engines, declared through the registry hook like any plug-in."""
    register("speech", "offline", _offline, local=True, models=["espeak"])
    register("speech", "openai", _openai, models=["gpt-4o-mini-tts"])
    register("speech", "gemini", _gemini, models=list(GEMINI_MODELS))
    register("speech", "elevenlabs", _elevenlabs, models=list(ELEVENLABS_MODELS))


__all__ = ["AUDIO_TOKENS_PER_SECOND", "longest_take_seconds", "register_speech", "speech_usage_ceiling"]
