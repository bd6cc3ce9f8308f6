"""Stage 4 — master script: a Fountain screenplay from the beats (or imported), scenes parsed from
it; edits are new versions; approval locks it; exports as Fountain, HTML or PDF in industry layout.

Import (stage 1's *import* mode) commits the screenplay as the first script version and marks
stages 2 and 3 as imported: a locked treatment and beat sheet of kind `imported`, derived from the
screenplay itself (one beat per scene, one page ~ one minute), so every later stage and
`project_status` see them as passed while the versions say they were not generated.

Scene numbers are the parser's (positions), never the text engine's. A generated screenplay with
no scene heading is refused (there is nothing to shoot: regenerate it); otherwise it is kept as
written, and scenes with nothing in them are flagged on the version (`answer_flags`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from aiuteur.capsules.inject import with_writing_style
from aiuteur.context import BudgetedTextRequest, ContextPart, build
from aiuteur.engines.gateway import Call, generate_text
from aiuteur.engines.registry import Engines
from aiuteur.engines.templates import load_template
from aiuteur.models.answers import AnswerFlag
from aiuteur.models.project import Project
from aiuteur.models.story import Beat, BeatSheet, MasterScript, ScriptDraft, SourceDocument, StoryInput, Treatment, TreatmentSet
from aiuteur.models.versions import Version
from aiuteur.screenplay import ElementType, FountainError, extract_scenes, parse, to_html
from aiuteur.stages import treatment as treatment_stage
from aiuteur.stages.common import as_json, system_prompt
from aiuteur.stages.gates import StageError, require
from aiuteur.stages.timelines import check_change, commit_on_branch
from aiuteur.store import Store

KEY = "script"
IMPORTED = "imported"
#: seconds of screen time per page (the industry rule of thumb: a page is about a minute)
SECONDS_PER_PAGE = 60.0
ExportFormat = Literal["fountain", "html", "pdf"]


def from_fountain(fountain: str, *, source: str = "the script") -> MasterScript:
    """Parse a screenplay into the stage's model; a script with no scene heading is refused."""
    try:
        scenes = extract_scenes(parse(fountain))
    except FountainError as exc:
        raise StageError(f"{source}: {exc}") from exc
    if not scenes:
        raise StageError(f"{source} has no scene headings (INT./EXT. ...): nothing to shoot")
    return MasterScript(fountain=fountain, scenes=scenes)


def generate(store: Store, project: Project, engines: Engines, *, auto_lock: bool = False, seed: int = 0,
             guidance: str | None = None, branch: str | None = None) -> Version:
    beats_version = require(store, project, "beats", auto_lock=auto_lock)
    check_change(store, project, KEY, branch=branch)
    sheet = beats_version.model(BeatSheet)
    treatment = require(store, project, "treatment").model(TreatmentSet).chosen
    story = require(store, project, "input").model(StoryInput)
    style, block, capsule = treatment_stage.writing_style(store, project)
    template = load_template("script")
    system = with_writing_style(system_prompt(project), block)
    parts = [ContextPart(name="beats", text=as_json(sheet), priority=95, required=True)]
    if guidance:
        parts.append(ContextPart(name="guidance", text=guidance, priority=99, required=True))
    ctx = build(store, project, engines.text.id, task_parts=parts, include=("logline", "treatment_summary"),
                overhead_text=system + template.render(beats=""))
    request = BudgetedTextRequest(
        task="script", system=system, seed=seed, prompt=template.render(beats=ctx.text),
        context={"idea": story.story_text(), "title": project.config.title, "variant": treatment.variant,
                 "beats": [b.model_dump(mode="json") for b in sheet.beats], "style": capsule, "guidance": guidance},
        context_report=ctx.report.model_dump(),
    )
    inputs = [beats_version] + ([style] if style else [])
    draft, outcome = generate_text(store, Call(project, "script", template, inputs), engines.text, request, ScriptDraft)
    script = from_fountain(draft.fountain, source="the generated script (regenerate it, with guidance)")
    script = script.model_copy(update={"answer_flags": answer_flags(script)})
    return commit_on_branch(store, project, KEY, script, branch=branch, message=guidance or "master script",
                            inputs=inputs, generation_id=outcome.generation_id, style=style, stage="script",
                            branch_message=guidance or "script regenerated")


def answer_flags(script: MasterScript) -> list[AnswerFlag]:
    """What a person should look at in a generated screenplay: scenes where nothing happens (a
    heading alone), and scene numbers written twice (`#3#`: the scene's own number is the code's,
    its position, but exports and readers show the written one)."""
    flags, written = [], {}
    for scene in script.scenes:
        item = f"scene {scene.number}"
        if not scene.text.strip().partition("\n")[2].strip():
            flags.append(AnswerFlag(item=item, field="text", problem=f"{scene.heading} has no action or dialogue"))
        if scene.scene_number:
            if scene.scene_number in written:
                flags.append(AnswerFlag(item=item, field="scene_number", problem=(
                    f"#{scene.scene_number}# is written on scene {written[scene.scene_number]} too")))
            written.setdefault(scene.scene_number, scene.number)
    return flags


