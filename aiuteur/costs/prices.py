"""The price table: per model, per 1M tokens, per image or per video second, each with its source."""
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
            raise UnknownPrice(
                f"no price for {engine_id!r} in the price table; add it to data/prices.json (see docs/cost-model.md)"
            )
        return self.models[engine_id]

    def cost(self, engine_id: str, usage: Usage, *, audio: bool = True, quality: str | None = None) -> float:
        """USD for `usage` on `engine_id`."""
        price = self.entry(engine_id)
        total = usage.input_tokens / 1e6 * price.get("input_per_mtok", 0.0)
        total += usage.output_tokens / 1e6 * price.get("output_per_mtok", 0.0)
        per_image = price.get("per_image_by_quality", {}).get(quality or "", price.get("per_image", 0.0))
        total += usage.images * per_image
        per_second = price.get("per_second", 0.0) if audio else price.get("per_second_no_audio", price.get("per_second", 0.0))
        total += usage.video_seconds * per_second
        return round(total, 6)


@cache
def load_prices(path: str | None = None) -> PriceTable:
    return PriceTable(json.loads(Path(path or _price_file()).read_text()))
