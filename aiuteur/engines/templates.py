"""Prompt templates as versioned files: `aiuteur/prompts/<id>.v<version>.md`.

The template id and version go on every generation, so a changed template is a changed input.
Variables are `$name` (string.Template) so JSON braces in templates need no escaping.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cache
from importlib import resources

_NAME = re.compile(r"^(?P<id>[a-z_]+)\.v(?P<version>\d+)\.md$")


@dataclass(frozen=True)
class Template:
    id: str
    version: str
    text: str

    def render(self, **values: object) -> str:
        return string.Template(self.text).substitute({k: str(v) for k, v in values.items()}).strip()


@cache
def load_template(template_id: str) -> Template:
    """The newest version of a template."""
    found = []
    for entry in (resources.files("aiuteur") / "prompts").iterdir():
        match = _NAME.match(entry.name)
        if match and match["id"] == template_id:
            found.append((int(match["version"]), entry.read_text()))
    if not found:
        raise KeyError(f"no prompt template {template_id!r} in aiuteur/prompts")
    version, text = max(found)
    return Template(template_id, str(version), text)
