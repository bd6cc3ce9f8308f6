"""fal.ai video engines (Kling 4.0, Veo 3.1 Fast first/last frame...) through `fal-client`'s queue.

fal is a hosted-model gateway: one key (FAL_KEY) and one queue protocol (submit, status, result)
for many studio video models, so adding a model is a capability-matrix entry, not new code. Each
model's entry names its fal endpoint and its argument names (`arguments`: which field takes the
first frame, the last frame, the duration and in what format). Frames are sent as data URIs, so
nothing is uploaded to a CDN first. fal-client retries 429s itself; that is switched off here so
the job runner's retry policy is the only one. AIUTEUR_FAL_BASE_URL sends the queue traffic to
another host (a proxy, or the test fake).
"""
from __future__ import annotations

from typing import Any

from aiuteur import tracing
from aiuteur.engines import capabilities
from aiuteur.engines.protocols import MediaResult, Usage, VideoRequest
from aiuteur.engines.providers import keys
from aiuteur.engines.providers.errors import BadRequest, MalformedResponse, SafetyBlocked
from aiuteur.engines.providers.media import call, clip_seconds, read_image, video_facts, video_tier, wait_for

FAL_HOSTS = {"queue.fal.run", "fal.run", "queue.falrun.com", "falrun.com"}
SAFETY_TYPES = {"content_policy_violation", "nsfw", "safety", "content_moderation"}


def _redirecting_transport(base: str) -> Any:
    """An httpx transport that sends fal's fixed https hosts to `base` instead."""
    import httpx

    target = httpx.URL(base)

    class Redirect(httpx.BaseTransport):
        def __init__(self) -> None:
            self._inner = httpx.HTTPTransport()

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.host in FAL_HOSTS:
                request.url = request.url.copy_with(scheme=target.scheme, host=target.host, port=target.port,
                                                    path=target.path.rstrip("/") + request.url.path)
            return self._inner.handle_request(request)

        def close(self) -> None:
            self._inner.close()

    return Redirect()


def make_client(engine_id: str) -> Any:
    engine_key = keys.api_key("fal", engine_id)
    import fal_client
    import fal_client.client as fal_impl

    fal_impl.MAX_ATTEMPTS = 1  # our job runner decides about retries, not fal-client's ten tries
    client = fal_client.SyncClient(key=engine_key, default_timeout=keys.timeout_seconds())
    base = keys.base_url("fal")
    if base:
        import httpx

        client.__dict__["_client"] = httpx.Client(  # replaces the cached property's value
            transport=_redirecting_transport(base), timeout=keys.timeout_seconds(), follow_redirects=True,
            headers={"Authorization": f"Key {engine_key}", "User-Agent": fal_impl.USER_AGENT})
    return client


class FalVideoEngine:
    """`fal:<model>` — a video model served by fal's queue; `<model>` is a capability-matrix entry."""

    def __init__(self, model: str, *, resolution: str | None = None, audio: bool | None = None) -> None:
        self.id = f"fal:{model}"
        self.model = model
        self.caps = capabilities.require(self.id, "video")
        if not self.caps.endpoint:
            raise capabilities.CapabilityError(self.id, "endpoint", "no fal endpoint in data/capabilities.json")
        self.endpoint = self.caps.endpoint
        self.resolution = resolution
        self.audio = audio
        self._client = make_client(self.id)

    def __repr__(self) -> str:
        return f"FalVideoEngine({self.id!r})"

    def plan(self, request: VideoRequest) -> capabilities.VideoPlan:
        return capabilities.plan_video(self.id, request, resolution=self.resolution, audio=self.audio)

    def estimate(self, request: VideoRequest) -> Usage:
        """What the call will bill: the seconds the model makes for the shot, at its price tier."""
        plan = self.plan(request)
        return Usage(video_seconds=float(plan.duration), tier=video_tier(plan))

    def arguments(self, request: VideoRequest, plan: capabilities.VideoPlan) -> dict[str, Any]:
        import fal_client

        names = self.caps.arguments
        args: dict[str, Any] = {"prompt": request.prompt}
        start, mime = read_image(request.start_frame)
        args[names.get("start", "image_url")] = fal_client.encode(start, mime)
        end_path = request.end_frame if plan.use_last_frame else None
        if self.caps.last_frame == "required" and end_path is None:
            end_path = request.start_frame
        if end_path is not None and "end" in names:
            end, end_mime = read_image(end_path)
            args[names["end"]] = fal_client.encode(end, end_mime)
        args[names.get("duration", "duration")] = names.get("duration_format", "{seconds}").format(seconds=plan.duration)
        if "aspect_ratio" in names:
            args[names["aspect_ratio"]] = plan.aspect_ratio
        if "resolution" in names and plan.resolution:
            args[names["resolution"]] = plan.resolution
        if "audio" in names and self.caps.audio == "optional":
            args[names["audio"]] = plan.audio
        return args

    def start(self, request: VideoRequest) -> str:
        plan = self.plan(request)
        args = self.arguments(request, plan)
        with tracing.step(f"fal submit {self.endpoint}", args, run_type="tool") as out:
            handle = self._call(lambda: self._client.submit(self.endpoint, args))
            out.update(request_id=handle.request_id)
        return handle.request_id

    def poll(self, operation_id: str, request: VideoRequest | None = None) -> MediaResult | None:
        import fal_client

        status = self._call(lambda: self._client.status(self.endpoint, operation_id))
        if not isinstance(status, fal_client.Completed):
            return None
        if getattr(status, "error", None):
            raise BadRequest(f"{self.id}: {status.error}", provider="fal")
        result = self._call(lambda: self._client.result(self.endpoint, operation_id))
        url = ((result or {}).get("video") or {}).get("url")
        if not url:
            raise MalformedResponse(f"{self.id}: result without a video url", provider="fal")
        data = self._call(lambda: self._download(url))
        width, height, duration, frames = video_facts(data)
        plan = self.plan(request) if request is not None else None
        usage = Usage(video_seconds=clip_seconds(self.id, duration, plan), tier=video_tier(plan))
        return MediaResult(data=data, mime="video/mp4", usage=usage, width=width, height=height,
                           duration=duration, frames=frames, note=plan.note if plan else None)

    def video(self, request: VideoRequest) -> MediaResult:
        request_id = self.start(request)
        return wait_for(self.id, lambda: self.poll(request_id, request))

    def _download(self, url: str) -> bytes:
        import httpx

        with httpx.Client(timeout=keys.timeout_seconds() * 5, follow_redirects=True) as http:
            response = http.get(url)
            response.raise_for_status()
            return response.content

    def _call(self, fn: Any) -> Any:
        try:
            return call("fal", fn)
        except BadRequest as exc:
            cause = exc.__cause__
            kind = str(getattr(cause, "error_type", "") or "")
            text = str(getattr(cause, "response", None) and cause.response.text or exc)
            if kind in SAFETY_TYPES or any(t in text for t in SAFETY_TYPES):
                raise SafetyBlocked(f"{self.id} refused the request: {kind or text[:200]}", reason=kind or "content_policy_violation",
                                    provider="fal", status=exc.status) from cause
            raise
