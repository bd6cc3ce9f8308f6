"""Fountain parser: one test per spec element, built from the spec's own examples."""

from __future__ import annotations

import pytest

from aiuteur.screenplay import Element, ElementType, FountainError, Screenplay, parse

T = ElementType


def kinds(text: str) -> list[tuple[ElementType, str]]:
    return [(e.type, e.text) for e in parse(text).elements]


# --------------------------------------------------------------------------- title page


def test_title_page_keys_inline_and_multiline_values_in_order():
    sp = parse(
        "Title:\n"
        "    _**BRICK & STEEL**_\n"
        "    _**FULL RETIRED**_\n"
        "Credit: Written by\n"
        "Author: Stu Maschwitz\n"
        "Source: Story by KTM\n"
        "Draft date: 1/20/2012\n"
        "Contact:\n"
        "    Next Level Productions\n"
        "    1588 Mission Dr.\n"
        "\tSolvang, CA 93463\n"
        "\n"
        "EXT. BRICK'S PATIO - DAY\n"
    )
    assert list(sp.title_page) == ["Title", "Credit", "Author", "Source", "Draft date", "Contact"]
    assert sp.title_page["Title"] == "_**BRICK & STEEL**_\n_**FULL RETIRED**_"
    assert sp.title_page["Draft date"] == "1/20/2012"
    assert sp.title_page["Contact"] == "Next Level Productions\n1588 Mission Dr.\nSolvang, CA 93463"
    assert sp.elements == [Element(type=T.SCENE_HEADING, text="EXT. BRICK'S PATIO - DAY")]


@pytest.mark.parametrize(
    "first_block",
    ["FADE IN:", "CUT TO:", "INT. HOUSE: NIGHT", "Brick enters.", "Note: he is late.\nHe runs."],
)
def test_first_block_that_is_not_a_title_page_stays_in_the_body(first_block):
    sp = parse(first_block + "\n\nMore action.\n")
    assert sp.title_page == {}
    assert sp.elements[-1] == Element(type=T.ACTION, text="More action.")


def test_repeated_title_key_appends():
    sp = parse("Title: X\nAuthor: Ann\nAuthor: Bob\n")
    assert sp.title_page == {"Title": "X", "Author": "Ann\nBob"}


# --------------------------------------------------------------------------- scene headings


@pytest.mark.parametrize(
    "line",
    [
        "EXT. BRICK'S PATIO - DAY",
        "INT. HOUSE - DAY",
        "int. house - day",
        "EST. SOUTH PASADENA - DAY",
        "INT./EXT. RICHARD'S CAR - DAY",
        "INT/EXT RICHARD'S CAR - DAY",
        "I/E CAR - NIGHT",
        "ext brick's pool - day",
    ],
)
def test_scene_heading_prefixes_case_insensitive(line):
    assert parse(f"Before.\n\n{line}\n\nAfter.\n").elements[1] == Element(type=T.SCENE_HEADING, text=line)


def test_forced_scene_heading_single_period():
    sp = parse("He looks through the scope.\n\n.SNIPER SCOPE POV\n\nThe crosshairs settle.\n")
    assert sp.elements[1] == Element(type=T.SCENE_HEADING, text="SNIPER SCOPE POV", forced=True)


@pytest.mark.parametrize("line", ["...and then he left.", "..SLOWLY"])
def test_double_period_does_not_force_a_heading(line):
    assert kinds(f"{line}\n") == [(T.ACTION, line)]


