"""Stage 7 — shot list: timed technical shots per scene, edited, validated, then locked.

Shot ids (`SC010_SH0010`) are the code's, never the text engine's: a generated list is numbered
in order, and ids are stable across edits: reordering keeps every id, a split gives the new shot
an id between its neighbours (SH0010 + SH0020 -> SH0015), a merge keeps the first id, and an id
that was deleted or merged away is never handed out again. Every edit is a new version of
`scene/<n>/shots` made from the same inputs.

The engine's answer is never refused for being poor: a duration the version cannot hold (NaN, 0,
negative, over 60 s) is replaced and flagged; anything else (a duration outside the limits, a
character not in the scene, an empty field) is kept as written. Either way the version records it
in `answer_flags` (shot, field, problem), and the lock gate shows it with the other problems.

The "rearview mirror" — the previous scene's last shot (action, dialogue, end frame when there is
one) — is handed to each scene's generation so coverage flows across the cut, and shown in the UI.
"""
from __future__ import annotations

import csv
import io
import re
from typing import Any, Callable

from pydantic import ValidationError

from aiuteur.continuity.matching import normalise_name
from aiuteur.engines.gateway import Call, generate_text
from aiuteur.engines.protocols import TextRequest
from aiuteur.engines.registry import Engines
from aiuteur.engines.templates import load_template
from aiuteur.models.answers import AnswerFlag, is_positive_number
from aiuteur.models.assets import AssetSet
from aiuteur.models.media import ShotFrames
from aiuteur.models.project import Project
from aiuteur.models.shots import (
    LONGEST_SHOT_SECONDS, SHOT_ID, DialogueLine, Rearview, Shot, ShotLimits, ShotList, ShotListDraft, ShotProblem,
    shot_id,
)
from aiuteur.models.story import MasterScript
from aiuteur.models.versions import Version
from aiuteur.screenplay import SceneInfo
from aiuteur.stages import assets as assets_stage
from aiuteur.stages.common import system_prompt
from aiuteur.stages.gates import StageError, require
from aiuteur.store import Store

DEFAULT_LIMITS = ShotLimits()
MIN_SECONDS = DEFAULT_LIMITS.min_seconds
MAX_SECONDS = DEFAULT_LIMITS.max_seconds
#: a new shot's length when nobody said one (an insert, or an engine's duration that was no number)
NEW_SHOT_SECONDS = 2.0
#: fields every shot must fill (dialogue, characters, props and notes may be empty)
MANDATORY = ("shot_type", "lens", "camera_move", "framing", "action", "location", "sound")
#: columns of the shot table and the CSV export, in order
COLUMNS = ("shot_id", "scene", "duration", "shot_type", "lens", "camera_move", "framing", "action", "speaker",
           "line", "characters", "location", "props", "sound", "notes")
#: what a table cell may edit
EDITABLE = {"duration", "shot_type", "lens", "camera_move", "framing", "action", "characters", "location", "props",
            "sound", "notes", "speaker", "line"}


def key(scene: int) -> str:
    return f"scene/{scene}/shots"


def scenes(store: Store, project: Project) -> list[int]:
    return [s.number for s in require(store, project, "script", locked=False).model(MasterScript).scenes]


def all_shots(store: Store, project: Project) -> list[Shot]:
    """Every shot of the film in cut order (each scene's current shot list). Stages 9-12 read it."""
    out: list[Shot] = []
    for scene in scenes(store, project):
        out.extend(require(store, project, key(scene)).model(ShotList).shots)
    return out


def scene_info(store: Store, project: Project, scene: int) -> SceneInfo:
    script = require(store, project, "script", locked=False).model(MasterScript)
    info = next((s for s in script.scenes if s.number == scene), None)
    if info is None:
        raise StageError(f"the script has scenes 1..{len(script.scenes)}, not {scene}")
    return info


# -- the rearview mirror ------------------------------------------------------------------------
def rearview(store: Store, project: Project, scene: int) -> Rearview | None:
    """The last shot of the nearest earlier scene that has a shot list, with its end frame if made."""
    if scene <= 1:
        return None
    heads = store.heads(project, "scene/")
    for previous in range(scene - 1, 0, -1):
        head = heads.get(key(previous))
        if head is None:
            continue
        shot_list = head.model(ShotList)
        last = shot_list.shots[-1]
        frames = store.head(project, f"shot/{last.shot_id}/frames")
        end = frames.model(ShotFrames).end if frames else None
        return Rearview(scene=previous, heading=shot_list.heading, shot_id=last.shot_id, action=last.action,
                        dialogue=last.dialogue, characters=list(last.characters), end_frame=end)
    return None


