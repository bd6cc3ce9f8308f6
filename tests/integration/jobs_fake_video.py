"""A paid-looking long-running video provider on 127.0.0.1, and the engines that speak to it.

The provider lives in the test process, so it outlives a client that is killed: operations keep
running "at the provider" and can be polled by a new process. It is no kinder than a real one: it
does **not** de-duplicate anything — every start creates a new operation and is billed, whatever
headers came with it — and it answers with real MP4 clips of the length asked for. It logs every
request, which is what the tests count, and can list its recent operations (`GET /v1/videos`),
as some providers' APIs do; `SearchableHttpVideoEngine.find` uses that, `HttpVideoEngine` cannot.

To kill a client at a chosen moment, the provider can *hold* one kind of request (`start`,
`poll` or `download`) after letting `after` of them through: a held start has already made and
billed its operation, but its answer never leaves; a held poll or download never answers.
`wait_for_held(n)` returns once `n` requests are held.
"""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

from aiuteur.engines.capabilities import billed_seconds
from aiuteur.engines.errors import ProviderTimeout, from_http
from aiuteur.engines.protocols import MediaResult, Usage
from aiuteur.jobs.testing import sample_clip

ENGINE_ID = "veo:veo-3.1-fast-generate-preview"  # a real, priced id: $0.15 a second
KINDS = ("start", "poll", "download")


class FakeVideoProvider:
    def __init__(self, latency: float = 0.6) -> None:
        self.latency = latency
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.operations: dict[str, dict[str, Any]] = {}
        self.log: list[tuple[float, str, str, dict]] = []  # (time, event, operation, request body)
        self.hold_kind: str | None = None
        self.hold_after = 0
        self.passed = {kind: 0 for kind in KINDS}
        self.held = 0
        self.release = threading.Event()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client was killed while we held its answer
                    pass

            def do_POST(self) -> None:
                data = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                operation = provider.start(data)  # made and billed before any answer
                provider.maybe_hold("start")
                self._send(200, json.dumps({"id": operation}).encode())

            def do_GET(self) -> None:
                parts = self.path.strip("/").split("?")[0].split("/")  # v1/videos[/<op>[/content]]
                if len(parts) == 2:
                    self._send(200, json.dumps({"data": provider.recent()}).encode())
                elif len(parts) == 4:
                    provider.maybe_hold("download")
                    self._send(200, provider.content(parts[2]), "video/mp4")
                else:
                    status = provider.status(parts[2])
                    if status == "completed":
                        provider.maybe_hold("poll")
                    self._send(200, json.dumps({"status": status}).encode())

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
        self.stop_holding()
        self.server.shutdown()
        self.server.server_close()

    # -- holding requests, to kill a client at a chosen moment -------------------------------------
    def hold(self, kind: str, *, after: int) -> None:
        """Hold every `kind` request once `after` of them have been answered."""
        assert kind in KINDS
        with self.lock:
            self.hold_kind, self.hold_after = kind, after

    def stop_holding(self) -> None:
        with self.lock:
            self.hold_kind = None
        self.release.set()

    def maybe_hold(self, kind: str) -> None:
        with self.lock:
            if self.hold_kind != kind or self.passed[kind] < self.hold_after:
                self.passed[kind] += 1
                return
            self.held += 1
            self.changed.notify_all()
        self.release.wait(120)

    def wait_for_held(self, n: int, timeout: float) -> bool:
        with self.lock:
            return self.changed.wait_for(lambda: self.held >= n, timeout)

    # -- the provider's behaviour --------------------------------------------------------------
    def start(self, data: dict) -> str:
        with self.lock:
            op = f"op-{len(self.operations) + 1}"
            self.operations[op] = {"data": data, "created": time.monotonic()}
            self.log.append((time.monotonic(), "create", op, data))  # billed here, every time
            return op

    def status(self, op: str) -> str:
        with self.lock:
            operation = self.operations[op]
            self.log.append((time.monotonic(), "poll", op, operation["data"]))
            done = time.monotonic() - operation["created"] >= self.latency
            return "completed" if done else "in_progress"

    def content(self, op: str) -> bytes:
        with self.lock:
            operation = self.operations[op]
            self.log.append((time.monotonic(), "download", op, operation["data"]))
        data = operation["data"]
        clip, _, _ = sample_clip(float(data["duration"]), int(data.get("fps", 24)), tag=op.encode())
        return clip

    def recent(self) -> list[dict]:
        """The provider's list of recent operations, newest first, with what each was asked."""
        with self.lock:
            return [{"id": op, **o["data"]} for op, o in reversed(list(self.operations.items()))]

    # -- what the tests read ---------------------------------------------------------------------
    def count(self, event: str) -> int:
        with self.lock:
            return sum(1 for entry in self.log if entry[1] == event)

    def events(self, event: str, since: float = 0.0) -> list[tuple[float, str, str, dict]]:
        with self.lock:
            return [e for e in self.log if e[1] == event and e[0] >= since]


