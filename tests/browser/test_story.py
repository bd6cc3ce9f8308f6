"""The Story tab in a real headless chromium: upload a Fountain file (import), pick a treatment
variant, reorder a beat, lock, and see the stage statuses change."""
from __future__ import annotations


import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ROOT, serve_panel, stop_panel
from tests.conftest import LIGHTHOUSE

pytestmark = pytest.mark.browser
PLANETARIUM = ROOT / "data" / "screenplays" / "night_shift_at_the_planetarium.fountain"


@pytest.fixture(scope="module")
def story_url(tmp_path_factory):
    """A studio on its own empty workspace, so these edits never touch the shared demo project."""
    workspace = tmp_path_factory.mktemp("story") / "ws.duckdb"
    from aiuteur import open_store
    open_store(workspace).close()  # migrated before the server opens it
    proc, url = serve_panel(ROOT / "panel_apps" / "studio.py", workspace)
    yield url
    stop_panel(proc)


def stage(page: Page, slug: str):
    return page.locator(f'.aiuteur-story-stage[data-stage="{slug}"]')


def open_story_tab(page: Page, url: str) -> None:
    page.goto(url)
    tab = page.locator(".bk-tab", has_text="Story")
    expect(tab).to_be_visible(timeout=20_000)
    tab.click()


def test_upload_a_fountain_file_imports_it(page: Page, story_url):
    open_story_tab(page, story_url)
    page.locator("input[type=file]").first.set_input_files(str(PLANETARIUM))
    page.wait_for_timeout(500)  # the file's bytes reach the server with the widget's value
    page.get_by_role("button", name="Stage file").click()
    expect(page.locator(".aiuteur-staged")).to_contain_text("draft script (fountain)", timeout=30_000)
    page.get_by_label("Title", exact=True).fill("Night Shift")
    page.get_by_role("button", name="Create project").click()
    expect(stage(page, "treatment")).to_have_attribute("data-imported", "true", timeout=30_000)
    expect(stage(page, "beats")).to_have_attribute("data-state", "locked")
    expect(stage(page, "script")).to_have_attribute("data-state", "draft")
    expect(page.locator(".aiuteur-script")).to_contain_text("HILLTOP PLANETARIUM", timeout=30_000)
    page.get_by_role("button", name="Approve script").click()
    expect(stage(page, "script")).to_have_attribute("data-state", "locked", timeout=30_000)


def test_pick_a_variant_reorder_a_beat_and_lock(page: Page, story_url):
    open_story_tab(page, story_url)
    page.get_by_label("Title", exact=True).fill("The Last Light")
    page.get_by_label("Idea").fill(LIGHTHOUSE)
    page.get_by_role("button", name="Create project").click()
    expect(stage(page, "input")).to_have_attribute("data-state", "locked", timeout=30_000)
    expect(stage(page, "treatment")).to_have_attribute("data-state", "not started")
    page.get_by_role("button", name="Generate treatments").click()
    expect(page.locator(".aiuteur-variant")).to_have_count(3, timeout=30_000)
    expect(stage(page, "treatment")).to_have_attribute("data-state", "draft")
    page.get_by_role("button", name="Select variant B").click()
    expect(page.locator('.aiuteur-variant[data-variant="B"]')).to_have_attribute("data-selected", "true", timeout=30_000)
    expect(stage(page, "treatment")).to_have_attribute("data-state", "locked")
    page.get_by_role("button", name="Generate beats").click()
    beats = page.locator(".aiuteur-beat")
    expect(beats.first).to_be_visible(timeout=30_000)
    first, second = beats.nth(0).get_attribute("data-title"), beats.nth(1).get_attribute("data-title")
    move_to = page.get_by_label("Move to")
    move_to.fill("3")
    move_to.press("Enter")
    page.wait_for_timeout(300)
    page.get_by_role("button", name="Move beat").click()
    expect(beats.nth(0)).to_have_attribute("data-title", second, timeout=30_000)
    expect(beats.nth(2)).to_have_attribute("data-title", first)
    expect(stage(page, "beats")).to_have_attribute("data-state", "draft")
    page.get_by_role("button", name="Confirm beats").click()
    expect(stage(page, "beats")).to_have_attribute("data-state", "locked", timeout=30_000)
    expect(page.locator(".aiuteur-story-message")).to_contain_text("beat sheet confirmed")
