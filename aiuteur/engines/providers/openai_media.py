"""OpenAI image (gpt-image-1: generate, reference images, masked edit) and Sora video (retired).

gpt-image-1 takes reference images through `images.edit` (several `image` files); a mask turns the
same call into region inpainting (transparent mask pixels are repainted). Sora's videos API was
shut down on 2026-09-24: the capability matrix marks it retired, so `openai:sora-*` ids are refused
before any request; the engine is kept, small, for accounts and proxies that still serve it
(`allow_retired=True`).
"""
from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

from aiuteur import tracing
from aiuteur.engines import capabilities
from aiuteur.engines.protocols import ImageRequest, MediaResult, Usage, VideoRequest
from aiuteur.engines.providers import keys
from aiuteur.engines.providers.errors import BadRequest, MalformedResponse, ProviderError, SafetyBlocked
from aiuteur.engines.providers.media import (
    call, clip_seconds, image_size, read_image, video_facts, video_tier, wait_for,
)

QUALITY = "medium"  # the quality asked for; with the size, the image's price tier in data/prices.json
#: the most input tokens one reference image can be (tokenized like GPT-4o vision input, high detail:
#: 85 + 170 per 512-px tile, at most 2048x768 after scaling = 8 tiles)
MAX_REFERENCE_TOKENS = 85 + 170 * 8
SAFETY_CODES = {"moderation_blocked", "content_policy_violation", "safety_violation"}


def make_client(engine_id: str) -> Any:
    from openai import OpenAI

    return OpenAI(api_key=keys.api_key("openai", engine_id), base_url=keys.base_url("openai"), max_retries=0,
                  timeout=keys.timeout_seconds())


def _safety(engine_id: str, exc: BadRequest) -> ProviderError:
    cause = exc.__cause__
    code = getattr(cause, "code", None) or ""
    body = getattr(cause, "body", None)
    if isinstance(body, dict):
        code = body.get("code") or (body.get("error") or {}).get("code") or code
    if code in SAFETY_CODES or "safety system" in str(exc):
        return SafetyBlocked(f"{engine_id} refused the request: {exc}", reason=str(code or "safety system"),
                             provider="openai", status=exc.status)
    return exc


def _file(path: Path) -> tuple[str, bytes, str]:
    data, mime = read_image(path)
    return (Path(path).name + {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}.get(mime, ""), data, mime)


