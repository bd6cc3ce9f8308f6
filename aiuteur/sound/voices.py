"""Casting: a default voice for each character, recognisably different from the rest of the cast.

The rules are plain and deterministic so the same script is cast the same way on every machine:
the character's sex is read from its description (she, brother, fisherman...) and then its name;
each engine has a palette per sex, and the next unused palette entry goes to the next character
in roster order. On espeak-ng an entry is a variant with a pitch and a pace, so two men get two
different variants *and* pitches several semitones apart.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from aiuteur.models.sound import Voice

Sex = Literal["female", "male"]
OFFLINE_ENGINE = "offline:espeak"

#: espeak-ng palette: (variant, pitch in semitones, pace)
ESPEAK_PALETTE: dict[str, list[tuple[str, float, float]]] = {
    "female": [("f3", 1.0, 1.0), ("f4", -2.0, 0.95), ("f2", 3.0, 1.05), ("f5", 0.0, 1.0), ("f1", -1.0, 0.95)],
    "male": [("m3", 1.0, 1.0), ("m4", -4.0, 0.92), ("m2", 3.0, 1.06), ("m7", -2.0, 1.0), ("m1", -5.0, 0.95),
             ("m6", 0.0, 1.04)],
}
#: OpenAI's voices by how they are usually heard
OPENAI_PALETTE: dict[str, list[str]] = {
    "female": ["coral", "nova", "shimmer", "sage", "marin"],
    "male": ["onyx", "ash", "echo", "verse", "cedar"],
}
_FEMALE_WORDS = {"she", "her", "hers", "herself", "woman", "women", "girl", "mother", "mom", "mum", "sister",
                 "daughter", "wife", "widow", "aunt", "grandmother", "queen", "lady", "actress", "waitress",
                 "niece", "bride", "nun", "heroine", "matriarch", "female"}
_MALE_WORDS = {"he", "him", "his", "himself", "man", "men", "boy", "father", "dad", "brother", "son", "husband",
               "widower", "uncle", "grandfather", "king", "gentleman", "actor", "waiter", "nephew", "groom",
               "monk", "priest", "hero", "patriarch", "male", "sir", "lord"}
_FEMALE_ENDINGS = ("a", "ie", "elle", "ette", "ine", "een", "lyn", "beth")


def guess_sex(name: str, description: str = "") -> Sex | None:
    """From the description's words first ('her brother' says nothing of her: only words about the
    character count, so the description's first clause is read), then the name's ending."""
    first_clause = re.split(r"[.;]", description.split(":", 1)[-1] if ":" in description else description)[0]
    words = re.findall(r"[a-z]+", first_clause.lower())
    for word in words:
        if word in _FEMALE_WORDS or word.endswith("woman"):
            return "female"
        if word in _MALE_WORDS or (word.endswith("man") and len(word) > 4):
            return "male"
    first = name.strip().split(" ")[0].lower()
    if first.endswith(_FEMALE_ENDINGS):
        return "female"
    return "male" if first else None


def default_voice(name: str, slug: str, description: str, *, engine: str, taken: list[Voice], language: str = "en",
                  audition_line: str = "") -> Voice:
    """The next voice of `engine`'s palette for this character that no one in `taken` has."""
    sex = guess_sex(name, description) or ("female" if len(taken) % 2 else "male")
    provider = engine.partition(":")[0]
    used = {(v.voice_id, v.pitch) for v in taken if v.engine == engine}
    description = description.strip() or f"{name.title()}."
    if provider == "offline":
        lang = espeak_language(language)
        palette = ESPEAK_PALETTE[sex]
        choices = [(f"{lang}+{variant}", pitch, pace) for variant, pitch, pace in palette]
        fresh = [c for c in choices if (c[0], c[1]) not in used]
        voice_id, pitch, pace = fresh[0] if fresh else choices[len(taken) % len(choices)]
        if not fresh:  # a bigger cast than the palette: shift pitch so repeats still differ
            pitch = max(-12.0, min(12.0, pitch + 2.0 * (len(taken) // len(choices))))
        return Voice(character=name, slug=slug, engine=engine, voice_id=voice_id, description=description,
                     pitch=pitch, pace=pace, audition_line=audition_line)
    if provider in ("gemini", "elevenlabs"):
        names = _paid_palette(provider)[sex]
        free = [n for n in names if (n, 0.0) not in used]
        voice_id = free[0] if free else names[len(taken) % len(names)]
        return Voice(character=name, slug=slug, engine=engine, voice_id=voice_id, description=description,
                     audition_line=audition_line)
    if provider == "openai":
        names = OPENAI_PALETTE[sex]
        free = [n for n in names if (n, 0.0) not in used]
        voice_id = free[0] if free else names[len(taken) % len(names)]
        return Voice(character=name, slug=slug, engine=engine, voice_id=voice_id, description=description,
                     audition_line=audition_line)
    raise ValueError(f"no casting palette for speech engine {engine!r}: set the voice by hand "
                     f"(aiuteur voices set {name} --engine {engine} --voice-id ...)")


def check_voice(voice: Voice) -> Voice:
    """A voice whose engine serves speech and whose voice id that engine knows; ValueError otherwise."""
    from aiuteur.engines.registry import provider_of

    provider_of("speech", voice.engine)  # UnknownEngine (a ValueError) names the engines that would
    provider = voice.engine.partition(":")[0]
    if provider == "offline":
        from aiuteur.sound.tts.espeak import check_voice as check_espeak

        check_espeak(voice.voice_id)
    elif provider == "openai":
        from aiuteur.sound.tts.openai import check_voice as check_openai

        check_openai(voice.voice_id)
    elif provider == "gemini":
        from aiuteur.sound.tts.gemini import check_voice as check_gemini

        check_gemini(voice.voice_id)
    elif provider == "elevenlabs":
        from aiuteur.sound.tts.elevenlabs import check_voice as check_elevenlabs

        check_elevenlabs(voice.voice_id)
    return voice


def _paid_palette(provider: str) -> dict[str, list[str]]:
    """Gemini's prebuilt voices or ElevenLabs' premade voice ids, by sex (no SDK import needed)."""
    if provider == "gemini":
        from aiuteur.sound.tts import gemini

        return {"female": list(gemini.FEMALE_VOICES), "male": list(gemini.MALE_VOICES)}
    from aiuteur.sound.tts import elevenlabs

    return {"female": list(elevenlabs.FEMALE_VOICES.values()), "male": list(elevenlabs.MALE_VOICES.values())}


@lru_cache(maxsize=32)
def espeak_language(language: str) -> str:
    """The espeak-ng language for a project language code ('en', 'fr', 'pt-BR'); English when espeak-ng has none."""
    from aiuteur.sound.tts.espeak import _paths

    wanted = language.strip().lower()
    known = {p.name.lower() for p in (Path(_paths()[1]) / "lang").rglob("*") if p.is_file()}
    if wanted in known:
        return wanted
    base = wanted.split("-")[0]
    return base if base in known else "en"
