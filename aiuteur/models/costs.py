"""Stage 11: cost estimates and the confirmation gate."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class CostLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    scope: str  # e.g. "SC010_SH0020" or "film"
    scene: int | None = None
    kind: Literal["text", "image", "video"]
    engine: str
    units: float
    unit: Literal["tokens", "images", "seconds"]
    cost_usd: float


class CostEstimate(BaseModel):
    model_config = ConfigDict(frozen=True)

    engines: dict[str, str]  # kind -> engine id
    lines: list[CostLine]

    @property
    def total_usd(self) -> float:
        return round(sum(line.cost_usd for line in self.lines), 4)

    def per_scene(self) -> dict[int, float]:
        out: dict[int, float] = {}
        for line in self.lines:
            if line.scene is not None:
                out[line.scene] = round(out.get(line.scene, 0.0) + line.cost_usd, 4)
        return out


class Confirmation(BaseModel):
    """The stage-11 gate: what the configured engines will cost, against the budget."""

    model_config = ConfigDict(frozen=True)

    estimate: CostEstimate
    reference: CostEstimate  # the same work priced on the default real models
    budget_usd: float | None
    approved: bool
    approved_by: str
