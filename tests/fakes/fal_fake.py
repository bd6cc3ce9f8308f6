"""A fake fal.ai queue: submit (POST /{app}), `status`, `result`, `cancel`, and the media `download`.

Video apps answer `{"video": {"url": ...}}` with a real MP4. Each app takes the durations, aspect
ratios and resolutions fal documents for it (`APPS`, this fake's own table, not the client's
capability matrix) and refuses others with fal's 422 validation error. It bills what it generated,
as fal does: the seconds of the clip it made, with or without audio, at its resolution
(`control.usage`). Options: `polls` (status polls before COMPLETED, default 1); `clip_seconds`
(make clips of this length whatever was asked: a model that does not keep to the request).
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from tests.fakes.content import mp4_bytes
from tests.fakes.server import FakeProvider, Recorded, Reply

SIZES = {"16:9": (160, 90), "9:16": (90, 160), "1:1": (96, 96), "21:9": (168, 72)}


@dataclass(frozen=True)
class App:
    """What one fal app accepts: `durations` as the strings it takes, and how it bills audio."""

    durations: tuple[str, ...]
    resolutions: tuple[str, ...] = ("720p",)
    audio: str = "always"  # "always" | "optional" (the `generate_audio` argument, default on)


APPS = {
    "fal-ai/kling-video/v4/image-to-video": App(durations=tuple(str(n) for n in range(3, 31))),
    "fal-ai/veo3.1/fast/first-last-frame-to-video": App(durations=("4s", "6s", "8s"), resolutions=("720p", "1080p"),
                                                        audio="optional"),
}


def _invalid(field: str, value: Any, allowed: Any) -> Reply:
    return Reply(422, {"detail": [{"loc": ["body", field], "msg": f"value is not a valid enumeration member; "
                                   f"permitted: {', '.join(map(str, allowed))}", "type": "type_error.enum",
                                   "input": value}]})


class FalFake(FakeProvider):
    name = "fal"
    _ids = itertools.count(1)

    def __init__(self) -> None:
        super().__init__()
        self.jobs: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}

    def route(self, method: str, path: str) -> str | None:
        if method == "GET" and path.startswith("/files/"):
            return "download"
        if method == "GET" and re.search(r"/requests/[\w-]+/status$", path):
            return "status"
        if method == "PUT" and re.search(r"/requests/[\w-]+/cancel$", path):
            return "cancel"
        if method == "GET" and re.search(r"/requests/[\w-]+$", path):
            return "result"
        if method == "POST":
            return "submit"
        return None

    @staticmethod
    def rate_limited(retry_after: float = 1.0) -> Reply:
        return Reply(429, {"detail": "Too many requests"}, headers={"Retry-After": f"{retry_after:g}"})

    def safety(self, route: str = "result", reason: str = "content_policy_violation") -> Reply:
        return Reply(422, {"detail": [{"loc": ["body", "prompt"], "msg": "The content could not be processed because "
                                       "it contained material flagged by a content checker.", "type": reason}]},
                     headers={"x-fal-error-type": reason})

    def default(self, route: str, request: Recorded) -> Reply | Any:
        return getattr(self, "_" + route)(request)

    def _urls(self, app: str, request_id: str) -> dict[str, str]:
        base = f"{self.url}/{app}/requests/{request_id}"
        return {"request_id": request_id, "response_url": base, "status_url": f"{base}/status",
                "cancel_url": f"{base}/cancel"}

    def _submit(self, request: Recorded) -> Any:
        app = request.path.strip("/")
        rules, args = APPS.get(app), request.json or {}
        if rules is not None:
            duration = str(args.get("duration", rules.durations[0]))
            if duration not in rules.durations:
                return _invalid("duration", duration, rules.durations)
            if str(args.get("resolution", rules.resolutions[0])) not in rules.resolutions:
                return _invalid("resolution", args.get("resolution"), rules.resolutions)
        request_id = f"req-{next(self._ids)}"
        self.jobs[request_id] = {"app": app, "arguments": request.json or {}, "polls": 0}
        return {**self._urls(app, request_id), "queue_position": 0}

    def _status(self, request: Recorded) -> Any:
        request_id = request.path.split("/")[-2]
        job = self.jobs.get(request_id)
        if job is None:
            return Reply(404, {"detail": "Request not found"})
        job["polls"] += 1
        urls = self._urls(job["app"], request_id)
        if job["polls"] < int(self.control.options.get("polls", 1)):
            return {"status": "IN_PROGRESS", "logs": [], **urls}
        return {"status": "COMPLETED", "logs": [], "metrics": {"inference_time": 1.0}, **urls}

    def _cancel(self, request: Recorded) -> Any:
        return {"status": "CANCELLATION_REQUESTED"}

    def _result(self, request: Recorded) -> Any:
        request_id = request.path.rsplit("/", 1)[-1]
        job = self.jobs.get(request_id)
        if job is None:
            return Reply(404, {"detail": "Request not found"})
        if "file" not in job:
            args = job["arguments"]
            rules = APPS.get(job["app"])
            seconds = float(self.control.options.get("clip_seconds") or str(args.get("duration", "5")).rstrip("s"))
            width, height = SIZES.get(args.get("aspect_ratio", "16:9"), SIZES["16:9"])
            file_id = f"{request_id}.mp4"
            self.files[file_id] = mp4_bytes(width, height, seconds)
            job["file"] = file_id
            audio = True if rules is None or rules.audio == "always" else bool(args.get("generate_audio", True))
            resolution = str(args.get("resolution", rules.resolutions[0] if rules else "720p"))
            self.control.bill(route="result", app=job["app"], video_seconds=seconds, audio=audio,
                              resolution=resolution)
        data = self.files[job["file"]]
        return {"video": {"url": f"{self.url}/files/{job['file']}", "content_type": "video/mp4",
                          "file_name": job["file"], "file_size": len(data)}, "seed": 1}

    def _download(self, request: Recorded) -> Any:
        data = self.files.get(request.path.rsplit("/", 1)[-1])
        if data is None:
            return Reply(404, {"detail": "not found"})
        return Reply(body=data, content_type="video/mp4")
