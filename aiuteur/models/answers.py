"""What the code flags in a text engine's answer, for a person to look at at the stage's gate.

A stage asks its text engine for a *draft* model (`ShotListDraft`, `BeatSheetDraft`,
`ScriptDraft`, `AssetDescriptions`) holding only what the model must decide — the words, the
framing, the timing — never what the code can assign: shot ids, scene numbers, beat numbers and
asset slugs come from the code, so a model cannot duplicate, skip or garble them.

An answer can fit its schema and still be poor: a NaN or negative duration, a shot of someone who
is not in the scene, an empty description. A stage never fails on that. It keeps the value when
the version can hold it, or puts a safe one in its place when it cannot (a duration that is not a
positive number), and records an `AnswerFlag` naming the item, the field and the problem on the
version (`answer_flags`), where the gate, `aiuteur status` and the stage's UI show it.
"""
from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AnswerFlag(BaseModel):
    """One thing a person should look at in what the engine answered."""

    model_config = ConfigDict(frozen=True)

    item: str  # what it is about: a shot id ("SC010_SH0020"), "beat 3", an asset name, "script"
    field: str  # the field of that item ("duration", "characters", "description"...)
    problem: str  # what is wrong, and what the code put in its place when it had to
    repaired: bool = False  # the engine's value could not be stored: the version holds a safe one instead

    def __str__(self) -> str:
        return f"{self.item}: {self.field}: {self.problem}"


def answer_flags_field() -> Any:
    """The `answer_flags` field of a stored model. Left out of the payload when empty, so a version
    without flags hashes (and reads) exactly as it did before flags existed."""
    return Field(default_factory=list, exclude_if=lambda flags: not flags)


def is_positive_number(value: float) -> bool:
    """A duration a version can store: finite and above zero (NaN, inf, 0 and negatives are not)."""
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


__all__ = ["AnswerFlag", "answer_flags_field", "is_positive_number"]
