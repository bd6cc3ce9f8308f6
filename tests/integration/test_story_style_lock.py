"""The visual style lock: every image and video prompt carries the locked capsule, the lock is an
input of each prompt (applications logged), and changing it is a branch-level change that makes
the dependent prompts stale on the new branch only."""
from __future__ import annotations

from aiuteur import Engines, run, start_project
from aiuteur.capsules import applications, lock_style
from aiuteur.models.project import ProjectConfig
from aiuteur.models.prompts import ShotPrompt
from aiuteur.stages.timelines import BranchRequired

import pytest


def test_visual_style_lock_reaches_every_prompt_and_changes_on_a_branch(store, idea):
    project, _ = start_project(store, "film", idea, ProjectConfig(title="T", target_minutes=1, visual_style="noir"))
    run(store, project, Engines.offline(), until="prompts")
    lock = store.head(project, "style/visual")
    prompts = store.heads(project, "shot/")
    prompts = {k: v for k, v in prompts.items() if k.endswith("/prompt")}
    assert prompts
    for version in prompts.values():
        prompt = version.model(ShotPrompt)
        assert lock.id in version.inputs
        assert '[STYLE] capsule "noir" v1: high contrast' in prompt.frame_prompt
        assert '[STYLE] capsule "noir" v1' in prompt.video_prompt
    logged = [a for a in applications(store, project, kind="visual") if a["stage"] == "prompts"]
    assert {a["target_version_id"] for a in logged} == {v.id for v in prompts.values()}

    with pytest.raises(BranchRequired, match="style/visual has work made from it"):
        lock_style(store, project, "visual", "70s-thriller")
    lock_style(store, project, "visual", "70s-thriller", branch="seventies", message="try a 70s look")
    assert all(store.staleness(v).status == "stale" for v in prompts.values())
    assert all(store.staleness(v, branch="main").status == "fresh" for v in prompts.values())
    run(store, project, Engines.offline(), until="prompts")
    fresh = {k: v for k, v in store.heads(project, "shot/").items() if k.endswith("/prompt")}
    assert all('capsule "70s-thriller" v1' in v.model(ShotPrompt).frame_prompt for v in fresh.values())
    assert all('capsule "noir"' in v.model(ShotPrompt).frame_prompt
               for k, v in store.heads(project, "shot/", branch="main").items() if k.endswith("/prompt"))
