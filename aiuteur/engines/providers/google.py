"""Google engines through google-genai 3.x: Gemini image ("Nano Banana"), Gemini Omni video,
Imagen and Veo.

google-genai 3.x serves two surfaces, and which one an engine uses decides what it needs:

- the **Gemini Developer API** (a Gemini API key, `GOOGLE_API_KEY` or `GEMINI_API_KEY`): Gemini
  text and image models through `generateContent`, and video through the **Interactions API**
  (`client.interactions`) with the Gemini Omni models (`gemini:gemini-omni-1.2-flash`);
- **Vertex AI** (google-genai calls it "Gemini Enterprise Agent Platform"): Veo (`generate_videos`)
  and Imagen (`generate_images`) are served there only. A project (`GOOGLE_CLOUD_PROJECT`,
  `GOOGLE_CLOUD_LOCATION`, application-default credentials) or express mode
  (`GOOGLE_GENAI_USE_VERTEXAI=true` with a Vertex API key in `GOOGLE_API_KEY`).

`GOOGLE_GENAI_USE_VERTEXAI=true` also sends the `gemini:` engines to Vertex AI. Base URLs come from
the SDK's own variables: `GOOGLE_GEMINI_BASE_URL` for the Developer API, `GOOGLE_VERTEX_BASE_URL`
for Vertex AI (proxies, gateways, the test fakes); `GOOGLE_GENAI_API_VERSION` is read by the SDK.
An engine whose route has no credentials fails when it is built, before anything is paid, with a
message naming the route and the variables to set (`MissingKey`, `MissingCredentials`).
"""
from __future__ import annotations

import base64
import os
import warnings
from typing import Any

from aiuteur import tracing
from aiuteur.engines import capabilities
from aiuteur.engines.protocols import ImageRequest, MediaResult, Usage, VideoRequest
from aiuteur.engines.providers import keys
from aiuteur.engines.providers.errors import (
    BadRequest, MalformedResponse, MissingCredentials, ProviderError, ProviderUnavailable, SafetyBlocked,
)
from aiuteur.engines.providers.media import (
    call, clip_seconds, image_size, read_image, video_facts, video_tier, wait_for,
)

#: marks an operation id whose request had to drop its last frame (survives a crash with the id)
FIRST_FRAME_ONLY = "#first-frame-only"
IMAGE_BLOCK_REASONS = {"SAFETY", "IMAGE_SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION",
                       "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION", "OTHER", "NO_IMAGE"}
CLOUD_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
#: what a user with only a Gemini API key can use instead of a Vertex-only provider
GEMINI_KEY_ALTERNATIVE = {"veo": "gemini:gemini-omni-1.2-flash", "imagen": "gemini:gemini-2.5-flash-image"}
VERTEX_ONLY = {"veo": "Veo", "imagen": "Imagen"}
#: Interactions API states in which a background interaction is still running
INTERACTION_RUNNING = {"in_progress", "queued"}


def _http_options(base_url_provider: str) -> Any:
    """SDK retries off (ours decide, see errors.py) and our timeout; the base URL from the SDK's own
    variable for the surface, passed explicitly so that it is the one in force."""
    from google.genai import types

    options = types.HttpOptions(timeout=int(keys.timeout_seconds() * 1000),
                                retry_options=types.HttpRetryOptions(attempts=1))
    if keys.base_url(base_url_provider):
        options.base_url = keys.base_url(base_url_provider)
    return options


def vertex_route_missing(provider: str, engine_id: str) -> str:
    """The message for an engine whose Vertex AI route has nothing to run on."""
    name = VERTEX_ONLY.get(provider, "This model")
    alternative = GEMINI_KEY_ALTERNATIVE.get(provider)
    return (f"{engine_id}: {name} is served through Vertex AI (google-genai 3.x has no {name} route for a Gemini "
            "API key): set GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_LOCATION with application-default credentials "
            "(GOOGLE_APPLICATION_CREDENTIALS, or `gcloud auth application-default login`), or "
            "GOOGLE_GENAI_USE_VERTEXAI=true with GOOGLE_API_KEY holding a Vertex AI express-mode key"
            + (f"; with a Gemini API key use {alternative}" if alternative else ""))


