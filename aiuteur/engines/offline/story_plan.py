"""The offline writer's story plan: the idea's own people, places and conflict, in three structures.

What fills every beat comes from the idea (`IdeaFacts`): the protagonist and the ally are the
first two people who can be on screen; a third is the opponent; someone dead or gone is never on
screen — heard only, as V.O., through the idea's voice device (a radio, a phone...). Lines are
built from the idea's goal, threat, discovery, places and objects and from what its people want
and believe ("Jonah thinks grief has broken her" -> JONAH: "Grief has finally broken you"), with
their pronouns turned to the speaker's; the wording around them varies with the idea's seed, so
two ideas share little more than grammar.

The three variants differ in structure, as their `angle` states:

* **A** linear: eight beats in order (opening ... resolution), the protagonist's point of view;
* **B** in medias res: opens on the crisis, goes back, merges the debate into one point of no
  return, and spends its time on a long showdown;
* **C** two-hander: nine beats; the ally has beats of their own (their doubt, their choice) and
  the two are apart in the middle.

Each beat has a `weight`: its share of the screen time (a climax runs longer than a commitment).
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Callable

from aiuteur.engines.offline.idea import FAMILY_ROLES, OPPONENT_ROLES, PLACE_NOUNS, IdeaFacts, Person, Place, base_verb
from aiuteur.models.story import TREATMENT_ANGLES

VARIANTS = TREATMENT_ANGLES


@dataclass
class PlannedBeat:
    title: str
    purpose: str
    summary: str
    cast: list[str]  # on screen
    place: str
    interior: bool
    time: str
    action: list[str]
    lines: list[tuple[str, str]]  # (cue, line); an absent person's cue carries (V.O.)
    weight: float = 1.0  # share of the screen time


def title_case(name: str) -> str:
    return " ".join(w.capitalize() for w in name.split())


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


_AGREE = [(r"\bI is\b", "I am"), (r"\bI has\b", "I have"), (r"\bI does\b", "I do"), (r"\bI was\b", "I was"),
          (r"\byou is\b", "you are"), (r"\byou has\b", "you have"), (r"\byou was\b", "you were"),
          (r"\byou does\b", "you do"), (r"\bI thinks\b", "I think"), (r"\byou thinks\b", "you think")]
_NOT_POSSESSED = {"the", "a", "an", "to", "that", "and", "or", "but", "in", "on", "at", "with", "for", "from", "of",
                  "into", "up", "down", "out", "off", "again", "back", "away", "alone", "too", "so", "when", "if"}


def _agree(text: str) -> str:
    for pattern, repl in _AGREE:
        text = re.sub(pattern, repl, text)
    return text


def first_person(text: str) -> str:
    """A clause about the speaker as they say it: "save her brother" -> "save my brother"."""
    text = re.sub(r"\b(?:herself|himself|themselves)\b", "myself", text)
    text = re.sub(r"\b(?:her|his|their)\b", "my", text)
    text = re.sub(r"\b(?:she|he)\b", "I", text)
    return _agree(text)


def second_person(text: str) -> str:
    """A clause about the listener as said to them: "grief has broken her" -> "grief has broken you",
    "he is wasting his life" -> "you are wasting your life"."""
    text = re.sub(r"\b(?:herself|himself)\b", "yourself", text)
    text = re.sub(r"\bhis\b", "your", text)
    text = re.sub(r"\bhim\b", "you", text)

    def her(match: re.Match) -> str:
        after = match.group(1)
        return f"your {after}" if after and after.lower() not in _NOT_POSSESSED else f"you{' ' + after if after else ''}"

    text = re.sub(r"\bher\b(?:\s+([A-Za-z']+))?", her, text)
    text = re.sub(r"\b(?:she|he)\b", "you", text)
    return _agree(text)


def _words(text: str, limit: int) -> str:
    """At most `limit` words of a clause, cut before a relative clause when it is long."""
    words = text.split()
    if len(words) <= limit:
        return text
    for i, word in enumerate(words[:limit]):
        if i >= 2 and word in ("that", "which", "who", "while", "because", "and"):
            return " ".join(words[:i])
    return " ".join(words[:limit])


def _main_clause(text: str) -> str:
    """A clause without what hangs off it: "hunts a thief across Tokyo while his partner ..." ->
    "hunts a thief across Tokyo"."""
    return re.split(r"\s+(?:while|when|until|because|but|as|and then|so that|where)\s+|[,;:]", text)[0].strip()


@dataclass
class _Story:
    """The idea's facts as the beats say them."""

    facts: IdeaFacts
    rng: random.Random
    p: Person
    a: Person
    x: Person | None  # the third person on screen: opponent or third voice
    voice: Person | None  # someone absent who is heard (V.O.) through the device
    gone: Person | None  # someone absent, spoken of
    places: list[Place] = field(default_factory=list)

    # names as said and as in action lines
    @property
    def P(self) -> str:
        return title_case(self.p.name)

    @property
    def A(self) -> str:
        return title_case(self.a.name)

    @property
    def X(self) -> str:
        return title_case(self.x.name) if self.x else ""

    @property
    def V(self) -> str:
        return title_case(self.voice.name) if self.voice else ""

    def cue(self, person: Person) -> str:
        return f"{person.name} (V.O.)" if person.absent else person.name

    def pick(self, *options: str) -> str:
        """One of the non-empty options, by the idea's seed."""
        return self.rng.choice([o for o in options if o] or [""])

    def prefer(self, specific: list[str], *fallback: str) -> str:
        """A line from what the idea says of its people (a want, a belief) when there is one, else a
        fallback: the idea's own words first."""
        return self.pick(*specific) if any(specific) else self.pick(*fallback)

    def place(self, i: int) -> Place:
        return self.places[i % len(self.places)]

    def at(self, i: int, *, cap: bool = False) -> str:
        """A place as a sentence names it: "the lighthouse" / "the Lighthouse", "Port Ellery"."""
        place = self.place(i)
        if self.common(place):
            return f"the {title_case(place.name) if cap else place.name.lower()}"
        return title_case(place.name)

    def loc(self, i: int, *, cap: bool = False) -> str:
        """Where something happens: "at the lighthouse", "in Tokyo"."""
        return f"{'at' if self.common(self.place(i)) else 'in'} {self.at(i, cap=cap)}"

    @staticmethod
    def common(place: Place) -> bool:
        """A place named by a common noun ("harbor town") rather than a proper name ("Napa")."""
        return place.name.split()[-1].lower() in PLACE_NOUNS

    # what the idea is about
    @property
    def prop(self) -> str:
        return self.facts.props[0] if self.facts.props else ""

    @property
    def thing(self) -> str:
        """The object the story turns on, or the place when the idea names none."""
        return f"the {self.prop}" if self.prop else self.at(0)

    @property
    def goal(self) -> str:
        """What the protagonist sets out to do, as a base-form clause ("hunt a thief across Tokyo")."""
        if self.facts.goal or self.p.want:
            return self.facts.goal or self.p.want
        situation = _main_clause(self.facts.situation)
        if situation and not situation.startswith(("must ", "has to ")):
            verb, _, rest = situation.partition(" ")
            return _words(f"{base_verb(verb)} {rest}".strip(), 9)
        return _words(situation.split(" ", 1)[-1], 9) if situation else f"keep {self.at(0)}"

    @property
    def threat(self) -> str:
        """What stands in the way, as a clause that can follow "they're saying" or "fears that"."""
        if self.facts.threat:
            return self.facts.threat
        if self.x is not None:
            return f"{self.X} is always one step ahead"
        return f"{self.at(0)} is lost"

    @property
    def event(self) -> str:
        """What breaks the routine, as narration: "Elsa finds an old radio...", "Ana inherits ..."."""
        if self.facts.discovery:
            return f"{self.P} {self.facts.discovery_verb or 'finds'} {self.facts.discovery}"
        situation = _main_clause(self.facts.situation)
        if situation:
            return f"{self.P} {situation}" if not situation.startswith(("must ", "has to ")) else \
                f"{self.P} learns {self.p_they} {situation}"
        return f"{self.P} finds {self.thing}"

    @property
    def discovery(self) -> str:
        """The thing found, or the event as the protagonist tells it."""
        return self.facts.discovery or self.event.split(" ", 1)[-1]

    @property
    def p_they(self) -> str:
        return "she" if self.p.female else "he" if self.p.female is False else "they"

    @property
    def threat_short(self) -> str:
        """What threatens, without what it does: "a storm threatens the town" -> "a storm"."""
        words = self.threat.split()
        for i, word in enumerate(words[1:4], start=1):
            if re.fullmatch(r"[a-z]+(?:s|es)", word) and words[i - 1].lower() not in ("the", "a", "an", "his", "her", "their"):
                return " ".join(words[:i])
        return _words(self.threat, 6).rstrip(" ,").removesuffix(" of")

    @property
    def resolve(self) -> str:
        """The narration's verb for taking on the goal: "chooses to save", "sets out to decide"."""
        return "sets out" if self.goal.split()[:1] in (["decide"], ["choose"]) else "chooses"

    def role(self, person: Person) -> str:
        """", an aging lighthouse keeper," after a name, when the idea gives a role."""
        if not person.role:
            return ""
        article = "an" if person.role[:1].lower() in "aeiou" else "a"
        return f", {article} {person.role},"


