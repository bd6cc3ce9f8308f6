"""One way to read a character name and one way to read INT/EXT (issue 14, "house in order").

`aiuteur.screenplay.names` (`character_name`, `name_key`) and `aiuteur.screenplay.headings`
(`is_heading_prefix`, `split_int_ext`) are the only places that know what a cue's marks and
extensions are and what an INT/EXT prefix looks like. A scan of the library's source fails when
another module grows its own copy (the shot planner, the ambience picker and the Fountain parser
each had one); the cases below are where those copies gave a different answer from the shared
rule, so each fails against the old code.
"""
from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

import aiuteur
from aiuteur.engines.offline.shot_planner import plan_shots, voices_only
from aiuteur.screenplay import extract_scenes, format_fountain, headings, parse
from aiuteur.screenplay.names import character_name, name_key
from aiuteur.sound import ambience, treatments

LIBRARY = Path(aiuteur.__file__).parent
#: the two modules allowed to know the rules
HOMES = {"screenplay/names.py", "screenplay/headings.py"}
#: (module, function) allowed to test a prefix itself, and why
ALLOWED = {
    ("render/vocabulary.py", "normalize_int_ext"):
        "maps a render spec field's words ('Interior', 'IE') once split_int_ext has found no heading prefix",
}
#: names a character-name normaliser goes by; outside names.py each may only hand its argument on
_NORMALISER_NAME = re.compile(r"^_?(normali[sz]e_?(name|character|cue|speaker)\w*|cue_name|speaker_name|character_(name|key)|name_key|_key)$")
_SHARED = {"character_name", "name_key"}
#: a regex that spells a heading prefix: INT, EXT, EST or I/E as a word of the pattern
_PREFIX_IN_PATTERN = re.compile(r"(?<![A-Za-z])(INT|EXT|EST)(?![a-z])|I\\?s?\*?\s*/\s*\\?s?\*?E(?![a-z])", re.IGNORECASE)
#: a prefix a `startswith` looks for
_PREFIX_WORD = re.compile(r"^\s*(INT|EXT|EST|I/E|E/I)", re.IGNORECASE)
_RE_FUNCTIONS = {"compile", "match", "search", "fullmatch", "sub", "subn", "findall", "finditer", "split"}
_STRIPS = {"strip", "lstrip", "rstrip", "removeprefix", "removesuffix", "replace"}


def _strings(node: ast.AST) -> list[str]:
    """The string constants `node` is or holds (a tuple of prefixes, say)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [s for item in node.elts for s in _strings(item)]
    return []


def _delegates(function: ast.FunctionDef) -> bool:
    """True when the function only hands its argument to `character_name` or `name_key`."""
    body = [s for s in function.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
            and not isinstance(s, (ast.Import, ast.ImportFrom))]
    return (len(body) == 1 and isinstance(body[0], ast.Return) and isinstance(body[0].value, ast.Call)
            and isinstance(body[0].value.func, ast.Name) and body[0].value.func.id in _SHARED)


def own_rules(source: str, module: str) -> list[str]:
    """Where `source` (the module at `module`, relative to the package) reads a name or a heading
    prefix its own way: a name normaliser that is not the shared one, a strip of the cue marks
    `@`/`^`, a `startswith` of a heading prefix, a regex spelling INT/EXT/EST/I/E."""
    found: list[str] = []
    tree = ast.parse(source)
    parents: dict[ast.AST, ast.AST] = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

    def function_of(node: ast.AST) -> str:
        while node in parents:
            node = parents[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return node.name
        return ""

    for node in ast.walk(tree):
        where = f"{module}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _NORMALISER_NAME.match(node.name):
            if not _delegates(node):  # type: ignore[arg-type]
                found.append(f"{where}: {node.name}() normalises a name itself")
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute) or not node.args:
            continue
        if (module, function_of(node)) in ALLOWED:
            continue
        method, first = node.func.attr, node.args[0]
        if method in _STRIPS and any(c in s for s in _strings(first) for c in "@^"):
            found.append(f"{where}: .{method}({first.value if isinstance(first, ast.Constant) else '...'!r}) strips a cue mark")
        if method == "startswith" and any(_PREFIX_WORD.match(s) for s in _strings(first)):
            found.append(f"{where}: .startswith({_strings(first)}) tests a heading prefix")
        if (method in _RE_FUNCTIONS and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
                and any(_PREFIX_IN_PATTERN.search(s) for s in _strings(first))):
            found.append(f"{where}: re.{method}({_strings(first)[0]!r}) spells a heading prefix")
    return found


def test_no_module_but_names_and_headings_has_its_own_rule():
    found = []
    for path in sorted(LIBRARY.rglob("*.py")):
        module = path.relative_to(LIBRARY).as_posix()
        if module not in HOMES:
            found += own_rules(path.read_text(encoding="utf-8"), module)
    assert not found, "use aiuteur.screenplay.names / aiuteur.screenplay.headings instead:\n" + "\n".join(found)


FORMER_COPIES = {  # the copies this change removed, as they were written: the scan must see each
    "engines/offline/shot_planner.py": '''
def cue_name(cue: str) -> str:
    return cue.split("(")[0].strip().lstrip("@").rstrip("^").strip().upper()
''',
    "sound/ambience.py": '''
def layers_for(heading: str, action: str) -> list[str]:
    interior = heading.strip().upper().startswith(("INT", "I/E")) and not heading.strip().upper().startswith("INT./EXT")
''',
    "screenplay/parse.py": '''
_HEADING_PREFIX = re.compile(r"^(INT\\.?/EXT|INT|EXT|EST|I/E)[.\\s]", re.IGNORECASE)
''',
    "continuity/matching.py": '''
def normalise_name(name: str) -> str:
    return " ".join(name.split("(")[0].replace(".", " ").upper().split())
''',
}


@pytest.mark.parametrize("module", sorted(FORMER_COPIES))
def test_the_scan_finds_a_copy(module):
    assert own_rules(FORMER_COPIES[module], module)


def test_a_thin_alias_of_the_shared_rule_is_not_a_copy():
    assert not own_rules("def character_key(name):\n    from x import character_name\n\n    return character_name(name)\n", "m.py")


def test_every_module_reads_a_heading_prefix_by_the_same_function():
    for module in ("aiuteur.screenplay.parse", "aiuteur.screenplay.format", "aiuteur.ingest.pdf"):
        assert importlib.import_module(module).is_heading_prefix is headings.is_heading_prefix, module


# -- where the former copies disagreed -------------------------------------------------------------
MIXED = ["INT./EXT. CAR - DAY", "INT/EXT CAR - DAY", "I/E CAR - DAY", "EXT./INT. CAR - DAY", "E/I CAR - DAY",
         "int./ext. car - day", "INT. / EXT. CAR - DAY"]


@pytest.mark.parametrize("heading", MIXED)
def test_every_spelling_of_int_ext_gets_the_same_ambience(heading):
    """The ambience picker heard "I/E" and "INT/EXT" from inside but "INT./EXT." from outside."""
    assert headings.split_int_ext(heading)[0] == "INT/EXT"
    assert ambience.layers_for(heading, "Rain on the road.") == ambience.layers_for(MIXED[0], "Rain on the road.")
    assert "room" not in ambience.layers_for(heading, "Rain on the road.")


@pytest.mark.parametrize("heading, interior", [
    ("INT. KITCHEN - DAY", True), ("int. kitchen - day", True), ("INT KITCHEN - DAY", True),
    ("EXT. KITCHEN GARDEN - DAY", False), ("EST. HARBOUR TOWN - DAWN", False), ("ext harbour - night", False),
])
def test_ambience_is_inside_only_for_an_int_heading(heading, interior):
    assert (ambience.layers_for(heading, "")[:1] == ["room"]) is interior
    assert (headings.split_int_ext(heading)[0] == "INT") is interior


@pytest.mark.parametrize("heading", ["EST. HARBOUR TOWN - DAWN", "I/E CAR - DAY", "E/I. CAR - NIGHT", "INT./EXT. CAR - DAY"])
def test_the_fountain_writer_and_parser_agree_on_a_heading(heading):
    """The writer decides whether a heading needs a forcing "." by the parser's rule: one rule."""
    script = parse(f"{heading}\n\nThe wind rises.\n")
    written = format_fountain(script)
    assert not written.startswith(".") and parse(written) == script


