"""Shared fixtures. Any attempt to reach a non-loopback address fails the test loudly."""
from __future__ import annotations

import ipaddress
import os
import signal
import socket

import pytest

if os.environ.get("PYTEST_XDIST_WORKER"):
    # A worker of `make test`'s two (pytest-xdist) starts with COLUMNS=80 in its environment and Ctrl-C
    # ignored. Put back what a terminal's pytest run has, before the CLI's console is made at import:
    # the width the tests ask for (COLUMNS in a runner's env) and Ctrl-C as KeyboardInterrupt, which the
    # interrupt tests send and which the CLI processes they start inherit.
    os.environ.pop("COLUMNS", None)
    os.environ.pop("LINES", None)
    signal.signal(signal.SIGINT, signal.default_int_handler)

from aiuteur.models.project import ProjectConfig
from aiuteur.store import Store

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check(address) -> None:
    if isinstance(address, tuple) and address:
        host = address[0]
        try:
            if ipaddress.ip_address(host).is_loopback:
                return
        except ValueError:
            if host == "localhost":
                return
        raise RuntimeError(f"network access to {host!r} attempted in tests: only loopback is allowed")


def _guarded_connect(self, address):
    _check(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    _check(address)
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True, scope="session")
def no_network():
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def no_configured_engines(monkeypatch):
    """Tests choose their engines: a developer's AIUTEUR_*_ENGINE must not reach them (it would
    switch every `run` and Panel action to that engine)."""
    for name in ("AIUTEUR_TEXT_ENGINE", "AIUTEUR_IMAGE_ENGINE", "AIUTEUR_VIDEO_ENGINE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "ws.duckdb") as s:
        yield s


@pytest.fixture
def config():
    return ProjectConfig(title="The Last Light", target_minutes=3.0)


LIGHTHOUSE = (
    "An aging lighthouse keeper named Elsa finds an old radio that picks up messages from her drowned "
    "brother Tomas. Her neighbour Jonah, a fisherman, thinks grief has finally broken her. When a storm "
    "threatens the harbor town of Port Ellery, she must decide whether to trust the voice."
)


@pytest.fixture
def idea() -> str:
    return LIGHTHOUSE


def demo_config() -> ProjectConfig:
    """The shared run's settings: the sample film at the preview size (640x360). Frames and clips at
    720p cost the suite minutes on every worker, and what these tests check (sizes are read from the
    project's config) does not depend on it. Films at the 720p default are still made by the
    quickstart notebook and tests/integration/test_frames_stage.py, and the default itself is
    tested in tests/unit/test_render_resolution.py."""
    return ProjectConfig(title="The Last Light", resolution="preview")


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """(workspace path, delivery folder, report) of one full offline run to stage 12, shared by the
    integration and browser tests (the store is closed again, so a server process may open it)."""
    from aiuteur import Engines, open_store, run, start_project

    root = tmp_path_factory.mktemp("demo")
    workspace = root / "ws.duckdb"
    with open_store(workspace) as store:
        project, _ = start_project(store, "lighthouse", LIGHTHOUSE, demo_config())
        report = run(store, project, Engines.offline(), out_dir=root / "out")
    return workspace, root / "out", report


def pytest_collection_modifyitems(config, items):
    """Browser tests run last: Playwright's sync API keeps an event loop running in the main thread for the
    rest of the session, and tests that call `asyncio.run` themselves cannot run after it."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


# -- PostgreSQL: one throwaway server per test session, one schema per test ---------------------------------------
@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server on 127.0.0.1 and a free port, made with Debian's binaries
    (`tests/pg_server.py`, which the concurrency benchmark uses too). Yields the base URL of its
    `aiuteur` database; skipped with the reason when the binaries are missing."""
    from tests.pg_server import NO_SERVER, pg_bin, throwaway_postgres

    if pg_bin() is None:
        pytest.skip(NO_SERVER)
    with throwaway_postgres() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server, tmp_path, request):
    """A fresh, empty PostgreSQL workspace for this test (its own schema), media under tmp_path."""
    import re
    import uuid

    schema = "t_" + re.sub(r"[^a-z0-9]", "_", request.node.name.lower())[:40] + "_" + uuid.uuid4().hex[:6]
    return f"{postgres_server}?schema={schema}&media={tmp_path / 'pg.media'}"


@pytest.fixture(params=["duckdb", "postgresql"])
def workspace(request, tmp_path):
    """A new workspace location on each backend in turn: a DuckDB file, then a PostgreSQL URL."""
    if request.param == "duckdb":
        return tmp_path / "ws.duckdb"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def any_store(workspace):
    """The `store` fixture, once per backend."""
    with Store(workspace) as s:
        yield s
