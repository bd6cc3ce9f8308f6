"""Stage 2 — treatment: three variants that differ in a stated way; a human selects one."""
from __future__ import annotations

from aiuteur.engines.gateway import Call, generate_text
from aiuteur.engines.protocols import TextRequest
from aiuteur.engines.registry import Engines
from aiuteur.engines.templates import load_template
from aiuteur.models.project import Project
from aiuteur.models.story import TREATMENT_ANGLES as VARIANTS, StoryInput, TreatmentSet
from aiuteur.models.versions import Version
from aiuteur.stages.common import system_prompt
from aiuteur.stages.gates import StageError, require
from aiuteur.store import Store

KEY = "treatment"


def generate(store: Store, project: Project, engines: Engines, *, seed: int = 0) -> Version:
    source = require(store, project, "input")
    story = source.model(StoryInput)
    template = load_template("treatment")
    prompt = template.render(idea=story.idea, angle_a=VARIANTS["A"], angle_b=VARIANTS["B"], angle_c=VARIANTS["C"])
    request = TextRequest(task="treatment", system=system_prompt(project), prompt=prompt, seed=seed,
                          context={"idea": story.idea, "title": project.config.title})
    variants, outcome = generate_text(store, Call(project, "treatment", template, [source]), engines.text,
                                      request, TreatmentSet)
    return store.commit(project, KEY, variants.model_copy(update={"selected": None}), inputs=[source],
                        generation_id=outcome.generation_id, message="three variants")


def select(store: Store, project: Project, index: int, *, author: str = "user") -> Version:
    """Choosing a variant locks the treatment stage."""
    head = require(store, project, KEY, locked=False)
    variants = head.model(TreatmentSet)
    if not 0 <= index < len(variants.variants):
        raise StageError(f"there are {len(variants.variants)} treatment variants; choose 0..{len(variants.variants) - 1}")
    chosen = variants.model_copy(update={"selected": index})
    return store.commit(project, KEY, chosen, inputs=head.inputs, status="locked", author=author,
                        generation_id=head.generation_id, message=f"selected variant {variants.variants[index].variant}")


def ensure_selected(store: Store, project: Project, *, auto_lock: bool) -> Version:
    """The locked treatment; with `auto_lock`, the first variant is chosen if none was."""
    head = store.head(project, KEY)
    if head is not None and head.status != "locked" and auto_lock:
        select(store, project, 0, author="aiuteur")
    return require(store, project, KEY, auto_lock=False)
