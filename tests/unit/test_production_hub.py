"""Stage 6: fuzzy dependency matching at its threshold, unmatched names, and the risk analyzer."""
from __future__ import annotations

import pytest
from rapidfuzz.distance import Levenshtein

from aiuteur.continuity.matching import MATCH_THRESHOLD, best_match, normalise_name, similarity
from aiuteur.continuity.risks import analyse_script
from aiuteur.models.assets import Asset, AssetSet
from aiuteur.models.shots import Shot, ShotList
from aiuteur.stages import hub
from aiuteur.stages.script import from_fountain

BASE = "ABCDEFGHIJKLMNOPQRST"  # 20 letters


def test_threshold_is_085():
    assert MATCH_THRESHOLD == 0.85


def test_exactly_085_is_matched():
    name = "ABCDEFGHIJKLMNOPQXYZ"  # 3 substitutions in 20: 1 - 3/20 = 0.85
    assert Levenshtein.normalized_similarity(BASE, name) == pytest.approx(0.85)
    found = best_match(name, [(BASE, "char-base")])
    assert found is not None and found.slug == "char-base" and found.score == pytest.approx(0.85)
    assert hub.match(name, {BASE: "char-base"}) == "char-base"


def test_just_below_085_is_unmatched():
    base, name = BASE[:19], "ABCDEFGHIJKLMNOPXYZ"  # 3 substitutions in 19: 0.842
    assert similarity(base, name) < 0.85
    assert best_match(name, [(base, "char-base")]) is None
    assert hub.match(name, {base: "char-base"}) is None


def test_names_are_normalised_before_comparing():
    assert normalise_name("Mrs.  Pell (V.O.)") == "MRS PELL"
    assert similarity("MRS PELL", "MRS. PELL") == 1.0
    assert best_match("HALVORSON", [("HALVORSEN", "x")]) is not None  # one typo in nine letters: 0.89
    assert best_match("JUNO", [("JUNE", "x")]) is None  # 0.75: different people


def test_best_match_prefers_the_highest_score_and_ties_go_to_the_first():
    found = best_match("MARA", [("MARAH", "a"), ("MARA", "b"), ("MARA", "c")])
    assert found is not None and found.slug == "b" and found.score == 1.0


def _asset(kind, name, scenes=(), aliases=()):
    return Asset(slug=f"{kind}-{name.lower().replace(' ', '-')}", name=name, kind=kind, description="",
                 scenes=list(scenes), aliases=list(aliases))


SCRIPT = from_fountain(
    "INT. MARA'S KITCHEN - NIGHT\n\nMara stirs the stew. Theo watches.\n\nMARA\nEat.\n\n"
    "INT. MARA'S KITCHEN - LATER\n\nJUNE\nShe's late.\n\nMAARA\nI'm here.\n\nOSKAR LUNDT\nEvening.\n\n"
    "EXT. BRAKEWATER - DUSK\n\nWaves.\n")


def test_dependencies_match_names_and_list_the_rest():
    roster = AssetSet(assets=[_asset("character", "MARA", [1, 2]), _asset("character", "THEO", [1]),
                              _asset("character", "OSKAR", [2], aliases=["OSKAR LUND"]),
                              _asset("location", "MARA'S KITCHEN", [1, 2]), _asset("location", "BREAKWATER", [3]),
                              _asset("prop", "STEW", [1])])
    deps = hub.dependencies(SCRIPT, roster)
    first, second, third = deps
    assert first.characters == ["character-mara", "character-theo"]  # Theo is named in the action
    assert first.location == "location-mara's-kitchen" and first.props == ["prop-stew"] and first.unmatched == []
    assert second.unmatched == ["JUNE", "MAARA"]  # no asset; and a typo in a short name (0.8) is not guessed
    assert second.characters == ["character-oskar"]  # "OSKAR LUNDT" ~ alias "OSKAR LUND": 0.91
    oskar = next(m for m in second.matches if m.name == "OSKAR LUNDT")
    assert oskar.matched_name == "OSKAR LUND" and oskar.score == pytest.approx(10 / 11, abs=1e-4)
    assert third.location is None and third.unmatched == ["BRAKEWATER"]  # 0.8: below the threshold
    assert hub.analyse(SCRIPT, roster).unmatched == ["JUNE", "MAARA", "BRAKEWATER"]