# -- generation ---------------------------------------------------------------------------------
def generate(store: Store, project: Project, engines: Engines, scene: int, *, auto_lock: bool = False,
             seed: int = 0, limits: ShotLimits | None = None) -> Version:
    """The engine's shot list for one scene, made with the rearview mirror and the duration limits."""
    script_version = require(store, project, "script", auto_lock=auto_lock)
    assets_version = assets_stage.require_master(store, project, auto_lock=auto_lock)
    script = script_version.model(MasterScript)
    info = next((s for s in script.scenes if s.number == scene), None)
    if info is None:
        raise StageError(f"the script has scenes 1..{len(script.scenes)}, not {scene}")
    roster = assets_version.model(AssetSet)
    previous_head = store.head(project, key(scene))
    limits = limits or (previous_head.model(ShotList).limits if previous_head else DEFAULT_LIMITS)
    props = [a.name.lower() for a in roster.by_kind("prop")]
    present = [a.name for a in roster.in_scene(scene, "character") if a.name not in info.characters]
    mirror = rearview(store, project, scene)
    template = load_template("shots")
    request = TextRequest(
        task="shots", system=system_prompt(project), seed=seed,
        prompt=template.render(min_seconds=limits.min_seconds, max_seconds=limits.max_seconds,
                               words_per_second=limits.words_per_second, number=scene, scene=info.text,
                               cast=", ".join([*info.characters, *present]) or "(nobody)",
                               rearview=mirror.summary() if mirror else "(first scene)"),
        context={"scene": {**info.model_dump(mode="json"), "present": present,
                           "target_seconds": scene_target_seconds(project, script, scene),
                           "min_shot_seconds": limits.min_seconds,
                           "rearview": mirror.model_dump(mode="json", exclude={"end_frame"}) if mirror else None},
                 "props": props, "max_shot_seconds": limits.max_seconds},
    )
    draft, outcome = generate_text(store, Call(project, "shots", template, [script_version, assets_version]),
                                   engines.text, request, ShotListDraft)
    shot_list = from_draft(draft, info, limits, roster)
    flagged = f" ({len(shot_list.answer_flags)} flag(s) to review)" if shot_list.answer_flags else ""
    return store.commit(project, key(scene), shot_list, inputs=[script_version, assets_version],
                        generation_id=outcome.generation_id, message=f"shots for scene {scene}{flagged}")


def from_draft(draft: ShotListDraft, scene: SceneInfo, limits: ShotLimits, assets: AssetSet | None = None) -> ShotList:
    """The scene's shot list from an engine's answer. The code numbers the shots and sets the
    scene; names the roster knows are written as the roster writes them; a duration the version
    cannot hold is replaced. Every problem of the answer is flagged with its shot and field."""
    names = _known_names(scene, assets)
    shots, repairs = [], []
    for index, drafted in enumerate(draft.shots, start=1):
        sid = shot_id(scene.number, index)
        fields = drafted.model_dump()
        fields["characters"] = [names.get(normalise_name(c), c) for c in drafted.characters if c.strip()]
        fields["props"] = _props_shown(list(drafted.props), drafted.action, assets)
        if drafted.dialogue is not None:
            speaker = drafted.dialogue.speaker
            fields["dialogue"]["speaker"] = names.get(normalise_name(speaker), speaker)
        if not is_positive_number(drafted.duration) or drafted.duration > LONGEST_SHOT_SECONDS:
            fields["duration"] = _stand_in_seconds(drafted.duration, drafted.dialogue, limits)
            repairs.append(AnswerFlag(item=sid, field="duration", repaired=True, problem=(
                f"the engine gave {drafted.duration:g} s, which a shot cannot last: set to {fields['duration']:g} s")))
        shots.append(Shot.model_validate({**fields, "shot_id": sid, "scene": scene.number}))
    shot_list = ShotList(scene=scene.number, heading=scene.heading, shots=shots, limits=limits)
    found = [AnswerFlag(item=p.shot_id, field=p.field, problem=p.message) for p in problems(shot_list, scene, assets)]
    return shot_list.model_copy(update={"answer_flags": [*repairs, *found]})


