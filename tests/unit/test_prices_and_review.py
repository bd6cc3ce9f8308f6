"""The price table and review-note routing."""
from __future__ import annotations

import pytest

from aiuteur.costs import UnknownPrice, load_prices
from aiuteur.engines.protocols import Usage
from aiuteur.stages.review import route


def test_every_price_has_a_source_and_date():
    prices = load_prices()
    for engine_id, entry in prices.models.items():
        assert ":" in engine_id and entry["source"] and entry["checked"][:2] == "20"
    for kind, engine_id in prices.defaults.items():
        assert prices.entry(engine_id)["kind"] == kind


def test_costs_from_usage():
    prices = load_prices()
    assert prices.cost("offline:animatic", Usage(video_seconds=100)) == 0
    assert prices.cost("veo:veo-3.1-fast-generate-preview", Usage(video_seconds=8)) == pytest.approx(8 * 0.15)
    assert prices.cost("veo:veo-3.1-fast-generate-preview", Usage(video_seconds=8), audio=False) == pytest.approx(0.8)
    assert prices.cost("openai:gpt-image-1", Usage(images=2), quality="high") == pytest.approx(0.334)
    with pytest.raises(UnknownPrice, match="data/prices.json"):
        prices.cost("acme:unknown", Usage(images=1))


@pytest.mark.parametrize("text, stage", [
    ("Elsa's line in scene 3 sounds wrong", "script"),
    ("her jacket is muddy here but clean in the next shot", "visual_states"),
    ("this shot is too long", "shots"),
    ("the lighting is too dark", "frames"),
    ("weird motion glitch at the end", "video"),
])
def test_notes_route_to_the_stage_that_fixes_them(text, stage):
    assert route(text) == stage


@pytest.mark.parametrize("key, slug", [
    ("input", "input"), ("scene/12/shots", "shots"), ("scene/3/states", "visual_states"),
    ("shot/SC010_SH0010/prompt", "prompts"), ("shot/SC010_SH0010/frames", "frames"),
    ("shot/SC010_SH0010/video", "video"), ("film", "video"), ("confirmation", "confirm"),
])
def test_every_artifact_key_belongs_to_its_stage(key, slug):
    from aiuteur.stages.catalog import stage_for_key
    assert stage_for_key(key).slug == slug
