"""Stage 9: the prompts a shot is generated from."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer


class PromptText(BaseModel):
    """A frame and a video prompt: the fresh regeneration shown beside an edited, stale prompt."""

    model_config = ConfigDict(frozen=True)

    frame_prompt: str
    video_prompt: str


class ShotPrompt(BaseModel):
    model_config = ConfigDict(frozen=True)

    shot_id: str
    system_prompt: str
    frame_prompt: str
    video_prompt: str
    sections: dict[str, str] = {}
    edited: bool = False  # True once a human changed it; regeneration keeps it
    #: inputs changed under a hand edit: the freshly assembled prompt, kept beside the edit until a
    #: person keeps, takes or merges (`aiuteur.stages.prompts.resolve_stale_prompt`)
    regenerated: PromptText | None = None

    @model_serializer(mode="wrap")
    def _without_empty_regenerated(self, handler: SerializerFunctionWrapHandler) -> dict:
        data = handler(self)
        if data.get("regenerated") is None:
            data.pop("regenerated", None)  # unchanged content hash for every prompt without one
        return data
