"""The JSON documents docs/cli.md calls stable, built in one place.

The CLI prints them with `--json`; Panel pages and notebooks call the same functions, so the three
ways in cannot drift apart. Each function returns plain `json.dumps`-able data (fields are only
ever added). Heavy modules are imported inside the functions: the CLI imports this module lazily too.

    from aiuteur import open_store
    from aiuteur.documents import projects_document, status_document
    with open_store("studio.duckdb") as store:
        projects_document(store.list_projects())
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from aiuteur.engines.config import EngineChoice
    from aiuteur.models import Project
    from aiuteur.stages.status import StageStatus


def projects_document(projects: "list[Project]") -> list[dict[str, Any]]:
    """`aiuteur projects --json`: `[{id, name, title, branch, created_at}]`."""
    return [{"id": p.id, "name": p.name, "title": p.config.title, "branch": p.branch,
             "created_at": p.created_at.isoformat()} for p in projects]


def status_document(rows: "list[StageStatus]") -> list[dict[str, Any]]:
    """`aiuteur status P --json`: `[{number, slug, title, state, artifacts, versions, reasons,
    imported, heads, answer_flags}]`, one row per stage (`aiuteur.stages.status.project_status`)."""
    return [r.model_dump(mode="json") for r in rows]


#: the kinds `aiuteur engines --kind` lists
ENGINE_KINDS = ("text", "image", "video")


def check_engine_kind(kind: Optional[str]) -> None:
    """Refuse a kind the engine listing does not have (before any workspace is opened)."""
    if kind is not None and kind not in ENGINE_KINDS:
        raise ValueError(f"--kind must be text, image or video, not {kind!r}")


def engine_rows(kind: Optional[str] = None) -> list[dict[str, Any]]:
    """The real models of the capability matrix, each with its price (input/output/per-unit fields
    of data/prices.json, or None when unknown) and whether its key variable is set (never the key)."""
    from aiuteur.costs.prices import UnknownPrice, load_prices
    from aiuteur.engines import capabilities
    from aiuteur.engines.providers.keys import KEY_ENV, key_set

    prices = load_prices()
    rows = []
    for row in capabilities.table(kind):
        engine_id = row["engine_id"]
        try:
            price = {k: v for k, v in prices.entry(engine_id).items()
                     if k.startswith(("input_per", "output_per", "per_"))}
        except UnknownPrice:
            price = None
        names = row["keys"] or list(KEY_ENV.get(engine_id.partition(":")[0], ()))
        row["key_set"] = key_set(engine_id.partition(":")[0], names)
        row["price"] = price
        rows.append(row)
    return rows


def provider_rows(kind: Optional[str] = None) -> list[dict[str, Any]]:
    """Every registered provider (built-in and plug-in): where it comes from, whether it is local,
    and the ids it serves (`provider:*` when it takes any model name)."""
    from aiuteur.engines.registry import registered

    return [{"kind": p.kind, "provider": p.provider, "source": p.source, "hook": p.hook, "local": p.local,
             "ids": p.ids() or [f"{p.provider}:*"]} for p in registered(kind)]


def engines_document(kind: Optional[str] = None, choice: "Optional[EngineChoice]" = None) -> dict[str, Any]:
    """`aiuteur engines --json`: `{engines, providers, plugin_errors, project?}`; `project` (the
    ids a project resolves to and where each came from) only when `choice` is given."""
    from aiuteur.engines.registry import plugin_problems

    check_engine_kind(kind)
    out: dict[str, Any] = {
        "engines": engine_rows(kind), "providers": provider_rows(kind),
        "plugin_errors": [{"name": p.name, "hook": p.hook, "source": p.source, "reason": p.reason}
                          for p in plugin_problems()]}
    if choice is not None:
        out["project"] = {"ids": choice.ids(), "sources": dict(choice.sources)}
    return out


def engine_settings_document(store: Any, project: "Project") -> dict[str, Any]:
    """`aiuteur use-engines P --json`: `{settings, ids, sources}` — the project's stored engine
    settings and what it resolves to now (flags aside: environment, project, default)."""
    from aiuteur.engines.config import project_settings, resolve

    choice = resolve(store, project)
    return {"settings": project_settings(store, project).model_dump(), "ids": choice.ids(),
            "sources": dict(choice.sources)}


def job_row(job: Any) -> dict[str, Any]:
    """One job as `aiuteur jobs --json` lists it (`aiuteur.jobs.Job`)."""
    return {
        "id": job.id, "batch_id": job.batch_id, "stage": job.stage, "kind": job.kind, "engine": job.engine,
        "status": job.status, "attempts": job.attempts, "estimated_cost": job.estimated_cost,
        "operation_id": job.operation_id, "error": job.error, "provider_reason": job.provider_reason,
        "start_uncertain": job.start_uncertain, "generation_id": job.generation_id,
        "created_at": job.created_at.isoformat(), "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def job_counts(counts: Any) -> dict[str, Any]:
    """`{queued, running, done, failed, cancelled, total}` from `aiuteur.jobs.JobCounts`."""
    return {**counts.model_dump(), "total": counts.total}


def jobs_document(counts: Any, jobs: "list[Any]") -> dict[str, Any]:
    """`aiuteur jobs P --json`: `{counts, jobs: [job rows]}` (`aiuteur.jobs.progress`, `list_jobs`)."""
    return {"counts": job_counts(counts), "jobs": [job_row(j) for j in jobs]}


def uncertain_start_row(start: Any) -> dict[str, Any]:
    """A video start that may already be bought (`aiuteur.jobs.uncertain_starts`), as `resume --json` lists it."""
    return {"job_id": start.job_id, "engine": start.engine, "stage": start.stage, "prompt": start.prompt,
            "sent_at": start.sent_at.isoformat() if start.sent_at else None,
            "possible_cost_usd": start.possible_cost_usd}


def budget_document(status: Any) -> dict[str, Any]:
    """`aiuteur budget P --json`: `{budget: {limit_usd, mode, approval_threshold_usd, ...}, spent_usd,
    reserved_usd, committed_usd, remaining_usd}` from `aiuteur.costs.budgets.budget_status`."""
    return {"budget": status.budget.model_dump(exclude={"project_id"}), "spent_usd": status.spent_usd,
            "reserved_usd": status.reserved_usd, "committed_usd": status.committed_usd,
            "remaining_usd": status.remaining_usd}


# -- story (stages 1-4) ---------------------------------------------------------------------------
def version_rows(versions: "list[Any]") -> list[dict[str, Any]]:
    """`[{key, version, status, id}]`: the versions a gate verb or an edit wrote (`aiuteur.models.Version`)."""
    return [{"key": v.artifact_key, "version": v.number, "status": v.status, "id": v.id} for v in versions]


def new_project_document(store: Any, project: "Project", version: Any) -> dict[str, Any]:
    """`aiuteur new --json`: `{project, mode, sources, input_version, imported_scenes, styles, stages}`
    for a project just started by `aiuteur.stages.input.start` (`version` is its input version)."""
    from aiuteur.stages import input as input_stage
    from aiuteur.stages.status import project_status

    story = version.model(input_stage.StoryInput)
    script = store.head(project, "script")
    styles = {}
    for kind in ("writing", "visual"):
        head = store.head(project, f"style/{kind}")
        styles[kind] = f"{head.payload['name']} v{head.payload['version']}" if head else None
    return {
        "project": {"id": project.id, "name": project.name, "title": project.config.title, "branch": project.branch},
        "mode": story.mode,
        "sources": [{"name": s.name, "label": s.label, "kind": s.kind, "screenplay": s.screenplay,
                     "size_bytes": s.size_bytes, "pages": s.pages, "encoding": s.encoding} for s in story.sources],
        "input_version": version.id,
        "imported_scenes": len(script.payload["scenes"]) if script else None,
        "styles": styles,
        "stages": [s.model_dump() for s in project_status(store, project)[:4]],
    }


def run_document(store: Any, project: "Project", until: str, engines: Any, report: Any) -> dict[str, Any]:
    """`aiuteur run --json`: `{project, until, engines, phases, stages, stopped_at, next_gate}` after
    `aiuteur.pipeline.run` returned `report` (`next_gate` is where it stopped, else the next that waits)."""
    from aiuteur.stages.gate_actions import next_gate
    from aiuteur.stages.status import project_status

    stopped = report.stopped_at
    waiting = stopped or next_gate(store, project)
    return {"project": project.name, "until": until, "engines": engines.ids(), "phases": report.phases,
            "stages": [r.model_dump() for r in project_status(store, project)],
            "stopped_at": stopped.model_dump() if stopped else None,
            "next_gate": waiting.model_dump() if waiting else None}


def script_export_document(path: Any, fmt: str, head: Any) -> dict[str, Any]:
    """`aiuteur script --json`: `{path, format, bytes, version, status}` of a written script file."""
    from pathlib import Path

    return {"path": str(path), "format": fmt, "bytes": Path(path).stat().st_size, "version": head.label,
            "status": head.status}


def capsules_document(capsules: "list[Any]") -> list[dict[str, Any]]:
    """`aiuteur capsules --json`: `[{kind, name, version, source, description}]` (`aiuteur.capsules.list_capsules`)."""
    return [{"kind": c.kind, "name": c.name, "version": c.number, "source": c.source,
             "description": c.capsule.description} for c in capsules]


# -- production design (stages 5-8) ----------------------------------------------------------------
def assets_document(store: Any, project: "Project", kind: Optional[str] = None) -> list[dict[str, Any]]:
    """`aiuteur assets --json`: one dict per master asset in roster order (`kind` filters);
    `image_unused` is true for a bought reference image no frame request carries
    (`aiuteur.stages.asset_usage.unused_images`)."""
    from aiuteur.stages import asset_usage
    from aiuteur.stages import assets as assets_stage

    master, versions = assets_stage.master_versions(store, project)
    never_sent = {u.slug for u in asset_usage.unused_images(store, project)}
    out = []
    for asset in master.assets:
        if kind and asset.kind != kind:
            continue
        version = versions.get(asset.slug)
        out.append({
            "slug": asset.slug, "name": asset.name, "kind": asset.kind, "aliases": asset.aliases,
            "description": asset.description, "scenes": asset.scenes, "found_in": asset.found_in,
            "image": str(store.media_path(asset.image)) if asset.image else None,
            "image_sha256": asset.image.sha256 if asset.image else None,
            "style": asset.style, "guidance": asset.guidance, "tags": asset.tags,
            "source": asset.source.model_dump() if asset.source else None,
            "version": version.number if version else None, "status": version.status if version else None,
            "image_unused": asset.slug in never_sent,
        })
    return out


def shots_document(store: Any, project: "Project", scene: Optional[int] = None) -> list[dict[str, Any]]:
    """`aiuteur shots --json`: per scene its shot list version, status, limits, problems and shots."""
    from aiuteur.models.shots import ShotList
    from aiuteur.stages import shots as shots_stage

    numbers = shots_stage.scenes(store, project)
    if scene is not None:
        if scene not in numbers:
            raise ValueError(f"--scene {scene}: the script has scenes {numbers[0]}..{numbers[-1]}")
        numbers = [scene]
    out = []
    for number in numbers:
        head = store.head(project, shots_stage.key(number))
        if head is None:
            continue
        shot_list = head.model(ShotList)
        out.append({
            "scene": number, "heading": shot_list.heading, "version": head.number, "status": head.status,
            "stale": store.staleness(head).status == "stale", "seconds": round(shot_list.duration, 2),
            "limits": shot_list.limits.model_dump(),
            "problems": [p.model_dump() for p in shots_stage.check(store, project, number)],
            "shots": [s.model_dump(mode="json") for s in shot_list.shots],
        })
    return out


def asset_library_document(store: Any, text: Optional[str] = None, kind: Optional[str] = None,
                           tag: Optional[str] = None) -> list[dict[str, Any]]:
    """`aiuteur asset-library list --json`: the matching library entries, each with `used_by` (project names)."""
    from aiuteur import library

    found = library.search(store, text, kind=kind, tag=tag)  # type: ignore[arg-type]
    return [{**a.model_dump(mode="json"), "used_by": [u.project for u in library.usage(store, a.id)]} for a in found]


# -- review (stage 12) ------------------------------------------------------------------------------
def notes_document(notes: "list[Any]") -> list[dict[str, Any]]:
    """`aiuteur notes --json`: one row per note (`aiuteur.stages.review.list_notes`)."""
    return [n.as_row() for n in notes]


def note_document(store: Any, project: "Project", note: Any) -> dict[str, Any]:
    """`aiuteur note --json`: `{note, go_to, history, retakes}` — the note, where to fix it, its events."""
    from aiuteur.stages import review

    link = review.go_to(store, project, note.id) if note.stage else None
    return {"note": note.as_row(), "go_to": link.model_dump() if link else None,
            "history": [e.model_dump(mode="json") for e in store.note_events(note.id)],
            "retakes": [r.model_dump(mode="json") for r in store.retakes(project.id, note.id)]}


def retake_document(done: Any) -> dict[str, Any]:
    """`aiuteur retake --json`: `{note, clips, film, film_note}` from `aiuteur.stages.review.retake`."""
    return {"note": done.note.as_row(), "clips": [v.label for v in done.clips],
            "film": done.film.label if done.film else None, "film_note": done.film_note}


def approve_clip_document(clip: Any, resolved: "list[Any]") -> dict[str, Any]:
    """`aiuteur approve-clip --json`: `{clip, resolved: [note ids]}` from `aiuteur.stages.review.approve_clip`."""
    return {"clip": clip.label, "resolved": [n.id for n in resolved]}


def review_routes_document(table: Any) -> dict[str, Any]:
    """`aiuteur review-routes --json`: `{source, routes}` (`aiuteur.stages.review.load_routes`)."""
    return {"source": table.source, "routes": [r.model_dump() for r in table.routes]}


def notifications_document(store: Any, project: "Project", limit: int = 20) -> dict[str, Any]:
    """`aiuteur notifications --json`: `{hooks, notifications}` — the last `limit` notifications, each
    with its delivery status (None when none was tried). Reads only: run `aiuteur.notify.sweep` first."""
    from aiuteur import notify

    hooks = notify.hooks(store, project)
    events = notify.history(store, project, limit=max(0, limit)) if limit else []
    sent = {d.notification_id: d for d in notify.deliveries(store, project)}
    return {"hooks": [h.model_dump(mode="json") for h in hooks],
            "notifications": [{**e.model_dump(mode="json"), "delivery": sent[e.id].status if e.id in sent else None}
                              for e in events]}


# -- voices and sound ------------------------------------------------------------------------------
def voice_document(version: Any) -> dict[str, Any]:
    """`aiuteur voice --json`: the voice with its `version` and `status` (a `voice/<slug>` version)."""
    from aiuteur.models.sound import Voice

    return {**version.model(Voice).model_dump(), "version": version.number, "status": version.status}


def audition_document(path: Any, ref: Any) -> dict[str, Any]:
    """`aiuteur audition --json`: `{path, sha256, seconds}` of a take (`aiuteur.stages.voices.audition`)."""
    return {"path": str(path), "sha256": ref.sha256, "seconds": ref.duration}


def sound_make_document(report: Any, film: Any = None, mixed: Any = None) -> dict[str, Any]:
    """`aiuteur sound-make --json`: what `aiuteur.stages.sound.generate` made, the film version the new
    mix went on and its loudness (`mixed` is `sound.film_sound`'s answer, or None without a film)."""
    return {"voices": report.voices, "lines": report.lines, "spoken": report.spoken, "scenes": report.scenes,
            "beds_made": report.beds_made, "too_long": [f.model_dump() for f in report.fits],
            "film_version": film.number if film else None,
            "loudness": mixed[1].loudness.model_dump() if mixed else None}


def stems_document(paths: "dict[str, Any]") -> dict[str, str]:
    """`aiuteur stems --json`: `{name: path}` of the written stems (`aiuteur.stages.sound.write_stems`)."""
    return {k: str(v) for k, v in paths.items()}


# -- prompts, frames, costs, gates (stages 9-11) ---------------------------------------------------
def prompt_cards_document(cards: "list[Any]") -> list[dict[str, Any]]:
    """`aiuteur prompts --json`: the `PromptCard`s (`aiuteur.stages.prompts`)."""
    return [c.model_dump(mode="json") for c in cards]


def locked_prompts_document(versions: "list[Any]") -> list[dict[str, Any]]:
    """`aiuteur prompts-lock --json`: `[{key, version, status}]` of the prompt versions locked."""
    return [{"key": v.artifact_key, "version": v.number, "status": v.status} for v in versions]


def frames_written_document(versions: "list[Any]") -> dict[str, Any]:
    """`aiuteur frames-regenerate --json`: `{written: ["shot/<id>/frames vN"]}`."""
    return {"written": [v.label for v in versions]}


def frames_repair_document(version: Any) -> dict[str, Any]:
    """`aiuteur frames-repair --json`: `{written, message}` of the repaired frames version."""
    return {"written": version.label, "message": version.message}


def frames_mode_document(store: Any, project: "Project", engines: Any) -> dict[str, Any]:
    """`aiuteur frames-mode --json`: `{mode, estimates}` — the project's frames mode and each mode's estimate."""
    from aiuteur.stages import frames

    estimates = frames.estimate_frames_mode(store, project, engines)
    return {"mode": frames.frames_mode(store, project), "estimates": [e.model_dump(mode="json") for e in estimates]}


def estimate_document(table: Any) -> dict[str, Any]:
    """`aiuteur estimate --json`: the `EstimateTable` plus `over_budget` (`aiuteur.stages.confirm`)."""
    return {**table.model_dump(mode="json"), "over_budget": table.over_budget}


def confirm_document(table: Any, version: Any = None) -> dict[str, Any]:
    """`aiuteur confirm --json`: `{estimate, approved, version: {key, number, status} | null}`."""
    return {"estimate": estimate_document(table), "approved": version is not None,
            "version": {"key": version.artifact_key, "number": version.number,
                        "status": version.status} if version else None}


def gates_document(store: Any, project: "Project") -> dict[str, Any]:
    """`aiuteur gates --json`: `{gates: [...], next: GateInfo | null}` (`aiuteur.stages.gate_actions`)."""
    from aiuteur.stages.gate_actions import gate_table, next_gate

    waiting = next_gate(store, project)
    return {"gates": gate_table(store, project), "next": waiting.model_dump() if waiting else None}


def gate_passed_document(what: str, versions: "list[Any]") -> dict[str, Any]:
    """`--json` of each gate verb: `{passed, versions: [{key, version, status, id}]}`."""
    return {"passed": what, "versions": version_rows(versions)}


# -- farm and delivery -----------------------------------------------------------------------------
def farm_document(folder: Any, job: Any) -> dict[str, Any]:
    """`aiuteur farm --json`: `{bundle, steps, scenes, shots, engines, next}` (`aiuteur.farm.plan`)."""
    return {"bundle": str(folder), "steps": job.steps, "scenes": job.scenes, "shots": job.shots,
            "engines": job.engines, "next": job.next_step}


def export_document(result: Any) -> dict[str, Any]:
    """`aiuteur export --json`: `{path, package, timelines, skipped, manifest}` (`aiuteur.delivery.export_project`)."""
    return {"path": str(result.path), "package": result.name,
            "timelines": {k: str(v) for k, v in result.timelines.items()},
            "skipped": result.skipped, "manifest": result.manifest}


def exports_document(history: "list[Any]") -> list[dict[str, Any]]:
    """`aiuteur exports --json`: the export history, oldest first."""
    return [r.model_dump(mode="json") for r in history]


def restore_document(project: "Project", summary: Any, workspace: str) -> dict[str, Any]:
    """`aiuteur restore --json`: `{project, id, branch, workspace, versions, media}`."""
    return {"project": project.name, "id": project.id, "branch": project.branch, "workspace": workspace,
            "versions": summary.tables.get("versions", 0), "media": len(summary.media)}