CUES = [
    # (cue as written, name shown, whether the speaker is only heard)
    ("MRS.  PELL (V.O.)", "MRS. PELL", True),   # the shot planner kept the two spaces: a voice put on screen
    ("ERIK (CONT'D)", "ERIK", False),
    ("@McCLANE (O.S.)", "MCCLANE", True),
    ("JANE (V.O.) ^", "JANE", True),
    ("DOC  HOLT", "DOC HOLT", False),
]


@pytest.mark.parametrize("cue, shown, heard_only", CUES)
def test_the_shot_planner_names_a_speaker_as_the_scene_list_does(cue, shown, heard_only):
    fountain = f"INT. ROOM - DAY\n\nAnna waits by the door.\n\nANNA\nWho is there?\n\n{cue}\nIt is me, open up.\n"
    [scene] = extract_scenes(parse(fountain))
    assert character_name(cue) == shown and shown in scene.characters
    assert (shown in voices_only(parse(fountain).elements)) is heard_only
    shots = plan_shots({**scene.model_dump(mode="json"), "present": []}, [], 8.0, 0).shots
    speakers = {s.dialogue.speaker for s in shots if s.dialogue is not None}
    assert {"ANNA", shown} <= speakers
    on_screen = {c for s in shots for c in s.characters}
    assert (shown not in on_screen) is heard_only, f"{shown} on screen: {on_screen}"


@pytest.mark.parametrize("cue, extension", [("MRS.  PELL (V.O.)", "V.O."), ("TOMAS (ON RADIO)", "ON RADIO"),
                                            ("@JONAH (O.S.) ^", "O.S.")])
def test_a_treatment_is_keyed_by_the_shared_name(cue, extension):
    fountain = f"INT. BOAT - NIGHT\n\n{cue}\nCan you hear me?\n"
    assert treatments.cue_extensions(fountain) == {character_name(cue): extension}


@pytest.mark.parametrize("written, key", [("Mrs. Pell (V.O.)", "MRS PELL"), ("@McCLANE", "MCCLANE"),
                                          ("JANE ^", "JANE"), ("O’Brien (CONT’D)", "O'BRIEN")])
def test_every_name_key_in_the_library_is_the_shared_one(written, key):
    from aiuteur.continuity import matching, mentions
    from aiuteur.render.vocabulary import character_key

    assert matching.normalise_name is name_key and mentions._key is name_key
    assert name_key(written) == key and character_key(written) == character_name(written)
