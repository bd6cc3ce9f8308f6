"""Pytest fixtures: a fake provider on a free port, the environment pointing the real SDKs at it.

Each fixture starts its server in a thread, sets the provider's base-URL variable (and a dummy key)
with monkeypatch, yields the `RunningFake` (`.url`, `.control`, `.provider`) and stops it after.

Google has two surfaces: `fake_gemini` is the Gemini Developer API (a key); `fake_vertex` is the
same fake serving Vertex AI with a project and offline application-default credentials as well;
`fake_vertex_express` is Vertex AI express mode (GOOGLE_GENAI_USE_VERTEXAI=true with a key).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import pytest

from tests.fakes.anthropic_fake import AnthropicFake
from tests.fakes.fal_fake import FalFake
from tests.fakes.gemini_fake import GeminiFake
from tests.fakes.langsmith_fake import LangSmithFake
from tests.fakes.openai_fake import OpenAIFake
from tests.fakes.server import RunningFake

#: the Vertex AI project and region the fakes are called with
VERTEX_PROJECT, VERTEX_LOCATION = "aiuteur-test", "us-central1"
#: Google variables a developer's shell may carry; tests start without them
GOOGLE_ENV = ("GOOGLE_GEMINI_BASE_URL", "GOOGLE_VERTEX_BASE_URL", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION",
              "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_GENAI_USE_ENTERPRISE",
              "GOOGLE_GENAI_API_VERSION")
FAKE_KEYS = {
    "OPENAI_API_KEY": "fake-openai-key-0001",
    "GOOGLE_API_KEY": "fake-google-key-0002",
    "ANTHROPIC_API_KEY": "sk-ant-fake-key-0003",
    "FAL_KEY": "fake-fal-key-0004",
}


@pytest.fixture
def provider_env(monkeypatch, tmp_path_factory):
    """A clean provider environment: fake keys set, real keys, base URLs and Google project settings
    from the shell removed, google-auth kept offline, tracing off. The HTTP timeout is long enough for
    a fake doing real work (encoding a clip or a cue) on a loaded machine: a timed-out request is
    retried and bought again, as a real provider would bill it; a timeout test sets its own
    (`short_timeout`)."""
    for name in ("GEMINI_API_KEY", "OPENAI_BASE_URL", *GOOGLE_ENV, "ANTHROPIC_BASE_URL",
                 "AIUTEUR_FAL_BASE_URL", "AIUTEUR_OPENAI_COMPATIBLE_BASE_URL", "AIUTEUR_OPENAI_COMPATIBLE_API_KEY",
                 "LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2", "LANGSMITH_ENDPOINT", "LANGSMITH_API_KEY",
                 "AIUTEUR_TEXT_ENGINE", "AIUTEUR_IMAGE_ENGINE", "AIUTEUR_VIDEO_ENGINE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in FAKE_KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AIUTEUR_PROVIDER_TIMEOUT", "30")
    monkeypatch.setenv("AIUTEUR_VIDEO_POLL_SECONDS", "0.01")
    offline_google_auth(monkeypatch, tmp_path_factory.mktemp("gcloud"))
    return FAKE_KEYS


#: the client timeout of a timeout test: a fake stalling `Reply.timeout(4)` outlasts it
SHORT_TIMEOUT_S = 2


def short_timeout(monkeypatch) -> None:
    """Clients made from now on give up after SHORT_TIMEOUT_S (a timeout test's stalled reply)."""
    monkeypatch.setenv("AIUTEUR_PROVIDER_TIMEOUT", str(SHORT_TIMEOUT_S))


def offline_google_auth(monkeypatch, empty_dir: Path) -> None:
    """google-auth looks for application-default credentials in gcloud's folder and then asks the
    GCE metadata server (a network call): point the first at an empty folder, skip the second."""
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(empty_dir))
    try:
        from google.auth.compute_engine import _metadata
    except ImportError:  # google-auth comes with the providers extra
        return
    monkeypatch.setattr(_metadata, "_NO_GCE_CHECK", True)


