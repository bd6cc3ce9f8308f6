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
    assert prices.cost("offline:storyboard", Usage(images=40, tier="1536x1024/high")) == 0
    assert prices.cost("veo:veo-3.1-fast-generate-preview", Usage(video_seconds=8)) == pytest.approx(8 * 0.15)
    assert prices.cost("veo:veo-3.1-fast-generate-preview", Usage(video_seconds=8, tier="720p/silent")) == pytest.approx(0.8)
    assert prices.cost("openai:gpt-image-1", Usage(images=2, tier="1024x1024/high")) == pytest.approx(0.334)
    assert prices.cost("openai:gpt-image-1", Usage(images=1, tier="1536x1024/medium")) == pytest.approx(0.063)
    # gpt-image-1 bills text input and image input tokens apart from the image it makes
    assert prices.cost("openai:gpt-image-1", Usage(images=1, tier="1024x1024/low", input_tokens=1000,
                                                   input_image_tokens=1000)) == pytest.approx(0.011 + 0.005 + 0.010)
    assert prices.cost("fal:kling-v4", Usage(video_seconds=5, tier="1080p/audio")) == pytest.approx(5 * 0.235)
    with pytest.raises(UnknownPrice, match="data/prices.json"):
        prices.cost("acme:unknown", Usage(images=1))


def test_a_tier_the_table_does_not_list_is_an_error_not_the_base_price():
    with pytest.raises(UnknownPrice, match=r"'fal:kling-v4' at tier '4k/audio' \(listed: 1080p/audio, 720p/audio\)"):
        load_prices().cost("fal:kling-v4", Usage(video_seconds=5, tier="4k/audio"))
    # a model with one price takes any tier at that price (Sora has no tiers)
    assert load_prices().cost("openai:sora-2", Usage(video_seconds=4, tier="720p/audio")) == pytest.approx(0.4)


def test_every_tier_table_lists_numbers_for_its_model_kind():
    for engine_id, entry in load_prices().models.items():
        for unit, kind in (("per_image_by_tier", "image"), ("per_second_by_tier", "video")):
            if unit in entry:
                assert entry["kind"] == kind and all(v >= 0 for v in entry[unit].values()), engine_id


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
