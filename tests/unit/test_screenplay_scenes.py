"""Scene extraction: heading parts, speaking characters, length estimate, ground truth."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiuteur.screenplay import Element, ElementType, FountainError, Screenplay, extract_scenes, parse, parse_heading
from aiuteur.screenplay.scenes import eighths_for_lines, normalize_character

DATA = Path(__file__).resolve().parents[2] / "data" / "screenplays"
T = ElementType


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("INT. BRICK'S PATIO - DAY", ("INT", "BRICK'S PATIO", "DAY")),
        ("EXT. BRICK'S PATIO - DAY", ("EXT", "BRICK'S PATIO", "DAY")),
        ("EXT. ROAD - LATER", ("EXT", "ROAD", "LATER")),
        ("INT. HOUSE", ("INT", "HOUSE", None)),
        ("INT./EXT. CAR - MOVING - NIGHT", ("INT/EXT", "CAR - MOVING", "NIGHT")),
        ("INT/EXT RICHARD'S CAR - DAY", ("INT/EXT", "RICHARD'S CAR", "DAY")),
        ("I/E CAR - MOMENTS LATER", ("INT/EXT", "CAR", "MOMENTS LATER")),
        ("EST. SOUTH PASADENA - DAY", ("EST", "SOUTH PASADENA", "DAY")),
        ("int. kitchen - night", ("INT", "kitchen", "NIGHT")),
        ("INT. MARA'S KITCHEN - CONTINUOUS", ("INT", "MARA'S KITCHEN", "CONTINUOUS")),
        ("INT. HOSPITAL - HALLWAY - EARLY MORNING", ("INT", "HOSPITAL - HALLWAY", "EARLY MORNING")),
        ("INT. HOUSE - NIGHT (FLASHBACK)", ("INT", "HOUSE", "NIGHT (FLASHBACK)")),
        ("EXT. ROAD - RAIN", ("EXT", "ROAD - RAIN", None)),
        ("EXT. DAY-GLO DINER - DAY", ("EXT", "DAY-GLO DINER", "DAY")),
        ("INT. HOUSE - DAY #1A#", ("INT", "HOUSE", "DAY")),
        (".SNIPER SCOPE POV", (None, "SNIPER SCOPE POV", None)),
        ("SNIPER SCOPE POV", (None, "SNIPER SCOPE POV", None)),
        (".FLASHBACK - TWENTY YEARS EARLIER", (None, "FLASHBACK", "TWENTY YEARS EARLIER")),
        (".INT. FORCED BUT PREFIXED - DAY", ("INT", "FORCED BUT PREFIXED", "DAY")),
    ],
)
def test_parse_heading(heading, expected):
    assert parse_heading(heading) == expected


def test_parse_heading_rejects_non_str():
    with pytest.raises(FountainError):
        parse_heading(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cue", "name"),
    [("MOM (V.O.)", "MOM"), ("BRICK (CONT'D)", "BRICK"), ("McCLANE", "MCCLANE"), ("HANS (on the radio)", "HANS"), ("DR.  WHO", "DR. WHO")],
)
def test_normalize_character(cue, name):
    assert normalize_character(cue) == name


def test_extract_scenes_basic_fields():
    sp = parse(
        "FADE IN:\n\n"
        "EXT. BRICK'S PATIO - DAY #1#\n\nA gorgeous day.\n\n"
        "STEEL\nBeer's ready!\n\nBRICK (V.O.)\nAre they cold?\n\nSTEEL (CONT'D)\nDoes a bear crap in the woods?\n\n"
        ".SNIPER SCOPE POV\n\n@McCLANE\nYippie ki-yay!\n\nBRICK ^\nYeah.\n"
    )
    first, second = extract_scenes(sp)
    assert (first.number, first.scene_number, first.heading) == (1, "1", "EXT. BRICK'S PATIO - DAY")
    assert (first.int_ext, first.location, first.time_of_day) == ("EXT", "BRICK'S PATIO", "DAY")
    assert first.characters == ["STEEL", "BRICK"]
    assert first.text.startswith("EXT. BRICK'S PATIO - DAY #1#\n\nA gorgeous day.\n")
    assert "FADE IN:" not in first.text  # before the first heading: no scene
    assert (second.number, second.int_ext, second.location) == (2, None, "SNIPER SCOPE POV")
    assert second.characters == ["MCCLANE", "BRICK"]
    assert parse(second.text).elements == sp.elements[-5:]


def test_scene_text_round_trips_to_its_elements():
    sp = parse((DATA / "kestrel_two.fountain").read_text(encoding="utf-8"))
    rebuilt = [e for scene in extract_scenes(sp) for e in parse(scene.text).elements]
    first_heading = next(i for i, e in enumerate(sp.elements) if e.type is T.SCENE_HEADING)
    assert rebuilt == sp.elements[first_heading:]


def test_no_headings_no_scenes():
    assert extract_scenes(parse("Just action.\n\nBOB\nHi.\n")) == []


def test_extract_scenes_rejects_wrong_type():
    with pytest.raises(FountainError):
        extract_scenes("INT. HOUSE - DAY")  # type: ignore[arg-type]


def test_eighths_rounding():
    assert [eighths_for_lines(n) for n in (0, 1, 3, 4, 7, 55, 110)] == [1, 1, 1, 1, 1, 8, 16]
    assert eighths_for_lines(10) == 1  # 10 * 8 / 55 = 1.45
    assert eighths_for_lines(11) == 2  # 1.6


def test_eighths_monotonic_in_scene_length():
    heading = Element(type=T.SCENE_HEADING, text="INT. ROOM - DAY")
    line = Element(type=T.ACTION, text="He waits. " * 12)
    values = [extract_scenes(Screenplay(elements=[heading] + [line] * n))[0].eighths for n in range(0, 60, 3)]
    assert values == sorted(values)
    assert values[0] == 1
    assert values[-1] > 8 * 2  # 57 three-line paragraphs: more than two pages


def test_one_page_of_action_is_about_eight_eighths():
    heading = Element(type=T.SCENE_HEADING, text="INT. ROOM - DAY")
    # 27 one-line paragraphs: heading + 27 * (blank + line) = 55 lines = one page
    scene = extract_scenes(Screenplay(elements=[heading] + [Element(type=T.ACTION, text="Tick.")] * 27))[0]
    assert scene.eighths == 8


# --------------------------------------------------------------------------- ground truth for the long sample

KESTREL_SCENES = [
    ("EXT. KESTREL COVE HARBOR - DAWN", "EXT", "KESTREL COVE HARBOR", "DAWN", []),
    ("INT. HALVORSEN RADIO - DAY", "INT", "HALVORSEN RADIO", "DAY", ["THEO", "MARA"]),
    ("INT. MARA'S KITCHEN - NIGHT", "INT", "MARA'S KITCHEN", "NIGHT", ["JUNE", "MARA"]),
    ("INT. HALVORSEN RADIO - BACK ROOM - NIGHT", "INT", "HALVORSEN RADIO - BACK ROOM", "NIGHT", ["ANSEL", "MARA"]),
    ("INT. MARA'S KITCHEN - LATER", "INT", "MARA'S KITCHEN", "LATER", ["MARA", "THEO"]),
    ("EXT. HARBOR OFFICE - DAY", "EXT", "HARBOR OFFICE", "DAY", ["OSKAR", "MARA"]),
    ("INT. PELL'S DINER - DAY", "INT", "PELL'S DINER", "DAY", ["MRS. PELL", "MARA", "DEPUTY RUIZ"]),
    ("INT./EXT. JUNE'S CAR - DAY", "INT/EXT", "JUNE'S CAR", "DAY", ["JUNE", "MARA"]),
    ("INT. HALVORSEN RADIO - BACK ROOM - NIGHT", "INT", "HALVORSEN RADIO - BACK ROOM", "NIGHT", ["ANSEL", "THEO", "MARA"]),
    ("INT. THEO'S BEDROOM - NIGHT", "INT", "THEO'S BEDROOM", "NIGHT", ["THEO", "MARA"]),
    ("INT. HALVORSEN RADIO - DAY", "INT", "HALVORSEN RADIO", "DAY", ["MARA", "JUNE"]),
    ("EXT. BREAKWATER - DUSK", "EXT", "BREAKWATER", "DUSK", ["JUNE", "MARA", "THEO"]),
    ("INT. HALVORSEN RADIO - BACK ROOM - NIGHT", "INT", "HALVORSEN RADIO - BACK ROOM", "NIGHT", ["THEO", "JUNE", "ANSEL", "MARA"]),
    ("INT. MARA'S KITCHEN - CONTINUOUS", "INT", "MARA'S KITCHEN", "CONTINUOUS", ["THEO", "JUNE", "MARA"]),
    ("EXT. HARBOR OFFICE - NIGHT", "EXT", "HARBOR OFFICE", "NIGHT", ["OSKAR", "MARA"]),
    ("INT. PELL'S DINER - NIGHT", "INT", "PELL'S DINER", "NIGHT", ["MARA", "DEPUTY RUIZ", "MRS. PELL"]),
    ("EXT. OSKAR'S BOAT - NIGHT", "EXT", "OSKAR'S BOAT", "NIGHT", ["OSKAR", "MARA"]),
    ("INT. HALVORSEN RADIO - BACK ROOM - NIGHT", "INT", "HALVORSEN RADIO - BACK ROOM", "NIGHT", ["THEO", "JUNE", "ANSEL"]),
    ("EXT. OSKAR'S BOAT - DAWN", "EXT", "OSKAR'S BOAT", "DAWN", ["MARA", "OSKAR"]),
    ("INT. PERPETUA - WHEELHOUSE - DAWN", "INT", "PERPETUA - WHEELHOUSE", "DAWN", ["MARA", "ANSEL", "OSKAR"]),
    ("EXT. KESTREL COVE HARBOR - DAY", "EXT", "KESTREL COVE HARBOR", "DAY", ["THEO", "DEPUTY RUIZ"]),
    ("INT. MARA'S KITCHEN - NIGHT", "INT", "MARA'S KITCHEN", "NIGHT", ["JUNE", "MARA", "THEO", "OSKAR"]),
    ("INT. HALVORSEN RADIO - BACK ROOM - NIGHT", "INT", "HALVORSEN RADIO - BACK ROOM", "NIGHT", ["THEO", "RADIO OPERATOR"]),
]

KESTREL_CHARACTERS = ["THEO", "MARA", "JUNE", "ANSEL", "OSKAR", "MRS. PELL", "DEPUTY RUIZ", "RADIO OPERATOR"]

KESTREL_LOCATIONS = [
    "KESTREL COVE HARBOR",
    "HALVORSEN RADIO",
    "MARA'S KITCHEN",
    "HALVORSEN RADIO - BACK ROOM",
    "HARBOR OFFICE",
    "PELL'S DINER",
    "JUNE'S CAR",
    "THEO'S BEDROOM",
    "BREAKWATER",
    "OSKAR'S BOAT",
    "PERPETUA - WHEELHOUSE",
]


@pytest.fixture(scope="module")
def kestrel():
    return parse((DATA / "kestrel_two.fountain").read_text(encoding="utf-8"))


def test_kestrel_scene_by_scene_ground_truth(kestrel):
    scenes = extract_scenes(kestrel)
    assert len(scenes) == 23
    got = [(s.heading, s.int_ext, s.location, s.time_of_day, s.characters) for s in scenes]
    assert got == KESTREL_SCENES
    assert [s.number for s in scenes] == list(range(1, 24))


def test_kestrel_characters_in_order_of_first_appearance(kestrel):
    seen: list[str] = []
    for scene in extract_scenes(kestrel):
        seen += [c for c in scene.characters if c not in seen]
    assert seen == KESTREL_CHARACTERS


def test_kestrel_distinct_locations(kestrel):
    locations: list[str] = []
    for scene in extract_scenes(kestrel):
        if scene.location not in locations:
            locations.append(scene.location)
    assert locations == KESTREL_LOCATIONS


def test_kestrel_uses_required_features(kestrel):
    cues = [e for e in kestrel.elements if e.type is T.CHARACTER]
    texts = {e.text for e in cues}
    assert {"ANSEL (V.O.)", "MARA (O.S.)", "JUNE (CONT'D)"} <= texts
    assert any(e.dual for e in cues)
    assert len(KESTREL_CHARACTERS) >= 5


def test_kestrel_length_is_eight_to_fifteen_pages(kestrel):
    total_eighths = sum(s.eighths for s in extract_scenes(kestrel))
    assert 8 * 8 <= total_eighths <= 15 * 8 + 4


def test_short_sample_scenes():
    sp = parse((DATA / "night_shift_at_the_planetarium.fountain").read_text(encoding="utf-8"))
    scenes = extract_scenes(sp)
    assert [(s.scene_number, s.location, s.time_of_day) for s in scenes] == [
        ("1", "HILLTOP PLANETARIUM", "NIGHT"),
        ("2", "PLANETARIUM - DOME", "NIGHT"),
        (None, "ROSA'S FLASHLIGHT POV", None),
        ("3", "PLANETARIUM - CONTROL BOOTH", "CONTINUOUS"),
        ("4", "HILLTOP PLANETARIUM", "DAWN"),
    ]
    assert [s.characters for s in scenes] == [[], ["ROSA", "NICO"], ["ROSA", "NICO"], ["DR. MCALLISTER", "NICO", "ROSA"], ["MOTHER", "NICO"]]


def test_short_sample_uses_every_element_type():
    sp = parse((DATA / "night_shift_at_the_planetarium.fountain").read_text(encoding="utf-8"))
    assert {e.type for e in sp.elements} == set(ElementType)
    assert len(sp.title_page) >= 5
    assert any(e.forced for e in sp.elements if e.type is T.SCENE_HEADING)
    assert any(e.forced for e in sp.elements if e.type is T.ACTION)
    assert any(e.forced for e in sp.elements if e.type is T.CHARACTER)
    assert any(e.forced for e in sp.elements if e.type is T.TRANSITION)
    assert any(not e.forced for e in sp.elements if e.type is T.TRANSITION)
    assert any(e.dual for e in sp.elements)
    assert 3 <= len(extract_scenes(sp)) <= 5
