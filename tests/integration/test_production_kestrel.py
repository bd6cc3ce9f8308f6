"""Stages 5-8 on a real 23-scene screenplay (data/screenplays/kestrel_two.fountain) in a real DuckDB
workspace: exact extraction, the hub, shot edits with stable ids, visual states carried forward."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from aiuteur import Engines, ProjectConfig, open_store, start_project
from aiuteur.models.assets import Asset, AssetSet
from aiuteur.models.shots import ShotList
from aiuteur.models.states import SceneStates
from aiuteur.stages import assets, hub, shots, visual_states
from aiuteur.stages.gates import StageError
from aiuteur.stages.script import from_fountain
from tests.unit.test_screenplay_scenes import KESTREL_CHARACTERS, KESTREL_LOCATIONS

DATA = Path(__file__).resolve().parents[2] / "data" / "screenplays"


def import_kestrel(store, name: str = "kestrel", **config):
    """The screenplay as the project's approved script (stage 4), as an importing studio would have it."""
    project, _ = start_project(store, name, "A radio repairer hears her dead father's call sign on the air.",
                               ProjectConfig(title="Kestrel Two", target_minutes=12, **config))
    script = from_fountain((DATA / "kestrel_two.fountain").read_text(encoding="utf-8"))
    store.commit(project, "script", script, status="locked", author="test", message="imported kestrel_two.fountain")
    return project


@pytest.fixture(scope="module")
def kestrel_ws(tmp_path_factory):
    """A workspace with Kestrel Two through stage 8 (offline), every shot list locked."""
    root = tmp_path_factory.mktemp("kestrel")
    engines = Engines.offline()
    with open_store(root / "ws.duckdb") as store:
        project = import_kestrel(store, visual_style="noir")
        assets.extract(store, project, engines, auto_lock=True)
        hub.build(store, project, auto_lock=True)
        for scene in shots.scenes(store, project):
            shots.generate(store, project, engines, scene, auto_lock=True)
            shots.lock(store, project, scene)
            visual_states.derive(store, project, scene, auto_lock=True)
    return root / "ws.duckdb"


@pytest.fixture
def ws(kestrel_ws, tmp_path):
    """A private copy of the Kestrel workspace, open: tests may edit it."""
    shutil.copy(kestrel_ws, tmp_path / "ws.duckdb")
    shutil.copytree(kestrel_ws.with_name("ws.media"), tmp_path / "ws.media")
    with open_store(tmp_path / "ws.duckdb") as store:
        yield store, store.get_project("kestrel")


# -- stage 5 ------------------------------------------------------------------------------------
def test_the_roster_is_exact_on_cues_and_headings(ws):
    store, project = ws
    roster = store.require_head(project, assets.KEY).model(AssetSet)
    cue_people = [a.name for a in roster.by_kind("character") if "cue" in a.found_in]
    assert cue_people == KESTREL_CHARACTERS
    assert [a.name for a in roster.by_kind("character") if "cue" not in a.found_in] == ["ERIK"]
    assert [a.name for a in roster.by_kind("location")] == KESTREL_LOCATIONS
    assert {"FOLDER", "LOGBOOK", "RECEIVER"} <= {a.name for a in roster.by_kind("prop")}
    assert all(a.description == "" and a.image is None for a in roster.assets)  # identity only


def test_every_master_asset_is_described_drawn_in_the_locked_style_and_locked(ws):
    store, project = ws
    master, versions = assets.master_versions(store, project)
    assert len(versions) == len(master.assets)
    for asset in master.assets:
        if asset.name == "RADIO OPERATOR":  # only ever a voice on the air: described, voiced, not drawn
            assert asset.description and asset.image is None and asset.style is None
            continue
        assert asset.description and asset.image is not None and store.has_media(asset.image), asset.slug
        assert asset.style and "noir" in asset.style  # the locked visual capsule's text
        assert versions[asset.slug].status == "locked"
    mara = master.find("MARA HALVORSEN")
    assert mara is not None and mara.slug == "char-mara" and mara.introduction.startswith("MARA HALVORSEN (44)")
    prompt = store.db.fetchone("SELECT rendered_prompt FROM generations WHERE stage = 'assets' AND kind = 'image' "
                               "AND rendered_prompt LIKE '%character MARA%'")[0]
    assert "[STYLE] " in prompt and 'capsule "noir"' in prompt