def _props_shown(props: list[str], action: str, assets: AssetSet | None) -> list[str]:
    """The engine's props and every roster prop the shot's action names ("a compass card taped to
    the loop antenna"): a prop in the picture is in the shot, so its key image goes with the frames
    (stage 5 bought it for that)."""
    if assets is None or not action:
        return props
    from aiuteur.continuity.mentions import Mentions

    have = {normalise_name(p) for p in props}
    shown = Mentions(assets.by_kind("prop"), possessive=True).find(action)
    return props + [a.name.lower() for a in assets.by_kind("prop")
                    if a.slug in shown and not have & {normalise_name(n) for n in a.names}]


def _known_names(scene: SceneInfo, assets: AssetSet | None) -> dict[str, str]:
    """normalised name or alias -> the name as the script and roster write it."""
    names = {normalise_name(n): n for n in scene.characters}
    for asset in assets.by_kind("character") if assets is not None else []:
        names.update({normalise_name(n): asset.name for n in asset.names})
    return names


def _stand_in_seconds(given: float, dialogue: DialogueLine | None, limits: ShotLimits) -> float:
    """What a shot lasts when the engine's duration cannot be stored: the longest allowed for one
    too long, else long enough for its line (a new shot's length without one), within the limits."""
    if is_positive_number(given):
        return limits.max_seconds
    wanted = limits.line_seconds(dialogue.line) if dialogue is not None else NEW_SHOT_SECONDS
    return round(min(limits.max_seconds, max(limits.min_seconds, wanted)), 2)


def scene_target_seconds(project: Project, script: MasterScript, scene: int) -> float:
    """The scene's share of the target length, in proportion to its page length (eighths)."""
    total = sum(s.eighths for s in script.scenes) or 1
    eighths = next(s.eighths for s in script.scenes if s.number == scene)
    return round(project.config.target_minutes * 60 * eighths / total, 1)


# -- validation ---------------------------------------------------------------------------------
def scene_cast(scene: SceneInfo, assets: AssetSet | None = None) -> set[str]:
    """Normalised names allowed in the scene's shots: its speakers, and the people its action names
    (from the roster's scenes), with their aliases."""
    names = {normalise_name(n) for n in scene.characters}
    if assets is not None:
        for asset in assets.by_kind("character"):
            if scene.number in asset.scenes or asset.name in scene.characters:
                names |= {normalise_name(n) for n in asset.names}
    return names


def problems(shot_list: ShotList, scene: SceneInfo, assets: AssetSet | None = None) -> list[ShotProblem]:
    """Every problem, each naming its shot and field: missing fields, durations outside the limits,
    dialogue longer than the shot can hold at the speaking rate, characters not in the scene, ids,
    and the engine's values the code had to replace (until a person edits that field)."""
    limits = shot_list.limits
    cast = scene_cast(scene, assets)
    out: list[ShotProblem] = []
    seen: set[str] = set()
    replaced = [f for f in shot_list.answer_flags if f.repaired]  # the code's values in place of the engine's
    for shot in shot_list.shots:
        sid = shot.shot_id
        out += [ShotProblem(shot_id=sid, field=f.field, message=f.problem) for f in replaced if f.item == sid]
        if not SHOT_ID.match(sid):
            out.append(ShotProblem(shot_id=sid, field="shot_id", message=f"id {sid!r} is not like SC010_SH0010"))
        if sid in seen:
            out.append(ShotProblem(shot_id=sid, field="shot_id", message=f"id {sid} is used twice"))
        seen.add(sid)
        for field in MANDATORY:
            if not str(getattr(shot, field)).strip():
                out.append(ShotProblem(shot_id=sid, field=field, message=f"{field} is missing"))
        if not limits.min_seconds <= shot.duration <= limits.max_seconds:
            out.append(ShotProblem(shot_id=sid, field="duration", message=f"duration {shot.duration:g}s is outside "
                                   f"{limits.min_seconds:g}-{limits.max_seconds:g}s"))
        if shot.dialogue:
            needed = limits.line_seconds(shot.dialogue.line)
            if needed > shot.duration + 1e-9:
                out.append(ShotProblem(shot_id=sid, field="line", message=(
                    f"the line needs {needed:.1f}s at {limits.words_per_second:g} words/s but the shot is "
                    f"{shot.duration:g}s")))
            if not shot.dialogue.line.strip():
                out.append(ShotProblem(shot_id=sid, field="line", message="dialogue has a speaker but no line"))
            if normalise_name(shot.dialogue.speaker) not in cast:
                out.append(ShotProblem(shot_id=sid, field="speaker",
                                       message=f"{shot.dialogue.speaker} speaks but is not in scene {scene.number}"))
        for name in shot.characters:
            if normalise_name(name) not in cast:
                out.append(ShotProblem(shot_id=sid, field="characters",
                                       message=f"{name} is not in scene {scene.number}"))
    return out


