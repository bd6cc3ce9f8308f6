"""Production tracking in Kitsu (Zou), through `gazu`: publish a project's shots, its clips as
previews and its review notes as comments; read the comments people wrote in Kitsu back as review
notes. Guide: docs/tracking.md.

- A **sequence** per scene (`SC010`), a **shot** per shot id (`SC010_SH0010`) with its frame in/out
  in the cut, its frame count and its duration in seconds, and one **task** per shot (task type
  "Animation") that holds the previews and the comments.
- Each shot's current clip (its mp4) is a **preview** on that task, in a comment that says which
  clip it is; a clip is uploaded once (by the sha256 of its bytes).
- Each review note on a shot (or on a scene: every shot of it) is a **comment**; a note is posted once.
- Comments written in Kitsu come back as review notes on the right shot (`aiuteur.stages.review.
  add_note`), once.

Idempotent twice over: the ids Kitsu gave are kept in the store (artifact `tracking/kitsu`,
`aiuteur.tracking.models`), and every comment aiuteur posts carries a marker (`[aiuteur:note:ID]`,
`[aiuteur:clip:SHA]`) that is looked for before posting, so a publish cut short between Kitsu's
answer and the store's write makes no duplicate the next time.

Credentials come from the environment only ($AIUTEUR_KITSU_URL, $AIUTEUR_KITSU_EMAIL,
$AIUTEUR_KITSU_PASSWORD): never stored, logged, or shown in an error (errors name the variables).
"""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping
from urllib.parse import urlsplit, urlunsplit

from aiuteur.tracking.errors import (
    NothingToTrack, TrackerLoginRefused, TrackerNotConfigured, TrackerRefused, TrackerUnreachable, TrackingError,
)
from aiuteur.tracking.models import TrackedShot, TrackerLinks, Tracking

if TYPE_CHECKING:
    from aiuteur.models.project import Project
    from aiuteur.models.review import ReviewNote
    from aiuteur.store import Store

URL_ENV = "AIUTEUR_KITSU_URL"
EMAIL_ENV = "AIUTEUR_KITSU_EMAIL"
PASSWORD_ENV = "AIUTEUR_KITSU_PASSWORD"
#: the artifact that holds the ids Kitsu gave (one version per publish or sync that changed them)
LINKS_KEY = "tracking/kitsu"
#: the task type of the shot tasks that hold previews and notes (Kitsu's init-data makes it for shots)
TASK_TYPE = "Animation"
#: the task status a new preview asks for ("Waiting For Approval"), when the server has it
PREVIEW_STATUS = "wfa"
#: the marker on every comment aiuteur posts: `[aiuteur:note:note_ab12cd34ef56]`, `[aiuteur:clip:<sha256>]`
MARKER = re.compile(r"\[aiuteur:(note|clip):([A-Za-z0-9_]+)\]")
#: who the imported notes' author is said to be when Kitsu does not name the person
KITSU_AUTHOR = "Kitsu"


# -- the login: from the environment only --------------------------------------------------------
@dataclass(frozen=True)
class KitsuLogin:
    """Where Kitsu is and who signs in. The password never appears in `repr`, `str` or errors."""

    url: str
    email: str
    password: str = field(repr=False)

    def __str__(self) -> str:
        return f"{self.email} at {self.url}"


