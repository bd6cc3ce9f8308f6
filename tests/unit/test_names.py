"""One character-name normaliser and one INT/EXT rule for the whole library.

Each row is a case where the scene list, the name matcher, the mention finder, the Fountain
parser, the PDF importer or the sound stage used to disagree; every one of them must now give
the same answer.
"""
from __future__ import annotations

import pytest

from aiuteur.continuity.matching import best_match, normalise_name
from aiuteur.continuity.mentions import _key as mention_key
from aiuteur.ingest.pdf import _is_heading as pdf_is_heading
from aiuteur.screenplay import ElementType, extract_scenes, parse, parse_heading
from aiuteur.screenplay.headings import is_heading_prefix, split_int_ext
from aiuteur.screenplay.names import character_name, name_key
from aiuteur.screenplay.scenes import normalize_character
from aiuteur.stages.sound import _place

NAMES = [
    # (as written, the name the scene list shows, the key names are compared by)
    ("Mrs.  Pell (V.O.)", "MRS. PELL", "MRS PELL"),
    ("MRS PELL", "MRS PELL", "MRS PELL"),
    ("MOM (ON PHONE)", "MOM", "MOM"),           # any parenthetical, not only V.O./O.S./CONT'D
    ("@McCLANE", "MCCLANE", "MCCLANE"),          # forced character mark
    ("JANE ^", "JANE", "JANE"),                  # dual dialogue mark
    ("JANE (V.O.) ^", "JANE", "JANE"),
    ("O’Brien (cont’d)", "O’BRIEN", "O'BRIEN"),  # a curly apostrophe, inside and in the extension
    ("ERIK (CONT'D", "ERIK", "ERIK"),            # an extension left open
    ("Dr. J.B. Fox", "DR. J.B. FOX", "DR J B FOX"),
]


@pytest.mark.parametrize("written, shown, key", NAMES)
def test_every_name_normaliser_agrees(written, shown, key):
    assert character_name(written) == normalize_character(written) == shown
    assert name_key(written) == normalise_name(written) == mention_key(written) == key
    assert name_key(shown) == key  # the key of what the scene list shows is the same key


@pytest.mark.parametrize("written", ["MOM (ON PHONE)", "@MOM", "MOM ^", "Mom (cont’d)"])
def test_a_cue_with_any_mark_matches_its_asset(written):
    match = best_match(written, [("MOM", "character-mom"), ("MORT", "character-mort")])
    assert match is not None and match.slug == "character-mom" and match.score == 1.0


def test_the_scene_list_names_a_speaker_as_the_matcher_keys_it():
    script = parse("INT. KITCHEN - DAY\n\nMOM (ON PHONE)\nWhere are you?\n\n@McCLANE\nHere.\n")
    [scene] = extract_scenes(script)
    assert scene.characters == ["MOM", "MCCLANE"]
    assert [name_key(c) for c in scene.characters] == [name_key("MOM (ON PHONE)"), name_key("@McCLANE")]


HEADINGS = [
    # (heading, INT/EXT, location, the place the sound stage reads)
    ("EXT/INT. CAR - DAY", "INT/EXT", "CAR", "CAR"),    # the Fountain parser used to read it as action
    ("EXT./INT. CAR - DAY", "INT/EXT", "CAR", "CAR"),
    ("E/I. CAR - NIGHT", "INT/EXT", "CAR", "CAR"),      # parser and PDF importer refused it
    ("I/E HOUSE - DAY", "INT/EXT", "HOUSE", "HOUSE"),
    ("int./ext. porch - dusk", "INT/EXT", "porch", "PORCH"),
    ("INT. / EXT. PORCH - DUSK", "INT/EXT", "PORCH", "PORCH"),
    ("EST. HARBOUR TOWN - DAWN", "EST", "HARBOUR TOWN", "HARBOUR TOWN"),  # the sound stage kept "EST."
    ("INT. LIGHTHOUSE - NIGHT", "INT", "LIGHTHOUSE", "LIGHTHOUSE"),
    ("ext lighthouse gallery - continuous", "EXT", "lighthouse gallery", "LIGHTHOUSE GALLERY"),
]


@pytest.mark.parametrize("heading, int_ext, location, place", HEADINGS)
def test_every_heading_reader_agrees(heading, int_ext, location, place):
    assert is_heading_prefix(heading) and pdf_is_heading(heading)
    assert split_int_ext(heading)[0] == int_ext
    elements = parse(f"{heading}\n\nThe wind rises.\n").elements
    assert elements[0].type is ElementType.SCENE_HEADING, f"the parser reads {heading!r} as {elements[0].type}"
    [scene] = extract_scenes(parse(f"{heading}\n\nThe wind rises.\n"))
    assert (scene.int_ext, scene.location) == (int_ext, location)
    assert parse_heading(heading)[:2] == (int_ext, location)
    assert _place(heading) == place


@pytest.mark.parametrize("line", ["INTERIOR DESIGN IS HARD.", "ESTATE SALE TODAY.", "EXTRA! EXTRA!", "I/EXIT NOW"])
def test_words_that_start_like_a_prefix_are_not_headings(line):
    assert not is_heading_prefix(line) and not pdf_is_heading(line)
    assert split_int_ext(line) == (None, line)
    assert parse(f"{line}\n").elements[0].type is not ElementType.SCENE_HEADING
