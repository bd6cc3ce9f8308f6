"""Pytest fixtures: a fake provider on a free port, the environment pointing the real SDKs at it.

Each fixture starts its server in a thread, sets the provider's base-URL variable (and a dummy key)
with monkeypatch, yields the `RunningFake` (`.url`, `.control`, `.provider`) and stops it after.
"""
from __future__ import annotations

from typing import Iterator

import pytest

from tests.fakes.anthropic_fake import AnthropicFake
from tests.fakes.fal_fake import FalFake
from tests.fakes.gemini_fake import GeminiFake
from tests.fakes.langsmith_fake import LangSmithFake
from tests.fakes.openai_fake import OpenAIFake
from tests.fakes.server import RunningFake

FAKE_KEYS = {
    "OPENAI_API_KEY": "fake-openai-key-0001",
    "GOOGLE_API_KEY": "fake-google-key-0002",
    "ANTHROPIC_API_KEY": "sk-ant-fake-key-0003",
    "FAL_KEY": "fake-fal-key-0004",
}


@pytest.fixture
def provider_env(monkeypatch):
    """A clean provider environment: fake keys set, real keys and base URLs from the shell removed,
    a short HTTP timeout so timeout tests are quick, tracing off."""
    for name in ("GEMINI_API_KEY", "OPENAI_BASE_URL", "GOOGLE_GEMINI_BASE_URL", "ANTHROPIC_BASE_URL",
                 "AIUTEUR_FAL_BASE_URL", "AIUTEUR_OPENAI_COMPATIBLE_BASE_URL", "AIUTEUR_OPENAI_COMPATIBLE_API_KEY",
                 "LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2", "LANGSMITH_ENDPOINT", "LANGSMITH_API_KEY",
                 "AIUTEUR_TEXT_ENGINE", "AIUTEUR_IMAGE_ENGINE", "AIUTEUR_VIDEO_ENGINE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in FAKE_KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AIUTEUR_PROVIDER_TIMEOUT", "2")
    monkeypatch.setenv("AIUTEUR_VIDEO_POLL_SECONDS", "0.01")
    return FAKE_KEYS


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
    yield from _serve(GeminiFake(), monkeypatch, {"GOOGLE_GEMINI_BASE_URL": ""})


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
