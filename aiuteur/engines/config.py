"""Choosing engines is configuration: per project, overridden by environment, overridden by flags.

Order, for each kind (text, image, video), first found wins:
1. an explicit id (a CLI flag such as `aiuteur demo --video veo:veo-3.1-fast-generate-preview`, or a
   keyword argument),
2. the environment: AIUTEUR_TEXT_ENGINE, AIUTEUR_IMAGE_ENGINE, AIUTEUR_VIDEO_ENGINE,
3. the project's engine settings (`set_project_engines`), a versioned record under the artifact key
   `settings/engines`, so who switched a project to which model, and when, stays in its history,
4. the offline engine (free, no network).

Ids are checked when chosen (a known provider for the kind, not a retired model); keys are checked
when the engines are built, before any stage runs.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Literal, Mapping

from pydantic import BaseModel, ConfigDict

from aiuteur.engines import capabilities
from aiuteur.engines.registry import Engines, UnknownEngine, providers

Kind = Literal["text", "image", "video"]
KINDS: tuple[Kind, ...] = ("text", "image", "video")
ENV: dict[str, str] = {"text": "AIUTEUR_TEXT_ENGINE", "image": "AIUTEUR_IMAGE_ENGINE", "video": "AIUTEUR_VIDEO_ENGINE"}
OFFLINE: dict[str, str] = {"text": "offline:draft-writer", "image": "offline:storyboard", "video": "offline:animatic"}
SETTINGS_KEY = "settings/engines"


class EngineSettings(BaseModel):
    """A project's chosen engine ids; a kind left out runs offline."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str | None = None
    image: str | None = None
    video: str | None = None


@dataclass(frozen=True)
class EngineChoice:
    """The engine id per kind and where each came from: "flag", "env", "project" or "default"."""

    text: str
    image: str
    video: str
    sources: dict[str, str] = field(default_factory=dict)

    def ids(self) -> dict[str, str]:
        return {"text": self.text, "image": self.image, "video": self.video}

    def build(self) -> Engines:
        """The engines (reads keys now: a missing key fails here, before any stage runs)."""
        return Engines.from_ids(**self.ids())


def check_id(kind: str, engine_id: str) -> str:
    """`engine_id` if it names a known provider for `kind` and is not a retired model."""
    provider, _, model = engine_id.strip().partition(":")
    known = providers(kind)
    if not model or provider not in known:
        raise UnknownEngine(f"no {kind} engine {engine_id!r}: ids are provider:model with provider one of "
                            f"{', '.join(sorted(known))} (see `aiuteur engines`)")
    caps = capabilities.lookup(engine_id)
    if caps is not None and caps.status == "retired":
        capabilities.require(engine_id, kind)  # raises RetiredModel with the date
    return engine_id.strip()


def project_settings(store, project) -> EngineSettings:
    """The project's stored engine settings (empty when never set)."""
    head = store.head(project, SETTINGS_KEY)
    return head.model(EngineSettings) if head is not None else EngineSettings()


def set_project_engines(store, project, *, author: str = "user", **ids: str | None):
    """Store engine ids for a project (None clears a kind); returns the new settings version."""
    current = project_settings(store, project).model_dump()
    for kind, engine_id in ids.items():
        if kind not in KINDS:
            raise ValueError(f"unknown engine kind {kind!r}: choose from {', '.join(KINDS)}")
        current[kind] = check_id(kind, engine_id) if engine_id else None
    settings = EngineSettings(**current)
    changed = ", ".join(f"{k}={v}" for k, v in settings.model_dump().items() if v) or "all offline"
    return store.commit_if_changed(project, SETTINGS_KEY, settings, author=author, message=f"engines: {changed}")


def resolve(store=None, project=None, *, text: str | None = None, image: str | None = None, video: str | None = None,
            environ: Mapping[str, str] | None = None) -> EngineChoice:
    """The engine ids to use (see the module docstring for the order)."""
    environ = os.environ if environ is None else environ
    stored = project_settings(store, project).model_dump() if store is not None and project is not None else {}
    flags = {"text": text, "image": image, "video": video}
    chosen: dict[str, str] = {}
    sources: dict[str, str] = {}
    for kind in KINDS:
        for source, value in (("flag", flags[kind]), ("env", environ.get(ENV[kind])), ("project", stored.get(kind))):
            if value and value.strip():
                chosen[kind], sources[kind] = check_id(kind, value), source
                break
        else:
            chosen[kind], sources[kind] = OFFLINE[kind], "default"
    return EngineChoice(sources=sources, **chosen)


def engines_for(store=None, project=None, **flags: str | None) -> Engines:
    """The engines a run of `project` uses: `resolve(...)` then build them."""
    return resolve(store, project, **flags).build()
