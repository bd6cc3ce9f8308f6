"""Style capsules: shared libraries with versions, presets, the injection rule, locks, the log."""
from __future__ import annotations

import pytest
from PIL import Image

from aiuteur import Engines, start_project
from aiuteur.capsules import (
    CapsuleError, add_reference_image, applications, capsule_history, create_capsule, delete_capsule, edit_capsule,
    get_capsule, list_capsules, lock_style, presets, render, visual_block, writing_block,
)
from aiuteur.capsules.library import preset_image_path
from aiuteur.models.project import ProjectConfig
from aiuteur.models.story import TreatmentSet
from aiuteur.stages import beats, treatment
from aiuteur.stages.timelines import BranchRequired

WRITING = {"kind": "writing", "name": "terse", "voice": "Clipped.", "pacing": "Fast.", "vocabulary": "Plain.",
           "avoid": ["adverbs"], "samples": ["She left. The door stayed open."]}


def test_presets_ship_four_of_each_with_reference_images():
    writing, visual = presets("writing"), presets("visual")
    assert {"noir", "whimsical-animation", "documentary-realism", "70s-thriller"} <= {c.name for c in writing}
    assert {c.name for c in visual} == {c.name for c in writing}
    for capsule in visual:
        image = capsule.capsule.reference_images[0]
        with Image.open(preset_image_path(image)) as opened:
            assert opened.size == (320, 96)


def test_library_is_shared_across_projects_and_versioned(store, config):
    created = create_capsule(store, WRITING)
    assert (created.number, created.source) == (1, "library")
    with pytest.raises(CapsuleError, match="already has a writing capsule 'terse'"):
        create_capsule(store, WRITING)
    v2 = edit_capsule(store, "writing", "terse", {"pacing": "Breathless."}, message="faster")
    assert v2.number == 2 and get_capsule(store, "writing", "terse", 1).capsule.pacing == "Fast."
    assert edit_capsule(store, "writing", "terse", {"pacing": "Breathless."}).number == 2  # no change, no version
    with pytest.raises(CapsuleError, match="voice: String should have at least 1 character"):
        edit_capsule(store, "writing", "terse", {"voice": ""})
    assert [v.number for v in capsule_history(store, "writing", "terse")] == [1, 2]
    # two projects see the same library
    store.create_project("one", config)
    store.create_project("two", config)
    assert "terse" in {c.name for c in list_capsules(store, "writing")}
    delete_capsule(store, "writing", "terse")
    with pytest.raises(CapsuleError, match=r"no writing capsule 'terse' \(known writing capsules: .*noir"):
        get_capsule(store, "writing", "terse")


def test_editing_a_preset_copies_it_and_presets_cannot_be_deleted(store):
    v = edit_capsule(store, "visual", "noir", {"palette": "Ink and neon."})
    assert (v.number, v.source) == (2, "library")
    assert [h.message for h in capsule_history(store, "visual", "noir")] == ["copied from preset v1", "edited"]
    delete_capsule(store, "visual", "noir")
    assert get_capsule(store, "visual", "noir").source == "preset"  # back to the shipped one
    with pytest.raises(CapsuleError, match="presets cannot be deleted"):
        delete_capsule(store, "visual", "noir")


def test_reference_images_go_to_the_media_store(store, tmp_path):
    path = tmp_path / "ref.png"
    Image.new("RGB", (8, 8), "red").save(path)
    ref = add_reference_image(store, path, "red")
    assert ref.mime == "image/png" and (store.media_root / ref.path).exists()
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    with pytest.raises(CapsuleError, match="bad.png: not an image"):
        add_reference_image(store, bad)


def test_injection_rule_is_deterministic_and_documented(store):
    noir = get_capsule(store, "writing", "noir")
    block = writing_block(noir)
    assert block.splitlines()[:4] == [
        'WRITING STYLE (capsule "noir" v1):', f"Voice: {noir.capsule.voice}", f"Pacing: {noir.capsule.pacing}",
        f"Vocabulary: {noir.capsule.vocabulary}"]
    assert block == writing_block(get_capsule(store, "writing", "noir")) == render(noir)
    assert block.count("\n> ") == 2
    visual = visual_block(get_capsule(store, "visual", "70s-thriller"))
    assert visual.startswith('capsule "70s-thriller" v1: long-lens') and "; lens: Long telephoto" in visual


def test_writing_capsule_goes_into_stage_prompts_and_every_application_is_logged(store, idea):
    engines = Engines.offline()
    project, _ = start_project(store, "film", idea, ProjectConfig(title="T", writing_style="noir", visual_style="noir"))
    lock = store.head(project, "style/writing")
    assert lock.status == "locked" and store.head(project, "style/visual") is not None
    version = treatment.generate(store, project, engines)
    assert lock.id in version.inputs
    assert "Told in a terse, world-weary" in version.model(TreatmentSet).variants[0].text
    generation = store.generations(project.id, stage="treatment")[-1]
    assert 'WRITING STYLE (capsule "noir" v1)' in generation.rendered_prompt
    treatment.select(store, project, 0)
    beats.generate(store, project, engines)
    log = applications(store, project)
    assert [(r["stage"], r["capsule_name"], r["capsule_version"], r["kind"]) for r in log] == [
        ("treatment", "noir", 1, "writing"), ("beats", "noir", 1, "writing")]
    assert all(r["generation_id"] for r in log)
    treatment.generate(store, project, engines, branch="again")  # cached: the same generation, logged once
    assert len(applications(store, project)) == 2


def test_changing_the_writing_style_over_locked_work_needs_a_branch(store, idea):
    engines = Engines.offline()
    project, _ = start_project(store, "film", idea, ProjectConfig(title="T", writing_style="noir"))
    treatment.generate(store, project, engines)
    treatment.select(store, project, 0)
    with pytest.raises(BranchRequired, match="style/writing"):
        lock_style(store, project, "writing", "whimsical-animation")
    new = lock_style(store, project, "writing", "whimsical-animation", branch="family", message="softer")
    assert new.branch == "family"
    assert store.staleness(store.head(project, "treatment")).status == "stale"
    assert store.staleness(store.head(project, "treatment", branch="main"), branch="main").status == "fresh"
