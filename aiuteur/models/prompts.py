"""Stage 9: the prompts a shot is generated from."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ShotPrompt(BaseModel):
    model_config = ConfigDict(frozen=True)

    shot_id: str
    system_prompt: str
    frame_prompt: str
    video_prompt: str
    sections: dict[str, str] = {}
    edited: bool = False  # True once a human changed it; regeneration keeps it
