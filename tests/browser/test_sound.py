"""The Sound tab in a real headless chromium, on a private copy of the demo workspace: the voice map
lists the cast, a character's audition is spoken and plays; a scene's part of the mix plays; a new
pitch is saved as a draft voice whose old lines show as stale; the music engine is chosen."""
from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ROOT, serve_panel, stop_panel

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sound_url(demo_run, tmp_path_factory):
    """The studio on a copy of the demo workspace, so these edits never touch the shared one."""
    source, _, _ = demo_run
    root = tmp_path_factory.mktemp("sound-page")
    shutil.copy(source, root / "ws.duckdb")
    shutil.copytree(source.with_name("ws.media"), root / "ws.media")
    proc, url = serve_panel(ROOT / "panel_apps" / "studio.py", root / "ws.duckdb")
    yield url
    stop_panel(proc)


def open_sound(page: Page, url: str) -> None:
    page.goto(url, timeout=120_000)
    select = page.locator("select").first
    expect(select).to_be_visible(timeout=180_000)  # a cold studio on a loaded 2-core machine is slow
    select.select_option("lighthouse")
    page.locator(".bk-tab", has_text="Sound").click()


def plays(page: Page, audio) -> tuple[float, float]:
    """(duration, position after a moment of playing) of an <audio> element, played from the page
    (the click that got here is the user gesture chromium wants before sound may play)."""
    expect(audio).to_have_count(1, timeout=20_000)
    for _ in range(100):  # the element loads its data URL
        if audio.evaluate("a => a.readyState") >= 1:
            break
        page.wait_for_timeout(100)
    audio.evaluate("a => { a.muted = true; return a.play(); }")
    page.wait_for_timeout(600)
    return audio.evaluate("a => a.duration"), audio.evaluate("a => a.currentTime")


def voice_row(page: Page, character: str):
    return page.locator(".aiuteur-voice-table .tabulator-row").filter(
        has=page.locator('[tabulator-field="character"]', has_text=character))


def test_the_voice_map_lists_the_cast_and_an_audition_plays(page: Page, sound_url):
    open_sound(page, sound_url)
    rows = page.locator(".aiuteur-voice-table .tabulator-row")
    expect(rows.first).to_be_visible(timeout=90_000)  # every page redraws for the chosen project
    assert rows.count() >= 3
    expect(voice_row(page, "ELSA").locator('[tabulator-field="engine"]')).to_have_text("offline:espeak")
    voice_row(page, "ELSA").locator('[tabulator-field="character"]').click()
    expect(page.locator(".aiuteur-voice-character")).to_have_text("ELSA", timeout=10_000)  # loaded into the editor
    page.get_by_role("button", name="Audition").click()
    expect(page.locator(".aiuteur-sound-message")).to_contain_text("ELSA:", timeout=20_000)
    duration, position = plays(page, page.locator(".aiuteur-audition audio"))
    assert 0.5 < duration < 15 and position > 0.1  # the audition line, playing


def test_a_scene_plays_from_the_films_mix(page: Page, sound_url):
    open_sound(page, sound_url)
    rows = page.locator(".aiuteur-scene-table .tabulator-row")
    expect(rows.first).to_be_visible(timeout=90_000)
    expect(rows).to_have_count(8)
    rows.nth(1).locator('[tabulator-field="heading"]').click()
    duration, position = plays(page, page.locator(".aiuteur-scene-player audio"))
    assert duration > 3 and position > 0.1  # the scene's stretch of the mix, not a blip


def test_a_new_pitch_is_a_draft_voice_and_its_old_lines_show_as_stale(page: Page, sound_url):
    open_sound(page, sound_url)
    row = voice_row(page, "TOMAS")
    expect(row).to_have_count(1, timeout=90_000)
    row.locator('[tabulator-field="character"]').click()
    expect(page.locator(".aiuteur-voice-character")).to_have_text("TOMAS", timeout=10_000)
    pitch = page.get_by_label("Pitch")
    pitch.fill("7")
    pitch.press("Enter")
    page.get_by_role("button", name="Save voice").click()
    expect(page.locator(".aiuteur-sound-message")).to_contain_text("TOMAS: voice v", timeout=20_000)
    expect(page.locator(".aiuteur-sound-message")).to_contain_text("(draft)")
    lines = int(voice_row(page, "TOMAS").locator('[tabulator-field="lines"]').inner_text())
    expect(voice_row(page, "TOMAS").locator('[tabulator-field="stale_lines"]')).to_have_text(str(lines),
                                                                                           timeout=10_000)
    expect(voice_row(page, "ELSA").locator('[tabulator-field="stale_lines"]')).to_have_text("0")
    expect(voice_row(page, "TOMAS").locator('[tabulator-field="status"]')).to_have_text("draft")


def test_the_music_engine_is_chosen_on_the_page_and_kept(page: Page, sound_url):
    open_sound(page, sound_url)
    expect(page.locator(".aiuteur-voice-table .tabulator-row").first).to_be_visible(timeout=90_000)  # page settled
    music = page.get_by_label("Music engine")
    expect(music).to_have_value("offline:score")
    music.select_option("gemini:lyria-3-clip-preview")
    page.get_by_role("button", name="Save sound settings").click()
    expect(page.locator(".aiuteur-sound-message")).to_contain_text("music gemini:lyria-3-clip-preview",
                                                                   timeout=60_000)
    open_sound(page, sound_url)  # a new session reads the project's settings back
    expect(page.get_by_label("Music engine")).to_have_value("gemini:lyria-3-clip-preview", timeout=90_000)
