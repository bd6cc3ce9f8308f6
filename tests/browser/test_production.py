"""The Production tab in a real headless chromium, on a private copy of the demo workspace: edit a
shot's duration in the table and see validation, split a shot, add a status tag and see it carried
to the next scene; the gallery and the hub render."""
from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ROOT, serve_panel, stop_panel

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def production_url(demo_run, tmp_path_factory):
    """The studio on a copy of the demo workspace, so these edits never touch the shared one."""
    source, _, _ = demo_run
    root = tmp_path_factory.mktemp("production")
    shutil.copy(source, root / "ws.duckdb")
    shutil.copytree(source.with_name("ws.media"), root / "ws.media")
    proc, url = serve_panel(ROOT / "panel_apps" / "studio.py", root / "ws.duckdb")
    yield url
    stop_panel(proc)


def open_production(page: Page, url: str, inner: str) -> None:
    page.goto(url)
    select = page.locator("select").first
    expect(select).to_be_visible(timeout=20_000)
    select.select_option("lighthouse")
    page.locator(".bk-tab", has_text="Production").click()
    page.locator(".bk-tab", has_text=inner).click()


def shot_rows(page: Page):
    return page.locator(".aiuteur-shot-table .tabulator-row")


def test_gallery_and_hub(page: Page, production_url):
    open_production(page, production_url, "Assets")
    cards = page.locator(".aiuteur-asset-card")
    expect(cards.first).to_be_visible(timeout=20_000)
    expect(page.locator('.aiuteur-asset-card[data-slug="char-elsa"] img')).to_have_count(1)
    page.get_by_label("Kind").first.select_option("location")
    expect(page.locator('.aiuteur-asset-card[data-kind="character"]')).to_have_count(0, timeout=30_000)
    page.locator(".bk-tab", has_text="Hub").click()
    expect(page.locator(".aiuteur-hub-scene")).to_have_count(8, timeout=30_000)
    expect(page.locator('.aiuteur-hub-scene[data-status="video done"]')).to_have_count(8)


def test_edit_a_duration_in_the_table_and_see_validation(page: Page, production_url):
    open_production(page, production_url, "Shots")
    rows = shot_rows(page)
    expect(rows.first).to_be_visible(timeout=20_000)
    expect(page.locator(".aiuteur-shot-ok")).to_be_visible()
    cell = rows.first.locator('[tabulator-field="duration"]')
    cell.click()
    editor = cell.locator("input")
    editor.fill("12")
    editor.press("Enter")
    # the demo's scene 1 has frames and clips: the studio says what turns stale and asks first
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("editing SC010_SH0010 duration: confirm first", timeout=30_000)
    expect(dialog).to_contain_text("stale")
    page.get_by_role("button", name="Confirm: go ahead").click()
    problem = page.locator('.aiuteur-shot-problem[data-field="duration"]')
    expect(problem).to_contain_text("duration 12s is outside 1-8s", timeout=30_000)
    expect(problem).to_have_attribute("data-shot", "SC010_SH0010")
    expect(rows.first.locator('[tabulator-field="duration"]')).to_have_css("background-color", "rgb(255, 205, 210)")
    expect(rows.nth(1).locator('[tabulator-field="duration"]')).not_to_have_css("background-color", "rgb(255, 205, 210)")


def test_split_a_shot(page: Page, production_url):
    open_production(page, production_url, "Shots")
    scene = page.get_by_label("Scene", exact=True)
    scene.fill("3")
    scene.press("Enter")
    rows = shot_rows(page)
    expect(rows.first.locator('[tabulator-field="shot_id"]')).to_have_text("SC030_SH0010", timeout=30_000)
    before = rows.count()
    page.locator(".aiuteur-production-shot select").select_option("SC030_SH0010")
    seconds = page.get_by_label("Split at (s)")
    seconds.fill("1.5")
    seconds.press("Enter")
    page.get_by_role("button", name="Split", exact=True).click()
    expect(rows.nth(1).locator('[tabulator-field="shot_id"]')).to_have_text("SC030_SH0015", timeout=30_000)
    expect(rows).to_have_count(before + 1)
    expect(rows.first.locator('[tabulator-field="duration"]')).to_have_text("1.5")
    expect(rows.nth(2).locator('[tabulator-field="shot_id"]')).to_have_text("SC030_SH0020")


def test_add_a_status_tag_and_see_it_carried_to_the_next_scene(page: Page, production_url):
    open_production(page, production_url, "Timeline")
    page.get_by_label("Timeline of").select_option("JONAH")
    next_scene = page.locator('.aiuteur-timeline-scene[data-scene="6"] .aiuteur-start')
    expect(next_scene).to_have_text("", timeout=30_000)
    scene = page.get_by_label("Tag in scene")
    scene.fill("5")
    scene.press("Enter")
    tag = page.get_by_label("Status tag")
    tag.fill("muddy")
    tag.press("Enter")
    page.get_by_role("button", name="Add tag").click()
    expect(page.locator('.aiuteur-timeline-scene[data-scene="5"] .aiuteur-end')).to_have_text("muddy", timeout=30_000)
    expect(next_scene).to_have_text("muddy")
    expect(page.locator('.aiuteur-timeline-scene[data-scene="7"] .aiuteur-start')).to_have_text("muddy")
