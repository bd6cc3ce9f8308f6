"""Stage 7: timed technical shots per scene."""
from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, model_validator

from aiuteur.models.answers import AnswerFlag, answer_flags_field
from aiuteur.models.media import MediaRef

#: The planning speaking rate: a line needs len(words) / 2.5 seconds of screen time.
SPEAKING_WORDS_PER_SECOND = 2.5

#: the longest shot a version can hold, whatever a scene's limits
LONGEST_SHOT_SECONDS = 60.0

#: SC010_SH0010, and SC010_SH0010A for an insert where no number is left between two shots
SHOT_ID = re.compile(r"^SC(\d{3,})_SH(\d{4,})([A-Z]?)$")


def dialogue_seconds(line: str) -> float:
    """Screen time a line needs at the planning speaking rate, plus a one-second beat to land it."""
    return len(line.split()) / SPEAKING_WORDS_PER_SECOND + 1.0


class DialogueLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    speaker: str
    line: str
    parenthetical: str | None = None


class DraftShot(BaseModel):
    """One shot as a text engine answers it: everything a shot says except its id and scene, which
    the code assigns. `duration` has no bounds here, so a poor number (NaN, 0, 90 s) is not a
    failed answer: the stage flags it for a person (see `aiuteur.models.answers`)."""

    duration: float = Field(description="seconds on screen")
    shot_type: str
    lens: str = "35mm"
    camera_move: str = "static"
    framing: str = ""
    action: str = ""
    dialogue: DialogueLine | None = None
    characters: list[str] = []
    location: str = ""
    props: list[str] = []
    sound: str = ""
    notes: str = ""


class Shot(DraftShot):
    model_config = ConfigDict(frozen=True)

    shot_id: str  # SC010_SH0010 — stable across edits
    scene: int
    duration: float = Field(gt=0, le=LONGEST_SHOT_SECONDS)


class ShotLimits(BaseModel):
    """Per-shot duration limits (video models take 1-8 s clips by default) and the speaking rate."""

    model_config = ConfigDict(frozen=True)

    min_seconds: float = Field(default=1.0, gt=0)
    max_seconds: float = Field(default=8.0, gt=0, le=LONGEST_SHOT_SECONDS)
    words_per_second: float = Field(default=SPEAKING_WORDS_PER_SECOND, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> "ShotLimits":
        if self.min_seconds > self.max_seconds:
            raise ValueError(f"min_seconds {self.min_seconds} is above max_seconds {self.max_seconds}")
        return self

    def line_seconds(self, line: str) -> float:
        """How long a line takes to say at this rate."""
        return len(line.split()) / self.words_per_second


class ShotList(BaseModel):
    model_config = ConfigDict(frozen=True)

    scene: int
    heading: str
    shots: list[Shot] = Field(min_length=1)
    limits: ShotLimits = ShotLimits()
    retired: list[str] = []  # ids of deleted or merged-away shots: never handed out again
    answer_flags: list[AnswerFlag] = answer_flags_field()  # what the engine's answer got wrong, per shot and field

    @property
    def duration(self) -> float:
        return sum(s.duration for s in self.shots)

    def get(self, shot_id: str) -> Shot:
        for shot in self.shots:
            if shot.shot_id == shot_id:
                return shot
        raise KeyError(f"scene {self.scene} has no shot {shot_id!r} (shots: {', '.join(self.ids)})")

    @property
    def ids(self) -> list[str]:
        return [s.shot_id for s in self.shots]


class ShotListDraft(BaseModel):
    """What a text engine answers for stage 7: the scene's shots in order (ids come from the code)."""

    shots: list[DraftShot] = Field(min_length=1)


def shot_id(scene: int, index: int) -> str:
    """Industry-style ids that leave room for inserts: scene 1 shot 1 -> SC010_SH0010."""
    return f"SC{scene * 10:03d}_SH{index * 10:04d}"


ProblemField = str  # a Shot field name ("duration", "dialogue", "characters"...) or "shot_id"


class ShotProblem(BaseModel):
    """One validation problem, naming the shot and the field (the shot table colours that cell)."""

    model_config = ConfigDict(frozen=True)

    shot_id: str
    field: ProblemField
    message: str

    def __str__(self) -> str:
        return f"{self.shot_id}: {self.message}"


class Rearview(BaseModel):
    """The previous scene's last shot, handed to this scene's generation and shown beside it."""

    model_config = ConfigDict(frozen=True)

    scene: int  # the previous scene's number
    heading: str
    shot_id: str
    action: str
    dialogue: DialogueLine | None = None
    characters: list[str] = []
    end_frame: MediaRef | None = None

    def summary(self) -> str:
        said = f' {self.dialogue.speaker}: "{self.dialogue.line}"' if self.dialogue else ""
        frame = " (end frame available)" if self.end_frame else ""
        return f"{self.shot_id} in scene {self.scene} ({self.heading}): {self.action}{said}{frame}"
