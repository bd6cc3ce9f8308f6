"""A fake Google generative AI service: the Gemini Developer API and Vertex AI, as google-genai 3.x
(and langchain-google-genai) call them.

Gemini Developer API (key in `x-goog-api-key`), under any API version (`/v1`, google-genai 3.x's
default, `/v1beta`, ...):
  `models/{m}:generateContent` (text with a JSON schema, or image output with reference image
  parts), the Interactions API (`interactions`, `interactions/{id}`, `interactions/{id}/cancel`:
  Gemini Omni video, background interactions polled by id) and `files/{id}:download`.
Vertex AI, `/v1beta1/projects/{p}/locations/{l}/publishers/google/models/{m}:...` with a bearer
token, or express mode `/v1beta1/publishers/google/models/{m}:...` with a key:
  `generateContent`, `predict` (Imagen), `predictLongRunning` (Veo) polled by
  `fetchPredictOperation {"operationName"}`, and the project-scoped Interactions API.

A request without the credential its surface takes is refused (401), as the services do. Each
video model takes the durations and resolutions Google documents for it (`VIDEO_MODELS`, this
fake's own table, not the client's capability matrix) and refuses others with a 400.
Generated clips are billed by the fake's own rule, the way Google bills them: the length of the
clip it returns, read from the file, with its resolution and whether it has sound
(`control.usage`), once per finished operation or interaction, however alike two requests are.
Each clip's bytes are its own.

Options (`control.options`): `video_polls` (polls before an operation is done, default 1),
`refuse_last_frame` (answer 400 when a Veo request carries lastFrame, as the service does for some
Veo versions), `dead_operations` (that many operations die with code 13), `video_delivery`
("uri": Omni answers with a Files API URI instead of inline bytes), `clip_seconds` (make clips of
this length whatever was asked: a model that does not keep to the request).
"""
from __future__ import annotations

import base64
import itertools
import json
import re
import struct
import tempfile
from dataclasses import dataclass
from typing import Any

from tests.fakes.content import mp4_bytes, png_bytes, tokens
from tests.fakes.openai_fake import TextAsk, text_for
from tests.fakes.server import FakeProvider, Recorded, Reply

#: the sizes the Gemini image models make per aspect ratio
IMAGE_SIZES = {"1:1": (1024, 1024), "2:3": (832, 1248), "3:2": (1248, 832), "3:4": (864, 1184), "4:3": (1184, 864),
               "4:5": (896, 1152), "5:4": (1152, 896), "9:16": (768, 1344), "16:9": (1344, 768), "21:9": (1536, 672),
               "1:4": (512, 2048), "4:1": (2048, 512), "1:8": (384, 3072), "8:1": (3072, 384)}
#: the fake's video frame size per aspect ratio (small: the bytes are what matters)
VIDEO_SIZES = {"16:9": (160, 90), "9:16": (90, 160)}
@dataclass(frozen=True)
class VideoModel:
    """What one Google video model accepts, and whether its clips have sound ("always", "optional"
    through Veo's generateAudio, default on, or "none")."""

    durations: tuple[int, ...]
    resolutions: tuple[str, ...] = ("720p", "1080p")
    audio: str = "optional"
    last_frame: bool = True


VIDEO_MODELS = {
    "veo-3.1-generate-preview": VideoModel(durations=(4, 6, 8)),
    "veo-3.1-fast-generate-preview": VideoModel(durations=(4, 6, 8)),
    "veo-3.0-generate-001": VideoModel(durations=(4, 6, 8), last_frame=False),
    "veo-3.0-fast-generate-001": VideoModel(durations=(4, 6, 8), last_frame=False),
    "veo-2.0-generate-001": VideoModel(durations=(5, 6, 7, 8), resolutions=("720p",), audio="none", last_frame=False),
    "gemini-omni-1.2-flash": VideoModel(durations=tuple(range(3, 16)), resolutions=("360p", "720p", "1080p", "4k"),
                                        audio="always", last_frame=False),
    "gemini-omni-1.1-flash": VideoModel(durations=tuple(range(3, 11)), resolutions=("360p", "720p", "1080p", "4k"),
                                        audio="always", last_frame=False),
}
#: Gemini Omni output tokens per second of 720p video (with audio), as Google meters them
OMNI_TOKENS_PER_SECOND = 5792
FILE_HOST = "https://generativelanguage.googleapis.com/v1beta/files"
VERSION = r"/(?P<version>v1\w*)"
VERTEX_SCOPE = r"(?:/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+))?"
MODEL_CALL = {
    "gemini": re.compile(VERSION + r"/models/(?P<model>[^/:]+):(?P<method>\w+)"),
    "vertex": re.compile(VERSION + VERTEX_SCOPE + r"/publishers/google/models/(?P<model>[^/:]+):(?P<method>\w+)"),
}
INTERACTIONS = re.compile(VERSION + VERTEX_SCOPE + r"/interactions(?:/(?P<id>[\w-]+))?(?P<cancel>/cancel)?")
FILE_DOWNLOAD = re.compile(VERSION + r"/files/(?P<file>[\w-]+):download")
GEMINI_METHODS = {"generateContent"}
VERTEX_METHODS = {"generateContent", "predict", "predictLongRunning", "fetchPredictOperation"}