def test_regenerating_an_image_with_guidance_keeps_history_and_respects_the_lock(ws):
    store, project = ws
    engines = Engines.offline()
    with pytest.raises(StageError, match="locked"):
        assets.regenerate_image(store, project, engines, "char-theo", "older, taller")
    first = assets.regenerate_image(store, project, engines, "char-theo", "older, taller", unlock=True)
    second = assets.regenerate_image(store, project, engines, "char-theo", "red hoodie")
    takes = assets.image_history(store, project, "char-theo")
    assert [t.guidance for t in takes] == ["", "older, taller", "red hoodie"]
    assert len({t.image.sha256 for t in takes}) == 3 and takes[-1].current and takes[0].status == "locked"
    assert second.model(Asset).guidance == ["older, taller", "red hoodie"]
    back = assets.use_image(store, project, "char-theo", first.number)
    assert back.model(Asset).image == first.model(Asset).image and back.number == second.number + 1
    assert [s.state for s in __import__("aiuteur").project_status(store, project) if s.slug == "assets"] == ["draft"]
    assets.lock_asset(store, project, "char-theo")
    assert store.head(project, "asset/char-theo").status == "locked"


def test_edits_and_manual_assets_update_the_roster(ws):
    store, project = ws
    assets.edit(store, project, "char-oskar", aliases=["Harbormaster", "oskar lund"], description="Weathered, kind.")
    roster = store.require_head(project, assets.KEY).model(AssetSet)
    assert roster.get("char-oskar").aliases == ["HARBORMASTER", "OSKAR LUND"]
    added = assets.add(store, project, "Gull", "prop", "A herring gull that follows Oskar.")
    assert 1 in added.model(Asset).scenes  # "Gulls argue over nothing."
    assert store.require_head(project, assets.KEY).model(AssetSet).find("GULL").found_in == ["manual"]
    with pytest.raises(StageError, match="already has an asset"):
        assets.add(store, project, "MARA", "character")
    with pytest.raises(StageError, match="blank"):
        assets.edit(store, project, "char-oskar", description="  ")


# -- stage 6 ------------------------------------------------------------------------------------
def test_hub_overview_scenes_dependencies_status_and_risks(ws):
    store, project = ws
    overview = hub.overview(store, project)
    assert len(overview.scenes) == 23 and overview.unmatched == [] and overview.threshold == 0.85
    assert {s.status for s in overview.scenes} == {"shots locked"}
    seven = overview.scenes[6].dependencies
    assert seven.characters[:3] == ["char-mrs-pell", "char-mara", "char-deputy-ruiz"]
    assert seven.location == "loc-pell-s-diner"
    assert any(r.kind == "offscreen_state_change" and r.subject == "MARA" and r.scene == 16 for r in overview.risks)
    shots.edit_shot(store, project, 2, _ids(store, project, 2)[0], {"duration": 4.0})
    after = {s.scene: s for s in hub.overview(store, project).scenes}
    assert after[3].status == "shots locked"
    assert after[2].status == "stale"  # its states were made from the locked list that is no longer the head
    assert any("scene/2/states" in r and "scene/2/shots changed" in r for r in after[2].reasons)


# -- stage 7 ------------------------------------------------------------------------------------
def test_shot_ids_stay_stable_under_reorder_split_merge_and_delete(ws):
    store, project = ws
    scene = 3
    original = store.require_head(project, shots.key(scene)).model(ShotList)
    ids = original.ids
    assert ids[:3] == ["SC030_SH0010", "SC030_SH0020", "SC030_SH0030"]

    shots.reorder(store, project, scene, [ids[1], ids[0], *ids[2:]])
    assert _ids(store, project, scene) == [ids[1], ids[0], *ids[2:]]
    shots.reorder(store, project, scene, ids)

    dialogue = next(s for s in original.shots if s.dialogue and s.duration >= 2)
    shots.split(store, project, scene, ids[0], at_seconds=1.5)
    after_split = _ids(store, project, scene)
    assert after_split[:3] == [ids[0], "SC030_SH0015", ids[1]] and set(ids) <= set(after_split)
    split_list = store.require_head(project, shots.key(scene)).model(ShotList)
    assert split_list.get(ids[0]).duration == 1.5
    assert split_list.get("SC030_SH0015").duration == pytest.approx(original.get(ids[0]).duration - 1.5)

    shots.merge(store, project, scene, ids[0], "SC030_SH0015")
    assert _ids(store, project, scene) == ids  # the merge keeps the first id
    merged = store.require_head(project, shots.key(scene)).model(ShotList)
    assert merged.get(ids[0]).duration == pytest.approx(original.get(ids[0]).duration)
    assert "SC030_SH0015" in merged.retired

    shots.split(store, project, scene, ids[0], at_seconds=1.0)
    assert "SC030_SH0015" not in _ids(store, project, scene)  # a retired id is never handed out again
    shots.delete(store, project, scene, ids[-1])
    assert ids[-1] not in _ids(store, project, scene)
    versions = store.history(project, shots.key(scene))
    messages = [v.message for v in versions]
    assert messages[-7:] == [  # every edit is a new version; the first after the lock says so
        "shot list locked", "reordered (after lock: lock again)", "reordered", f"{ids[0]}: split at 1.5s",
        f"{ids[0]}: merged with SC030_SH0015", f"{ids[0]}: split at 1s", f"{ids[-1]}: deleted"]
    assert dialogue.shot_id in _ids(store, project, scene)


