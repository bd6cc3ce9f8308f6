"""Stage 11 — cost confirmation: price the video work on the configured engines and on the
default real models, check the budget, and lock the approval. Video will not run without it,
and an edit to any prompt after approval makes the approval stale. Text and image work is done
by then: it is shown at what it was billed (offline work at 0), never re-priced as if paid.

The budget check is the project's budget (`aiuteur.costs.budgets`: limit, mode, approval
threshold) against what the ledger has already committed and what the video would still buy
(shots whose clip on this engine is already paid for cost nothing again). Approving records an
approval per shot up to its estimate, tied to this confirmation version: that is the "explicit
approval" a clip above the per-action threshold needs when the video jobs pass the budget gate.
"""
from __future__ import annotations

import warnings

from aiuteur.costs import budgets
from aiuteur.costs.prices import load_prices
from aiuteur.engines.gateway import billed_video_seconds
from aiuteur.engines.protocols import Usage
from aiuteur.engines.registry import Engines
from aiuteur.models.costs import Confirmation, CostEstimate, CostLine
from aiuteur.models.project import Project
from aiuteur.models.gates import EstimateTable
from aiuteur.models.shots import ShotList
from aiuteur.models.versions import Version
from aiuteur.stages import frames as frames_stage
from aiuteur.stages import prompts as prompts_stage
from aiuteur.stages import shots as shots_stage
from aiuteur.stages.clip_requests import approval_scope, clip_request, unpaid_shots
from aiuteur.stages.shots import all_shots  # here too: `confirm.all_shots` is what callers have used
from aiuteur.stages import sound as sound_stage
from aiuteur.stages.gates import StageError, require
from aiuteur.store import Store

KEY = "confirmation"


BudgetExceeded = budgets.BudgetExceeded  # one type, whichever gate refused


def estimate(store: Store, project: Project, engine_ids: dict[str, str]) -> CostEstimate:
    """Video seconds per shot on `engine_ids["video"]`, plus the text and image work this project
    has recorded, at what it was billed."""
    prices = load_prices()
    lines = []
    for shot in all_shots(store, project):
        seconds = billed_video_seconds(engine_ids["video"], shot.duration)  # what the model makes and bills
        usage = Usage(video_seconds=seconds)
        lines.append(CostLine(scope=shot.shot_id, scene=shot.scene, kind="video", engine=engine_ids["video"],
                              units=seconds, unit="seconds", cost_usd=prices.cost(engine_ids["video"], usage)))
    return CostEstimate(engines=engine_ids, lines=lines + recorded_lines(store, project, engine_ids))


def recorded_lines(store: Store, project: Project, engine_ids: dict[str, str]) -> list[CostLine]:
    """The project's text and image generations, one line per kind and engine, at their recorded
    `actual_cost`: work done offline (or on a local engine) cost nothing, whichever engines an
    estimate is for, and a paid call cost what the provider billed (failed tries included). A kind
    with no recorded work gets a zero line on `engine_ids[kind]`."""
    units: dict[tuple[str, str], float] = {}
    costs: dict[tuple[str, str], float] = {}
    for g in store.generations(project.id):
        if g.kind not in ("text", "image"):
            continue
        key = (g.kind, g.engine)
        count = (float(g.usage.get("input_tokens", 0) or 0) + float(g.usage.get("output_tokens", 0) or 0)
                 if g.kind == "text" else float(g.usage.get("images", 0) or 0))
        units[key] = units.get(key, 0.0) + (count if g.status == "ok" else 0.0)
        costs[key] = costs.get(key, 0.0) + float(g.actual_cost or 0.0)
    lines = []
    for kind, unit in (("text", "tokens"), ("image", "images")):
        engines = sorted(engine for k, engine in costs if k == kind) or [engine_ids[kind]]
        for engine in engines:
            lines.append(CostLine(scope="project", kind=kind, engine=engine, units=units.get((kind, engine), 0.0),  # type: ignore[arg-type]
                                  unit=unit, cost_usd=round(costs.get((kind, engine), 0.0), 6)))  # type: ignore[arg-type]
    return lines


def reference_engines() -> dict[str, str]:
    return dict(load_prices().defaults)


