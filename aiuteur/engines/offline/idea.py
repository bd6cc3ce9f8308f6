"""Reading an idea the way the offline draft writer needs: its people, places, objects and premise.

This is deliberately simple, explainable text analysis (no model):

* **People** are the idea's names and the people it describes without naming them. A capitalised
  word is a name when it is not a known non-name (number words like "Two", words that open a
  sentence like "Estranged" or "Lonely") — a word at a sentence start must also be introduced
  ("named Elsa", "Elsa, a ...") or be used as a name elsewhere, or look like one (no adjective or
  participle ending). A described person ("two estranged sisters", "a thief", "her robot") gets a
  name from a bank chosen by a stable hash (female, male or either, from the role), unless the
  idea names them nearby.
* **Absent people** — dead, drowned, missing, late, inherited from — are kept, marked `absent`:
  the writer never puts them on screen; they are heard only (V.O.) through the idea's voice device
  (a radio, a phone, a tape...) when it has one.
* **Wants and beliefs** ("Ana wants to sell", "Jonah thinks grief has broken her") are kept per
  person: the dialogue is built from them.
* Places: capitalised phrases after a place preposition and known place nouns; props: known
  object nouns; "must ...", "when ...", "finds ..." clauses give the goal, the threat and the
  discovery.

The same idea always gives the same cast.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

_STOP = {
    "a", "an", "the", "when", "after", "before", "as", "but", "and", "or", "so", "then", "now", "one", "in",
    "on", "at", "of", "to", "with", "while", "until", "if", "she", "he", "they", "her", "his", "their",
    "it", "its", "this", "that", "there", "here", "every", "each", "some", "all", "no", "years", "year",
    "i", "we", "you", "our", "my", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday", "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "christmas", "god", "mr", "mrs", "ms", "dr", "only", "even",
    "meanwhile", "soon", "later", "together", "someone", "everyone", "nobody", "what", "who", "how",
}
#: capitalised words that are never a person's name (numbers, quantities, time words, sentence openers)
_NOT_NAMES = {
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "twenty",
    "hundred", "hundreds", "thousand", "thousands", "dozens", "both", "twin", "twins", "several", "many", "few",
    "first", "last", "next", "second", "third", "once", "today", "tonight", "tomorrow", "yesterday", "decades",
    "centuries", "months", "weeks", "days", "nights", "hours", "young", "old", "little", "big", "tiny", "small",
    "lonely", "retired", "former", "elderly", "teenage", "orphaned", "widowed", "blind", "deaf", "shy", "brave",
    "bitter", "broke", "grieving", "desperate", "reclusive", "estranged", "aging", "ageing", "ambitious", "new",
    "somewhere", "everywhere", "deep", "far", "high", "long", "late", "dead", "ex", "former", "would-be",
    "struggling", "disgraced", "down-on-her-luck", "down-on-his-luck", "unemployed", "exiled", "runaway",
    "home", "back", "inside", "outside", "across", "along", "during", "without", "because", "though",
    "although", "since", "why", "where", "which", "whose", "his", "hers", "theirs", "its", "these", "those",
    "elderly", "friendly", "lovely", "reclusive", "massive", "naive", "secret", "sudden", "silent", "ancient",
    "recent", "desperate", "eccentric", "stoic", "tragic", "heroic", "cynical", "modern", "future", "after",
}
#: endings of adjectives and participles that open loglines ("Estranged", "Haunted", "Struggling");
#: names rarely end so (-ly, -ent, -ic are left out: Emily, Vincent, Eric)
_ADJECTIVE_ENDINGS = ("ed", "ing", "ous", "ful", "less", "ish", "able", "ible")
_PLACE_PREPS = {"in", "at", "to", "from", "near", "across", "inside", "outside", "under", "over", "into",
                "through", "of", "above", "beneath", "beyond", "toward", "towards", "around", "on"}
#: place noun -> is it usually an interior?
PLACE_NOUNS: dict[str, bool] = {
    "lighthouse": True, "harbor": False, "harbour": False, "kitchen": True, "apartment": True, "office": True,
    "bar": True, "lab": True, "laboratory": True, "library": True, "house": True, "cabin": True, "diner": True,
    "motel": True, "hotel": True, "hospital": True, "church": True, "station": True, "school": True,
    "classroom": True, "shop": True, "store": True, "bakery": True, "museum": True, "factory": True,
    "warehouse": True, "garage": True, "attic": True, "basement": True, "bedroom": True, "theater": True,
    "theatre": True, "studio": True, "restaurant": True, "cafe": True, "prison": True, "castle": True,
    "palace": True, "spaceship": True, "ship": False, "boat": False, "train": True, "car": True, "bus": True,
    "forest": False, "woods": False, "beach": False, "desert": False, "mountain": False, "village": False,
    "town": False, "city": False, "market": False, "street": False, "alley": False, "road": False,
    "highway": False, "bridge": False, "river": False, "lake": False, "sea": False, "ocean": False,
    "island": False, "field": False, "farm": False, "garden": False, "park": False, "rooftop": False,
    "cliff": False, "cliffs": False, "pier": False, "dock": False, "docks": False, "port": False,
    "valley": False, "jungle": False, "cemetery": False, "camp": False, "stadium": False, "square": False,
    "orchard": False, "vineyard": False, "swamp": False, "coast": False, "shore": False, "moon": False,
    "planet": False, "colony": True, "base": True, "observatory": True, "mine": True, "tunnel": True,
    "subway": True, "airport": True, "court": True, "courthouse": True, "gym": True, "arcade": True,
    "planetarium": True, "ferry": False, "winery": True, "ranch": False, "workshop": True, "greenhouse": True,
}
PROP_NOUNS = {
    "radio", "letter", "letters", "key", "keys", "map", "gun", "photograph", "photo", "phone", "book",
    "ring", "knife", "lantern", "lamp", "camera", "box", "necklace", "notebook", "diary", "watch", "violin",
    "guitar", "piano", "bicycle", "suitcase", "envelope", "locket", "compass", "sword", "mask", "tape",
    "recorder", "painting", "clock", "robot", "drone", "telescope", "journal", "coin", "bottle", "flower",
    "seed", "egg", "crown", "amulet", "scroll", "typewriter", "briefcase", "ticket", "medal", "cassette",
    "record", "umbrella", "kite", "doll", "bell", "candle", "rope", "ladder", "shovel", "net", "trophy",
    "script", "manuscript", "cake", "recipe", "film", "device", "jacket", "scarf", "hat", "boots",
    "voicemail", "walkie-talkie", "recording", "answering machine",
}
#: props through which an absent person can be heard (their lines are V.O.)
VOICE_DEVICES = ("radio", "phone", "voicemail", "tape", "cassette", "recorder", "recording", "walkie-talkie",
                 "answering machine", "record", "letter", "letters", "diary", "journal")
_FEMALE_ROLES = {
    "sister", "mother", "daughter", "widow", "grandmother", "girl", "woman", "queen", "princess", "nun", "witch",
    "aunt", "wife", "bride", "niece", "actress", "waitress", "mom", "mum", "grandma", "lady", "heiress", "priestess",
    "girlfriend", "granddaughter", "stepmother", "stepsister",
}
_MALE_ROLES = {
    "brother", "father", "son", "widower", "grandfather", "boy", "man", "king", "prince", "priest", "wizard",
    "uncle", "husband", "groom", "nephew", "dad", "grandpa", "fisherman", "monk", "lord", "boyfriend", "grandson",
    "stepfather", "stepbrother",
}
#: roles that are a relation, not a job ("somebody has to be the sister" does not work)
FAMILY_ROLES = (_FEMALE_ROLES | _MALE_ROLES) - {"fisherman", "monk", "priest", "priestess", "nun", "actress", "waitress",
                                                 "king", "queen", "prince", "princess", "wizard", "witch", "lord", "lady"}
_PEOPLE_ROLES = _FEMALE_ROLES | _MALE_ROLES | {
    "keeper", "detective", "robot", "doctor", "nurse", "teacher", "student", "baker", "chef", "pilot", "soldier",
    "sailor", "fisher", "farmer", "thief", "friend", "stranger", "musician", "painter", "writer", "scientist",
    "engineer", "astronaut", "ghost", "courier", "driver", "cop", "officer", "journalist", "reporter", "lawyer",
    "judge", "mayor", "child", "kid", "orphan", "neighbor", "neighbour", "landlord", "captain", "mechanic",
    "hacker", "android", "dog", "cat", "fox", "partner", "sibling", "parent", "cousin", "twin", "rival", "boss",
    "guard", "janitor", "waiter", "singer", "dancer", "actor", "poet", "vintner", "winemaker", "ferryman",
    "astronomer", "librarian", "spy", "agent", "smuggler", "killer", "witness", "teenager", "stepchild",
}
_ANIMALS = {"dog", "cat", "fox"}
#: verbs whose clause is a want or a belief, not a deed
_SAYING = "wants|thinks|believes|fears|suspects|insists|knows|hopes|plans|needs|longs|vows|wishes|refuses"
#: roles that make a person the opponent rather than the ally
OPPONENT_ROLES = {"thief", "killer", "rival", "smuggler", "spy", "villain", "enemy", "bully", "landlord", "boss",
                  "witch", "stranger", "hacker", "agent", "guard"}
_PLURALS = {"women": "woman", "men": "man", "children": "child", "people": "person", "wives": "wife",
            "thieves": "thief", "twins": "twin"}
_TITLES = {"detective", "doctor", "dr", "captain", "officer", "agent", "professor", "sergeant", "aunt", "uncle",
           "grandma", "grandpa", "sister", "brother", "father", "mother", "lady", "lord", "sir", "inspector"}
_COUNTS = {"two": 2, "three": 3, "twin": 2, "both": 2, "pair": 2, "couple": 2}
#: words in a role or near a name that mean the person is dead or gone
_ABSENT_WORDS = {"drowned", "dead", "late", "deceased", "missing", "departed", "murdered", "killed", "vanished",
                 "lost", "absent", "buried", "ghost", "dying-wish", "disappeared", "fallen"}
_ABSENT_AFTER = r"(?:'s)?\s+(?:died|drowned|vanished|disappeared|is dead|was killed|was murdered|is missing|went missing|passed away)"
_NAME_BANK_F = ["MAYA", "IRIS", "NADIA", "VERA", "RUTH", "JUNO", "NORA", "ADA", "LENA", "MIRA", "TESS", "ALMA"]
_NAME_BANK_M = ["ELI", "OSCAR", "THEO", "FELIX", "AMIR", "SOL", "OWEN", "LEO", "JONAS", "RAFE", "IVAN", "HUGO"]
_FALLBACK_PLACES = [("KITCHEN", True), ("STREET", False), ("ROOFTOP", False), ("OFFICE", True), ("PARK", False)]


@dataclass
class Person:
    name: str  # upper case, as a screenplay cue
    role: str = ""
    absent: bool = False  # dead or gone: never on screen; heard only (V.O.)
    named: bool = True  # the idea names them (else the name comes from the bank)
    speaks: bool = True  # a dog does not
    want: str = ""  # "sell the vineyard": what they say they want
    belief: str = ""  # "grief has finally broken her": what they think
    deed: str = ""  # "hides a secret": what the idea says they do
    position: int = 0  # where the idea first mentions them

    @property
    def female(self) -> bool | None:
        noun = self.role.split()[-1] if self.role else ""
        return True if noun in _FEMALE_ROLES else False if noun in _MALE_ROLES else None


@dataclass
class Place:
    name: str  # upper case, as in a scene heading
    interior: bool


@dataclass
class IdeaFacts:
    premise: str
    people: list[Person] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    props: list[str] = field(default_factory=list)
    goal: str = ""
    threat: str = ""
    discovery: str = ""
    situation: str = ""  # the first sentence after its subject: "inherit their mother's failing vineyard"
    discovery_verb: str = ""  # how the discovery comes: "finds", "inherits", "hears"
    voice_device: str = ""  # how an absent person is heard: "radio"
    seed: int = 0

    @property
    def present(self) -> list[Person]:
        """The people who can be on screen and speak, in order of mention."""
        return [p for p in self.people if not p.absent and p.speaks]

    @property
    def absent(self) -> list[Person]:
        return [p for p in self.people if p.absent]

    @property
    def protagonist(self) -> Person:
        return self.present[0]

    def person(self, index: int) -> Person:
        """The `index`-th person who can be on screen (cycling)."""
        return self.present[index % len(self.present)]

    def place(self, index: int) -> Place:
        return self.places[index % len(self.places)]

    def prop(self, index: int = 0) -> str:
        return self.props[index % len(self.props)] if self.props else "photograph"


def stable_seed(*parts: object) -> int:
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:12], 16)


def sentences(text: str) -> list[str]:
    """Sentences, also those ended by 。！？ (scripts written without spaces)."""
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|(?<=[。！？])", text.strip()) if s.strip()]


def analyse(idea: str, seed: int = 0) -> IdeaFacts:
    """Everything the draft writer builds on, derived from the idea alone."""
    if not isinstance(idea, str):
        from aiuteur.validate import WrongType

        raise WrongType(f"idea: expected str, got {type(idea).__name__}")
    text = " ".join(idea.split())
    all_sentences = sentences(text)
    facts = IdeaFacts(premise=all_sentences[0] if all_sentences else text, seed=stable_seed(text, seed))
    place_phrases = _place_phrases(text)
    facts.places = _places(text, place_phrases)
    facts.props = _props(text)
    facts.people = _people(text, {p.lower() for p in place_phrases}, facts.seed)
    facts.goal = _clause(text, r"\b(?:must|has to|have to|needs to|need to|wants to|want to|tries to|sets out to)\s+([^.;!?]+)")
    facts.threat = _clause(text, r"\b(?:when|until)\s+([^,.;!?]+)") or _clause(text, r"\b(?:but|as)\s+([^,.;!?]+)")
    found = re.search(r"\b(finds|discovers|receives|uncovers|inherits|inherit|hears|meets)\s+([^,.;!?]+)", text, re.IGNORECASE)
    if found:
        facts.discovery_verb = third_person_verb(found.group(1).lower())
        facts.discovery = re.split(r"\s+(?:and|but|while|so)\s+(?:must|has to|needs to|wants to|tries to|then)\b",
                                   found.group(2).strip())[0]
    facts.situation = _situation(facts.premise, facts.people)
    facts.voice_device = _voice_device(text, facts)
    return facts


def third_person_verb(verb: str) -> str:
    """"inherit" -> "inherits"; a verb already in the third person stays."""
    if verb.endswith("s"):
        return verb
    return verb + ("es" if verb.endswith(("sh", "ch", "x", "o")) else "s")


def base_verb(verb: str) -> str:
    """"hunts" -> "hunt", "watches" -> "watch", "tries" -> "try", "goes" -> "go"."""
    if verb in ("is", "has", "does"):
        return {"is": "be", "has": "have", "does": "do"}[verb]
    if verb.endswith("ies") and len(verb) > 4:
        return verb[:-3] + "y"
    if verb.endswith(("shes", "ches", "xes", "sses", "oes")):
        return verb[:-2]
    if verb.endswith("s") and not verb.endswith("ss"):
        return verb[:-1]
    return verb


def _clause(text: str, pattern: str) -> str:
    match = re.search(pattern, text, flags=re.IGNORECASE)
    return match.group(1).strip() if match else ""


def _place_phrases(text: str) -> list[str]:
    """Capitalised phrases that follow a place preposition ("in the harbor town of Port Ellery")."""
    found = []
    preps = "|".join(sorted(_PLACE_PREPS))
    pattern = rf"\b(?:{preps})\s+(?:the\s+)?((?:[a-z]+\s+){{0,3}}?)((?:[A-Z][a-z']+)(?:\s+[A-Z][a-z']+)*)"
    for match in re.finditer(pattern, text):
        between = set(match.group(1).split())
        if between & {"her", "his", "their", "my", "our", "your"} or between & _PEOPLE_ROLES:
            continue  # "from her drowned brother Tomas" names a person, not a place
        if match.group(2).lower() not in _STOP:
            found.append(match.group(2))
    return found


def _places(text: str, phrases: list[str]) -> list[Place]:
    places: list[Place] = []
    seen: set[str] = set()

    def add(name: str, interior: bool) -> None:
        key = name.upper()
        if key not in seen:
            seen.add(key)
            places.append(Place(key, interior))

    words = re.findall(r"[A-Za-z']+", text)
    nouns_seen: set[str] = set()
    for i, word in enumerate(words):
        noun = word.lower()
        if noun in PLACE_NOUNS and word.islower():
            # a compound of two place nouns is one place ("harbor town"); adjectives are dropped
            prev = words[i - 1].lower() if i else ""
            if prev in PLACE_NOUNS and prev in nouns_seen:
                places[:] = [p for p in places if p.name != prev.upper()]
                seen.discard(prev.upper())
                add(f"{prev} {noun}", PLACE_NOUNS[noun])
            elif noun not in nouns_seen:
                add(noun, PLACE_NOUNS[noun])
            nouns_seen.add(noun)
    for phrase in phrases:
        if phrase.upper() not in seen:
            add(phrase, False)
    if not places:  # only when the idea names no place at all
        for name, interior in _FALLBACK_PLACES[:3]:
            add(name, interior)
    return places


# -- people ------------------------------------------------------------------------------------------
def _singular(noun: str) -> str:
    noun = noun.lower()
    if noun in _PLURALS:
        return _PLURALS[noun]
    for ending in ("s",):
        if noun.endswith(ending) and noun[: -len(ending)] in _PEOPLE_ROLES:
            return noun[: -len(ending)]
    return noun


def _named_roles(text: str) -> dict[str, str]:
    """Name -> role where the idea says it: "a keeper named Elsa", "Jonah, a fisherman", "her brother Tomas"."""
    roles: dict[str, str] = {}
    for match in re.finditer(r"\b(?:[Aa]n?|[Tt]he)\s+((?:[a-z-]+\s+){0,3}?[a-z-]+)\s+(?:named|called)\s+([A-Z][a-z]+)", text):
        roles[match.group(2)] = match.group(1)
    for match in re.finditer(r"\b([A-Z][a-z]+),\s+(?:a|an|the)\s+([a-z][a-z\s-]{2,40}?)[,.;]", text):
        roles.setdefault(match.group(1), match.group(2))
    for match in re.finditer(r"\b(?:[Hh]er|[Hh]is|[Tt]heir)\s+((?:[a-z]+\s+)?[a-z]+)\s+([A-Z][a-z]+)", text):
        roles.setdefault(match.group(2), match.group(1))
    return roles


def is_name_word(token: str, *, sentence_start: bool, introduced: bool, used_mid_sentence: bool) -> bool:
    """Whether a capitalised word is a person's name (see the module docstring)."""
    low = token.lower()
    if not token[:1].isupper() or low in _STOP or low in _NOT_NAMES:
        return False
    if low in PLACE_NOUNS or low in PROP_NOUNS or _singular(low) in _PEOPLE_ROLES:
        return False
    if token.isupper() and len(token) > 1:
        return False  # an acronym or a shouted word, not a name
    if not sentence_start or introduced or used_mid_sentence:
        return True
    return not (len(token) > 4 and low.endswith(_ADJECTIVE_ENDINGS))