def vertex_credentials(directory: Path) -> Path:
    """An `authorized_user` credentials file whose access token is valid until 2099: google-auth
    loads it and google-genai sends its token without any network call."""
    path = Path(directory) / "application_default_credentials.json"
    path.write_text(json.dumps({"type": "authorized_user", "client_id": "fake-client.apps.googleusercontent.com",
                                "client_secret": "fake-client-secret", "refresh_token": "fake-refresh-token",
                                "token": "fake-vertex-access-token", "expiry": "2099-01-01T00:00:00Z"}))
    return path


def vertex_env(url: str, directory: Path) -> dict[str, str]:
    """The environment of a Vertex AI project user, pointed at a fake on `url`."""
    return {"GOOGLE_VERTEX_BASE_URL": url, "GOOGLE_CLOUD_PROJECT": VERTEX_PROJECT,
            "GOOGLE_CLOUD_LOCATION": VERTEX_LOCATION,
            "GOOGLE_APPLICATION_CREDENTIALS": str(vertex_credentials(directory))}


def _serve(provider, monkeypatch, env: dict[str, str]) -> Iterator[RunningFake]:
    fake = RunningFake(provider)
    for name, suffix in env.items():
        monkeypatch.setenv(name, fake.url + suffix)
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def fake_openai(provider_env, monkeypatch) -> Iterator[RunningFake]:
    yield from _serve(OpenAIFake(), monkeypatch, {"OPENAI_BASE_URL": "/v1"})


@pytest.fixture
def fake_openai_compatible(provider_env, monkeypatch) -> Iterator[RunningFake]:
    """An OpenAI-compatible local server (Ollama, vLLM, LM Studio stand-in)."""
    yield from _serve(OpenAIFake(), monkeypatch, {"AIUTEUR_OPENAI_COMPATIBLE_BASE_URL": "/v1"})


@pytest.fixture
def fake_gemini(provider_env, monkeypatch) -> Iterator[RunningFake]:
    """The Gemini Developer API (GOOGLE_API_KEY): Gemini text and images, Omni video."""
    yield from _serve(GeminiFake(), monkeypatch, {"GOOGLE_GEMINI_BASE_URL": ""})


@pytest.fixture
def fake_vertex(provider_env, monkeypatch, tmp_path_factory) -> Iterator[RunningFake]:
    """One Google fake serving the Gemini Developer API and Vertex AI with a project
    (GOOGLE_CLOUD_PROJECT, GOOGLE_CLOUD_LOCATION, offline credentials): Veo, Imagen, Gemini."""
    fake = RunningFake(GeminiFake())
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", fake.url)
    for name, value in vertex_env(fake.url, tmp_path_factory.mktemp("vertex")).items():
        monkeypatch.setenv(name, value)
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def fake_vertex_express(provider_env, monkeypatch) -> Iterator[RunningFake]:
    """Vertex AI express mode: GOOGLE_GENAI_USE_VERTEXAI=true with the key in GOOGLE_API_KEY."""
    monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "true")
    yield from _serve(GeminiFake(), monkeypatch, {"GOOGLE_VERTEX_BASE_URL": ""})


@pytest.fixture
def fake_anthropic(provider_env, monkeypatch) -> Iterator[RunningFake]:
    yield from _serve(AnthropicFake(), monkeypatch, {"ANTHROPIC_BASE_URL": ""})


@pytest.fixture
def fake_fal(provider_env, monkeypatch) -> Iterator[RunningFake]:
    yield from _serve(FalFake(), monkeypatch, {"AIUTEUR_FAL_BASE_URL": ""})


@pytest.fixture
def fake_langsmith(provider_env, monkeypatch) -> Iterator[RunningFake]:
    """Tracing on, sent to a local fake LangSmith (never the network)."""
    fake = RunningFake(LangSmithFake())
    monkeypatch.setenv("LANGSMITH_TRACING", "true")
    monkeypatch.setenv("LANGSMITH_ENDPOINT", fake.url)
    monkeypatch.setenv("LANGSMITH_API_KEY", "lsv2-fake-langsmith-key-0005")
    _reset_langsmith()
    try:
        yield fake
    finally:
        from aiuteur import tracing

        tracing.flush()
        _reset_langsmith()
        fake.stop()


def _reset_langsmith() -> None:
    """langsmith caches its environment reads and its client: start each tracing test afresh."""
    import langsmith.run_trees as run_trees
    import langsmith.utils as ls_utils

    ls_utils.get_env_var.cache_clear()
    run_trees._CLIENT = None
