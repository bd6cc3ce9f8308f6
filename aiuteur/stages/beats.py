"""Stage 3 — beat sheet: ordered beats from the selected treatment; confirming locks it."""
from __future__ import annotations

from aiuteur.engines.gateway import Call, generate_text
from aiuteur.engines.protocols import TextRequest
from aiuteur.engines.registry import Engines
from aiuteur.engines.templates import load_template
from aiuteur.models.project import Project
from aiuteur.models.story import BeatSheet, StoryInput, TreatmentSet
from aiuteur.models.versions import Version
from aiuteur.stages import treatment as treatment_stage
from aiuteur.stages.common import system_prompt
from aiuteur.stages.gates import require
from aiuteur.store import Store

KEY = "beats"
#: confirm warns when the beats' screen time is off the target by more than this fraction
LENGTH_TOLERANCE = 0.15


def generate(store: Store, project: Project, engines: Engines, *, auto_lock: bool = False, seed: int = 0) -> Version:
    source = treatment_stage.ensure_selected(store, project, auto_lock=auto_lock)
    chosen = source.model(TreatmentSet).chosen
    idea = require(store, project, "input").model(StoryInput).idea
    target = project.config.target_minutes * 60
    template = load_template("beats")
    request = TextRequest(
        task="beats", system=system_prompt(project), seed=seed,
        prompt=template.render(target_seconds=round(target), variant=chosen.variant, angle=chosen.angle, treatment=chosen.text),
        context={"idea": idea, "treatment": chosen.model_dump(mode="json"), "target_seconds": target},
    )
    sheet, outcome = generate_text(store, Call(project, "beats", template, [source]), engines.text, request, BeatSheet)
    return store.commit(project, KEY, sheet, inputs=[source], generation_id=outcome.generation_id, message="beat sheet")


def length_warning(project: Project, sheet: BeatSheet) -> str | None:
    """A warning when total screen time misses the target by more than LENGTH_TOLERANCE."""
    target = project.config.target_minutes * 60
    if abs(sheet.total_seconds - target) > target * LENGTH_TOLERANCE:
        return (f"beats add up to {sheet.total_seconds:.0f}s, target is {target:.0f}s "
                f"(tolerance {LENGTH_TOLERANCE:.0%})")
    return None


def confirm(store: Store, project: Project, *, author: str = "user") -> tuple[Version, str | None]:
    version = store.lock(project, KEY, author=author, message="beat sheet confirmed")
    return version, length_warning(project, version.model(BeatSheet))
