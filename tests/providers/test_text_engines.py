"""Text engines through their real LangChain chat models and SDKs, over HTTP, against the fakes."""
from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, Field

from aiuteur.engines.protocols import TextRequest
from aiuteur.engines.providers.errors import (
    MalformedResponse, MissingKey, ProviderUnavailable, RateLimited, SafetyBlocked, StructuredOutputError,
)
from aiuteur.engines.registry import get_engine
from tests.fakes.fixtures import short_timeout
from tests.fakes.server import Reply


class Beat(BaseModel):
    title: str = Field(min_length=1)
    seconds: float = Field(gt=0)


class Sheet(BaseModel):
    beats: list[Beat] = Field(min_length=2)


GOOD = {"beats": [{"title": "Opening", "seconds": 10.0}, {"title": "Storm", "seconds": 20.0}]}
BAD = {"beats": [{"title": "Opening", "seconds": -1}]}  # parses as JSON, fails validation twice over
REQUEST = TextRequest(task="beats", system="You are a story editor.", prompt="Break the treatment into beats.")

# provider -> (fixture, engine id, route, key variable)
PROVIDERS = {
    "openai": ("fake_openai", "openai:gpt-4.1-mini", "chat", "OPENAI_API_KEY"),
    "gemini": ("fake_gemini", "gemini:gemini-2.5-flash", "generateContent", "GOOGLE_API_KEY"),
    "anthropic": ("fake_anthropic", "anthropic:claude-sonnet-4-6", "messages", "ANTHROPIC_API_KEY"),
    "openai-compatible": ("fake_openai_compatible", "openai-compatible:llama3.1:8b", "chat", None),
}


@pytest.fixture(params=list(PROVIDERS))
def text_case(request):
    fixture, engine_id, route, key = PROVIDERS[request.param]
    fake = request.getfixturevalue(fixture)
    return fake, engine_id, route, key


def answers(*values):
    """A text responder giving `values` in order (then the last one again)."""
    queue = list(values)

    def respond(ask):
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return respond


def test_structured_output_and_usage_from_the_provider(text_case):
    fake, engine_id, route, _ = text_case
    fake.control.respond("text", answers(GOOD))
    engine = get_engine("text", engine_id)
    sheet, usage = engine.write(REQUEST, Sheet)
    assert sheet == Sheet.model_validate(GOOD)
    billed = fake.control.usage[-1]
    assert (usage.input_tokens, usage.output_tokens) == (billed["input_tokens"], billed["output_tokens"])
    assert usage.input_tokens > 0 and usage.output_tokens > 0
    assert fake.control.count(route) == 1
    asked = fake.control.of(route)[0].json
    assert "Break the treatment into beats." in json.dumps(asked)


def test_one_retry_with_the_validation_error_fed_back(text_case):
    fake, engine_id, route, _ = text_case
    fake.control.respond("text", answers(BAD, GOOD))
    sheet, usage = get_engine("text", engine_id).write(REQUEST, Sheet)
    assert sheet == Sheet.model_validate(GOOD)
    assert fake.control.count(route) == 2
    second = json.dumps(fake.control.of(route)[1].json)
    assert "did not validate" in second and "seconds" in second  # the error itself went back to the model
    assert usage.input_tokens == sum(u["input_tokens"] for u in fake.control.usage)  # both calls are billed


def test_second_invalid_answer_is_a_clear_typed_failure(text_case):
    fake, engine_id, route, _ = text_case
    fake.control.respond("text", answers(BAD))
    with pytest.raises(StructuredOutputError) as caught:
        get_engine("text", engine_id).write(REQUEST, Sheet)
    assert fake.control.count(route) == 2  # one retry, not more
    assert "Sheet" in str(caught.value) and caught.value.billed
    assert "Opening" in caught.value.raw


def test_safety_block_is_recorded_with_the_providers_reason(text_case):
    fake, engine_id, route, _ = text_case
    fake.control.queue(route, fake.provider.safety(route))
    with pytest.raises(SafetyBlocked) as caught:
        get_engine("text", engine_id).write(REQUEST, Sheet)
    assert caught.value.reason and not caught.value.retryable
    assert fake.control.count(route) == 1  # a refusal is final: no structured-output retry


