"""The job runner's throughput: 64 frame generations against a fake provider that takes 1 s per
call, with a limit of 8 concurrent calls. The ideal is 64 / 8 x 1 s = 8 s; the quality bar is
within 1.15x of it.

    .venv/bin/python benchmarks/bench_jobs.py [--runs 3] [--calls 64] [--concurrency 8] [--latency 1.0]

Each run is a fresh workspace and goes the whole paid path: the gateway computes keys and
estimates, the budget gate admits and reserves the batch, the runner calls the engine under the
provider's limit, checks each image (it must decode at the planned aspect ratio:
`aiuteur/engines/output_check.py`), and every result is stored as media, a generation row, a
ledger entry and a finished job. Two providers:

- `loopback`: a minimal HTTP image server on 127.0.0.1 and an engine calling it with urllib;
- `gemini-sdk`: the real google-genai SDK (aiuteur's Gemini image engine) against the Gemini
  fake in `tests/fakes/` with its latency set (skipped if the providers extra is missing).

Prints a Markdown row per provider and run, for benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiuteur import jobs, open_store  # noqa: E402
from aiuteur.engines.gateway import Call, generate_images  # noqa: E402
from aiuteur.engines.protocols import ImageRequest, MediaResult, Usage  # noqa: E402
from aiuteur.engines.templates import load_template  # noqa: E402
from aiuteur.models.project import ProjectConfig  # noqa: E402

ENGINE_ID = "gemini:gemini-2.5-flash-image"


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 36), (40, 60, 80)).save(buffer, format="PNG")
    return buffer.getvalue()


class LoopbackImages:
    """Answers every POST after `latency` seconds with a PNG; counts requests in flight."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.lock = threading.Lock()
        self.in_flight = self.peak = self.requests = 0
        png = _png()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                with server.lock:
                    server.in_flight += 1
                    server.requests += 1
                    server.peak = max(server.peak, server.in_flight)
                time.sleep(server.latency)
                with server.lock:
                    server.in_flight -= 1
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(png)))
                self.end_headers()
                self.wfile.write(png)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.request_queue_size = 128
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1/images"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class LoopbackEngine:
    def __init__(self, url: str) -> None:
        self.id = ENGINE_ID
        self.url = url

    def image(self, request: ImageRequest) -> MediaResult:
        body = request.prompt.encode()
        with urllib.request.urlopen(urllib.request.Request(self.url, data=body, method="POST"), timeout=30) as answer:
            data = answer.read()
        return MediaResult(data=data, mime="image/png", usage=Usage(images=1), width=request.width,
                           height=request.height)


class Timed:
    """Wraps an engine to time each call as the client sees it: the provider's real latency."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.id = engine.id
        self.durations: list[float] = []
        self.lock = threading.Lock()

    def image(self, request: ImageRequest) -> MediaResult:
        started = time.perf_counter()
        try:
            return self.engine.image(request)
        finally:
            with self.lock:
                self.durations.append(time.perf_counter() - started)


def batch(engine: Any, calls: int) -> tuple[float, int]:
    """Seconds for `calls` distinct frames through the gateway; and how many were done."""
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "ws.duckdb") as store:
        project = store.create_project("bench", ProjectConfig(title="Bench"))
        call = Call(project, "frames", load_template("frame"))
        items = [(call, ImageRequest(prompt=f"frame {i}: the keeper climbs the stair", width=64, height=36))
                 for i in range(calls)]
        started = time.perf_counter()
        results = list(generate_images(store, items, engine))
        seconds = time.perf_counter() - started
        ok = sum(1 for r in results if r.error is None)
        counts = jobs.progress(store, project)
        assert counts.done == ok, counts
        return seconds, ok


def loopback(calls: int, latency: float) -> Callable[[], tuple[float, int, int, float]]:
    def run() -> tuple[float, int, int, float]:
        server = LoopbackImages(latency)
        try:
            engine = Timed(LoopbackEngine(server.url))
            seconds, ok = batch(engine, calls)
            return seconds, ok, server.peak, statistics.mean(engine.durations)
        finally:
            server.close()

    return run


def gemini_sdk(calls: int, latency: float) -> Callable[[], tuple[float, int, int, float]] | None:
    try:
        from aiuteur.engines.providers.google import GeminiImageEngine
        import tests.fakes.gemini_fake  # noqa: F401
    except Exception as exc:  # the providers extra or the fakes are not there
        print(f"gemini-sdk skipped: {exc}", file=sys.stderr)
        return None

    def run() -> tuple[float, int, int, float]:
        # the fake runs in its own process, as a provider would: its PNG encoding is not our cost
        server = subprocess.Popen([sys.executable, __file__, "--serve-gemini", str(latency)], stdout=subprocess.PIPE,
                                  stdin=subprocess.PIPE, text=True)
        url = server.stdout.readline().strip()
        saved = {k: os.environ.get(k) for k in ("GOOGLE_GEMINI_BASE_URL", "GOOGLE_API_KEY", "GEMINI_API_KEY")}
        os.environ.update(GOOGLE_GEMINI_BASE_URL=url, GOOGLE_API_KEY="fake-google-key-bench")
        os.environ.pop("GEMINI_API_KEY", None)
        try:
            engine = Timed(GeminiImageEngine("gemini-2.5-flash-image"))
            seconds, ok = batch(engine, calls)
            return seconds, ok, 0, statistics.mean(engine.durations)
        finally:
            server.stdin.close()
            server.wait(10)
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    return run


def serve_gemini(latency: float) -> None:
    """Run the Gemini fake (tests/fakes) until stdin closes; print its URL first."""
    from tests.fakes.gemini_fake import GeminiFake
    from tests.fakes.server import RunningFake

    fake = RunningFake(GeminiFake())
    fake.control.latency = latency
    print(fake.url, flush=True)
    sys.stdin.read()
    fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--calls", type=int, default=64)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--serve-gemini", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_gemini is not None:
        return serve_gemini(args.serve_gemini)
    jobs.set_limits("gemini", concurrency=args.concurrency, call_timeout=30)
    ideal = args.calls / args.concurrency * args.latency
    print("| provider | calls | limit | latency s | ideal s | wall s | ratio | mean call s | ratio to calls | "
          "peak in flight | load avg (1 min) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, make in (("loopback", loopback), ("gemini-sdk", gemini_sdk)):
        run = make(args.calls, args.latency)
        if run is None:
            continue
        walls = []
        for _ in range(args.runs):
            seconds, ok, peak, mean_call = run()
            assert ok == args.calls, f"{name}: only {ok} of {args.calls} finished"
            walls.append(seconds)
            # "ratio to calls": against the ideal for the provider's measured per-call time, i.e.
            # what the runner adds beyond the provider's own slowness
            by_calls = args.calls / args.concurrency * mean_call
            print(f"| {name} | {args.calls} | {args.concurrency} | {args.latency:g} | {ideal:.1f} | {seconds:.2f} | "
                  f"{seconds / ideal:.3f} | {mean_call:.3f} | {seconds / by_calls:.3f} | {peak or '—'} | "
                  f"{os.getloadavg()[0]:.1f} |", flush=True)
        print(f"{name}: median {statistics.median(walls):.2f} s = {statistics.median(walls) / ideal:.3f}x ideal",
              file=sys.stderr)


if __name__ == "__main__":
    main()
