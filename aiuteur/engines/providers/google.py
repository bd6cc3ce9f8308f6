"""Google engines through google-genai: Gemini image ("Nano Banana"), Imagen, and Veo video.

With a Gemini API key (GOOGLE_API_KEY or GEMINI_API_KEY) the client talks to the Gemini Developer
API; with GOOGLE_GENAI_USE_VERTEXAI=true it uses Vertex AI (GOOGLE_CLOUD_PROJECT,
GOOGLE_CLOUD_LOCATION and application default credentials). Imagen's `generate_images` is served
to Vertex accounts only; Veo takes seed and audio switches only on Vertex. GOOGLE_GEMINI_BASE_URL
points the client elsewhere (a proxy, or the test fakes).
"""
from __future__ import annotations

import os
import warnings
from typing import Any

from aiuteur import tracing
from aiuteur.engines import capabilities
from aiuteur.engines.protocols import ImageRequest, MediaResult, Usage, VideoRequest
from aiuteur.engines.providers import keys
from aiuteur.engines.providers.errors import (
    BadRequest, MalformedResponse, ProviderError, ProviderUnavailable, SafetyBlocked,
)
from aiuteur.engines.providers.media import call, image_size, read_image, video_facts, wait_for

#: marks an operation id whose request had to drop its last frame (survives a crash with the id)
FIRST_FRAME_ONLY = "#first-frame-only"
IMAGE_BLOCK_REASONS = {"SAFETY", "IMAGE_SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION",
                       "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION", "OTHER", "NO_IMAGE"}


def vertex_mode() -> bool:
    return os.environ.get("GOOGLE_GENAI_USE_VERTEXAI", "").strip().lower() in ("1", "true", "yes")


def make_client(provider: str, engine_id: str) -> Any:
    """A google-genai client with SDK retries off and our timeout; keep it on the engine (a
    temporary client is closed before its call finishes)."""
    from google import genai
    from google.genai import types

    options = types.HttpOptions(timeout=int(keys.timeout_seconds() * 1000),
                                retry_options=types.HttpRetryOptions(attempts=1))
    if keys.base_url(provider):
        options.base_url = keys.base_url(provider)
    if vertex_mode():
        return genai.Client(vertexai=True, http_options=options)
    return genai.Client(api_key=keys.api_key(provider, engine_id), http_options=options)


def make_vertex_client(provider: str, engine_id: str) -> Any:
    """A Vertex AI client: project/location with application default credentials when
    GOOGLE_CLOUD_PROJECT is set, else Vertex express mode with the API key."""
    from google import genai
    from google.genai import types

    options = types.HttpOptions(timeout=int(keys.timeout_seconds() * 1000),
                                retry_options=types.HttpRetryOptions(attempts=1))
    if keys.base_url(provider):
        options.base_url = keys.base_url(provider)
    project = os.environ.get("GOOGLE_CLOUD_PROJECT")
    if project:
        return genai.Client(vertexai=True, project=project, location=os.environ.get("GOOGLE_CLOUD_LOCATION", "us-central1"),
                            http_options=options)
    return genai.Client(vertexai=True, api_key=keys.api_key(provider, engine_id), http_options=options)


def _image_part(types: Any, path: Any) -> Any:
    data, mime = read_image(path)
    return types.Part.from_bytes(data=data, mime_type=mime)


class GeminiImageEngine:
    """`gemini:<model>` — image generation through generate_content with image output, reference
    images (character keys, the previous frame) sent as image parts for consistency."""

    def __init__(self, model: str) -> None:
        self.id = f"gemini:{model}"
        self.model = model
        self.caps = capabilities.require(self.id, "image")
        self._client = make_client("gemini", self.id)

    def __repr__(self) -> str:
        return f"GeminiImageEngine({self.id!r})"

    def image(self, request: ImageRequest) -> MediaResult:
        from google.genai import types

        plan = capabilities.plan_image(self.id, request)
        references = capabilities.choose_references(list(request.references), plan.references)
        contents = [types.Part.from_text(text=request.prompt)] + [_image_part(types, p) for p in references]
        config = types.GenerateContentConfig(response_modalities=["IMAGE"],
                                             image_config=types.ImageConfig(aspect_ratio=plan.aspect_ratio))
        with tracing.step(f"generate_content {self.model}", {"prompt": request.prompt, "aspect_ratio": plan.aspect_ratio,
                                                           "references": [str(p) for p in references]}) as out:
            response = call("gemini", lambda: self._client.models.generate_content(
                model=self.model, contents=contents, config=config))
            data, mime = _first_image(self.id, response)
            out.update(mime=mime, bytes=len(data))
        width, height = image_size(data)
        return MediaResult(data=data, mime=mime, usage=Usage(images=1), width=width, height=height, note=plan.note)