class OpenAIImageEngine:
    """`openai:gpt-image-1` — generate, generate from references, and `edit` a masked region."""

    def __init__(self, model: str) -> None:
        self.id = f"openai:{model}"
        self.model = model
        self.caps = capabilities.require(self.id, "image")
        self._client = make_client(self.id)

    def __repr__(self) -> str:
        return f"OpenAIImageEngine({self.id!r})"

    def estimate(self, request: ImageRequest) -> Usage:
        """The most the call can bill: one image at its size and quality, the prompt's text tokens (at
        most one a byte) and each reference image at its largest token count."""
        plan = capabilities.plan_image(self.id, request)
        references = len(capabilities.choose_references(list(request.references), plan.references))
        return Usage(images=1, tier=f"{plan.size}/{QUALITY}", input_tokens=len(request.prompt.encode()),
                     input_image_tokens=references * MAX_REFERENCE_TOKENS)

    def can_edit(self) -> bool:
        return bool(self.caps.mask)

    def image(self, request: ImageRequest) -> MediaResult:
        if request.mask is not None:  # a repair: references[0] is the image, the mask's white is repainted
            import tempfile

            with tempfile.TemporaryDirectory(prefix="aiuteur-mask-") as tmp:
                mask = Path(tmp) / "mask.png"
                mask.write_bytes(_alpha_mask(request.mask, request.references[0]))
                return self.edit(request, mask)
        plan = capabilities.plan_image(self.id, request)
        references = capabilities.choose_references(list(request.references), plan.references)
        if references:
            return self._edit(request, references, None, plan)
        with tracing.step(f"images.generate {self.model}", {"prompt": request.prompt, "size": plan.size}) as out:
            response = self._run(lambda: self._client.images.generate(
                model=self.model, prompt=request.prompt, size=plan.size, quality=QUALITY, n=1))
            result = self._result(response, plan)
            out.update(mime=result.mime, bytes=len(result.data))
        return result

    def edit(self, request: ImageRequest, mask: Path, image: Path | None = None) -> MediaResult:
        """Repaint the region of `image` (default: the first reference) where `mask` is transparent."""
        plan = capabilities.plan_image(self.id, request, mask=True)
        base = image or (request.references[0] if request.references else None)
        if base is None:
            raise capabilities.CapabilityError(self.id, "image", "an edit needs the image to edit (image= or a reference)")
        others = [p for p in request.references if p != base]
        references = [base] + capabilities.choose_references(others, max(0, plan.references - 1))
        return self._edit(request, references, mask, plan)

    def _edit(self, request: ImageRequest, references: list[Path], mask: Path | None,
              plan: capabilities.ImagePlan) -> MediaResult:
        options: dict[str, Any] = dict(model=self.model, prompt=request.prompt, size=plan.size, quality=QUALITY, n=1,
                                       image=[_file(p) for p in references])
        if mask is not None:
            options["mask"] = _file(mask)
        with tracing.step(f"images.edit {self.model}", {"prompt": request.prompt, "size": plan.size,
                                                        "references": len(references), "mask": mask is not None}) as out:
            response = self._run(lambda: self._client.images.edit(**options))
            result = self._result(response, plan)
            out.update(mime=result.mime, bytes=len(result.data))
        return result

    def _run(self, fn: Any) -> Any:
        try:
            return call("openai", fn)
        except BadRequest as exc:
            raise _safety(self.id, exc) from exc.__cause__

    def _result(self, response: Any, plan: capabilities.ImagePlan) -> MediaResult:
        import base64

        items = getattr(response, "data", None) or []
        if not items or not items[0].b64_json:
            raise MalformedResponse(f"{self.id} returned no image", provider="openai", retryable=False)
        data = base64.b64decode(items[0].b64_json)
        width, height = image_size(data)
        return MediaResult(data=data, mime="image/png", usage=_image_usage(response, len(items), plan), width=width,
                           height=height, note=plan.note)


def _image_usage(response: Any, images: int, plan: capabilities.ImagePlan) -> Usage:
    """What OpenAI bills for an image call: the images it made at their size and quality, and the
    input tokens it counted (text and reference images, from the response's own `usage`)."""
    counted = getattr(response, "usage", None)
    details = getattr(counted, "input_tokens_details", None)
    text = getattr(details, "text_tokens", None)
    pictures = getattr(details, "image_tokens", None)
    if text is None:  # no breakdown: everything counted as text
        text, pictures = getattr(counted, "input_tokens", 0) or 0, 0
    return Usage(images=images, tier=f"{plan.size}/{QUALITY}", input_tokens=int(text or 0),
                 input_image_tokens=int(pictures or 0))


