"""What the speech engines share (price ceilings, model lists): kept apart from the package's
registration so each engine module can import it without importing the package that imports them."""
from __future__ import annotations

import math

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


#: the paid speech models, by provider (what `register_speech` declares and the casting palettes serve)
GEMINI_MODELS = ("gemini-3.8-flash-tts", "gemini-3.8-flash-lite-tts")
ELEVENLABS_MODELS = ("eleven_multilingual_v2", "eleven_v3", "eleven_flash_v2_5", "eleven_turbo_v2_5")
