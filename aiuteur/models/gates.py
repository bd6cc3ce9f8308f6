"""The human gates (stages 2-11), what an action would invalidate, the prompt inspector's cards
(stage 9) and the stage-11 estimate table: the documents the CLI, the Panel pages and the
notebooks all read (`aiuteur.stages.gate_actions`, `prompts`, `confirm`)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from aiuteur.models.media import MediaRef
from aiuteur.models.prompts import PromptText

GateSlug = Literal["treatment", "beats", "script", "assets", "shots", "prompts", "frames", "costs"]
PromptState = Literal["generated", "edited", "edited, stale", "locked"]


class GateInfo(BaseModel):
    """A gate a person must pass now: which stage, what is waiting, and the exact command."""

    model_config = ConfigDict(frozen=True)

    stage: int
    gate: GateSlug
    title: str
    waiting: str  # e.g. "scene 3's shot list is a draft"
    command: str  # the exact CLI command that passes it, e.g. "aiuteur shots-lock film --scene 3"
    scene: int | None = None
    shot_id: str | None = None


class InvalidatedVersion(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    number: int
    status: str  # draft or locked
    stage: int | None = None


class Invalidation(BaseModel):
    """What an action would make stale: the versions (locked ones named), the shots, and the money
    already spent on that work — shown before the action, which then needs a confirmation."""

    model_config = ConfigDict(frozen=True)

    action: str
    versions: list[InvalidatedVersion] = []
    shots: list[str] = []
    spent_usd: float = 0.0
    asks: bool = False  # locked or finished (media) work would turn stale: a person must confirm

    @property
    def empty(self) -> bool:
        return not self.versions

    @property
    def locked(self) -> list[InvalidatedVersion]:
        return [v for v in self.versions if v.status == "locked"]

    def summary(self) -> str:
        if self.empty:
            return f"{self.action}: nothing made so far turns stale"
        stages = sorted({v.stage for v in self.versions if v.stage is not None})
        span = f"stages {stages[0]}-{stages[-1]}" if len(stages) > 1 else f"stage {stages[0]}" if stages else "work"
        return (f"{self.action} makes {len(self.versions)} version(s) stale ({span}; {len(self.locked)} locked), "
                f"{len(self.shots)} shot(s), ${self.spent_usd:.2f} already spent on them")


class EngineBadge(BaseModel):
    """The model a prompt is for and the limits it is checked against (capability matrix)."""

    model_config = ConfigDict(frozen=True)

    engine: str
    kind: Literal["image", "video"]
    prompt_chars: int
    people: str = "all"  # all | adult | none: which characters the model draws
    reference_images: int = 0
    durations: list[int] = []


class PromptCard(BaseModel):
    """One shot in the prompt inspector (stage 9)."""

    model_config = ConfigDict(frozen=True)

    shot_id: str
    scene: int
    frame_prompt: str
    video_prompt: str
    state: PromptState
    version: int
    manual: bool
    image: EngineBadge
    video: EngineBadge
    problems: list[str] = []
    stale_reasons: list[str] = []
    regenerated: PromptText | None = None  # the fresh prompt beside an edited, stale one
    start_frame: MediaRef | None = None
    end_frame: MediaRef | None = None
    frame_hash: str = ""  # sha256 of the frame prompt text exactly as sent
    video_hash: str = ""


class EstimateRow(BaseModel):
    """One shot or scene of the stage-11 estimate: what is still to pay, per kind."""

    model_config = ConfigDict(frozen=True)

    id: str  # shot id, or "scene N"
    label: str
    scene: int | None = None
    image_usd: float = 0.0
    video_usd: float = 0.0
    sound_usd: float = 0.0
    paid_already: bool = False  # everything in this row is made and paid for: priced 0

    @property
    def total_usd(self) -> float:
        return round(self.image_usd + self.video_usd + self.sound_usd, 6)


class EstimateTable(BaseModel):
    model_config = ConfigDict(frozen=True)

    by: Literal["shot", "scene"]
    engines: dict[str, str]  # image, video, speech engines priced
    rows: list[EstimateRow]
    total_usd: float
    budget_usd: float | None = None
    spent_usd: float = 0.0
    committed_usd: float = 0.0
    change: str | None = None  # the proposed change a what-if prices, in words

    @property
    def over_budget(self) -> bool:
        return self.budget_usd is not None and self.committed_usd + self.total_usd > self.budget_usd + 1e-9
