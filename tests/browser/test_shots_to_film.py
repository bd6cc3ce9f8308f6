"""Stages 9-12 in the studio, in a real headless chromium, on a small project made the studio's way
(a screenplay staged on the Story page, taken to its stage-9 gate by the studio's runner): a prompt
edit and the lock refused for an invalid prompt; frames approved in control mode (the next shot is
made after the approval); Confirm & Render making the film; and the stage timeline turning stale
after a shot edit made outside the studio (as the CLI would)."""
from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ROOT, serve_panel, stop_panel
from tests.integration.test_studio_pages_9_11 import copy_workspace, create_in_studio, run_through_gates

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def at_prompts(tmp_path_factory) -> Path:
    """The project at its stage-9 gate (prompts made, not locked); each test serves its own copy."""
    root = tmp_path_factory.mktemp("shots_to_film")
    studio, _ = create_in_studio(root / "ws.duckdb")
    run_through_gates(studio, 12, stop_before="prompts")
    return root / "ws.duckdb"


@pytest.fixture
def serve(tmp_path):
    """serve(workspace) -> url of the studio on a private copy; stopped after the test."""
    procs = []

    def start(source: Path, *, prepare=None) -> tuple[str, Path]:
        workspace = copy_workspace(source, tmp_path)
        if prepare is not None:
            prepare(workspace)
        proc, url = serve_panel(ROOT / "panel_apps" / "studio.py", workspace)
        procs.append(proc)
        return url, workspace

    yield start
    for proc in procs:  # a run the page started may still be drawing frames: give it a moment, then stop it
        stop_panel(proc)


def open_tab(page: Page, url: str, tab: str | None) -> None:
    page.goto(url)
    select = page.locator("select").first
    expect(select).to_be_visible(timeout=90_000)
    select.select_option("the-radio")
    if tab:
        page.locator(".bk-tab", has_text=tab).first.click()


def studio_at(workspace: Path):
    from aiuteur.ui import StudioModel

    studio = StudioModel(workspace=str(workspace))
    studio.project = "the-radio"
    return studio


def test_prompt_edit_then_lock_refused_for_an_invalid_prompt(page: Page, serve, at_prompts):
    url, workspace = serve(at_prompts)
    open_tab(page, url, "Prompts")
    cards = page.locator(".aiuteur-prompt-card")
    expect(cards).to_have_count(8, timeout=90_000)
    shot = cards.first.get_attribute("data-shot")
    expect(cards.first).to_have_attribute("data-state", "generated")
    page.locator(".aiuteur-prompts-shot select").select_option(shot)
    editor = page.locator(".aiuteur-video-editor textarea")
    expect(editor).to_have_value(re.compile(r"\[VISUAL\]"), timeout=60_000)
    editor.fill("[VISUAL] the keeper bends over the radio\n[STYLE]")  # an empty section: a problem
    editor.blur()
    page.get_by_role("button", name="Save edit").click()
    expect(page.locator(".aiuteur-prompts-edit-message")).to_contain_text("saved (manual edit)", timeout=60_000)
    card = page.locator(f'.aiuteur-prompt-card[data-shot="{shot}"]')
    expect(card).to_have_attribute("data-state", "edited", timeout=60_000)
    expect(card.locator(".aiuteur-prompt-problem")).to_contain_text("[STYLE] section is empty")

    page.get_by_role("button", name="Lock all prompts").click()
    refused = page.locator(".aiuteur-prompts-lock-message")  # the reason, beside the button clicked
    expect(refused).to_contain_text("not locked", timeout=60_000)
    expect(refused).to_contain_text(f"{shot}: the video prompt's [STYLE] section is empty")
    expect(page.locator('.aiuteur-prompt-card[data-state="locked"]')).to_have_count(0)