def google_error(status: int, message: str, state: str) -> Reply:
    return Reply(status, {"error": {"code": status, "message": message, "status": state}})


def clip_seconds(data: bytes) -> float:
    """A clip's length as read from the file (ffmpeg counts its frames): what Google bills."""
    import imageio_ffmpeg

    with tempfile.NamedTemporaryFile(suffix=".mp4") as handle:
        handle.write(data)
        handle.flush()
        _, seconds = imageio_ffmpeg.count_frames_and_secs(handle.name)
    return round(float(seconds), 3)


def own_clip(width: int, height: int, seconds: float, tag: str) -> bytes:
    """A real MP4 whose bytes are its own: a trailing `free` box carries `tag`, as two generations
    never return the same file (players and ffmpeg skip the box)."""
    label = tag.encode()
    return mp4_bytes(width, height, seconds) + struct.pack(">I", 8 + len(label)) + b"free" + label


def refuse_video(model: str, seconds: float, resolution: str, last_frame: bool) -> Reply | None:
    """Google's answer to a video request its model cannot make, or None."""
    rules = VIDEO_MODELS.get(model)
    if rules is None:
        return google_error(404, f"Publisher Model `{model}` was not found or your project does not have access to "
                            "it.", "NOT_FOUND")
    if seconds not in rules.durations:
        return google_error(400, f"Unsupported duration {seconds:g}s for {model}; supported: "
                            f"{', '.join(map(str, rules.durations))}.", "INVALID_ARGUMENT")
    if resolution not in rules.resolutions:
        return google_error(400, f"Unsupported resolution {resolution} for {model}; supported: "
                            f"{', '.join(rules.resolutions)}.", "INVALID_ARGUMENT")
    if last_frame and not rules.last_frame:
        return google_error(400, "lastFrame isn't supported by this model. Please remove it.", "INVALID_ARGUMENT")
    return None


def _seconds(text: Any, default: float) -> float:
    """A duration as the APIs write it: 8, "8", "8s"."""
    try:
        return float(str(text).removesuffix("s"))
    except (TypeError, ValueError):
        return default


