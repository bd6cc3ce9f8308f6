"""Time the offline demo per phase (generation, frames, sound, render, export) on a fresh workspace.

    .venv/bin/python benchmarks/run_demo_phases.py [--runs 1] [--resolution 720p]

The resolution is the project's (`ProjectConfig.resolution`: 720p by default, like `make demo`).

Prints a Markdown row per run; paste it into benchmarks/RESULTS.md with the machine's load.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from aiuteur import Engines, ProjectConfig, open_store, run, start_project

IDEA = (Path(__file__).resolve().parents[1] / "data" / "ideas" / "lighthouse.txt").read_text().split("\n", 1)[1]


def one_run(resolution: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        with open_store(Path(tmp) / "ws.duckdb") as store:
            project, _ = start_project(store, "bench", IDEA, ProjectConfig(title="Bench", resolution=resolution))
            report = run(store, project, Engines.offline(), out_dir=Path(tmp) / "out")
        phases = dict(report.phases)
        phases["total"] = time.perf_counter() - started
        phases["shots"] = len(report.film.clips)
        phases["film_s"] = report.film.duration
        return phases


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--resolution", default="720p")
    args = parser.parse_args()
    print("| run | resolution | shots | film s | generation s | frames s | sound s | render s | export s | total s "
          "| load avg (1 min) before / after |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for i in range(args.runs):
        load = os.getloadavg()[0]
        p = one_run(args.resolution)
        print(f"| {i + 1} | {args.resolution} | {p['shots']:.0f} | {p['film_s']:.1f} | {p['generation']:.1f} | "
              f"{p['frames']:.1f} | {p.get('sound', 0.0):.1f} | {p['render']:.1f} | {p['export']:.1f} | "
              f"{p['total']:.1f} | {load:.1f} / {os.getloadavg()[0]:.1f} |")


if __name__ == "__main__":
    main()
