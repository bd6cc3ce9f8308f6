"""Real engines: LangChain text models, Google (Gemini image, Gemini Omni video, Imagen, Veo),
OpenAI (gpt-image-1, Sora, retired) and fal.ai video. `register_all` makes their ids resolvable in
the engine registry; each SDK is imported only when an engine of that provider is built.

| kind  | ids                                                                              |
|-------|----------------------------------------------------------------------------------|
| text  | `openai:<model>`, `gemini:<model>`, `anthropic:<model>`, `openai-compatible:<model>` |
| image | `gemini:<model>`, `imagen:<model>`, `openai:gpt-image-1`                         |
| video | `veo:<model>`, `gemini:<omni model>`, `fal:<model>`, `openai:sora-2` (retired)   |
"""
from __future__ import annotations

import importlib
from typing import Callable

from aiuteur.engines.providers.errors import (
    BadRequest, MalformedResponse, MissingCredentials, MissingExtra, MissingKey, ProviderError, ProviderUnavailable,
    RateLimited, SafetyBlocked, StructuredOutputError,
)

#: (kind, provider) -> "module:Class" (or "module:function" returning a factory for text)
PROVIDERS: dict[tuple[str, str], str] = {
    ("image", "gemini"): "aiuteur.engines.providers.google:GeminiImageEngine",
    ("image", "imagen"): "aiuteur.engines.providers.google:ImagenEngine",
    ("image", "openai"): "aiuteur.engines.providers.openai_media:OpenAIImageEngine",
    ("video", "veo"): "aiuteur.engines.providers.google:VeoEngine",
    ("video", "gemini"): "aiuteur.engines.providers.google:GeminiVideoEngine",
    ("video", "fal"): "aiuteur.engines.providers.fal:FalVideoEngine",
    ("video", "openai"): "aiuteur.engines.providers.openai_media:SoraVideoEngine",
}
TEXT_PROVIDERS = ("openai", "openai-compatible", "gemini", "anthropic")


def _lazy(target: str) -> Callable[[str], object]:
    module_name, _, attr = target.partition(":")

    def factory(model: str) -> object:
        return getattr(importlib.import_module(module_name), attr)(model)

    return factory


def _text(provider: str) -> Callable[[str], object]:
    def factory(model: str) -> object:
        from aiuteur.engines.providers import text

        return text.make(provider)(model)

    return factory


def register_all(register: Callable[[str, str, Callable[[str], object]], None]) -> None:
    """Register every real provider with `register(kind, provider, factory)`."""
    for provider in TEXT_PROVIDERS:
        register("text", provider, _text(provider))
    for (kind, provider), target in PROVIDERS.items():
        register(kind, provider, _lazy(target))


__all__ = ["register_all", "ProviderError", "MissingKey", "MissingCredentials", "MissingExtra", "RateLimited",
           "ProviderUnavailable", "BadRequest", "SafetyBlocked", "StructuredOutputError", "MalformedResponse"]