def _people(text: str, place_words: set[str], seed: int) -> list[Person]:
    roles = _named_roles(text)
    named = _named_people(text, place_words, roles)
    people = named + _described_people(text, named, {p.name for p in named}, seed)
    people.sort(key=lambda p: p.position)
    for person in people:
        _mark_absent(text, person)
        if person.named:
            person.want = _clause(text, rf"\b{re.escape(person.name.title())}\b[^.;!?]*?\b(?:wants|hopes|plans|longs|vows|wishes|needs|refuses)\s+to\s+([^.;,!?]+)")
            person.deed = _clause(text, rf"\b{re.escape(person.name.title())}\b\s+((?!(?:is|was|has|{_SAYING})\b)[a-z]+s\s+[^.;,!?]+)")
            person.belief = _clause(text, rf"\b{re.escape(person.name.title())}\b(?:,[^,.;]+,)?\s+(?:thinks|believes|fears|suspects|insists|is sure|is convinced|knows)\s+(?:that\s+)?([^.;!?]+)")
    present = [p for p in people if not p.absent and p.speaks]
    taken = {p.name for p in people}
    while len(present) < 2:
        # an idea with one person (or none) still needs someone to talk to
        role = "friend" if present else "dreamer"
        companion = Person(_bank_name(seed, taken, None, len(people)), role, named=False, position=len(text) + len(people))
        taken.add(companion.name)
        people.append(companion)
        present.append(companion)
    return people