# -- beats: each builds one PlannedBeat from the story --------------------------------------------------
def _opening(s: _Story, title: str, place: int, time: str = "DAY") -> PlannedBeat:
    home = s.place(place)
    gone = f" {s.P} still keeps what was left of {title_case(s.gone.name)}." if s.gone and not s.voice else ""
    noun = s.p.role.split()[-1] if s.p.role else ""
    lines = [
        (s.p.name, s.pick(f"Nobody needs to come out to {s.at(place)}. I manage.",
                          f"{capitalised(s.at(place))} is quiet today. I like it quiet.",
                          f"{s.A}. You came all the way to {s.at(place)} for me?",
                          f"Every day {s.loc(place)} starts the same. I keep it that way.",
                          f"Somebody has to be the {noun} {s.loc(place)}." if noun and noun not in FAMILY_ROLES else "",
                          f"Leave the {s.prop} alone, {s.A}. It stays where it is." if s.prop else "")),
        (s.a.name, s.prefer([f"{s.P}, I think {second_person(s.a.belief)}." if s.a.belief else "",
                             f"I want to {s.a.want}. You know that." if s.a.want else ""],
                            f"You can't spend your whole life {s.loc(place)}, {s.P}.",
                            f"When did you last leave {s.at(place)}?",
                            f"People {s.loc(place + 1)} ask about you, {s.P}.",
                            f"You still keep the {s.prop} by you. After all this time." if s.prop else "")),
    ]
    if s.p.want:
        lines.append((s.p.name, f"And I want to {first_person(s.p.want)}. Nothing changes that."))
    return PlannedBeat(
        title, "Establish the ordinary world and what the protagonist lacks",
        f"{s.P}{s.role(s.p)} keeps to a quiet routine {s.loc(place, cap=True)}"
        + (f", never far from the {s.prop}." if s.prop else ".") + gone,
        [s.p.name, s.a.name], home.name, home.interior, time,
        [f"{s.p.name} {s.loc(place)}, going through a careful routine." + (f" The {s.prop} within reach." if s.prop else ""),
         f"{s.a.name}{s.role(s.a)} watches {s.P} for a long moment."],
        lines, 1.0)


