"""Style capsules: a writing capsule (samples + voice, pacing, vocabulary, things to avoid) and a
visual capsule (reference images + descriptors + design pillars: palette, lighting, lens, texture).
A capsule is content; a `CapsuleVersion` is one immutable version of it in a library or a preset."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

CapsuleKind = Literal["writing", "visual"]
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")


def check_name(value: str) -> str:
    value = value.strip().lower()
    if not _NAME.match(value):
        raise ValueError("a capsule name is 1-60 lower-case letters, digits or dashes, e.g. 'noir' or '70s-thriller'")
    return value


class WritingCapsule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["writing"] = "writing"
    name: str
    description: str = ""
    samples: list[str] = Field(default_factory=list, max_length=10)
    voice: str = Field(min_length=1, max_length=400)
    pacing: str = Field(min_length=1, max_length=400)
    vocabulary: str = Field(min_length=1, max_length=400)
    avoid: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return check_name(value)


class ReferenceImage(BaseModel):
    """An image by content hash; `path` is relative to the workspace media folder or, for presets,
    to the preset folder (`source` says which)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sha256: str
    path: str
    mime: str = "image/png"
    caption: str = ""
    source: Literal["media", "preset"] = "media"


class VisualCapsule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["visual"] = "visual"
    name: str
    description: str = ""
    reference_images: list[ReferenceImage] = Field(default_factory=list, max_length=12)
    descriptors: list[str] = Field(default_factory=list, max_length=20)
    palette: str = Field(min_length=1, max_length=300)
    lighting: str = Field(min_length=1, max_length=300)
    lens: str = Field(min_length=1, max_length=300)
    texture: str = Field(min_length=1, max_length=300)

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return check_name(value)


Capsule = Annotated[Union[WritingCapsule, VisualCapsule], Field(discriminator="kind")]


class CapsuleVersion(BaseModel):
    """One immutable version of a capsule. Presets are version `preset_version` of their file."""

    model_config = ConfigDict(frozen=True)

    capsule_id: str
    library: str
    source: Literal["library", "preset"]
    number: int
    capsule: Capsule
    content_hash: str
    author: str = "aiuteur"
    message: str = ""
    created_at: datetime | None = None

    @property
    def kind(self) -> CapsuleKind:
        return self.capsule.kind

    @property
    def name(self) -> str:
        return self.capsule.name

    @property
    def label(self) -> str:
        return f"{self.kind} capsule {self.name!r} v{self.number}" + (" (preset)" if self.source == "preset" else "")


class StyleLock(BaseModel):
    """The payload of a project's `style/writing` or `style/visual` version: the capsule version
    chosen and its content at that moment, with the text every prompt carries (`rendered`)."""

    model_config = ConfigDict(frozen=True)

    kind: CapsuleKind
    name: str
    capsule_id: str
    source: Literal["library", "preset"]
    version: int
    content_hash: str
    rendered: str
    capsule: dict
