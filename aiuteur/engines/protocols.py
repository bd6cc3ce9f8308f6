"""The three engine protocols. An engine has an id `"provider:model"` and one method for its kind.

Requests carry both a rendered prompt (what a real model reads) and `context`, the structured
inputs the prompt was rendered from (what the offline engines read). Both go into the
idempotency key, so the same inputs are paid for once whichever engine runs.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ConfigDict

M = TypeVar("M", bound=BaseModel)


class Usage(BaseModel):
    """What a call consumed, in the units providers bill. `input_image_tokens` are input images
    counted as tokens (gpt-image-1 bills them apart from text). `tier` is the price tier the units
    are billed at when a model has several (an image's `size/quality`, a clip's
    `resolution/audio|silent`): see `aiuteur.costs.prices`; None is the model's base price."""

    input_tokens: int = 0
    input_image_tokens: int = 0
    output_tokens: int = 0
    images: int = 0
    video_seconds: float = 0.0
    tier: str | None = None
    characters: int = 0  # characters of text spoken (ElevenLabs bills speech by the character)
    clips: int = 0  # generated pieces of music (Lyria bills per song, whatever its length)


class TextRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    task: str
    system: str
    prompt: str
    context: dict[str, Any] = {}
    seed: int = 0


class ImageRequest(BaseModel):
    """An image to make. With `mask` it is an edit: repaint the region of `references[0]` (the image
    to edit) where the mask is white (a greyscale PNG of the same size), keep the rest; engines that
    cannot edit refuse it (`ImageEditor` says which can)."""

    model_config = ConfigDict(frozen=True)

    prompt: str
    width: int
    height: int
    context: dict[str, Any] = {}
    references: list[Path] = []
    seed: int = 0
    mask: Path | None = None


class VideoRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    prompt: str
    duration: float
    fps: int
    width: int
    height: int
    start_frame: Path
    end_frame: Path | None = None
    context: dict[str, Any] = {}
    seed: int = 0


class SpeechRequest(BaseModel):
    """One line to speak. `prompt` is the words; `voice` the engine's own voice id; `instructions`
    what an instructable model is told about delivery (the voice's description, the parenthetical);
    `pitch` in semitones and `pace` as a speed factor, for engines that take them."""

    model_config = ConfigDict(frozen=True)

    prompt: str
    voice: str
    instructions: str = ""
    pitch: float = 0.0
    pace: float = 1.0
    language: str = "en"
    context: dict[str, Any] = {}
    seed: int = 0


class MusicRequest(BaseModel):
    """One piece of music to compose: `prompt` says mood, instruments and tempo; `seconds` how long
    the scene needs it (a model that makes fixed-length clips is looped by the mix)."""

    model_config = ConfigDict(frozen=True)

    prompt: str
    seconds: float = 30.0
    negative_prompt: str = ""
    context: dict[str, Any] = {}
    seed: int = 0


class MediaResult(BaseModel):
    """Bytes an image or video engine produced, with their facts."""

    data: bytes
    mime: str
    usage: Usage
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    frames: int | None = None
    note: str | None = None  # e.g. "end frame not supported: first frame only"


@runtime_checkable
class TextEngine(Protocol):
    id: str

    def write(self, request: TextRequest, schema: type[M]) -> tuple[M, Usage]: ...


@runtime_checkable
class ImageEngine(Protocol):
    id: str

    def image(self, request: ImageRequest) -> MediaResult: ...


@runtime_checkable
class ImageEditor(Protocol):
    """An image engine that can repaint a masked region (`ImageRequest.mask`): its `image` does the
    edit when the request has a mask, and `can_edit` says so before anything is asked or paid."""

    id: str

    def image(self, request: ImageRequest) -> MediaResult: ...

    def can_edit(self) -> bool: ...


@runtime_checkable
class VideoEngine(Protocol):
    id: str

    def video(self, request: VideoRequest) -> MediaResult: ...


@runtime_checkable
class SpeechEngine(Protocol):
    id: str

    def speak(self, request: SpeechRequest) -> MediaResult: ...


@runtime_checkable
class MusicEngine(Protocol):
    id: str

    def compose(self, request: MusicRequest) -> MediaResult: ...


class EngineError(Exception):
    """An engine call failed; the generation row holds the details.

    Its message is scrubbed of API keys when it is made (`aiuteur.engines.secrets`): providers echo
    keys in error bodies, and every engine error ends up stored, logged or printed."""

    def __init__(self, *args: object) -> None:
        from aiuteur.engines.secrets import scrub_text

        super().__init__(*(scrub_text(a) if isinstance(a, str) else a for a in args))