def test_split_at_a_dialogue_sentence_and_merge_refuses_two_speakers(ws):
    store, project = ws
    scene = 2
    shots.insert(store, project, scene, _ids(store, project, scene)[0],
                 {"action": "Mara talks.", "characters": "MARA", "duration": 6, "framing": "single", "sound": "dialogue",
                  "location": "HALVORSEN RADIO", "lens": "50mm", "camera_move": "static"})
    new_id = _ids(store, project, scene)[1]
    assert new_id == "SC020_SH0015"
    shots.edit_shot(store, project, scene, new_id, {"speaker": "MARA", "line": "Go to school. Somebody should learn."})
    shots.split(store, project, scene, new_id, at_sentence=1)
    current = store.require_head(project, shots.key(scene)).model(ShotList)
    first, second = current.get(new_id), current.shots[current.ids.index(new_id) + 1]
    assert first.dialogue.line == "Go to school." and second.dialogue.line == "Somebody should learn."
    assert first.duration + second.duration == pytest.approx(6)
    with pytest.raises(StageError, match="sentence"):
        shots.split(store, project, scene, new_id, at_sentence=1)  # one sentence left
    theo_line = next(s for s in current.shots if s.dialogue and s.dialogue.speaker == "THEO")
    before = current.shots[current.ids.index(theo_line.shot_id) - 1]
    if before.dialogue and before.dialogue.speaker != "THEO":
        with pytest.raises(StageError, match="different speakers"):
            shots.merge(store, project, scene, before.shot_id, theo_line.shot_id)
    with pytest.raises(StageError, match="not adjacent"):
        shots.merge(store, project, scene, current.ids[0], current.ids[3])


def test_edits_are_validated_and_lock_refuses_problems(ws):
    store, project = ws
    scene = 5
    first = _ids(store, project, scene)[0]
    shots.edit_shot(store, project, scene, first, {"duration": "12", "characters": "MARA, OSKAR"})
    found = shots.check(store, project, scene)
    assert {(p.shot_id, p.field) for p in found} == {(first, "duration"), (first, "characters")}
    with pytest.raises(StageError, match="2 problem"):
        shots.lock(store, project, scene)
    with pytest.raises(StageError, match="duration must be a number"):
        shots.edit_shot(store, project, scene, first, {"duration": "long"})
    with pytest.raises(StageError, match="cannot edit shot_id"):
        shots.edit_shot(store, project, scene, first, {"shot_id": "X"})
    shots.edit_shot(store, project, scene, first, {"duration": 4, "characters": "MARA"})
    assert shots.lock(store, project, scene).status == "locked"


def test_rearview_mirror_is_the_previous_scene_last_shot(ws):
    store, project = ws
    mirror = shots.rearview(store, project, 5)
    last = store.require_head(project, shots.key(4)).model(ShotList).shots[-1]
    assert (mirror.scene, mirror.shot_id, mirror.action) == (4, last.shot_id, last.action)
    assert mirror.end_frame is None  # no frames made yet
    assert shots.rearview(store, project, 1) is None
    prompt = store.db.fetchone("SELECT rendered_prompt FROM generations WHERE stage = 'shots' AND rendered_prompt "
                               "LIKE '%SCENE 5:%'")[0]
    assert f"{last.shot_id} in scene 4" in prompt


