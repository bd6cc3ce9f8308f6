"""Reading an idea the way the offline draft writer needs: its people, places, objects and premise.

This is deliberately simple, explainable text analysis (no model): capitalised names not at a
sentence start or after a place preposition are people; capitalised phrases after a place
preposition and known place nouns are places; known object nouns are props; "must ...",
"when ...", "finds ..." clauses give the goal, the threat and the discovery. Where the idea is
silent, names come from a fixed bank chosen by a stable hash, so the same idea always gives the
same cast.
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
}
PROP_NOUNS = {
    "radio", "letter", "letters", "key", "keys", "map", "gun", "photograph", "photo", "phone", "book",
    "ring", "knife", "lantern", "lamp", "camera", "box", "necklace", "notebook", "diary", "watch", "violin",
    "guitar", "piano", "bicycle", "suitcase", "envelope", "locket", "compass", "sword", "mask", "tape",
    "recorder", "painting", "clock", "robot", "drone", "telescope", "journal", "coin", "bottle", "flower",
    "seed", "egg", "crown", "amulet", "scroll", "typewriter", "briefcase", "ticket", "medal", "cassette",
    "record", "umbrella", "kite", "doll", "bell", "candle", "rope", "ladder", "shovel", "net", "trophy",
    "script", "manuscript", "cake", "recipe", "film", "device", "jacket", "scarf", "hat", "boots",
}
_PEOPLE_ROLES = {
    "keeper", "detective", "girl", "boy", "woman", "man", "robot", "doctor", "nurse", "teacher", "student",
    "baker", "chef", "pilot", "soldier", "sailor", "fisherman", "fisher", "farmer", "thief", "widow",
    "widower", "mother", "father", "sister", "brother", "daughter", "son", "grandmother", "grandfather",
    "friend", "stranger", "musician", "painter", "writer", "scientist", "engineer", "astronaut", "priest",
    "nun", "queen", "king", "prince", "princess", "witch", "wizard", "ghost", "courier", "driver", "cop",
    "officer", "journalist", "reporter", "lawyer", "judge", "mayor", "child", "kid", "orphan", "neighbor",
    "neighbour", "landlord", "captain", "mechanic", "hacker", "android", "dog", "cat", "fox",
}
_TITLES = {"detective", "doctor", "dr", "captain", "officer", "agent", "professor", "sergeant", "aunt", "uncle",
           "grandma", "grandpa", "sister", "brother", "father", "mother", "lady", "lord", "sir", "inspector"}
_NAME_BANK = ["MAYA", "ELI", "JUNO", "OSCAR", "IRIS", "THEO", "NADIA", "SOL", "VERA", "FELIX", "RUTH", "AMIR"]
_FALLBACK_PLACES = [("KITCHEN", True), ("STREET", False), ("ROOFTOP", False), ("OFFICE", True), ("PARK", False)]


@dataclass
class Person:
    name: str  # upper case, as a screenplay cue
    role: str = ""


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
    seed: int = 0

    @property
    def protagonist(self) -> Person:
        return self.people[0]

    def person(self, index: int) -> Person:
        return self.people[index % len(self.people)]

    def place(self, index: int) -> Place:
        return self.places[index % len(self.places)]

    def prop(self, index: int = 0) -> str:
        return self.props[index % len(self.props)] if self.props else "photograph"


def stable_seed(*parts: object) -> int:
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:12], 16)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip()]


def analyse(idea: str, seed: int = 0) -> IdeaFacts:
    """Everything the draft writer builds on, derived from the idea alone."""
    text = " ".join(idea.split())
    all_sentences = sentences(text)
    facts = IdeaFacts(premise=all_sentences[0] if all_sentences else text, seed=stable_seed(text, seed))
    place_phrases = _place_phrases(text)
    facts.places = _places(text, place_phrases)
    facts.people = _people(text, {p.lower() for p in place_phrases}, facts.seed)
    facts.props = _props(text)
    facts.goal = _clause(text, r"\b(?:must|has to|have to|needs to|need to|wants to|want to|tries to|sets out to)\s+([^.;!?]+)")
    facts.threat = _clause(text, r"\b(?:when|until|but|as)\s+([^,.;!?]+)")
    facts.discovery = _clause(text, r"\b(?:finds|discovers|receives|uncovers|inherits|hears|meets)\s+([^,.;!?]+)")
    return facts


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
    for name, interior in _FALLBACK_PLACES:
        if len(places) >= 4:
            break
        add(name, interior)
    return places


def _people(text: str, place_words: set[str], seed: int) -> list[Person]:
    people: list[Person] = []
    roles: dict[str, str] = {}
    for match in re.finditer(r"\b(?:[Aa]n?|[Tt]he)\s+((?:[a-z-]+\s+){0,3}?[a-z-]+)\s+(?:named|called)\s+([A-Z][a-z]+)", text):
        roles[match.group(2)] = match.group(1)
    for match in re.finditer(r"\b([A-Z][a-z]+),\s+(?:a|an|the)\s+([a-z][a-z\s-]{2,40}?)[,.]", text):
        roles.setdefault(match.group(1), match.group(2))
    for match in re.finditer(r"\b(?:her|his|their)\s+((?:[a-z]+\s+)?[a-z]+)\s+([A-Z][a-z]+)", text):
        roles.setdefault(match.group(2), match.group(1))

    seen: set[str] = set()
    for sentence in sentences(text):
        tokens = re.findall(r"[A-Za-z'-]+", sentence)
        for index, token in enumerate(tokens):
            if not token[0].isupper() or token.lower() in _STOP or token.lower() in place_words:
                continue
            if token.lower() in _TITLES and index + 1 < len(tokens) and tokens[index + 1][0].isupper():
                roles.setdefault(tokens[index + 1], token.lower())
                continue  # "Detective Ray Cole": the title is a role, the first name is the cue
            if index and tokens[index - 1][0].isupper() and tokens[index - 1].upper() in seen:
                continue  # a surname after a first name already cast
            if token.lower() in PLACE_NOUNS or token.lower() in PROP_NOUNS or token.isupper() and len(token) > 1 and index == 0:
                continue
            prev = tokens[index - 1].lower() if index else ""
            if prev in _PLACE_PREPS and token.lower() not in {r.lower() for r in roles}:
                continue
            if any(token in phrase.split() for phrase in place_words) or token.lower() in {w for p in place_words for w in p.split()}:
                continue
            if token.upper() not in seen:
                seen.add(token.upper())
                people.append(Person(token.upper(), roles.get(token, "")))
    if not people:
        role_match = re.search(r"\b(?:a|an)\s+((?:[a-z-]+\s+){0,2}?(?:" + "|".join(sorted(_PEOPLE_ROLES)) + r"))\b", text)
        first = _NAME_BANK[seed % len(_NAME_BANK)]
        people.append(Person(first, role_match.group(1) if role_match else "dreamer"))
    bank = [n for n in _NAME_BANK if n not in seen]
    while len(people) < 3:
        name = bank[(seed + len(people) * 5) % len(bank)]
        bank.remove(name)
        people.append(Person(name, "friend" if len(people) == 1 else "rival"))
    return people


def _props(text: str) -> list[str]:
    found: list[str] = []
    for word in re.findall(r"[A-Za-z]+", text.lower()):
        if word in PROP_NOUNS and word not in found:
            found.append(word)
    return found
