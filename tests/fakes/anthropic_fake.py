"""A fake Anthropic Messages API: `messages` (POST /v1/messages), with tool use for structured output.

Billing follows Anthropic's rules, counted here with the fakes' own tokenizer: input is the system
prompt, every message, the tool definitions and the tool-use system prompt Anthropic adds when
tools are given (346 tokens with `tool_choice` auto/none, 313 with any/tool); output stops at the
request's `max_tokens` (stop reason `max_tokens`). Every bill goes to `control.usage`.
"""
from __future__ import annotations

import itertools
import json
from typing import Any

from tests.fakes.openai_fake import TextAsk, count_tokens, text_for, truncate_to_tokens
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
        input_tokens = count_tokens(system) + sum(count_tokens(m["text"]) + 3 for m in flat)
        if tools:
            choice = (body.get("tool_choice") or {}).get("type", "auto")
            input_tokens += count_tokens(json.dumps(tools)) + (313 if choice in ("any", "tool") else 346)
        limit = int(body["max_tokens"])  # required by the API
        text = answer if isinstance(answer, str) else json.dumps(answer)
        if count_tokens(text) > limit:  # Anthropic stops writing at max_tokens, mid-answer
            text = truncate_to_tokens(text, limit)
            content, output_tokens, stop = [{"type": "text", "text": text}], count_tokens(text), "max_tokens"
        elif tool and not isinstance(answer, str):
            content = [{"type": "tool_use", "id": f"toolu_{next(self._ids)}", "name": tool["name"], "input": answer}]
            output_tokens, stop = count_tokens(text), "tool_use"
        else:
            content = [{"type": "text", "text": text}]
            output_tokens, stop = count_tokens(text), "end_turn"
        self.control.bill(route="messages", model=body["model"], input_tokens=input_tokens, output_tokens=output_tokens)
        return {"id": f"msg_{next(self._ids)}", "type": "message", "role": "assistant", "model": body["model"],
                "content": content, "stop_reason": stop, "stop_sequence": None,
                "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens}}
