"""Scripted engines: paid-looking engines that do what a test tells them, call by call.

The project's habit for testing anything that calls a provider: an engine whose next answers are
a script — succeed, fail with a 429 and Retry-After, a 500, a timeout, a 400, a safety block,
stall until released, or answer with a corrupt file ("corrupt": bytes that do not decode;
"wrong-size": a real image of the wrong size) — and that counts what it was asked and how many
calls were in flight at once. What they return when they succeed is real: a PNG of the size the
model would make (`aiuteur.engines.output_check`), an H.264 clip of the length asked for, so the
runner's output check passes them. Useful for testing your own pipelines against aiuteur too.

    engine = ScriptedEngine("openai:gpt-image-1", ["429:7", "ok"])   # a 429 (Retry-After 7 s), then success
"""
from __future__ import annotations

import hashlib
import io
import itertools
import struct
import subprocess
import tempfile
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

from pydantic import BaseModel

from aiuteur.engines.errors import (
    BadRequest, OperationFailed, ProviderTimeout, RateLimited, SafetyBlocked, ServerError,
)
from aiuteur.engines.output_check import MIN_SIDE, expect
from aiuteur.engines.protocols import MediaResult, Usage

Step = Any  # "ok" | "stall" | "429[:seconds]" | "500" | "timeout" | "400" | "safety" | "corrupt" | "wrong-size"
#             | an exception | a callable
OUTPUT_STEPS = ("corrupt", "wrong-size")  # the call succeeds, with an output the runner must reject


def raise_for(step: Step) -> None:
    """Raise what a script step names (nothing for "ok")."""
    if isinstance(step, BaseException):
        raise step
    if callable(step):
        step()
        return
    text = str(step)
    if text == "ok" or text in OUTPUT_STEPS:
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


def png(width: int, height: int, seed: bytes = b"") -> bytes:
    """A real PNG, one colour chosen by `seed` (so different prompts give different files)."""
    from PIL import Image

    colour = tuple(hashlib.sha256(seed).digest()[:3])
    buffer = io.BytesIO()
    Image.new("RGB", (max(1, width), max(1, height)), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def image_size_for(engine_id: str, request: Any) -> tuple[int, int]:
    """The size `engine_id` makes for `request`: its fixed size, else the request's size at the
    planned aspect ratio (what a real model of that id would return)."""
    from aiuteur.engines.capabilities import ratio_value

    expectation = expect("image", engine_id, request)
    if expectation.size is not None:
        return expectation.size
    width = max(MIN_SIDE, int(request.width))
    height = max(MIN_SIDE, round(width / ratio_value(expectation.aspect)))
    return width, height


@lru_cache(maxsize=32)
def _encoded_clip(width: int, height: int, seconds: float, fps: int) -> bytes:
    import imageio_ffmpeg

    with tempfile.TemporaryDirectory(prefix="aiuteur-scripted-") as tmp:
        out = Path(tmp) / "clip.mp4"
        subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi",
                        "-i", f"color=c=gray:s={width}x{height}:r={fps}:d={seconds:g}", "-c:v", "libx264",
                        "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(out)],
                       check=True, capture_output=True)
        return out.read_bytes()


def sample_clip(seconds: float, fps: int = 24, *, aspect: float = 16 / 9, tag: bytes = b"") -> tuple[bytes, int, int]:
    """(bytes, width, height) of a real, small, silent H.264 MP4 of `seconds` at `fps`. Encoded once
    per shape; `tag` goes into a trailing MP4 `free` box, so clips for different requests are
    different files (as a provider's are) at no encoding cost."""
    width = 64
    height = max(MIN_SIDE, round(width / aspect / 2) * 2)
    data = _encoded_clip(width, height, round(float(seconds), 3), int(fps))
    if tag:
        data += struct.pack(">I", 8 + len(tag)) + b"free" + tag
    return data, width, height


CORRUPT_CLIP = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 52  # 64 bytes that say "mp4" and hold nothing
CORRUPT_IMAGE = b"<html><body>502 Bad Gateway</body></html>"  # what a proxy hands back as "the PNG"