def _application_default_credentials(engine_id: str, project: str) -> Any:
    """Vertex AI credentials, found now so that a missing login fails before anything is paid
    (the SDK would only look for them at the first call)."""
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    try:
        credentials, _ = google.auth.default(scopes=[CLOUD_SCOPE])
    except DefaultCredentialsError as exc:
        raise MissingCredentials(
            f"{engine_id}: GOOGLE_CLOUD_PROJECT={project} selects Vertex AI, but no application-default credentials "
            "were found: set GOOGLE_APPLICATION_CREDENTIALS to a service-account or authorized-user JSON file, or run "
            "`gcloud auth application-default login` (or, for Vertex AI express mode, unset GOOGLE_CLOUD_PROJECT and "
            f"set GOOGLE_GENAI_USE_VERTEXAI=true with GOOGLE_API_KEY). google-auth said: {exc}",
            provider=engine_id.partition(":")[0]) from exc
    return credentials


def make_vertex_client(provider: str, engine_id: str) -> Any:
    """A Vertex AI client: the project in GOOGLE_CLOUD_PROJECT (region GOOGLE_CLOUD_LOCATION) with
    application-default credentials; else express mode when GOOGLE_GENAI_USE_VERTEXAI=true and a key
    is set; else MissingCredentials naming both routes. Project and location are passed explicitly:
    with a custom base URL and the project only in the environment, google-genai switches to an
    "API gateway" mode that posts every call to the bare base URL."""
    from google import genai

    project = keys.vertex_project()
    if project:
        credentials = _application_default_credentials(engine_id, project)
        return genai.Client(vertexai=True, project=project, location=keys.vertex_location(), credentials=credentials,
                            http_options=_http_options("vertex"))
    key = keys.optional_key(provider)
    if keys.use_vertexai() and key:
        return genai.Client(vertexai=True, api_key=key, http_options=_http_options("vertex"))
    raise MissingCredentials(vertex_route_missing(provider, engine_id), provider=provider)


def make_client(provider: str, engine_id: str) -> Any:
    """A client for a `gemini:` engine: the Gemini Developer API with the key, or Vertex AI when
    GOOGLE_GENAI_USE_VERTEXAI says so. Keep it on the engine: a temporary client is closed before
    its call finishes."""
    from google import genai

    if keys.use_vertexai():
        return make_vertex_client(provider, engine_id)
    return genai.Client(api_key=keys.api_key(provider, engine_id), http_options=_http_options(provider))


def _image_part(types: Any, path: Any) -> Any:
    data, mime = read_image(path)
    return types.Part.from_bytes(data=data, mime_type=mime)


class GeminiImageEngine:
    """`gemini:<model>` — image generation through generate_content with image output, reference
    images (character keys, the previous frame) sent as image parts for consistency. Serves
    gemini-2.5-flash-image and the Gemini 3 image models (gemini-3.1-flash-image,
    nano-banana-pro-preview) alike; the matrix says what each takes."""

    def __init__(self, model: str) -> None:
        self.id = f"gemini:{model}"
        self.model = model
        self.caps = capabilities.require(self.id, "image")
        self._client = make_client("gemini", self.id)

    def __repr__(self) -> str:
        return f"GeminiImageEngine({self.id!r})"

    def can_edit(self) -> bool:
        """Gemini edits by instruction with the image as a reference (no mask parameter): the mask goes
        as a second image and the caller keeps the pixels outside it (`stages.frames.repair_region`)."""
        return self.caps.reference_images >= 2

    def image(self, request: ImageRequest) -> MediaResult:
        from google.genai import types

        plan = capabilities.plan_image(self.id, request)
        references = capabilities.choose_references(list(request.references), plan.references)
        prompt = request.prompt
        if request.mask is not None:  # an edit: the image, then the mask (white = repaint), then the rest
            references = [request.references[0], request.mask] + references[1:max(1, plan.references - 1)]
            prompt = ("Edit the first image. Repaint only the region that is white in the second image (a mask); "
                      "keep everything else exactly as it is.\n" + request.prompt)
        contents = [types.Part.from_text(text=prompt)] + [_image_part(types, p) for p in references]
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
    """`imagen:<model>` — Imagen through generate_images, which google-genai serves on Vertex AI only
    (a project with credentials, or express mode)."""

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


class _GoogleVideo:
    """What Veo and Omni share: the id, the capability plan and the estimate from it; each
    subclass names its provider prefix and builds its own client."""

    provider = ""

    def __init__(self, model: str, *, resolution: str | None = None, audio: bool | None = None) -> None:
        self.id = f"{self.provider}:{model}"
        self.model = model
        self.caps = capabilities.require(self.id, "video")
        self.resolution = resolution or os.environ.get("AIUTEUR_VIDEO_RESOLUTION") or None
        self.audio = audio
        self._client = self._make_client()

    def _make_client(self) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id!r})"

    def plan(self, request: VideoRequest) -> capabilities.VideoPlan:
        return capabilities.plan_video(self.id, request, resolution=self.resolution, audio=self.audio)

    def estimate(self, request: VideoRequest) -> Usage:
        """What the call will bill: the seconds the model makes for the shot, at its resolution and audio."""
        return _estimate(self.plan(request))


