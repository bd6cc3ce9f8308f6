"""Stage 12 — review: notes on the cut that go back to the stage that fixes them, and come back
resolved.

A note is on a shot (or a scene, or the whole film) at a frame-accurate timecode. Its *category*
decides the stage that fixes it, through an editable table (data/review_routes.json, documented in
docs/review.md). The offline rules only *suggest* a category from the note's words (a real text
engine may propose one through structured output); a person confirms it. "Go to stage" names the
stage, the studio page and the shot or scene to open. A retake made for a note is linked to it,
and the note resolves when every retaken shot's new clip is approved.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Iterable

from pydantic import ValidationError

from aiuteur.engines.protocols import EngineError, TextRequest
from aiuteur.engines.registry import OFFLINE, Engines
from aiuteur.models.media import Film
from aiuteur.models.project import Project
from aiuteur.models.review import (
    NOTE_STATES, OPEN_STATES, CategoryProposal, ReviewNote, Route, StageLink, Suggestion, timecode,
)
from aiuteur.models.shots import ShotList
from aiuteur.models.versions import Version
from aiuteur.stages.catalog import BY_SLUG
from aiuteur.stages.gates import StageError, require
from aiuteur.store import Store
from aiuteur.store.database import utcnow
from aiuteur.store.notes import new_note_id

ROUTES_ENV = "AIUTEUR_REVIEW_ROUTES"
FILM_TARGET = "film"
_TIMECODE = re.compile(r"^(\d{2}):([0-5]\d):([0-5]\d):(\d{2})$")
#: the studio page that shows each stage's work (panel tabs; stages 9-12 are fixed from the review page)
#: the artifact a shot-level stage writes for a shot
_SHOT_KEYS = {"prompts": "prompt", "frames": "frames", "video": "video"}
STUDIO_PAGES: dict[str, str] = {
    "input": "Story", "treatment": "Story", "beats": "Story", "script": "Story",
    "assets": "Production", "hub": "Production", "shots": "Production", "visual_states": "Production",
    "prompts": "Prompts", "frames": "Frames", "confirm": "Costs", "video": "Review",
}


class ReviewError(StageError):
    """A review action cannot be done as asked; the message says what to change."""


class UnknownShot(ReviewError):
    """The note names a shot (or scene) the project's shot lists do not have."""


class UnknownCategory(ReviewError):
    """The category is not in the routing table."""


class BadTimecode(ReviewError):
    """Not an `HH:MM:SS:FF` at the project's frame rate, or outside the film or the shot."""


class RouteTableError(ReviewError):
    """The routing table file is unreadable or names a stage that does not exist."""


class NothingToRetake(ReviewError):
    """No shot of the note has a new clip: the fix has not been made (or has not reached stage 12)."""


# -- the routing table -------------------------------------------------------------------------
@dataclass(frozen=True)
class RouteTable:
    routes: tuple[Route, ...]
    source: str

    @property
    def categories(self) -> list[str]:
        return [r.category for r in self.routes]

    def route(self, category: str) -> Route:
        for r in self.routes:
            if r.category == category:
                return r
        raise UnknownCategory(f"no review category {category!r}; categories: {', '.join(self.categories)} "
                              f"(table: {self.source})")

    def suggest(self, text: str) -> Suggestion | None:
        """The category whose keywords weigh most in `text` (a phrase of n words weighs n; ties go to
        the row listed first), or None when no keyword is there — then a person must choose."""
        lowered = " ".join(text.lower().split())
        best: tuple[int, Route, list[str]] | None = None
        for r in self.routes:
            hits = [k for k in r.keywords if _keyword(k).search(lowered)]
            score = sum(len(k.split()) for k in hits)
            if score and (best is None or score > best[0]):
                best = (score, r, hits)
        if best is None:
            return None
        return Suggestion(category=best[1].category, stage=best[1].stage, by="rules",
                          reason="words: " + ", ".join(best[2]))


@cache
def _keyword(keyword: str) -> re.Pattern[str]:
    words = keyword.lower().split()
    return re.compile(r"(?<![\w'])" + r"\s+".join(re.escape(w) for w in words) + r"(?![\w'])")


def routes_file() -> Path:
    """`$AIUTEUR_REVIEW_ROUTES`, else data/review_routes.json (in the repository or the wheel)."""
    chosen = os.environ.get(ROUTES_ENV)
    if chosen:
        return Path(chosen)
    in_repo = Path(__file__).resolve().parents[2] / "data" / "review_routes.json"
    return in_repo if in_repo.exists() else Path(str(resources.files("aiuteur") / "_data" / "review_routes.json"))


