"""A fake Gemini API (the Gemini Developer API that google-genai and langchain-google-genai call).

Routes: `generateContent` (text with a JSON schema, or image output with reference image parts),
`predict` (Imagen, on the Gemini API path and Vertex express mode's
`/v1beta1/publishers/google/models/{m}:predict`), `predictLongRunning` (Veo) with `operations.get` polling and `files.download`.
Options (`control.options`): `video_polls` (polls before an operation is done, default 1),
`refuse_last_frame` (answer 400 when a Veo request carries lastFrame, as the public API does for
some Veo versions).
"""
from __future__ import annotations

import base64
import itertools
import json
import re
from typing import Any

from tests.fakes.content import mp4_bytes, png_bytes, tokens
from tests.fakes.openai_fake import TextAsk, text_for
from tests.fakes.server import FakeProvider, Recorded, Reply

#: the sizes gemini-2.5-flash-image makes per aspect ratio
IMAGE_SIZES = {"1:1": (1024, 1024), "2:3": (832, 1248), "3:2": (1248, 832), "3:4": (864, 1184), "4:3": (1184, 864),
               "4:5": (896, 1152), "5:4": (1152, 896), "9:16": (768, 1344), "16:9": (1344, 768), "21:9": (1536, 672)}
#: the fake's video frame size per aspect ratio (small: the bytes are what matters)
VIDEO_SIZES = {"16:9": (160, 90), "9:16": (90, 160)}
FILE_HOST = "https://generativelanguage.googleapis.com/v1beta/files"


def google_error(status: int, message: str, state: str) -> Reply:
    return Reply(status, {"error": {"code": status, "message": message, "status": state}})


