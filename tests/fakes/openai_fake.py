"""A fake OpenAI API (also any OpenAI-compatible server: Ollama, vLLM, LM Studio).

Routes: `chat` (POST /v1/chat/completions), `responses` (POST /v1/responses), `images.generate`,
`images.edit` (multipart), `videos.create` (multipart), `videos.retrieve`, `videos.content`.
Text answers follow the request's JSON schema (`response_format` / `text.format`): by default a
minimal instance of it, or what `control.respond("text", fn)` returns for a `TextAsk`.

Billing follows OpenAI's own rules, counted here, never taken from the client: input tokens are
every message (plus OpenAI's framing: 3 a message and 3 to prime the reply) and the JSON schema
sent for structured output, in this fake's own tokenizer (`count_tokens`); output is stopped at
the request's `max_completion_tokens` / `max_tokens` (finish reason `length`), as OpenAI does.
gpt-image-1 bills the images it made at their size and quality, the prompt's text tokens and each
input image's tokens (tiled like vision input); a video bills the seconds of the clip it made.
Every bill goes to `control.usage`.
"""
from __future__ import annotations

import base64
import io
import itertools
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from tests.fakes.content import fill_schema, mp4_bytes, png_bytes
from tests.fakes.server import FakeProvider, Recorded, Reply

_PIECES = re.compile(r"[A-Za-z]+|[0-9]|[^\sA-Za-z0-9]")
#: output image tokens gpt-image-1 makes per size and quality (OpenAI's image generation guide);
#: at $40/1M they are the per-image prices of data/prices.json
IMAGE_OUTPUT_TOKENS = {
    "1024x1024": {"low": 272, "medium": 1056, "high": 4160},
    "1024x1536": {"low": 408, "medium": 1584, "high": 6240},
    "1536x1024": {"low": 400, "medium": 1568, "high": 6208},
}


def count_tokens(text: str) -> int:
    """The fakes' tokenizer, not the client's estimate: a word is a token per five letters, every
    digit and punctuation mark its own token (so JSON is dear, as with real tokenizers)."""
    return sum(math.ceil(len(p) / 5) if p[0].isalpha() else 1 for p in _PIECES.findall(text))


def truncate_to_tokens(text: str, limit: int) -> str:
    """The longest prefix of `text` that fits `limit` tokens (where a provider stops writing)."""
    used = 0
    for match in _PIECES.finditer(text):
        piece = match.group()
        used += math.ceil(len(piece) / 5) if piece[0].isalpha() else 1
        if used > limit:
            return text[:match.start()]
    return text


def output_limit(body: dict[str, Any]) -> int | None:
    """The request's cap on output tokens, under any of the names OpenAI-style APIs use."""
    for name in ("max_completion_tokens", "max_tokens", "max_output_tokens"):
        if isinstance(body.get(name), int):
            return body[name]
    return None


