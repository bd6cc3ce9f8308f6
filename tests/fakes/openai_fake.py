"""A fake OpenAI API (also any OpenAI-compatible server: Ollama, vLLM, LM Studio).

Routes: `chat` (POST /v1/chat/completions), `responses` (POST /v1/responses), `images.generate`,
`images.edit` (multipart), `videos.create` (multipart), `videos.retrieve`, `videos.content`.
Text answers follow the request's JSON schema (`response_format` / `text.format`): by default a
minimal instance of it, or what `control.respond("text", fn)` returns for a `TextAsk`.
"""
from __future__ import annotations

import base64
import itertools
import json
import re
from dataclasses import dataclass
from typing import Any

from tests.fakes.content import fill_schema, mp4_bytes, png_bytes, tokens
from tests.fakes.server import FakeProvider, Recorded, Reply


@dataclass
class TextAsk:
    """What a text request asked, the same for every provider fake."""

    provider: str
    model: str
    schema_name: str | None
    schema: dict[str, Any] | None
    system: str
    user: str  # the first user message: the stage's rendered prompt
    messages: list[dict[str, str]]  # role/text of every message, in order


def text_for(provider: FakeProvider, ask: TextAsk) -> Any:
    """The answer for a text request: the test's `text` responder, else a minimal schema instance."""
    fn = provider.control.responders.get("text")
    if fn is not None:
        return fn(ask)
    if ask.schema:
        return fill_schema(ask.schema, seed=ask.schema_name or "answer")
    return "ok"


