"""The parser pass of stage 5: who, where and what a screenplay puts on screen, exactly.

* **Characters** — every dialogue cue (exact: the scene parser's names), plus people *introduced
  in action in caps*: a caps name followed by an age, `MRS. PELL (70s)`, or a caps name whose first
  use in the whole script is that caps introduction and who is later written as a proper name
  (`her father, ERIK, ...` then `Erik's logbooks`). A caps introduction that extends a cue name
  (`MARA HALVORSEN (44)` for the cue MARA) becomes that character's alias. Sounds (`STATIC`,
  `THUNK`) and signs (`a sign: STILL OPEN`) fail those tests and are left out.
* **Locations** — every scene heading's location, normalised so "BRICK'S PATIO" and
  "BRICK'S PATIO - LATER" are one; a sub-location names its parent ("HALVORSEN RADIO - BACK ROOM").
* **Props** — candidates from a lexicon of concrete objects, kept when they matter: named in the
  action of two scenes or more, introduced in caps, or owned by someone ("Erik's logbooks"). The
  text engine adds props and writes descriptions; the parser makes the names exact.

A scene's characters are its speakers and the people its action names.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from aiuteur.continuity.mentions import HONORIFICS, Mentions
from aiuteur.engines.offline.idea import PROP_NOUNS
from aiuteur.models.assets import Asset
from aiuteur.models.story import MasterScript
from aiuteur.screenplay import ElementType, parse

_TRAILING_TIME = re.compile(r"\s*-\s*(LATER|CONTINUOUS|MOMENTS LATER|SAME|SAME TIME)\s*$")
_AGE = re.compile(
    r"^\s*\((?:\d{1,3}s?|(?:early|mid|late)[- ]?\d0s|teens?|(?:twent|thirt|fort|fift|sixt|sevent|eight|ninet)(?:y|ies)|"
    r"\d{1,3} years old|ageless|baby|child|infant)\)", re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'\u2019.\-]*")
_EMPHASIS = re.compile(r"[*_]+")
_NOT_NAMES = {"THE", "A", "AN", "AND", "OR", "OF", "TO", "IN", "ON", "AT", "BY", "FOR", "WITH", "FROM", "INTO",
              "V.O.", "O.S.", "O.C.", "CONT'D", "POV", "INSERT", "BACK", "END", "CLOSE", "ANGLE", "SUPER", "TITLE",
              "CUT", "FADE", "DISSOLVE", "MONTAGE", "SERIES", "SHOTS", "FLASHBACK", "LATER", "CONTINUOUS", "OK"}
#: objects worth tracking as props beyond the draft writer's list (radio sets, paperwork, tools...)
EXTRA_PROPS = {
    "logbook", "folder", "receiver", "transmitter", "microphone", "headphones", "antenna", "walkie-talkie",
    "flashlight", "torch", "chart", "postcard", "clipboard", "tape measure", "soldering iron",
    "telegraph key", "binoculars", "laptop", "rifle", "pistol", "revolver", "knife", "badge", "wallet", "purse",
    "backpack", "bag", "satchel", "glasses", "goggles", "helmet", "lighter", "cigarette", "matches", "map",
    "contract", "papers", "file", "dossier", "photo", "photograph", "portrait", "tablet", "pager", "syringe",
    "pill bottle", "bouquet", "wine bottle", "flask", "axe", "hammer", "crowbar", "wrench", "keycard", "usb drive",
    "thermos", "mug", "teapot", "kettle", "cane", "wheelchair", "stretcher", "coffin", "urn", "bible", "rosary",
}
_PLURAL_PROPS = {"headphones", "binoculars", "papers", "glasses", "goggles", "matches", "boots"}
#: singular nouns only (a noun's plural is matched by its pattern), plus things that only come in pairs
PROP_LEXICON = frozenset(p for p in {*PROP_NOUNS, *EXTRA_PROPS}
                         if p in _PLURAL_PROPS or not (p.endswith("s") and p[:-1] in {*PROP_NOUNS, *EXTRA_PROPS}))


def location_name(location: str) -> str:
    """One location however a heading dresses it: "BRICK'S PATIO - LATER" is "BRICK'S PATIO"."""
    return _TRAILING_TIME.sub("", " ".join(location.upper().split())).strip()


def slug(kind: str, name: str) -> str:
    prefix = {"character": "char", "location": "loc", "prop": "prop"}[kind]
    return f"{prefix}-" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "unnamed")


@dataclass
class SceneText:
    """A scene's words by kind: action (what is seen) and dialogue (what is said)."""

    number: int
    action: list[str] = field(default_factory=list)
    dialogue: list[str] = field(default_factory=list)


@dataclass
class Parsed:
    """What the parser pass found, in order of first appearance."""

    characters: list[Asset]
    locations: list[Asset]
    props: list[Asset]
    introductions: dict[str, str]  # name -> the action sentence that introduces it (a description seed)
    scenes: list[SceneText]

    @property
    def assets(self) -> list[Asset]:
        return [*self.characters, *self.locations, *self.props]