def confirm(store: Store, project: Project, engines: Engines, *, approve: bool = True, author: str = "user",
            budget_usd: float | None = None) -> Version:
    """Estimate, check the budget, and (when `approve`) lock the approval."""
    inputs = []
    for shot in all_shots(store, project):
        inputs.append(require(store, project, prompts_stage.key(shot.shot_id), locked=False))
        inputs.append(require(store, project, frames_stage.key(shot.shot_id), locked=False))
    if budget_usd is not None:
        budget_usd = budgets.dollars("confirmation budget", budget_usd)  # NaN would pass every check below
    mine = estimate(store, project, engines.ids())
    current = budgets.get_budget(store, project)
    mode = "cap" if budget_usd is not None else current.mode
    budget = budget_usd if budget_usd is not None else current.limit_usd
    video_lines = [line for line in mine.lines if line.kind == "video"]
    video_cost = round(sum(line.cost_usd for line in video_lines), 4)
    if approve and budget is not None and mode != "observe" and video_cost > 0:
        _check_budget(store, project, engines.video.id, video_lines, budget, mode)
    confirmation = Confirmation(estimate=mine, reference=estimate(store, project, reference_engines()),
                                budget_usd=budget, approved=approve, approved_by=author)
    with store.db.transaction():
        version = store.commit(project, KEY, confirmation, inputs=inputs, status="locked" if approve else "draft",
                               author=author,
                               message=f"estimate ${mine.total_usd:.2f}" + (" approved" if approve else ""))
        if approve:
            budgets.approve_many(store, project, [(approval_scope(version, line.scope), line.cost_usd)
                                                  for line in video_lines if line.cost_usd > 0], approved_by=author)
    return version


def _check_budget(store: Store, project: Project, engine_id: str, video_lines: list[CostLine], budget: float,
                  mode: str) -> None:
    """What the video would still buy, against the budget left after what is spent or reserved."""
    unpaid = {shot.shot_id for shot in unpaid_shots(store, project, engine_id)}
    to_pay = round(sum(line.cost_usd for line in video_lines if line.scope in unpaid), 4)
    committed = budgets.budget_status(store, project).committed_usd
    if to_pay + committed <= budget + 1e-9:
        return
    message = (f"video would cost ${to_pay:.2f} more ({len(unpaid)} clips), and ${committed:.2f} is already spent "
               f"or reserved: over the budget of ${budget:.2f}")
    if mode == "cap":
        raise BudgetExceeded(message + ": shorten shots, pick a cheaper video model, or raise the budget "
                             f"(`aiuteur budget {project.name} --set USD`)")
    warnings.warn(budgets.BudgetWarning(message + " (mode warn: approved anyway)"), stacklevel=3)


# -- the stage-11 table: what is still to pay, per shot or scene, and what-ifs ------------------------
def estimate_table(store: Store, project: Project, *, by: str = "shot", engine_ids: dict[str, str] | None = None,
                   redo_frames: set[str] | frozenset[str] = frozenset(), redo_video: set[str] | frozenset[str] = frozenset(),
                   change: str | None = None) -> "EstimateTable":
    """What finishing the film would still cost, per shot (or scene): each shot's two anchor
    frames on the image engine, its clip on the video engine (at the seconds the model bills) and
    its spoken line on the character's speech engine. Work already made and paid for on that
    engine is priced 0, so the rows sum to what would be bought; a what-if (`engine_ids`, or
    `redo_frames`/`redo_video` shot ids) prices the same table under another choice."""
    from aiuteur.engines.config import resolve
    from aiuteur.models.gates import EstimateRow, EstimateTable

    if by not in ("shot", "scene"):
        raise StageError(f"--by {by!r}: choose shot or scene")
    ids = {**resolve(store, project).ids(), **{k: v for k, v in (engine_ids or {}).items() if v}}
    prices = load_prices()
    image_price = prices.cost(ids["image"], Usage(images=1))
    from aiuteur.stages.prompts import _remember

    heads = store.heads(project, "shot/")
    lines = store.heads(project, sound_stage.LINE_PREFIX)
    scene_heads = store.heads(project, "scene/")
    _remember(store, heads, lines, scene_heads, store.heads(project, "asset"))
    paid = _PaidWork(store, project)
    memo: dict = {}

    def fresh(version: Version | None) -> bool:
        return version is not None and store.staleness(version, memo).status == "fresh"

    speech = _SpeechPricer(store, project)
    rows = []
    for shot in _current_shots(scene_heads):
        frames = heads.get(frames_stage.key(shot.shot_id))
        frames_paid = shot.shot_id not in redo_frames and fresh(frames) and paid.frames(frames, ids["image"])  # type: ignore[arg-type]
        image_usd = 0.0 if frames_paid else 2 * image_price
        clip = heads.get(f"shot/{shot.shot_id}/video")
        redo_clip = shot.shot_id in redo_video or shot.shot_id in redo_frames
        video_paid = not redo_clip and frames_paid and (
            (fresh(clip) and paid.clip(clip, ids["video"])) or paid.clip_by_request(shot, ids["video"]))  # type: ignore[arg-type]
        seconds = billed_video_seconds(ids["video"], shot.duration)
        video_usd = 0.0 if video_paid else prices.cost(ids["video"], Usage(video_seconds=seconds))
        sound_usd = 0.0
        if shot.dialogue is not None and shot.dialogue.line.strip():
            take = lines.get(sound_stage.line_key(shot.shot_id))
            if not (fresh(take) and store.has_media(take.model(sound_stage.LineTake).media)):  # type: ignore[union-attr]
                sound_usd = speech.cost(shot)
        rows.append(EstimateRow(id=shot.shot_id, label=(shot.action or "")[:60], scene=shot.scene,
                                image_usd=round(image_usd, 6), video_usd=round(video_usd, 6),
                                sound_usd=round(sound_usd, 6), paid_already=image_usd + video_usd + sound_usd == 0))
    ids["speech"] = speech.engines_label()
    music_engine, cues = _music_to_buy(store, project, scene_heads)
    ids["music"] = music_engine
    if cues:
        first_of_scene = {}
        for i, row in enumerate(rows):
            first_of_scene.setdefault(row.scene, i)
        for scene, usd in cues.items():
            if scene in first_of_scene:
                i = first_of_scene[scene]
                rows[i] = rows[i].model_copy(update={"sound_usd": round(rows[i].sound_usd + usd, 6),
                                                     "paid_already": False})
    if by == "scene":
        rows = _by_scene(store, project, rows)
    status = budgets.budget_status(store, project)
    total = round(sum(r.total_usd for r in rows), 6)
    return EstimateTable(by=by, engines=ids, rows=rows, total_usd=total, budget_usd=status.budget.limit_usd,  # type: ignore[arg-type]
                         spent_usd=status.spent_usd, committed_usd=status.committed_usd, change=change)


