"""Scripted engines: paid-looking engines that do what a test tells them, call by call.

The project's habit for testing anything that calls a provider: an engine whose next answers are
a script — succeed, fail with a 429 and Retry-After, a 500, a timeout, a 400, a safety block, or
stall until released — and that counts what it was asked and how many calls were in flight at
once. Useful for testing your own pipelines against aiuteur too.

    engine = ScriptedEngine("openai:gpt-image-1", ["429:7", "ok"])   # a 429 (Retry-After 7 s), then success
"""
from __future__ import annotations

import hashlib
import io
import itertools
import threading
import time
from typing import Any, Callable, Iterable

from pydantic import BaseModel

from aiuteur.engines.errors import (
    BadRequest, OperationFailed, ProviderTimeout, RateLimited, SafetyBlocked, ServerError,
)
from aiuteur.engines.protocols import MediaResult, Usage

Step = Any  # "ok" | "stall" | "429[:seconds]" | "500" | "timeout" | "400" | "safety" | an exception | a callable


def raise_for(step: Step) -> None:
    """Raise what a script step names (nothing for "ok")."""
    if isinstance(step, BaseException):
        raise step
    if callable(step):
        step()
        return
    text = str(step)
    if text == "ok":
        return
    if text.startswith("429"):
        after = text.partition(":")[2]
        raise RateLimited("429 Too Many Requests", retry_after=float(after) if after else None, status=429,
                          reason="rate limit reached for requests")
    if text == "500":
        raise ServerError("500 Internal Server Error", status=500)
    if text == "timeout":
        raise ProviderTimeout("the provider did not answer in time")
    if text == "400":
        raise BadRequest("400 Bad Request", status=400, reason="invalid value for 'duration'")
    if text == "safety":
        raise SafetyBlocked("blocked by the provider's safety system", status=400,
                            reason="prompt was flagged by the safety system: violence")
    if text == "operation-failed":
        raise OperationFailed("the operation failed at the provider", reason="internal error")
    raise ValueError(f"unknown script step {step!r}")


def _png(seed: bytes) -> bytes:
    from PIL import Image

    colour = tuple(hashlib.sha256(seed).digest()[:3])
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format="PNG")
    return buffer.getvalue()


class ScriptedEngine:
    """A text, image and video engine at once. `script` is consumed call by call, then `default`.
    `latency` seconds of (real) work per call; "stall" blocks until `release()`."""

    def __init__(self, engine_id: str, script: Iterable[Step] = (), *, default: Step = "ok", latency: float = 0.0,
                 text: Callable[[Any, type[BaseModel]], BaseModel] | None = None) -> None:
        self.id = engine_id
        self._script = list(script)
        self.default = default
        self.latency = latency
        self._text = text or (lambda request, schema: schema.model_validate({"text": request.prompt}))
        self.calls: list[Any] = []
        self.in_flight = 0
        self.peak = 0
        self._lock = threading.Lock()
        self._released = threading.Event()

    def release(self) -> None:
        """Let every stalled call go on."""
        self._released.set()

    def _next(self) -> Step:
        with self._lock:
            return self._script.pop(0) if self._script else self.default

    def _run(self, request: Any) -> None:
        with self._lock:
            self.calls.append(request)
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            step = self._next()
            if self.latency:
                time.sleep(self.latency)
            if step == "stall":
                self._released.wait(60)
                raise ProviderTimeout("stalled call released")
            raise_for(step)
        finally:
            with self._lock:
                self.in_flight -= 1

    def write(self, request: Any, schema: type[BaseModel]) -> tuple[BaseModel, Usage]:
        self._run(request)
        return self._text(request, schema), Usage(input_tokens=1000, output_tokens=500)

    def image(self, request: Any) -> MediaResult:
        self._run(request)
        return MediaResult(data=_png(request.prompt.encode() + str(request.seed).encode()), mime="image/png",
                           usage=Usage(images=1), width=request.width, height=request.height)

    def video(self, request: Any) -> MediaResult:
        self._run(request)
        return _clip(request)


def _clip(request: Any) -> MediaResult:
    data = b"scripted-mp4:" + hashlib.sha256(request.prompt.encode() + str(request.seed).encode()).digest()
    return MediaResult(data=data, mime="video/mp4", usage=Usage(video_seconds=request.duration),
                       width=request.width, height=request.height, duration=request.duration,
                       frames=round(request.duration * request.fps))


class ScriptedOperationEngine(ScriptedEngine):
    """A long-running video engine (`start` / `poll`, like Veo). `script` applies to starts;
    `poll_script` to polls (e.g. "500" for a failed poll, "operation-failed" for a dead
    operation); each operation is done after `polls` polls."""

    def __init__(self, engine_id: str, script: Iterable[Step] = (), *, poll_script: Iterable[Step] = (),
                 polls: int = 2, **kwargs: Any) -> None:
        super().__init__(engine_id, script, **kwargs)
        self._poll_script = list(poll_script)
        self.polls_needed = polls
        self.operations: dict[str, dict[str, Any]] = {}
        self.starts: list[str] = []
        self.poll_log: list[str] = []
        self.cancelled: list[str] = []
        self._ids = itertools.count(1)

    def start(self, request: Any) -> str:
        self._run(request)
        op = f"operations/op-{next(self._ids)}"
        with self._lock:
            self.operations[op] = {"request": request, "polls": 0}
            self.starts.append(op)
        return op

    def poll(self, operation_id: str) -> MediaResult | None:
        with self._lock:
            self.poll_log.append(operation_id)
            step = self._poll_script.pop(0) if self._poll_script else "ok"
        raise_for(step)
        with self._lock:
            op = self.operations[operation_id]
            op["polls"] += 1
            if op["polls"] < self.polls_needed:
                return None
        return _clip(op["request"])

    def cancel(self, operation_id: str) -> None:
        with self._lock:
            self.cancelled.append(operation_id)


def run_async(coro, timeout: float = 60):
    """Run a coroutine on a fresh event loop in its own thread and return its result: callers (tests,
    notebooks) may already have a loop running in this thread, where `asyncio.run` is refused."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result(timeout=timeout)