def load_routes(path: str | Path | None = None) -> RouteTable:
    """The routing table, checked: every stage exists, every category is listed once."""
    source = Path(path) if path is not None else routes_file()
    return _load_routes(str(source), source.stat().st_mtime_ns if source.exists() else 0)


@cache
def _load_routes(source: str, _mtime: int) -> RouteTable:  # re-read when the file changes
    routes: list[Route] = []
    try:
        data = json.loads(Path(source).read_text(encoding="utf-8"))
        for index, row in enumerate(data["routes"]):
            try:
                routes.append(Route.model_validate(row))
            except ValidationError as exc:
                raise ValueError(f"routes[{index}]: {_validation(exc)}") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        detail = str(exc) if isinstance(exc, ValueError) and str(exc).startswith("routes[") else \
            f"{type(exc).__name__}: {exc}"
        raise RouteTableError(f"cannot read the review routing table {source}: {detail} "
                              f"(format: docs/review.md)") from None
    for r in routes:
        if r.stage not in BY_SLUG:
            raise RouteTableError(f"{source}: category {r.category!r} routes to {r.stage!r}, which is no stage; "
                                  f"stages: {', '.join(BY_SLUG)}")
    seen = [r.category for r in routes]
    duplicate = next((c for c in seen if seen.count(c) > 1), None)
    if duplicate or not routes:
        raise RouteTableError(f"{source}: " + (f"category {duplicate!r} is listed twice" if duplicate
                                               else "the table has no routes"))
    return RouteTable(tuple(routes), source)


def _validation(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())


def suggest(text: str) -> Suggestion | None:
    """What the offline rules propose for a note's words (only a suggestion: a person confirms)."""
    return load_routes().suggest(text)


def route(text: str) -> str | None:
    """The stage the offline rules would suggest for a note's words, or None."""
    found = suggest(text)
    return found.stage if found else None


def propose_category(store: Store, project: Project, engines: Engines | None, text: str) -> Suggestion | None:
    """A text engine's proposal (structured output, recorded like every generation), or the rules'
    when the text engine is the offline draft writer. A proposal outside the table, or a failed
    call, falls back to the rules: the note is never lost over a suggestion."""
    table = load_routes()
    rules = table.suggest(text)
    if engines is None or engines.text.id == OFFLINE["text"]:
        return rules
    from aiuteur.engines.gateway import Call, generate_text
    from aiuteur.engines.templates import load_template

    template = load_template("note_category")
    listing = "\n".join(f"- {r.category}: {r.description}" for r in table.routes)
    request = TextRequest(task="note_category", system="You sort film review notes for a production team.",
                          prompt=template.render(categories=listing, note=text.strip()),
                          context={"categories": table.categories, "note": text.strip()})
    try:
        proposal, _ = generate_text(store, Call(project, "review", template), engines.text, request, CategoryProposal)
    except (EngineError, StageError) as exc:
        return _fallback(rules, f"{engines.text.id} could not propose a category ({exc})")
    category = proposal.category.strip().lower()
    if category not in table.categories:
        return _fallback(rules, f"{engines.text.id} proposed {proposal.category!r}, which is not in the table")
    return Suggestion(category=category, stage=table.route(category).stage, by=engines.text.id,
                      reason=proposal.reason.strip())


def _fallback(rules: Suggestion | None, why: str) -> Suggestion | None:
    return rules.model_copy(update={"reason": f"{why}; {rules.reason}"}) if rules else None


# -- timecodes and the cut ---------------------------------------------------------------------
@dataclass(frozen=True)
class CutShot:
    """A shot's place in the film, in frames at the cut's frame rate."""

    shot_id: str
    scene: int
    start_frame: int
    frames: int

    @property
    def end_frame(self) -> int:  # exclusive
        return self.start_frame + self.frames


@dataclass(frozen=True)
class Cut:
    fps: int
    shots: tuple[CutShot, ...]
    from_film: bool  # positions of the assembled film (else planned from the shot lists)

    @property
    def frames(self) -> int:
        return self.shots[-1].end_frame if self.shots else 0

    def get(self, shot_id: str) -> CutShot:
        for s in self.shots:
            if s.shot_id == shot_id:
                return s
        known = [s.shot_id for s in self.shots]
        hint = ", ".join(known[:6]) + (f" ... ({len(known)} shots)" if len(known) > 6 else "")
        raise UnknownShot(f"no shot {shot_id!r} in this project; shots: {hint or 'none yet (run stage 7)'}")

    def at(self, frame: int) -> CutShot:
        for s in self.shots:
            if s.start_frame <= frame < s.end_frame:
                return s
        raise BadTimecode(f"{timecode(frame, self.fps)} is after the end of the film "
                          f"({timecode(max(self.frames - 1, 0), self.fps)} is its last frame)")


