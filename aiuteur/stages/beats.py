"""Stage 3 — beat sheet: ordered beats from the selected treatment; edit, reorder, split, merge,
delete, insert (each a new version); confirming locks it.

Beat numbers are positions, never the text engine's. A poor answer is kept and flagged, not
refused: a screen time that is no positive number is replaced by a share of the target, and a
beat with an empty title, summary or purpose is flagged (`answer_flags`, "beat <n>"); a flag
follows its beat through reorders and goes once that beat is edited. Confirm warns about open
flags, and when the beats' estimated screen time misses the target length by more than
`LENGTH_TOLERANCE` (15%). When the approved script (or other locked work) was made from the current
beats, an edit needs a new branch (see `aiuteur.stages.timelines`).
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from aiuteur.capsules.inject import with_writing_style
from aiuteur.context import BudgetedTextRequest, ContextPart, build
from aiuteur.engines.gateway import Call, generate_text
from aiuteur.engines.offline.idea import sentences
from aiuteur.engines.registry import Engines
from aiuteur.engines.templates import load_template
from aiuteur.models.project import Project
from aiuteur.models.answers import AnswerFlag, is_positive_number
from aiuteur.models.story import Beat, BeatSheet, BeatSheetDraft, StoryInput, TreatmentSet
from aiuteur.models.versions import Version
from aiuteur.stages import treatment as treatment_stage
from aiuteur.stages.common import system_prompt
from aiuteur.stages.gates import StageError, require
from aiuteur.stages.timelines import check_change, commit_on_branch
from aiuteur.store import Store

KEY = "beats"
#: confirm warns when the beats' screen time is off the target by more than this fraction
LENGTH_TOLERANCE = 0.15


def generate(store: Store, project: Project, engines: Engines, *, auto_lock: bool = False, seed: int = 0,
             guidance: str | None = None, branch: str | None = None) -> Version:
    source = treatment_stage.ensure_selected(store, project, auto_lock=auto_lock)
    check_change(store, project, KEY, branch=branch)
    chosen = source.model(TreatmentSet).chosen
    story = require(store, project, "input").model(StoryInput)
    style, block, capsule = treatment_stage.writing_style(store, project)
    target = project.config.target_minutes * 60
    template = load_template("beats")
    system = with_writing_style(system_prompt(project), block)
    parts = [ContextPart(name="treatment", text=chosen.text, priority=95, required=True)]
    if guidance:
        parts.append(ContextPart(name="guidance", text=guidance, priority=99, required=True))
    fixed = dict(target_seconds=round(target), variant=chosen.variant, angle=chosen.angle)
    ctx = build(store, project, engines.text.id, task_parts=parts, include=("logline",),
                overhead_text=system + template.render(treatment="", **fixed))
    request = BudgetedTextRequest(
        task="beats", system=system, seed=seed, prompt=template.render(treatment=ctx.text, **fixed),
        context={"idea": story.story_text(), "treatment": chosen.model_dump(mode="json"), "target_seconds": target,
                 "style": capsule, "guidance": guidance},
        context_report=ctx.report.model_dump(),
    )
    inputs = [source] + ([style] if style else [])
    draft, outcome = generate_text(store, Call(project, "beats", template, inputs), engines.text, request,
                                   BeatSheetDraft)
    sheet = from_draft(draft, target)
    return commit_on_branch(store, project, KEY, sheet, branch=branch, message=guidance or "beat sheet",
                            inputs=inputs, generation_id=outcome.generation_id, style=style, stage="beats",
                            branch_message=guidance or "beat sheet regenerated")


def from_draft(draft: BeatSheetDraft, target_seconds: float) -> BeatSheet:
    """The beat sheet from an engine's answer: a screen time that is no positive number becomes an
    equal share of what the other beats leave of the target (at least a second); that, and empty
    text, is flagged with the beat's number and field."""
    usable = [b.est_seconds for b in draft.beats if is_positive_number(b.est_seconds)]
    missing = len(draft.beats) - len(usable)
    share = round(max(1.0, (target_seconds - sum(usable)) / missing), 1) if missing else 0.0
    beats, flags = [], []
    for number, drafted in enumerate(draft.beats, start=1):
        item = f"beat {number}"
        seconds = drafted.est_seconds
        if not is_positive_number(seconds):
            flags.append(AnswerFlag(item=item, field="est_seconds", repaired=True,
                                    problem=f"the engine gave {seconds:g} s of screen time: set to {share:g} s"))
            seconds = share
        flags += [AnswerFlag(item=item, field=name, problem=f"{name} is empty")
                  for name in ("title", "summary", "purpose") if not getattr(drafted, name).strip()]
        beats.append(Beat.model_validate({**drafted.model_dump(), "est_seconds": seconds}))
    return BeatSheet(beats=beats, answer_flags=flags)