@pytest.mark.parametrize(
    ("line", "text", "number"),
    [
        ("INT. HOUSE - DAY #1#", "INT. HOUSE - DAY", "1"),
        ("INT. HOUSE - DAY #1A#", "INT. HOUSE - DAY", "1A"),
        ("INT. HOUSE - DAY #1a#", "INT. HOUSE - DAY", "1a"),
        ("INT. HOUSE - DAY #A1#", "INT. HOUSE - DAY", "A1"),
        ("INT. HOUSE - DAY #I-1-A#", "INT. HOUSE - DAY", "I-1-A"),
        ("INT. HOUSE - DAY #1.#", "INT. HOUSE - DAY", "1."),
        ("INT. HOUSE - DAY - FLASHBACK (1944) #110A#", "INT. HOUSE - DAY - FLASHBACK (1944)", "110A"),
        (".SNIPER SCOPE POV #7#", "SNIPER SCOPE POV", "7"),
    ],
)
def test_scene_numbers(line, text, number):
    (heading,) = parse(line + "\n").elements
    assert (heading.type, heading.text, heading.scene_number) == (T.SCENE_HEADING, text, number)


def test_heading_needs_blank_line_after_unless_all_caps():
    # spec: a heading has a blank line after it; lower-case prose stays action
    assert kinds("Est. 1920, the inn\nstill stands.\n") == [(T.ACTION, "Est. 1920, the inn\nstill stands.")]
    # leniency: an all-caps heading directly followed by text is still a heading
    assert kinds("INT. KITCHEN - DAY\nMara enters.\n") == [
        (T.SCENE_HEADING, "INT. KITCHEN - DAY"),
        (T.ACTION, "Mara enters."),
    ]


def test_exclamation_prevents_heading():
    assert parse("!EXT. MORE ACTION\n").elements == [Element(type=T.ACTION, text="EXT. MORE ACTION", forced=True)]


# --------------------------------------------------------------------------- action


def test_action_keeps_line_breaks_indentation_and_tabs():
    text = "They drink long and well from the beers.\n\n\tAnd then there's a long beat.\n    Longer than is funny.\n\tLong enough to be depressing."
    sp = parse(text + "\n")
    assert [e.text for e in sp.elements] == [
        "They drink long and well from the beers.",
        "\tAnd then there's a long beat.\n    Longer than is funny.\n\tLong enough to be depressing.",
    ]
    assert all(e.type is T.ACTION for e in sp.elements)


def test_forced_action_exclamation():
    # without "!" this all-caps line followed by text would be a character cue
    assert parse("!SCANNING THE AISLES...\nWhere is that pit boss?\n").elements == [
        Element(type=T.ACTION, text="SCANNING THE AISLES...\nWhere is that pit boss?", forced=True)
    ]


def test_all_caps_line_with_text_below_is_a_character_per_spec():
    assert kinds("SCANNING THE AISLES...\nWhere is that pit boss?\n") == [
        (T.CHARACTER, "SCANNING THE AISLES..."),
        (T.DIALOGUE, "Where is that pit boss?"),
    ]


def test_two_space_line_keeps_action_together():
    assert kinds("Line one.\n  \nLine three.\n") == [(T.ACTION, "Line one.\n\nLine three.")]


# --------------------------------------------------------------------------- characters and dialogue


def test_character_and_dialogue():
    assert kinds("STEEL\nThe man's a myth!\n") == [(T.CHARACTER, "STEEL"), (T.DIALOGUE, "The man's a myth!")]


@pytest.mark.parametrize("cue", ["MOM (O.S.)", "HANS (on the radio)", "BRICK (V.O.)", "BRICK (CONT'D)", "R2D2"])
def test_character_extensions(cue):
    assert kinds(f"Action.\n\n{cue}\nLuke! Come down for supper!\n")[1] == (T.CHARACTER, cue)


@pytest.mark.parametrize("line", ["23", "McCLANE"])
def test_not_a_character_without_all_caps_name(line):
    assert kinds(f"{line}\nSomething.\n") == [(T.ACTION, f"{line}\nSomething.")]


def test_character_needs_a_line_after_it():
    assert kinds("THE END\n\nHe leaves.\n") == [(T.ACTION, "THE END"), (T.ACTION, "He leaves.")]