class GeminiFake(FakeProvider):
    name = "gemini"
    _ids = itertools.count(1)

    def __init__(self) -> None:
        super().__init__()
        self.operations: dict[str, dict[str, Any]] = {}
        self.interactions: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}

    # -- routing -----------------------------------------------------------------------------
    def route(self, method: str, path: str) -> str | None:
        for surface, pattern in MODEL_CALL.items():
            found = pattern.fullmatch(path)
            if found and method == "POST":
                allowed = GEMINI_METHODS if surface == "gemini" else VERTEX_METHODS
                return found["method"] if found["method"] in allowed else None
        found = INTERACTIONS.fullmatch(path)
        if found:
            if method == "POST" and not found["id"]:
                return "interactions.create"
            if method == "GET" and found["id"] and not found["cancel"]:
                return "interactions.get"
            if method == "POST" and found["id"] and found["cancel"]:
                return "interactions.cancel"
            return None
        if method == "GET" and FILE_DOWNLOAD.fullmatch(path):
            return "files.download"
        return None

    @staticmethod
    def surface(path: str) -> str:
        """"vertex" (a project, bearer token), "vertex-express" (a key) or "gemini" (the Developer API)."""
        if "/projects/" in path:
            return "vertex"
        if "/publishers/" in path:
            return "vertex-express"
        return "gemini"

    def answer(self, route: str, request: Recorded) -> Reply:
        refused = self._unauthenticated(request)
        return refused if refused is not None else super().answer(route, request)

    def _unauthenticated(self, request: Recorded) -> Reply | None:
        surface = self.surface(request.path)
        bearer = request.headers.get("authorization", "").startswith("Bearer ")
        key = bool(request.headers.get("x-goog-api-key"))
        if surface == "vertex" and not bearer:
            return google_error(401, "Request is missing required authentication credential: expected an OAuth 2 "
                                "access token for a Vertex AI project.", "UNAUTHENTICATED")
        if surface != "vertex" and not key:
            return google_error(401, "Method doesn't allow unregistered callers: an API key is required.",
                                "UNAUTHENTICATED")
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
        if route == "fetchPredictOperation":
            return Reply(json={"name": "projects/p/locations/l/publishers/google/models/veo/operations/blocked",
                               "done": True, "response": {
                                   "@type": "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse",
                                   "raiMediaFilteredCount": 1, "raiMediaFilteredReasons": [reason]}})
        if route == "interactions.get":
            return Reply(json={"id": "interaction-blocked", "status": "failed", "steps": [
                {"type": "model_output", "error": {"code": 3, "message": f"The output was blocked by the safety "
                                                                          f"policy: {reason}"}}]})
        raise ValueError(route)

    # -- defaults -----------------------------------------------------------------------------
    def default(self, route: str, request: Recorded) -> Reply | Any:
        return getattr(self, "_" + route.replace(".", "_"))(request)

    @staticmethod
    def _model(request: Recorded) -> str:
        return request.path.rsplit("/models/", 1)[1].split(":")[0]

    def _generateContent(self, request: Recorded) -> Any:
        model = self._model(request)
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
        model = self._model(request)
        body = request.json
        params = body.get("parameters", {})
        count = int(params.get("sampleCount", 1))
        aspect = params.get("aspectRatio", "1:1")
        width, height = IMAGE_SIZES.get(aspect, (1024, 1024))
        prompt = body["instances"][0].get("prompt", "")
        self.control.bill(route="predict", model=model, images=count)
        return {"predictions": [{"bytesBase64Encoded": base64.b64encode(png_bytes(width, height, prompt + str(i))).decode(),
                                 "mimeType": "image/png"} for i in range(count)]}

    # -- Veo on Vertex AI ---------------------------------------------------------------------
    def _predictLongRunning(self, request: Recorded) -> Any:
        model = self._model(request)
        body = request.json
        instance = body["instances"][0]
        if "lastFrame" in instance and self.control.options.get("refuse_last_frame"):
            return google_error(400, "lastFrame isn't supported by this model. Please remove it.", "INVALID_ARGUMENT")
        params = body.get("parameters", {})
        seconds, resolution = _seconds(params.get("durationSeconds"), 8.0), params.get("resolution", "720p")
        refused = refuse_video(model, seconds, resolution, "lastFrame" in instance)
        if refused is not None:
            return refused
        audio = {"always": True, "none": False}.get(VIDEO_MODELS[model].audio, params.get("generateAudio", True))
        op_id = f"op{next(self._ids)}"
        resource = request.path.split("/", 2)[2].rsplit(":", 1)[0]  # projects/../publishers/google/models/{m}
        name = f"{resource}/operations/{op_id}"
        self.operations[op_id] = {"name": name, "model": model, "polls": 0, "seconds": seconds,
                                  "resolution": resolution, "audio": bool(audio),
                                  "aspect": params.get("aspectRatio", "16:9"), "last_frame": "lastFrame" in instance,
                                  "references": len(instance.get("referenceImages", [])),
                                  "storage": params.get("storageUri")}
        return {"name": name}

    def _fetchPredictOperation(self, request: Recorded) -> Any:
        name = (request.json or {}).get("operationName", "")
        resource, _, op_id = name.rpartition("/operations/")
        op = self.operations.get(op_id)
        if op is None or op["name"] != name:
            return google_error(404, f"operation {name} not found", "NOT_FOUND")
        if request.path.split("/", 2)[2].rsplit(":", 1)[0] != resource:
            return google_error(400, f"operation {name} does not belong to {request.path}", "INVALID_ARGUMENT")
        op["polls"] += 1
        if op["polls"] < int(self.control.options.get("video_polls", 1)):
            return {"name": name, "done": False}
        if self._dies(op):
            return {"name": name, "done": True, "error": {"code": 13, "message": "internal error"}}
        self._finish(op, op_id, route="predictLongRunning")
        if op["storage"]:
            video = {"gcsUri": f"{op['storage'].rstrip('/')}/{op_id}/sample_0.mp4", "mimeType": "video/mp4"}
        else:
            video = {"bytesBase64Encoded": base64.b64encode(self.files[op["file"]]).decode(), "mimeType": "video/mp4"}
        return {"name": name, "done": True, "response": {
            "@type": "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse",
            "raiMediaFilteredCount": 0, "videos": [video]}}

    def _dies(self, op: dict[str, Any]) -> bool:
        """The first `dead_operations` operations die at the provider (code 13, INTERNAL)."""
        dead = self.control.options.get("dead_operations", 0)
        if dead and not op.get("alive"):
            self.control.options["dead_operations"] = dead - 1
            op["dead"] = True
        if not op.get("dead"):
            op["alive"] = True
        return bool(op.get("dead"))

    def _finish(self, op: dict[str, Any], op_id: str, route: str) -> None:
        """Make the clip once per operation and bill it by its length as read from the file."""
        if "file" in op:
            return
        width, height = VIDEO_SIZES.get(op["aspect"], (160, 90))
        data = own_clip(width, height, float(self.control.options.get("clip_seconds") or op["seconds"]), op_id)
        file_id = "file" + re.sub(r"[^a-z0-9]", "", op_id)  # Files API names are lowercase letters and digits
        self.files[file_id] = data
        op["file"] = file_id
        seconds = clip_seconds(data)
        bill: dict[str, Any] = dict(route=route, model=op["model"], video_seconds=seconds, audio=op["audio"],
                                    resolution=op["resolution"])
        if route == "interactions":
            bill["output_tokens"] = op["output_tokens"] = round(seconds * OMNI_TOKENS_PER_SECOND)
        self.control.bill(**bill)

    # -- Gemini Omni through the Interactions API ---------------------------------------------
    def _interactions_create(self, request: Recorded) -> Any:
        body = request.json or {}
        from tests.fakes.sound_fakes import AUDIO_MODELS, audio_interaction  # Gemini TTS and Lyria

        if body.get("model") in AUDIO_MODELS:
            return audio_interaction(self, request)
        response_format = body.get("response_format") or {}
        formats = response_format if isinstance(response_format, list) else [response_format]
        video = next((f for f in formats if f.get("type") == "video"), None)
        if video is None:
            return google_error(400, "this fake answers video interactions only", "INVALID_ARGUMENT")
        if not body.get("background"):
            return google_error(400, "video generation runs as a background interaction: set background=true",
                                "INVALID_ARGUMENT")
        content = [c for step in body.get("input") or [] for c in step.get("content", [])]
        prompt = " ".join(c.get("text", "") for c in content if c.get("type") == "text")
        seconds, resolution = _seconds(video.get("duration"), 8.0), video.get("resolution", "720p")
        refused = refuse_video(body.get("model", ""), seconds, resolution, last_frame=False)
        if refused is not None:
            return refused
        interaction_id = f"interaction-{next(self._ids)}"
        self.interactions[interaction_id] = {
            "id": interaction_id, "model": body.get("model"), "polls": 0, "seconds": seconds,
            "resolution": resolution, "audio": True, "aspect": video.get("aspect_ratio", "16:9"),
            "images": sum(1 for c in content if c.get("type") == "image"), "input_tokens": tokens(prompt),
            "cancelled": False}
        return self._interaction(self.interactions[interaction_id], "in_progress")

    def _interactions_get(self, request: Recorded) -> Any:
        interaction_id = request.path.rsplit("/", 1)[-1]
        op = self.interactions.get(interaction_id)
        if op is None:
            return google_error(404, f"interaction {interaction_id} not found", "NOT_FOUND")
        if op["cancelled"]:
            return self._interaction(op, "cancelled")
        op["polls"] += 1
        if op["polls"] < int(self.control.options.get("video_polls", 1)):
            return self._interaction(op, "in_progress")
        if self._dies(op):
            return {**self._interaction(op, "failed"),
                    "steps": [{"type": "model_output", "error": {"code": 13, "message": "internal error"}}]}
        self._finish(op, interaction_id, route="interactions")
        if self.control.options.get("video_delivery") == "uri":
            block = {"type": "video", "uri": f"{FILE_HOST}/{op['file']}:download?alt=media", "mime_type": "video/mp4"}
        else:
            block = {"type": "video", "data": base64.b64encode(self.files[op["file"]]).decode(),
                     "mime_type": "video/mp4"}
        usage = {"total_input_tokens": op["input_tokens"] + 258 * op["images"],
                 "total_output_tokens": op["output_tokens"],
                 "output_tokens_by_modality": [{"modality": "video", "tokens": op["output_tokens"]}]}
        usage["total_tokens"] = usage["total_input_tokens"] + usage["total_output_tokens"]
        return {**self._interaction(op, "completed"), "steps": [{"type": "model_output", "content": [block]}],
                "usage": usage}

    def _interactions_cancel(self, request: Recorded) -> Any:
        interaction_id = request.path.rsplit("/", 2)[-2]
        op = self.interactions.get(interaction_id)
        if op is None:
            return google_error(404, f"interaction {interaction_id} not found", "NOT_FOUND")
        op["cancelled"] = True
        return self._interaction(op, "cancelled")

    @staticmethod
    def _interaction(op: dict[str, Any], status: str) -> dict[str, Any]:
        return {"id": op["id"], "model": op["model"], "status": status, "created": "2026-12-02T10:00:00Z",
                "updated": "2026-12-02T10:00:00Z"}

    def _files_download(self, request: Recorded) -> Any:
        file_id = request.path.rsplit("/", 1)[-1].split(":")[0]
        if file_id not in self.files:
            return google_error(404, "file not found", "NOT_FOUND")
        return Reply(body=self.files[file_id], content_type="video/mp4")