def _named_people(text: str, place_words: set[str], roles: dict[str, str]) -> list[Person]:
    mid_sentence: set[str] = set()
    tokens_by_sentence = []
    offset = 0
    for sentence in sentences(text):
        start = text.find(sentence, offset)
        offset = start + len(sentence)
        tokens = [(m.group(0), start + m.start()) for m in re.finditer(r"[A-Za-z][A-Za-z'-]*", sentence)]
        tokens_by_sentence.append(tokens)
        mid_sentence.update(t for i, (t, _) in enumerate(tokens) if i and t[:1].isupper())
    people: list[Person] = []
    seen: set[str] = set()
    place_tokens = {w for p in place_words for w in p.split()}
    for tokens in tokens_by_sentence:
        for index, (raw, position) in enumerate(tokens):
            token = raw[:-2] if raw.endswith("'s") else raw
            if not token[:1].isupper():
                continue
            low = token.lower()
            if low in _TITLES and index + 1 < len(tokens) and tokens[index + 1][0][:1].isupper():
                roles.setdefault(tokens[index + 1][0], low)
                continue  # "Detective Ray Cole": the title is a role, the first name is the cue
            if index and tokens[index - 1][0][:1].isupper() and tokens[index - 1][0].upper() in seen:
                continue  # a surname after a first name already cast
            prev = tokens[index - 1][0].lower() if index else ""
            if prev in _PLACE_PREPS and token not in roles:
                continue
            if low in place_words or low in place_tokens:
                continue
            if not is_name_word(token, sentence_start=index == 0, introduced=token in roles,
                                used_mid_sentence=token in mid_sentence):
                continue
            if token.upper() not in seen:
                seen.add(token.upper())
                people.append(Person(token.upper(), roles.get(token, ""), position=position))
    return people