def _inciting(s: _Story, title: str, place: int, time: str = "NIGHT") -> PlannedBeat:
    home = s.place(place)
    if s.facts.discovery:
        found = first_person(s.discovery)
        opener = s.pick(f"{s.A}, look. I found {found}.", f"It's {found}. It's real, {s.A}.",
                        f"Tell me you see it too: {found}.", f"{capitalised(found)}. Right here {s.loc(place)}.")
    else:
        verb, _, rest = _main_clause(s.discovery).partition(" ")
        said = first_person(f"{base_verb(verb)} {rest}".strip())
        opener = s.pick(f"{s.A}, it's happening. I {said}.", f"I {said}. Today. Don't ask me why.",
                        f"From tonight, I {said}.")
    lines = [(s.p.name, opener)]
    if s.voice:
        device = s.facts.voice_device or "static"
        lines.append((s.cue(s.voice), s.pick(f"{s.P}? {s.P}, it's {s.V}. Stay by the {device}.",
                                              f"It's me, {s.P}. It's {s.V}. Don't turn the {device} off.",
                                              f"{s.P}... it's {s.V}. Can you hear me through the {device}?")))
    lines.append((s.a.name, s.prefer([f"{capitalised(second_person(s.a.belief))}, {s.P}. That's all this is." if s.a.belief else "",
                                      f"And what about me? I want to {s.a.want}." if s.a.want else ""],
                                     f"{capitalised(_words(s.discovery, 6))}? That can't be." if s.facts.discovery else "",
                                     f"You can't {first_person(s.goal)} alone, {s.P}.",
                                     f"Leave it, {s.P}. Some things are better left {s.loc(place)}.")))
    action = [f"{s.event}."]
    action.append(f"The {s.facts.voice_device} crackles. A voice through the static: a voice {s.P} knows."
                  if s.voice else f"{s.P} looks up at {s.A}. Nothing will be the same {s.loc(place)}.")
    return PlannedBeat(title, "Disrupt the routine and pose the story's question",
                       f"{s.event}, and the routine breaks.",
                       [s.p.name, s.a.name], home.name, home.interior, time, action, lines, 0.9)


