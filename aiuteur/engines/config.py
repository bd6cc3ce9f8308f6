"""Which engines a run uses: one resolution, the same from every entry point.

For each kind (text, image, video) the first of these wins:
1. an explicit id: a CLI flag (`aiuteur demo|run --image example:storyboard-blue`) or a keyword
   argument (`engines_for(store, project, image=...)`),
2. the environment: AIUTEUR_TEXT_ENGINE, AIUTEUR_IMAGE_ENGINE, AIUTEUR_VIDEO_ENGINE,
3. the project's engine settings (`set_project_engines`, CLI `aiuteur use-engines`), a versioned
   record under the artifact key `settings/engines`, so who switched a project to which model, and
   when, stays in its history,
4. the offline engine (free, no network).

`aiuteur demo`, `run`, `resume` (through the engine ids its jobs recorded), `pipeline.run` when no
engines are given, the Panel models and the notebooks all call `engines_for` — nothing else picks
engines. Ids resolve through the registry, so plug-in engines (entry-point group `aiuteur.engines`)
are chosen exactly like built-in ones. Ids are checked when chosen (a provider that serves the
kind, not a retired model); keys are checked when the engines are built, before any stage runs.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Literal, Mapping

from pydantic import BaseModel, ConfigDict

from aiuteur.engines import capabilities
from aiuteur.engines.registry import KINDS, OFFLINE, Engines, UnknownEngine, provider_of

Kind = Literal["text", "image", "video"]
ENV: dict[str, str] = {"text": "AIUTEUR_TEXT_ENGINE", "image": "AIUTEUR_IMAGE_ENGINE", "video": "AIUTEUR_VIDEO_ENGINE"}
SETTINGS_KEY = "settings/engines"  # a setting, not a stage's output (stages.catalog.is_setting)
_WHERE = {"flag": "--{kind}", "env": "${env}", "project": "the project's engine settings (aiuteur use-engines)"}


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
    """`engine_id` if a registered provider (built-in or plug-in) serves it for `kind` and it is not
    a retired model; `UnknownEngine` names the providers that would."""
    if kind not in KINDS:
        raise ValueError(f"unknown engine kind {kind!r}: choose from {', '.join(KINDS)}")
    provider_of(kind, engine_id)
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
                try:
                    chosen[kind], sources[kind] = check_id(kind, value), source
                except UnknownEngine as exc:  # say where the bad id came from, so it can be fixed there
                    raise UnknownEngine(f"{_WHERE[source].format(kind=kind, env=ENV[kind])}: {exc}") from exc
                break
        else:
            chosen[kind], sources[kind] = OFFLINE[kind], "default"
    return EngineChoice(sources=sources, **chosen)


def engines_for(store=None, project=None, **flags: str | None) -> Engines:
    """The engines a run of `project` uses: `resolve(...)` then build them."""
    return resolve(store, project, **flags).build()