def parse_timecode(text: str, fps: int) -> int:
    """`HH:MM:SS:FF` (non-drop-frame, at an integer rate) -> the 0-based frame number."""
    match = _TIMECODE.match(text.strip())
    if not match:
        raise BadTimecode(f"timecode {text!r} is not HH:MM:SS:FF (e.g. 00:01:02:12)")
    hours, minutes, seconds, frames = (int(g) for g in match.groups())
    if frames >= fps:
        raise BadTimecode(f"timecode {text!r}: frame {frames} does not exist at {fps} fps (frames are 00-{fps - 1:02d})")
    return ((hours * 60 + minutes) * 60 + seconds) * fps + frames


def shot_lists(store: Store, project: Project) -> list[ShotList]:
    """The current shot lists, in scene order (whether locked or not: a note may be on a draft)."""
    lists = [v.model(ShotList) for k, v in store.heads(project, "scene/").items() if k.endswith("/shots")]
    return sorted(lists, key=lambda sl: sl.scene)


def cut(store: Store, project: Project) -> Cut:
    """Each current shot's place in the film: from the assembled film when it holds every shot (what
    the reviewer watches), else planned from the shot lists at the project's frame rate."""
    planned = [s for sl in shot_lists(store, project) for s in sl.shots]
    head = store.head(project, "film")
    if head is not None:
        film = head.model(Film)
        if [c.shot_id for c in film.clips] == [s.shot_id for s in planned]:
            return Cut(film.fps, tuple(CutShot(c.shot_id, c.scene, c.start_frame, c.frames) for c in film.clips), True)
    fps, start, out = project.config.fps, 0, []
    for s in planned:
        frames = max(1, round(s.duration * fps))
        out.append(CutShot(s.shot_id, s.scene, start, frames))
        start += frames
    return Cut(fps, tuple(out), False)


# -- notes -------------------------------------------------------------------------------------
def add_note(store: Store, project: Project, target: str, text: str, *, at: str | int | None = None,
             category: str | None = None, author: str = "user", assignee: str | None = None,
             engines: Engines | None = None) -> ReviewNote:
    """A note on a shot id, `scene/<n>` or `film`, at a timecode (`HH:MM:SS:FF` or a frame number;
    default: the start of the shot or scene). `category` is a person's choice; without it the rules
    (or `engines.text`, if it is a real model) suggest one, to be confirmed with `confirm_category`.
    Nothing is written when the shot, scene, timecode or category is unknown."""
    text = (text or "").strip()
    if not text:
        raise ReviewError("a review note needs text: what is wrong, and where")
    target = (target or "").strip() or FILM_TARGET
    table = load_routes()
    if category is not None:
        category = table.route(category.strip().lower()).category
    the_cut = cut(store, project)
    shot, frame = _place(the_cut, target, at)
    suggestion = None if category is not None else propose_category(store, project, engines, text)
    routed = table.route(category).stage if category else (suggestion.stage if suggestion else None)
    note = ReviewNote(
        id=new_note_id(), project_id=project.id, target=target, shot=shot, frame=frame,
        fps=the_cut.fps if frame is not None else None, category=category,
        suggested_category=suggestion.category if suggestion else None,
        suggested_by=suggestion.by if suggestion else None, stage=routed, text=text, author=author,
        assignee=(assignee or "").strip() or None, created_at=utcnow(),
    )
    with store.db.transaction():
        store.add_note(note)
        _record_clips(store, project, note)
    if note.assignee:
        _notify_assigned(store, project, note, author)
    return note