def _debate(s: _Story, title: str, place: int, time: str = "DAY") -> PlannedBeat:
    where = s.place(place)
    goal = first_person(s.goal)
    lines = [
        (s.a.name, s.prefer([f"I want to {s.a.want}, {s.P}. Not this." if s.a.want else "",
                             f"Listen to yourself. {capitalised(second_person(s.a.belief))}." if s.a.belief else ""],
                            f"If you're wrong about this, we lose {s.at(0)}.", f"And if {s.threat}? What then?",
                            f"{capitalised(s.threat)}, {s.P}. Think.")),
        (s.p.name, s.pick(f"And if I'm right? Then I have to {goal}.", f"I have to {goal}. You know I do.",
                          f"Someone has to {goal}. Why not me?", f"I'd rather {goal} and fail than sit {s.loc(0)}.")),
        (s.a.name, s.pick("You don't have to do it alone.", f"Then I'm coming with you to {s.at(place + 1)}.",
                          f"Then we {goal} together.", f"Fine. But we go {s.loc(place + 1)} first.")),
    ]
    return PlannedBeat(title, "Weigh the cost of acting against the cost of doing nothing",
                       f"{capitalised(s.loc(place, cap=True))}, {s.P} and {s.A} argue over what it means: "
                       f"{s.P} wants to {s.goal}; {s.A} fears that {s.threat}.",
                       [s.p.name, s.a.name], where.name, where.interior, time,
                       [f"{s.p.name} and {s.a.name} walk through {s.at(place)}, not quite together. Around them, life goes on."],
                       lines, 0.9)


def _commitment(s: _Story, title: str, place: int, time: str = "DUSK") -> PlannedBeat:
    home = s.place(place)
    goal = first_person(s.goal)
    lines = [(s.p.name, s.pick(f"I'm going to {goal}. With or without you.", f"Tonight I {goal}. No more waiting.",
                               f"I've decided, {s.A}. I {goal}.", f"Pack a bag, {s.A}. We {goal}.")),
             (s.a.name, s.prefer([f"Then I'll {s.a.want} another day." if s.a.want else ""],
                                 "Then it's with me.", f"Then I'll meet you {s.loc(place + 2)}.",
                                 f"You'll need me {s.loc(place + 2)}. Let's go."))]
    return PlannedBeat(title, "The protagonist chooses to act",
                       f"{s.P} {s.resolve} to {s.goal}, and {s.A} chooses to help.",
                       [s.p.name, s.a.name], home.name, home.interior, time,
                       [f"{s.p.name} packs what matters." + (f" The {s.prop} goes in last." if s.prop else "")],
                       lines, 0.6)