def test_control_mode_frames_wait_for_approval(page: Page, serve, at_prompts):
    def lock_prompts(workspace: Path) -> None:
        assert studio_at(workspace).pipeline.pass_gate()

    url, workspace = serve(at_prompts, prepare=lock_prompts)
    open_tab(page, url, "Frames")
    page.locator(".aiuteur-frames-mode-choice").get_by_role("button", name="control", exact=True).click()
    expect(page.locator(".aiuteur-frames-mode")).to_have_text("control", timeout=60_000)
    page.get_by_role("button", name="Make frames (stage 10)").click()
    cards = page.locator(".aiuteur-frame-card")
    expect(cards.nth(0)).to_have_attribute("data-state", "pending", timeout=90_000)
    expect(cards.nth(1)).to_have_attribute("data-state", "missing")
    expect(cards.nth(1)).to_have_attribute("data-waiting", "true")
    first = cards.nth(0).get_attribute("data-shot")
    page.locator(".aiuteur-frames-shot select").select_option(first)
    page.get_by_role("button", name="Approve shot").click()
    expect(page.locator(".aiuteur-frames-approve-message")).to_contain_text("approved", timeout=60_000)
    expect(cards.nth(0)).to_have_attribute("data-state", "approved", timeout=60_000)
    expect(cards.nth(1)).to_have_attribute("data-state", "pending", timeout=90_000)  # made after the approval
    expect(cards.nth(2)).to_have_attribute("data-state", "missing")
    expect(cards.nth(1).locator("img")).to_have_count(2)


@pytest.mark.slow
def test_confirm_and_render_makes_the_film(page: Page, serve, at_prompts):
    def to_costs(workspace: Path) -> None:
        run_through_gates(studio_at(workspace), 11, stop_before="costs")

    url, workspace = serve(at_prompts, prepare=to_costs)
    open_tab(page, url, "Costs")
    sends = page.locator(".aiuteur-send")
    expect(sends).to_have_count(8, timeout=90_000)
    expect(page.locator(".aiuteur-cost-warning").first).to_contain_text("stage 11")
    expect(page.locator(".aiuteur-estimate")).to_be_visible()
    page.get_by_role("button", name="Confirm & Render").click()
    expect(page.locator(".aiuteur-costs-confirm-message")).to_contain_text("rendering", timeout=60_000)
    message = page.locator(".aiuteur-run-message", has_text="done: the film is made")
    expect(message.first).to_be_visible(timeout=240_000)
    expect(page.locator(".aiuteur-cost-ok")).to_be_visible(timeout=60_000)
    film = studio_at(workspace).film_path()
    assert film is not None and film.stat().st_size > 10_000
    page.locator(".bk-tab", has_text="Stages").first.click()
    stages = page.locator(".aiuteur-stage")
    expect(stages.nth(11)).to_have_attribute("data-state", "done", timeout=60_000)


def test_the_timeline_turns_stale_after_a_shot_edit_made_elsewhere(page: Page, serve, at_prompts):
    from aiuteur.stages import shots
    from aiuteur.store import StoreError, open_store

    url, workspace = serve(at_prompts)
    open_tab(page, url, "Stages")
    stages = page.locator(".aiuteur-stage")
    expect(stages).to_have_count(12, timeout=90_000)
    expect(stages.nth(8)).not_to_have_attribute("data-state", "stale")
    for _ in range(50):  # the studio opens the workspace only for a moment; the "CLI" gets it at once or soon
        try:
            with open_store(workspace) as store:
                project = store.get_project("the-radio")
                first = store.head(project, shots.key(1)).model(shots.ShotList).shots[0].shot_id
                shots.edit_shot(store, project, 1, first, {"duration": 5}, author="cli")
            break
        except StoreError:
            time.sleep(0.2)
    else:
        raise AssertionError("the workspace stayed busy")
    expect(stages.nth(8)).to_have_attribute("data-state", "stale", timeout=60_000)  # stage 9, prompts
    expect(stages.nth(6)).to_have_attribute("data-state", "draft")  # the edited shot list is a draft again
