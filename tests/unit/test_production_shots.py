"""Stage 7 without a store: new ids between neighbours, validation listing every problem, tables."""
from __future__ import annotations

import csv
import io

import pytest
from pydantic import ValidationError

from aiuteur.engines.offline.shot_planner import plan_shots
from aiuteur.models.assets import Asset, AssetSet
from aiuteur.models.shots import DialogueLine, Shot, ShotLimits, ShotList, shot_id
from aiuteur.screenplay import SceneInfo
from aiuteur.stages import shots

SCENE = SceneInfo(number=1, heading="INT. KITCHEN - NIGHT", int_ext="INT", location="KITCHEN", time_of_day="NIGHT",
                  characters=["MARA", "JUNE"], text="INT. KITCHEN - NIGHT\n\nMara waits.\n", eighths=2)


def _shot(n: int, **fields) -> Shot:
    base = dict(shot_id=shot_id(1, n), scene=1, duration=3.0, shot_type="medium", lens="35mm", camera_move="static",
                framing="waist-up", action="Mara waits.", characters=["MARA"], location="KITCHEN", sound="room tone")
    return Shot(**{**base, **fields})


def _list(*shots_: Shot, **kw) -> ShotList:
    return ShotList(scene=1, heading=SCENE.heading, shots=list(shots_), **kw)


def test_ids_between_neighbours_never_reused():
    sl = _list(_shot(1), _shot(2), _shot(3))
    assert shots.id_between(sl, "SC010_SH0010") == "SC010_SH0015"
    assert shots.id_between(sl, "SC010_SH0030") == "SC010_SH0040"  # after the last: the next in sequence
    assert shots.id_between(sl, None) == "SC010_SH0005"  # before the first
    tight = _list(_shot(1), _shot(2).model_copy(update={"shot_id": "SC010_SH0011"}))
    assert shots.id_between(tight, "SC010_SH0010") == "SC010_SH0010A"  # no number left between 10 and 11
    retired = _list(_shot(1), _shot(2), retired=["SC010_SH0015"])
    assert shots.id_between(retired, "SC010_SH0010") in {"SC010_SH0014", "SC010_SH0016"}


def test_a_clean_list_has_no_problems():
    assert shots.problems(_list(_shot(1), _shot(2)), SCENE) == []


def test_validation_lists_every_problem_with_its_field():
    sl = _list(
        _shot(1, duration=12.0),  # too long for a video model
        _shot(2, duration=0.5, framing="", sound=" "),
        _shot(3, duration=2.0, dialogue=DialogueLine(speaker="MARA", line="one two three four five six seven eight")),
        _shot(4, characters=["MARA", "OSKAR"], dialogue=DialogueLine(speaker="OSKAR", line="Hi.")),
    )
    found = shots.problems(sl, SCENE)
    assert [(p.shot_id, p.field) for p in found] == [
        ("SC010_SH0010", "duration"), ("SC010_SH0020", "framing"), ("SC010_SH0020", "sound"),
        ("SC010_SH0020", "duration"), ("SC010_SH0030", "line"), ("SC010_SH0040", "speaker"),
        ("SC010_SH0040", "characters"),
    ]
    messages = shots.validate(sl, SCENE)
    assert messages[0] == "SC010_SH0010: duration 12s is outside 1-8s"
    assert "needs 3.2s at 2.5 words/s but the shot is 2s" in messages[4]
    assert messages[-1] == "SC010_SH0040: OSKAR is not in scene 1"


def test_limits_are_configurable_and_checked():
    sl = _list(_shot(1, duration=9.5), limits=ShotLimits(min_seconds=2, max_seconds=10, words_per_second=3))
    assert shots.problems(sl, SCENE) == []
    assert [p.field for p in shots.problems(sl.model_copy(update={"limits": ShotLimits()}), SCENE)] == ["duration"]
    with pytest.raises(ValidationError, match="min_seconds"):
        ShotLimits(min_seconds=5, max_seconds=4)


def test_people_the_action_names_may_be_in_shots_and_aliases_count():
    theo = Asset(slug="char-theo", name="THEO", kind="character", description="", scenes=[1])
    mara = Asset(slug="char-mara", name="MARA", kind="character", description="", scenes=[1], aliases=["MARA HALVORSEN"])
    roster = AssetSet(assets=[theo, mara])
    sl = _list(_shot(1, characters=["THEO", "MARA HALVORSEN"]))
    assert [p.message for p in shots.problems(sl, SCENE)] == ["THEO is not in scene 1", "MARA HALVORSEN is not in scene 1"]
    assert shots.problems(sl, SCENE, roster) == []


def test_duplicate_and_malformed_ids_are_problems():
    sl = _list(_shot(1), _shot(1), _shot(2).model_copy(update={"shot_id": "shot-2"}))
    assert [(p.shot_id, p.field) for p in shots.problems(sl, SCENE)] == [("SC010_SH0010", "shot_id"),
                                                                         ("shot-2", "shot_id")]


def test_rows_and_csv_carry_every_mandatory_field():
    sl = _list(_shot(1, dialogue=DialogueLine(speaker="MARA", line="Eat."), props=["STEW", "BOWL"]))
    rows = shots.rows(sl)
    assert rows[0]["speaker"] == "MARA" and rows[0]["props"] == "STEW, BOWL"
    parsed = list(csv.DictReader(io.StringIO(shots.to_csv(rows))))
    assert list(parsed[0]) == list(shots.COLUMNS) and parsed[0]["line"] == "Eat."
    for field in shots.MANDATORY:
        assert parsed[0][field]


def test_offline_planner_opens_on_a_match_cut_when_the_action_carries_on():
    scene = {"number": 2, "heading": "INT. KITCHEN - CONTINUOUS", "location": "KITCHEN", "time_of_day": "CONTINUOUS",
             "characters": ["MARA"], "present": ["THEO"], "text": "INT. KITCHEN - CONTINUOUS\n\nMara runs in. Theo follows.\n"}
    mirror = {"scene": 1, "heading": "EXT. YARD - NIGHT", "shot_id": "SC010_SH0040", "action": "Mara runs."}
    planned = plan_shots(scene, [], 8.0, 0, rearview=mirror)
    assert planned.shots[0].shot_type == "medium" and "SC010_SH0040" in planned.shots[0].notes
    assert "THEO" in {c for s in planned.shots for c in s.characters}  # silent, but named in the action
    fresh = plan_shots({**scene, "time_of_day": "NIGHT"}, [], 8.0, 0, rearview=mirror)
    assert fresh.shots[0].shot_type == "wide"
    assert all(1.0 <= s.duration <= 8.0 for s in planned.shots)
