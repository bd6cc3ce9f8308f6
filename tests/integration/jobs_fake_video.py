"""A paid-looking long-running video provider on 127.0.0.1, and the engine that speaks to it.

The provider lives in the test process, so it outlives a client that is killed: operations keep
running "at the provider" and can be polled by a new process. It bills an operation when it is
created and logs every request, which is what the tests count. Like real providers with
idempotency support, a start repeated with the same `Idempotency-Key` returns the operation
already created for it (and bills nothing new).
"""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiuteur.engines.errors import from_http
from aiuteur.engines.protocols import MediaResult, Usage

ENGINE_ID = "veo:veo-3.1-fast-generate-preview"  # a real, priced id: $0.15 a second


class FakeVideoProvider:
    def __init__(self, latency: float = 0.6) -> None:
        self.latency = latency
        self.lock = threading.Lock()
        self.operations: dict[str, dict[str, Any]] = {}
        self.by_key: dict[str, str] = {}
        self.log: list[tuple[float, str, str, str]] = []  # (time, event, idempotency key, operation)
        self.downloads = threading.Condition(self.lock)
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                data = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers.get("Idempotency-Key", "")
                self._send(200, json.dumps({"id": provider.start(key, data)}).encode())

            def do_GET(self) -> None:
                parts = self.path.strip("/").split("/")  # v1/videos/<op>[/content]
                op = parts[2]
                if len(parts) == 4:
                    self._send(200, provider.content(op), "video/mp4")
                else:
                    self._send(200, json.dumps({"status": provider.status(op)}).encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "FakeVideoProvider":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- the provider's behaviour --------------------------------------------------------------
    def start(self, key: str, data: dict) -> str:
        with self.lock:
            self.log.append((time.monotonic(), "start", key, ""))
            if key and key in self.by_key:
                op = self.by_key[key]
                self.log.append((time.monotonic(), "dedupe", key, op))
                return op
            op = f"op-{len(self.operations) + 1}"
            self.operations[op] = {"key": key, "data": data, "created": time.monotonic()}
            if key:
                self.by_key[key] = op
            self.log.append((time.monotonic(), "create", key, op))  # billed here
            return op

    def status(self, op: str) -> str:
        with self.lock:
            operation = self.operations[op]
            self.log.append((time.monotonic(), "poll", operation["key"], op))
            done = time.monotonic() - operation["created"] >= self.latency
            return "completed" if done else "in_progress"

    def content(self, op: str) -> bytes:
        with self.lock:
            operation = self.operations[op]
            self.log.append((time.monotonic(), "download", operation["key"], op))
            self.downloads.notify_all()
            return b"\x00\x00\x00\x18ftypmp42" + json.dumps(operation["data"], sort_keys=True).encode()

    def wait_for_downloads(self, n: int, timeout: float) -> bool:
        with self.lock:
            return self.downloads.wait_for(lambda: self.count("download") >= n, timeout)

    def count(self, event: str) -> int:
        return sum(1 for entry in self.log if entry[1] == event)

    def events(self, event: str, since: float = 0.0) -> list[tuple[float, str, str, str]]:
        with self.lock:
            return [e for e in self.log if e[1] == event and e[0] >= since]


class HttpVideoEngine:
    """A long-running video engine over HTTP: `start` (with our idempotency key), `poll`."""

    def __init__(self, base_url: str, engine_id: str = ENGINE_ID) -> None:
        self.id = engine_id
        self.base = base_url

    def _call(self, method: str, path: str, body: dict | None = None, headers: dict | None = None) -> bytes:
        request = urllib.request.Request(self.base + path, method=method,
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            raise from_http(exc.code, exc.reason, retry_after=exc.headers.get("Retry-After")) from exc

    def start(self, request: Any, idempotency_key: str | None = None) -> str:
        body = {"prompt": request.prompt, "duration": request.duration, "seed": request.seed}
        answer = self._call("POST", "/v1/videos", body, {"Idempotency-Key": idempotency_key or ""})
        return json.loads(answer)["id"]

    def poll(self, operation_id: str, request: Any = None) -> MediaResult | None:
        status = json.loads(self._call("GET", f"/v1/videos/{operation_id}"))["status"]
        if status != "completed":
            return None
        data = self._call("GET", f"/v1/videos/{operation_id}/content")
        seconds = request.duration if request is not None else 4.0
        return MediaResult(data=data, mime="video/mp4", usage=Usage(video_seconds=seconds), duration=seconds,
                           frames=round(seconds * (request.fps if request is not None else 24)))

    def video(self, request: Any) -> MediaResult:
        operation = self.start(request)
        while (result := self.poll(operation, request)) is None:
            time.sleep(0.05)
        return result


def copy_workspace(demo_run: Any, folder: Any) -> Any:
    """A private copy of the shared demo workspace (`demo_run`): every stage done offline."""
    import shutil

    source = demo_run[0]
    shutil.copy(source, folder / "ws.duckdb")
    shutil.copytree(source.with_name("ws.media"), folder / "ws.media")
    return folder / "ws.duckdb"


def confirm_video_on(store: Any, project: Any, video_engine: Any) -> Any:
    """Approve the stage-11 confirmation for `video_engine` (an engine, or just its id)."""
    from types import SimpleNamespace

    from aiuteur import Engines, get_engine
    from aiuteur.stages import confirm

    if isinstance(video_engine, str):
        video_engine = SimpleNamespace(id=video_engine)
    engines = Engines(get_engine("text", "offline:draft-writer"), get_engine("image", "offline:storyboard"), video_engine)
    return confirm.confirm(store, project, engines, approve=True)