def scene_texts(script: MasterScript) -> list[SceneText]:
    """Each scene's action and dialogue, read from one parse of the whole screenplay."""
    numbers = iter(s.number for s in script.scenes)
    scenes: list[SceneText] = []
    for element in parse(script.fountain).elements:
        if element.type is ElementType.SCENE_HEADING:
            scenes.append(SceneText(number=next(numbers)))
        elif not scenes:
            continue
        elif element.type is ElementType.ACTION:
            scenes[-1].action.append(_EMPHASIS.sub("", element.text))
        elif element.type in (ElementType.DIALOGUE, ElementType.LYRICS):
            scenes[-1].dialogue.append(_EMPHASIS.sub("", element.text))
    return scenes


def extract(script: MasterScript) -> Parsed:
    """The parser pass over a whole script (see the module docstring for the rules)."""
    scenes = scene_texts(script)
    characters, introductions = _characters(script, scenes)
    locations = _locations(script, scenes, introductions)
    props = _props(scenes, characters)
    return Parsed(characters=characters, locations=locations, props=props, introductions=introductions,
                  scenes=scenes)


def scenes_naming(assets: list[Asset], scenes: list[SceneText], *, dialogue: bool = False) -> dict[str, list[int]]:
    """slug -> the scenes whose action (and dialogue, if asked) names it.

    "Erik's logbooks" does not put Erik in a scene: only a person named as such does.
    """
    finder = Mentions(assets, possessive=False)
    found: dict[str, list[int]] = {a.slug: [] for a in assets}
    for scene in scenes:
        text = "\n".join(scene.action + (scene.dialogue if dialogue else []))
        for s in finder.find(text):
            found[s].append(scene.number)
    return found


# -- characters --------------------------------------------------------------------------------
def _characters(script: MasterScript, scenes: list[SceneText]) -> tuple[list[Asset], dict[str, str]]:
    order: list[str] = []
    cue_scenes: dict[str, list[int]] = {}
    for scene in script.scenes:
        for name in scene.characters:
            if name not in cue_scenes:
                order.append(name)
                cue_scenes[name] = []
            cue_scenes[name].append(scene.number)
    aliases: dict[str, list[str]] = {name: [] for name in order}
    introductions: dict[str, str] = {}
    action_only: list[str] = []
    first_scene: dict[str, int] = {}
    all_text = "\n".join(t for s in scenes for t in s.action + s.dialogue)
    for scene in scenes:
        for paragraph in scene.action:
            for run, age, sentence in _caps_runs(paragraph):
                owner = _cue_owner(run, order)
                if owner is not None:
                    if run != owner and run not in aliases[owner]:
                        aliases[owner].append(run)
                    if age:
                        introductions.setdefault(owner, sentence)
                    continue
                if run in action_only or not (age or _introduced_in_caps(run, all_text)):
                    continue
                action_only.append(run)
                first_scene[run] = scene.number
                introductions.setdefault(run, sentence)
    people = [Asset(slug=slug("character", n), name=n, kind="character", description="", aliases=aliases[n],
                    found_in=["cue"] + (["action"] if aliases[n] or n in introductions else []))
              for n in order]
    people += [Asset(slug=slug("character", n), name=n, kind="character", description="", found_in=["action"])
               for n in action_only]
    named = scenes_naming(people, scenes)
    out = []
    for person in people:
        scenes_in = sorted(set(cue_scenes.get(person.name, [])) | set(named[person.slug]) |
                           ({first_scene[person.name]} if person.name in first_scene else set()))
        out.append(person.model_copy(update={"scenes": scenes_in}))
    return out, introductions


def _caps_runs(paragraph: str):
    """(caps words, has an age after it, its sentence) for each run of caps words in an action paragraph."""
    tokens = list(_TOKEN.finditer(paragraph))
    i = 0
    while i < len(tokens):
        if not _is_caps(tokens[i].group()):
            i += 1
            continue
        j = i
        while j + 1 < len(tokens) and _is_caps(tokens[j + 1].group()) and \
                paragraph[tokens[j].end():tokens[j + 1].start()].strip() == "" and \
                (not tokens[j].group().endswith(".") or tokens[j].group().rstrip(".") in HONORIFICS):
            j += 1
        words = [t.group() for t in tokens[i:j + 1]]
        start, end = tokens[i].start(), tokens[j].end()
        i = j + 1
        # a run glued to a sentence end ("JANGLES. THEO") splits at the period: names follow it
        while len(words) > 1 and words[0].endswith(".") and words[0].rstrip(".") not in HONORIFICS:
            words = words[1:]
        words[-1] = words[-1].rstrip(".") if words[-1].rstrip(".") not in HONORIFICS else words[-1]
        while words and words[0].rstrip(".") in _NOT_NAMES:
            words = words[1:]
        if not words or all(len(w.strip(".'-")) < 2 for w in words):
            continue
        before = paragraph[:start].rstrip()
        if before.endswith(":") or before.endswith('"'):  # a sign, a label, an insert: not a person
            continue
        age = bool(_AGE.match(paragraph[end:]))
        yield " ".join(words), age, _sentence_around(paragraph, start, end)


