"""Delivery: the film, its NLE exports, the script and a storyboard contact sheet in one folder.

Shot clips are copied next to the exports (`shots/<shot id>.mp4`) so the folder opens in an
editing suite on any machine; the OTIO/EDL/XML reference those copies. A film with sound also
brings its stems and mix (`sound/dialogue.wav`, `effects.wav`, `music.wav`, `mix.wav`: 48 kHz,
24-bit, from the film's first sample), laid on the OTIO and FCP XML timelines as audio tracks.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
from pathlib import Path

from PIL import Image
from pydantic import BaseModel

from aiuteur.export import AudioStem, CutClip, export_cut
from aiuteur.models.media import Film, ShotFrames
from aiuteur.models.project import Project
from aiuteur.models.story import MasterScript
from aiuteur.render import contact_sheet
from aiuteur.stages import frames as frames_stage
from aiuteur.stages import sound as sound_stage
from aiuteur.stages.gates import StageError, require
from aiuteur.stages.video import FILM
from aiuteur.store import Store


class Delivery(BaseModel):
    folder: Path
    film: Path
    otio: Path
    edl: Path
    xml: Path
    script: Path
    contact_sheet: Path
    stems: dict[str, Path] = {}  # dialogue, effects, music (and video), each a WAV from the film's first sample
    mix: Path | None = None


def writable_folder(out_dir: Path) -> Path:
    """Create `out_dir` if needed and prove it is writable, before any work goes into it."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".probe-"):
            pass
    except OSError as exc:
        raise StageError(f"cannot write to the output folder {out_dir}: {exc.strerror or exc}") from exc
    return out_dir


def deliver(store: Store, project: Project, out_dir: Path) -> Delivery:
    out_dir = writable_folder(out_dir)
    film_version = require(store, project, FILM, locked=False)
    film = film_version.model(Film)
    script = require(store, project, "script").model(MasterScript)
    shots_dir = out_dir / "shots"
    shots_dir.mkdir(exist_ok=True)
    clips = []
    for clip in film.clips:
        target = shots_dir / f"{clip.shot_id}.mp4"
        _copy(store.media_path(clip.media), target)
        clips.append(CutClip(shot_id=clip.shot_id, scene_number=clip.scene, scene_heading=clip.heading,
                             media_path=target.resolve(), frames=clip.frames, rate=float(film.fps),
                             metadata={"project_id": project.id, "film_version": film_version.id}))
    stems: dict[str, Path] = {}
    mixed = sound_stage.film_sound(store, film_version)
    if mixed is not None:
        stems = sound_stage.write_stems(store, mixed[1], out_dir / "sound")
    frames = sum(c.frames for c in film.clips)
    audio = [AudioStem(name=name, media_path=path.resolve(), frames=frames) for name, path in stems.items() if name != "mix"]
    paths = export_cut(clips, project.config.title, out_dir, stem="film", audio=audio,
                       film_metadata={"project_id": project.id, "project": project.name, "film_version": film_version.id,
                                      **({"sound_version": mixed[0].id} if mixed else {})})
    film_path = out_dir / "film.mp4"
    _copy(store.media_path(film.media), film_path)
    script_path = out_dir / "script.fountain"
    _write_text(script_path, script.fountain)
    sheet_path = out_dir / "storyboard.png"
    _save_sheet(store, project, film, sheet_path)
    return Delivery(folder=out_dir, film=film_path, otio=paths.otio, edl=paths.edl, xml=paths.xml,
                    script=script_path, contact_sheet=sheet_path,
                    stems={k: v for k, v in stems.items() if k != "mix"}, mix=stems.get("mix"))


def _save_sheet(store: Store, project: Project, film: Film, path: Path) -> None:
    images, labels = [], []
    for clip in film.clips:
        frames = require(store, project, frames_stage.key(clip.shot_id), locked=False).model(ShotFrames)
        with Image.open(store.media_path(frames.start)) as img:
            images.append(img.convert("RGB"))
        labels.append(clip.shot_id)
    sheet = contact_sheet(images, labels)
    _atomically(path, lambda tmp: sheet.save(tmp, format="PNG"))


def _atomically(target: Path, write) -> None:
    """`write(tmp)` then rename over `target`; a failure (a full disk) leaves no `.part` behind."""
    tmp = target.with_name(target.name + ".part")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _copy(source: Path, target: Path) -> None:
    _atomically(target, lambda tmp: shutil.copyfile(source, tmp))


def _write_text(path: Path, text: str) -> None:
    _atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


# -- the delivery package (`aiuteur export`): see aiuteur/export/package.py and docs/delivery.md ---------
EXPORT_ACTION = "delivery.export"  # the audit-log action export history is kept under


class ExportRecord(BaseModel):
    """One export, as the history shows it (kept in the store's audit log)."""

    id: str
    status: str  # "done" or "failed"
    path: str
    package: str | None = None
    codec: str
    resolution: str | None = None
    handles: int | None = None
    film_version: str
    shots: int
    frames: int
    rate: str
    formats: list[str] = []
    skipped: dict[str, str] = {}
    total_cost_usd: float = 0.0
    error: str | None = None
    started_at: str
    finished_at: str