def validate(shot_list: ShotList, scene: SceneInfo, assets: AssetSet | None = None) -> list[str]:
    """Every problem as one line each (`SC010_SH0020: duration 12s is outside 1-8s`)."""
    return [str(p) for p in problems(shot_list, scene, assets)]


def check(store: Store, project: Project, scene: int) -> list[ShotProblem]:
    """The current head's problems against the script and roster."""
    head = require(store, project, key(scene), locked=False)
    roster = store.head(project, assets_stage.KEY)
    return problems(head.model(ShotList), scene_info(store, project, scene), roster.model(AssetSet) if roster else None)


def lock(store: Store, project: Project, scene: int, *, author: str = "user", force: bool = False) -> Version:
    """Lock a scene's shot list; refused while it has problems unless `force`."""
    head = require(store, project, key(scene), locked=False)
    if head.status == "locked":
        return head
    found = check(store, project, scene)
    if found and not force:
        raise StageError(f"scene {scene}'s shot list has {len(found)} problem(s): " + "; ".join(map(str, found)))
    return store.lock(project, key(scene), author=author,
                      message="shot list locked" + (f" with {len(found)} problem(s) accepted" if found else ""))


# -- edits (each a new version) -----------------------------------------------------------------
def _edit(store: Store, project: Project, scene: int, change: Callable[[ShotList], ShotList], message: str,
          author: str) -> Version:
    head = require(store, project, key(scene), locked=False)
    before = head.model(ShotList)
    try:
        edited = change(before)
        edited = ShotList.model_validate(edited.model_dump())
    except ValidationError as exc:
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise StageError(f"scene {scene}: {detail}") from None
    if before.answer_flags:
        roster = store.head(project, assets_stage.KEY)
        edited = edited.model_copy(update={"answer_flags": _open_flags(
            before, edited, scene_info(store, project, scene), roster.model(AssetSet) if roster else None)})
    return store.commit(project, key(scene), edited, inputs=head.inputs, author=author,
                        message=message + (" (after lock: lock again)" if head.status == "locked" else ""))


def _open_flags(before: ShotList, after: ShotList, scene: SceneInfo, assets: AssetSet | None) -> list[AnswerFlag]:
    """The answer's flags a person has not dealt with yet: a replaced value stays flagged until
    its field is edited; any other flag while its shot still has that problem."""
    now = {(p.shot_id, p.field) for p in problems(after.model_copy(update={"answer_flags": []}), scene, assets)}
    shots_before = {s.shot_id: s for s in before.shots}
    shots_after = {s.shot_id: s for s in after.shots}
    kept = []
    for flag in before.answer_flags:
        shot = shots_after.get(flag.item)
        if shot is None:
            continue
        if flag.repaired:
            old = shots_before.get(flag.item)
            if old is not None and _value(shot, flag.field) == _value(old, flag.field):
                kept.append(flag)
        elif (flag.item, flag.field) in now:
            kept.append(flag)
    return kept


def _value(shot: Shot, field: str) -> Any:
    if field in ("speaker", "line"):
        return getattr(shot.dialogue, field) if shot.dialogue else None
    return getattr(shot, field, None)