def request_body(request: Any) -> dict:
    """What the engines send for a request — and what identifies an operation in the provider's list.
    Like Veo, the clip asked for is the length the model makes for the shot (4, 6 or 8 s)."""
    return {"prompt": request.prompt, "duration": billed_seconds(ENGINE_ID, request.duration), "fps": request.fps,
            "seed": request.seed}


class HttpVideoEngine:
    """A long-running video engine over HTTP: `start`, `poll`. Like the real engines it sends no
    idempotency key (the provider would ignore it anyway) and cannot search the provider."""

    def __init__(self, base_url: str, engine_id: str = ENGINE_ID) -> None:
        self.id = engine_id
        self.base = base_url

    def _call(self, method: str, path: str, body: dict | None = None) -> bytes:
        request = urllib.request.Request(self.base + path, method=method,
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # a held request waits for its kill
                return response.read()
        except urllib.error.HTTPError as exc:
            raise from_http(exc.code, exc.reason, retry_after=exc.headers.get("Retry-After")) from exc
        except (urllib.error.URLError, OSError) as exc:  # no answer: a timeout, a dropped connection
            raise ProviderTimeout(f"{self.id}: no answer: {exc}") from exc

    def start(self, request: Any) -> str:
        return json.loads(self._call("POST", "/v1/videos", request_body(request)))["id"]

    def poll(self, operation_id: str, request: Any = None) -> MediaResult | None:
        status = json.loads(self._call("GET", f"/v1/videos/{operation_id}"))["status"]
        if status != "completed":
            return None
        data = self._call("GET", f"/v1/videos/{operation_id}/content")
        seconds = request_body(request)["duration"] if request is not None else 4.0
        return MediaResult(data=data, mime="video/mp4", usage=Usage(video_seconds=seconds), duration=seconds,
                           frames=round(seconds * (request.fps if request is not None else 24)))

    def video(self, request: Any) -> MediaResult:
        operation = self.start(request)
        while (result := self.poll(operation, request)) is None:
            time.sleep(0.05)
        return result


class SearchableHttpVideoEngine(HttpVideoEngine):
    """The same engine for a provider that lists its recent operations: `find(request)` names the
    operation a dead process started for this request (None: the provider has none)."""

    def find(self, request: Any) -> str | None:
        wanted = request_body(request)
        for operation in json.loads(self._call("GET", "/v1/videos?limit=100"))["data"]:
            if {k: operation.get(k) for k in wanted} == wanted:
                return operation["id"]
        return None


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


@contextmanager
def registry_engine(kind: str, provider: str, engine: Any) -> Iterator[Any]:
    """The registry's `provider:*` engines of `kind` are `engine` while the block runs (the CLI and
    Panel build engines from the registry); what was registered before comes back after."""
    from aiuteur.engines import registry

    saved = (registry._FACTORIES.get((kind, provider)), registry._PROVIDERS.get((kind, provider)))
    registry.register(kind, provider, lambda model: engine)
    try:
        yield engine
    finally:
        with registry._LOCK:
            for table, value in zip((registry._FACTORIES, registry._PROVIDERS), saved):
                if value is None:
                    table.pop((kind, provider), None)
                else:
                    table[(kind, provider)] = value


def died_while_starting(store: Any, engine: Any, project: Any, prompt: str = "the keeper climbs", *,
                        folder: Any) -> Any:
    """A paid video job as a process killed mid-start leaves it: queued and admitted, its start marked
    as sent, the operation made (and billed) at the provider, its id never saved."""
    from aiuteur.engines.gateway import idempotency_key
    from aiuteur.engines.protocols import VideoRequest
    from aiuteur.jobs import queue, table
    from aiuteur.jobs.testing import png

    frame = folder / "start.png"
    frame.write_bytes(png(64, 36))
    request = VideoRequest(prompt=prompt, duration=4.0, fps=24, width=64, height=36, start_frame=frame)
    [job] = queue.enqueue(store, [queue.JobSpec(
        project=project, kind="video", stage="video", engine=ENGINE_ID, key=idempotency_key(ENGINE_ID, "video", request),
        request=request, template_id="video", template_version="1", estimate_usd=0.6)])
    table.mark_attempt(store, job.id, 1, starting=True)
    engine.start(request)
    return job
