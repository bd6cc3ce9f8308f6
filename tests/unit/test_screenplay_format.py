"""Canonical Fountain output and the round-trip guarantee parse(format(sp)) == sp."""

from __future__ import annotations

import random
from pathlib import Path

import pydantic
import pytest

from aiuteur.screenplay import Element, ElementType, FountainError, Screenplay, format_fountain, parse

T = ElementType
SAMPLES = sorted((Path(__file__).resolve().parents[2] / "data" / "screenplays").glob("*.fountain"))

SNIPPETS = [
    "EXT. BRICK'S PATIO - DAY\n\nA gorgeous day.  The sun is shining.\n",
    "He looks.\n\n.SNIPER SCOPE POV\n\nCrosshairs.\n",
    "!SCANNING THE AISLES...\nWhere is that pit boss?\n",
    "@McCLANE\nYippie ki-yay! I got my lower-case C back!\n",
    "BRICK\nScrew retirement.\n\nSTEEL ^\nScrew retirement.\n",
    "> THE END <\n",
    "CUT TO:\n",
    ">Burn to White.\n",
    "Text[[a note]] here.\n\n[[A note\non two lines]]\n",
    "/* boneyard\n\nINT. GONE - DAY\n*/\nKept.\n",
    "~Willy Wonka! Willy Wonka!\n~Everybody give a cheer!\n",
    "Before.\n\n===\n\nAfter.\n",
    "# ACT 1\n\n## Scene\n\n= synopsis here\n",
    "Title:\n    _**BRICK & STEEL**_\n    _**FULL RETIRED**_\nCredit: Written by\nAuthor: Stu Maschwitz\n"
    "Draft date: 1/20/2012\nContact:\n    Next Level Productions\n    Solvang, CA\n\nFADE IN:\n",
    "DEALER\nTen.\n  \nHit or stand sir?\n\n\tIndented\n\t\taction.\n",
    "INT. HOUSE - DAY #1A#\n\nWONKA\n(singing)\n~Come with me\n~\n~And you'll be\nSpoken.\n",
    "INT. KITCHEN - DAY\nMara enters.\nCUT TO:\nINT. HALL - NIGHT\n",
    "...and then.\n\n..SLOWLY\n\n!\n!!double\n  !indented\n",
]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_samples_round_trip(path):
    sp = parse(path.read_text(encoding="utf-8"))
    assert sp.elements, "sample parsed to nothing"
    assert parse(format_fountain(sp)) == sp


@pytest.mark.parametrize("text", SNIPPETS)
def test_spec_snippets_round_trip(text):
    sp = parse(text)
    assert sp.elements or sp.title_page
    assert parse(format_fountain(sp)) == sp


@pytest.mark.parametrize("text", SNIPPETS + [p.read_text(encoding="utf-8") for p in SAMPLES])
def test_format_is_idempotent(text):
    once = format_fountain(parse(text))
    assert format_fountain(parse(once)) == once


def test_canonical_output_is_exact():
    sp = parse(
        "Title: Brick & Steel\nAuthor:\n  Stu\n  Maschwitz\n"
        "\n\n\next. brick's patio - day #1#\n\n\n"
        "BRICK ^\n(beat)\nHi.\n  \nThere.\n"
        "~la la\n\n\n>THE END<\n"
        "[[gone]]\n\n!CUT TO:\n"
    )
    assert format_fountain(sp) == (
        "Title: Brick & Steel\n"
        "Author:\n    Stu\n    Maschwitz\n"
        "\n"
        "ext. brick's patio - day #1#\n"
        "\n"
        "BRICK ^\n(beat)\nHi.\n  \nThere.\n~la la\n"
        "\n"
        "> THE END <\n"
        "\n"
        "!CUT TO:\n"
    )


def test_empty_screenplay_formats_to_empty_text():
    assert format_fountain(Screenplay()) == ""
    assert parse(format_fountain(Screenplay())) == Screenplay()


def test_format_rejects_wrong_type():
    with pytest.raises(FountainError, match="needs a Screenplay"):
        format_fountain("INT. HOUSE")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("element", "written", "read_back"),
    [
        (Element(type=T.ACTION, text="INT. HOUSE - DAY"), "!INT. HOUSE - DAY", Element(type=T.ACTION, text="INT. HOUSE - DAY", forced=True)),
        (Element(type=T.CHARACTER, text="McCLANE"), "@McCLANE", Element(type=T.CHARACTER, text="McCLANE", forced=True)),
        (Element(type=T.SCENE_HEADING, text="SNIPER POV"), ".SNIPER POV", Element(type=T.SCENE_HEADING, text="SNIPER POV", forced=True)),
        (Element(type=T.TRANSITION, text="Fade out."), ">Fade out.", Element(type=T.TRANSITION, text="Fade out.", forced=True)),
        (Element(type=T.ACTION, text="Plain action."), "Plain action.", Element(type=T.ACTION, text="Plain action.")),
    ],
)
def test_hand_built_elements_get_force_markers_when_needed(element, written, read_back):
    follower = [Element(type=T.DIALOGUE, text="Line.")] if element.type is T.CHARACTER else []
    text = format_fountain(Screenplay(elements=[element, *follower]))
    assert text.splitlines()[0] == written
    assert parse(text).elements[0] == read_back


def test_models_are_frozen_and_serialise_to_json():
    sp = parse("Title: X\n\nINT. HOUSE - DAY #2#\n\nBRICK ^\nHi.\n")
    with pytest.raises(pydantic.ValidationError):
        sp.elements[0].text = "changed"  # type: ignore[misc]
    assert Screenplay.model_validate_json(sp.model_dump_json()) == sp
    assert '"scene_number":"2"' in sp.model_dump_json()


# --------------------------------------------------------------------------- property test

_POOL = [
    "", "", "", "", "  ", "   ", "\t", "INT. HOUSE - DAY", "int. house - day", "EXT. ROAD #2#", ".SNIPER", "..", "...AND",
    ".45 cal", "!", "!!x", "  !y", "!INT. X", "BRICK", "BRICK ^", "BRICK^", "@McCLANE", "@", "@x ^", "MOM (V.O.)",
    "HANS (on radio)", "(beat)", "()", "(", ")", "~la", "~", "~~", "Hello there.", "hello", "CUT TO:", "A: B TO:",
    "> THE END <", "><", ">  <", ">Burn.", ">", "===", "====", "= syn", "=", "==", "# ACT", "##", "### x", "Title: Foo",
    "Credit:", "    indented", "\tTabbed", "Key: v", "[[note]]", "[[", "]]", "/*", "*/", "/* bone */", "x [[n]] y", "INT",
    "EST. 1920 inn", "I/E CAR", "FADE IN:", "INT X: FOO", "TO:", "R2D2", "23", "**bold**", "\\*esc", "INT. A #B",
    "INT. A ##1#", "Draft date: today", "  Contact: x", "\ufeff", "\r",
]


def _random_fountain(rng: random.Random) -> str:
    return "\n".join(rng.choice(_POOL) for _ in range(rng.randint(0, 24))) + rng.choice(["", "\n"])


def test_round_trip_property_on_random_documents():
    rng = random.Random(20261125)
    failures = []
    for _ in range(3000):
        source = _random_fountain(rng)
        sp = parse(source)
        if parse(format_fountain(sp)) != sp:
            failures.append(source)
    assert failures == []
