"""Stage 9 as a studio uses it: the inspector's cards, validation against the capability matrix,
lock refused for an invalid prompt, hand edits that are never replaced silently (edited, stale ->
keep / take / merge), diffs, continuity tags only on the asset that carries them — library and CLI."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aiuteur import Engines, start_project
from aiuteur.cli import app
from aiuteur.models.assets import Asset, AssetSet
from aiuteur.models.project import ProjectConfig
from aiuteur.models.prompts import ShotPrompt
from aiuteur.models.shots import Shot
from aiuteur.pipeline import run
from aiuteur.screenplay.model import SceneInfo
from aiuteur.stages import prompts, shots, visual_states
from aiuteur.stages.confirm import all_shots
from aiuteur.stages.prompts import PromptInvalid
from aiuteur.store import Store
from tests.conftest import LIGHTHOUSE

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture(scope="module")
def prompts_done(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("inspector")
    with Store(folder / "ws.duckdb") as store:
        project, _ = start_project(store, "film", LIGHTHOUSE, ProjectConfig(title="The Last Light", target_minutes=0.5))
        run(store, project, Engines.offline(), until="prompts")
    return folder


@pytest.fixture
def ws(prompts_done, tmp_path):
    shutil.copytree(prompts_done, tmp_path / "ws")
    store = Store(tmp_path / "ws" / "ws.duckdb")
    yield store, store.get_project("film"), str(tmp_path / "ws" / "ws.duckdb")
    store.close()


def cli(*args: str, ok: bool = True, input: str | None = None):
    result = runner.invoke(app, list(args), input=input)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def flat(text: str) -> str:
    return " ".join(text.split())


def test_cards_show_prompts_state_badges_and_hashes_of_what_is_sent(ws):
    store, project, path = ws
    cards = prompts.list_prompts(store, project)
    ids = [s.shot_id for s in all_shots(store, project)]
    assert [c.shot_id for c in cards] == ids
    first = cards[0]
    head = store.head(project, prompts.key(first.shot_id)).model(ShotPrompt)
    assert (first.frame_prompt, first.video_prompt) == (head.frame_prompt, head.video_prompt)
    assert first.state == "generated" and not first.manual and first.problems == []
    assert first.image.engine == "offline:storyboard" and first.video.engine == "offline:animatic"
    import hashlib

    assert first.frame_hash == hashlib.sha256(head.frame_prompt.encode()).hexdigest()
    # the same cards through the CLI, and the badges of another model the prompts would go to
    data = json.loads(cli("prompts", "film", "--shot", first.shot_id, "--video", "veo:veo-3.1-fast-generate-preview",
                          "--json", "-w", path).stdout)
    assert [c["shot_id"] for c in data] == [first.shot_id]
    assert data[0]["video"] == {"engine": "veo:veo-3.1-fast-generate-preview", "kind": "video", "prompt_chars": 4000,
                                "people": "adult", "reference_images": 3, "durations": [4, 6, 8]}


def test_a_prompt_too_long_for_its_model_cannot_be_locked(ws):
    store, project, path = ws
    target = all_shots(store, project)[1].shot_id
    long_frame = "[VISUAL] a wide harbour at dusk, " + "gulls wheeling over the breakwater, " * 70
    assert 1900 < len(long_frame) < prompts.MAX_PROMPT_CHARS
    cli("prompt-edit", "film", target, "--frame", long_frame, "-w", path)
    card = prompts.list_prompts(store, project, shot_id=target)[0]
    assert card.state == "edited" and card.manual and card.problems == []  # the offline storyboard takes 4000
    imagen = {"image": "imagen:imagen-4.0-generate-001"}
    problems = prompts.list_prompts(store, project, shot_id=target, engine_ids=imagen)[0].problems
    assert problems == [f"{target}: the frame prompt is {len(long_frame)} characters; "
                        "imagen:imagen-4.0-generate-001 takes at most 1900"]
    from aiuteur.engines.config import set_project_engines

    set_project_engines(store, project, image="imagen:imagen-4.0-generate-001")
    locked_before = [v.status for v in store.heads(project, "shot/").values()]
    result = cli("prompts-lock", "film", "-w", path, ok=False)
    assert result.exit_code == 1 and f"{target}: the frame prompt is {len(long_frame)} characters" in flat(result.output)
    assert [v.status for v in store.heads(project, "shot/").values()] == locked_before  # nothing was locked
    with pytest.raises(PromptInvalid, match=target):
        prompts.lock_prompts(store, project)
    cli("prompt-edit", "film", target, "--frame", "[VISUAL] a wide harbour at dusk.", "-w", path)
    locked = prompts.lock_prompts(store, project)
    assert len(locked) == len(all_shots(store, project)) and {v.status for v in locked} == {"locked"}
    assert {c.state for c in prompts.list_prompts(store, project)} == {"locked"}


def test_an_empty_section_and_an_empty_prompt_are_problems(ws):
    store, project, _ = ws
    target = all_shots(store, project)[0].shot_id
    prompts.edit(store, project, target, frame_prompt="[VISUAL] harbour\n[SUBJECTS]\n[ACTION] waves")
    assert prompts.list_prompts(store, project, shot_id=target)[0].problems == [
        f"{target}: the frame prompt's [SUBJECTS] section is empty"]
    with pytest.raises(PromptInvalid, match="frame_prompt is empty"):
        prompts.edit(store, project, target, frame_prompt="   ")


def _assets() -> AssetSet:
    return AssetSet(assets=[
        Asset(slug="char-elsa", name="ELSA", kind="character", description="a keeper in her sixties, grey oilskin"),
        Asset(slug="char-pip", name="PIP", kind="character", description="a 9-year-old boy with a kite"),
        Asset(slug="char-jonah", name="JONAH", kind="character", description=""),
        Asset(slug="loc-quay", name="QUAY", kind="location", description="a stone quay"),
    ])


def test_characters_without_a_description_or_refused_by_the_model_are_problems():
    shot = Shot(shot_id="SC010_SH0010", scene=1, duration=4, shot_type="medium", characters=["ELSA", "PIP", "JONAH"])
    prompt = ShotPrompt(shot_id=shot.shot_id, system_prompt="", frame_prompt="[VISUAL] x", video_prompt="[VISUAL] y")
    offline = prompts.badge("offline:storyboard", "image"), prompts.badge("offline:animatic", "video")
    assert prompts.check(prompt, shot, _assets(), *offline) == [
        "SC010_SH0010: JONAH has no description (stage 5: describe the character)"]
    veo = prompts.badge("veo:veo-3.1-fast-generate-preview", "video")
    found = prompts.check(prompt, shot, _assets(), offline[0], veo)
    assert "SC010_SH0010: veo:veo-3.1-fast-generate-preview refuses minors, and PIP is described as one (9-year-old)" in found
    assert not any("ELSA" in p for p in found)


def test_continuity_tags_go_only_to_the_asset_that_carries_them():
    """Two characters in a scene, one of them muddy: the other's shots say nothing of mud."""
    scene = SceneInfo(number=1, heading="EXT. QUAY - NIGHT", int_ext="EXT", location="QUAY", time_of_day="NIGHT",
                      characters=["ELSA", "PIP"], eighths=1, text="")
    assets = _assets()
    tags = {"char-elsa": ["muddy"], "loc-quay": ["flooded"]}
    both = Shot(shot_id="SC010_SH0010", scene=1, duration=4, shot_type="wide", characters=["ELSA", "PIP"])
    pip_only = Shot(shot_id="SC010_SH0020", scene=1, duration=4, shot_type="close-up", characters=["PIP"])
    config = ProjectConfig(title="T")
    from aiuteur.models.project import Project

    project = Project(id="p", name="p", config=config, branch="main", created_at="2026-01-01T00:00:00")
    two = prompts.assemble(project, scene, both, assets, tags)
    one = prompts.assemble(project, scene, pip_only, assets, tags)
    assert "ELSA (a keeper in her sixties, grey oilskin) [muddy]" in two.frame_prompt
    assert "PIP (a 9-year-old boy with a kite)" in two.frame_prompt
    assert "PIP (a 9-year-old boy with a kite) [" not in two.frame_prompt
    assert "[CONTINUITY] ELSA: muddy; QUAY: flooded" in two.frame_prompt
    assert "muddy" not in one.frame_prompt and "muddy" not in one.video_prompt  # Pip never fell in the mud
    assert "[CONTINUITY] QUAY: flooded" in one.frame_prompt  # the place he stands in is still flooded


