"""The narrative stages: input, treatment, beat sheet, master script."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aiuteur.models.answers import AnswerFlag, answer_flags_field
from aiuteur.models.project import ProjectConfig
from aiuteur.screenplay import SceneInfo
from aiuteur.validate import describe_character, unsafe_character, word_count

#: What a staged file holds, decided from its content (the extension is only a hint).
SourceKind = Literal["text", "markdown", "fountain", "fdx", "pdf"]
#: How a project starts: expand an idea, adapt prose/notes, or import a screenplay (straight to stage 4).
InputMode = Literal["expand", "adapt", "import"]


#: How the three treatment variants differ: structure, tone and point of view, stated to the writer.
TREATMENT_ANGLES: dict[str, str] = {
    "A": "Linear, told in order from the protagonist's point of view; restrained tone.",
    "B": "In medias res: opens on the crisis, then goes back to the beginning; tense, suspenseful tone.",
    "C": "Two-hander: the ally shares the point of view; warmer tone, more dialogue.",
}


class SourceDocument(BaseModel):
    """One staged input file, already validated and read: its text is what the stages use.

    `kind` comes from the content (a `.txt` holding a screenplay is `fountain`); `screenplay` says
    whether the text is a screenplay in Fountain (FDX and screenplay PDFs are converted to Fountain).
    """

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1)
    label: str = Field(min_length=1, max_length=60)
    kind: SourceKind
    order: int = Field(ge=0)
    sha256: str
    size_bytes: int = Field(ge=0)
    encoding: str | None = None
    pages: int | None = None
    screenplay: bool = False
    text: str = Field(min_length=1)


class StoryInput(BaseModel):
    """Stage 1: the idea and/or the staged source files, the mode they imply, and the configuration."""

    model_config = ConfigDict(frozen=True)

    idea: str = Field(default="", max_length=20_000)
    config: ProjectConfig
    sources: list[SourceDocument] = []
    mode: InputMode = "expand"

    @field_validator("idea")
    @classmethod
    def _idea_has_words(cls, value: str) -> str:
        value = value.strip()
        found = unsafe_character(value)
        if found:
            raise ValueError(f"contains {describe_character(found[1])} at character {found[0] + 1}; remove control "
                             "characters and escape sequences")
        if value and word_count(value) < 3:  # counted also in scripts written without spaces
            raise ValueError("the idea needs at least a sentence (three words or more) to build a story from")
        return value

    @model_validator(mode="after")
    def _something_to_build_from(self) -> "StoryInput":
        if not self.idea and not self.sources:
            raise ValueError("give an idea (a sentence or more) or at least one source file to build the story from")
        if self.mode == "import" and self.screenplay_source is None:
            raise ValueError("mode 'import' needs a screenplay among the sources (Fountain, FDX or a screenplay PDF)")
        if self.mode == "adapt" and not self.sources:
            raise ValueError("mode 'adapt' needs at least one source file (notes, prose, a world bible...)")
        return self

    @property
    def screenplay_source(self) -> SourceDocument | None:
        """The first screenplay among the sources, in staged order."""
        return next((s for s in sorted(self.sources, key=lambda s: s.order) if s.screenplay), None)

    def story_text(self, limit: int = 20_000) -> str:
        """The idea followed by the prose sources in staged order, for engines that read plain text."""
        parts = [self.idea] if self.idea else []
        parts += [s.text for s in sorted(self.sources, key=lambda s: s.order) if not s.screenplay]
        if not parts and self.screenplay_source is not None:
            parts.append(self.screenplay_source.text)
        return "\n\n".join(parts)[:limit]


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
    beats: list[str] = []  # the story beats the text covers, in order (engines fill it when they can)


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


class DraftBeat(BaseModel):
    """One beat as a text engine answers it. `est_seconds` has no bounds here, so a poor number
    (NaN, 0, negative) is not a failed answer: the stage flags it (see `aiuteur.models.answers`)."""

    title: str
    summary: str
    purpose: str
    characters: list[str] = []
    location: str = ""
    time_of_day: str = "DAY"
    interior: bool = False
    est_seconds: float = Field(description="estimated screen time in seconds")


class Beat(DraftBeat):
    model_config = ConfigDict(frozen=True)

    est_seconds: float = Field(gt=0)


class BeatSheetDraft(BaseModel):
    """What a text engine answers for stage 3: the beats in order (their numbers are positions)."""

    beats: list[DraftBeat] = Field(min_length=1)


class BeatSheet(BaseModel):
    """Stage 3: ordered beats."""

    model_config = ConfigDict(frozen=True)

    beats: list[Beat] = Field(min_length=1)
    answer_flags: list[AnswerFlag] = answer_flags_field()  # items are "beat <n>", 1-based

    @property
    def total_seconds(self) -> float:
        return sum(b.est_seconds for b in self.beats)


class SpanRewrite(BaseModel):
    """What a text engine returns for a targeted regeneration: the new text of one span only."""

    text: str


class ScriptDraft(BaseModel):
    """What a text engine returns for stage 4: the screenplay as Fountain text."""

    fountain: str = Field(min_length=1)


class MasterScript(BaseModel):
    """Stage 4: the screenplay in Fountain and the scenes parsed from it (numbered by the parser)."""

    model_config = ConfigDict(frozen=True)

    fountain: str
    scenes: list[SceneInfo]
    answer_flags: list[AnswerFlag] = answer_flags_field()  # items are "scene <n>"