def _midpoint(s: _Story, title: str, place: int, time: str = "DAY") -> PlannedBeat:
    where = s.place(place)
    twist = s.a.deed if s.a.deed and not s.a.deed.startswith(("finds", "wants", "thinks")) else ""
    goal = first_person(s.goal)
    if s.x is not None:
        cast = [s.p.name, s.x.name, s.a.name]
        lines = [(s.x.name, s.prefer([f"I want to {s.x.want}. You're in the way." if s.x.want else ""],
                                     f"You don't know what you're dealing with, {s.P}.", f"Go back to {s.at(0)}, {s.P}.",
                                     f"A {s.p.role.split()[-1]} {s.loc(place)}? You're a long way from home." if s.p.role else "")),
                 (s.p.name, s.pick(f"I know enough. I'm going to {goal}.", f"Not this time, {s.X}.",
                                   f"You'll have to stop me first, {s.X}."))]
        if twist:
            lines.append((s.x.name, f"Ask {s.A}. {s.A} {twist}."))
        else:
            lines.append((s.x.name, f"Soon enough, {s.threat}." if s.facts.threat else f"You're too late, {s.P}."))
        summary = f"{capitalised(s.loc(place, cap=True))}, {s.X} turns the tables" + (
            f": {s.A} {twist}." if twist else f" and warns that {s.threat}." if s.facts.threat else ".")
        action = [f"{s.x.name}{s.role(s.x)} is waiting for them {s.loc(place)}, too calm.",
                  f"{s.a.name} steps between {s.X} and {s.P}."]
    else:
        cast = [s.p.name, s.a.name]
        lines = [(s.a.name, s.pick(f"They're saying {s.threat}.", f"It's started, {s.P}: {s.threat}.",
                                   f"Everyone {s.loc(place)} knows it now. {capitalised(s.threat)}.")),
                 (s.p.name, s.pick(f"Then there's less time to {goal}.", f"Then we {goal} now, before it's too late.",
                                   f"Good. Now they'll see why I have to {goal}."))]
        if twist:
            lines.append((s.p.name, f"And you, {s.A}? I know: you {second_person(base_verb(twist.split()[0]) + ' ' + twist.split(' ', 1)[-1])}."))
        if s.voice:
            lines.append((s.cue(s.voice), s.pick(f"{s.P}, listen. {capitalised(s.threat)}. I've seen it.",
                                                  f"You know what happens {s.loc(1)}, {s.P}.")))
        summary = f"{capitalised(s.loc(place, cap=True))}, the stakes rise: {s.threat}." + (
            f" And {s.A} {twist}." if twist else "")
        action = [f"{capitalised(s.at(place, cap=True))}. Everyone is talking about it: {s.threat}.",
                  f"{s.a.name} reads the news on {s.P}'s face."]
    return PlannedBeat(title, "Raise the stakes with a reversal", summary, cast, where.name, where.interior, time,
                       action, lines, 1.1)


def _crisis(s: _Story, title: str, place: int, time: str = "NIGHT", weight: float = 1.1) -> PlannedBeat:
    where = s.place(place)
    goal = first_person(s.goal)
    lines = [(s.a.name, s.prefer([f"I should have let you go. I should have stayed to {s.a.want}." if s.a.want else ""],
                                 f"It's over, {s.P}. {capitalised(s.threat)}.", f"We tried, {s.P}. We can't {goal}.",
                                 f"{capitalised(s.at(place))} is no place to be tonight, {s.P}. Come away.")),
             (s.p.name, s.pick(f"Not while there's {s.thing} left.", f"I didn't come this far not to {goal}.",
                               f"You go. I stay {s.loc(place)}.", f"Not like this, {s.A}."))]
    if s.voice:
        lines.append((s.cue(s.voice), s.pick(f"{s.P}... the {s.facts.voice_device}... I'm losing you.",
                                              f"Don't give up on me, {s.P}.")))
    return PlannedBeat(title, "Everything seems lost",
                       f"Night falls: {s.threat}. {s.P} and {s.A} are pushed apart"
                       + (f" and the {s.prop} is nearly lost." if s.prop else "."),
                       [s.p.name, s.a.name], where.name, where.interior, time,
                       [f"Wind and dark {s.loc(place)}. {capitalised(s.threat)}.", f"{s.p.name} searches for {s.a.name} in the chaos."],
                       lines, weight)