_ROLE_WORDS = sorted(_PEOPLE_ROLES | {r + "s" for r in _PEOPLE_ROLES} | set(_PLURALS), key=len, reverse=True)
_DESCRIBED = re.compile(
    r"\b(?P<det>[Aa]n?|[Tt]he|[Tt]wo|[Tt]hree|[Tt]win|[Bb]oth|[Hh]er|[Hh]is|[Tt]heir|[Mm]y|[Oo]ur)\s+"
    r"(?P<adj>(?:[a-z-]+\s+){0,2}?)(?P<noun>" + "|".join(_ROLE_WORDS) + r")(?P<poss>'s?)?\b")


def _described_people(text: str, named: list[Person], names: set[str], seed: int) -> list[Person]:
    """People the idea describes without a name ("two estranged sisters", "a thief", "her robot")."""
    found: list[Person] = []
    roleless = [p for p in named if not p.role]
    by_noun: dict[str, int] = {}
    taken = set(names)
    for match in _DESCRIBED.finditer(text):
        noun = _singular(match.group("noun"))
        adjectives = match.group("adj").split()
        if any(a in _PEOPLE_ROLES or a in ("named", "called") for a in adjectives):
            continue
        after, before = text[match.end():match.end() + 40], text[max(0, match.start() - 60):match.start()]
        if re.match(r"\s+(?:named|called)\s+[A-Z]|\s+[A-Z][a-z]+", after):
            continue  # "her brother Tomas", "a keeper named Elsa": the named person has this role
        if re.search(r"[A-Z][a-z]+,\s*$", before) or re.search(r"[A-Z][a-z]+\s+(?:is|was)\s*$", before):
            continue  # "Jonah, a fisherman", "Ana is a chef"
        det = match.group("det").lower()
        plural = match.group("noun").lower() != noun
        count = _COUNTS.get(det, 2 if plural else 1)
        if by_noun.get(noun, 0) >= count or det == "the" and noun in by_noun:
            continue  # the same people mentioned again
        role = " ".join([*adjectives, noun]).strip()
        later = [p for p in roleless if p.position > match.start()]
        if later and len(later) >= count:
            for person in later[:count]:  # "Two sisters ... Ana ... Bea": the sisters are named later
                person.role = role
                roleless.remove(person)
            by_noun[noun] = by_noun.get(noun, 0) + count
            continue
        female = True if noun in _FEMALE_ROLES else False if noun in _MALE_ROLES else _pronoun_after(text, match.end())
        for _ in range(count):
            name = _bank_name(seed, taken, female if count == 1 or female is not None else None, len(found))
            taken.add(name)
            # "their late mother", or "inherit their mother's vineyard": she is gone
            absent = bool(set(adjectives) & _ABSENT_WORDS) or bool(
                match.group("poss") and re.search(r"\binherit\w*$", text[:match.start()].rstrip()))
            found.append(Person(name, role, absent=absent, named=False, speaks=noun not in _ANIMALS,
                                position=match.start() + len(found) / 100))
        by_noun[noun] = by_noun.get(noun, 0) + count
    return found