def _beat_index(flag: AnswerFlag) -> int:
    return int(flag.item.split()[-1]) - 1


def _carried_flags(sheet: BeatSheet, beats: list[Beat]) -> list[AnswerFlag]:
    """The sheet's flags after an edit: each follows its beat to its new number, and is gone once
    that beat was changed (edited, split, merged) or deleted."""
    if not sheet.answer_flags:
        return []
    moved: dict[int, int] = {}
    for old, beat in enumerate(sheet.beats):
        new = next((i for i, b in enumerate(beats) if b == beat and i not in moved.values()), None)
        if new is not None:
            moved[old] = new
    return [flag.model_copy(update={"item": f"beat {moved[_beat_index(flag)] + 1}"})
            for flag in sheet.answer_flags if _beat_index(flag) in moved]


# -- length ----------------------------------------------------------------------------------------
class LengthCheck(BaseModel):
    total_seconds: float
    target_seconds: float
    tolerance: float
    delta_seconds: float
    within: bool

    @property
    def warning(self) -> str | None:
        if self.within:
            return None
        return (f"beats add up to {self.total_seconds:.0f}s, target is {self.target_seconds:.0f}s "
                f"(tolerance {self.tolerance:.0%})")


def length_check(project: Project, sheet: BeatSheet, tolerance: float = LENGTH_TOLERANCE) -> LengthCheck:
    target = project.config.target_minutes * 60
    delta = sheet.total_seconds - target
    return LengthCheck(total_seconds=round(sheet.total_seconds, 1), target_seconds=target, tolerance=tolerance,
                       delta_seconds=round(delta, 1), within=abs(delta) <= target * tolerance)


def length_warning(project: Project, sheet: BeatSheet) -> str | None:
    """A warning when total screen time misses the target by more than LENGTH_TOLERANCE."""
    return length_check(project, sheet).warning


def confirm(store: Store, project: Project, *, author: str = "user") -> tuple[Version, str | None]:
    """Lock the beat sheet; the warning names a length off target and the answer's open flags."""
    version = store.lock(project, KEY, author=author, message="beat sheet confirmed")
    sheet = version.model(BeatSheet)
    warnings = [w for w in (length_warning(project, sheet),) if w]
    if sheet.answer_flags:
        warnings.append(f"{len(sheet.answer_flags)} flag(s) on the engine's answer: "
                        + "; ".join(map(str, sheet.answer_flags)))
    return version, "; ".join(warnings) or None


# -- pure operations on a sheet (each returns a new sheet; `StageError` names the index/field) -----
def _check_index(sheet: BeatSheet, index: int, name: str = "index", *, allow_end: bool = False) -> None:
    last = len(sheet.beats) if allow_end else len(sheet.beats) - 1
    if not 0 <= index <= last:
        raise StageError(f"{name}: the sheet has {len(sheet.beats)} beats; {name} must be 0..{last}, got {index}")


def _beat(data: dict[str, Any], where: str) -> Beat:
    try:
        return Beat.model_validate(data)
    except ValidationError as exc:
        raise StageError(f"{where}: " + "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'beat'}: {e['msg']}" for e in exc.errors())) from exc


def _with(sheet: BeatSheet, beats: list[Beat]) -> BeatSheet:
    return sheet.model_copy(update={"beats": beats, "answer_flags": _carried_flags(sheet, beats)})


def op_edit(sheet: BeatSheet, index: int, **changes: Any) -> BeatSheet:
    _check_index(sheet, index)
    unknown = set(changes) - set(Beat.model_fields)
    if unknown:
        raise StageError(f"beat {index}: unknown fields {', '.join(sorted(unknown))} (fields: {', '.join(Beat.model_fields)})")
    beats = list(sheet.beats)
    beats[index] = _beat({**beats[index].model_dump(), **changes}, f"beat {index}")
    return _with(sheet, beats)


def op_move(sheet: BeatSheet, index: int, to: int) -> BeatSheet:
    """Move beat `index` so that it ends up at position `to`."""
    _check_index(sheet, index)
    _check_index(sheet, to, "to")
    beats = list(sheet.beats)
    beats.insert(to, beats.pop(index))
    return _with(sheet, beats)