def test_an_edited_prompt_is_never_replaced_when_its_inputs_change(ws):
    store, project, path = ws
    shot = all_shots(store, project)[0]
    edited_video = "[VISUAL] one long take, the lamp turning\n[ACTION] the keeper climbs the stair"
    first = prompts.edit(store, project, shot.shot_id, video_prompt=edited_video)
    # upstream changes: the shot's action is rewritten, the list locked again, states and prompts re-run
    shots.edit_shot(store, project, shot.scene, shot.shot_id, {"action": "Elsa runs down to the quay in the rain"})
    shots.lock(store, project, shot.scene)
    visual_states.derive(store, project, shot.scene)
    prompts.generate_scene(store, project, shot.scene)
    head = store.head(project, prompts.key(shot.shot_id))
    kept = head.model(ShotPrompt)
    assert head.id != first.id and kept.video_prompt == edited_video and kept.edited  # not replaced
    assert kept.regenerated is not None and "Elsa runs down to the quay in the rain" in kept.regenerated.video_prompt
    card = prompts.list_prompts(store, project, shot_id=shot.shot_id)[0]
    assert card.state == "edited, stale" and card.regenerated == kept.regenerated
    assert store.staleness(head).status == "fresh"
    # a second run keeps it as it is, and the lock is refused until a person chooses
    prompts.generate_scene(store, project, shot.scene)
    assert store.head(project, prompts.key(shot.shot_id)).id == head.id
    with pytest.raises(PromptInvalid, match=f"{shot.shot_id}: inputs changed under a hand edit"):
        prompts.lock_prompts(store, project)
    # the diff shows the edit against the assembled prompt
    diff = prompts.diff_prompts(store, project, shot.shot_id, 1, first.number)
    assert "+[VISUAL] one long take, the lamp turning" in diff and diff.startswith("---")
    assert cli("prompt-diff", "film", shot.shot_id, "1", str(first.number), "-w", path).stdout.strip() == diff.strip()
    # merge: the regenerated action with the edited look
    merged = f"[VISUAL] one long take, the lamp turning\n[ACTION] {shot.action} -> rain"
    data = json.loads(cli("prompt-resolve", "film", shot.shot_id, "merge", "--video", merged, "-w", path,
                          "--json").stdout)
    assert data["state"] == "edited" and data["video_prompt"] == merged and data["regenerated"] is None
    assert data["frame_prompt"] == kept.frame_prompt