def _pronoun_after(text: str, end: int) -> bool | None:
    """The gender the next pronoun gives a described person ("an astronaut hears her ..."), if any."""
    match = re.search(r"\b(she|her|herself|he|his|him|himself)\b", text[end:end + 80], flags=re.IGNORECASE)
    return None if match is None else match.group(1).lower() in ("she", "her", "herself")


def _bank_name(seed: int, taken: set[str], female: bool | None, index: int) -> str:
    bank = _NAME_BANK_F if female else _NAME_BANK_M if female is False else [
        n for pair in zip(_NAME_BANK_F, _NAME_BANK_M) for n in pair]
    free = [n for n in bank if n not in taken] or [n for n in _NAME_BANK_F + _NAME_BANK_M if n not in taken]
    return free[(seed + index * 5) % len(free)] if free else f"PERSON {len(taken) + 1}"


def _mark_absent(text: str, person: Person) -> None:
    """Dead or gone, by the words of their role or of the idea around their name."""
    if set(person.role.split()) & _ABSENT_WORDS:
        person.absent = True
    if person.named:
        name = re.escape(person.name.title())
        if re.search(rf"\b{name}{_ABSENT_AFTER}\b", text) or re.search(
                rf"\b(?:death|funeral|grave|ghost|memory|loss) of (?:(?:her|his|their)\s+)?(?:[a-z]+\s+)?{name}\b", text):
            person.absent = True