def edit_shot(store: Store, project: Project, scene: int, shot: str, changes: dict[str, Any], *,
              author: str = "user") -> Version:
    """Change fields of one shot. `speaker`/`line` edit its dialogue; lists may be given as
    comma-separated text (what a table cell holds)."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise StageError(f"cannot edit {', '.join(sorted(unknown))}: editable fields are {', '.join(sorted(EDITABLE))}")

    def change(shot_list: ShotList) -> ShotList:
        current = shot_list.get(shot)
        update: dict[str, Any] = {}
        for field, value in changes.items():
            if field in ("characters", "props"):
                update[field] = _names(value)
            elif field == "duration":
                update[field] = _seconds(value, shot)
            elif field not in ("speaker", "line"):
                update[field] = "" if value is None else str(value).strip()
        if "speaker" in changes or "line" in changes:
            old = current.dialogue
            speaker = str(changes.get("speaker", old.speaker if old else "") or "").strip().upper()
            line = str(changes.get("line", old.line if old else "") or "").strip()
            update["dialogue"] = DialogueLine(speaker=speaker or (old.speaker if old else "?"), line=line,
                                              parenthetical=old.parenthetical if old else None) if (speaker or line) else None
        replaced = Shot.model_validate({**current.model_dump(), **update})
        return shot_list.model_copy(update={"shots": [replaced if s.shot_id == shot else s for s in shot_list.shots]})

    return _edit(store, project, scene, change, f"{shot}: edited {', '.join(sorted(changes))}", author)


def split(store: Store, project: Project, scene: int, shot: str, *, at_seconds: float | None = None,
          at_sentence: int | None = None, author: str = "user") -> Version:
    """Split a shot in two: at a time (`at_seconds` into it) or before a sentence of its dialogue
    (`at_sentence`, 1 = after the first sentence). The first part keeps the id; the second gets a
    new id between this shot and the next."""
    if (at_seconds is None) == (at_sentence is None):
        raise StageError("split needs exactly one of at_seconds or at_sentence")

    def change(shot_list: ShotList) -> ShotList:
        current = shot_list.get(shot)
        if at_seconds is not None:
            first, second = _split_at_time(current, float(at_seconds))
        else:
            first, second = _split_at_sentence(current, int(at_sentence))  # type: ignore[arg-type]
        new_id = id_between(shot_list, shot)
        second = second.model_copy(update={"shot_id": new_id, "notes": _join(second.notes, f"split from {shot}")})
        shots: list[Shot] = []
        for s in shot_list.shots:
            shots += [first, second] if s.shot_id == shot else [s]
        return shot_list.model_copy(update={"shots": shots})

    where = f"at {at_seconds:g}s" if at_seconds is not None else f"after sentence {at_sentence}"
    return _edit(store, project, scene, change, f"{shot}: split {where}", author)


def _split_at_time(shot: Shot, at: float) -> tuple[Shot, Shot]:
    if not 0 < at < shot.duration:
        raise StageError(f"{shot.shot_id}: split time must be inside the shot (0-{shot.duration:g}s), not {at:g}s")
    first_d, second_d = round(at, 2), round(shot.duration - at, 2)
    if shot.dialogue is None:
        return shot.model_copy(update={"duration": first_d}), shot.model_copy(update={"duration": second_d})
    words = shot.dialogue.line.split()
    cut = max(0, min(len(words), round(len(words) * at / shot.duration)))
    return (_with_line(shot, " ".join(words[:cut]), first_d, keep_parenthetical=True),
            _with_line(shot, " ".join(words[cut:]), second_d, keep_parenthetical=False))


def _split_at_sentence(shot: Shot, at: int) -> tuple[Shot, Shot]:
    if shot.dialogue is None:
        raise StageError(f"{shot.shot_id} has no dialogue to split at a sentence: split at a time instead")
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", shot.dialogue.line.strip()) if s]
    if not 1 <= at < len(sentences):
        raise StageError(f"{shot.shot_id}: its line has {len(sentences)} sentence(s); split after 1..{len(sentences) - 1}")
    head, tail = " ".join(sentences[:at]), " ".join(sentences[at:])
    share = len(head.split()) / max(1, len(head.split()) + len(tail.split()))
    first_d = round(max(0.1, shot.duration * share), 2)
    second_d = round(max(0.1, shot.duration - first_d), 2)
    return (_with_line(shot, head, first_d, keep_parenthetical=True),
            _with_line(shot, tail, second_d, keep_parenthetical=False))


def _with_line(shot: Shot, line: str, duration: float, *, keep_parenthetical: bool) -> Shot:
    dialogue = None
    if line and shot.dialogue:
        dialogue = shot.dialogue.model_copy(update={
            "line": line, "parenthetical": shot.dialogue.parenthetical if keep_parenthetical else None})
    return shot.model_copy(update={"duration": duration, "dialogue": dialogue})


def merge(store: Store, project: Project, scene: int, first: str, second: str | None = None, *,
          author: str = "user") -> Version:
    """Merge a shot with the one right after it (`second`, default the next): the first id stays."""

    def change(shot_list: ShotList) -> ShotList:
        ids = shot_list.ids
        if first not in ids:
            shot_list.get(first)  # raises with the list of ids
        index = ids.index(first)
        if index + 1 >= len(ids):
            raise StageError(f"{first} is the scene's last shot: nothing after it to merge")
        other = second or ids[index + 1]
        if other not in ids:
            shot_list.get(other)
        if ids.index(other) != index + 1:
            raise StageError(f"{first} and {other} are not adjacent: only neighbouring shots merge (reorder first)")
        a, b = shot_list.shots[index], shot_list.shots[index + 1]
        merged = a.model_copy(update={
            "duration": round(a.duration + b.duration, 2), "action": _join(a.action, b.action, sep=" "),
            "dialogue": _merge_dialogue(a, b), "characters": _union(a.characters, b.characters),
            "props": _union(a.props, b.props), "sound": _join(a.sound, b.sound), "notes": _join(a.notes, b.notes),
        })
        shots = [*shot_list.shots[:index], merged, *shot_list.shots[index + 2:]]
        return shot_list.model_copy(update={"shots": shots, "retired": _union(shot_list.retired, [other])})

    return _edit(store, project, scene, change, f"{first}: merged with {second or 'the next shot'}", author)


def _merge_dialogue(a: Shot, b: Shot) -> DialogueLine | None:
    if a.dialogue and b.dialogue:
        if normalise_name(a.dialogue.speaker) != normalise_name(b.dialogue.speaker):
            raise StageError(f"{a.shot_id} and {b.shot_id} have different speakers ({a.dialogue.speaker}, "
                             f"{b.dialogue.speaker}): a shot holds one speaker's line")
        return a.dialogue.model_copy(update={"line": f"{a.dialogue.line} {b.dialogue.line}"})
    return a.dialogue or b.dialogue


def reorder(store: Store, project: Project, scene: int, order: list[str], *, author: str = "user") -> Version:
    """Put the shots in a new order; every id stays as it is."""

    def change(shot_list: ShotList) -> ShotList:
        ids = shot_list.ids
        missing, extra = [i for i in ids if i not in order], [i for i in order if i not in ids]
        if missing or extra or len(order) != len(ids):
            raise StageError(f"a new order must list each shot once: missing {missing or 'none'}, "
                             f"unknown {extra or 'none'}")
        by_id = {s.shot_id: s for s in shot_list.shots}
        return shot_list.model_copy(update={"shots": [by_id[i] for i in order]})

    return _edit(store, project, scene, change, "reordered", author)


def move(store: Store, project: Project, scene: int, shot: str, offset: int, *, author: str = "user") -> Version:
    """Move one shot up (negative) or down (positive) in the list."""
    ids = require(store, project, key(scene), locked=False).model(ShotList).ids
    if shot not in ids:
        raise StageError(f"scene {scene} has no shot {shot!r}")
    order = [i for i in ids if i != shot]
    order.insert(max(0, min(len(order), ids.index(shot) + offset)), shot)
    return reorder(store, project, scene, order, author=author)


def delete(store: Store, project: Project, scene: int, shot: str, *, author: str = "user") -> Version:
    """Remove a shot; its id is retired (never reused)."""

    def change(shot_list: ShotList) -> ShotList:
        shot_list.get(shot)
        if len(shot_list.shots) == 1:
            raise StageError(f"{shot} is scene {scene}'s only shot: a shot list needs at least one")
        return shot_list.model_copy(update={"shots": [s for s in shot_list.shots if s.shot_id != shot],
                                            "retired": _union(shot_list.retired, [shot])})

    return _edit(store, project, scene, change, f"{shot}: deleted", author)


def insert(store: Store, project: Project, scene: int, after: str | None, fields: dict[str, Any], *,
           author: str = "user") -> Version:
    """A new shot after `after` (None: at the start), with a new id between its neighbours."""

    def change(shot_list: ShotList) -> ShotList:
        if after is not None:
            shot_list.get(after)
        new_id = id_between(shot_list, after)
        info = {"shot_id": new_id, "scene": scene, "duration": NEW_SHOT_SECONDS, "shot_type": "medium", **fields}
        if "characters" in info:
            info["characters"] = _names(info["characters"])
        new = Shot.model_validate(info)
        index = 0 if after is None else shot_list.ids.index(after) + 1
        return shot_list.model_copy(update={"shots": [*shot_list.shots[:index], new, *shot_list.shots[index:]]})

    return _edit(store, project, scene, change, f"new shot after {after or 'the start'}", author)


def set_limits(store: Store, project: Project, scene: int, limits: ShotLimits, *, author: str = "user") -> Version:
    """Change the scene's duration limits or speaking rate (e.g. for a video model with 10 s clips)."""
    return _edit(store, project, scene, lambda sl: sl.model_copy(update={"limits": limits}),
                 f"limits {limits.min_seconds:g}-{limits.max_seconds:g}s at {limits.words_per_second:g} words/s", author)