def _climax(s: _Story, title: str, place: int, time: str = "NIGHT", weight: float = 1.6) -> PlannedBeat:
    home = s.place(place)
    opponent = s.x or s.a
    goal = first_person(s.goal)
    lines = [(opponent.name, s.prefer([f"{capitalised(second_person(opponent.belief))}. Admit it." if opponent.belief else "",
                                       f"I still want to {opponent.want}, {s.P}." if opponent.want else ""],
                                      "Why should I listen to you?", f"You can't {goal}, {s.P}. Not now.",
                                      f"Look around you. Look at {s.at(place)}.")),
             (s.p.name, s.pick(f"Because I finally know how to {goal}.", f"Watch me {goal}.",
                               f"I came back to {s.at(place)} to {goal}. So I will."))]
    if s.voice:
        lines.append((s.cue(s.voice), s.pick(f"I'm here, {s.P}. I always was.", f"Go on, {s.P}. I'm with you.")))
        lines.append((s.p.name, f"I hear you, {s.V}. I hear you."))
    if s.x is not None:
        lines.append((s.a.name, s.pick(f"{s.P}. Do it.", f"Now, {s.P}!")))
    return PlannedBeat(title, "The protagonist faces the central conflict and decides",
                       f"Back {s.loc(place, cap=True)}, {s.P} confronts "
                       + (s.X if s.x else s.threat_short) + f" and finally {s.resolve} to {s.goal}.",
                       [s.p.name, opponent.name] + ([s.a.name] if s.x else []), home.name, home.interior, time,
                       [f"{s.p.name} holds " + (f"the {s.prop} up to the light." if s.prop else f"on {s.loc(place)}."),
                        f"{opponent.name} takes a step back."],
                       lines, weight)


def _resolution(s: _Story, title: str, place: int, time: str = "DAWN", weight: float = 0.8) -> PlannedBeat:
    where = s.place(place)
    lines = [(s.a.name, s.pick(f"{capitalised(s.at(0))} is still standing.", f"Look {s.loc(place)}, {s.P}.",
                               f"So you did {first_person(_words(s.goal, 5))}.", f"Morning {s.loc(place)}. Who'd have thought.")),
             (s.p.name, s.prefer([f"{title_case(s.gone.name)} would have liked this." if s.gone else ""],
                                 f"It's morning {s.loc(place)}. That's enough for today.",
                                 f"It's quiet {s.loc(place)} again. A good quiet.",
                                 f"Next time, you keep the {s.prop}." if s.prop else ""))]
    return PlannedBeat(title, "Show the new world the choice created",
                       f"Morning {s.loc(place, cap=True)}: {s.P} and {s.A} face what comes next, changed.",
                       [s.p.name, s.a.name], where.name, where.interior, time,
                       [f"First light {s.loc(place)}. {s.p.name} and {s.a.name} stand side by side."
                        + (f" The {s.prop} rests between them." if s.prop else "")],
                       lines, weight)


def _cold_open(s: _Story, title: str, place: int) -> PlannedBeat:
    where = s.place(place)
    lines = [(s.p.name, s.pick(f"How did it come to this, {s.A}?", f"{capitalised(s.threat)}. And I did this.",
                               f"Three days ago I was {s.loc(0)}. Three days."))]
    if s.voice:
        lines.append((s.cue(s.voice), f"{s.P}... can you hear me?"))
    return PlannedBeat(title, "Open on the danger to hook the audience before going back",
                       f"A flash forward: {s.threat}; {s.P} is alone in the dark {s.loc(place, cap=True)}. Then: earlier.",
                       [s.p.name], where.name, where.interior, "NIGHT",
                       [f"Darkness {s.loc(place)}. {s.p.name} alone, breathing hard"
                        + (f", the {s.prop} clutched tight." if s.prop else "."), "SUPER: Three days earlier."],
                       lines, 0.5)


def _two_lives(s: _Story, title: str, place: int) -> PlannedBeat:
    beat = _opening(s, title, place)
    beat.summary = (f"Two lives side by side: {s.P}{s.role(s.p)} {s.loc(place, cap=True)}, and {s.A}{s.role(s.a)} "
                    f"{s.loc(place + 1, cap=True)}" + (f", who wants to {s.a.want}." if s.a.want else f", who keeps an eye on {s.P}."))
    beat.action.insert(1, f"Elsewhere, {s.loc(place + 1)}: {s.a.name} at work, half listening for news of {s.P}.")
    return beat


