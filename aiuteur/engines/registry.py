"""One registry finds engines by id (`"provider:model"`), built-in and plug-in alike."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from aiuteur.engines.protocols import ImageEngine, TextEngine, VideoEngine

Factory = Callable[[str], object]  # model name -> engine
_FACTORIES: dict[tuple[str, str], Factory] = {}


class UnknownEngine(ValueError):
    pass


def register(kind: str, provider: str, factory: Factory) -> None:
    """Make `provider:*` ids of `kind` ("text"|"image"|"video") resolvable."""
    _FACTORIES[(kind, provider)] = factory


def providers(kind: str) -> list[str]:
    """The providers whose `provider:*` ids resolve for `kind`."""
    return sorted(p for k, p in _FACTORIES if k == kind)


def get_engine(kind: str, engine_id: str):
    provider, _, model = engine_id.partition(":")
    factory = _FACTORIES.get((kind, provider))
    if factory is None or not model:
        known = sorted(f"{p}:*" for k, p in _FACTORIES if k == kind)
        raise UnknownEngine(f"no {kind} engine {engine_id!r}; known providers: {', '.join(known)}")
    return factory(model)


@dataclass(frozen=True)
class Engines:
    """The engines a run uses, one per kind."""

    text: TextEngine
    image: ImageEngine
    video: VideoEngine

    @classmethod
    def offline(cls) -> "Engines":
        return cls.from_ids()

    @classmethod
    def from_ids(
        cls,
        text: str = "offline:draft-writer",
        image: str = "offline:storyboard",
        video: str = "offline:animatic",
    ) -> "Engines":
        return cls(get_engine("text", text), get_engine("image", image), get_engine("video", video))

    def ids(self) -> dict[str, str]:
        return {"text": self.text.id, "image": self.image.id, "video": self.video.id}


def _offline(kind: str) -> Factory:
    """Built-ins register like plug-ins; their modules load on first use."""

    def make(model: str) -> object:
        from aiuteur.engines import offline

        cls = {"text": offline.DraftWriter, "image": offline.StoryboardRenderer, "video": offline.AnimaticRenderer}[kind]
        return cls(model)

    return make


def _register_builtins() -> None:
    for kind in ("text", "image", "video"):
        register(kind, "offline", _offline(kind))


def _register_providers() -> None:
    """Real engines (OpenAI, Gemini, Anthropic, Veo, fal...); their SDKs load when an engine is built."""
    from aiuteur.engines.providers import register_all

    register_all(register)


_register_builtins()
_register_providers()
