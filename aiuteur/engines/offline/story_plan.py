"""The offline writer's story plan: eight classic beats filled with the idea's own facts.

The arc is fixed (opening, inciting incident, debate, commitment, midpoint, crisis, climax,
resolution); what fills it — people, places, the object, the goal, the threat — comes from the
idea. Three treatment variants differ in a stated way: structure (linear vs. in medias res) and
point of view (the protagonist's vs. a two-hander with the ally).
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass

from aiuteur.engines.offline.idea import IdeaFacts
from aiuteur.models.story import TREATMENT_ANGLES

VARIANTS = TREATMENT_ANGLES


@dataclass
class PlannedBeat:
    title: str
    purpose: str
    summary: str
    cast: list[str]
    place: str
    interior: bool
    time: str
    action: list[str]
    lines: list[tuple[str, str]]  # (speaker, line)


def title_case(name: str) -> str:
    return " ".join(w.capitalize() for w in name.split())


def first_person(text: str) -> str:
    """The goal as the protagonist says it: "save her brother" -> "save my brother"."""
    return re.sub(r"\b(her|his|their)\b", "my", text)


def plan_beats(facts: IdeaFacts, variant: str) -> list[PlannedBeat]:
    rng = random.Random(facts.seed * 31 + ord(variant))
    p, a, x = facts.person(0), facts.person(1), facts.person(2)
    P, A, X = title_case(p.name), title_case(a.name), title_case(x.name)
    role = f", {p.role}," if p.role else ""
    prop = facts.prop(0)
    goal = facts.goal or f"protect what the {prop} stands for"
    threat = facts.threat or f"{X} moves against everything {P} cares about"
    discovery = facts.discovery or f"the {prop}"
    home, second, third = facts.place(0), facts.place(1), facts.place(2)

    def pick(*options: str) -> str:
        return rng.choice(options)

    beats = [
        PlannedBeat("Opening", "Establish the ordinary world and what the protagonist lacks",
                    f"{P}{role} keeps to a quiet routine at the {title_case(home.name)}, holding on to the {prop}.",
                    [p.name, a.name], home.name, home.interior, "DAY",
                    [f"{P.upper()} goes through a careful routine. The {prop} sits within reach.",
                     f"{A.upper()} appears, watching {P} for a long moment."],
                    [(p.name, pick(f"Same as every day. Just me and the {prop}.", f"Nothing changes here. That's the point.")),
                     (a.name, pick(f"{P}, you can't hide here forever.", f"You keep that {prop} closer than people."))]),
        PlannedBeat("Inciting incident", "Disrupt the routine and pose the story's question",
                    f"{P} finds {discovery}, and the routine breaks.",
                    [p.name, a.name], home.name, home.interior, "NIGHT",
                    [f"Something changes. {P.upper()} finds {discovery}.", f"{P} freezes, then reaches for the {prop}."],
                    [(p.name, f"{A}... tell me you see this too."),
                     (a.name, pick("That's not possible.", "We should leave it alone.")),
                     (p.name, "It is. And I can't leave it alone.")]),
        PlannedBeat("Debate", "Weigh the cost of acting against the cost of doing nothing",
                    f"At the {title_case(second.name)}, {P} and {A} argue over what it means and what it will cost.",
                    [p.name, a.name], second.name, second.interior, "DAY",
                    [f"{P.upper()} and {A.upper()} walk, not quite together. Around them, life goes on."],
                    [(a.name, "If you're wrong about this, we lose everything."),
                     (p.name, f"And if I'm right? Then I have to {first_person(goal)}."),
                     (a.name, "You don't have to do it alone.")]),
        PlannedBeat("Commitment", "The protagonist chooses to act",
                    f"{P} decides to {goal}, and {A} chooses to help.",
                    [p.name, a.name], home.name, home.interior, "DUSK",
                    [f"{P.upper()} packs what matters. The {prop} goes in last."],
                    [(p.name, f"I'm going to {first_person(goal)}. With or without you."),
                     (a.name, "Then it's with me.")]),
        PlannedBeat("Midpoint", "Raise the stakes with a reversal",
                    f"At the {title_case(third.name)}, {X} warns that {threat}.",
                    [p.name, x.name, a.name], third.name, third.interior, "DAY",
                    [f"{X.upper()} is waiting for them, too calm.", f"{A.upper()} steps between {X} and {P}."],
                    [(x.name, f"You don't know what you're dealing with, {P}."),
                     (p.name, "Then tell me."),
                     (x.name, f"Soon enough, {threat}.")]),
        PlannedBeat("Crisis", "Everything seems lost",
                    f"Night falls: {threat}. {P} and {A} are pushed apart and the {prop} is nearly lost.",
                    [p.name, a.name], second.name, second.interior, "NIGHT",
                    [f"Wind and dark. {threat[0].upper() + threat[1:]}.", f"{P.upper()} searches for {A.upper()} in the chaos."],
                    [(a.name, f"It's over, {P}. We tried."),
                     (p.name, pick("No. Not yet.", "Not like this."))]),
        PlannedBeat("Climax", "The protagonist faces the central conflict and decides",
                    f"Back at the {title_case(home.name)}, {P} confronts {X} and finally chooses to {goal}.",
                    [p.name, x.name, a.name], home.name, home.interior, "NIGHT",
                    [f"{P.upper()} holds the {prop} up to the light.", f"{X.upper()} takes a step back."],
                    [(x.name, "Why should I listen to you?"),
                     (p.name, f"Because I finally know how to {first_person(goal)}."),
                     (a.name, f"{P}. Do it.")]),
        PlannedBeat("Resolution", "Show the new world the choice created",
                    f"Morning at the {title_case(second.name)}: {P} and {A} face what comes next, changed.",
                    [p.name, a.name], second.name, second.interior, "DAWN",
                    [f"First light. {P.upper()} and {A.upper()} stand side by side.", f"The {prop} rests between them."],
                    [(a.name, "You did it."),
                     (p.name, pick("We did. Look - it's morning.", "We did. It's quiet again. A good quiet."))]),
    ]
    if variant == "B":
        crisis = beats[5]
        cold_open = PlannedBeat(
            "Cold open", "Open on the danger to hook the audience before going back",
            f"A flash forward: {threat}; {P} is alone in the dark. Then: earlier.",
            [p.name], crisis.place, crisis.interior, "NIGHT",
            [f"Darkness. {P.upper()} alone, breathing hard, the {prop} clutched tight.", "SUPER: Three days earlier."],
            [(p.name, "How did it come to this?")],
        )
        beats = [cold_open] + beats
    elif variant == "C":
        for beat in beats[2::2]:
            beat.summary = beat.summary + f" We stay with {A} here, seeing {P} from outside."
    return beats
