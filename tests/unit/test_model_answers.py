"""A text engine's answer never crashes the pipeline: ids are the code's, poor values are flagged.

A scripted text engine (`aiuteur.jobs.testing.ScriptedEngine`, with a paid-looking id so its calls
go the whole paid path: jobs, budget gate, runner) answers chosen tasks with poor but schema-valid
drafts — NaN, negative and too-long durations, a model's own (duplicate) shot ids and scene
number, people who are not in the scene, empty text — and the offline draft writer answers the rest.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import pytest

from aiuteur import Engines, start_project
from aiuteur.engines.offline import DraftWriter
from aiuteur.jobs.testing import ScriptedEngine
from aiuteur.models.assets import Asset, AssetSet
from aiuteur.models.project import ProjectConfig
from aiuteur.models.shots import ShotList
from aiuteur.models.story import BeatSheet, MasterScript
from aiuteur.pipeline import run
from aiuteur.stages import assets, beats, script, shots, treatment
from aiuteur.stages.gates import StageError
from aiuteur.stages.status import project_status
from tests.conftest import LIGHTHOUSE

TEXT = "openai:gpt-4.1-mini"
Answer = Callable[[Any], dict]


def scripted(**answers: Answer) -> Engines:
    """Offline engines, but text from a scripted engine: `answers[task](request)` for the tasks
    given (a dict, validated against the stage's draft schema), the draft writer for the others."""
    writer = DraftWriter()

    def text(request, schema):
        if request.task in answers:
            return schema.model_validate(answers[request.task](request))
        return writer.write(request, schema)[0]

    offline = Engines.offline()
    return Engines(text=ScriptedEngine(TEXT, text=text), image=offline.image, video=offline.video)


@pytest.fixture
def project(store):
    project, _ = start_project(store, "film", LIGHTHOUSE, ProjectConfig(title="The Last Light", target_minutes=0.75))
    return project


def flags_of(sheet) -> set[tuple[str, str, bool]]:
    return {(f.item, f.field, f.repaired) for f in sheet.answer_flags}


# -- stage 7: shots --------------------------------------------------------------------------------
def poor_shots(person: str) -> Answer:
    def answer(request) -> dict:
        common = {"lens": "35mm", "camera_move": "static", "framing": "wide", "location": "LIGHTHOUSE",
                  "sound": "wind", "scene": 7, "shot_id": "SC999_SH0001"}  # the model's own ids: ignored
        return {"shots": [
            {**common, "duration": math.nan, "shot_type": "wide", "action": "She climbs.",
             "characters": [person.lower()]},
            {**common, "duration": -3, "shot_type": "medium", "action": "She speaks.", "characters": [person],
             "dialogue": {"speaker": person.title(), "line": "one two three four five six seven"}},
            {**common, "duration": 12, "shot_type": "close-up", "action": "", "characters": ["OSKAR", " "]},
            {**common, "duration": 90, "shot_type": "wide", "action": "The sea.", "characters": []},
            {**common, "duration": 0.0, "shot_type": "insert", "action": "The radio.", "characters": [person]},
        ]}

    return answer


@pytest.fixture
def scene_one(store, project):
    """(engines with poor shot answers, scene 1's first speaking character) after stages 2-6."""
    run(store, project, Engines.offline(), until="hub")
    info = shots.scene_info(store, project, 1)
    person = info.characters[0] if info.characters else next(
        a.name for a in store.require_head(project, assets.KEY).model(AssetSet).in_scene(1, "character"))
    return scripted(shots=poor_shots(person)), person


def test_shot_ids_and_scene_are_the_codes_and_poor_values_are_flagged_not_refused(store, project, scene_one):
    engines, person = scene_one
    version = shots.generate(store, project, engines, 1, auto_lock=True)
    sheet = version.model(ShotList)
    assert sheet.ids == ["SC010_SH0010", "SC010_SH0020", "SC010_SH0030", "SC010_SH0040", "SC010_SH0050"]
    assert {s.scene for s in sheet.shots} == {1} and sheet.scene == 1
    # NaN and 0 become a new shot's 2 s, -3 with a 7-word line the 2.8 s it needs, 90 s the 8 s limit; 12 s is kept
    assert [s.duration for s in sheet.shots] == [2.0, 2.8, 12.0, 8.0, 2.0]
    assert sheet.shots[0].characters == [person] and sheet.shots[1].dialogue.speaker == person  # the roster's spelling
    assert sheet.shots[2].characters == ["OSKAR"]  # kept as written (and flagged), the blank name dropped
    flags = flags_of(sheet)
    assert {("SC010_SH0010", "duration", True), ("SC010_SH0020", "duration", True), ("SC010_SH0040", "duration", True),
            ("SC010_SH0050", "duration", True), ("SC010_SH0030", "duration", False), ("SC010_SH0030", "action", False),
            ("SC010_SH0030", "characters", False)} <= flags
    nan_flag = next(f for f in sheet.answer_flags if f.item == "SC010_SH0010")
    assert "nan" in nan_flag.problem and "2 s" in nan_flag.problem
    assert "flag(s) to review" in version.message

    found = {(p.shot_id, p.field) for p in shots.check(store, project, 1)}  # the gate shows every one of them
    assert {(item, field) for item, field, _ in flags} <= found
    with pytest.raises(StageError, match=r"SC010_SH0010: the engine gave nan s"):
        shots.lock(store, project, 1)
    status = {s.slug: s for s in project_status(store, project)}["shots"]
    assert any("scene/1/shots: SC010_SH0010: duration: the engine gave nan s" in f for f in status.answer_flags)


def test_a_person_clears_flags_by_editing_the_field_or_removing_the_shot(store, project, scene_one):
    engines, _ = scene_one
    shots.generate(store, project, engines, 1, auto_lock=True)
    edited = shots.edit_shot(store, project, 1, "SC010_SH0010", {"duration": 3}).model(ShotList)
    assert ("SC010_SH0010", "duration", True) not in flags_of(edited)
    assert ("SC010_SH0020", "duration", True) in flags_of(edited)  # untouched: still flagged
    edited = shots.edit_shot(store, project, 1, "SC010_SH0030", {"duration": 4, "characters": ""}).model(ShotList)
    assert not any(item == "SC010_SH0030" and field in ("duration", "characters") for item, field, _ in flags_of(edited))
    assert ("SC010_SH0030", "action", False) in flags_of(edited)  # still empty
    edited = shots.delete(store, project, 1, "SC010_SH0030").model(ShotList)
    assert not any(item == "SC010_SH0030" for item, _, _ in flags_of(edited))
    assert {p.shot_id for p in shots.check(store, project, 1)} == {"SC010_SH0020", "SC010_SH0040", "SC010_SH0050"}
    locked = shots.lock(store, project, 1, force=True)  # a person accepts the rest
    assert locked.status == "locked" and "3 problem(s) accepted" in locked.message


def test_the_run_stops_at_the_shot_gate_naming_shot_and_field(store, project, scene_one):
    engines, _ = scene_one
    with pytest.raises(StageError, match=r"scene 1's shot list has \d+ problem\(s\): SC010_SH0010: the engine gave nan"):
        run(store, project, engines, until="video")
    assert store.head(project, shots.key(1)).status == "draft"  # kept for a person, nothing half made


# -- stage 3: beats --------------------------------------------------------------------------------
def test_poor_beat_times_are_replaced_and_flags_follow_their_beat(store, project):
    treatment.generate(store, project, Engines.offline())
    engines = scripted(beats=lambda request: {"beats": [
        {"title": "", "summary": "Elsa hears the radio.", "purpose": "hook", "est_seconds": math.nan},
        {"title": "Storm", "summary": "The storm comes.", "purpose": "", "est_seconds": -4},
        {"title": "Choice", "summary": "She trusts the voice.", "purpose": "climax", "est_seconds": 15},
    ]})
    sheet = beats.generate(store, project, engines, auto_lock=True).model(BeatSheet)
    assert [b.est_seconds for b in sheet.beats] == [15.0, 15.0, 15.0]  # (45 s target - 15) / 2
    assert flags_of(sheet) == {("beat 1", "est_seconds", True), ("beat 1", "title", False),
                               ("beat 2", "est_seconds", True), ("beat 2", "purpose", False)}
    moved = beats.move(store, project, 0, 2).model(BeatSheet)  # beat 1 is now beat 3
    assert flags_of(moved) == {("beat 3", "est_seconds", True), ("beat 3", "title", False),
                               ("beat 1", "est_seconds", True), ("beat 1", "purpose", False)}
    edited = beats.edit(store, project, 2, title="Radio").model(BeatSheet)  # a person went through beat 3
    assert flags_of(edited) == {("beat 1", "est_seconds", True), ("beat 1", "purpose", False)}
    _, warning = beats.confirm(store, project)
    assert "2 flag(s) on the engine's answer: beat 1: est_seconds: the engine gave -4 s" in warning


# -- stage 4: script -------------------------------------------------------------------------------
def test_a_script_without_scenes_is_refused_and_empty_scenes_are_flagged(store, project):
    run(store, project, Engines.offline(), until="beats")
    engines = scripted(script=lambda request: {"fountain": "Elsa climbs the stair. The radio hisses.\n"})
    with pytest.raises(StageError, match="no scene headings.*nothing to shoot"):
        script.generate(store, project, engines, auto_lock=True)
    assert store.head(project, script.KEY) is None  # nothing written
    engines = scripted(script=lambda request: {"fountain": (
        "INT. LIGHTHOUSE - NIGHT #1#\n\nElsa climbs.\n\nEXT. HARBOR - DAY #1#\n\nINT. KITCHEN - DAY\n\nJONAH\nStay.\n")})
    version = script.generate(store, project, engines, auto_lock=True, guidance="write scene headings")
    written = version.model(MasterScript)
    assert [s.number for s in written.scenes] == [1, 2, 3]  # positions, whatever the text numbers them
    assert flags_of(written) == {("scene 2", "text", False), ("scene 2", "scene_number", False)}
    edited = script.edit(store, project, written.fountain.replace("DAY #1#\n", "DAY #2#\n\nThe boats.\n"))
    assert edited.model(MasterScript).answer_flags == []  # a person's text is not the engine's answer


# -- stage 5: assets -------------------------------------------------------------------------------
def test_asset_descriptions_match_names_loosely_and_missing_ones_are_flagged(store, project):
    run(store, project, Engines.offline(), until="script")
    parsed = store.require_head(project, script.KEY).model(MasterScript)
    people = [c for s in parsed.scenes for c in s.characters]
    first, second = people[0], next(p for p in people if p != people[0])

    def answer(request) -> dict:
        return {"descriptions": {f"  {first.lower()} ": "A keeper in oilskins.", second: "   "},
                "props": {"": "a nameless thing", " ": ""}}

    roster = store.version(assets.extract(store, project, scripted(assets=answer), auto_lock=True).id).model(AssetSet)
    assert all(a.name.strip() for a in roster.assets) and all(a.answer_flags == [] for a in roster.assets)
    master = assets.master(store, project)
    one, two = master.find(first), master.find(second)
    assert one.description == "A keeper in oilskins." and one.answer_flags == []
    assert two.description and [(f.field, f.repaired) for f in two.answer_flags] == [("description", True)]
    status = {s.slug: s for s in project_status(store, project)}["assets"]
    assert any(f"asset/{two.slug}: {second}: description: the engine gave no description" in f
               for f in status.answer_flags)
    assets.edit(store, project, two.slug, description="Jonah, a fisherman in a wool cap.")
    assert assets.master(store, project).find(second).answer_flags == []


def test_an_empty_flag_list_leaves_the_stored_payload_as_before(store, project):
    """Versions without flags hash as they did before flags existed (no `answer_flags` key)."""
    asset = Asset(slug="char-elsa", name="ELSA", kind="character", description="A keeper.")
    assert "answer_flags" not in asset.model_dump(mode="json")
    assert "answer_flags" not in BeatSheet.model_validate({"beats": [
        {"title": "a", "summary": "b", "purpose": "c", "est_seconds": 1}]}).model_dump(mode="json")


# -- the whole pipeline ----------------------------------------------------------------------------
def test_poor_story_answers_still_make_a_film(store, project):
    """NaN beat times, empty beat text, missing descriptions: flagged on their versions, and the
    film is made."""
    def poor_beats(request) -> dict:
        sheet = DraftWriter().write(request, BeatSheet)[0].model_dump(mode="json")
        sheet["beats"][0].update(est_seconds=math.nan, purpose="")
        return sheet

    engines = scripted(beats=poor_beats, assets=lambda request: {"descriptions": {}, "props": {}})
    report = run(store, project, engines, until="video")
    assert report.film is not None and report.film.clips
    by_slug = {s.slug: s for s in project_status(store, project)}
    assert any("beat 1: est_seconds" in f for f in by_slug["beats"].answer_flags)
    assert any(": description: the engine gave no description" in f for f in by_slug["assets"].answer_flags)