class SoraVideoEngine:
    """`openai:sora-2` — the retired Sora videos API (create, poll, download)."""

    def __init__(self, model: str, *, allow_retired: bool = False) -> None:
        self.id = f"openai:{model}"
        self.model = model
        caps = capabilities.lookup(self.id)
        if not (allow_retired and caps is not None and caps.status == "retired"):
            capabilities.require(self.id, "video")
        self.caps = caps
        self._client = make_client(self.id)

    def __repr__(self) -> str:
        return f"SoraVideoEngine({self.id!r})"

    def plan(self, request: VideoRequest) -> capabilities.VideoPlan:
        if self.caps is not None and self.caps.status == "retired":  # allowed explicitly: plan as if active
            probe = self.caps.model_copy(update={"status": "active"})
            return _plan_with(probe, request)
        return capabilities.plan_video(self.id, request)

    def start(self, request: VideoRequest) -> str:
        plan = self.plan(request)
        size = "1280x720" if plan.aspect_ratio == "16:9" else "720x1280"
        data, mime = read_image(request.start_frame)
        with tracing.step(f"videos.create {self.model}", {"prompt": request.prompt, "seconds": plan.duration, "size": size},
                          run_type="tool") as out:
            video = _sora(lambda: self._client.videos.create(
                model=self.model, prompt=request.prompt, seconds=str(plan.duration), size=size,
                input_reference=("start.png", _resized(data, size), "image/png")))
            out.update(video_id=video.id)
        return video.id

    def poll(self, operation_id: str, request: VideoRequest | None = None) -> MediaResult | None:
        video = _sora(lambda: self._client.videos.retrieve(operation_id))
        if video.status in ("queued", "in_progress"):
            return None
        if video.status == "failed":
            error = getattr(video, "error", None)
            message = getattr(error, "message", None) or str(error)
            code = getattr(error, "code", "") or ""
            if code in SAFETY_CODES or "moderation" in str(message).lower():
                raise SafetyBlocked(f"{self.id}: {message}", reason=str(code or message), provider="openai")
            raise BadRequest(f"{self.id}: video failed: {message}", provider="openai")
        content = _sora(lambda: self._client.videos.download_content(operation_id))
        data = content.read() if hasattr(content, "read") else bytes(content)
        width, height, duration, frames = video_facts(data)
        plan = self.plan(request) if request is not None else None
        if duration is None and getattr(video, "seconds", None):
            duration = float(video.seconds)  # the provider's own word when the clip cannot be probed
        usage = Usage(video_seconds=clip_seconds(self.id, duration, plan), tier=video_tier(plan))
        return MediaResult(data=data, mime="video/mp4", usage=usage, width=width, height=height,
                           duration=duration, frames=frames, note=plan.note if plan else None)

    def video(self, request: VideoRequest) -> MediaResult:
        video_id = self.start(request)
        return wait_for(self.id, lambda: self.poll(video_id, request))


def _sora(fn: Any) -> Any:
    """One Sora SDK call, without the SDK's shutdown warning (the capability matrix says it first)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The Sora API is scheduled", category=DeprecationWarning)
        return call("openai", fn)


def _plan_with(caps: capabilities.Capabilities, request: VideoRequest) -> capabilities.VideoPlan:
    """plan_video for an entry not in (or retired from) the matrix."""
    seconds = min((d for d in caps.durations if d >= request.duration - 1e-9), default=None)
    if seconds is None:
        raise capabilities.CapabilityError(caps.engine_id, "duration", f"{request.duration:g} s is longer than "
                                           f"{max(caps.durations)} s")
    aspect = capabilities.match_aspect(caps.engine_id, request.width, request.height, caps.aspect_ratios)
    note = None
    if request.end_frame is not None and not caps.last_frame:
        note = (f"end frame not supported by {caps.engine_id}: generated from the first frame only; "
                "check continuity into the next shot")
    return capabilities.VideoPlan(duration=seconds, aspect_ratio=aspect, resolution=caps.resolutions[0],
                                  use_last_frame=False, references=0, audio=True, note=note)


def _resized(data: bytes, size: str) -> bytes:
    """Sora wants the input reference at the output size exactly."""
    from PIL import Image

    width, height = (int(v) for v in size.split("x"))
    with Image.open(io.BytesIO(data)) as image:
        fitted = image.convert("RGB").resize((width, height))
        buffer = io.BytesIO()
        fitted.save(buffer, format="PNG")
    return buffer.getvalue()


def _alpha_mask(mask: Path, image: Path) -> bytes:
    """gpt-image-1 repaints where its mask is transparent, and wants the mask at the image's size;
    ours is white where to repaint (greyscale): alpha = 255 - mask, at the image's size."""
    from PIL import Image, ImageOps

    with Image.open(image) as base, Image.open(mask) as painted:
        grey = painted.convert("L").resize(base.size)
        rgba = Image.new("RGBA", base.size, (0, 0, 0, 255))
        rgba.putalpha(ImageOps.invert(grey))
    buffer = io.BytesIO()
    rgba.save(buffer, format="PNG")
    return buffer.getvalue()