def test_forced_character_at_sign_keeps_mixed_case():
    assert parse("@McCLANE\nYippie ki-yay! I got my lower-case C back!\n").elements == [
        Element(type=T.CHARACTER, text="McCLANE", forced=True),
        Element(type=T.DIALOGUE, text="Yippie ki-yay! I got my lower-case C back!"),
    ]


def test_parentheticals():
    assert kinds("STEEL\n(starting the engine)\nSo much for retirement!\n(beat)\nBack to work.\n") == [
        (T.CHARACTER, "STEEL"),
        (T.PARENTHETICAL, "(starting the engine)"),
        (T.DIALOGUE, "So much for retirement!"),
        (T.PARENTHETICAL, "(beat)"),
        (T.DIALOGUE, "Back to work."),
    ]


def test_multiline_dialogue_with_two_space_line():
    text = "DEALER\nTen.\nFour.\nDealer gets a seven.\n  \nHit or stand sir?\n\nMONKEY\nDude, I'm a monkey.\n"
    assert kinds(text) == [
        (T.CHARACTER, "DEALER"),
        (T.DIALOGUE, "Ten.\nFour.\nDealer gets a seven.\n\nHit or stand sir?"),
        (T.CHARACTER, "MONKEY"),
        (T.DIALOGUE, "Dude, I'm a monkey."),
    ]


def test_dual_dialogue_caret_marks_second_cue():
    sp = parse("BRICK\nScrew retirement.\n\nSTEEL ^\nScrew retirement.\n")
    assert sp.elements == [
        Element(type=T.CHARACTER, text="BRICK"),
        Element(type=T.DIALOGUE, text="Screw retirement."),
        Element(type=T.CHARACTER, text="STEEL", dual=True),
        Element(type=T.DIALOGUE, text="Screw retirement."),
    ]


# --------------------------------------------------------------------------- lyrics, transitions, centered


def test_lyrics():
    assert kinds("~Willy Wonka! Willy Wonka! The amazing chocolatier!\n~Willy Wonka! Willy Wonka! Everybody give a cheer!\n") == [
        (T.LYRICS, "Willy Wonka! Willy Wonka! The amazing chocolatier!\nWilly Wonka! Willy Wonka! Everybody give a cheer!")
    ]


def test_lyrics_inside_dialogue_group():
    assert kinds("WONKA\n~Come with me\n~And you'll be\n(beat)\nIn a world.\n") == [
        (T.CHARACTER, "WONKA"),
        (T.LYRICS, "Come with me\nAnd you'll be"),
        (T.PARENTHETICAL, "(beat)"),
        (T.DIALOGUE, "In a world."),
    ]


@pytest.mark.parametrize("line", ["CUT TO:", "SMASH CUT TO:", "DISSOLVE TO:"])
def test_transition_uppercase_ending_in_to(line):
    assert parse(f"Jack begins to argue vociferously in Vietnamese.\n\n{line}\n\nEXT. BRICK'S POOL - DAY\n").elements[1] == Element(
        type=T.TRANSITION, text=line
    )


def test_forced_transition():
    assert parse(">Burn to White.\n").elements == [Element(type=T.TRANSITION, text="Burn to White.", forced=True)]


def test_centered_text():
    assert parse("> THE END <\n").elements == [Element(type=T.CENTERED, text="THE END")]
    assert kinds(">THE END<\n>  FIN  <\n") == [(T.CENTERED, "THE END\nFIN")]


# --------------------------------------------------------------------------- page breaks, sections, synopses


def test_page_break():
    assert kinds("The General Lee flies through the air.\n\n===\n\nINT. GEORGIA STATE PRISON - DAY\n") == [
        (T.ACTION, "The General Lee flies through the air."),
        (T.PAGE_BREAK, ""),
        (T.SCENE_HEADING, "INT. GEORGIA STATE PRISON - DAY"),
    ]