def _music_to_buy(store: Store, project: Project, scene_heads: dict[str, Version]) -> tuple[str, dict[int, float]]:
    """(the music engine, scene -> price of the cues it would buy): a paid music model composes each
    mood once per film, so a mood's price goes on the first scene that still needs it; scenes whose
    bed is fresh on this engine, and an offline score, cost nothing."""
    from aiuteur.engines.gateway import is_paid
    from aiuteur.models.sound import SceneSound
    from aiuteur.sound import music

    current = sound_stage.settings(store, project)
    engine = current.music_engine if current.music else "offline:score"
    if not is_paid(engine):
        return engine, {}
    beds = store.heads(project, "sound/scene/")
    memo: dict = {}
    bought: set[str] = set()
    needed: dict[int, float] = {}
    price = load_prices().cost(engine, Usage(clips=1))
    todo = []
    for key, version in sorted(scene_heads.items(), key=lambda kv: int(kv[0].split("/")[1])):
        if not key.endswith("/shots"):
            continue
        scene = int(key.split("/")[1])
        bed = beds.get(sound_stage.scene_key(scene))
        if bed is not None and store.staleness(bed, memo).status == "fresh" and \
                bed.model(SceneSound).music_engine == engine:
            bought.add(bed.model(SceneSound).music_mood)  # composed on this engine: a re-run buys nothing
        else:
            todo.append((scene, version.model(ShotList)))
    for scene, shot_list in todo:
        mood = music.mood_for(project.config.tone, shot_list.heading, " ".join(s.action for s in shot_list.shots))
        if mood not in bought:
            bought.add(mood)
            needed[scene] = price
    return engine, needed


def _current_shots(scene_heads: dict[str, Version]) -> list:
    """Every shot of the current shot lists (drafts too: an estimate may be asked for before the
    lists are locked), in cut order."""
    lists = sorted((int(k.split("/")[1]), v) for k, v in scene_heads.items() if k.endswith("/shots"))
    return [shot for _, version in lists for shot in version.model(ShotList).shots]


def _by_scene(store: Store, project: Project, rows: list) -> list:
    from aiuteur.models.gates import EstimateRow

    out: dict[int, EstimateRow] = {}
    headings = {int(k.split("/")[1]): v.payload.get("heading", "")
                for k, v in store.heads(project, "scene/").items() if k.endswith("/shots")}
    for row in rows:
        prev = out.get(row.scene)
        if prev is None:
            out[row.scene] = row.model_copy(update={"id": f"scene {row.scene}", "label": headings.get(row.scene, "")})
            continue
        out[row.scene] = prev.model_copy(update={
            "image_usd": round(prev.image_usd + row.image_usd, 6), "video_usd": round(prev.video_usd + row.video_usd, 6),
            "sound_usd": round(prev.sound_usd + row.sound_usd, 6),
            "paid_already": prev.paid_already and row.paid_already})
    return [out[n] for n in sorted(out)]


