"""Stage 4's Fountain coverage against the issue's list, one spec example per element, and the
round trip parse(format(x)) == x on every screenplay sample under data/ (any extension the stage
reads: .fountain, and .fdx converted to Fountain)."""
from __future__ import annotations

from pathlib import Path

import pytest

from aiuteur.ingest import StagedFile, read_source
from aiuteur.screenplay import ElementType as T, extract_scenes, format_fountain, parse

DATA = Path(__file__).resolve().parents[2] / "data"
SAMPLES = sorted(p for p in DATA.rglob("*") if p.suffix in (".fountain", ".fdx"))

# The spec's own examples (fountain.io/syntax), one per element the issue names.
SPEC = """Title: BRICK & STEEL
Credit: Written by
Author: Stu Maschwitz

# ACT I

= Brick and Steel meet.

EXT. BRICK'S PATIO - DAY

A gorgeous day. The sun is shining.

INT./EXT. BRICK'S CAR - MOVING

.SNIPER SCOPE POV

STEEL (V.O.)
I need you.

MOM (O.S.)
Luke! Come down for supper!

BRICK (CONT'D)
(quietly)
Me too.

BRICK
Screw retirement.

STEEL ^
Screw retirement.

CUT TO:

>Burn to White.

> THE END <

[[This is a note.]]

/* This is boneyard.

INT. GONE - DAY
*/
"""


@pytest.fixture(scope="module")
def spec():
    return parse(SPEC)


def test_every_element_the_issue_names(spec):
    els = spec.elements
    kinds = [(e.type, e.text) for e in els]
    assert (T.SCENE_HEADING, "EXT. BRICK'S PATIO - DAY") in kinds
    assert (T.SCENE_HEADING, "INT./EXT. BRICK'S CAR - MOVING") in kinds
    assert any(e.type is T.SCENE_HEADING and e.forced and e.text == "SNIPER SCOPE POV" for e in els)
    assert (T.ACTION, "A gorgeous day. The sun is shining.") in kinds
    assert {"STEEL (V.O.)", "MOM (O.S.)", "BRICK (CONT'D)"} <= {e.text for e in els if e.type is T.CHARACTER}
    assert (T.PARENTHETICAL, "(quietly)") in kinds and (T.DIALOGUE, "Me too.") in kinds
    assert [e.text for e in els if e.type is T.CHARACTER and e.dual] == ["STEEL"]
    assert (T.TRANSITION, "CUT TO:") in kinds
    assert any(e.type is T.TRANSITION and e.forced and e.text == "Burn to White." for e in els)
    assert (T.CENTERED, "THE END") in kinds
    assert any(e.type is T.SECTION and e.depth == 1 and e.text == "ACT I" for e in els)
    assert (T.SYNOPSIS, "Brick and Steel meet.") in kinds
    assert not any("note" in e.text or "GONE" in e.text for e in els)  # notes and boneyard ignored
    assert spec.title_page == {"Title": "BRICK & STEEL", "Credit": "Written by", "Author": "Stu Maschwitz"}


def test_scenes_from_the_spec_example(spec):
    scenes = extract_scenes(spec)
    assert [(s.int_ext, s.location, s.time_of_day) for s in scenes] == [
        ("EXT", "BRICK'S PATIO", "DAY"), ("INT/EXT", "BRICK'S CAR - MOVING", None), (None, "SNIPER SCOPE POV", None)]
    assert scenes[2].characters == ["STEEL", "MOM", "BRICK"] and all(s.eighths >= 1 for s in scenes)


def test_spec_example_round_trips(spec):
    assert parse(format_fountain(spec)) == spec


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: str(p.relative_to(DATA)))
def test_every_sample_in_data_round_trips(path):
    text = read_source(StagedFile(path.name, path.read_bytes())).text  # .fdx samples arrive as Fountain
    sp = parse(text)
    assert sp.elements and parse(format_fountain(sp)) == sp


def test_there_are_samples():
    assert len(SAMPLES) >= 2