def _place(the_cut: Cut, target: str, at: str | int | None) -> tuple[str | None, int | None]:
    """(shot, frame) of a note: checked against the cut, so a note never points at nothing."""
    frame = None
    if at is not None and at != "":
        frame = at if isinstance(at, int) else parse_timecode(str(at), the_cut.fps)
        if frame < 0:
            raise BadTimecode(f"frame {frame} is before the start of the film")
        if not the_cut.shots:
            raise BadTimecode("the project has no shots yet, so no timecode to point at (run stage 7)")
        the_cut.at(frame)  # inside the film
    if target == FILM_TARGET:
        return (the_cut.at(frame).shot_id if frame is not None else None), frame
    if target.startswith("scene/"):
        number = target.partition("/")[2]
        in_scene = [s for s in the_cut.shots if number.isdigit() and s.scene == int(number)]
        if not in_scene:
            scenes = sorted({s.scene for s in the_cut.shots})
            raise UnknownShot(f"no scene {number!r} with shots in this project; scenes: "
                              f"{', '.join(map(str, scenes)) or 'none yet (run stage 7)'}")
        if frame is None:
            return None, in_scene[0].start_frame
        inside = [s for s in in_scene if s.start_frame <= frame < s.end_frame]
        if not inside:
            raise BadTimecode(f"{timecode(frame, the_cut.fps)} is not in scene {number} "
                              f"({timecode(in_scene[0].start_frame, the_cut.fps)}-"
                              f"{timecode(in_scene[-1].end_frame - 1, the_cut.fps)})")
        return inside[0].shot_id, frame
    shot = the_cut.get(target)
    if frame is None:
        return shot.shot_id, shot.start_frame
    if not shot.start_frame <= frame < shot.end_frame:
        raise BadTimecode(f"{timecode(frame, the_cut.fps)} is in {the_cut.at(frame).shot_id}, not in {shot.shot_id} "
                          f"({timecode(shot.start_frame, the_cut.fps)}-{timecode(shot.end_frame - 1, the_cut.fps)})")
    return shot.shot_id, frame


def _record_clips(store: Store, project: Project, note: ReviewNote) -> None:
    """Remember the clip of each of the note's shots the reviewer saw (by content): a different
    clip made after it is the fix, whichever way it was made."""
    from aiuteur.stages import video

    seen = {}
    for shot_id in note_shots(store, project, note):
        head = store.head(project, video.key(shot_id))
        if head is not None:
            seen[shot_id] = head.content_hash
    if seen:
        store.note_event(note, "clips seen", seen, note.author)


def _clips_seen(store: Store, note: ReviewNote) -> dict[str, str]:
    """shot id -> content hash of the clip the note was written about."""
    for event in store.note_events(note.id):
        if event.action == "clips seen":
            return {k: str(v) for k, v in event.detail.items()}
    return {}


def list_notes(store: Store, project: Project, *, state: str | Iterable[str] | None = None,
               shot: str | None = None) -> list[ReviewNote]:
    return store.notes(project.id, state=state, shot=shot)


def get_note(store: Store, project: Project, note_id: str) -> ReviewNote:
    return store.note(project.id, note_id)


def confirm_category(store: Store, project: Project, note_id: str, category: str | None = None, *,
                     author: str = "user") -> ReviewNote:
    """A person's decision: the note's category (default: the suggestion), and so the stage that fixes it."""
    note = store.note(project.id, note_id)
    chosen = (category or note.suggested_category or "").strip().lower()
    if not chosen:
        raise ReviewError(f"note {note_id} has no suggested category: choose one of "
                          f"{', '.join(load_routes().categories)}")
    route_ = load_routes().route(chosen)
    return store.update_note(note, "category confirmed", author, category=route_.category, stage=route_.stage)


def assign(store: Store, project: Project, note_id: str, assignee: str, *, author: str = "user") -> ReviewNote:
    """Give a note to a person (notified through the project's hooks and the studio's toasts)."""
    assignee = (assignee or "").strip()
    if not assignee:
        raise ReviewError("say who the note is assigned to")
    note = store.update_note(store.note(project.id, note_id), "assigned", author, assignee=assignee)
    _notify_assigned(store, project, note, author)
    return note


def set_state(store: Store, project: Project, note_id: str, state: str, *, author: str = "user") -> ReviewNote:
    """open, in_progress, resolved or wont_fix (`won't fix` and `in progress` are accepted too)."""
    wanted = state.strip().lower().replace("'", "").replace(" ", "_").replace("-", "_")
    if wanted not in NOTE_STATES:
        raise ReviewError(f"unknown note state {state!r}; states: {', '.join(NOTE_STATES)}")
    note = store.note(project.id, note_id)
    if note.state == wanted:
        return note
    if wanted == "resolved":
        return store.resolve_note(note, author=author, reason="resolved by hand")
    return store.update_note(note, "state", author, state=wanted)


