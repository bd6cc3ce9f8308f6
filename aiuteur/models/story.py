"""The narrative stages: input, treatment, beat sheet, master script."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aiuteur.models.project import ProjectConfig
from aiuteur.screenplay import SceneInfo


#: How the three treatment variants differ: structure, tone and point of view, stated to the writer.
TREATMENT_ANGLES: dict[str, str] = {
    "A": "Linear, told in order from the protagonist's point of view; restrained tone.",
    "B": "In medias res: opens on the crisis, then goes back to the beginning; tense, suspenseful tone.",
    "C": "Two-hander: the ally shares the point of view; warmer tone, more dialogue.",
}


class StoryInput(BaseModel):
    """Stage 1: the idea (or source text) and the project configuration."""

    model_config = ConfigDict(frozen=True)

    idea: str = Field(min_length=1, max_length=20_000)
    config: ProjectConfig

    @field_validator("idea")
    @classmethod
    def _idea_has_words(cls, value: str) -> str:
        value = value.strip()
        if len(value.split()) < 3:
            raise ValueError("the idea needs at least a sentence (three words or more) to build a story from")
        return value


class Treatment(BaseModel):
    """One prose treatment variant. `angle` states how it differs from its siblings."""

    model_config = ConfigDict(frozen=True)

    variant: str
    angle: str
    title: str
    logline: str
    text: str
    characters: list[str] = []
    locations: list[str] = []


class TreatmentSet(BaseModel):
    """Stage 2: three variants and which one was chosen (None until a human picks)."""

    model_config = ConfigDict(frozen=True)

    variants: list[Treatment] = Field(min_length=1)
    selected: int | None = None

    @property
    def chosen(self) -> Treatment:
        if self.selected is None:
            raise ValueError("no treatment variant has been selected yet")
        return self.variants[self.selected]


class Beat(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str
    summary: str
    purpose: str
    characters: list[str] = []
    location: str = ""
    time_of_day: str = "DAY"
    interior: bool = False
    est_seconds: float = Field(gt=0)


class BeatSheet(BaseModel):
    """Stage 3: ordered beats."""

    model_config = ConfigDict(frozen=True)

    beats: list[Beat] = Field(min_length=1)

    @property
    def total_seconds(self) -> float:
        return sum(b.est_seconds for b in self.beats)


class ScriptDraft(BaseModel):
    """What a text engine returns for stage 4: the screenplay as Fountain text."""

    fountain: str = Field(min_length=1)


class MasterScript(BaseModel):
    """Stage 4: the screenplay in Fountain and the scenes parsed from it."""

    model_config = ConfigDict(frozen=True)

    fountain: str
    scenes: list[SceneInfo]