def _situation(premise: str, people: list[Person]) -> str:
    """The premise after its subject: what happens to the people it opens on."""
    words = premise.rstrip(".!?").split()
    subject_end = -1
    for i, word in enumerate(words):
        bare = word.strip(",").lower().removesuffix("'s")
        if bare.upper() in {p.name for p in people} or _singular(bare) in _PEOPLE_ROLES:
            subject_end = i
            if i + 2 < len(words) and words[i + 1] in ("named", "called"):
                subject_end = i + 2
            while subject_end + 1 < len(words) and words[subject_end + 1][:1].isupper():
                subject_end += 1  # "Detective Ray Cole": the name after a title, a surname
            nxt = words[subject_end + 1].lower() if subject_end + 1 < len(words) else ""
            if nxt not in ("and", "&") and not word.endswith(","):
                break
    if subject_end < 0 or subject_end + 1 >= len(words):
        return ""
    rest = " ".join(words[subject_end + 1:])
    return re.split(r"[;:]", rest)[0].strip(" ,")


def _voice_device(text: str, facts: IdeaFacts) -> str:
    """The prop an absent person is heard through, preferring one named in the same sentence."""
    devices = [p for p in facts.props if p in VOICE_DEVICES]
    for person in facts.absent:
        for sentence in sentences(text):
            if person.name.title() in sentence or person.role and person.role.split()[-1] in sentence:
                for device in devices:
                    if device in sentence.lower():
                        return device
    return devices[0] if devices and facts.absent else ""


def _props(text: str) -> list[str]:
    found: list[str] = []
    for word in re.findall(r"[A-Za-z-]+", text.lower()):
        if word in PROP_NOUNS and word not in found:
            found.append(word)
    return found
