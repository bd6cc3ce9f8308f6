"""The offline draft writer: deterministic, and what it writes comes from the idea."""
from __future__ import annotations

from aiuteur.engines.offline import DraftWriter
from aiuteur.engines.offline.idea import analyse
from aiuteur.engines.protocols import TextRequest
from aiuteur.models.story import BeatSheet, ScriptDraft, TreatmentSet


def _treatments(idea: str, seed: int = 0) -> TreatmentSet:
    request = TextRequest(task="treatment", system="", prompt=idea, context={"idea": idea, "title": "T"}, seed=seed)
    return DraftWriter().write(request, TreatmentSet)[0]


def _beats(idea: str, variant: dict) -> BeatSheet:
    ctx = {"idea": idea, "treatment": variant, "target_seconds": 180}
    return DraftWriter().write(TextRequest(task="beats", system="", prompt="", context=ctx), BeatSheet)[0]


def test_idea_analysis_finds_people_places_and_stakes(idea):
    facts = analyse(idea)
    names = [p.name for p in facts.people]
    assert names[:3] == ["ELSA", "TOMAS", "JONAH"]
    assert facts.people[0].role == "aging lighthouse keeper"
    assert [p.name for p in facts.present] == ["ELSA", "JONAH"] and [p.name for p in facts.absent] == ["TOMAS"]
    assert facts.people[2].belief == "grief has finally broken her"
    assert {"LIGHTHOUSE", "HARBOR TOWN", "PORT ELLERY"} <= {p.name for p in facts.places}
    assert "radio" in facts.props and facts.voice_device == "radio"
    assert facts.goal.startswith("decide whether to trust the voice")


def test_same_inputs_and_seed_give_the_same_words(idea):
    assert _treatments(idea).model_dump() == _treatments(idea).model_dump()


def test_three_variants_that_state_how_they_differ(idea):
    variants = _treatments(idea).variants
    assert [v.variant for v in variants] == ["A", "B", "C"]
    assert len({v.angle for v in variants}) == 3
    assert len({v.text for v in variants}) == 3


def test_the_idea_is_in_treatment_beats_and_script(idea):
    treatment = _treatments(idea).variants[0]
    assert "Elsa" in treatment.text and "radio" in treatment.text and "Lighthouse" in treatment.text
    sheet = _beats(idea, treatment.model_dump())
    assert len(sheet.beats) >= 6 and abs(sheet.total_seconds - 180) < 5
    assert any("ELSA" in b.characters for b in sheet.beats)
    ctx = {"idea": idea, "title": "T", "variant": "A", "beats": [b.model_dump() for b in sheet.beats]}
    script = DraftWriter().write(TextRequest(task="script", system="", prompt="", context=ctx), ScriptDraft)[0]
    assert "INT. LIGHTHOUSE" in script.fountain and "\nELSA\n" in script.fountain and "radio" in script.fountain
    assert "trust the voice" in script.fountain


def test_a_different_idea_gives_a_different_cast():
    other = "Detective Ray Cole hunts a thief across Tokyo while his partner Lena hides a secret."
    treatment = _treatments(other).variants[0]
    assert "Ray" in treatment.text and "Tokyo" in treatment.text
    assert "Elsa" not in treatment.text


def test_an_idea_without_names_still_gets_a_stable_cast():
    first = analyse("a girl and her robot run away to the sea")
    second = analyse("a girl and her robot run away to the sea")
    assert [p.name for p in first.people] == [p.name for p in second.people]
    assert [p.role for p in first.people] == ["girl", "robot"]
    assert first.people[0].name in {"MAYA", "IRIS", "NADIA", "VERA", "RUTH", "JUNO", "NORA", "ADA", "LENA", "MIRA",
                                    "TESS", "ALMA"}  # a girl gets a woman's name from the bank
