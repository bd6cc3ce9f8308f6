"""Story timelines: upstream regeneration over locked work needs a branch; the old branch keeps its
heads; list, switch, compare (with text diffs) and delete branches."""
from __future__ import annotations

import pytest

from aiuteur import Engines, start_project
from aiuteur.models.project import ProjectConfig
from aiuteur.models.story import BeatSheet, TreatmentSet
from aiuteur.stages import beats, script, timelines, treatment
from aiuteur.stages.gates import StaleInputError
from aiuteur.stages.timelines import BranchRequired
from aiuteur.store import BranchError


@pytest.fixture
def locked_beats(store, idea):
    engines = Engines.offline()
    project, _ = start_project(store, "film", idea, ProjectConfig(title="The Last Light"))
    treatment.generate(store, project, engines)
    treatment.select(store, project, 0)
    beats.generate(store, project, engines)
    beats.confirm(store, project)
    return project


def test_regenerating_upstream_of_locked_work_requires_a_branch(store, locked_beats):
    engines = Engines.offline()
    main_heads = {k: v.id for k, v in store.heads(locked_beats).items()}
    count = len(store.history(locked_beats, "treatment"))
    with pytest.raises(BranchRequired, match=r"beats v2.*new branch"):
        treatment.generate(store, locked_beats, engines, seed=1)
    with pytest.raises(BranchRequired):
        treatment.regenerate_span(store, locked_beats, engines, "darker", start=0, end=10)
    with pytest.raises(BranchRequired):
        treatment.edit(store, locked_beats, "Something else entirely, by hand.")
    assert len(store.history(locked_beats, "treatment")) == count  # nothing written, no generation paid
    assert [b["name"] for b in store.branches(locked_beats)] == ["main"]

    version = treatment.generate(store, locked_beats, engines, seed=1, guidance="a darker ending", branch="darker")
    assert version.branch == "darker" and version.message == "a darker ending"
    assert store.current_branch(locked_beats) == "darker"
    row = next(b for b in timelines.list_branches(store, locked_beats) if b["name"] == "darker")
    assert row["message"] == "a darker ending" and row["parent"] == "main" and row["current"]
    # the old branch keeps its heads, and its locked beats are still fresh there
    assert {k: v.id for k, v in store.heads(locked_beats, branch="main").items()} == main_heads
    main_beats = store.head(locked_beats, "beats", branch="main")
    assert main_beats.status == "locked" and store.staleness(main_beats, branch="main").status == "fresh"
    # on the new branch the beats are stale: regenerating them needs no further branch
    assert store.staleness(store.head(locked_beats, "beats")).status == "stale"


def test_gate_actions_need_no_branch(store, locked_beats):
    treatment.select(store, locked_beats, 1)  # a choice at the gate; makes beats stale, destroys nothing
    assert [b["name"] for b in store.branches(locked_beats)] == ["main"]


def test_edits_over_an_approved_script_need_a_branch(store, locked_beats):
    engines = Engines.offline()
    script.generate(store, locked_beats, engines)
    script.approve(store, locked_beats)
    with pytest.raises(BranchRequired, match="script v2"):
        beats.move(store, locked_beats, 0, 2)
    moved = beats.move(store, locked_beats, 0, 2, branch="reorder")
    assert moved.branch == "reorder" and store.head(locked_beats, "script", branch="main").status == "locked"
    with pytest.raises(BranchError, match="already has a branch 'reorder'"):
        beats.move(store, locked_beats, 0, 1, branch="reorder")


def test_compare_two_branches_with_text_diffs(store, locked_beats):
    engines = Engines.offline()
    text = store.head(locked_beats, "treatment").model(TreatmentSet).chosen.text
    quote = text.split("\n\n")[2]
    treatment.regenerate_span(store, locked_beats, engines, "the storm comes early", quote=quote, branch="storm")
    comparison = timelines.compare(store, locked_beats, "main", "storm")
    by_key = {d.artifact_key: d for d in comparison.artifacts}
    assert by_key["treatment"].state == "changed" and by_key["beats"].state == "same"
    diff = by_key["treatment"].diff
    assert diff.startswith("--- main:treatment v2\n+++ storm:treatment v3\n")
    assert "+" in diff and "The storm comes early." in diff
    assert [d.artifact_key for d in comparison.differing] == ["treatment"]
    with pytest.raises(StaleInputError):  # on 'storm' the beats are stale: refused, not edited
        beats.edit(store, locked_beats, 0, title="Dawn")
    timelines.switch(store, locked_beats, "main")
    beats.edit(store, locked_beats, 0, title="Dawn")
    diff = {d.artifact_key: d for d in timelines.compare(store, locked_beats, "main", "storm").artifacts}["beats"].diff
    assert "-1. Dawn" in diff and "+1. Opening" in diff
    with pytest.raises(BranchError, match="no branch 'nope'"):
        timelines.compare(store, locked_beats, "main", "nope")


def test_switch_and_delete_rules(store, locked_beats):
    timelines.new_branch(store, locked_beats, "idea-b", "try another ending")
    with pytest.raises(BranchError, match="needs a message"):
        timelines.new_branch(store, locked_beats, "x", " ")
    timelines.switch(store, locked_beats, "main")
    with pytest.raises(BranchError, match="holds locked work"):
        timelines.delete(store, locked_beats, "main")
    timelines.switch(store, locked_beats, "idea-b")
    with pytest.raises(BranchError, match="is the current branch"):
        timelines.delete(store, locked_beats, "idea-b")
    timelines.switch(store, locked_beats, "main")
    timelines.delete(store, locked_beats, "idea-b")  # no locked work of its own, not current: deleted
    assert [b["name"] for b in store.branches(locked_beats)] == ["main"]
    with pytest.raises(BranchError, match="only branch"):
        timelines.delete(store, locked_beats, "main", force=True)
    timelines.new_branch(store, locked_beats, "mine", "work")
    beats.edit(store, locked_beats, 0, title="Mine")
    beats.confirm(store, locked_beats)  # locked work made on 'mine'
    with pytest.raises(BranchError, match="holds locked work"):
        timelines.delete(store, locked_beats, "mine")
    timelines.delete(store, locked_beats, "mine", force=True)  # current + forced: back to its parent
    assert store.current_branch(locked_beats) == "main"
    assert store.head(locked_beats, "beats").model(BeatSheet).beats[0].title == "Opening"
    assert any(v.branch == "mine" for v in store.history(locked_beats, "beats"))  # versions stay readable