class VeoEngine(_GoogleVideo):
    """`veo:<model>` — Veo through generate_videos on Vertex AI: a long-running operation, polled
    with fetchPredictOperation.

    The start frame goes in as the image, the end frame as `last_frame` where the model takes one;
    otherwise (by the capability matrix, or because the service refused it) the clip is made from
    the first frame only and `MediaResult.note` says so, so the shot can be flagged for a
    continuity look. `start` and `poll` are the two halves of `video`, so a job runner can keep the
    operation id and poll it again after a crash instead of paying twice.
    """

    provider = "veo"

    def _make_client(self) -> Any:
        return make_vertex_client("veo", self.id)

    def start(self, request: VideoRequest) -> str:
        """Submit the generation; returns the operation id to poll (nothing is downloaded yet)."""
        from google.genai import types
        from google.genai.errors import ClientError

        plan = self.plan(request)
        start = _image(types, request.start_frame)
        source = types.GenerateVideosSource(prompt=request.prompt, image=start)
        config: dict[str, Any] = dict(number_of_videos=1, duration_seconds=plan.duration, aspect_ratio=plan.aspect_ratio,
                                      seed=request.seed)
        if plan.resolution:
            config["resolution"] = plan.resolution
        if self.caps.audio == "optional":
            config["generate_audio"] = plan.audio
        refs = request.context.get("reference_images") or []
        if refs:
            config["reference_images"] = [types.VideoGenerationReferenceImage(image=_image(types, p), reference_type="asset")
                                          for p in refs]
        if request.context.get("negative_prompt"):
            config["negative_prompt"] = request.context["negative_prompt"]
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
        if not video.video_bytes:  # Vertex answers with bytes unless an output bucket was asked for
            raise MalformedResponse(f"{self.id}: operation {name} returned {video.uri or 'no bytes'} instead of the "
                                    "clip's bytes; aiuteur asks Vertex AI for inline bytes (no output_gcs_uri)",
                                    provider="veo", retryable=False)
        plan = self.plan(request) if request is not None else None
        notes = [plan.note] if plan is not None and plan.note else []
        if flag == FIRST_FRAME_ONLY[1:]:
            notes.append(f"the service refused the end frame for {self.id}: generated from the first frame only; "
                         "check continuity into the next shot")
        return _clip(self.id, video.video_bytes, video.mime_type, plan, notes)

    def video(self, request: VideoRequest) -> MediaResult:
        operation_id = self.start(request)
        return wait_for(self.id, lambda: self.poll(operation_id, request))


class GeminiVideoEngine(_GoogleVideo):
    """`gemini:<omni model>` — Gemini Omni video through the Interactions API, the video route
    google-genai 3.x offers a Gemini API key (Veo needs Vertex AI).

    `start` creates a background interaction (the prompt and the start frame as input, a video
    response format with aspect ratio, duration and resolution) and returns its id; `poll` gets it
    until it is completed, so a job runner resumes it after a crash like a Veo operation, and
    `cancel` stops it. The Interactions API takes no end frame: clips are made from the first frame
    and `MediaResult.note` says so. Usage is the clip's own length, as for Veo: Omni bills the
    seconds it delivers.
    """

    provider = "gemini"

    def _make_client(self) -> Any:
        return make_client("gemini", self.id)

    def start(self, request: VideoRequest) -> str:
        """Create the background interaction; returns its id (nothing is downloaded yet)."""
        plan = self.plan(request)
        data, mime = read_image(request.start_frame)
        content = [{"type": "text", "text": request.prompt},
                   {"type": "image", "data": base64.b64encode(data).decode(), "mime_type": mime}]
        response_format: dict[str, Any] = {"type": "video", "aspect_ratio": plan.aspect_ratio,
                                           "duration": f"{plan.duration}s", "delivery": "inline"}
        if plan.resolution:
            response_format["resolution"] = plan.resolution
        config = {"video_config": {"task": "image_to_video"}, "seed": request.seed}
        inputs = {"prompt": request.prompt, **{k: v for k, v in response_format.items() if k != "type"},
                  "task": "image_to_video", "seed": request.seed}
        with tracing.step(f"interactions.create {self.model}", inputs, run_type="tool") as out:
            interaction = call("gemini", lambda: self._client.interactions.create(
                model=self.model, input=content, response_format=response_format, generation_config=config,
                background=True, store=True))
            out.update(interaction=interaction.id, status=interaction.status)
        if not interaction.id:
            raise MalformedResponse(f"{self.id} returned no interaction id", provider="gemini")
        if interaction.status not in INTERACTION_RUNNING and interaction.status != "completed":
            raise _interaction_error(self.id, interaction)
        return interaction.id

    def poll(self, operation_id: str, request: VideoRequest | None = None) -> MediaResult | None:
        """The finished clip, or None while the interaction runs."""
        interaction = call("gemini", lambda: self._client.interactions.get(operation_id))
        if interaction.status in INTERACTION_RUNNING:
            return None
        if interaction.status != "completed":
            raise _interaction_error(self.id, interaction)
        video = getattr(interaction, "output_video", None)
        if video is None:
            raise MalformedResponse(f"{self.id}: interaction {operation_id} completed without a video",
                                    provider="gemini")
        data = _video_content_bytes(self, video)
        plan = self.plan(request) if request is not None else None
        notes = [plan.note] if plan is not None and plan.note else []
        return _clip(self.id, data, getattr(video, "mime_type", None), plan, notes)

    def cancel(self, operation_id: str) -> None:
        """Ask the service to stop the interaction (it may still bill what it made)."""
        call("gemini", lambda: self._client.interactions.cancel(operation_id))

    def video(self, request: VideoRequest) -> MediaResult:
        operation_id = self.start(request)
        return wait_for(self.id, lambda: self.poll(operation_id, request))