class ScriptedEngine:
    """A text, image and video engine at once. `script` is consumed call by call, then `default`.
    `latency` seconds of (real) work per call; "stall" blocks until `release()`. With `gather`, the
    first calls wait (up to 60 s) until that many are in flight at once, so a test of a concurrency
    limit sees the limit reached however slowly the machine starts the calls."""

    def __init__(self, engine_id: str, script: Iterable[Step] = (), *, default: Step = "ok", latency: float = 0.0,
                 text: Callable[[Any, type[BaseModel]], BaseModel] | None = None, gather: int = 0) -> None:
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
        self._gather = gather
        self._gathered = threading.Event()

    def release(self) -> None:
        """Let every stalled call go on."""
        self._released.set()

    def _next(self) -> Step:
        with self._lock:
            return self._script.pop(0) if self._script else self.default

    def _run(self, request: Any) -> Step:
        """Count the call, follow the script's next step (raise, stall...); the step, for outputs."""
        with self._lock:
            self.calls.append(request)
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            if self.in_flight >= self._gather:
                self._gathered.set()
        try:
            self._gathered.wait(60)
            step = self._next()
            if self.latency:
                time.sleep(self.latency)
            if step == "stall":
                self._released.wait(60)
                raise ProviderTimeout("stalled call released")
            raise_for(step)
            return step
        finally:
            with self._lock:
                self.in_flight -= 1

    def write(self, request: Any, schema: type[BaseModel]) -> tuple[BaseModel, Usage]:
        self._run(request)
        return self._text(request, schema), Usage(input_tokens=1000, output_tokens=500)

    def image(self, request: Any) -> MediaResult:
        step = self._run(request)
        width, height = image_size_for(self.id, request)
        if step == "corrupt":
            return MediaResult(data=CORRUPT_IMAGE, mime="image/png", usage=Usage(images=1), width=width, height=height)
        if step == "wrong-size":
            width, height = width // 2 + 1, height
        data = png(width, height, request.prompt.encode() + str(request.seed).encode())
        return MediaResult(data=data, mime="image/png", usage=Usage(images=1), width=width, height=height)

    def video(self, request: Any) -> MediaResult:
        return _clip(request, self._run(request))


def _clip(request: Any, step: Step = "ok", tag: str = "") -> MediaResult:
    """The clip for `request`: real, of the length asked for, unique to the request (and `tag`);
    `step` "corrupt" gives 64 bytes that are no video, "wrong-size" a clip half as long."""
    usage = Usage(video_seconds=request.duration)
    if step == "corrupt":
        return MediaResult(data=CORRUPT_CLIP, mime="video/mp4", usage=usage)
    seconds = request.duration / 2 if step == "wrong-size" else request.duration
    unique = hashlib.sha256(f"{request.prompt}|{request.seed}|{tag}".encode()).hexdigest().encode()
    data, width, height = sample_clip(seconds, request.fps, aspect=request.width / request.height, tag=unique)
    return MediaResult(data=data, mime="video/mp4", usage=usage, width=width, height=height, duration=seconds,
                       frames=round(seconds * request.fps))


class ScriptedOperationEngine(ScriptedEngine):
    """A long-running video engine (`start` / `poll`, like Veo). `script` applies to starts
    ("lost": the provider makes the operation but the answer never arrives — a timeout);
    `poll_script` to polls (e.g. "500" for a failed poll, "operation-failed" for a dead
    operation, "corrupt" for a finished operation whose clip is 64 bytes); each operation is done
    after `polls` polls. `searchable=True` gives it `find(request)`, as a provider that lists its
    operations lets an engine have."""

    def __init__(self, engine_id: str, script: Iterable[Step] = (), *, poll_script: Iterable[Step] = (),
                 polls: int = 2, searchable: bool = False, **kwargs: Any) -> None:
        super().__init__(engine_id, script, **kwargs)
        if searchable:
            self.find = self._find
        self.found: list[str] = []
        self._poll_script = list(poll_script)
        self.polls_needed = polls
        self.operations: dict[str, dict[str, Any]] = {}
        self.starts: list[str] = []
        self.poll_log: list[str] = []
        self.cancelled: list[str] = []
        self._ids = itertools.count(1)

    def start(self, request: Any) -> str:
        lost = self._script[:1] == ["lost"]
        if lost:
            with self._lock:
                self._script.pop(0)
        self._run(request)
        op = f"operations/op-{next(self._ids)}"
        with self._lock:
            self.operations[op] = {"request": request, "polls": 0}
            self.starts.append(op)
        if lost:
            raise ProviderTimeout("the start got no answer in time (the provider made the operation)")
        return op

    def _find(self, request: Any) -> str | None:
        """The newest operation made for `request`, as a provider's list of recent operations shows."""
        with self._lock:
            made = [op for op in self.starts if self.operations[op]["request"] == request]
            if made:
                self.found.append(made[-1])
            return made[-1] if made else None

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
        return _clip(op["request"], step, tag=operation_id)

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
