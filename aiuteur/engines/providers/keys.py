"""API keys and base URLs, from the environment only.

Keys are read when an engine is built, handed straight to the SDK client, and never kept on an
engine attribute that could be printed, pickled, traced or exported. A missing key fails when the
engine is built (before any stage runs) with the name of the variable to set.
"""
from __future__ import annotations

import os

from aiuteur.engines.providers.errors import MissingExtra, MissingKey

#: provider -> environment variables that may hold its key, in the order the SDKs prefer them
KEY_ENV: dict[str, tuple[str, ...]] = {
    "openai": ("OPENAI_API_KEY",),
    "gemini": ("GOOGLE_API_KEY", "GEMINI_API_KEY"),
    "imagen": ("GOOGLE_API_KEY", "GEMINI_API_KEY"),
    "veo": ("GOOGLE_API_KEY", "GEMINI_API_KEY"),
    "anthropic": ("ANTHROPIC_API_KEY",),
    "fal": ("FAL_KEY",),
    "openai-compatible": ("AIUTEUR_OPENAI_COMPATIBLE_API_KEY",),
}

#: provider -> environment variable with a base URL (proxies, local servers, the test fakes)
BASE_URL_ENV: dict[str, str] = {
    "openai": "OPENAI_BASE_URL",
    "gemini": "GOOGLE_GEMINI_BASE_URL",
    "imagen": "GOOGLE_GEMINI_BASE_URL",
    "veo": "GOOGLE_GEMINI_BASE_URL",
    "anthropic": "ANTHROPIC_BASE_URL",
    "fal": "AIUTEUR_FAL_BASE_URL",
    "openai-compatible": "AIUTEUR_OPENAI_COMPATIBLE_BASE_URL",
}


def api_key(provider: str, engine_id: str) -> str:
    """The key for `provider`, or MissingKey naming the variable(s) to set."""
    names = KEY_ENV[provider]
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    wanted = " or ".join(names)
    raise MissingKey(f"{engine_id} needs an API key: set {wanted} in the environment "
                     "(keys are read from the environment only, never from files or the workspace)",
                     provider=provider)


def optional_key(provider: str) -> str | None:
    for name in KEY_ENV.get(provider, ()):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def base_url(provider: str) -> str | None:
    value = os.environ.get(BASE_URL_ENV.get(provider, ""), "").strip()
    return value.rstrip("/") or None


def require_module(module: str, extra: str, engine_id: str):
    """Import an optional SDK, or MissingExtra naming the pip extra that brings it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtra(f"{engine_id} needs the {module!r} package: pip install 'aiuteur[{extra}]'",
                           provider=engine_id.partition(":")[0]) from exc


def timeout_seconds(default: float = 120.0) -> float:
    """Per-request HTTP timeout (AIUTEUR_PROVIDER_TIMEOUT); long video work is polled, not waited on."""
    try:
        return float(os.environ.get("AIUTEUR_PROVIDER_TIMEOUT", default))
    except ValueError:
        return default
