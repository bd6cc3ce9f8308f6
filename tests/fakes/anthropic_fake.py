"""A fake Anthropic Messages API: `messages` (POST /v1/messages), with tool use for structured output."""
from __future__ import annotations

import itertools
import json
from typing import Any

from tests.fakes.content import tokens
from tests.fakes.openai_fake import TextAsk, text_for
from tests.fakes.server import FakeProvider, Recorded, Reply


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") if b.get("type") == "text" else json.dumps(b.get("input", ""))
                   for b in content or [] if isinstance(b, dict))


class AnthropicFake(FakeProvider):
    name = "anthropic"
    _ids = itertools.count(1)

    def route(self, method: str, path: str) -> str | None:
        return "messages" if method == "POST" and path == "/v1/messages" else None

    @staticmethod
    def rate_limited(retry_after: float = 1.0) -> Reply:
        return Reply(429, {"type": "error", "error": {"type": "rate_limit_error", "message": "rate limited"}},
                     headers={"Retry-After": f"{retry_after:g}"})

    def safety(self, route: str = "messages", reason: str = "refusal") -> Reply:
        return Reply(json={"id": "msg_refused", "type": "message", "role": "assistant", "model": "claude",
                           "content": [], "stop_reason": reason, "stop_sequence": None,
                           "usage": {"input_tokens": 10, "output_tokens": 0}})

    def default(self, route: str, request: Recorded) -> Reply | Any:
        body = request.json
        system = _text(body.get("system", ""))
        flat = [{"role": m["role"], "text": _text(m.get("content"))} for m in body.get("messages", [])]
        tools = body.get("tools") or []
        tool = tools[0] if tools else None
        schema = tool.get("input_schema") if tool else None
        ask = TextAsk(self.name, body["model"], tool.get("name") if tool else None, schema, system,
                      next((m["text"] for m in flat if m["role"] == "user"), ""),
                      ([{"role": "system", "text": system}] if system else []) + flat)
        answer = text_for(self, ask)
        if isinstance(answer, Reply):
            return answer
        input_tokens = tokens(system + "".join(m["text"] for m in flat))
        if tool and not isinstance(answer, str):
            content = [{"type": "tool_use", "id": f"toolu_{next(self._ids)}", "name": tool["name"], "input": answer}]
            output_tokens, stop = tokens(json.dumps(answer)), "tool_use"
        else:
            text = answer if isinstance(answer, str) else json.dumps(answer)
            content = [{"type": "text", "text": text}]
            output_tokens, stop = tokens(text), "end_turn"
        self.control.bill(route="messages", model=body["model"], input_tokens=input_tokens, output_tokens=output_tokens)
        return {"id": f"msg_{next(self._ids)}", "type": "message", "role": "assistant", "model": body["model"],
                "content": content, "stop_reason": stop, "stop_sequence": None,
                "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens}}