class GeminiFake(FakeProvider):
    name = "gemini"
    _ids = itertools.count(1)

    def __init__(self) -> None:
        super().__init__()
        self.operations: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}

    def route(self, method: str, path: str) -> str | None:
        if method == "POST" and re.fullmatch(r"/v1beta/models/[^/]+:generateContent", path):
            return "generateContent"
        if method == "POST" and re.fullmatch(r"/v1beta1?/(.+/)?models/[^/]+:predict", path):
            return "predict"  # Gemini API path, and Vertex (express mode) publishers/google/models/...
        if method == "POST" and re.fullmatch(r"/v1beta/models/[^/]+:predictLongRunning", path):
            return "predictLongRunning"
        if method == "GET" and re.fullmatch(r"/v1beta/(models/[^/]+/)?operations/[\w-]+", path):
            return "operations.get"
        if method == "GET" and re.fullmatch(r"/v1beta/files/[\w-]+:download", path):
            return "files.download"
        return None

    # -- errors and safety blocks in Google's shapes ------------------------------------------
    @staticmethod
    def rate_limited(retry_after: float = 1.0) -> Reply:
        reply = google_error(429, "Resource has been exhausted (e.g. check quota).", "RESOURCE_EXHAUSTED")
        reply.headers["Retry-After"] = f"{retry_after:g}"
        return reply

    def safety(self, route: str, reason: str = "SAFETY") -> Reply:
        usage = {"promptTokenCount": 12, "totalTokenCount": 12}
        if route == "generateContent":
            if reason in ("SAFETY", "OTHER", "BLOCKLIST", "PROHIBITED_CONTENT"):
                return Reply(json={"promptFeedback": {"blockReason": reason}, "usageMetadata": usage})
            return Reply(json={"candidates": [{"finishReason": reason, "index": 0}], "usageMetadata": usage})
        if route == "predict":
            return Reply(json={"predictions": [{"raiFilteredReason": reason}]})
        if route == "operations.get":
            return Reply(json={"name": "models/veo/operations/blocked", "done": True,
                               "response": {"@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse",
                                            "generateVideoResponse": {"raiMediaFilteredCount": 1,
                                                                      "raiMediaFilteredReasons": [reason]}}})
        raise ValueError(route)

    # -- defaults -----------------------------------------------------------------------------
    def default(self, route: str, request: Recorded) -> Reply | Any:
        return getattr(self, "_" + route.replace(".", "_"))(request)

    def _generateContent(self, request: Recorded) -> Any:
        model = request.path.split("/models/")[1].split(":")[0]
        body = request.json
        config = body.get("generationConfig", {})
        texts = [{"role": c.get("role", "user"), "text": "".join(p.get("text", "") for p in c.get("parts", []))}
                 for c in body.get("contents", [])]
        images_in = sum(1 for c in body.get("contents", []) for p in c.get("parts", []) if "inlineData" in p)
        system = "".join(p.get("text", "") for p in (body.get("systemInstruction") or {}).get("parts", []))
        prompt_tokens = tokens(system + "".join(t["text"] for t in texts)) + 258 * images_in
        if "IMAGE" in [m.upper() for m in config.get("responseModalities", [])] or "image" in model:
            aspect = (config.get("imageConfig") or {}).get("aspectRatio", "1:1")
            width, height = IMAGE_SIZES.get(aspect, (1024, 1024))
            data = png_bytes(width, height, seed=texts[0]["text"] if texts else "")
            self.control.bill(route="generateContent", model=model, images=1, references=images_in,
                              input_tokens=prompt_tokens, output_tokens=1290)
            return {"candidates": [{"content": {"role": "model", "parts": [
                        {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(data).decode()}}]},
                        "finishReason": "STOP", "index": 0}],
                    "usageMetadata": {"promptTokenCount": prompt_tokens, "candidatesTokenCount": 1290,
                                      "totalTokenCount": prompt_tokens + 1290}, "modelVersion": model}
        schema = config.get("responseJsonSchema") or config.get("responseSchema")
        ask = TextAsk(self.name, model, (schema or {}).get("title"), schema, system,
                      next((t["text"] for t in texts if t["role"] == "user"), ""),
                      ([{"role": "system", "text": system}] if system else []) + texts)
        answer = text_for(self, ask)
        if isinstance(answer, Reply):
            return answer
        content = answer if isinstance(answer, str) else json.dumps(answer)
        out_tokens = tokens(content)
        self.control.bill(route="generateContent", model=model, input_tokens=prompt_tokens, output_tokens=out_tokens)
        return {"candidates": [{"content": {"role": "model", "parts": [{"text": content}]}, "finishReason": "STOP",
                                "index": 0}],
                "usageMetadata": {"promptTokenCount": prompt_tokens, "candidatesTokenCount": out_tokens,
                                  "totalTokenCount": prompt_tokens + out_tokens}, "modelVersion": model}

    def _predict(self, request: Recorded) -> Any:
        model = request.path.rsplit("/models/", 1)[1].split(":")[0]
        body = request.json
        params = body.get("parameters", {})
        count = int(params.get("sampleCount", 1))
        aspect = params.get("aspectRatio", "1:1")
        width, height = IMAGE_SIZES.get(aspect, (1024, 1024))
        prompt = body["instances"][0].get("prompt", "")
        self.control.bill(route="predict", model=model, images=count)
        return {"predictions": [{"bytesBase64Encoded": base64.b64encode(png_bytes(width, height, prompt + str(i))).decode(),
                                 "mimeType": "image/png"} for i in range(count)]}

    def _predictLongRunning(self, request: Recorded) -> Any:
        model = request.path.split("/models/")[1].split(":")[0]
        body = request.json
        instance = body["instances"][0]
        if "lastFrame" in instance and self.control.options.get("refuse_last_frame"):
            return google_error(400, "lastFrame isn't supported by this model. Please remove it.", "INVALID_ARGUMENT")
        params = body.get("parameters", {})
        op_id = f"op{next(self._ids)}"
        name = f"models/{model}/operations/{op_id}"
        self.operations[op_id] = {"name": name, "model": model, "polls": 0,
                                  "seconds": float(params.get("durationSeconds", 8)),
                                  "aspect": params.get("aspectRatio", "16:9"), "last_frame": "lastFrame" in instance,
                                  "references": len(instance.get("referenceImages", []))}
        return {"name": name}

    def _operations_get(self, request: Recorded) -> Any:
        op_id = request.path.rsplit("/", 1)[-1]
        op = self.operations.get(op_id)
        if op is None:
            return google_error(404, f"operation {op_id} not found", "NOT_FOUND")
        op["polls"] += 1
        if op["polls"] < int(self.control.options.get("video_polls", 1)):
            return {"name": op["name"], "done": False}
        dead = self.control.options.get("dead_operations", 0)
        if dead and not op.get("alive"):  # the first N operations die at the provider (code 13, INTERNAL)
            self.control.options["dead_operations"] = dead - 1
            op["dead"] = True
        if op.get("dead"):
            return {"name": op["name"], "done": True, "error": {"code": 13, "message": "internal error"}}
        op["alive"] = True
        if "file" not in op:
            width, height = VIDEO_SIZES.get(op["aspect"], (160, 90))
            file_id = f"file{op_id}"
            self.files[file_id] = mp4_bytes(width, height, op["seconds"])
            op["file"] = file_id
            self.control.bill(route="predictLongRunning", model=op["model"], video_seconds=op["seconds"])
        return {"name": op["name"], "done": True, "response": {
            "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse",
            "generateVideoResponse": {"generatedSamples": [{"video": {"uri": f"{FILE_HOST}/{op['file']}:download?alt=media"}}]}}}

    def _files_download(self, request: Recorded) -> Any:
        file_id = request.path.rsplit("/", 1)[-1].split(":")[0]
        if file_id not in self.files:
            return google_error(404, "file not found", "NOT_FOUND")
        return Reply(body=self.files[file_id], content_type="video/mp4")
