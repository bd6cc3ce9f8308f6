"""A fake provider server on 127.0.0.1: real HTTP, in a thread, with a control object for tests.

Each provider fake (OpenAI, Gemini, Anthropic, fal, LangSmith) is a `FakeProvider` that names the
route of a request and gives its default, happy answer in the provider's own wire format. Tests
steer it through `Control`: queue replies for a route (429 with Retry-After, 500, a stall longer
than the client's timeout, malformed JSON, a provider-specific safety block), add latency, replace
the default answer with a function, and count what arrived.
"""
from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    """One HTTP answer. `delay` stalls before answering (a timeout when longer than the client waits)."""

    status: int = 200
    json: Any = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_type: str = "application/json"

    @classmethod
    def rate_limited(cls, retry_after: float = 1.0, message: str = "rate limit reached") -> "Reply":
        return cls(429, {"error": {"message": message, "type": "rate_limit_error", "code": 429,
                                   "status": "RESOURCE_EXHAUSTED"}},
                   headers={"Retry-After": f"{retry_after:g}"})

    @classmethod
    def server_error(cls, status: int = 500, message: str = "internal error") -> "Reply":
        return cls(status, {"error": {"message": message, "type": "server_error", "code": status,
                                      "status": "INTERNAL"}})

    @classmethod
    def bad_request(cls, message: str = "bad request", status: int = 400) -> "Reply":
        return cls(status, {"error": {"message": message, "type": "invalid_request_error", "code": status,
                                      "status": "INVALID_ARGUMENT"}})

    @classmethod
    def timeout(cls, seconds: float = 3.0) -> "Reply":
        """Stall for `seconds`, then fail: a client with a shorter timeout gives up first."""
        return cls(504, {"error": {"message": "stalled", "code": 504}}, delay=seconds)

    @classmethod
    def malformed(cls) -> "Reply":
        return cls(200, body=b'{"id": "truncated", "choices": [{"message": {"content": "', content_type="application/json")


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    route: str

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    def form(self) -> dict[str, tuple[str | None, bytes]]:
        """Multipart fields as name -> (filename, bytes)."""
        return parse_multipart(self.body, self.headers.get("content-type", ""))


class Control:
    """What a test uses to steer a fake and inspect what it received."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: list[Recorded] = []
        self._queued: dict[str, deque[Reply]] = defaultdict(deque)
        self.latency = 0.0
        self.responders: dict[str, Callable[[Recorded], Any]] = {}
        self.options: dict[str, Any] = {}
        self.usage: list[dict[str, Any]] = []  # billed units of every successful answer, for cost checks

    def queue(self, route: str, *replies: Reply) -> None:
        """The next requests on `route` ("*" for any route) get these replies, in order."""
        with self._lock:
            self._queued[route].extend(replies)

    def respond(self, route: str, fn: Callable[[Recorded], Any]) -> None:
        """Replace the default answer for `route`; fn returns a Reply or a JSON-able value."""
        self.responders[route] = fn

    def count(self, route: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if route is None or r.route == route)

    def of(self, route: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.route == route]

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._queued.clear()
            self.usage.clear()
            self.responders.clear()
            self.options.clear()
            self.latency = 0.0

    def _next(self, route: str) -> Reply | None:
        with self._lock:
            for key in (route, "*"):
                if self._queued[key]:
                    return self._queued[key].popleft()
        return None

    def _record(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)

    def bill(self, **units: Any) -> None:
        with self._lock:
            self.usage.append(units)


class FakeProvider:
    """A provider's wire format. Subclasses name routes and give default answers."""

    name = "fake"

    def __init__(self) -> None:
        self.control = Control()
        self.url = ""

    def route(self, method: str, path: str) -> str | None:
        raise NotImplementedError

    def default(self, route: str, request: Recorded) -> Reply | Any:
        raise NotImplementedError

    def answer(self, route: str, request: Recorded) -> Reply:
        queued = self.control._next(route)
        if queued is not None:
            return queued
        responder = self.control.responders.get(route)
        result = responder(request) if responder else self.default(route, request)
        return result if isinstance(result, Reply) else Reply(json=result)


def _handler(provider: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _serve(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            route = provider.route(self.command, split.path) or "unknown"
            request = Recorded(self.command, split.path, parse_qs(split.query),
                               {k.lower(): v for k, v in self.headers.items()}, body, route)
            provider.control._record(request)
            if route == "unknown":
                reply = Reply(404, {"error": {"message": f"no route {self.command} {split.path}", "code": 404}})
            else:
                try:
                    reply = provider.answer(route, request)
                except Exception as exc:  # a bug in a fake should be visible, not a hang
                    reply = Reply(500, {"error": {"message": f"fake failed: {type(exc).__name__}: {exc}"}})
            wait = provider.control.latency + reply.delay
            if wait:
                time.sleep(wait)
            data = reply.body if reply.body is not None else json.dumps(reply.json).encode()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(data)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    return Handler


class RunningFake:
    """A fake serving on 127.0.0.1:<free port> in a daemon thread."""

    def __init__(self, provider: FakeProvider) -> None:
        self.provider = provider
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
        self.server.daemon_threads = True
        host, port = self.server.server_address[:2]
        self.url = f"http://{host}:{port}"
        provider.url = self.url
        self.control = provider.control
        self._thread = threading.Thread(target=self.server.serve_forever, name=f"fake-{provider.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "RunningFake":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def parse_multipart(body: bytes, content_type: str) -> dict[str, tuple[str | None, bytes]]:
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True) or b""
        key = name
        n = 1
        while key in fields:  # repeated fields (image[] ...) keep every value
            key = f"{name}#{n}"
            n += 1
        fields[key] = (filename, payload)
    return fields
