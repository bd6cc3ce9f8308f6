"""API keys and base URLs, from the environment only.

Keys are read when an engine is built, handed straight to the SDK client, and never kept on an
engine attribute that could be printed, pickled, traced or exported. A missing key fails when the
engine is built (before any stage runs) with the name of the variable to set.

Google engines read the variables google-genai itself reads, so a studio's proxy, gateway or
Vertex project set-up works unchanged: `GOOGLE_API_KEY`/`GEMINI_API_KEY`, `GOOGLE_GEMINI_BASE_URL`
(Gemini Developer API), `GOOGLE_VERTEX_BASE_URL`, `GOOGLE_CLOUD_PROJECT`, `GOOGLE_CLOUD_LOCATION`,
`GOOGLE_APPLICATION_CREDENTIALS` (Vertex AI), `GOOGLE_GENAI_USE_VERTEXAI` and
`GOOGLE_GENAI_API_VERSION` (read by the SDK itself).
"""
from __future__ import annotations

import os

from aiuteur.engines.key_env import KEY_ENV  # re-exported; data only, shared with aiuteur.engines.secrets
from aiuteur.engines.providers.errors import MissingExtra, MissingKey

#: provider -> environment variable with a base URL (proxies, local servers, the test fakes)
BASE_URL_ENV: dict[str, str] = {
    "openai": "OPENAI_BASE_URL",
    "gemini": "GOOGLE_GEMINI_BASE_URL",
    "imagen": "GOOGLE_VERTEX_BASE_URL",
    "veo": "GOOGLE_VERTEX_BASE_URL",
    "vertex": "GOOGLE_VERTEX_BASE_URL",
    "anthropic": "ANTHROPIC_BASE_URL",
    "fal": "AIUTEUR_FAL_BASE_URL",
    "openai-compatible": "AIUTEUR_OPENAI_COMPATIBLE_BASE_URL",
    "elevenlabs": "AIUTEUR_ELEVENLABS_BASE_URL",
}


#: providers google-genai serves only through Vertex AI (a project with credentials, or express mode)
VERTEX_PROVIDERS = ("veo", "imagen")
#: the default Vertex AI region when GOOGLE_CLOUD_LOCATION is not set: Veo and Imagen are served there
DEFAULT_VERTEX_LOCATION = "us-central1"


def env(name: str) -> str | None:
    """A variable's value, stripped; None when unset or blank."""
    return os.environ.get(name, "").strip() or None


def use_vertexai() -> bool:
    """google-genai's own switch to Vertex AI: GOOGLE_GENAI_USE_ENTERPRISE wins over
    GOOGLE_GENAI_USE_VERTEXAI when both are set, as in the SDK."""
    value = env("GOOGLE_GENAI_USE_ENTERPRISE") or env("GOOGLE_GENAI_USE_VERTEXAI") or ""
    return value.lower() in ("1", "true")


def vertex_project() -> str | None:
    return env("GOOGLE_CLOUD_PROJECT")


def vertex_location() -> str:
    return env("GOOGLE_CLOUD_LOCATION") or DEFAULT_VERTEX_LOCATION


def vertex_configured(provider: str) -> bool:
    """A Vertex AI route is set up in the environment: a project (its credentials are checked when
    an engine is built) or express mode (GOOGLE_GENAI_USE_VERTEXAI=true with an API key)."""
    return vertex_project() is not None or (use_vertexai() and optional_key(provider) is not None)


def key_set(provider: str, names: list[str] | tuple[str, ...]) -> bool:
    """Whether an engine of `provider` has what it needs in the environment (for `aiuteur engines`)."""
    if provider in VERTEX_PROVIDERS:
        return vertex_configured(provider)
    return any(env(name) for name in names) if names else True


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


def max_output_tokens(default: int = 16000) -> int:
    """The most tokens a text engine lets a model write per call (AIUTEUR_MAX_OUTPUT_TOKENS).

    Every text engine sends it as the provider's max-tokens parameter, so a call's cost has a
    ceiling the budget gate can reserve before the call starts (`TextEngine.estimate`)."""
    raw = os.environ.get("AIUTEUR_MAX_OUTPUT_TOKENS", "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ValueError(f"AIUTEUR_MAX_OUTPUT_TOKENS must be a whole number of tokens > 0, not {raw!r}")
    return value