def edit(store: Store, project: Project, fountain: str, *, author: str = "user", message: str = "edited",
         branch: str | None = None) -> Version:
    """A human edit of the screenplay text: a new draft version, scenes re-parsed."""
    head = require(store, project, KEY, locked=False)
    script = from_fountain(fountain, source="the edited script")
    if script.fountain == head.model(MasterScript).fountain:
        return head
    check_change(store, project, KEY, branch=branch)
    return commit_on_branch(store, project, KEY, script, branch=branch, message=message, inputs=head.inputs,
                            author=author)


def approve(store: Store, project: Project, *, author: str = "user") -> Version:
    return store.lock(project, KEY, author=author, message="master script approved")


def current(store: Store, project: Project) -> MasterScript:
    return store.require_head(project, KEY).model(MasterScript)


# -- export ----------------------------------------------------------------------------------------
def render(script: MasterScript, fmt: ExportFormat) -> bytes:
    """The script as Fountain (as written), HTML or PDF (Courier 12, industry margins)."""
    if fmt == "fountain":
        return script.fountain.encode("utf-8")
    if fmt == "html":
        return to_html(parse(script.fountain)).encode("utf-8")
    if fmt == "pdf":
        from aiuteur.screenplay.pdf import pdf_bytes

        return pdf_bytes(parse(script.fountain))
    raise StageError(f"format: {fmt!r} is not one of fountain, html, pdf")


def export(store: Store, project: Project, fmt: ExportFormat, out: str | Path) -> Path:
    """Write the current script to `out` (parent folders created); the file appears whole or not at all."""
    data = render(current(store, project), fmt)
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(out)
    except OSError as exc:
        raise StageError(f"cannot write {out}: {exc.strerror or exc}") from exc
    return out


def scene_rows(script: MasterScript) -> list[dict]:
    """The stable JSON form of the scene list (`aiuteur scenes --json`)."""
    return [{"number": s.number, "scene_number": s.scene_number, "heading": s.heading, "int_ext": s.int_ext,
             "location": s.location, "time": s.time_of_day, "characters": s.characters, "eighths": s.eighths}
            for s in script.scenes]


# -- import ----------------------------------------------------------------------------------------
def _first_action(scene_text: str) -> str:
    for element in parse(scene_text).elements:
        if element.type is ElementType.ACTION and element.text.strip():
            return " ".join(element.text.split())
    return ""


def imported_beats(script: MasterScript, source: SourceDocument) -> BeatSheet:
    """One beat per scene: heading as title, its first action as summary, page length as time."""
    beats = []
    for scene in script.scenes:
        summary = _first_action(scene.text) or scene.heading
        beats.append(Beat(
            title=scene.heading, summary=summary, purpose=f"scene {scene.number} of the imported {source.label} ({source.name})",
            characters=scene.characters, location=scene.location or scene.heading, time_of_day=scene.time_of_day or "DAY",
            interior=scene.int_ext in ("INT", "INT/EXT"), est_seconds=round(scene.eighths * SECONDS_PER_PAGE / 8, 1),
        ))
    return BeatSheet(beats=beats)


def imported_treatment(script: MasterScript, source: SourceDocument, title: str) -> TreatmentSet:
    sp = parse(script.fountain)
    name = (sp.title_page.get("Title") or title).replace("*", "").replace("_", "").strip() or title
    summaries = [f"{s.heading}. {_first_action(s.text)}".strip() for s in script.scenes]
    characters: list[str] = []
    for s in script.scenes:
        characters += [c for c in s.characters if c not in characters]
    locations: list[str] = []
    for s in script.scenes:
        if s.location and s.location not in locations:
            locations.append(s.location)
    logline = next((t for t in (_first_action(s.text) for s in script.scenes) if t), name)
    return TreatmentSet(selected=0, variants=[Treatment(
        variant=IMPORTED, angle=f"imported from {source.name} ({source.label}); not generated", title=name,
        logline=logline, text="\n\n".join(summaries), characters=characters, locations=locations,
        beats=[s.heading for s in script.scenes],
    )])


def import_screenplay(store: Store, project: Project, input_version: Version, source: SourceDocument, *,
                      author: str = "user") -> Version:
    """Commit an imported screenplay as the script (a draft to approve) with stages 2 and 3 marked
    imported. Call inside the transaction that created the input version."""
    script = from_fountain(source.text, source=source.name)
    message = f"imported from {source.name}"
    store.commit(project, "treatment", imported_treatment(script, source, project.config.title), kind=IMPORTED,
                 inputs=[input_version], status="locked", author=author, message=message)
    store.commit(project, "beats", imported_beats(script, source), kind=IMPORTED, inputs=[input_version],
                 status="locked", author=author, message=message)
    return store.commit(project, KEY, script, inputs=[input_version], author=author, message=message)


def is_imported(version: Version | None) -> bool:
    return version is not None and version.kind == IMPORTED
