"""Stage 8 without a store: inheritance, tags carried until removed, changes at their shot, flags."""
from __future__ import annotations

from aiuteur.models.assets import Asset, AssetSet
from aiuteur.models.shots import Shot, ShotList, shot_id
from aiuteur.models.states import FlagOverride, StateChange
from aiuteur.stages.visual_states import compute

ROSTER = AssetSet(assets=[
    Asset(slug="char-tom", name="TOM", kind="character", description="", scenes=[1, 2, 3, 4]),
    Asset(slug="char-ann", name="ANN", kind="character", description="", scenes=[1, 3]),
    Asset(slug="prop-vase", name="VASE", kind="prop", description="", scenes=[1]),
    Asset(slug="loc-field", name="FIELD", kind="location", description="", scenes=[1, 2]),
])


def _scene(number: int, *actions: tuple[str, list[str]]) -> ShotList:
    return ShotList(scene=number, heading=f"EXT. FIELD - DAY", shots=[
        Shot(shot_id=shot_id(number, i), scene=number, duration=3, shot_type="medium", action=text, characters=who,
             location="FIELD", framing="x", sound="x")
        for i, (text, who) in enumerate(actions, start=1)])


def test_tags_are_set_at_their_shot_and_carried_through_scenes_until_removed():
    one = compute(1, _scene(1, ("Tom and Ann talk.", ["TOM", "ANN"]), ("Tom slips and falls in the mud.", ["TOM"]),
                            ("Ann laughs.", ["ANN"])), ROSTER, None)
    assert [(c.shot_id, c.asset, c.add_tags) for c in one.changes] == [("SC010_SH0020", "char-tom", ["muddy"])]
    assert one.tags_at("char-tom", "SC010_SH0010", _scene(1, ("", []), ("", []), ("", [])).ids) == []
    assert one.end_tags("char-tom") == ["muddy"] and one.end_tags("char-ann") == []
    assert set(one.present) == {"char-tom", "char-ann", "loc-field"}

    two = compute(2, _scene(2, ("Tom walks on.", ["TOM"])), ROSTER, one)
    start = {s.asset: s.tags for s in two.start}
    assert start["char-tom"] == ["muddy"] and two.inherited_from["char-tom"] == 1
    assert "char-ann" not in two.present and two.end_tags("char-ann") == []  # carried while away

    three = compute(3, _scene(3, ("Ann is bleeding.", ["ANN"]), ("Tom washes in the river.", ["TOM"])), ROSTER, two)
    assert three.inherited_from == {"char-tom": 2, "char-ann": 1, "loc-field": 2}  # Ann last seen in scene 1
    assert three.end_tags("char-tom") == [] and three.end_tags("char-ann") == ["bloody"]
    four = compute(4, _scene(4, ("Tom waits.", ["TOM"])), ROSTER, three)
    assert four.end_tags("char-tom") == [] and four.end_tags("char-ann") == ["bloody"]


def test_tags_go_on_whom_the_sentence_names_and_fit_the_kind():
    one = compute(1, _scene(1, ("Ann drops the vase. The vase is smashed. Tom is wounded.", ["TOM", "ANN"])), ROSTER, None)
    assert {(c.asset, tuple(c.add_tags)) for c in one.changes} == {("prop-vase", ("broken",)), ("char-tom", ("injured",))}


def test_manual_changes_are_kept_in_order_and_start_changes_come_first():
    manual = [StateChange(shot_id=None, asset="char-ann", add_tags=["torn"], source="manual", author="kim"),
              StateChange(shot_id="SC010_SH0020", asset="char-ann", remove_tags=["torn"], source="manual", author="kim"),
              StateChange(shot_id="SC010_SH0099", asset="char-ann", add_tags=["wet"], source="manual", author="kim")]
    shots = _scene(1, ("Ann runs.", ["ANN"]), ("Ann stops.", ["ANN"]))
    one = compute(1, shots, ROSTER, None, manual=manual)
    assert [c.shot_id for c in one.changes] == [None, "SC010_SH0020"]  # a vanished shot's change is dropped
    assert one.tags_at("char-ann", "SC010_SH0010", shots.ids) == ["torn"] and one.end_tags("char-ann") == []


def test_a_contradicted_state_is_flagged_and_an_override_is_kept():
    one = compute(1, _scene(1, ("Tom falls in the mud.", ["TOM"])), ROSTER, None)
    two = compute(2, _scene(2, ("Tom arrives in a spotless coat.", ["TOM"])), ROSTER, one)
    assert [(f.kind, f.asset, f.tag, f.shot_id) for f in two.flags] == [("contradicted", "char-tom", "muddy", "SC020_SH0010")]
    assert two.flags[0].open
    override = FlagOverride(author="kim", reason="he changed off-screen, see scene 2 note", at="2026-11-25T10:00:00")
    again = compute(2, _scene(2, ("Tom arrives in a spotless coat.", ["TOM"])), ROSTER, one,
                    overrides={two.flags[0].id: override})
    assert again.flags[0].id == two.flags[0].id and again.flags[0].override == override and not again.flags[0].open
    cleaned = compute(2, _scene(2, ("Tom washes. Tom arrives in a spotless coat.", ["TOM"])), ROSTER, one)
    assert cleaned.flags == []  # removed on screen first: no contradiction
