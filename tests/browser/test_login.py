"""Logins in a real headless chromium: `aiuteur studio --users FILE` sends a visitor to the sign-in
page, refuses a wrong password, lets ana in with hers, shows who is signed in, records what she does
under her name in the audit log, and signs her out again."""
from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from aiuteur.ui import auth
from tests.browser.conftest import ROOT, free_port, stop_panel
from tests.conftest import LIGHTHOUSE

pytestmark = pytest.mark.browser
PASSWORD = "-".join(["lamp", "room", "at", "dusk"])


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`aiuteur studio` with a users file (ana only), on its own empty workspace; yields (url, workspace)."""
    from aiuteur import open_store

    root = tmp_path_factory.mktemp("login")
    workspace = root / "ws.duckdb"
    open_store(workspace).close()
    users = root / "users.json"
    auth.set_user(users, "ana", PASSWORD, iterations=auth.MIN_ITERATIONS)
    port = free_port()
    aiuteur = Path(sys.executable).with_name("aiuteur")
    proc = subprocess.Popen([str(aiuteur), "studio", "-w", str(workspace), "--users", str(users),
                             "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"aiuteur studio exited: {proc.stdout.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "login", timeout=30) as response:
                if response.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("aiuteur studio did not answer within 180 s")
            time.sleep(0.3)
    yield url, workspace
    stop_panel(proc)


def sign_in(page: Page, url: str, name: str, password: str) -> None:
    page.goto(url)
    expect(page.locator("input[name=username]")).to_be_visible(timeout=20_000)
    page.locator("input[name=username]").fill(name)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Login").click()


def test_a_wrong_password_is_refused_and_the_studio_stays_closed(page: Page, served):
    url, _ = served
    page.goto(url)
    expect(page.locator("input[name=password]")).to_be_visible(timeout=20_000)  # sent to the sign-in page
    assert "/login" in page.url
    sign_in(page, url, "ana", PASSWORD + "!")
    expect(page.locator(".errormessage")).not_to_be_empty(timeout=10_000)
    expect(page.locator(".aiuteur-user")).to_have_count(0)
    sign_in(page, url, "nobody", PASSWORD)
    expect(page.locator(".errormessage")).not_to_be_empty(timeout=10_000)
    expect(page.locator(".bk-tab")).to_have_count(0)


def test_ana_signs_in_works_under_her_name_and_signs_out(page: Page, served):
    from aiuteur import open_store

    url, workspace = served
    sign_in(page, url, "ana", PASSWORD)
    expect(page.locator(".aiuteur-user")).to_have_text("ana", timeout=30_000)
    page.locator(".bk-tab", has_text="Story").click()
    page.get_by_label("Title", exact=True).fill("Harbour Lights")
    page.get_by_label("Idea").fill(LIGHTHOUSE)
    page.get_by_role("button", name="Create project").click()
    expect(page.locator('.aiuteur-story-stage[data-stage="input"]')).to_have_attribute(
        "data-state", "locked", timeout=20_000)
    with open_store(workspace, read_only=True) as store:
        log = store.audit_log()
    assert [(e.action, e.author) for e in log if e.action == "project.create"] == [("project.create", "ana")]
    page.get_by_role("link", name="Log out").click()
    page.goto(url)
    expect(page.locator("input[name=password]")).to_be_visible(timeout=20_000)  # signed out: asked again
    expect(page.locator(".aiuteur-user")).to_have_count(0)
