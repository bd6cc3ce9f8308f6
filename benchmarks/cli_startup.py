"""How long `aiuteur` takes to start: `--help`, `--version`, `status P` (issue 14: under 0.5 s).

    .venv/bin/python benchmarks/cli_startup.py [--runs 7]

Each command runs as a fresh process (the installed `aiuteur` entry point) on a throwaway
workspace holding one project (`aiuteur new` with an idea, offline). "cold" is the first run on
an empty bytecode cache (a fresh `PYTHONPYCACHEPREFIX`: Python compiles every module, as after an
install that did not compile them); "warm" are the next runs on the cache that run wrote. The
benchmark drops `PYTHONDONTWRITEBYTECODE` from its children's environment: with it set (as in
some shells and CI jobs) no cache is ever written and every run is a cold one — 2 to 3 times slower.

Printed per command: cold, the median and the minimum of the warm runs (wall clock), and the
minimum CPU time (user + system) of a warm run. On a loaded machine (the 1-minute load average is
printed with each row; this one has 2 cores) the minimum is the figure to compare with the
0.5 s target: it is the run that waited least for a core, and the CPU time does not count the
waiting at all. The heaviest imports of `--help` and of `status P` (python -X importtime, the
minimum over the warm runs) are listed to find what to make lazy.
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AIUTEUR = Path(sys.executable).with_name("aiuteur")


def _time(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system) of one run of `aiuteur *args`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([str(AIUTEUR), *args], capture_output=True, env=env)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"aiuteur {' '.join(args)} failed: {done.stderr.decode()[-500:]}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def heaviest_imports(args: list[str], env: dict[str, str], runs: int = 3, count: int = 8) -> list[tuple[str, float]]:
    """The modules `aiuteur *args` imports with the largest cumulative import time (top-level
    imports and their own), each the minimum over `runs` runs."""
    best: dict[str, float] = {}
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-X", "importtime", "-m", "aiuteur.cli", *args], capture_output=True,
                              text=True, env=env)
        for line in done.stderr.splitlines():
            match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|(\s*)(\S+)", line)
            if match and len(match.group(2)) <= 3:
                name, seconds = match.group(3), int(match.group(1)) / 1e6
                best[name] = min(seconds, best.get(name, seconds))
    return sorted(best.items(), key=lambda r: -r[1])[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        workspace = Path(folder) / "ws.duckdb"
        env = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
               "AIUTEUR_WORKSPACE": str(workspace), "COLUMNS": "100",
               "PYTHONPYCACHEPREFIX": str(Path(folder) / "setup-cache")}  # no __pycache__ written into the tree
        subprocess.run([str(AIUTEUR), "new", "Lantern Keepers", "--idea", "An old keeper and a young apprentice "
                        "keep the lighthouse lit through the worst storm of the century."], check=True,
                       capture_output=True, env=env)
        commands = {"--help": ["--help"], "--version": ["--version"], "status P": ["status", "Lantern Keepers"]}
        heavy: dict[str, list[tuple[str, float]]] = {}
        print("| date | command | cold s | warm s (median) | warm min s | warm min CPU s | load avg (1 min) |")
        print("|---|---|---|---|---|---|---|")
        for label, args in commands.items():
            with tempfile.TemporaryDirectory() as cache:  # no bytecode yet: the first run compiles everything
                cached = {**env, "PYTHONPYCACHEPREFIX": cache}
                cold, _ = _time(args, cached)
                warm = [_time(args, cached) for _ in range(options.runs)]
                walls = [wall for wall, _ in warm]
                print(f"| {date.today()} | `aiuteur {label}` | {cold:.2f} | {statistics.median(walls):.2f} | "
                      f"{min(walls):.2f} | {min(cpu for _, cpu in warm):.2f} | {os.getloadavg()[0]:.1f} |")
                if label in ("--help", "status P"):
                    heavy[label] = heaviest_imports(args, cached)
    for label, rows in heavy.items():
        print(f"\nheaviest imports of `aiuteur {label}` (cumulative s, warm minimum):",
              ", ".join(f"{name} {seconds:.3f}" for name, seconds in rows))


if __name__ == "__main__":
    main()