def _ally_doubt(s: _Story, title: str, place: int) -> PlannedBeat:
    where = s.place(place)
    doubt = second_person(s.a.belief) if s.a.belief else f"you can't {first_person(s.goal)}"
    lines = [(s.a.name, s.pick(f"I'm scared for you, {s.P}. I think {doubt}.", f"Say it out loud, {s.P}, and hear it: {doubt}?")),
             (s.p.name, s.pick(f"You sound like everyone {s.loc(0)}.", f"Then help me {first_person(s.goal)}.")),
             (s.a.name, f"I want to {s.a.want}. I can't do both." if s.a.want else s.pick("I'll stay. For now.", f"One night {s.loc(place)}. Then we'll see."))]
    return PlannedBeat(title, "The ally's point of view: what helping will cost",
                       f"We stay with {s.A} {s.loc(place, cap=True)}: {s.A} "
                       + (f"believes {s.a.belief}" if s.a.belief else f"doubts {s.P} can {s.goal}") + ", and says so.",
                       [s.a.name, s.p.name], where.name, where.interior, "DAY",
                       [f"{s.a.name} alone {s.loc(place)}, turning it over.", f"{s.p.name} arrives, already decided."],
                       lines, 0.9)


def _apart(s: _Story, title: str, place: int) -> PlannedBeat:
    where = s.place(place)
    lines = [(s.a.name, f"{s.P}, if you can hear me: {s.threat}. Come back."),
             (s.p.name, s.pick(f"Not until I {first_person(s.goal)}.", f"Tell them {s.loc(0)} I'm sorry."))]
    return PlannedBeat(title, "The two go separate ways; each faces the threat alone",
                       f"Apart: {s.A} {s.loc(place, cap=True)} and {s.P} further out, each alone with what is coming.",
                       [s.a.name, s.p.name], where.name, where.interior, "DUSK",
                       [f"{s.a.name} {s.loc(place)}, watching the dark.", f"Far off, {s.p.name} keeps going."],
                       lines, 0.8)


def _ally_choice(s: _Story, title: str, place: int) -> PlannedBeat:
    where = s.place(place)
    lines = [(s.a.name, s.prefer([f"Forget {first_person(s.a.want)}. I'm with you, {s.P}." if s.a.want else ""],
                                 f"I was wrong, {s.P}. I'm coming.", f"Wait for me {s.loc(place)}, {s.P}.")),
             (s.p.name, f"{s.A}. You came.")]
    return PlannedBeat(title, "The ally's choice: the second point of view turns the story",
                       f"{s.A} chooses: " + (f"not to {s.a.want}, but " if s.a.want else "") + f"to go after {s.P} through {s.threat_short}.",
                       [s.a.name, s.p.name], where.name, where.interior, "NIGHT",
                       [f"{s.a.name} makes a choice and runs.", f"{s.p.name} turns at the sound of footsteps."],
                       lines, 1.0)


Builder = Callable[..., PlannedBeat]
#: variant -> (builder, title or None for the builder's own, place index, extra arguments)
_STRUCTURES: dict[str, list[tuple[Builder, str, int, dict]]] = {
    "A": [(_opening, "Opening", 0, {}), (_inciting, "Inciting incident", 0, {}), (_debate, "Debate", 1, {}),
          (_commitment, "Commitment", 0, {}), (_midpoint, "Midpoint", 2, {}), (_crisis, "Crisis", 1, {}),
          (_climax, "Climax", 0, {}), (_resolution, "Resolution", 1, {})],
    "B": [(_cold_open, "Cold open", 1, {}), (_opening, "Three days earlier", 0, {"time": "DAY"}),
          (_inciting, "The discovery", 0, {}), (_commitment, "Point of no return", 2, {"time": "NIGHT"}),
          (_midpoint, "Reversal", 2, {"time": "NIGHT"}), (_crisis, "Back to the dark", 1, {"weight": 1.3}),
          (_climax, "Showdown", 1, {"weight": 2.0}), (_resolution, "Aftermath", 0, {"weight": 0.5})],
    "C": [(_two_lives, "Two lives", 0, {}), (_inciting, "Inciting incident", 0, {}),
          (_ally_doubt, "{A}'s doubt", 1, {}), (_commitment, "Commitment", 0, {}), (_apart, "Apart", 1, {}),
          (_midpoint, "Midpoint", 2, {}), (_ally_choice, "{A}'s choice", 1, {}),
          (_climax, "Climax", 0, {"weight": 1.3}), (_resolution, "Resolution", 1, {"weight": 1.0})],
}


