"""Playwright drives Debian's chromium (Playwright cannot download its own browser here)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is not installed: `apt-get install chromium` (.ci/run does this)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_panel(app: Path, workspace: Path):
    """Start `panel serve` on loopback and wait until it answers; returns (process, url)."""
    port = free_port()
    env = {**os.environ, "AIUTEUR_WORKSPACE": str(workspace)}
    panel = shutil.which("panel", path=str(Path(sys.executable).parent)) or "panel"
    proc = subprocess.Popen(
        [panel, "serve", str(app), "--address", "127.0.0.1", "--port", str(port),
         "--allow-websocket-origin", f"127.0.0.1:{port}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}/{app.stem}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"panel serve exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                if response.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("panel serve did not answer within 180 s")


def stop_panel(proc: subprocess.Popen) -> None:
    """Stop a `panel serve` started by `serve_panel`: SIGTERM, then SIGKILL when a page's work (a run,
    an encode) keeps it busy past 20 s, so a teardown never fails a test that passed."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def studio_url(demo_run):
    workspace, _, _ = demo_run
    proc, url = serve_panel(ROOT / "panel_apps" / "studio.py", workspace)
    yield url
    stop_panel(proc)
