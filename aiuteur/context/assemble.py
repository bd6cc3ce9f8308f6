"""Global and local context for one engine call, assembled from the project's current heads.

Global context: logline, treatment summary, beat sheet, script summary and the locked style
capsules. Local context: the current scene and a window of neighbouring scenes (`window` on each
side). Each becomes a `ContextPart` with the priority documented in `aiuteur.context.fit`; callers
add their own task parts (the idea, source files, the span to rewrite...) and `build` fits them all
into the engine's budget, returning the parts, their rendered text and the truncation report.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from pydantic import BaseModel

from aiuteur.context.budgets import context_budget
from aiuteur.context.fit import ContextPart, TruncationReport, fit, render
from aiuteur.context.tokens import count_tokens
from aiuteur.engines.protocols import TextRequest
from aiuteur.models.project import Project
from aiuteur.models.story import BeatSheet, MasterScript, StoryInput, TreatmentSet
from aiuteur.store import Store

PRIORITY = {"logline": 100, "current_scene": 95, "capsules": 90, "treatment_summary": 60, "beat_sheet": 50,
            "script_summary": 40, "source": 30, "neighbour": 20}
GLOBAL_PARTS = ("logline", "capsules", "treatment_summary", "beat_sheet", "script_summary")


class BudgetedTextRequest(TextRequest):
    """A text request carrying its context report: the gateway stores every request field other than
    prompt/system/context in `generations.params`, so the truncation is recorded on the generation."""

    context_report: dict | None = None


class AssembledContext(BaseModel):
    parts: list[ContextPart]
    report: TruncationReport

    @property
    def text(self) -> str:
        return render(self.parts)

    def part(self, name: str) -> str | None:
        return next((p.text for p in self.parts if p.name == name), None)


def _head(store: Store, project: Project, key: str):
    return store.head(project, key)


def global_parts(store: Store, project: Project, include: Iterable[str] = GLOBAL_PARTS) -> list[ContextPart]:
    """The project-wide context that exists so far (missing artifacts are simply absent)."""
    include = set(include)
    parts: list[ContextPart] = []
    treatment = _head(store, project, "treatment")
    chosen = None
    if treatment is not None:
        ts = treatment.model(TreatmentSet)
        chosen = ts.variants[ts.selected] if ts.selected is not None else None
    if "logline" in include:
        logline = chosen.logline if chosen else None
        if logline is None:
            source = _head(store, project, "input")
            if source is not None:
                story = source.model(StoryInput)
                logline = (story.idea.split(". ")[0] if story.idea else "") or project.config.title
        if logline:
            parts.append(ContextPart(name="logline", text=logline, priority=PRIORITY["logline"], required=True))
    if "capsules" in include:
        from aiuteur.capsules.lock import style_text

        texts = [t for t in (style_text(store, project, "writing")[1], style_text(store, project, "visual")[1]) if t]
        if texts:
            parts.append(ContextPart(name="capsules", text="\n".join(texts), priority=PRIORITY["capsules"], required=True))
    if "treatment_summary" in include and chosen is not None:
        parts.append(ContextPart(name="treatment_summary", text=chosen.text, priority=PRIORITY["treatment_summary"]))
    beats = _head(store, project, "beats")
    if "beat_sheet" in include and beats is not None:
        sheet = beats.model(BeatSheet)
        text = "\n".join(f"{i}. {b.title} ({b.est_seconds:g}s): {b.summary}" for i, b in enumerate(sheet.beats, 1))
        parts.append(ContextPart(name="beat_sheet", text=text, priority=PRIORITY["beat_sheet"]))
    script = _head(store, project, "script")
    if "script_summary" in include and script is not None:
        parts.append(ContextPart(name="script_summary", text=script_summary(script.model(MasterScript)),
                                 priority=PRIORITY["script_summary"]))
    return parts


def script_summary(script: MasterScript) -> str:
    """One line per scene: heading, who speaks, length."""
    return "\n".join(f"{s.number}. {s.heading} [{', '.join(s.characters) or 'no dialogue'}] {s.eighths}/8 pg"
                     for s in script.scenes)


def local_parts(script: MasterScript, scene: int, window: int = 1) -> list[ContextPart]:
    """The current scene (required) with up to `window` neighbours on each side, in script order."""
    by_number = {s.number: s for s in script.scenes}
    if scene not in by_number:
        raise ValueError(f"the script has no scene {scene} (scenes 1..{len(script.scenes)})")
    parts = []
    for number in range(scene - window, scene + window + 1):
        info = by_number.get(number)
        if info is None:
            continue
        if number == scene:
            parts.append(ContextPart(name="current_scene", text=info.text, priority=PRIORITY["current_scene"], required=True))
        else:
            distance = abs(number - scene)
            side = "previous" if number < scene else "next"
            parts.append(ContextPart(name=f"{side}_scene_{number}", text=info.text, priority=PRIORITY["neighbour"] - distance))
    return parts


def build(store: Store, project: Project, engine_id: str, *, task_parts: Sequence[ContextPart] = (),
          include: Iterable[str] = GLOBAL_PARTS, scene: int | None = None, window: int = 1, overhead_text: str = "",
          budget: int | None = None) -> AssembledContext:
    """Global parts (those in `include`), then the caller's task parts, then the local scene window;
    fitted to `budget` (default: the engine's) with `overhead_text` (system prompt and template)
    counted as fixed."""
    parts = global_parts(store, project, include) + list(task_parts)
    if scene is not None:
        script = store.require_head(project, "script").model(MasterScript)
        parts += local_parts(script, scene, window)
    kept, report = fit(parts, budget if budget is not None else context_budget(engine_id),
                       overhead=count_tokens(overhead_text) if overhead_text else 0)
    return AssembledContext(parts=kept, report=report)
