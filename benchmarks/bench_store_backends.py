"""The store tests on each backend: PostgreSQL must take at most 3x their DuckDB time (issue 13).

    .venv/bin/python benchmarks/bench_store_backends.py [--runs 3] [--tests tests/unit/test_store.py]

Runs the store tests (parametrized over both backends by the `workspace` / `any_store`
fixtures) in one pytest session per run, and sums each backend's test time (setup + call +
teardown; the one-off start of the throwaway PostgreSQL server is not counted: a studio's server
is already running). Prints a Markdown row per run, for benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


class Timer:
    """A pytest plugin: seconds per backend, and the server start to leave out."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.tests: dict[str, set[str]] = defaultdict(set)
        self.server_start = 0.0
        self.failed = 0

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef, request):
        started = time.perf_counter()
        yield
        if fixturedef.argname == "postgres_server":
            self.server_start += time.perf_counter() - started

    def pytest_runtest_logreport(self, report) -> None:
        backend = "postgresql" if "postgresql" in report.nodeid else "duckdb" if "duckdb" in report.nodeid else None
        if backend is None:
            return
        self.seconds[backend] += report.duration
        self.tests[backend].add(report.nodeid)
        self.failed += report.failed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tests", default="tests/unit/test_store.py")
    args = parser.parse_args()
    os.chdir(ROOT)
    print("| date | tests per backend | DuckDB s | PostgreSQL s | ratio | load avg (1 min) |")
    print("|---|---|---|---|---|---|")
    worst = 0.0
    for _ in range(args.runs):
        timer = Timer()
        code = pytest.main(["-q", "-p", "no:cacheprovider", "--no-header", "-o", "addopts=", args.tests], plugins=[timer])
        if code != 0 or timer.failed:
            print(f"the store tests failed (exit {code}): no timing recorded", file=sys.stderr)
            return 1
        duck = timer.seconds["duckdb"]
        pg = timer.seconds["postgresql"] - timer.server_start
        ratio = pg / duck if duck else float("inf")
        worst = max(worst, ratio)
        print(f"| {time.strftime('%Y-%m-%d')} | {len(timer.tests['duckdb'])} | {duck:.2f} | {pg:.2f} | {ratio:.2f} | "
              f"{os.getloadavg()[0]:.1f} |", flush=True)
    print(f"worst ratio {worst:.2f} (bar: <= 3.0)")
    return 0 if worst <= 3.0 else 2


if __name__ == "__main__":
    sys.exit(main())