def test_rate_limit_is_not_retried_by_the_sdk_and_keeps_retry_after(text_case):
    fake, engine_id, route, _ = text_case
    limited = fake.provider.rate_limited(7) if hasattr(fake.provider, "rate_limited") else Reply.rate_limited(7)
    fake.control.queue(route, limited)
    with pytest.raises(RateLimited) as caught:
        get_engine("text", engine_id).write(REQUEST, Sheet)
    assert caught.value.retryable and caught.value.retry_after == 7
    assert fake.control.count(route) == 1  # max_retries=0: our job runner decides


def test_server_error_is_retryable(text_case):
    fake, engine_id, route, _ = text_case
    fake.control.queue(route, Reply.server_error(503))
    with pytest.raises(ProviderUnavailable) as caught:
        get_engine("text", engine_id).write(REQUEST, Sheet)
    assert caught.value.status == 503 and caught.value.retryable
    assert fake.control.count(route) == 1


def test_missing_key_names_the_variable_and_sends_nothing(text_case, monkeypatch):
    fake, engine_id, route, key = text_case
    if key is None:
        pytest.skip("a local OpenAI-compatible server needs no key")
    for name in ("OPENAI_API_KEY", "GOOGLE_API_KEY", "GEMINI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(MissingKey, match=key):
        get_engine("text", engine_id)
    assert fake.control.count() == 0


def test_timeout_is_a_retryable_failure(fake_openai, monkeypatch):
    short_timeout(monkeypatch)
    fake_openai.control.queue("chat", Reply.timeout(4))  # the client gives up after SHORT_TIMEOUT_S
    with pytest.raises(ProviderUnavailable):
        get_engine("text", "openai:gpt-4.1-mini").write(REQUEST, Sheet)
    assert fake_openai.control.count("chat") == 1


def test_malformed_json_from_the_server_is_typed(fake_openai):
    fake_openai.control.queue("chat", Reply.malformed())
    with pytest.raises((MalformedResponse, ProviderUnavailable)):
        get_engine("text", "openai:gpt-4.1-mini").write(REQUEST, Sheet)


def test_openai_compatible_needs_its_base_url(provider_env, monkeypatch):
    from aiuteur.engines.providers.errors import ProviderError

    monkeypatch.delenv("AIUTEUR_OPENAI_COMPATIBLE_BASE_URL", raising=False)
    with pytest.raises(ProviderError, match="AIUTEUR_OPENAI_COMPATIBLE_BASE_URL"):
        get_engine("text", "openai-compatible:llama3.1")


def test_the_engine_never_shows_its_key(fake_openai, provider_env):
    engine = get_engine("text", "openai:gpt-4.1-mini")
    assert provider_env["OPENAI_API_KEY"] not in repr(engine)
    assert provider_env["OPENAI_API_KEY"] not in repr(vars(engine))


def test_the_fake_serves_the_responses_api_with_a_json_schema(fake_openai):
    """B's and others' tests may drive the Responses API; the fake answers it in its wire format."""
    from openai import OpenAI

    client = OpenAI(base_url=fake_openai.url + "/v1", api_key="sk-test", max_retries=0)
    fake_openai.control.respond("text", answers(GOOD))
    response = client.responses.parse(model="gpt-4.1-mini", input="beats please", text_format=Sheet)
    assert response.output_parsed == Sheet.model_validate(GOOD)
    assert response.usage.input_tokens > 0
    assert fake_openai.control.of("responses")[0].json["text"]["format"]["type"] == "json_schema"


def test_anthropic_without_its_extra_names_the_extra(provider_env, monkeypatch):
    import sys

    from aiuteur.engines.providers.errors import MissingExtra

    monkeypatch.setitem(sys.modules, "langchain_anthropic", None)  # as if `aiuteur[anthropic]` were not installed
    with pytest.raises(MissingExtra, match=r"aiuteur\[anthropic\]"):
        get_engine("text", "anthropic:claude-sonnet-4-6")
