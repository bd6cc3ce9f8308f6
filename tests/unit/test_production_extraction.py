"""Stage 5's parser pass on real screenplays: every cue and every heading, exactly; people introduced
in action; locations normalised; props that matter."""
from __future__ import annotations

from pathlib import Path

import pytest

from aiuteur.continuity.extraction import extract, location_name, scene_texts, slug
from aiuteur.continuity.mentions import Mentions
from aiuteur.models.assets import Asset
from aiuteur.stages.script import from_fountain
from tests.unit.test_screenplay_scenes import KESTREL_CHARACTERS, KESTREL_LOCATIONS, KESTREL_SCENES

DATA = Path(__file__).resolve().parents[2] / "data" / "screenplays"


@pytest.fixture(scope="module")
def kestrel():
    return extract(from_fountain((DATA / "kestrel_two.fountain").read_text(encoding="utf-8")))


def test_every_cue_is_a_character_exactly_in_order_of_first_appearance(kestrel):
    from_cues = [a.name for a in kestrel.characters if "cue" in a.found_in]
    assert from_cues == KESTREL_CHARACTERS


def test_people_introduced_in_action_in_caps(kestrel):
    action_only = [a.name for a in kestrel.characters if a.found_in == ["action"]]
    assert action_only == ["ERIK"]  # "her father, ERIK, ..." then "Erik's logbooks": never speaks
    erik = next(a for a in kestrel.characters if a.name == "ERIK")
    assert erik.scenes == [2] and "ERIK" in kestrel.introductions[erik.name]


def test_caps_introductions_become_aliases_of_their_speaker(kestrel):
    aliases = {a.name: a.aliases for a in kestrel.characters}
    assert aliases["MARA"] == ["MARA HALVORSEN"]
    assert aliases["JUNE"] == ["JUNE HALVORSEN"]
    assert aliases["OSKAR"] == ["OSKAR LUND"]
    assert aliases["ANSEL"] == ["ANSEL BRECK"]
    assert kestrel.introductions["DEPUTY RUIZ"].startswith("MRS. PELL (70s)")  # "MRS." does not end a sentence


def test_sounds_signs_and_names_of_things_are_not_people(kestrel):
    names = {n for a in kestrel.characters for n in a.names}
    for not_a_person in ("STATIC", "THUNK", "JANGLES", "VOICE", "KESTREL TWO", "HALVORSEN RADIO", "STILL OPEN",
                         "PERPETUA", "THE SHOP", "SIGNAL LOG"):
        assert not_a_person not in names


def test_character_scenes_are_speakers_and_people_the_action_names(kestrel):
    by_name = {a.name: a for a in kestrel.characters}
    for number, (_, _, _, _, speakers) in enumerate(KESTREL_SCENES, start=1):
        for name in speakers:
            assert number in by_name[name].scenes, (name, number)
    assert 3 in by_name["THEO"].scenes  # "Theo pretends to do homework": silent but there
    assert 4 not in by_name["JUNE"].scenes  # only "June's folder" is there


def test_every_heading_is_a_location_normalised(kestrel):
    assert [a.name for a in kestrel.locations] == KESTREL_LOCATIONS
    kitchen = next(a for a in kestrel.locations if a.name == "MARA'S KITCHEN")
    assert kitchen.scenes == [3, 5, 14, 22]  # NIGHT, LATER, CONTINUOUS, NIGHT: one place
    back_room = next(a for a in kestrel.locations if a.name == "HALVORSEN RADIO - BACK ROOM")
    assert back_room.parent == slug("location", "HALVORSEN RADIO")
    assert sum(len(a.scenes) for a in kestrel.locations) == len(KESTREL_SCENES)


@pytest.mark.parametrize(("raw", "name"), [
    ("BRICK'S PATIO", "BRICK'S PATIO"), ("BRICK'S PATIO - LATER", "BRICK'S PATIO"), ("brick's  patio", "BRICK'S PATIO"),
    ("KITCHEN - MOMENTS LATER", "KITCHEN"), ("KITCHEN - CONTINUOUS", "KITCHEN"), ("CAR - MOVING", "CAR - MOVING"),
])
def test_location_name(raw, name):
    assert location_name(raw) == name


def test_headings_dressed_differently_are_one_location():
    script = from_fountain("EXT. BRICK'S PATIO - DAY\n\nSun.\n\nINT. HOUSE - DAY\n\nIn.\n\n"
                           "EXT. BRICK'S PATIO - LATER\n\nShade.\n\nEXT. BRICK'S PATIO - MOMENTS LATER\n\nDusk.\n")
    found = extract(script)
    assert [(a.name, a.scenes) for a in found.locations] == [("BRICK'S PATIO", [1, 3, 4]), ("HOUSE", [2])]


def test_props_that_matter(kestrel):
    props = {a.name: a.scenes for a in kestrel.props}
    for prop in ("FOLDER", "RECEIVER", "HEADPHONES", "LOGBOOK", "RADIO", "ANTENNA", "MICROPHONE"):
        assert prop in props, prop
    assert props["LOGBOOK"] == [10]  # once, but owned: "Erik's spiral logbooks"
    assert props["FOLDER"][:4] == [3, 4, 5, 6]
    assert 1 not in props["RADIO"]  # the sign "HALVORSEN RADIO - REPAIRS" is not a radio
    assert "KEYS" not in props and "CHARTS" not in props  # plurals fold into one prop


def test_the_short_sample_is_exact_too():
    found = extract(from_fountain((DATA / "night_shift_at_the_planetarium.fountain").read_text(encoding="utf-8")))
    assert [a.name for a in found.characters if "cue" in a.found_in] == ["ROSA", "NICO", "DR. MCALLISTER", "MOTHER"]
    assert [a.name for a in found.locations] == ["HILLTOP PLANETARIUM", "PLANETARIUM - DOME", "ROSA'S FLASHLIGHT POV",
                                                 "PLANETARIUM - CONTROL BOOTH"]


def test_scene_texts_split_action_from_dialogue():
    texts = scene_texts(from_fountain("INT. ROOM - DAY\n\nAnna *waits*.\n\nANNA\nHello.\n\nINT. HALL - NIGHT\n\nBen runs.\n"))
    assert [(t.number, t.action, t.dialogue) for t in texts] == [(1, ["Anna waits."], ["Hello."]), (2, ["Ben runs."], [])]


def test_mentions_need_a_capital_for_names_and_fold_plurals_for_props():
    june = Asset(slug="char-june", name="JUNE", kind="character", description="")
    ruiz = Asset(slug="char-deputy-ruiz", name="DEPUTY RUIZ", kind="character", description="")
    log = Asset(slug="prop-logbook", name="LOGBOOK", kind="prop", description="")
    finder = Mentions([june, ruiz, log])
    assert finder.find("June slides the logbooks over to Ruiz.") == ["char-june", "char-deputy-ruiz", "prop-logbook"]
    assert finder.find("It rained in june.") == []
    assert Mentions([june], possessive=False).find("June's folder") == []
