"""`offline:espeak` — scratch voices from espeak-ng: free, local, deterministic.

The `espeakng-loader` wheel ships libespeak-ng and its data, so nothing is installed system-wide.
A voice id is an espeak-ng language plus a variant (`en+f3`, `en-gb+m4`): the variant gives the
voice its sex, formants and breathiness; `pitch` (semitones) and `pace` move it further, so a
cast of several characters stays recognisably apart. Each line is spoken in its own short-lived
process (`_espeak_worker.py`), because the library carries state from one line to the next and
the same line would otherwise come out slightly different depending on what was said before.
"""
from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import wave
from functools import lru_cache
from pathlib import Path

from aiuteur.engines.protocols import EngineError, MediaResult, SpeechRequest, Usage

#: espeak-ng's normal speaking rate at pace 1.0, in words per minute (a touch slower than its 175
#: default: scratch dialogue for an animatic should be easy to follow)
BASE_WPM = 165
_VOICE_ID = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9-]+)?(\+[A-Za-z0-9_]+)?$")
_WORKER = Path(__file__).with_name("_espeak_worker.py")


class EspeakUnavailable(EngineError):
    """libespeak-ng could not be found (the espeakng-loader package is missing or broken)."""


@lru_cache(maxsize=1)
def _paths() -> tuple[str, str]:
    try:
        import espeakng_loader
    except ImportError as exc:  # pragma: no cover - a runtime dependency
        raise EspeakUnavailable("offline speech needs the espeakng-loader package: pip install espeakng-loader") from exc
    return espeakng_loader.get_library_path(), espeakng_loader.get_data_path()


@lru_cache(maxsize=1)
def variants() -> tuple[str, ...]:
    """The voice variants this espeak-ng data ships (`m1`..`m7`, `f1`..`f5`, `klatt`...)."""
    return tuple(sorted(p.name for p in (Path(_paths()[1]) / "voices" / "!v").iterdir() if p.is_file()))


def check_voice(voice_id: str) -> str:
    """`voice_id` if espeak-ng can speak it; a ValueError saying what a voice id looks like."""
    if not _VOICE_ID.match(voice_id):
        raise ValueError(f"espeak-ng voice {voice_id!r} is not language[+variant], e.g. 'en+f3' or 'en-gb+m4'")
    _, _, variant = voice_id.partition("+")
    if variant and variant not in variants():
        raise ValueError(f"espeak-ng has no variant {variant!r}; some it has: "
                         f"{', '.join(v for v in variants() if len(v) <= 3)}")
    return voice_id


def espeak_pitch(semitones: float) -> int:
    """espeak-ng's 0..99 pitch parameter (50 = the variant's own) for a shift in semitones."""
    return int(min(99, max(0, round(50 + 4 * semitones))))


class EspeakSpeech:
    """The offline speech engine: `speak(request)` -> a 16-bit mono WAV at espeak-ng's rate."""

    def __init__(self, model: str = "espeak") -> None:
        if model != "espeak":
            raise ValueError(f"offline speech model is 'espeak', not {model!r}")
        self.id = f"offline:{model}"

    def speak(self, request: SpeechRequest) -> MediaResult:
        text = " ".join(request.prompt.split())
        if not text:
            raise EngineError("offline:espeak was asked to speak an empty line")
        check_voice(request.voice)
        library, data = _paths()
        job = {"lib": library, "data": data, "voice": request.voice, "text": text,
               "wpm": round(BASE_WPM * request.pace), "pitch": espeak_pitch(request.pitch), "range": 60}
        try:
            proc = subprocess.run([sys.executable, "-S", "-E", str(_WORKER), json.dumps(job)],
                                  capture_output=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise EngineError(f"offline:espeak could not run: {exc}") from exc
        if proc.returncode != 0 or len(proc.stdout) < 4:
            raise EngineError(f"offline:espeak failed (exit {proc.returncode}): "
                              f"{proc.stderr.decode('utf-8', 'replace').strip()[-300:]}")
        rate = int.from_bytes(proc.stdout[:4], "little")
        pcm = proc.stdout[4:]
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes(pcm)
        seconds = len(pcm) / 2 / rate
        return MediaResult(data=buffer.getvalue(), mime="audio/wav", usage=Usage(), duration=round(seconds, 4))