def op_split(sheet: BeatSheet, index: int, at_sentence: int) -> BeatSheet:
    """Split beat `index`'s summary before sentence number `at_sentence` (1-based: 1 splits after the
    first sentence); screen time is shared by summary length."""
    _check_index(sheet, index)
    beat = sheet.beats[index]
    parts = sentences(beat.summary)
    if len(parts) < 2:
        raise StageError(f"beat {index}: its summary has one sentence; nothing to split")
    if not 1 <= at_sentence < len(parts):
        raise StageError(f"at_sentence: beat {index} has {len(parts)} sentences; split at 1..{len(parts) - 1}")
    first, second = " ".join(parts[:at_sentence]), " ".join(parts[at_sentence:])
    share = len(first) / (len(first) + len(second))
    seconds_a = max(0.1, round(beat.est_seconds * share, 1))
    seconds_b = max(0.1, round(beat.est_seconds - seconds_a, 1))
    a = beat.model_copy(update={"summary": first, "est_seconds": seconds_a})
    b = beat.model_copy(update={"title": f"{beat.title} (cont.)", "summary": second, "est_seconds": seconds_b})
    beats = list(sheet.beats)
    beats[index:index + 1] = [a, b]
    return _with(sheet, beats)


def op_merge(sheet: BeatSheet, index: int) -> BeatSheet:
    """Merge beat `index` with the next one: titles joined, summaries concatenated, characters
    united, screen time added; location and time of day from the first."""
    _check_index(sheet, index)
    if index + 1 >= len(sheet.beats):
        raise StageError(f"index: beat {index} is the last beat; merge joins a beat with the next one")
    a, b = sheet.beats[index], sheet.beats[index + 1]
    merged = a.model_copy(update={
        "title": f"{a.title} / {b.title}",
        "summary": f"{a.summary} {b.summary}",
        "purpose": a.purpose if a.purpose == b.purpose else f"{a.purpose}; {b.purpose}",
        "characters": a.characters + [c for c in b.characters if c not in a.characters],
        "est_seconds": round(a.est_seconds + b.est_seconds, 1),
    })
    beats = list(sheet.beats)
    beats[index:index + 2] = [merged]
    return _with(sheet, beats)


def op_delete(sheet: BeatSheet, index: int) -> BeatSheet:
    _check_index(sheet, index)
    if len(sheet.beats) == 1:
        raise StageError("index: a beat sheet keeps at least one beat")
    beats = list(sheet.beats)
    del beats[index]
    return _with(sheet, beats)


def op_insert(sheet: BeatSheet, index: int, beat: Beat | dict[str, Any]) -> BeatSheet:
    """Insert a new beat so it ends up at position `index` (len(beats) appends)."""
    _check_index(sheet, index, allow_end=True)
    new = beat if isinstance(beat, Beat) else _beat(beat, "beat")
    beats = list(sheet.beats)
    beats.insert(index, new)
    return _with(sheet, beats)


# -- the same operations as new versions -----------------------------------------------------------
def _apply(store: Store, project: Project, changed: BeatSheet, head: Version, message: str, author: str,
           branch: str | None) -> Version:
    if changed == head.model(BeatSheet):
        return head
    check_change(store, project, KEY, branch=branch)
    return commit_on_branch(store, project, KEY, changed, branch=branch, message=message, inputs=head.inputs,
                            author=author)


def _head(store: Store, project: Project) -> tuple[Version, BeatSheet]:
    head = require(store, project, KEY, locked=False)
    return head, head.model(BeatSheet)


def edit(store: Store, project: Project, index: int, *, author: str = "user", branch: str | None = None,
         **changes: Any) -> Version:
    head, sheet = _head(store, project)
    return _apply(store, project, op_edit(sheet, index, **changes), head,
                  f"edited beat {index + 1} ({', '.join(sorted(changes))})", author, branch)


def move(store: Store, project: Project, index: int, to: int, *, author: str = "user", branch: str | None = None) -> Version:
    head, sheet = _head(store, project)
    return _apply(store, project, op_move(sheet, index, to), head,
                  f"moved beat {index + 1} '{sheet.beats[index].title}' to position {to + 1}", author, branch)


def split(store: Store, project: Project, index: int, at_sentence: int, *, author: str = "user",
          branch: str | None = None) -> Version:
    head, sheet = _head(store, project)
    return _apply(store, project, op_split(sheet, index, at_sentence), head,
                  f"split beat {index + 1} after sentence {at_sentence}", author, branch)


def merge(store: Store, project: Project, index: int, *, author: str = "user", branch: str | None = None) -> Version:
    head, sheet = _head(store, project)
    return _apply(store, project, op_merge(sheet, index), head, f"merged beats {index + 1} and {index + 2}", author, branch)


def delete(store: Store, project: Project, index: int, *, author: str = "user", branch: str | None = None) -> Version:
    head, sheet = _head(store, project)
    return _apply(store, project, op_delete(sheet, index), head,
                  f"deleted beat {index + 1} '{sheet.beats[index].title if 0 <= index < len(sheet.beats) else ''}'", author, branch)


def insert(store: Store, project: Project, index: int, beat: Beat | dict[str, Any], *, author: str = "user",
           branch: str | None = None) -> Version:
    head, sheet = _head(store, project)
    return _apply(store, project, op_insert(sheet, index, beat), head, f"inserted a beat at position {index + 1}",
                  author, branch)
