"""The gateway: every call recorded, the same inputs paid for once, failures recorded too."""
from __future__ import annotations

import pytest
from pydantic import BaseModel

from aiuteur.engines.gateway import Call, generate_text, idempotency_key
from aiuteur.engines.protocols import EngineError, TextRequest, Usage
from aiuteur.engines.templates import load_template


class Answer(BaseModel):
    text: str


class SpyEngine:
    """A scripted text engine that counts its calls and can fail on cue."""

    def __init__(self, engine_id: str = "openai:gpt-4.1-mini", fail: bool = False) -> None:
        self.id = engine_id
        self.calls = 0
        self.fail = fail

    def write(self, request, schema):
        self.calls += 1
        if self.fail:
            raise TimeoutError("provider timed out")
        return schema(text=request.prompt.upper()), Usage(input_tokens=1000, output_tokens=500)


@pytest.fixture
def call(store, config):
    project = store.create_project("p", config)
    return Call(project, "beats", load_template("beats"))


def test_same_request_is_paid_once(store, call):
    engine = SpyEngine()
    request = TextRequest(task="beats", system="sys", prompt="hello")
    first, outcome1 = generate_text(store, call, engine, request, Answer)
    second, outcome2 = generate_text(store, call, engine, request, Answer)
    assert engine.calls == 1 and first == second
    assert (outcome1.cached, outcome2.cached) == (False, True)
    rows = store.generations(call.project.id)
    assert len(rows) == 1
    row = rows[0]
    assert row.status == "ok" and row.engine == "openai:gpt-4.1-mini" and row.model == "gpt-4.1-mini"
    assert row.template_id == "beats" and row.template_version == "1"
    assert row.usage == {"input_tokens": 1000, "input_image_tokens": 0, "output_tokens": 500, "images": 0,
                         "video_seconds": 0.0, "tier": None, "characters": 0, "clips": 0}
    assert row.actual_cost == pytest.approx(1000 / 1e6 * 0.40 + 500 / 1e6 * 1.60)
    assert row.estimated_cost > 0 and row.latency_ms is not None and "hello" in row.rendered_prompt


def test_an_edited_prompt_is_a_new_call(store, call):
    engine = SpyEngine()
    generate_text(store, call, engine, TextRequest(task="beats", system="", prompt="one"), Answer)
    generate_text(store, call, engine, TextRequest(task="beats", system="", prompt="one, edited"), Answer)
    assert engine.calls == 2


def test_failures_are_recorded_and_not_cached(store, call):
    request = TextRequest(task="beats", system="", prompt="x")
    with pytest.raises(EngineError, match="provider timed out"):
        generate_text(store, call, SpyEngine(fail=True), request, Answer)
    rows = store.generations(call.project.id)
    assert [r.status for r in rows] == ["error"] and "TimeoutError" in rows[0].error
    engine = SpyEngine()
    generate_text(store, call, engine, request, Answer)
    assert engine.calls == 1  # the failure did not fulfil the key


def test_keys_are_stable_and_depend_on_engine_and_prompt():
    request = TextRequest(task="t", system="s", prompt="p")
    key = idempotency_key("a:b", "text", request)
    assert key == idempotency_key("a:b", "text", TextRequest(task="t", system="s", prompt="p"))
    assert key.startswith("sha256:")
    assert key != idempotency_key("a:c", "text", request)
    assert key != idempotency_key("a:b", "text", TextRequest(task="t", system="s", prompt="q"))