def api_url(url: str) -> str:
    """The API address without a trailing slash, checked: http(s), a host, and no user or password
    in it (those belong in $AIUTEUR_KITSU_EMAIL and $AIUTEUR_KITSU_PASSWORD, never in a URL that
    ends up in messages and in the store)."""
    value = (url or "").strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TrackerNotConfigured(f"${URL_ENV} must be Kitsu's API address, e.g. https://kitsu.example.com/api "
                                   f"(http or https with a host)")
    if parts.username or parts.password:
        raise TrackerNotConfigured(f"${URL_ENV} must not hold a user name or password: put them in ${EMAIL_ENV} "
                                   f"and ${PASSWORD_ENV}")
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def login_from_env(environ: Mapping[str, str] | None = None) -> KitsuLogin:
    """The Kitsu login from $AIUTEUR_KITSU_URL, $AIUTEUR_KITSU_EMAIL and $AIUTEUR_KITSU_PASSWORD.
    A missing one is a `TrackerNotConfigured` naming the variables (never their values)."""
    env = os.environ if environ is None else environ
    missing = [name for name in (URL_ENV, EMAIL_ENV, PASSWORD_ENV) if not (env.get(name) or "").strip()]
    if missing:
        raise TrackerNotConfigured(f"Kitsu is not set up: set {', '.join('$' + m for m in missing)} "
                                   f"(the server's API address, and the e-mail and password of a Kitsu "
                                   f"account that may create productions; docs/tracking.md)")
    return KitsuLogin(url=api_url(env[URL_ENV]), email=env[EMAIL_ENV].strip(), password=env[PASSWORD_ENV])