class _PaidWork:
    """Which frames and clips are paid for on a given engine, from the generations table."""

    def __init__(self, store: Store, project: Project) -> None:
        self.store, self.project = store, project
        self._engine_of: dict[str, str] = {}  # generation id -> engine
        self._engine_of.update(store.generation_engines(project.id, "video"))

    def frames(self, version: Version, engine_id: str) -> bool:
        """Made on `engine_id` (stage 10 keeps them; on another engine it asks for them again).
        Frames from before the engine was recorded are kept, as stage 10 keeps them."""
        made_by = version.payload.get("engine")
        return made_by is None or made_by == engine_id

    def clip(self, version: Version, engine_id: str) -> bool:
        return version.generation_id is not None and self._engine_of.get(version.generation_id) == engine_id

    def clip_by_request(self, shot, engine_id: str) -> bool:
        """The clip this shot's current frames and prompt would ask for is already paid on `engine_id`."""
        from aiuteur.engines.gateway import already_paid, idempotency_key

        if not any(e == engine_id for e in self._engine_of.values()):
            return False  # nothing was ever made on this engine: skip hashing the frames
        try:
            request, _, _ = clip_request(self.store, self.project, shot, 0)
        except StageError:
            return False
        return already_paid(self.store, "video", idempotency_key(engine_id, "video", request)) is not None


class _SpeechPricer:
    """A spoken line's most it can bill on its character's speech engine (local engines: 0)."""

    def __init__(self, store: Store, project: Project) -> None:
        from aiuteur.stages import voices

        self.voices = {name: v.model(voices.Voice) for name, v in voices.all_voices(store, project).items()}
        self.default = voices.sound_settings(store, project).speech_engine
        self.used: set[str] = set()

    def cost(self, shot) -> float:
        from aiuteur.engines.gateway import is_paid
        from aiuteur.engines.protocols import SpeechRequest
        from aiuteur.sound.tts import speech_usage_ceiling
        from aiuteur.stages import voices

        voice = self.voices.get(shot.dialogue.speaker)
        engine = voice.engine if voice is not None else self.default
        self.used.add(engine)
        if not is_paid(engine):
            return 0.0
        request = voices.request_for(voice, shot.dialogue.line) if voice is not None else \
            SpeechRequest(prompt=shot.dialogue.line, voice="")
        usage = speech_usage_ceiling(request).model_copy(update={"characters": len(request.prompt)})
        return load_prices().cost(engine, usage)  # tokens (OpenAI, Gemini) or characters (ElevenLabs)

    def engines_label(self) -> str:
        return ", ".join(sorted(self.used)) or self.default


WHAT_IF_CHANGES = ("redo-frames-scene:N", "redo-frames-shot:ID", "redo-video-scene:N", "redo-video-shot:ID")


def what_if(store: Store, project: Project, change: str | None = None, *, by: str = "shot",
            engine_ids: dict[str, str] | None = None) -> "EstimateTable":
    """The estimate under a proposed change: another engine (`engine_ids`) and/or `change` —
    `redo-frames-scene:4` (re-doing scene 4's frames, and so its clips), `redo-frames-shot:ID`,
    `redo-video-scene:N`, `redo-video-shot:ID`. The table's total is what the change would cost."""
    redo_frames: set[str] = set()
    redo_video: set[str] = set()
    words = None
    if change:
        what, _, target = change.partition(":")
        kinds = {"redo-frames-scene", "redo-frames-shot", "redo-video-scene", "redo-video-shot"}
        if what not in kinds or not target.strip():
            raise StageError(f"change {change!r}: give one of {', '.join(WHAT_IF_CHANGES)}")
        shots = _current_shots(store.heads(project, "scene/"))
        if what.endswith("-scene"):
            if not target.strip().isdigit() or int(target) not in {s.scene for s in shots}:
                raise StageError(f"change {change!r}: no scene {target.strip()} with shots")
            chosen = {s.shot_id for s in shots if s.scene == int(target)}
            words = f"re-doing scene {int(target)}'s {'frames' if 'frames' in what else 'clips'}"
        else:
            if target.strip() not in {s.shot_id for s in shots}:
                raise StageError(f"change {change!r}: no shot {target.strip()!r}")
            chosen = {target.strip()}
            words = f"re-doing {target.strip()}'s {'frames' if 'frames' in what else 'clip'}"
        (redo_frames if "frames" in what else redo_video).update(chosen)
        # only the changed shots are priced: the rest of the film is what it is without the change
        table = estimate_table(store, project, by="shot", engine_ids=engine_ids, redo_frames=redo_frames,
                               redo_video=redo_video, change=words)
        rows = [r for r in table.rows if r.id in chosen]
        if by == "scene":
            rows = _by_scene(store, project, rows)
        return table.model_copy(update={"by": by, "rows": rows, "total_usd": round(sum(r.total_usd for r in rows), 6)})
    return estimate_table(store, project, by=by, engine_ids=engine_ids,
                          change=f"on {', '.join(f'{k} {v}' for k, v in (engine_ids or {}).items() if v)}" if engine_ids else None)