# -- stage 8 ------------------------------------------------------------------------------------
def test_a_manual_tag_is_carried_to_the_next_scenes_and_recorded(ws):
    store, project = ws
    written = visual_states.add_tag(store, project, 6, "MARA", "wet", shot_id=None, author="kim", note="ran in the rain")
    assert [v.artifact_key for v in written][:2] == ["scene/6/states", "scene/7/states"]
    six = store.require_head(project, visual_states.key(6)).model(SceneStates)
    change = next(c for c in six.changes if c.source == "manual")
    assert (change.author, change.add_tags, change.shot_id) == ("kim", ["wet"], None)
    seven = store.require_head(project, visual_states.key(7)).model(SceneStates)
    assert "wet" in next(s.tags for s in seven.start if s.asset == "char-mara")
    timeline = visual_states.timeline(store, project, "Mara")
    by_scene = {e.scene: e for e in timeline.scenes}
    assert by_scene[6].end == ["wet"] and by_scene[7].start == ["wet"] and by_scene[7].inherited_from == 6
    visual_states.remove_tag(store, project, 8, "mara", "wet", author="kim")
    timeline = {e.scene: e for e in visual_states.timeline(store, project, "MARA").scenes}
    assert timeline[8].start == ["wet"] and timeline[8].end == [] and timeline[9].start == []
    with pytest.raises(StageError, match="tag"):
        visual_states.add_tag(store, project, 6, "MARA", "Very Wet!", author="kim")
    with pytest.raises(StageError, match="no asset"):
        visual_states.add_tag(store, project, 6, "NOBODY AT ALL", "wet", author="kim")


def test_rollback_override_and_broken_inheritance(ws):
    store, project = ws
    before = store.require_head(project, visual_states.key(10)).number
    visual_states.add_tag(store, project, 10, "THEO", "bruised", author="kim")
    visual_states.rollback(store, project, 10, before, author="kim")
    ten = store.require_head(project, visual_states.key(10)).model(SceneStates)
    assert all(c.source != "manual" for c in ten.changes)
    assert "bruised" not in next(s.tags for s in store.require_head(project, visual_states.key(11)).model(SceneStates).start
                                 if s.asset == "char-theo")
    # scene 12's states are set back to a version made before a tag was added in scene 11
    old12 = store.require_head(project, visual_states.key(12))
    visual_states.add_tag(store, project, 11, "JUNE", "torn", author="kim")
    store.set_head(project, visual_states.key(12), old12.id, "test: an out-of-date scene 12")
    flags = [f for f in visual_states.check(store, project) if f.kind == "broken_inheritance"]
    # 12 starts without the tag 11 ended with; 13 (carried forward earlier) starts with one 12 did not end with
    assert [(f.scene, f.asset, f.tag) for f in flags] == [(12, "char-june", "torn"), (13, "char-june", "torn")]
    assert "starts scene 12 without it, with no change event" in flags[0].message
    assert "starts scene 13 with it" in flags[1].message
    visual_states.override_flag(store, project, 12, flags[0].id, author="kim", reason="June changed her coat")
    again = next(f for f in visual_states.check(store, project) if f.id == flags[0].id)
    assert again.override.author == "kim" and again.override.reason == "June changed her coat"
    with pytest.raises(StageError, match="reason"):
        visual_states.override_flag(store, project, 12, flags[0].id, author="kim", reason=" ")


def test_every_scene_has_states_inherited_in_order(ws):
    store, project = ws
    previous = None
    for scene in shots.scenes(store, project):
        states = store.require_head(project, visual_states.key(scene)).model(SceneStates)
        if previous is not None:
            for state in states.start:
                assert state.tags == previous.end_tags(state.asset), (scene, state.asset)
        previous = states
    assert json.loads(visual_states.timeline(store, project, "ERIK").model_dump_json())["kind"] == "character"


def _ids(store, project, scene):
    return store.require_head(project, shots.key(scene)).model(ShotList).ids


def test_a_new_visual_style_makes_the_images_stale_and_the_next_run_redraws_them(store):
    from aiuteur import run
    from aiuteur.capsules import lock_style
    from tests.conftest import LIGHTHOUSE

    project, _ = start_project(store, "styled", LIGHTHOUSE, ProjectConfig(title="The Last Light", visual_style="noir"))
    run(store, project, Engines.offline(), until="assets")
    assert not assets.outdated(store, project)
    before = assets.master(store, project).get("char-elsa")
    assert 'capsule "noir"' in before.style
    lock_style(store, project, "visual", "whimsical-animation", branch="whimsy", message="lighter look")  # a branch-level change
    assert assets.outdated(store, project)
    assert store.staleness(store.head(project, "asset/char-elsa")).status == "stale"
    assert store.staleness(store.head(project, assets.KEY)).status == "fresh"  # identities did not change
    run(store, project, Engines.offline(), until="assets")
    after = assets.master(store, project).get("char-elsa")
    assert 'capsule "whimsical-animation"' in after.style and after.image != before.image
    assert after.description == before.description and not assets.outdated(store, project)
