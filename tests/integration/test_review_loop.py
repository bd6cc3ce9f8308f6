"""The loop closes: a note goes to the stage that fixes it, the retake made for it is linked to it,
and the note resolves when its shots' new clips are approved — through `Store.resolve_note`."""
from __future__ import annotations

import shutil

import pytest

from aiuteur import Engines, open_store
from aiuteur.pipeline import run
from aiuteur.stages import review, shots as shots_stage, video
from aiuteur.stages.confirm import all_shots
from aiuteur.stages.gates import StaleInputError
from aiuteur.store import Store

pytestmark = pytest.mark.slow


@pytest.fixture
def store(demo_run, tmp_path):
    source, _, _ = demo_run
    shutil.copy(source, tmp_path / "ws.duckdb")
    shutil.copytree(source.with_name("ws.media"), tmp_path / "ws.media")
    with open_store(tmp_path / "ws.duckdb") as s:
        yield s


@pytest.fixture
def project(store):
    return store.get_project("lighthouse")


@pytest.fixture
def resolved_calls(monkeypatch):
    """Every call of `Store.resolve_note`, to prove the loop really calls it."""
    calls: list[str] = []
    real = Store.resolve_note

    def spy(self, note, **kwargs):
        calls.append(note.id)
        return real(self, note, **kwargs)

    monkeypatch.setattr(Store, "resolve_note", spy)
    return calls


def _static_shot(store, project):
    return next(s for s in all_shots(store, project) if s.camera_move == "static")


def _fix_at_the_shot_list(store, project, shot, move="slow push in"):
    shots_stage.edit_shot(store, project, shot.scene, shot.shot_id, {"camera_move": move}, author="editor")
    run(store, project, Engines.offline(), until="confirm")


def test_a_retake_for_a_note_is_linked_and_approving_it_resolves_the_note(store, project, resolved_calls):
    shot = _static_shot(store, project)
    note = review.add_note(store, project, shot.shot_id, "push in on her face here", author="director")
    assert note.suggested_category == "coverage" and note.stage == "shots"
    review.confirm_category(store, project, note.id, author="director")
    review.assign(store, project, note.id, "editor", author="director")
    old_clip = store.head(project, video.key(shot.shot_id))

    with pytest.raises(review.NothingToRetake, match=r"Fix it at stage 7 'Shot list' \(scene/\d+/shots\)"):
        review.retake(store, project, Engines.offline(), note.id)  # nothing was fixed yet

    _fix_at_the_shot_list(store, project, shot)
    done = review.retake(store, project, Engines.offline(), note.id, author="editor")
    new_clip = store.head(project, video.key(shot.shot_id))
    assert [v.id for v in done.clips] == [new_clip.id] and new_clip.content_hash != old_clip.content_hash
    assert done.note.state == "in_progress"
    assert done.film is not None and store.staleness(done.film).status == "fresh"
    assert [(l.shot_id, l.version_id) for l in store.retakes(project.id, note.id)] == [(shot.shot_id, new_clip.id)]

    other = all_shots(store, project)[0].shot_id
    review.approve_clip(store, project, other, author="director")  # another shot: the note stays open
    assert store.note(project.id, note.id).state == "in_progress" and resolved_calls == []

    locked, resolved = review.approve_clip(store, project, shot.shot_id, author="director")
    assert locked.status == "locked" and locked.artifact_key == video.key(shot.shot_id)
    assert [n.id for n in resolved] == [note.id] and resolved_calls == [note.id]
    final = store.note(project.id, note.id)
    assert final.state == "resolved"
    history = [e.action for e in store.note_events(note.id)]
    assert history == ["added", "clips seen", "category confirmed", "assigned", "retake", "state", "resolved", "reason"]
    assert store.note_events(note.id)[-1].detail == {"reason": f"retake approved: {shot.shot_id}"}
    # approving the film's stale-free state did not change the pictures: the film is still current
    assert store.staleness(store.head(project, video.FILM)).status == "fresh"


def test_a_clip_remade_by_a_pipeline_run_after_the_note_is_its_retake(store, project, resolved_calls):
    shot = _static_shot(store, project)
    note = review.add_note(store, project, shot.shot_id, "this should pan left", category="coverage")
    _fix_at_the_shot_list(store, project, shot, move="pan left")
    run(store, project, Engines.offline())  # someone re-ran everything: the new clip exists already
    done = review.retake(store, project, Engines.offline(), note.id)
    assert [v.id for v in done.clips] == [store.head(project, video.key(shot.shot_id)).id]
    review.approve_clip(store, project, shot.shot_id)
    assert store.note(project.id, note.id).state == "resolved" and resolved_calls == [note.id]


def test_a_scene_note_resolves_only_when_every_retaken_shot_is_approved(store, project, resolved_calls):
    shots = all_shots(store, project)
    scene = shots[0].scene
    in_scene = [s for s in shots if s.scene == scene][:2]
    note = review.add_note(store, project, f"scene/{scene}", "the camera never moves in this scene",
                           category="coverage")
    assert note.shot is None and note.frame == 0
    for shot, move in zip(in_scene, ("slow push in", "pan right")):
        shots_stage.edit_shot(store, project, scene, shot.shot_id, {"camera_move": move})
    run(store, project, Engines.offline(), until="confirm")
    done = review.retake(store, project, Engines.offline(), note.id)
    changed = {v.artifact_key for v in done.clips}
    assert {video.key(s.shot_id) for s in in_scene} <= changed
    first, *rest = sorted(changed)
    review.approve_clip(store, project, first.split("/")[1])
    assert store.note(project.id, note.id).state == "in_progress" and resolved_calls == []
    for key in rest:
        review.approve_clip(store, project, key.split("/")[1])
    assert store.note(project.id, note.id).state == "resolved" and resolved_calls == [note.id]


def test_a_retake_refuses_what_it_cannot_do(store, project):
    shot = _static_shot(store, project)
    note = review.add_note(store, project, shot.shot_id, "too dark", category="look")
    review.set_state(store, project, note.id, "wont_fix")
    with pytest.raises(review.ReviewError, match="is wont_fix: reopen it"):
        review.retake(store, project, Engines.offline(), note.id)
    film_note = review.add_note(store, project, "film", "the whole thing feels slow", category="timing")
    with pytest.raises(review.ReviewError, match="whole film with no timecode"):
        review.retake(store, project, Engines.offline(), film_note.id)
    # a fix upstream not carried through to stage 11: the gate says which stage to visit
    shots_stage.edit_shot(store, project, shot.scene, shot.shot_id, {"camera_move": "pan left"})
    review.set_state(store, project, note.id, "open")
    with pytest.raises(Exception, match="visit stage"):
        review.retake(store, project, Engines.offline(), note.id)
    with pytest.raises(review.UnknownShot):
        review.approve_clip(store, project, "SC999_SH0010")
    with pytest.raises(StaleInputError):
        review.approve_clip(store, project, shot.shot_id)  # its clip is stale now: nothing to approve