def package_cut(store: Store, project: Project, *, extras: bool = True):
    """The current film as a `PackageCut`: each shot's video version, the model, prompt hash and
    cost of the call that made it, the sound stems the film was mixed from, the film itself and
    (with `extras`) the script and storyboard sheet.

    Rates: a clip's length in the cut is the film's (`FilmClip.frames`, at the film's rate) when the
    clip is at the film's rate; a clip generated at another rate is conformed whole, so its length
    is its duration at the film's rate."""
    from aiuteur.export.encode import probe_stream
    from aiuteur.export.package import PackageCut, PackageShot
    from aiuteur.stages import video as video_stage

    film_version = require(store, project, FILM, locked=False)
    film = film_version.model(Film)
    generations = {g.id: g for g in store.generations(project.id)}
    shots = []
    for clip in film.clips:
        version = require(store, project, video_stage.key(clip.shot_id), locked=False)
        source = store.media_path(clip.media)
        info = probe_stream(source)
        source_rate = float(info.fps) if info.fps else float(film.fps)
        same_rate = abs(source_rate - film.fps) < 1e-6
        cut_frames = clip.frames if same_rate else round(info.frames * film.fps / source_rate)
        generation = generations.get(version.generation_id or "")
        prompt_key = f"shot/{clip.shot_id}/prompt"
        prompt = next((v for v in map(store.version, version.inputs) if v.artifact_key == prompt_key), None)
        shots.append(PackageShot(
            shot_id=clip.shot_id, scene_number=clip.scene, scene_heading=clip.heading, source=source.resolve(),
            source_frames=info.frames, source_rate=source_rate, cut_frames=cut_frames, version_id=version.id,
            version_number=version.number, model=generation.model if generation else None,
            engine=generation.engine if generation else None,
            prompt_hash=(hashlib.sha256(generation.rendered_prompt.encode()).hexdigest() if generation
                         else prompt.content_hash if prompt else None),
            cost_usd=(generation.actual_cost if generation.actual_cost is not None else generation.estimated_cost)
            if generation else None,
            source_sha256=clip.media.sha256,
            ids={"video_version": version.id, **({"prompt_version": prompt.id} if prompt else {}),
                 **({"generation_id": generation.id} if generation else {})}))
    stems: dict[str, Path] = {}
    mix = None
    metadata = {"project_id": project.id, "project": project.name, "film_version": film_version.id,
                "film_sha256": film.media.sha256, "branch": store.current_branch(project)}
    mixed = sound_stage.film_sound(store, film_version)
    if mixed is not None:
        stems = {name: store.media_path(ref).resolve() for name, ref in mixed[1].stems.items()}
        mix = store.media_path(mixed[1].mix).resolve()
        metadata["sound_version"] = mixed[0].id
    extra_files: dict[str, Path] = {}
    if extras:
        scratch = Path(tempfile.mkdtemp(prefix="aiuteur-extras-"))
        script = require(store, project, "script").model(MasterScript)
        _write_text(scratch / "script.fountain", script.fountain)
        _save_sheet(store, project, film, scratch / "storyboard.png")
        extra_files = {"script.fountain": scratch / "script.fountain", "storyboard.png": scratch / "storyboard.png"}
    return PackageCut(title=project.config.title or project.name, rate=float(film.fps), shots=shots, stems=stems,
                      mix=mix, film=store.media_path(film.media).resolve(), extras=extra_files, metadata=metadata)


def export_project(store: Store, project: Project, to: Path, *, codec: str = "h264", resolution: str | None = None,
                   handles: int | None = None, formats: list[str] | None = None, progress=None):
    """Make the delivery package of the project's current film (a new `<Title>_v###` folder in
    `to`, or the zip `to`), and record it in the export history, failed or not. What the export job
    runs (`aiuteur.export.job`: the CLI, the Delivery page, `BackgroundExport`) and the farm's task."""
    from aiuteur.export.package import PackageOptions, write_package

    to = Path(to)
    started = _now()
    options = PackageOptions(codec=codec, resolution=resolution, handles=handles, formats=formats)
    cut = None
    try:
        cut = package_cut(store, project)
        result = write_package(cut, to, options, progress=progress)
    except Exception as exc:
        failed = ExportRecord(
            id=f"exp_{uuid.uuid4().hex[:12]}", status="failed", path=str(to), codec=codec, resolution=resolution,
            handles=handles, film_version=cut.metadata["film_version"] if cut else "", shots=len(cut.shots) if cut else 0,
            frames=cut.frames if cut else 0, rate=str(cut.rate) if cut else "", error=f"{type(exc).__name__}: {exc}",
            started_at=started, finished_at=_now())
        try:
            _record_export(store, project, failed)
        except Exception:  # noqa: BLE001 — the export's own error is the one to raise (e.g. the workspace is busy)
            pass
        raise
    finally:
        if cut is not None:
            for extra in cut.extras.values():
                shutil.rmtree(extra.parent, ignore_errors=True)
    manifest = result.manifest
    _record_export(store, project, ExportRecord(
        id=f"exp_{uuid.uuid4().hex[:12]}", status="done", path=str(result.path), package=result.name, codec=codec,
        resolution=resolution, handles=handles, film_version=manifest["film_version"], shots=len(manifest["shots"]),
        frames=manifest["frames"], rate=manifest["rate"], formats=list(result.timelines), skipped=result.skipped,
        total_cost_usd=manifest["total_cost_usd"], started_at=started, finished_at=_now()))
    return result


def _now() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _record_export(store: Store, project: Project, record: ExportRecord) -> None:
    store.audit(project.id, EXPORT_ACTION, record.model_dump(mode="json"))


def export_history(store: Store, project: Project) -> list[ExportRecord]:
    """Every export of the project, oldest first, including failed ones."""
    return [ExportRecord.model_validate(entry.detail) for entry in store.audit_log(project.id, action=EXPORT_ACTION)
            if entry.action == EXPORT_ACTION]
