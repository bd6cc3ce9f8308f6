"""Music engines (kind `music`, method `compose(MusicRequest) -> MediaResult`).

- `offline:score` — the synthesised temp score (aiuteur.sound.music): free, local, deterministic.
- `gemini:lyria-3-clip-preview` and `gemini:lyria-3.5` — Google's Lyria through the Gemini API's
  **Interactions API** (`client.interactions.create`).

Why the Interactions API and not the other two Lyria routes: Vertex AI's `lyria-002` `predict` is
not a typed method of google-genai and needs a Vertex project and credentials, while the
Interactions API takes the Gemini API key every other `gemini:` engine already uses (and the same
base URL, fake and error mapping as Gemini Omni video); Lyria RealTime is an endless steerable
WebSocket stream billed by the minute, a poor fit for "one cue per scene, paid once". Lyria 3 Clip
makes a 30-second piece (MP3, 44.1 kHz stereo) whatever is asked — the mix loops a scene's cue
(`aiuteur.sound.mix`), so that is enough; Lyria 3.5 makes whole songs, its length steered by the
prompt. Google prices Lyria per song, not per token or second: `Usage(clips=1)`, priced in
data/prices.json (`per_clip`).
"""
from __future__ import annotations

import base64
from typing import Any, Callable

from aiuteur import tracing
from aiuteur.engines.protocols import EngineError, MediaResult, MusicRequest, Usage
from aiuteur.engines.providers.errors import MalformedResponse
from aiuteur.engines.providers.media import call

LYRIA_MODELS = ("lyria-3-clip-preview", "lyria-3.5")
#: what every temp-score request adds: an animatic's music sits under dialogue
INSTRUMENTAL = "Instrumental only, no vocals, no lyrics; a film score cue that can loop under dialogue."


def music_prompt(mood: str, tone: str) -> str:
    """What a music model is asked for a mood's cue (`aiuteur/prompts/music.v1.md`): the mood and the
    film's tone only, so one cue serves every scene of that mood (bought once per film)."""
    from aiuteur.engines.templates import load_template

    return load_template("music").render(mood=mood, tone=tone.strip() or "drama", instrumental=INSTRUMENTAL)


class OfflineScore:
    """`offline:score`: the temp score synthesised from `context` (`mood`, `tonic`, `seed`)."""

    def __init__(self, model: str = "score") -> None:
        if model != "score":
            raise ValueError(f"offline music model is 'score', not {model!r}")
        self.id = "offline:score"

    def compose(self, request: MusicRequest) -> MediaResult:
        from aiuteur.sound import music
        from aiuteur.sound.audio import RATE, wav_bytes

        mood = str(request.context.get("mood") or "hopeful")
        if mood not in music.MOODS:
            raise EngineError(f"offline:score has no mood {mood!r}: one of {', '.join(music.MOODS)}")
        cue = music.bed(mood, int(request.context.get("tonic", 48)), int(request.context.get("seed", request.seed)))
        return MediaResult(data=wav_bytes(cue), mime="audio/wav", usage=Usage(), duration=round(len(cue) / RATE, 4))


class LyriaMusic:
    """`gemini:<lyria model>`: one interaction per cue; the audio is inline (MP3 as Google sends it)."""

    def __init__(self, model: str) -> None:
        from aiuteur.engines.providers.google import make_client
        from aiuteur.engines.providers.keys import require_module

        if model not in LYRIA_MODELS:
            raise ValueError(f"gemini music model is one of {', '.join(LYRIA_MODELS)}, not {model!r}")
        self.id = f"gemini:{model}"
        self.model = model
        require_module("google.genai", "providers", self.id)
        self._client = make_client("gemini", self.id)

    def __repr__(self) -> str:
        return f"LyriaMusic({self.id!r})"

    def estimate(self, request: MusicRequest) -> Usage:
        return Usage(clips=1)

    def compose(self, request: MusicRequest) -> MediaResult:
        if not request.prompt.strip():
            raise ValueError(f"{self.id} was asked for music with an empty prompt")
        text = request.prompt.strip()
        if request.negative_prompt.strip():
            text += f" Avoid: {request.negative_prompt.strip()}."
        with tracing.step(f"interactions.create {self.model}", {"input": text}, run_type="tool") as out:
            interaction = call("gemini", lambda: self._client.interactions.create(
                model=self.model, input=text, store=False))
            data, mime = self._audio(interaction)
            out.update(bytes=len(data), mime=mime)
        from aiuteur.sound.audio import RATE, decode, wav_bytes

        try:
            cue = decode(data)  # MP3 (or WAV): checked here, so a broken file is refused, not paid for twice
        except Exception as exc:
            raise MalformedResponse(f"{self.id} returned audio that does not decode ({mime}): {exc}",
                                    provider="gemini") from exc
        if len(cue) == 0:
            raise MalformedResponse(f"{self.id} returned empty audio", provider="gemini")
        return MediaResult(data=wav_bytes(cue), mime="audio/wav", usage=Usage(clips=1),
                           duration=round(len(cue) / RATE, 4))

    def _audio(self, interaction: Any) -> tuple[bytes, str]:
        if getattr(interaction, "status", "completed") not in ("completed", None):
            from aiuteur.engines.providers.google import _interaction_error

            raise _interaction_error(self.id, interaction)
        audio = getattr(interaction, "output_audio", None)
        data = getattr(audio, "data", None) if audio is not None else None
        if not data:
            raise MalformedResponse(f"{self.id} returned no audio", provider="gemini")
        try:
            return base64.b64decode(data, validate=True), str(getattr(audio, "mime_type", None) or "audio/mpeg")
        except ValueError as exc:
            raise MalformedResponse(f"{self.id}: the audio's inline data is not base64", provider="gemini") from exc


def _offline(model: str) -> object:
    return OfflineScore(model)


def _lyria(model: str) -> object:
    return LyriaMusic(model)


def register_music(register: Callable[..., None]) -> None:
    """aiuteur's music engines, declared through the registry hook like any plug-in."""
    register("music", "offline", _offline, local=True, models=["score"])
    register("music", "gemini", _lyria, models=list(LYRIA_MODELS))


__all__ = ["INSTRUMENTAL", "LYRIA_MODELS", "LyriaMusic", "OfflineScore", "music_prompt", "register_music"]