def test_offscreen_state_change_is_a_risk():
    script = from_fountain("INT. HALL - DAY\n\nMara waits, dry and warm.\n\nEXT. YARD - DAY\n\nRain.\n\n"
                           "INT. HALL - DAY\n\nMara comes back in, soaked to the skin.\n\n"
                           "INT. ROOM - DAY\n\nMara towels off. Her clothes are dry clothes now.\n")
    roster = AssetSet(assets=[_asset("character", "MARA", [1, 3, 4])])
    risks = analyse_script(script, roster)
    assert [(r.kind, r.scene, r.subject) for r in risks] == [("offscreen_state_change", 3, "MARA")]
    assert "wet" in risks[0].message and "scene 1" in risks[0].message


def test_a_contradicted_state_on_entry_is_a_risk():
    script = from_fountain("EXT. FIELD - DAY\n\nTom falls in the mud. Tom is muddy from head to toe.\n\n"
                           "INT. BAR - DAY\n\nTom walks in in a spotless coat.\n")
    risks = analyse_script(script, AssetSet(assets=[_asset("character", "TOM", [1, 2])]))
    assert [(r.kind, r.scene) for r in risks] == [("offscreen_state_change", 2)]
    assert "muddy" in risks[0].message


def test_prop_before_its_introduction_in_action_or_shots():
    script = from_fountain("INT. ROOM - DAY\n\nAnna hides the revolver in a drawer.\n\n"
                           "INT. ROOM - NIGHT\n\nA REVOLVER lies on the table.\n\nINT. HALL - NIGHT\n\nQuiet.\n")
    roster = AssetSet(assets=[_asset("character", "ANNA", [1]), _asset("prop", "REVOLVER", [1, 2])])
    risks = analyse_script(script, roster)
    assert [(r.kind, r.scene, r.subject) for r in risks] == [("prop_before_introduction", 1, "REVOLVER")]
    shot = Shot(shot_id="SC010_SH0010", scene=1, duration=2, shot_type="insert", props=["REVOLVER"])
    late = from_fountain("INT. ROOM - DAY\n\nAnna waits.\n\nINT. ROOM - NIGHT\n\nA revolver on the table.\n")
    risks = analyse_script(late, roster, {1: ShotList(scene=1, heading="INT. ROOM - DAY", shots=[shot])})
    assert [(r.kind, r.scene) for r in risks] == [("prop_before_introduction", 1)]
    assert "SC010_SH0010" in risks[0].message


def test_time_jump_inside_continuous_action():
    script = from_fountain("EXT. YARD - NIGHT\n\nMoonlight on the grass.\n\n"
                           "INT. KITCHEN - CONTINUOUS\n\nSunlight floods the kitchen.\n\n"
                           "INT. KITCHEN - MOMENTS LATER\n\nStreetlights outside.\n\n"
                           "EXT. ROAD - DAY\n\nBroad daylight.\n")
    risks = analyse_script(script, AssetSet(assets=[]))
    assert [(r.kind, r.scene) for r in risks] == [("time_jump_in_continuous_action", 2)]
    assert "scene 1 (night)" in risks[0].message and "sunlight" in risks[0].message.lower()


def test_no_risks_on_a_calm_script():
    script = from_fountain("INT. ROOM - DAY\n\nAnna reads.\n\nINT. ROOM - CONTINUOUS\n\nAnna reads on.\n")
    assert analyse_script(script, AssetSet(assets=[_asset("character", "ANNA", [1, 2])])) == []