def _flatten(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


class OpenAIFake(FakeProvider):
    name = "openai"
    _ids = itertools.count(1)

    def __init__(self) -> None:
        super().__init__()
        self.videos: dict[str, dict[str, Any]] = {}

    def route(self, method: str, path: str) -> str | None:
        if method == "POST" and path == "/v1/chat/completions":
            return "chat"
        if method == "POST" and path == "/v1/responses":
            return "responses"
        if method == "POST" and path == "/v1/images/generations":
            return "images.generate"
        if method == "POST" and path == "/v1/images/edits":
            return "images.edit"
        if method == "POST" and path == "/v1/videos":
            return "videos.create"
        if method == "GET" and re.fullmatch(r"/v1/videos/[\w-]+", path):
            return "videos.retrieve"
        if method == "GET" and re.fullmatch(r"/v1/videos/[\w-]+/content", path):
            return "videos.content"
        return None

    # -- safety blocks in OpenAI's own shapes -------------------------------------------------
    def safety(self, route: str, reason: str = "I'm sorry, I can't help with that.") -> Reply:
        if route == "chat":
            return Reply(json=self._completion("gpt", None, 10, refusal=reason))
        if route in ("images.generate", "images.edit", "videos.create"):
            return Reply(400, {"error": {"message": f"Your request was rejected by the safety system. {reason}",
                                         "type": "image_generation_user_error", "param": None,
                                         "code": "moderation_blocked"}})
        raise ValueError(route)

    # -- defaults -----------------------------------------------------------------------------
    def default(self, route: str, request: Recorded) -> Reply | Any:
        return getattr(self, "_" + route.replace(".", "_"))(request)

    def _ask(self, model: str, messages: list[dict[str, Any]], fmt: dict[str, Any] | None) -> TextAsk:
        flat = [{"role": m.get("role", ""), "text": _flatten(m.get("content"))} for m in messages]
        system = "\n".join(m["text"] for m in flat if m["role"] in ("system", "developer"))
        user = next((m["text"] for m in flat if m["role"] == "user"), "")
        schema_name = schema = None
        if fmt and fmt.get("type") == "json_schema":
            spec = fmt.get("json_schema", fmt)
            schema_name, schema = spec.get("name"), spec.get("schema")
        return TextAsk(self.name, model, schema_name, schema, system, user, flat)

    def _completion(self, model: str, content: str | None, prompt_tokens: int, refusal: str | None = None) -> dict:
        completion_tokens = tokens(content or refusal or "")
        return {
            "id": f"chatcmpl-{next(self._ids)}", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": refusal},
                         "finish_reason": "stop", "logprobs": None}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        }

    def _chat(self, request: Recorded) -> Any:
        body = request.json
        ask = self._ask(body["model"], body.get("messages", []), body.get("response_format"))
        answer = text_for(self, ask)
        if isinstance(answer, Reply):
            return answer
        content = answer if isinstance(answer, str) else json.dumps(answer)
        prompt_tokens = tokens("".join(m["text"] for m in ask.messages))
        out = self._completion(body["model"], content, prompt_tokens)
        self.control.bill(route="chat", model=body["model"], input_tokens=prompt_tokens,
                          output_tokens=out["usage"]["completion_tokens"])
        return out

    def _responses(self, request: Recorded) -> Any:
        body = request.json
        items = body.get("input", [])
        if isinstance(items, str):
            items = [{"role": "user", "content": items}]
        if body.get("instructions"):
            items = [{"role": "system", "content": body["instructions"]}] + items
        fmt = (body.get("text") or {}).get("format")
        ask = self._ask(body["model"], items, fmt)
        answer = text_for(self, ask)
        if isinstance(answer, Reply):
            return answer
        content = answer if isinstance(answer, str) else json.dumps(answer)
        input_tokens, output_tokens = tokens("".join(m["text"] for m in ask.messages)), tokens(content)
        self.control.bill(route="responses", model=body["model"], input_tokens=input_tokens, output_tokens=output_tokens)
        return {
            "id": f"resp_{next(self._ids)}", "object": "response", "created_at": 0, "status": "completed",
            "model": body["model"], "error": None, "incomplete_details": None, "instructions": None,
            "output": [{"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
                        "content": [{"type": "output_text", "text": content, "annotations": []}]}],
            "parallel_tool_calls": False, "tool_choice": "auto", "tools": [], "temperature": 1.0, "top_p": 1.0,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens,
                      "total_tokens": input_tokens + output_tokens,
                      "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 0}},
        }

    def _image_reply(self, model: str, prompt: str, size: str, references: int) -> dict:
        width, height = (int(v) for v in (size if size and size != "auto" else "1024x1024").split("x"))
        data = png_bytes(width, height, seed=prompt)
        self.control.bill(route="images", model=model, images=1, size=size, references=references)
        return {"created": 0, "data": [{"b64_json": base64.b64encode(data).decode()}],
                "usage": {"input_tokens": tokens(prompt), "output_tokens": 1056, "total_tokens": tokens(prompt) + 1056,
                          "input_tokens_details": {"text_tokens": tokens(prompt), "image_tokens": 0}}}

    def _images_generate(self, request: Recorded) -> Any:
        body = request.json
        return self._image_reply(body.get("model", "gpt-image-1"), body.get("prompt", ""), body.get("size", "1024x1024"), 0)

    def _images_edit(self, request: Recorded) -> Any:
        form = request.form()
        text = {k: v[1].decode() for k, v in form.items() if v[0] is None}
        images = [k for k in form if k.split("#")[0] in ("image", "image[]")]
        if not images:
            return Reply.bad_request("image is required")
        return self._image_reply(text.get("model", "gpt-image-1"), text.get("prompt", ""), text.get("size", "1024x1024"),
                                 len(images))

    def _video_json(self, video: dict[str, Any]) -> dict:
        return {"id": video["id"], "object": "video", "model": video["model"], "status": video["status"],
                "progress": 100 if video["status"] == "completed" else 0, "created_at": 0,
                "seconds": video["seconds"], "size": video["size"], "error": None}

    def _videos_create(self, request: Recorded) -> Any:
        form = request.form()
        text = {k: v[1].decode() for k, v in form.items() if v[0] is None}
        video_id = f"video_{next(self._ids)}"
        self.videos[video_id] = {"id": video_id, "model": text.get("model", "sora-2"), "status": "queued",
                                 "seconds": text.get("seconds", "4"), "size": text.get("size", "1280x720"),
                                 "polls": 0, "reference": "input_reference" in form}
        return self._video_json(self.videos[video_id])

    def _videos_retrieve(self, request: Recorded) -> Any:
        video = self.videos.get(request.path.rsplit("/", 1)[-1])
        if video is None:
            return Reply(404, {"error": {"message": "no such video"}})
        video["polls"] += 1
        if video["polls"] >= int(self.control.options.get("video_polls", 1)):
            if video["status"] != "completed":
                self.control.bill(route="videos", model=video["model"], video_seconds=float(video["seconds"]))
            video["status"] = "completed"
        else:
            video["status"] = "in_progress"
        return self._video_json(video)

    def _videos_content(self, request: Recorded) -> Any:
        video = self.videos.get(request.path.split("/")[-2])
        if video is None or video["status"] != "completed":
            return Reply(404, {"error": {"message": "video not ready"}})
        width, height = (int(v) // 8 for v in video["size"].split("x"))
        return Reply(body=mp4_bytes(width, height, float(video["seconds"])), content_type="video/mp4")
