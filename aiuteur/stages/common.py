"""What every stage shares: the system prompt for a project and JSON for prompts."""
from __future__ import annotations

import json

from pydantic import BaseModel

from aiuteur.engines.templates import load_template
from aiuteur.models.project import Project


def system_prompt(project: Project) -> str:
    c = project.config
    return load_template("system").render(
        title=c.title, genre=c.genre, tone=c.tone, rating=c.audience_rating, minutes=c.target_minutes,
        language=c.language,
    )


def as_json(value: BaseModel | list | dict) -> str:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, list):
        value = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
    return json.dumps(value, indent=1, ensure_ascii=False)