def _is_caps(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return len(letters) >= 1 and all(c.isupper() for c in letters) and (len(letters) >= 2 or token.endswith("."))


def _sentence_around(text: str, start: int, end: int) -> str:
    """The sentence holding text[start:end]; "MRS. PELL" does not end one."""
    bounds = [0]
    for m in re.finditer(r"[.!?]+[\"')]*\s+|\n+", text):
        word = re.search(r"([A-Za-z]+)[.!?]*[\"')]*\s*$", text[:m.end()])
        if word and word.group(1).upper() in HONORIFICS and "\n" not in m.group():
            continue
        bounds.append(m.end())
    bounds.append(len(text))
    left = max(b for b in bounds if b <= start)
    right = min(b for b in bounds if b >= end)
    return text[left:right].strip()


def _cue_owner(run: str, cues: list[str]) -> str | None:
    """The speaking character a caps run names: itself, or one it extends ("MARA HALVORSEN" -> MARA)."""
    if run in cues:
        return run
    words = set(_core(run))
    owners = [c for c in cues if _core(c) and set(_core(c)) <= words]
    return owners[0] if len(owners) == 1 else None


def _core(name: str) -> list[str]:
    return [w for w in name.replace(".", " ").split() if w not in HONORIFICS]


def _introduced_in_caps(run: str, text: str) -> bool:
    """Caps at first use, then written as a proper name mid-sentence: the convention for a new person."""
    proper = " ".join(w.capitalize() if w.isalpha() else w[:1] + w[1:].lower() for w in run.split())
    first_any = re.search(rf"(?<![\w']){re.escape(run)}(?![\w'])", text, re.IGNORECASE)
    if first_any is None or first_any.group() != run:
        return False
    later = re.search(rf"(?<=[a-z,;] ){re.escape(proper)}(?:'s|\u2019s)?(?![\w'])", text)
    return later is not None


# -- locations ---------------------------------------------------------------------------------
def _locations(script: MasterScript, scenes: list[SceneText], introductions: dict[str, str]) -> list[Asset]:
    order: list[str] = []
    found: dict[str, list[int]] = {}
    raw: dict[str, list[str]] = {}
    first_action = {s.number: (s.action[0] if s.action else "") for s in scenes}
    for scene in script.scenes:
        name = location_name(scene.location)
        if not name:
            continue
        if name not in found:
            order.append(name)
            found[name], raw[name] = [], []
            if first_action.get(scene.number):
                introductions.setdefault(name, first_action[scene.number])
        found[name].append(scene.number)
        if scene.location != name and scene.location not in raw[name]:
            raw[name].append(scene.location)
    out = []
    for name in order:
        parent = next((p for p in order if p != name and name.startswith(p + " - ")), None)
        out.append(Asset(slug=slug("location", name), name=name, kind="location", description="",
                         aliases=raw[name], scenes=found[name], found_in=["heading"],
                         parent=slug("location", parent) if parent else None))
    return out


# -- props -------------------------------------------------------------------------------------
def _props(scenes: list[SceneText], characters: list[Asset]) -> list[Asset]:
    scenes_of: dict[str, list[int]] = {}
    caps: set[str] = set()
    owned: set[str] = set()
    owner_names = "|".join(re.escape(n) for c in characters for n in [c.name, *c.aliases, *_core(c.name)])
    for scene in scenes:
        text = "\n".join(scene.action)
        for noun in PROP_LEXICON:
            pattern = rf"(?<![\w-]){re.escape(noun)}(?:e?s)?(?![\w-])"
            hits = [h for h in re.finditer(pattern, text, re.IGNORECASE) if not _in_caps_run(text, h)]
            if not hits:
                continue
            scenes_of.setdefault(noun, []).append(scene.number)
            if any(h.group().isupper() for h in hits):
                caps.add(noun)
            if owner_names and re.search(rf"(?:{owner_names})(?:'s|\u2019s)\s+(?:\w+\s+){{0,2}}{pattern}", text,
                                         re.IGNORECASE):
                owned.add(noun)
    kept = [n for n, s in scenes_of.items() if len(s) >= 2 or n in caps or n in owned]
    kept = [n for n in kept if not any(n != o and o.endswith(" " + n) and o in kept for o in kept)]  # "iron" < "soldering iron"
    kept.sort(key=lambda n: (scenes_of[n][0], n))
    return [Asset(slug=slug("prop", n), name=n.upper(), kind="prop", description="", scenes=scenes_of[n],
                  found_in=["lexicon"]) for n in kept]


def _in_caps_run(text: str, hit: re.Match[str]) -> bool:
    """A caps word next to other caps words is a sign or a title ("HALVORSEN RADIO - REPAIRS"), not a prop."""
    if not hit.group().isupper():
        return False
    before = re.search(r"([A-Za-z']+)[\s\-]*$", text[:hit.start()])
    after = re.match(r"[\s\-]*([A-Za-z']+)", text[hit.end():])
    return any(m is not None and m.group(1).isupper() and len(m.group(1)) > 1 for m in (before, after))