def _notify_assigned(store: Store, project: Project, note: ReviewNote, author: str) -> None:
    from aiuteur import notify

    where = f"{note.shot or note.target}" + (f" at {note.timecode}" if note.timecode else "")
    notify.emit(store, project, "note.assigned", f"note.assigned:{note.id}:{note.assignee}:{utcnow().isoformat()}",
                title=f"Note for {note.assignee}: {where}", body=note.text,
                detail={"note": note.id, "assignee": note.assignee, "by": author, "shot": note.shot,
                        "timecode": note.timecode, "stage": note.stage})


# -- acting on a note --------------------------------------------------------------------------
def note_shots(store: Store, project: Project, note: ReviewNote) -> list[str]:
    """The shots a note asks to change: its shot, or every shot of its scene."""
    if note.target.startswith("scene/"):
        number = int(note.target.partition("/")[2])
        return [s.shot_id for sl in shot_lists(store, project) if sl.scene == number for s in sl.shots]
    return [note.shot] if note.shot else []


def go_to(store: Store, project: Project, note_id: str) -> StageLink:
    """The stage that fixes the note, the studio page that shows it, and the shot or scene to open."""
    note = store.note(project.id, note_id)
    stage = note.stage
    if stage is None:
        raise ReviewError(f"note {note_id} has no category yet: confirm one (categories: "
                          f"{', '.join(load_routes().categories)}) and it will say which stage fixes it")
    info = BY_SLUG[stage]
    shot = note.shot
    scene = None
    if shot:
        scene = next((s.scene for s in cut(store, project).shots if s.shot_id == shot), None)
    elif note.target.startswith("scene/"):
        scene = int(note.target.partition("/")[2])
    keys = {"script": "script", "assets": "assets", "hub": "hub", "confirm": "confirmation", "input": "input",
            "treatment": "treatment", "beats": "beats"}
    if stage in keys:
        key = keys[stage]
    elif stage in ("shots", "visual_states"):
        key = f"scene/{scene}/{'shots' if stage == 'shots' else 'states'}" if scene is not None else None
    else:
        key = f"shot/{shot}/{_SHOT_KEYS[stage]}" if shot else None
    return StageLink(stage=stage, number=info.number, title=info.title, page=STUDIO_PAGES[stage],
                     artifact_key=key, shot=shot, scene=scene)


@dataclass
class Retake:
    """What `retake` did: the new clip versions linked to the note, and the film rebuilt from them
    (None when other shots are not ready yet: `film_note` says why)."""

    note: ReviewNote
    clips: list[Version] = field(default_factory=list)
    film: Version | None = None
    film_note: str = ""


def retake(store: Store, project: Project, engines: Engines, note_id: str, *, seed: int = 0,
           author: str = "user", assemble: bool = True) -> Retake:
    """Make the note's shots' clips again from their current (fixed) prompts and frames, link the
    new clips to the note, and rebuild the film. A clip made since the note by another route (a
    pipeline run) is linked too. Runs behind stage 11 like any clip: a fix that changed a prompt or
    a frame needs the cost confirmation again first, and the error says so."""
    from aiuteur.stages import video
    from aiuteur.stages.confirm import all_shots

    note = store.note(project.id, note_id)
    if note.state not in OPEN_STATES:
        raise ReviewError(f"note {note_id} is {note.state}: reopen it (state open) before a retake")
    shots = note_shots(store, project, note)
    if not shots:
        raise ReviewError(f"note {note_id} is on the whole film with no timecode: add a note on a shot to retake it")
    by_id = {s.shot_id: s for s in all_shots(store, project)}
    seen, linked = _clips_seen(store, note), {l.version_id for l in store.retakes(project.id, note.id)}
    new: list[Version] = []
    for shot_id in shots:
        before = store.head(project, video.key(shot_id))
        version = video.generate_shot(store, project, engines, by_id[shot_id], seed=seed)
        # a clip other than the one the note was written about, or one generated anew now (not a clip
        # re-filed from the cache because something upstream changed around it)
        made_now = before is None or (version.id != before.id and version.generation_id != before.generation_id)
        fresh_take = made_now or version.content_hash != seen.get(shot_id, version.content_hash)
        if fresh_take and version.id not in linked:
            store.link_retake(note, version, author)
            new.append(version)
    if not new:
        link = go_to(store, project, note_id) if note.stage else None
        where = f"stage {link.number} '{link.title}' ({link.artifact_key or link.page})" if link else \
            "the stage its category names (confirm a category first)"
        raise NothingToRetake(f"no new clip for {', '.join(shots)}: the inputs are unchanged since the note. "
                              f"Fix it at {where}, re-run the stages after it (and stage 11), then retake")
    note = store.note(project.id, note_id)
    if note.state == "open":
        note = store.update_note(note, "state", author, state="in_progress")
    result = Retake(note=note, clips=new)
    if assemble:
        result.film, result.film_note = _assemble_if_ready(store, project, engines, seed)
    return result