def id_between(shot_list: ShotList, after: str | None) -> str:
    """A new id between `after` and the next shot (SH0010, SH0020 -> SH0015), never used before."""
    taken = set(shot_list.ids) | set(shot_list.retired)
    ids = shot_list.ids
    scene_part = f"SC{shot_list.scene * 10:03d}"
    if after is None:
        low, high, base = 0, _number(ids[0]) if ids else 10, None
    else:
        index = ids.index(after)
        low = _number(after)
        high = _number(ids[index + 1]) if index + 1 < len(ids) else low + 20
        base = after
    if high <= low:  # the order was changed: any free number after `low` that is not taken
        high = low + 10
    middle = (low + high) // 2
    for candidate in sorted(range(low + 1, high), key=lambda n: abs(n - middle)):
        new = f"{scene_part}_SH{candidate:04d}"
        if new not in taken:
            return new
    stem = base or f"{scene_part}_SH{max(low, 0):04d}"
    stem = re.sub(r"[A-Z]$", "", stem) if SHOT_ID.match(stem) and SHOT_ID.match(stem).group(3) else stem  # type: ignore[union-attr]
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if f"{stem}{letter}" not in taken:
            return f"{stem}{letter}"
    raise StageError(f"no free shot id after {after} in scene {shot_list.scene}")