def _video_content_bytes(engine: GeminiVideoEngine, video: Any) -> bytes:
    """The bytes of an Interactions API video block: inline base64, or a Files API URI to download."""
    data = getattr(video, "data", None)
    if data:
        try:
            return base64.b64decode(data, validate=True)
        except ValueError as exc:
            raise MalformedResponse(f"{engine.id}: the video's inline data is not base64", provider="gemini") from exc
    uri = getattr(video, "uri", None)
    if uri:
        from google.genai import types

        return call("gemini", lambda: engine._client.files.download(file=types.Video(uri=uri)))
    raise MalformedResponse(f"{engine.id}: the video block has neither data nor a URI", provider="gemini")


def _estimate(plan: capabilities.VideoPlan) -> Usage:
    return Usage(video_seconds=float(plan.duration), tier=video_tier(plan))


def _clip(engine_id: str, data: bytes, mime: str | None, plan: capabilities.VideoPlan | None,
          notes: list[str]) -> MediaResult:
    """A finished clip with its probed facts, billed as Google bills it: the seconds of the clip it
    returned (whatever was asked), at the plan's resolution and audio."""
    width, height, duration, frames = video_facts(data)
    usage = Usage(video_seconds=clip_seconds(engine_id, duration, plan), tier=video_tier(plan))
    return MediaResult(data=data, mime=mime or "video/mp4", usage=usage, width=width, height=height,
                       duration=duration, frames=frames, note="; ".join(notes) or None)


def _image(types: Any, path: Any) -> Any:
    data, mime = read_image(path)
    return types.Image(image_bytes=data, mime_type=mime)


def _interaction_error(engine_id: str, interaction: Any) -> ProviderError:
    """The typed error for an interaction that ended without a result (failed, cancelled, incomplete...)."""
    code: Any = None
    messages = []
    for step in getattr(interaction, "steps", None) or []:
        error = getattr(step, "error", None)
        if error is not None:
            code = getattr(error, "code", None) if code is None else code
            messages.append(getattr(error, "message", None) or "")
    for error in getattr(interaction, "errors", None) or []:
        messages.append(" ".join(filter(None, (getattr(error, "code", None), getattr(error, "message", None)))))
    message = "; ".join(m for m in messages if m) or f"interaction ended with status {interaction.status}"
    if interaction.status == "cancelled" and code is None:
        return BadRequest(f"{engine_id}: interaction {interaction.id} was cancelled", provider="gemini")
    return _operation_error(engine_id, {"code": code, "message": message}, provider="gemini")


def _operation_error(engine_id: str, error: Any, provider: str = "veo") -> ProviderError:
    code = error.get("code") if isinstance(error, dict) else getattr(error, "code", None)
    message = error.get("message") if isinstance(error, dict) else str(error)
    text = f"{engine_id}: operation failed: {message} (code {code})"
    if code in (4, 8, 10, 13, 14):  # DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE
        failed = ProviderUnavailable(text, provider=provider)
        failed.operation_failed = True  # this operation is dead: a retry starts a new one
        return failed
    if message and any(word in str(message).lower() for word in ("safety", "policy", "responsible ai", "blocked")):
        return SafetyBlocked(text, reason=str(message), provider=provider)
    return BadRequest(text, provider=provider)
