"""The price table: per model, per 1M tokens, per image or per video second (by price tier where a
model has several: image size and quality, clip resolution and audio), each with its source."""
from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from aiuteur.engines.protocols import Usage


class UnknownPrice(KeyError):
    """A model has no entry in the price table: estimates must not silently say 0."""


def _price_file() -> Path:
    in_repo = Path(__file__).resolve().parents[2] / "data" / "prices.json"
    if in_repo.exists():
        return in_repo
    return Path(str(resources.files("aiuteur") / "_data" / "prices.json"))  # installed wheel


class PriceTable:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.models: dict[str, dict[str, Any]] = data["models"]
        self.defaults: dict[str, str] = data["defaults"]

    def entry(self, engine_id: str) -> dict[str, Any]:
        wildcard = engine_id.partition(":")[0] + ":*"  # e.g. openai-compatible:* (local models, free)
        if engine_id not in self.models and wildcard in self.models:
            return self.models[wildcard]
        if engine_id not in self.models:
            from aiuteur.engines.registry import declared_price  # a plug-in's own price; local ones are free

            declared = declared_price(engine_id)
            if declared is not None:
                return declared
            raise UnknownPrice(
                f"no price for {engine_id!r} in the price table; add it to data/prices.json (see docs/cost-model.md)"
            )
        return self.models[engine_id]

    def cost(self, engine_id: str, usage: Usage) -> float:
        """USD for `usage` on `engine_id`: tokens per 1M (text in, image in, out), images and video
        seconds at the price of `usage.tier` where the model has tiers (`per_image_by_tier`,
        `per_second_by_tier`), else at its one price."""
        price = self.entry(engine_id)
        total = usage.input_tokens / 1e6 * price.get("input_per_mtok", 0.0)
        total += usage.input_image_tokens / 1e6 * price.get("input_image_per_mtok", price.get("input_per_mtok", 0.0))
        total += usage.output_tokens / 1e6 * price.get("output_per_mtok", 0.0)
        if usage.images:
            total += usage.images * self._unit_price(engine_id, price, "per_image", usage.tier)
        if usage.video_seconds:
            total += usage.video_seconds * self._unit_price(engine_id, price, "per_second", usage.tier)
        total += usage.characters / 1e3 * price.get("per_1k_characters", 0.0)
        total += usage.clips * price.get("per_clip", 0.0)
        return round(total, 6)

    @staticmethod
    def _unit_price(engine_id: str, price: dict[str, Any], unit: str, tier: str | None) -> float:
        """The price of one image or second at `tier`; a tier the table does not list is an error,
        never the base price (a 1080p clip must not be recorded at the 720p price)."""
        tiers: dict[str, float] | None = price.get(f"{unit}_by_tier")
        if tier is None or tiers is None:
            return float(price.get(unit, 0.0))
        if tier not in tiers:
            raise UnknownPrice(f"no {unit.replace('_', ' ')} price for {engine_id!r} at tier {tier!r} "
                               f"(listed: {', '.join(sorted(tiers))}); add it to data/prices.json")
        return float(tiers[tier])


@cache
def load_prices(path: str | None = None) -> PriceTable:
    return PriceTable(json.loads(Path(path or _price_file()).read_text()))