def test_sections_with_depth():
    sp = parse("# ACT 1\n\n## Scene 1\n\n### Brick and Steel get a beer\n")
    assert [(e.type, e.text, e.depth) for e in sp.elements] == [
        (T.SECTION, "ACT 1", 1),
        (T.SECTION, "Scene 1", 2),
        (T.SECTION, "Brick and Steel get a beer", 3),
    ]


def test_synopsis():
    sp = parse("# ACT I\n\n= Set up the characters and the story.\n\nEXT. BRICK'S PATIO - DAY\n\n= This scene sets up Brick & Steel's new life as retirees.\n")
    assert [(e.type, e.text) for e in sp.elements] == [
        (T.SECTION, "ACT I"),
        (T.SYNOPSIS, "Set up the characters and the story."),
        (T.SCENE_HEADING, "EXT. BRICK'S PATIO - DAY"),
        (T.SYNOPSIS, "This scene sets up Brick & Steel's new life as retirees."),
    ]


# --------------------------------------------------------------------------- notes, boneyard, emphasis


def test_inline_note_is_removed():
    assert kinds("His hand is an inch from the receiver when the phone RINGS.[[This section needs work.]]\n") == [
        (T.ACTION, "His hand is an inch from the receiver when the phone RINGS.")
    ]


def test_multiline_note_on_own_lines_disappears_without_splitting_dialogue():
    text = "STEEL\n[[It was supposed to be Vietnamese.\n  \nBut I don't speak it.]]\nDid you get the beer?\n"
    assert kinds(text) == [(T.CHARACTER, "STEEL"), (T.DIALOGUE, "Did you get the beer?")]


def test_note_cannot_span_a_blank_line():
    assert kinds("Text [[open\n\nclose]] end.\n") == [(T.ACTION, "Text [[open"), (T.ACTION, "close]] end.")]


def test_boneyard_is_removed_even_across_blank_lines():
    text = "COGNITO\nEveryone's coming after you mate!\n\n/*\nINT. GARAGE - DAY\n\nBRICK and STEEL get into Mom's PORSCHE.\n*/\n\nEXT. PALATIAL MANSION - DAY\n"
    assert kinds(text) == [
        (T.CHARACTER, "COGNITO"),
        (T.DIALOGUE, "Everyone's coming after you mate!"),
        (T.SCENE_HEADING, "EXT. PALATIAL MANSION - DAY"),
    ]


def test_unclosed_boneyard_is_kept_as_text():
    assert kinds("Keep /* this\n") == [(T.ACTION, "Keep /* this")]


def test_emphasis_markers_stay_in_text():
    assert kinds("Steel enters the code on the keypad: **\\*9765\\***\n\n_Underline_ and *italics*.\n") == [
        (T.ACTION, "Steel enters the code on the keypad: **\\*9765\\***"),
        (T.ACTION, "_Underline_ and *italics*."),
    ]


# --------------------------------------------------------------------------- input hygiene


def test_crlf_and_bom_are_normalised():
    assert parse("\ufeffSTEEL\r\nHi.\r\n") == parse("STEEL\nHi.\n")


@pytest.mark.parametrize("bad", [b"INT. HOUSE - DAY", None, 42, ["INT. HOUSE"]])
def test_non_str_input_raises_actionable_error(bad):
    with pytest.raises(FountainError, match="needs the screenplay as str"):
        parse(bad)  # type: ignore[arg-type]


def test_bytes_error_suggests_decoding():
    with pytest.raises(FountainError, match="decode"):
        parse(b"x")  # type: ignore[arg-type]


def test_nul_byte_raises_with_line_number():
    with pytest.raises(FountainError, match=r"line 2: NUL byte.*UTF-8"):
        parse("INT. HOUSE - DAY\nbad\x00line\n")


def test_fountain_error_is_a_value_error():
    assert issubclass(FountainError, ValueError)


def test_empty_input():
    assert parse("") == Screenplay()
    assert parse("\n\n   \n") == Screenplay()
