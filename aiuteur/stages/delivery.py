"""Delivery: the film, its NLE exports, the script and a storyboard contact sheet in one folder.

Shot clips are copied next to the exports (`shots/<shot id>.mp4`) so the folder opens in an
editing suite on any machine; the OTIO/EDL/XML reference those copies. A film with sound also
brings its stems and mix (`sound/dialogue.wav`, `effects.wav`, `music.wav`, `mix.wav`: 48 kHz,
24-bit, from the film's first sample), laid on the OTIO and FCP XML timelines as audio tracks.
"""
from __future__ import annotations

import os
import shutil
import tempfile
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
    tmp = path.with_name(path.name + ".part")
    sheet.save(tmp, format="PNG")
    os.replace(tmp, path)


def _copy(source: Path, target: Path) -> None:
    tmp = target.with_name(target.name + ".part")
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
