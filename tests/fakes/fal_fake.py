"""A fake fal.ai queue: submit (POST /{app}), `status`, `result`, `cancel`, and the media `download`.

Video apps answer `{"video": {"url": ...}}` with a real MP4 of the requested duration.
Options: `polls` (status polls before COMPLETED, default 1).
"""
from __future__ import annotations

import itertools
import re
from typing import Any

from tests.fakes.content import mp4_bytes
from tests.fakes.server import FakeProvider, Recorded, Reply

SIZES = {"16:9": (160, 90), "9:16": (90, 160), "1:1": (96, 96), "21:9": (168, 72)}


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
            seconds = float(str(args.get("duration", "5")).rstrip("s"))
            width, height = SIZES.get(args.get("aspect_ratio", "16:9"), SIZES["16:9"])
            file_id = f"{request_id}.mp4"
            self.files[file_id] = mp4_bytes(width, height, seconds)
            job["file"] = file_id
            self.control.bill(route="result", app=job["app"], video_seconds=seconds,
                              audio=bool(args.get("generate_audio", True)))
        data = self.files[job["file"]]
        return {"video": {"url": f"{self.url}/files/{job['file']}", "content_type": "video/mp4",
                          "file_name": job["file"], "file_size": len(data)}, "seed": 1}

    def _download(self, request: Recorded) -> Any:
        data = self.files.get(request.path.rsplit("/", 1)[-1])
        if data is None:
            return Reply(404, {"detail": "not found"})
        return Reply(body=data, content_type="video/mp4")
