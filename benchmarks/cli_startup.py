"""How long `aiuteur` takes to start: `--help`, `--version`, `status P` (issue 14: under 0.5 s).

    .venv/bin/python benchmarks/cli_startup.py [--runs 7]

Each command runs as a fresh process (the installed `aiuteur` entry point) on a throwaway
workspace holding one project. "cold" is the first run after the bytecode caches of aiuteur were
unused (a fresh `PYTHONPYCACHEPREFIX`: Python compiles every module again, as after an install); "warm" is the
median of the next runs. The 1-minute load average is printed with each row: on this 2-core
machine a load above 2 slows every number, so compare rows taken at a similar load. The heaviest
imports of `aiuteur.cli` (python -X importtime) are listed to find what to make lazy.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AIUTEUR = Path(sys.executable).with_name("aiuteur")


def _time(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run([str(AIUTEUR), *args], capture_output=True, env=env)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"aiuteur {' '.join(args)} failed: {done.stderr.decode()[-500:]}")
    return elapsed


def heaviest_imports(count: int = 8) -> list[tuple[str, float]]:
    """The modules with the largest cumulative import time under `import aiuteur.cli`."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import aiuteur.cli"], capture_output=True,
                          text=True)
    rows = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|(\s*)(\S+)", line)
        if match and len(match.group(2)) <= 3:  # top-level imports of aiuteur.cli and their own
            rows.append((match.group(3), int(match.group(1)) / 1e6))
    return sorted(rows, key=lambda r: -r[1])[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        workspace = Path(folder) / "ws.duckdb"
        env = {**os.environ, "AIUTEUR_WORKSPACE": str(workspace), "COLUMNS": "100"}
        subprocess.run([str(AIUTEUR), "new", "Lantern Keepers", "--idea", "An old keeper and a young apprentice "
                        "keep the lighthouse lit through the worst storm of the century."], check=True,
                       capture_output=True, env=env)
        commands = {"--help": ["--help"], "--version": ["--version"], "status P": ["status", "Lantern Keepers"]}
        print("| date | command | cold s | warm s (median) | warm min s | load avg (1 min) |")
        print("|---|---|---|---|---|---|")
        for label, args in commands.items():
            with tempfile.TemporaryDirectory() as fresh:  # no bytecode yet: everything compiles
                cold = _time(args, {**env, "PYTHONPYCACHEPREFIX": fresh})
            warm = [_time(args, env) for _ in range(options.runs)]
            print(f"| {date.today()} | `aiuteur {label}` | {cold:.2f} | {statistics.median(warm):.2f} | "
                  f"{min(warm):.2f} | {os.getloadavg()[0]:.1f} |")
    print("\nheaviest imports of aiuteur.cli (cumulative s):",
          ", ".join(f"{name} {seconds:.3f}" for name, seconds in heaviest_imports()))


if __name__ == "__main__":
    main()