def _assemble_if_ready(store: Store, project: Project, engines: Engines, seed: int) -> tuple[Version | None, str]:
    """Rebuild the film when every clip is current, or can be made current from clips already paid
    for (a fix upstream makes a scene's other clips stale although their pictures are unchanged:
    they are re-filed from the cache, for nothing). A clip that would be a new paid call is left to
    the person: the film then waits, and the note says why. The project's sound, once made, is
    brought up to date first, as a pipeline run does (its mix goes on the film)."""
    from aiuteur.stages import video
    from aiuteur.stages.confirm import all_shots

    shots = all_shots(store, project)
    stale = [s for s in shots if (h := store.head(project, video.key(s.shot_id))) is None
             or store.staleness(h).status != "fresh"]
    if stale:
        try:
            unpaid = {s.shot_id for s in video.unpaid_shots(store, project, engines.video.id, seed=seed)}
        except StageError as exc:
            return None, f"the film was not rebuilt: {exc}"
        waiting = [s.shot_id for s in stale if s.shot_id in unpaid]
        if waiting:
            return None, (f"the film was not rebuilt: {len(waiting)} other shot(s) need a new clip first (run stage 12), "
                          f"e.g. {waiting[0]}")
        for shot in stale:
            video.generate_shot(store, project, engines, shot, seed=seed)  # already paid: filed from the cache
    from aiuteur.stages import sound

    try:
        with_sound = sound.has_sound(store, project)
        if with_sound:  # the mix is laid on the film: its lines follow the fix too
            sound.generate(store, project, seed=seed)
        head = store.head(project, video.FILM)
        if head is not None and store.staleness(head).status == "fresh" and \
                (not with_sound or sound.film_sound(store, head) is not None):
            return head, ""
        return video.assemble(store, project), ""
    except StageError as exc:
        return None, f"the film was not rebuilt: {exc}"


def approve_clip(store: Store, project: Project, shot_id: str, *, author: str = "user") -> tuple[Version, list[ReviewNote]]:
    """Approve (lock) a shot's current clip; every note whose retaken shots are all approved now
    is resolved. Returns the locked clip and the notes resolved."""
    from aiuteur.stages import video

    cut(store, project).get(shot_id)  # an unknown shot is a clear error, not a missing key
    require(store, project, video.key(shot_id), locked=False)  # a clip exists and is fresh
    locked = store.lock(project, video.key(shot_id), author=author, message="approved in review")
    return locked, settle(store, project, author=author)


def settle(store: Store, project: Project, *, author: str = "aiuteur") -> list[ReviewNote]:
    """Resolve the open notes whose every retaken shot has its new clip (or a later one) approved."""
    from aiuteur.stages import video

    resolved = []
    links_by_note: dict[str, list] = {}
    for link in store.retakes(project.id):
        links_by_note.setdefault(link.note_id, []).append(link)
    for note in store.notes(project.id, state=OPEN_STATES):
        links = links_by_note.get(note.id)
        if not links:
            continue
        newest: dict[str, int] = {}
        for link in links:
            newest[link.shot_id] = max(newest.get(link.shot_id, 0), link.version_number)
        approved = []
        for shot_id, number in newest.items():
            head = store.head(project, video.key(shot_id))
            approved.append(head is not None and head.status == "locked" and head.number >= number)
        if all(approved):
            shots = ", ".join(sorted(newest))
            resolved.append(store.resolve_note(note, author=author, reason=f"retake approved: {shots}"))
    return resolved


__all__ = [
    "ReviewError", "UnknownShot", "UnknownCategory", "BadTimecode", "RouteTableError", "NothingToRetake",
    "RouteTable", "load_routes", "routes_file", "suggest", "route", "propose_category",
    "Cut", "CutShot", "cut", "parse_timecode", "timecode", "shot_lists",
    "add_note", "list_notes", "get_note", "confirm_category", "assign", "set_state", "note_shots", "go_to",
    "Retake", "retake", "approve_clip", "settle", "STUDIO_PAGES",
]
