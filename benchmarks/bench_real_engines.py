"""Stages 10 and 12 on real engines: a ~50-shot film against fake providers that answer after 1 s.

    .venv/bin/python benchmarks/bench_real_engines.py [--runs 1] [--minutes 3] [--latency 1.0] [--polls 1]

The text stages (2-9) run offline first (free, deterministic, not timed). Then `aiuteur.run` goes
on with real engines through their real SDKs: frames (stage 10) on `openai:gpt-image-1` (the
OpenAI SDK's `images.edit` with reference images) and clips (stage 12) on `fal:veo3.1-fast`
(fal-client's queue: submit, status, result, download), against the fakes in `tests/fakes/`, each
in its own process as a provider would be, every request answered after `--latency` seconds.
The job limits are the defaults (`aiuteur.jobs.limits.DEFAULT`): any AIUTEUR_CONCURRENCY_* /
AIUTEUR_RPM_* in the environment is removed first.

The ideal bound for those limits: frames take max(images x latency / concurrency, the longest
chain of frames that wait for each other), and clips take clips x (time a clip holds a slot) /
concurrency, where a clip holds its slot for every request it makes (submit, `--polls` status
polls with the poll interval between them, result, download). The run is also checked for paying
once: the fakes count what they billed (2 images and 1 clip a shot), and running the two stages
again buys nothing.

Prints a Markdown row per run for benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiuteur import Engines, ProjectConfig, open_store, run, start_project  # noqa: E402
from aiuteur.jobs.limits import limits_for  # noqa: E402
from aiuteur.models.shots import ShotList  # noqa: E402
from aiuteur.stages import confirm, shots  # noqa: E402

IDEA = (Path(__file__).resolve().parents[1] / "data" / "ideas" / "lighthouse.txt").read_text().split("\n", 1)[1]
IMAGE, VIDEO = "openai:gpt-image-1", "fal:veo3.1-fast"
#: requests a fal clip makes besides its status polls: submit, result, download
FAL_FIXED_REQUESTS = 3


class Fake:
    """A fake provider from tests/fakes in its own process; `stop()` returns what it billed."""

    def __init__(self, name: str, latency: float, polls: int) -> None:
        self.process = subprocess.Popen([sys.executable, __file__, "--serve", name, str(latency), str(polls)],
                                        stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True)
        self.url = self.process.stdout.readline().strip()  # type: ignore[union-attr]

    def stop(self) -> dict[str, Any]:
        self.process.stdin.close()  # type: ignore[union-attr]
        counts = json.loads(self.process.stdout.readline() or "{}")  # type: ignore[union-attr]
        self.process.wait(10)
        return counts


def serve(name: str, latency: float, polls: int) -> None:
    """Run one fake until stdin closes: its URL first, then what it billed and received, as JSON."""
    from tests.fakes.fal_fake import FalFake
    from tests.fakes.openai_fake import OpenAIFake
    from tests.fakes.server import RunningFake

    fake = RunningFake({"openai": OpenAIFake, "fal": FalFake}[name]())
    fake.control.latency = latency
    fake.control.options["polls"] = polls
    print(fake.url, flush=True)
    sys.stdin.read()
    billed = Counter(u.get("route") for u in fake.control.usage)
    print(json.dumps({"billed": billed, "requests": Counter(r.route for r in fake.control.requests)}), flush=True)
    fake.stop()


def ideal_bound(chains: list[int], clips: int, latency: float, polls: int) -> tuple[float, float]:
    """(frames s, clips s): the least wall time the default limits allow (see the module docstring)."""
    image, video = limits_for(IMAGE.partition(":")[0]), limits_for(VIDEO.partition(":")[0])
    images = 2 * sum(chains)
    frames = max(images * latency / image.concurrency, max(chains) * latency)
    per_clip = (FAL_FIXED_REQUESTS + polls) * latency + (polls - 1) * video.poll_interval
    clip_requests = clips * (FAL_FIXED_REQUESTS + polls)
    video_s = clips * per_clip / video.concurrency
    if video.rpm:
        video_s = max(video_s, clip_requests / video.rpm * 60)
    if image.rpm:
        frames = max(frames, images / image.rpm * 60)
    return frames, video_s


def one_run(minutes: float, latency: float, polls: int) -> dict[str, Any]:
    openai_fake, fal_fake = Fake("openai", latency, polls), Fake("fal", latency, polls)
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith(("AIUTEUR_CONCURRENCY_", "AIUTEUR_RPM_", "LANGSMITH_", "LANGCHAIN_")):
            os.environ.pop(name)
    os.environ.update(OPENAI_API_KEY="fake-openai-key-bench", OPENAI_BASE_URL=openai_fake.url + "/v1",
                      FAL_KEY="fake-fal-key-bench", AIUTEUR_FAL_BASE_URL=fal_fake.url)
    try:
        with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "ws.duckdb") as store:
            project, _ = start_project(store, "bench", IDEA, ProjectConfig(title="Bench", target_minutes=minutes))
            run(store, project, Engines.offline(), until="prompts")
            scene_shots = [len(store.require_head(project, shots.key(n)).model(ShotList).shots)
                           for n in shots.scenes(store, project)]
            engines = Engines.from_ids(image=IMAGE, video=VIDEO)
            marks: dict[str, float] = {}

            def progress(stage: str, done: int, total: int, message: str) -> None:
                if stage == "video" and done == total and message.startswith("SC"):
                    marks["clips"] = time.perf_counter()  # the last clip is in
                if stage == "video" and done == 0:
                    marks["video"] = time.perf_counter()

            report = run(store, project, engines, until="video", progress=progress)
            again = run(store, project, engines, until="video")  # everything is paid for: nothing is bought
            clips = len(confirm.all_shots(store, project))
    finally:
        os.environ.clear()
        os.environ.update(saved)
        openai_bill, fal_bill = openai_fake.stop(), fal_fake.stop()
    frames_ideal, video_ideal = ideal_bound(scene_shots, clips, latency, polls)
    return {"shots": clips, "scenes": len(scene_shots), "longest": max(scene_shots),
            "frames": report.phases["frames"], "render": report.phases["render"],
            "clips": marks["clips"] - marks["video"],
            "again": again.phases["frames"] + again.phases["render"],
            "frames_ideal": frames_ideal, "video_ideal": video_ideal,
            "images_billed": openai_bill["billed"].get("images", 0), "clips_billed": fal_bill["billed"].get("result", 0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--minutes", type=float, default=3.0, help="target length (3 min: ~50 shots)")
    parser.add_argument("--latency", type=float, default=1.0, help="seconds before the fakes answer each request")
    parser.add_argument("--polls", type=int, default=1, help="status polls before a fal clip is COMPLETED")
    parser.add_argument("--serve", nargs=3, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        return serve(args.serve[0], float(args.serve[1]), int(args.serve[2]))
    if args.latency <= 0 or args.polls < 1:
        parser.error("--latency must be above 0 (the bound is in units of it) and --polls at least 1")
    image, video = limits_for("openai"), limits_for("fal")
    print(f"limits: openai concurrency {image.concurrency} rpm {image.rpm}; fal concurrency {video.concurrency} "
          f"rpm {video.rpm} poll every {video.poll_interval:g} s", file=sys.stderr)
    print("| shots | scenes (longest) | latency s | polls | frames s (ideal) | clips s (ideal) | film s | "
          "s/shot (10 + 12) | ideal s/shot | ratio | images billed | clips billed | re-run s | load avg (1 min) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for _ in range(args.runs):
        r = one_run(args.minutes, args.latency, args.polls)
        per_shot = (r["frames"] + r["render"]) / r["shots"]
        ideal = (r["frames_ideal"] + r["video_ideal"]) / r["shots"]
        print(f"| {r['shots']} | {r['scenes']} ({r['longest']}) | {args.latency:g} | {args.polls} | {r['frames']:.1f} "
              f"({r['frames_ideal']:.1f}) | {r['clips']:.1f} ({r['video_ideal']:.1f}) | {r['render'] - r['clips']:.1f} | "
              f"{per_shot:.2f} | {ideal:.2f} | {per_shot / ideal:.2f} | {r['images_billed']} | {r['clips_billed']} | "
              f"{r['again']:.1f} | {os.getloadavg()[0]:.1f} |", flush=True)


if __name__ == "__main__":
    main()
