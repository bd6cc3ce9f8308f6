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
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_text("routed to stage 'frames'")).to_be_visible(timeout=10_000)