def _number(sid: str) -> int:
    found = SHOT_ID.match(sid)
    return int(found.group(2)) if found else 0


def _names(value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return [" ".join(str(v).split()).upper() for v in items if str(v).strip()]


def _seconds(value: Any, shot: str) -> float:
    try:
        seconds = round(float(value), 2)
    except (TypeError, ValueError):
        raise StageError(f"{shot}: duration must be a number of seconds, not {value!r}") from None
    if not 0 < seconds <= LONGEST_SHOT_SECONDS:
        raise StageError(f"{shot}: duration must be above 0 and at most {LONGEST_SHOT_SECONDS:g} s, not {seconds:g}")
    return seconds


def _union(a: list[str], b: list[str]) -> list[str]:
    return list(dict.fromkeys([*a, *b]))


def _join(*parts: str, sep: str = "; ") -> str:
    return sep.join(dict.fromkeys(p.strip() for p in parts if p and p.strip()))


# -- tables -------------------------------------------------------------------------------------
def rows(shot_list: ShotList) -> list[dict[str, Any]]:
    """One flat row per shot (lists joined with ", "): the shot table and the CSV export."""
    out = []
    for shot in shot_list.shots:
        out.append({
            "shot_id": shot.shot_id, "scene": shot.scene, "duration": shot.duration, "shot_type": shot.shot_type,
            "lens": shot.lens, "camera_move": shot.camera_move, "framing": shot.framing, "action": shot.action,
            "speaker": shot.dialogue.speaker if shot.dialogue else "", "line": shot.dialogue.line if shot.dialogue else "",
            "characters": ", ".join(shot.characters), "location": shot.location, "props": ", ".join(shot.props),
            "sound": shot.sound, "notes": shot.notes,
        })
    return out


def to_csv(table: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    return buffer.getvalue()


__all__ = [
    "COLUMNS", "DEFAULT_LIMITS", "EDITABLE", "MANDATORY", "MAX_SECONDS", "MIN_SECONDS", "NEW_SHOT_SECONDS", "check",
    "delete", "edit_shot", "from_draft", "generate", "id_between", "insert", "key", "lock", "merge", "move", "problems",
    "rearview", "reorder", "rows", "scene_cast", "scene_info", "scene_target_seconds", "scenes", "set_limits",
    "shot_id", "split", "to_csv", "validate",
]