def _first_image(engine_id: str, response: Any) -> tuple[bytes, str]:
    feedback = getattr(response, "prompt_feedback", None)
    block = getattr(feedback, "block_reason", None) if feedback else None
    if block:
        reason = str(getattr(block, "value", block))
        raise SafetyBlocked(f"{engine_id} blocked the prompt: {reason}", reason=reason, provider="gemini")
    for candidate in getattr(response, "candidates", None) or []:
        for part in getattr(getattr(candidate, "content", None), "parts", None) or []:
            inline = getattr(part, "inline_data", None)
            if inline is not None and inline.data:
                return inline.data, inline.mime_type or "image/png"
        finish = getattr(candidate, "finish_reason", None)
        reason = str(getattr(finish, "value", finish) or "")
        if reason in IMAGE_BLOCK_REASONS:
            raise SafetyBlocked(f"{engine_id} returned no image: {reason}", reason=reason, provider="gemini")
    raise MalformedResponse(f"{engine_id} returned no image part", provider="gemini", retryable=False)


class ImagenEngine:
    """`imagen:<model>` — Imagen through generate_images, which google-genai serves in Vertex mode only:
    a Vertex project (GOOGLE_CLOUD_PROJECT + credentials) or a Vertex express-mode API key."""

    def __init__(self, model: str) -> None:
        self.id = f"imagen:{model}"
        self.model = model
        self.caps = capabilities.require(self.id, "image")
        self._client = make_vertex_client("imagen", self.id)

    def __repr__(self) -> str:
        return f"ImagenEngine({self.id!r})"

    def image(self, request: ImageRequest) -> MediaResult:
        from google.genai import types

        plan = capabilities.plan_image(self.id, request)
        config = types.GenerateImagesConfig(number_of_images=1, aspect_ratio=plan.aspect_ratio)
        with tracing.step(f"generate_images {self.model}", {"prompt": request.prompt, "aspect_ratio": plan.aspect_ratio}) as out:
            with warnings.catch_warnings():  # google-genai marks generate_images deprecated (not before 2027)
                warnings.simplefilter("ignore")
                response = call("imagen", lambda: self._client.models.generate_images(
                    model=self.model, prompt=request.prompt, config=config))
            images = [g for g in (response.generated_images or []) if g.image is not None and g.image.image_bytes]
            if not images:
                reasons = [g.rai_filtered_reason for g in (response.generated_images or []) if g.rai_filtered_reason]
                reason = "; ".join(reasons) or "no image returned"
                raise SafetyBlocked(f"{self.id} returned no image: {reason}", reason=reason, provider="imagen")
            data = images[0].image.image_bytes
            mime = images[0].image.mime_type or "image/png"
            out.update(mime=mime, bytes=len(data))
        width, height = image_size(data)
        return MediaResult(data=data, mime=mime, usage=Usage(images=1), width=width, height=height, note=plan.note)


