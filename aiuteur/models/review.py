"""Stage 12 review notes, routed back to the stage that must fix them."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict


class ReviewNote(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    project_id: str
    target: str  # shot id, "scene/<n>" or "film"
    stage: str  # the stage slug that must fix it
    text: str
    author: str
    status: Literal["open", "resolved"] = "open"
    created_at: datetime
