"""The studio app in a real headless chromium: pick the demo project, see twelve stages and the film."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_studio_shows_stages_and_plays_the_film(page: Page, studio_url):
    page.goto(studio_url)
    select = page.locator("select").first
    expect(select).to_be_visible(timeout=20_000)
    select.select_option("lighthouse")
    stages = page.locator(".aiuteur-stage")
    expect(stages).to_have_count(12, timeout=20_000)
    expect(stages.nth(11)).to_contain_text("Video and review")
    assert all(state in ("locked", "done") for state in
               [stages.nth(i).get_attribute("data-state") for i in range(12)])
    page.locator(".bk-tab", has_text="Review").click()
    expect(page.locator("video")).to_have_count(1, timeout=20_000)
    expect(page.locator(".tabulator-row").first).to_be_visible(timeout=20_000)
    page.get_by_placeholder("e.g. the lighting in SC030 is too dark").fill("the lighting is too dark here")
    page.get_by_role("button", name="Add note at playhead").click()
    expect(page.get_by_text("routed to stage 'frames'")).to_be_visible(timeout=30_000)


@pytest.fixture(scope="module")
def review_url(demo_run, tmp_path_factory):
    """The studio on a copy of the demo workspace, so the notes written here stay here."""
    import shutil

    from tests.browser.conftest import ROOT, serve_panel, stop_panel

    source, _, _ = demo_run
    root = tmp_path_factory.mktemp("review")
    shutil.copy(source, root / "ws.duckdb")
    shutil.copytree(source.with_name("ws.media"), root / "ws.media")
    proc, url = serve_panel(ROOT / "panel_apps" / "studio.py", root / "ws.duckdb")
    yield url, root / "ws.duckdb"
    stop_panel(proc)


def test_review_seeks_from_the_shot_table_and_notes_at_the_playhead(page: Page, review_url):
    from aiuteur.ui import StudioModel

    url, workspace = review_url
    model = StudioModel(workspace=str(workspace))
    model.project = "lighthouse"
    row = model.shot_rows()[4]
    page.goto(url)
    select = page.locator("select").first
    expect(select).to_be_visible(timeout=20_000)
    select.select_option("lighthouse")
    page.locator(".bk-tab", has_text="Review").click()
    shots = page.locator(".aiuteur-review-shots .tabulator-row")
    expect(shots.nth(4)).to_be_visible(timeout=20_000)
    video = page.locator("video")  # inside Bokeh's shadow DOM: a locator reaches it, document.querySelector does not
    for _ in range(100):  # the film has loaded (a seek before that is re-sent by the page, but keep the test plain)
        if video.evaluate("v => v.readyState") >= 1:
            break
        page.wait_for_timeout(200)
    shots.nth(4).locator(".tabulator-cell[tabulator-field=\"shot\"]").click()  # a click on a shot moves the player
    expect(page.locator(".aiuteur-playhead")).to_have_text(row["timecode"], timeout=30_000)
    for _ in range(50):
        if abs(video.evaluate("v => v.currentTime") - row["start_s"]) < 0.05:
            break
        page.wait_for_timeout(200)
    assert abs(video.evaluate("v => v.currentTime") - row["start_s"]) < 0.05  # the player is at the shot's frame

    page.get_by_placeholder("e.g. the lighting in SC030 is too dark").fill("this shot is too long")
    page.get_by_role("button", name="Add note at playhead").click()
    note = page.locator(".aiuteur-review-notes .tabulator-row", has_text="this shot is too long")
    expect(note).to_have_count(1, timeout=30_000)  # listed beside the player (with any earlier notes)
    expect(note).to_contain_text(row["timecode"])
    expect(note).to_contain_text(row["shot"])
    expect(page.get_by_text("routed to stage 'shots'")).to_be_visible()

    page.get_by_role("button", name="Confirm category").click()
    expect(note).to_contain_text("timing", timeout=30_000)
    page.get_by_role("button", name="Go to stage").click()  # the shot list: the Production page
    expect(page.locator(".bk-tab.bk-active", has_text="Production")).to_be_visible(timeout=30_000)
    [written] = [n for n in model.notes() if n.text == "this shot is too long"]
    assert (written.shot, written.timecode, written.category) == (row["shot"], row["timecode"], "timing")