@pytest.mark.parametrize("choice", ["keep", "take"])
def test_keep_or_take_the_regenerated_prompt(ws, choice):
    store, project, _ = ws
    shot = all_shots(store, project)[0]
    prompts.edit(store, project, shot.shot_id, frame_prompt="[VISUAL] my own framing")
    shots.edit_shot(store, project, shot.scene, shot.shot_id, {"action": "The lamp goes dark"})
    shots.lock(store, project, shot.scene)
    visual_states.derive(store, project, shot.scene)
    prompts.generate_scene(store, project, shot.scene)
    regenerated = store.head(project, prompts.key(shot.shot_id)).model(ShotPrompt).regenerated
    version = prompts.resolve_stale_prompt(store, project, shot.shot_id, choice)
    resolved = version.model(ShotPrompt)
    assert resolved.regenerated is None
    if choice == "keep":
        assert resolved.frame_prompt == "[VISUAL] my own framing" and resolved.edited
    else:
        assert resolved.frame_prompt == regenerated.frame_prompt and not resolved.edited
        assert "The lamp goes dark" in resolved.frame_prompt
    assert prompts.list_prompts(store, project, shot_id=shot.shot_id)[0].state == ("edited" if choice == "keep" else "generated")
    prompts.lock_prompts(store, project)  # the choice made, the prompts lock


def test_an_edit_made_from_a_prompt_someone_changed_meanwhile_is_refused_not_written_over(ws, monkeypatch):
    """Two people edit one shot's prompt at once: the second save was made from the head the first
    one replaced, so it is `HeadMoved` (retryable) and the first person's edit stays."""
    from aiuteur.store import HeadMoved

    store, project, _ = ws
    shot = all_shots(store, project)[0].shot_id
    read_before = store.head(project, prompts.key(shot))
    first = prompts.edit(store, project, shot, video_prompt=read_before.model(ShotPrompt).video_prompt.replace(
        "[STYLE]", "[STYLE] first person's change;", 1), author="ana")
    real_require = prompts.require
    monkeypatch.setattr(prompts, "require", lambda *a, **k: read_before)  # the second one read before the first saved
    with pytest.raises(HeadMoved):
        prompts.edit(store, project, shot, frame_prompt=read_before.model(ShotPrompt).frame_prompt + " Rain.",
                     author="bo")
    monkeypatch.setattr(prompts, "require", real_require)
    assert store.head(project, prompts.key(shot)).id == first.id
    assert "first person's change" in store.head(project, prompts.key(shot)).model(ShotPrompt).video_prompt
