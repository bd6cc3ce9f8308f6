"""Stage 7: timed technical shots per scene."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


#: The planning speaking rate: a line needs len(words) / 2.5 seconds of screen time.
SPEAKING_WORDS_PER_SECOND = 2.5


def dialogue_seconds(line: str) -> float:
    """Screen time a line needs at the planning speaking rate, plus a one-second beat to land it."""
    return len(line.split()) / SPEAKING_WORDS_PER_SECOND + 1.0


class DialogueLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    speaker: str
    line: str
    parenthetical: str | None = None


class Shot(BaseModel):
    model_config = ConfigDict(frozen=True)

    shot_id: str  # SC010_SH0010 — stable across edits
    scene: int
    duration: float = Field(gt=0, le=60)
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


class ShotList(BaseModel):
    model_config = ConfigDict(frozen=True)

    scene: int
    heading: str
    shots: list[Shot] = Field(min_length=1)

    @property
    def duration(self) -> float:
        return sum(s.duration for s in self.shots)


def shot_id(scene: int, index: int) -> str:
    """Industry-style ids that leave room for inserts: scene 1 shot 1 -> SC010_SH0010."""
    return f"SC{scene * 10:03d}_SH{index * 10:04d}"
