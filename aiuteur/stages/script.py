"""Stage 4 — master script: a Fountain screenplay from the beats, scenes parsed from it."""
from __future__ import annotations

from aiuteur.engines.gateway import Call, generate_text
from aiuteur.engines.protocols import TextRequest
from aiuteur.engines.registry import Engines
from aiuteur.engines.templates import load_template
from aiuteur.models.project import Project
from aiuteur.models.story import BeatSheet, MasterScript, ScriptDraft, StoryInput, TreatmentSet
from aiuteur.models.versions import Version
from aiuteur.screenplay import extract_scenes, parse
from aiuteur.stages.common import as_json, system_prompt
from aiuteur.stages.gates import StageError, require
from aiuteur.store import Store

KEY = "script"


def from_fountain(fountain: str) -> MasterScript:
    """Parse a screenplay into the stage's model; a script with no scene heading is refused."""
    scenes = extract_scenes(parse(fountain))
    if not scenes:
        raise StageError("the script has no scene headings (INT./EXT. ...): nothing to shoot")
    return MasterScript(fountain=fountain, scenes=scenes)


def generate(store: Store, project: Project, engines: Engines, *, auto_lock: bool = False, seed: int = 0) -> Version:
    beats_version = require(store, project, "beats", auto_lock=auto_lock)
    sheet = beats_version.model(BeatSheet)
    treatment = require(store, project, "treatment").model(TreatmentSet).chosen
    idea = require(store, project, "input").model(StoryInput).idea
    template = load_template("script")
    request = TextRequest(
        task="script", system=system_prompt(project), seed=seed, prompt=template.render(beats=as_json(sheet)),
        context={"idea": idea, "title": project.config.title, "variant": treatment.variant,
                 "beats": [b.model_dump(mode="json") for b in sheet.beats]},
    )
    draft, outcome = generate_text(store, Call(project, "script", template, [beats_version]), engines.text, request, ScriptDraft)
    return store.commit(project, KEY, from_fountain(draft.fountain), inputs=[beats_version],
                        generation_id=outcome.generation_id, message="master script")


def edit(store: Store, project: Project, fountain: str, *, author: str = "user", message: str = "edited") -> Version:
    """A human edit of the screenplay text: a new draft version, scenes re-parsed."""
    head = require(store, project, KEY, locked=False)
    return store.commit(project, KEY, from_fountain(fountain), inputs=head.inputs, author=author, message=message)


def approve(store: Store, project: Project, *, author: str = "user") -> Version:
    return store.lock(project, KEY, author=author, message="master script approved")