def plan_beats(facts: IdeaFacts, variant: str) -> list[PlannedBeat]:
    """The variant's beats, filled with the idea's facts."""
    story = _story(facts, variant)
    beats = []
    for builder, title, place, extra in _STRUCTURES.get(variant, _STRUCTURES["A"]):
        beat = builder(story, title.format(A=story.A), place, **extra)
        beat.lines = [(cue, " ".join(line.split())) for cue, line in beat.lines if line]
        beats.append(beat)
    if variant == "B":
        _tell_in_medias_res(story, beats)
    elif variant == "C":
        _tell_as_two_hander(story, beats)
    return beats


def _continuing(sentence: str) -> str:
    """A sentence continuing another: its first word lower-cased unless it is a name ("Back at ..."
    -> "back at ...", "Ray hunts ..." stays)."""
    first = sentence.split(" ", 1)[0].rstrip(",:")
    if first in ("Back", "Morning", "In", "At", "Night", "A", "The", "Two", "Apart", "First", "Through", "We"):
        return sentence[0].lower() + sentence[1:]
    return sentence


def _tell_in_medias_res(s: _Story, beats: list[PlannedBeat]) -> None:
    """B's beats say where they sit in the broken time line, and the debate is folded into the
    point of no return (there is no time for one)."""
    by_title = {b.title: b for b in beats}
    debate = _debate(s, "", 1)
    by_title["Three days earlier"].summary = f"Three days earlier. {by_title['Three days earlier'].summary}"
    by_title["The discovery"].summary += " From here the clock runs."
    point = by_title["Point of no return"]
    point.summary = (f"No time to argue for long: {s.A} fears that {s.threat}, {s.P} will not wait. "
                     f"{point.summary.rstrip('.')}, and there is no way back.")
    point.lines = debate.lines[:2] + point.lines
    by_title["Reversal"].summary = f"The ground shifts. {by_title['Reversal'].summary}"
    by_title["Back to the dark"].summary = (f"We are back in the darkness of the opening, and now we know how {s.P} "
                                            f"got here. {by_title['Back to the dark'].summary}")
    by_title["Showdown"].summary += f" It is longer and harder than the flash forward let us hope."
    by_title["Aftermath"].summary = f"After all that, {_continuing(by_title['Aftermath'].summary)}"


def _tell_as_two_hander(s: _Story, beats: list[PlannedBeat]) -> None:
    """C tells the shared beats through the ally's eyes: who watches, and what it costs them."""
    for beat in beats:
        if s.A in beat.title or beat.title in ("Two lives", "Apart"):
            continue  # the ally's own beats are already theirs
        beat.summary = f"Through {s.A}'s eyes: {_continuing(beat.summary)}"
        if beat.title in ("Commitment", "Climax"):
            beat.summary += f" {s.A} sees what it costs {s.P}, and stays."


def _story(facts: IdeaFacts, variant: str) -> _Story:
    present = facts.present
    p = present[0]
    others = present[1:]
    # the ally is the first who is not an opponent by role; the opponent the first who is (or a third)
    allies = [q for q in others if not set(q.role.split()) & OPPONENT_ROLES]
    opponents = [q for q in others if set(q.role.split()) & OPPONENT_ROLES]
    a = (allies or opponents)[0]
    rest = [q for q in opponents + allies if q is not a]
    x = rest[0] if rest else None
    absent = facts.absent
    voice = absent[0] if absent and facts.voice_device else None
    return _Story(facts=facts, rng=random.Random(facts.seed * 31 + ord(variant[:1] or "A")), p=p, a=a, x=x,
                  voice=voice, gone=absent[0] if absent else None, places=list(facts.places))


def screen_seconds(beats: list[PlannedBeat], target_seconds: float) -> list[float]:
    """Each beat's share of `target_seconds` by its weight, in tenths of a second, summing to the target."""
    total = sum(b.weight for b in beats) or 1.0
    seconds = [round(target_seconds * b.weight / total, 1) for b in beats]
    heaviest = max(range(len(beats)), key=lambda i: beats[i].weight)
    seconds[heaviest] = round(seconds[heaviest] + target_seconds - sum(seconds), 1)
    return seconds
