"""Shared fixtures. Any attempt to reach a non-loopback address fails the test loudly."""
from __future__ import annotations

import ipaddress
import socket

import pytest

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


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """(workspace path, delivery folder, report) of one full offline run to stage 12, shared by the
    integration and browser tests (the store is closed again, so a server process may open it)."""
    from aiuteur import Engines, open_store, run, start_project

    root = tmp_path_factory.mktemp("demo")
    workspace = root / "ws.duckdb"
    with open_store(workspace) as store:
        project, _ = start_project(store, "lighthouse", LIGHTHOUSE, ProjectConfig(title="The Last Light"))
        report = run(store, project, Engines.offline(), out_dir=root / "out")
    return workspace, root / "out", report


def pytest_collection_modifyitems(config, items):
    """Browser tests run last: Playwright's sync API keeps an event loop running in the main thread for the
    rest of the session, and tests that call `asyncio.run` themselves cannot run after it."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