class VeoEngine:
    """`veo:<model>` — Veo through generate_videos: a long-running operation, polled.

    The start frame goes in as the image, the end frame as `last_frame` where the model takes one;
    otherwise (by the capability matrix, or because the service refused it) the clip is made from
    the first frame only and `MediaResult.note` says so, so the shot can be flagged for a
    continuity look. `start` and `poll` are the two halves of `video`, so a job runner can keep the
    operation id and poll it again after a crash instead of paying twice.
    """

    def __init__(self, model: str, *, resolution: str | None = None, audio: bool | None = None) -> None:
        self.id = f"veo:{model}"
        self.model = model
        self.caps = capabilities.require(self.id, "video")
        self.resolution = resolution or os.environ.get("AIUTEUR_VIDEO_RESOLUTION") or None
        self.audio = audio
        self._client = make_client("veo", self.id)

    def __repr__(self) -> str:
        return f"VeoEngine({self.id!r})"

    def plan(self, request: VideoRequest) -> capabilities.VideoPlan:
        return capabilities.plan_video(self.id, request, resolution=self.resolution, audio=self.audio)

    def start(self, request: VideoRequest) -> str:
        """Submit the generation; returns the operation id to poll (nothing is downloaded yet)."""
        from google.genai import types
        from google.genai.errors import ClientError

        plan = self.plan(request)
        start = _image(types, request.start_frame)
        source = types.GenerateVideosSource(prompt=request.prompt, image=start)
        config: dict[str, Any] = dict(number_of_videos=1, duration_seconds=plan.duration, aspect_ratio=plan.aspect_ratio)
        if plan.resolution:
            config["resolution"] = plan.resolution
        refs = request.context.get("reference_images") or []
        if refs:
            config["reference_images"] = [types.VideoGenerationReferenceImage(image=_image(types, p), reference_type="asset")
                                          for p in refs]
        if request.context.get("negative_prompt"):
            config["negative_prompt"] = request.context["negative_prompt"]
        if vertex_mode():  # the Developer API refuses these two
            config["seed"] = request.seed
            if self.caps.audio == "optional":
                config["generate_audio"] = plan.audio
        if plan.use_last_frame and request.end_frame is not None:
            config["last_frame"] = _image(types, request.end_frame)
        inputs = {"prompt": request.prompt, **{k: v for k, v in config.items() if k not in ("last_frame", "reference_images")},
                  "last_frame": plan.use_last_frame, "reference_images": len(refs)}
        with tracing.step(f"generate_videos {self.model}", inputs, run_type="tool") as out:
            try:
                operation = call("veo", lambda: self._client.models.generate_videos(
                    model=self.model, source=source, config=types.GenerateVideosConfig(**config)))
                suffix = ""
            except BadRequest as exc:
                cause = exc.__cause__
                refused = isinstance(cause, ClientError) and "last" in str(cause).lower() and "frame" in str(cause).lower()
                if "last_frame" not in config or not refused:
                    raise
                config.pop("last_frame")  # the service refused the end frame: first frame only, said on the output
                operation = call("veo", lambda: self._client.models.generate_videos(
                    model=self.model, source=source, config=types.GenerateVideosConfig(**config)))
                suffix = FIRST_FRAME_ONLY
            out.update(operation=operation.name, first_frame_only=bool(suffix))
        if not operation.name:
            raise MalformedResponse(f"{self.id} returned no operation name", provider="veo")
        return operation.name + suffix

    def poll(self, operation_id: str, request: VideoRequest | None = None) -> MediaResult | None:
        """The finished clip, or None while the operation runs. With the request, usage and the
        fallback note are exact; without it, they come from the clip itself."""
        from google.genai import types

        name, _, flag = operation_id.partition("#")
        operation = call("veo", lambda: self._client.operations.get(types.GenerateVideosOperation(name=name)))
        if not operation.done:
            return None
        if operation.error:
            raise _operation_error(self.id, operation.error)
        response = operation.response or operation.result
        videos = list(getattr(response, "generated_videos", None) or [])
        if not videos or videos[0].video is None:
            reasons = list(getattr(response, "rai_media_filtered_reasons", None) or [])
            if reasons or getattr(response, "rai_media_filtered_count", None):
                reason = "; ".join(reasons) or "filtered"
                raise SafetyBlocked(f"{self.id} filtered the video: {reason}", reason=reason, provider="veo")
            raise MalformedResponse(f"{self.id}: operation {name} finished without a video", provider="veo")
        video = videos[0].video
        data = video.video_bytes or call("veo", lambda: self._client.files.download(file=video))
        width, height, duration, frames = video_facts(data)
        notes = []
        if request is not None:
            plan = self.plan(request)
            seconds = float(plan.duration)
            if plan.note:
                notes.append(plan.note)
        else:
            seconds = float(round(duration or 0))
        if flag == FIRST_FRAME_ONLY[1:]:
            notes.append(f"the service refused the end frame for {self.id}: generated from the first frame only; "
                         "check continuity into the next shot")
        return MediaResult(data=data, mime=video.mime_type or "video/mp4", usage=Usage(video_seconds=seconds),
                           width=width, height=height, duration=duration, frames=frames,
                           note="; ".join(notes) or None)

    def video(self, request: VideoRequest) -> MediaResult:
        operation_id = self.start(request)
        return wait_for(self.id, lambda: self.poll(operation_id, request))


def _image(types: Any, path: Any) -> Any:
    data, mime = read_image(path)
    return types.Image(image_bytes=data, mime_type=mime)


def _operation_error(engine_id: str, error: Any) -> ProviderError:
    code = error.get("code") if isinstance(error, dict) else getattr(error, "code", None)
    message = error.get("message") if isinstance(error, dict) else str(error)
    text = f"{engine_id}: operation failed: {message} (code {code})"
    if code in (4, 8, 10, 13, 14):  # DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE
        failed = ProviderUnavailable(text, provider="veo")
        failed.operation_failed = True  # this operation is dead: a retry starts a new one
        return failed
    if message and any(word in str(message).lower() for word in ("safety", "policy", "responsible ai", "blocked")):
        return SafetyBlocked(text, reason=str(message), provider="veo")
    return BadRequest(text, provider="veo")