def image_input_tokens(data: bytes) -> int:
    """Tokens of one input image, as vision input at high detail: fit in 2048x2048, shortest side
    scaled to 768, then 85 + 170 per 512-px tile."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
    scale = min(1.0, 2048 / max(width, height))
    width, height = width * scale, height * scale
    scale = 768 / min(width, height)
    width, height = width * scale, height * scale
    return 85 + 170 * math.ceil(width / 512) * math.ceil(height / 512)


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

    def _completion(self, model: str, content: str | None, prompt_tokens: int, refusal: str | None = None,
                    finish_reason: str = "stop") -> dict:
        completion_tokens = count_tokens(content or refusal or "")
        return {
            "id": f"chatcmpl-{next(self._ids)}", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": refusal},
                         "finish_reason": finish_reason, "logprobs": None}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        }

    def _chat(self, request: Recorded) -> Any:
        body = request.json
        ask = self._ask(body["model"], body.get("messages", []), body.get("response_format"))
        answer = text_for(self, ask)
        if isinstance(answer, Reply):
            return answer
        content, finish = self._limited(answer, output_limit(body))
        prompt_tokens = self._input_tokens(ask, body.get("response_format"))
        out = self._completion(body["model"], content, prompt_tokens, finish_reason=finish)
        self.control.bill(route="chat", model=body["model"], input_tokens=prompt_tokens,
                          output_tokens=out["usage"]["completion_tokens"])
        return out

    @staticmethod
    def _input_tokens(ask: TextAsk, fmt: dict[str, Any] | None) -> int:
        """Every message plus OpenAI's framing (3 a message, 3 to prime the answer) and the schema."""
        total = sum(count_tokens(m["text"]) + 3 for m in ask.messages) + 3
        if fmt:
            total += count_tokens(json.dumps(fmt))
        return total

    @staticmethod
    def _limited(answer: Any, limit: int | None) -> tuple[str, str]:
        """The answer as sent, stopped at the output limit the request set (finish reason `length`)."""
        content = answer if isinstance(answer, str) else json.dumps(answer)
        if limit is not None and count_tokens(content) > limit:
            return truncate_to_tokens(content, limit), "length"
        return content, "stop"

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
        content, finish = self._limited(answer, output_limit(body))
        input_tokens, output_tokens = self._input_tokens(ask, fmt), count_tokens(content)
        self.control.bill(route="responses", model=body["model"], input_tokens=input_tokens, output_tokens=output_tokens)
        return {
            "id": f"resp_{next(self._ids)}", "object": "response", "created_at": 0,
            "status": "completed" if finish == "stop" else "incomplete", "model": body["model"], "error": None,
            "incomplete_details": None if finish == "stop" else {"reason": "max_output_tokens"}, "instructions": None,
            "output": [{"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
                        "content": [{"type": "output_text", "text": content, "annotations": []}]}],
            "parallel_tool_calls": False, "tool_choice": "auto", "tools": [], "temperature": 1.0, "top_p": 1.0,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens,
                      "total_tokens": input_tokens + output_tokens,
                      "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 0}},
        }

    def _image_reply(self, body: dict[str, Any], references: list[bytes]) -> Any:
        model, prompt = body.get("model", "gpt-image-1"), body.get("prompt", "")
        size = body.get("size") or "auto"
        size = "1024x1024" if size == "auto" else size
        quality = body.get("quality") or "auto"
        quality = "high" if quality == "auto" else quality  # OpenAI picks; a fake is no kinder than the dearest
        if size not in IMAGE_OUTPUT_TOKENS or quality not in IMAGE_OUTPUT_TOKENS[size]:
            return Reply.bad_request(f"Invalid size {size!r} or quality {quality!r} for {model}")
        n = int(body.get("n") or 1)
        width, height = (int(v) for v in size.split("x"))
        text_tokens = count_tokens(prompt)
        picture_tokens = sum(image_input_tokens(data) for data in references)
        output_tokens = n * IMAGE_OUTPUT_TOKENS[size][quality]
        self.control.bill(route="images", model=model, images=n, size=size, quality=quality,
                          input_tokens=text_tokens, input_image_tokens=picture_tokens, references=len(references))
        return {"created": 0, "data": [{"b64_json": base64.b64encode(png_bytes(width, height, seed=f"{prompt}{i}")).decode()}
                                       for i in range(n)],
                "usage": {"input_tokens": text_tokens + picture_tokens, "output_tokens": output_tokens,
                          "total_tokens": text_tokens + picture_tokens + output_tokens,
                          "input_tokens_details": {"text_tokens": text_tokens, "image_tokens": picture_tokens}}}

    def _images_generate(self, request: Recorded) -> Any:
        return self._image_reply(request.json or {}, [])

    def _images_edit(self, request: Recorded) -> Any:
        form = request.form()
        text: dict[str, Any] = {k: v[1].decode() for k, v in form.items() if v[0] is None}
        images = [v[1] for k, v in form.items() if k.split("#")[0] in ("image", "image[]")]
        if not images:
            return Reply.bad_request("image is required")
        if "n" in text:
            text["n"] = int(text["n"])
        return self._image_reply(text, images)

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