def configured(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the three Kitsu variables are set (a page or notebook decides what to show)."""
    try:
        login_from_env(environ)
    except TrackerNotConfigured:
        return False
    return True


# -- talking to Kitsu ------------------------------------------------------------------------------
def _gazu():
    try:
        import gazu
    except ImportError:  # pragma: no cover - gazu is in the `kitsu` extra
        raise TrackingError("gazu is not installed: pip install 'aiuteur[kitsu]'") from None
    return gazu


@contextmanager
def _answers(url: str, doing: str) -> Iterator[None]:
    """gazu's and requests' exceptions as typed errors that say what was being done, and never the
    password (gazu's messages carry the route, not the request body)."""
    import requests
    from gazu import exception as gx

    try:
        yield
    except (gx.AuthFailedException, gx.NotAuthenticatedException):
        raise TrackerLoginRefused(f"Kitsu at {url} refused the login from ${EMAIL_ENV} and ${PASSWORD_ENV} "
                                  f"while {doing}") from None
    except gx.NotAllowedException:
        raise TrackerRefused(f"Kitsu at {url} does not allow the account in ${EMAIL_ENV} to do this "
                             f"({doing}): it needs the Studio Manager or Production Manager role") from None
    except gx.GazuException as exc:
        raise TrackerRefused(f"Kitsu at {url} refused a request while {doing}: {type(exc).__name__}: {exc}") from None
    except requests.RequestException as exc:
        raise TrackerUnreachable(f"no answer from Kitsu at {url} while {doing} ({type(exc).__name__}); is "
                                 f"${URL_ENV} the API address, and is the server up?") from None


class KitsuSession:
    """A logged-in gazu client (its own, not gazu's global one: two pages may talk to two servers).
    Use as a context manager; it logs out on exit."""

    def __init__(self, login: KitsuLogin) -> None:
        self.url = login.url
        gazu = _gazu()
        with _answers(self.url, "signing in"):
            self.client = gazu.create_session(login.url, login.email, login.password)
        self.gazu = gazu

    def call(self, doing: str, fn, *args, **kwargs):
        """One gazu call on this session's client, its errors typed."""
        with _answers(self.url, doing):
            return fn(*args, client=self.client, **kwargs)

    def close(self) -> None:
        try:
            self.gazu.log_out(client=self.client)
        except Exception:  # logging out of a server that went away: nothing left to clean
            pass
        self.client.session.close()

    def __enter__(self) -> "KitsuSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def connect(login: KitsuLogin | None = None) -> KitsuSession:
    """Sign in to Kitsu (default: the login from the environment)."""
    return KitsuSession(login or login_from_env())


# -- the links kept in the store ------------------------------------------------------------------
def links(store: "Store", project: "Project", url: str) -> TrackerLinks:
    """What aiuteur knows of this project on the server at `url` (empty links when never published)."""
    head = store.head(project, LINKS_KEY)
    tracking = head.model(Tracking) if head is not None else Tracking()
    return tracking.servers.get(url) or TrackerLinks(url=url)


def _save(store: "Store", project: "Project", linked: TrackerLinks, message: str, *, retry: bool = True) -> None:
    """Keep the links (a new version of `tracking/kitsu` only when they changed). Outside a
    transaction, retried when another writer saved links at the same moment (its servers are kept,
    ours replace our server's); inside one (`retry=False`) a conflict ends that transaction."""
    from aiuteur.store import retry_on_conflict

    def write():
        head = store.head(project, LINKS_KEY)
        tracking = head.model(Tracking) if head is not None else Tracking()
        merged = Tracking(servers={**tracking.servers, linked.url: linked})
        return store.commit_if_changed(project, LINKS_KEY, merged, kind="tracking", author=store.user,
                                       message=message, expected_head=head)

    retry_on_conflict(write) if retry else write()


# -- what the project holds ------------------------------------------------------------------------
@dataclass(frozen=True)
class PlannedShot:
    """A shot as Kitsu will hold it: frame in/out in the cut (inclusive), frames, seconds."""

    shot_id: str
    scene: int
    sequence: str
    heading: str
    frame_in: int
    frame_out: int
    frames: int
    seconds: float
    description: str


def sequence_name(shot_id: str, scene: int) -> str:
    """`SC010` for the shots `SC010_SH....` (scene 1)."""
    prefix = shot_id.split("_", 1)[0]
    return prefix if prefix.startswith("SC") else f"SC{scene * 10:03d}"


def planned_shots(store: "Store", project: "Project") -> list[PlannedShot]:
    """Every current shot with its place in the cut (the assembled film's frames when it holds every
    shot, else planned from the shot lists). `NothingToTrack` before stage 7."""
    from aiuteur.stages import review

    lists = review.shot_lists(store, project)
    if not lists:
        raise NothingToTrack(f"project {project.name!r} has no shots yet: run stage 7 (`aiuteur run "
                             f"{project.name}`) before publishing to Kitsu")
    the_cut = review.cut(store, project)
    headings = {sl.scene: sl.heading for sl in lists}
    by_id = {s.shot_id: s for sl in lists for s in sl.shots}
    planned = []
    for placed in the_cut.shots:
        shot = by_id[placed.shot_id]
        planned.append(PlannedShot(
            shot_id=shot.shot_id, scene=shot.scene, sequence=sequence_name(shot.shot_id, shot.scene), heading=headings[shot.scene],
            frame_in=placed.start_frame, frame_out=placed.end_frame - 1, frames=placed.frames,
            seconds=round(placed.frames / the_cut.fps, 3), description=shot.action))
    return planned


def current_clips(store: "Store", project: "Project") -> dict[str, tuple[Any, Any]]:
    """shot id -> (clip version, ShotVideo) of each shot that has a clip (stage 12's `shot/<id>/video`)."""
    from aiuteur.models.media import ShotVideo
    from aiuteur.stages import video

    found = {}
    for key, head in store.heads(project, "shot/").items():
        shot_id = key.split("/")[1]
        if key == video.key(shot_id):
            found[shot_id] = (head, head.model(ShotVideo))
    return found


def _note_shots(store: "Store", project: "Project", note: "ReviewNote") -> list[str]:
    from aiuteur.stages import review

    return review.note_shots(store, project, note)


def _imported(linked: TrackerLinks) -> set[str]:
    return set(linked.notes_in.values())


# -- publishing ------------------------------------------------------------------------------------
@dataclass
class PublishReport:
    """What one publish did, for a status line, `--json` and the notebook."""

    url: str
    kitsu_project: str
    shots: int = 0
    sequences_created: list[str] = field(default_factory=list)
    shots_created: list[str] = field(default_factory=list)
    shots_updated: list[str] = field(default_factory=list)
    previews_uploaded: list[str] = field(default_factory=list)  # shot ids
    previews_kept: int = 0
    notes_posted: list[str] = field(default_factory=list)  # note ids
    notes_kept: int = 0
    notes_skipped: dict[str, str] = field(default_factory=dict)  # note id -> why

    def summary(self) -> str:
        new = len(self.shots_created)
        parts = [f"{self.shots} shot(s) in {self.kitsu_project!r} ({new} new, {len(self.shots_updated)} updated)",
                 f"{len(self.previews_uploaded)} preview(s) uploaded, {self.previews_kept} already there",
                 f"{len(self.notes_posted)} note(s) posted, {self.notes_kept} already there"]
        if self.notes_skipped:
            parts.append(f"{len(self.notes_skipped)} note(s) not on a shot, not posted")
        return f"published to Kitsu at {self.url}: " + "; ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def publish(store: "Store", project: "Project", *, login: KitsuLogin | None = None,
            session: KitsuSession | None = None, kitsu_project: str | None = None,
            scenes: Iterable[int] | None = None, clips: bool = True, notes: bool = True) -> PublishReport:
    """Publish the project to Kitsu: sequences, shots (frame in/out, frames, seconds), each shot's
    current clip as a preview, and the review notes on shots as comments. Publishing again makes no
    duplicates: what Kitsu already holds is found (by the ids in the store, then by name or marker)
    and updated when the cut changed. `kitsu_project` names the production (default: the project's
    name); an existing production of that name is used. `scenes` limits the publish to those scenes'
    shots (and their clips; notes go to every shot published so far). The links are saved even when
    a call fails part-way, so the next publish resumes."""
    planned = planned_shots(store, project)  # refused before any network call
    if scenes is not None:
        wanted = {int(n) for n in scenes}
        known = sorted({p.scene for p in planned})
        unknown = sorted(wanted - set(known))
        if unknown:
            raise NothingToTrack(f"project {project.name!r} has no scene {unknown[0]} with shots; scenes: "
                                 f"{', '.join(map(str, known))}")
        planned = [p for p in planned if p.scene in wanted]
    if session is None:
        with connect(login) as own:
            return publish(store, project, session=own, kitsu_project=kitsu_project, scenes=scenes, clips=clips,
                           notes=notes)
    from aiuteur.store.database import utcnow

    linked = links(store, project, session.url)
    if kitsu_project and linked.project_name and kitsu_project != linked.project_name:
        linked = TrackerLinks(url=session.url)  # another production: its own ids (the old ones stay in the history)
    report = PublishReport(url=session.url, kitsu_project=kitsu_project or linked.project_name or project.name,
                           shots=len(planned))
    try:
        _publish_shots(session, project, planned, linked, report, _clip_size(store, project))
        comments: dict[str, list[dict]] = {}
        if clips:
            _publish_clips(store, project, session, linked, report, comments, {p.shot_id for p in planned})
        if notes:
            _publish_notes(store, project, session, linked, report, comments)
        linked.published_at = utcnow()
    finally:  # what Kitsu made before a failure is kept too: the next publish finds it
        _save(store, project, linked, f"published to Kitsu: {report.shots} shot(s)")
    return report


def _clip_size(store: "Store", project: "Project") -> str | None:
    """`1280x720`: the clips' frame size, which the production's previews are normalised to."""
    for _, clip in current_clips(store, project).values():
        if clip.media.width and clip.media.height:
            return f"{clip.media.width}x{clip.media.height}"
    return None


def _publish_shots(session: KitsuSession, project: "Project", planned: list[PlannedShot], linked: TrackerLinks,
                   report: PublishReport, resolution: str | None) -> None:
    gazu = session.gazu
    kproject = _production(session, project, linked, report.kitsu_project, resolution)
    task_type = _task_type(session, kproject, linked)
    sequences = {s["name"]: s for s in session.call("listing sequences", gazu.shot.all_sequences_for_project, kproject)}
    shots = {s["name"]: s for s in session.call("listing shots", gazu.shot.all_shots_for_project, kproject)}
    for plan in planned:
        sequence = sequences.get(plan.sequence)
        if sequence is None:
            sequence = session.call(f"creating sequence {plan.sequence}", gazu.shot.new_sequence, kproject, plan.sequence)
            sequence = session.call(f"describing sequence {plan.sequence}", gazu.shot.update_sequence,
                                    {"id": sequence["id"], "description": plan.heading})
            sequences[plan.sequence] = sequence
            report.sequences_created.append(plan.sequence)
        linked.sequences[plan.sequence] = sequence["id"]
        data = {"frame_in": plan.frame_in, "frame_out": plan.frame_out, "duration": plan.seconds,
                "aiuteur_shot": plan.shot_id}
        shot = shots.get(plan.shot_id)
        if shot is None:
            shot = session.call(f"creating shot {plan.shot_id}", gazu.shot.new_shot, kproject, sequence, plan.shot_id,
                                nb_frames=plan.frames, frame_in=plan.frame_in, frame_out=plan.frame_out,
                                description=plan.description, data={"duration": plan.seconds,
                                                                    "aiuteur_shot": plan.shot_id})
            report.shots_created.append(plan.shot_id)
        elif _shot_changed(shot, plan, sequence["id"], data):
            shot = session.call(f"updating shot {plan.shot_id}", gazu.shot.update_shot, {
                "id": shot["id"], "nb_frames": plan.frames, "description": plan.description,
                "parent_id": sequence["id"], "data": {**(shot.get("data") or {}), **data}})
            report.shots_updated.append(plan.shot_id)
        task = session.call(f"creating the {TASK_TYPE} task of {plan.shot_id}", gazu.task.new_task, shot, task_type)
        linked.shots[plan.shot_id] = TrackedShot(shot=shot["id"], sequence=sequence["id"], task=task["id"])


def _shot_changed(shot: dict, plan: PlannedShot, sequence_id: str, data: dict) -> bool:
    held = shot.get("data") or {}
    return (shot.get("nb_frames") != plan.frames or (shot.get("description") or "") != plan.description
            or shot.get("parent_id", sequence_id) != sequence_id
            or any(held.get(k) != v for k, v in data.items()))


def _production(session: KitsuSession, project: "Project", linked: TrackerLinks, name: str,
                resolution: str | None) -> dict:
    """The Kitsu production: the one linked before (when it still exists), else the one of that
    name, else a new one (a short), at the project's frame rate and the clips' frame size (Kitsu
    normalises every uploaded movie to the production's size)."""
    gazu = session.gazu
    kproject = None
    if linked.project:
        try:
            kproject = session.call("reading the production", gazu.project.get_project, linked.project)
        except TrackerRefused:  # deleted in Kitsu since: find or make it again
            kproject = None
    if kproject is None:
        kproject = session.call(f"creating production {name!r}", gazu.project.new_project, name, "short")
    wanted = {"fps": str(project.config.fps), **({"resolution": resolution} if resolution else {})}
    if any(str(kproject.get(k) or "") != v for k, v in wanted.items()):
        kproject = session.call("setting the production's frame rate and size", gazu.project.update_project,
                                {"id": kproject["id"], **wanted})
    linked.project, linked.project_name = kproject["id"], kproject["name"]
    return kproject


def _task_type(session: KitsuSession, kproject: dict, linked: TrackerLinks) -> dict:
    """The shot task type that holds previews and notes, made when the server has none, and added
    to the production's settings so its tasks show in the production's shot list."""
    gazu = session.gazu
    task_type = session.call("reading task types", gazu.task.get_task_type_by_name, TASK_TYPE, "Shot")
    if task_type is None:
        task_type = session.call(f"creating task type {TASK_TYPE}", gazu.task.new_task_type, TASK_TYPE,
                                 for_entity="Shot")
    held = session.call("reading the production", gazu.project.get_project, kproject["id"]).get("task_types") or []
    in_project = {t["id"] if isinstance(t, dict) else t for t in held}
    if task_type["id"] not in in_project:
        session.call(f"adding task type {TASK_TYPE} to the production", gazu.project.add_task_type, kproject,
                     task_type, len(in_project) + 1)
    linked.task_type = task_type["id"]
    return task_type


def _comments(session: KitsuSession, task_id: str, cache: dict[str, list[dict]]) -> list[dict]:
    if task_id not in cache:
        cache[task_id] = session.call("reading comments", session.gazu.task.all_comments_for_task, task_id)
    return cache[task_id]


def _marked(comments: list[dict], kind: str, value: str) -> dict | None:
    for comment in comments:
        for found_kind, found in MARKER.findall(comment.get("text") or ""):
            if found_kind == kind and found == value:
                return comment
    return None


def _status(session: KitsuSession, task_id: str, short_name: str | None = None) -> dict:
    """A task status for a comment: `short_name`'s when the server has it, else the task's own (so
    a note does not change the task's status)."""
    gazu = session.gazu
    if short_name:
        found = session.call("reading task statuses", gazu.task.get_task_status_by_short_name, short_name)
        if found:
            return found
    task = session.call("reading a task", gazu.task.get_task, task_id)
    return {"id": task["task_status_id"]}


def _publish_clips(store: "Store", project: "Project", session: KitsuSession, linked: TrackerLinks,
                   report: PublishReport, cache: dict[str, list[dict]], shot_ids: set[str]) -> None:
    gazu = session.gazu
    for shot_id, (version, clip) in sorted(current_clips(store, project).items()):
        tracked = linked.shots.get(shot_id)
        if tracked is None or shot_id not in shot_ids:
            continue  # a clip of a shot no longer in the cut, or of a scene not published now
        sha = clip.media.sha256
        if sha in linked.previews:
            report.previews_kept += 1
            continue
        comments = _comments(session, tracked.task, cache)
        comment = _marked(comments, "clip", sha)
        if comment is not None and comment.get("previews"):
            preview = comment["previews"][0]
            linked.previews[sha] = preview["id"] if isinstance(preview, dict) else str(preview)
            linked.preview_comments[comment["id"]] = sha
            report.previews_kept += 1
            continue
        path = str(store.media_path(clip.media))
        text = (f"aiuteur clip v{version.number} of {shot_id} ({version.status}, "
                f"{clip.media.duration or 0:.2f} s)\n\n[aiuteur:clip:{sha}]")
        if comment is None:
            comment = session.call(f"posting the clip comment of {shot_id}", gazu.task.add_comment, tracked.task,
                                   _status(session, tracked.task, PREVIEW_STATUS), text)
        linked.preview_comments[comment["id"]] = sha
        preview = session.call(f"uploading the clip of {shot_id}", gazu.task.add_preview, tracked.task, comment,
                               preview_file_path=path)
        linked.previews[sha] = preview["id"]
        report.previews_uploaded.append(shot_id)


def note_comment(note: "ReviewNote") -> str:
    """The text of the comment a note becomes: the note, then who, where and what kind, then the marker."""
    where = ", ".join(x for x in (note.timecode and f"at {note.timecode}",
                                  (note.category or note.suggested_category) and
                                  f"category {note.category or note.suggested_category}",
                                  note.state != "open" and note.state) if x)
    return f"{note.text}\n\n— {note.author} in aiuteur review" + (f" ({where})" if where else "") + \
        f"\n\n[aiuteur:note:{note.id}]"


def _publish_notes(store: "Store", project: "Project", session: KitsuSession, linked: TrackerLinks,
                   report: PublishReport, cache: dict[str, list[dict]]) -> None:
    gazu = session.gazu
    from_kitsu = _imported(linked)
    for note in store.notes(project.id):
        if note.id in from_kitsu:
            continue  # it came from Kitsu: it is there already
        if note.id in linked.notes_out:
            report.notes_kept += 1
            continue
        shots = [s for s in _note_shots(store, project, note) if s in linked.shots]
        if not shots:
            report.notes_skipped[note.id] = ("on the whole film: Kitsu holds notes on shots" if note.target == "film"
                                             else "its shots are not published to Kitsu (yet, or any more)")
            continue
        posted, new = [], False
        for shot_id in shots:
            task_id = linked.shots[shot_id].task
            comment = _marked(_comments(session, task_id, cache), "note", note.id)
            if comment is None:  # not there, even from a publish whose links were not saved
                comment = session.call(f"posting note {note.id} on {shot_id}", gazu.task.add_comment, task_id,
                                       _status(session, task_id), note_comment(note))
                new = True
            posted.append(comment["id"])
        linked.notes_out[note.id] = posted
        if new:
            report.notes_posted.append(note.id)
        else:
            report.notes_kept += 1


# -- reading notes back ----------------------------------------------------------------------------
@dataclass
class SyncReport:
    """What one read-back did: the notes made from Kitsu comments, and the comments left aside."""

    url: str
    kitsu_project: str
    notes: list[dict] = field(default_factory=list)  # each new note's row (`ReviewNote.as_row()`)
    already: int = 0  # comments imported before
    skipped: dict[str, str] = field(default_factory=dict)  # comment id -> why

    def summary(self) -> str:
        text = (f"read notes back from Kitsu at {self.url} ({self.kitsu_project!r}): {len(self.notes)} new note(s), "
                f"{self.already} imported before")
        return text + (f", {len(self.skipped)} comment(s) left aside" if self.skipped else "")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sync_notes(store: "Store", project: "Project", *, login: KitsuLogin | None = None,
               session: KitsuSession | None = None) -> SyncReport:
    """Comments people wrote in Kitsu on the project's shot tasks become review notes on those
    shots (`review.add_note`: its category suggested by the rules, its author the Kitsu person),
    each once: a comment aiuteur posted itself (a note, a clip) is recognised by its marker and by
    the links and is never read back. All new notes and the links are written in one transaction."""
    if session is None:
        with connect(login) as own:
            return sync_notes(store, project, session=own)
    linked = links(store, project, session.url)
    if not linked.shots:
        raise NothingToTrack(f"project {project.name!r} was never published to Kitsu at {session.url}: "
                             f"publish it first (`aiuteur kitsu-publish {project.name}`)")
    report = SyncReport(url=session.url, kitsu_project=linked.project_name)
    ours = set(linked.preview_comments) | {c for ids in linked.notes_out.values() for c in ids}
    incoming: list[tuple[str, dict]] = []
    for shot_id, tracked in linked.shots.items():
        comments = session.call(f"reading the comments of {shot_id}", session.gazu.task.all_comments_for_task,
                                tracked.task)
        for comment in sorted(comments, key=lambda c: (c.get("created_at") or "", c["id"])):
            cid = comment["id"]
            if cid in linked.notes_in:
                report.already += 1
            elif cid in ours or MARKER.search(comment.get("text") or ""):
                continue
            elif not (comment.get("text") or "").strip():
                report.skipped[cid] = "no text (a status change or an attachment only)"
            else:
                incoming.append((shot_id, comment))
    if incoming:
        _import(store, project, session, linked, incoming, report)
    return report


def _import(store: "Store", project: "Project", session: KitsuSession, linked: TrackerLinks,
            incoming: list[tuple[str, dict]], report: SyncReport) -> None:
    from aiuteur.stages import review
    from aiuteur.store.database import utcnow

    people = _people(session, [c for _, c in incoming])
    with store.db.transaction():
        for shot_id, comment in incoming:
            author = f"{_person_name(comment, people)} (Kitsu)"
            try:
                note = review.add_note(store, project, shot_id, comment["text"].strip(), author=author)
            except review.ReviewError as exc:  # the shot left the cut since it was published
                report.skipped[comment["id"]] = str(exc)
                continue
            store.note_event(note, "from kitsu", {"comment": comment["id"], "url": session.url}, author)
            linked.notes_in[comment["id"]] = note.id
            report.notes.append(note.as_row())
        linked.synced_at = utcnow()
        _save(store, project, linked, f"read {len(report.notes)} note(s) back from Kitsu", retry=False)


def _people(session: KitsuSession, comments: list[dict]) -> dict[str, str]:
    """person id -> full name, for the comments whose person came as an id only."""
    wanted = {c.get("person_id") for c in comments if not isinstance(c.get("person"), dict)} - {None}
    if not wanted:
        return {}
    try:
        persons = session.call("reading people", session.gazu.person.all_persons)
    except TrackerRefused:  # a role that may not list people: the notes say "Kitsu"
        return {}
    return {p["id"]: (p.get("full_name") or f"{p.get('first_name', '')} {p.get('last_name', '')}").strip()
            for p in persons if p.get("id") in wanted}


def _person_name(comment: dict, people: dict[str, str]) -> str:
    person = comment.get("person")
    if isinstance(person, dict):
        name = person.get("full_name") or f"{person.get('first_name', '')} {person.get('last_name', '')}"
        if name.strip():
            return name.strip()
    return people.get(comment.get("person_id") or "", "") or KITSU_AUTHOR


# -- offline: what is linked -----------------------------------------------------------------------
@dataclass(frozen=True)
class TrackingStatus:
    """What the store says about the project in Kitsu, read without a network call."""

    url: str | None
    kitsu_project: str | None
    shots: int
    shots_linked: int
    clips: int
    clips_published: int
    notes: int
    notes_published: int
    notes_imported: int
    published_at: str | None
    synced_at: str | None

    def summary(self) -> str:
        if self.url is None:
            return (f"not published to Kitsu yet: {self.shots} shot(s), {self.clips} clip(s) and {self.notes} "
                    f"note(s) would go")
        return (f"Kitsu at {self.url} ({self.kitsu_project!r}): {self.shots_linked}/{self.shots} shot(s), "
                f"{self.clips_published}/{self.clips} current clip(s), {self.notes_published} note(s) posted, "
                f"{self.notes_imported} read back; published {self.published_at or 'never'}, "
                f"synced {self.synced_at or 'never'}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def status(store: "Store", project: "Project", url: str | None = None) -> TrackingStatus:
    """The project's tracking at a glance, from the store only: how many shots, current clips and
    notes Kitsu holds (at `url`, default: the server published to last, else $AIUTEUR_KITSU_URL)."""
    head = store.head(project, LINKS_KEY)
    tracking = head.model(Tracking) if head is not None else Tracking()
    if url is None:
        env_url = os.environ.get(URL_ENV, "").strip()
        try:
            url = api_url(env_url) if env_url else None
        except TrackerNotConfigured:
            url = None
        if url not in tracking.servers:
            dated = sorted(tracking.servers.values(), key=lambda l: str(l.published_at or ""))
            url = dated[-1].url if dated else None
    linked = tracking.servers.get(url) if url else None
    try:
        shot_ids = [p.shot_id for p in planned_shots(store, project)]
    except NothingToTrack:
        shot_ids = []
    clips = current_clips(store, project)
    notes = store.notes(project.id)
    if linked is None:
        return TrackingStatus(None, None, len(shot_ids), 0, len(clips), 0, len(notes), 0, 0, None, None)
    imported = _imported(linked)
    return TrackingStatus(
        url=linked.url, kitsu_project=linked.project_name, shots=len(shot_ids),
        shots_linked=sum(s in linked.shots for s in shot_ids), clips=len(clips),
        clips_published=sum(c.media.sha256 in linked.previews for _, c in clips.values()),
        notes=len([n for n in notes if n.id not in imported]), notes_published=len(linked.notes_out),
        notes_imported=len(linked.notes_in),
        published_at=linked.published_at.isoformat(timespec="seconds") if linked.published_at else None,
        synced_at=linked.synced_at.isoformat(timespec="seconds") if linked.synced_at else None)


__all__ = [
    "URL_ENV", "EMAIL_ENV", "PASSWORD_ENV", "LINKS_KEY", "TASK_TYPE", "MARKER",
    "KitsuLogin", "api_url", "login_from_env", "configured", "KitsuSession", "connect",
    "links", "PlannedShot", "planned_shots", "sequence_name", "current_clips", "note_comment",
    "PublishReport", "publish", "SyncReport", "sync_notes", "TrackingStatus", "status",
]
