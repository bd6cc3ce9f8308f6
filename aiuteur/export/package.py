"""The delivery package: a folder (or zip) an editor opens as it is, on any machine.

Layout (``docs/delivery.md`` is the reference)::

    <Title>_v003/                      a new versioned folder per export (never written over)
      manifest.json                    every version id, model, prompt hash, cost and file hash
      <Title>.otio .edl .xml .fcpxml .aaf   the cut, one file per exporter (see exporters.py)
      media/SC010_SH0010_v003.mov      each shot's whole generated media (or cut +- handles),
                                       conformed to the timeline's rate and raster, versioned names
      sound/dialogue.wav effects.wav music.wav [video.wav] mix.wav   stems from the film's 1st frame
      reference/film.mp4               the film as assembled (what the cut must match)
      script.fountain, storyboard.png  extras given by the caller

Media references are *relative* to the package root (``media/SC010_SH0010_v003.mov``), so the
timelines still resolve after the folder is moved or copied to another machine;
:func:`media.resolve_media` turns a reference read back by any adapter into a path (the AAF adapter
reads ``media/x.mov`` back as ``file://media/x.mov``).

Rates: every shot is conformed to the cut's rate on encode (a 30 fps generated clip in a 24 fps
project is resampled), so each clip's available range and cut range are in the one rate the EDL
and FCP 7 XML can express, and the timeline's duration equals the film's to the frame.

Safety: the package is built in a hidden temporary sibling (``.<name>.part-<random>``) and
renamed into place only when every file is written and every timeline has been read back and
checked; any failure removes the temporary, so nothing half-written is ever visible. A zip
destination that exists is refused.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import opentimelineio as otio
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .encode import CODECS, encode_shot, parse_resolution, rate_fraction
from .errors import ExportError
from .exporters import Exporter, exporters, get_exporter
from .media import path_from_target_url, resolve_media
from .models import AudioStem, CutClip
from .rates import normalize_rate, rate_label
from .readback import check_references, verify_timeline
from .text import ascii_fold
from .timeline import build_timeline

__all__ = [
    "MANIFEST_FORMAT",
    "PackageCut",
    "PackageOptions",
    "PackageProgress",
    "PackageResult",
    "PackageShot",
    "ProgressFn",
    "TimelineWriting",
    "package_name",
    "read_manifest",
    "verify_package",
    "write_package",
    "write_timelines",
]

#: ``manifest.json``'s ``format`` value; bumped when the layout changes.
MANIFEST_FORMAT = "aiuteur-delivery/1"


class PackageShot(BaseModel):
    """One shot of the cut and the generated media it comes from.

    ``cut_frames`` is the shot's length in the film, at the cut's rate (the film's truth);
    ``cut_in`` where the cut starts inside the media, also at the cut's rate. ``source_frames``
    and ``source_rate`` describe the generated file as it is (another rate is conformed)."""

    model_config = ConfigDict(extra="forbid")

    shot_id: str = Field(min_length=1)
    scene_number: int = Field(ge=0)
    scene_heading: str = ""
    source: Path
    source_frames: int = Field(gt=0)
    source_rate: float = Field(gt=0)
    cut_frames: int = Field(gt=0)
    cut_in: int = Field(default=0, ge=0)
    version_id: str = ""
    version_number: int = Field(default=1, ge=1)
    model: str | None = None
    engine: str | None = None
    prompt_hash: str | None = None
    cost_usd: float | None = None
    source_sha256: str | None = None
    ids: dict[str, Any] = Field(default_factory=dict, description="other version ids (frames, prompt...)")

    @field_validator("source")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        if not value.is_absolute():
            raise ValueError(f"source must be absolute, got {str(value)!r}")
        return value

    def frames_at(self, rate: float) -> int:
        """The generated clip's length once conformed to ``rate`` (its duration at that rate)."""
        return round(self.source_frames * rate / self.source_rate)

    @property
    def file_stem(self) -> str:
        """``SC010_SH0010_v003``: the shot id (made file-safe) and its version, zero-padded."""
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", ascii_fold(self.shot_id)).strip("._") or "shot"
        return f"{safe}_v{self.version_number:03d}"


class PackageCut(BaseModel):
    """Everything a package is made from: the cut, its sound stems and extra files."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1)
    rate: float
    shots: list[PackageShot] = Field(min_length=1)
    stems: dict[str, Path] = Field(default_factory=dict, description="name -> WAV from the film's first frame")
    mix: Path | None = None
    film: Path | None = Field(default=None, description="the assembled film, copied to reference/")
    extras: dict[str, Path] = Field(default_factory=dict, description="file name in the package -> source")
    metadata: dict[str, Any] = Field(default_factory=dict, description="project id, film version...")

    @field_validator("rate")
    @classmethod
    def _rate(cls, value: float) -> float:
        return normalize_rate(value)

    @property
    def frames(self) -> int:
        return sum(s.cut_frames for s in self.shots)


class PackageOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    codec: str = "h264"
    resolution: str | None = None
    handles: int | None = Field(default=None, ge=0, description="frames kept either side of the cut; None: whole media")
    formats: list[str] | None = Field(default=None, description="exporter names; None: every available one")

    @field_validator("codec")
    @classmethod
    def _codec(cls, value: str) -> str:
        if value not in CODECS:
            raise ValueError(f"codec must be one of {', '.join(CODECS)}, got {value!r}")
        return value


class PackageProgress(BaseModel):
    """One step of a package being made: ``done`` of ``total`` steps, and what is happening."""

    done: int
    total: int
    message: str


ProgressFn = Callable[[PackageProgress], None]


class PackageResult(BaseModel):
    path: Path  # the package folder, or the .zip
    name: str
    manifest: dict[str, Any]
    timelines: dict[str, Path]  # exporter name -> file (inside the folder; names inside the zip)
    skipped: dict[str, str] = {}  # exporter name -> why


# -- naming -----------------------------------------------------------------------------------------
def _safe_name(title: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_fold(title)).strip("_") or "film"


def package_name(parent: Path, title: str) -> str:
    """``<Title>_v###`` with the next number free in ``parent`` (folders and zips count)."""
    base = _safe_name(title)
    pattern = re.compile(rf"^{re.escape(base)}_v(\d{{3,}})(?:\.zip)?$")
    taken = [int(m.group(1)) for p in (parent.iterdir() if parent.is_dir() else []) if (m := pattern.match(p.name))]
    return f"{base}_v{max(taken, default=0) + 1:03d}"


# -- media references ---------------------------------------------------------------------------------
def _relativize(timeline: otio.schema.Timeline, root: Path) -> None:
    """Rewrite every absolute media URL under ``root`` as a POSIX path relative to it."""
    for clip in timeline.find_clips():
        ref = clip.media_reference
        url = getattr(ref, "target_url", None)
        if url:
            ref.target_url = path_from_target_url(url).relative_to(root).as_posix()


# -- hashing and copying ---------------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy(source: Path, target: Path) -> None:
    if not source.is_file():
        raise ExportError(f"cannot copy {source}: it does not exist", path=source)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


# -- the package ----------------------------------------------------------------------------------------
def _chosen_exporters(options: PackageOptions, rate: float) -> tuple[list[Exporter], dict[str, str]]:
    """The exporters to run and, when none were named, the ones skipped and why (an adapter not
    installed, or a rate the adapter cannot express). A named one that cannot run is an error."""
    if options.formats is not None:
        chosen = [get_exporter(name) for name in options.formats]
        problems = [f"the {e.label} exporter needs {e.requires} (pip install {e.requires})"
                    for e in chosen if not e.available()]
        problems += [f"the {e.label} exporter cannot write {rate_label(rate)} fps: {e.rate_note}"
                     for e in chosen if e.available() and not e.supports(rate)]
        if problems:
            raise ExportError("; ".join(problems))
        return chosen, {}
    chosen, skipped = [], {}
    for exporter in exporters().values():
        if not exporter.available():
            skipped[exporter.name] = f"needs {exporter.requires}"
        elif not exporter.supports(rate):
            skipped[exporter.name] = f"not at {rate_label(rate)} fps: {exporter.rate_note}"
        else:
            chosen.append(exporter)
    return chosen, skipped


def _check_cut(cut: PackageCut) -> None:
    seen: set[str] = set()
    for shot in cut.shots:
        if not shot.source.is_file():
            raise ExportError(f"media for shot {shot.shot_id} does not exist", path=shot.source)
        if shot.file_stem in seen:
            raise ExportError(f"shot {shot.shot_id} v{shot.version_number} appears twice in the cut")
        seen.add(shot.file_stem)
        available = shot.frames_at(cut.rate)
        if shot.cut_in + shot.cut_frames > available + 1:  # one frame of rounding is cloned on conform
            raise ExportError(
                f"shot {shot.shot_id}: the cut uses frames {shot.cut_in}..{shot.cut_in + shot.cut_frames} at "
                f"{rate_label(cut.rate)} fps but its media has {available}", path=shot.source)
    for name, path in {**cut.stems, **({"mix": cut.mix} if cut.mix else {})}.items():
        if not path.is_file():
            raise ExportError(f"the {name} stem does not exist", path=path)


def _media_window(shot: PackageShot, rate: float, handles: int | None) -> tuple[int, int]:
    """(first frame, frame count) of the shot's media kept in the package, at the cut's rate."""
    available = max(shot.frames_at(rate), shot.cut_in + shot.cut_frames)
    if handles is None:
        return 0, available
    first = max(0, shot.cut_in - handles)
    last = min(available, shot.cut_in + shot.cut_frames + handles)
    return first, last - first


def _progress(fn: ProgressFn | None, done: int, total: int, message: str) -> None:
    if fn is not None:
        fn(PackageProgress(done=done, total=total, message=message))


def _build(cut: PackageCut, options: PackageOptions, root: Path, chosen: list[Exporter],
           progress: ProgressFn | None, total: int) -> tuple[dict[str, Any], dict[str, Path]]:
    """Write the package's files under ``root``. Steps ``0 .. total - 2`` are told here: one per shot
    encoded, one for the sound and reference files, one per timeline format, one for reading them back.

    The cut as it will be in the package (each media file's name and frames) is known before a file
    is written, so the timelines are built first and, on a long cut, the ``own_process`` exporters
    (AAF) start at once: their CPU seconds then run beside ffmpeg instead of after it, and what is
    left once the media is written is the fast formats, the read-backs, and checking the AAF's media
    references now that the files exist."""
    size = parse_resolution(options.resolution)
    spec = CODECS[options.codec]
    clips: list[CutClip] = []
    windows: list[tuple[int, int]] = []
    for shot in cut.shots:
        first, count = _media_window(shot, cut.rate, options.handles)
        windows.append((first, count))
        clips.append(CutClip(
            shot_id=shot.shot_id, scene_number=shot.scene_number, scene_heading=shot.scene_heading,
            media_path=root / "media" / f"{shot.file_stem}{spec.suffix}", frames=shot.cut_frames, rate=cut.rate,
            source_start_frame=shot.cut_in - first, media_frames=count, name=shot.shot_id,
            metadata={"version_id": shot.version_id, "version": shot.version_number, **shot.ids}))
    sounds = [(name, source, root / "sound" / f"{_safe_name(name)}.wav")
              for name, source in [*cut.stems.items(), *([("mix", cut.mix)] if cut.mix else [])]]
    stems = [AudioStem(name=name, media_path=target, frames=cut.frames) for name, _, target in sounds if name != "mix"]

    with TimelineWriting(clips, stems, cut.title, root, chosen, metadata={**cut.metadata, "package": root.name},
                          media_ready=False) as writing:
        step = 0
        shot_entries: list[dict[str, Any]] = []
        record = 0
        for shot, clip, (first, count) in zip(cut.shots, clips, windows):
            target = clip.media_path
            target.parent.mkdir(parents=True, exist_ok=True)
            _progress(progress, step, total, f"encoding {target.name} ({options.codec})")
            info = encode_shot(shot.source, target, codec=options.codec, rate=cut.rate, first_frame=first,
                               frames=count, size=size)
            step += 1
            clip_in = clip.source_start_frame
            shot_entries.append({
                "shot_id": shot.shot_id, "scene": shot.scene_number, "version_id": shot.version_id,
                "version": shot.version_number, "ids": shot.ids, "model": shot.model, "engine": shot.engine,
                "prompt_hash": shot.prompt_hash, "cost_usd": shot.cost_usd,
                "file": target.relative_to(root).as_posix(), "sha256": _sha256(target),
                "source_sha256": shot.source_sha256 or _sha256(shot.source),
                "source_frames": shot.source_frames, "source_rate": shot.source_rate,
                "media_frames": count, "media_first_frame": first, "width": info.width, "height": info.height,
                "cut_in": clip_in, "cut_out": clip_in + shot.cut_frames, "record_in": record,
                "record_out": record + shot.cut_frames})
            record += shot.cut_frames

        _progress(progress, step, total, "copying sound stems and reference files")
        stem_entries: list[dict[str, Any]] = []
        for name, source, target in sounds:
            _copy(source, target)
            stem_entries.append({"name": name, "file": target.relative_to(root).as_posix(),
                                 "sha256": _sha256(target), "on_timelines": name != "mix"})
        extra_entries: list[dict[str, Any]] = []
        for name, source in [*(([("reference/film" + cut.film.suffix, cut.film)]) if cut.film else []),
                             *cut.extras.items()]:
            target = root / name
            _copy(source, target)
            extra_entries.append({"file": name, "sha256": _sha256(target)})
        step += 1

        def told(message: str) -> None:
            nonlocal step
            _progress(progress, step, total, message)
            step += 1

        timelines = writing.finish(progress=told)
    fraction = rate_fraction(cut.rate)
    manifest = {
        "format": MANIFEST_FORMAT,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "title": cut.title, **{k: v for k, v in cut.metadata.items() if isinstance(v, (str, int, float, bool))},
        "rate": f"{fraction.numerator}/{fraction.denominator}", "rate_label": rate_label(cut.rate),
        "frames": cut.frames, "seconds": round(cut.frames / cut.rate, 6),
        "codec": options.codec, "resolution": options.resolution, "handles": options.handles,
        "shots": shot_entries, "sound": stem_entries, "extras": extra_entries,
        "timelines": [{"format": n, "file": p.name, "sha256": _sha256(p)} for n, p in timelines.items()],
        "total_cost_usd": round(sum(s.cost_usd or 0.0 for s in cut.shots), 6),
    }
    return manifest, timelines


#: From this many clips on, an exporter marked ``own_process`` (AAF) writes and reads its file back in a
#: process of its own while this one encodes the media and writes the others: starting it (a fresh
#: interpreter importing OTIO, the adapter and pyaaf2, ~0.3 s of CPU) costs more than it saves on a short cut.
OWN_PROCESS_MIN_CLIPS = 100


def write_timelines(clips: list[CutClip], stems: list[AudioStem], title: str, root: Path, chosen: list[Exporter], *,
                    metadata: dict[str, Any] | None = None,
                    progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Build the cut's timeline (media under ``root``, referenced relative to it), write it with
    each exporter as ``root/<Title><suffix>`` and read every file back to check it. The part of a
    package the 600-shot benchmark times (``benchmarks/bench_timelines.py``).

    On a long cut an ``own_process`` exporter (AAF) runs in a process of its own
    (``python -m aiuteur.export.apart``), in parallel with the others, from the timeline as OTIO
    JSON; its failure is raised here like any other, and a failure here stops it before the caller
    removes the temporary package. (A package starts that process before it encodes the media:
    ``_build``.)"""
    with TimelineWriting(clips, stems, title, root, chosen, metadata=metadata) as writing:
        return writing.finish(progress=progress)


@dataclass
class _Apart:
    """An ``own_process`` exporter at work: its process, the thread feeding it its job, its answer."""

    exporter: Exporter
    path: Path
    worker: subprocess.Popen
    feeder: threading.Thread
    said: Any  # a temporary file: its one-line JSON answer and any traceback


class TimelineWriting:
    """A cut's timelines being written. Made, it builds the timeline and starts the ``own_process``
    exporters (on a long cut) in processes of their own; ``finish()`` writes the other formats here,
    reads every file back and waits for those processes. Leaving it without ``finish`` (a failure, a
    cancel) stops the processes before the caller removes the temporary package.

    ``media_ready=False``: the media files are still to be written (the package encodes them
    meanwhile). The processes then check their file's shots and lengths only, and ``finish`` checks
    that its media references resolve once the files exist."""

    def __init__(self, clips: list[CutClip], stems: list[AudioStem], title: str, root: Path, chosen: list[Exporter],
                 *, metadata: dict[str, Any] | None = None, media_ready: bool = True) -> None:
        self.chosen = chosen
        self.root = root
        self.rate = clips[0].rate
        self.timeline = build_timeline(clips, title, film_metadata=metadata or {}, audio=stems,
                                       check_media=media_ready)
        _relativize(self.timeline, root)
        self.stem = _safe_name(title)
        self.expected = [(c.shot_id, c.frames) for c in clips]
        self.apart: list[_Apart] = []
        try:
            self._start_apart([e for e in chosen if e.own_process and len(clips) >= OWN_PROCESS_MIN_CLIPS
                               and len(chosen) > 1], media_ready)
        except BaseException:  # not entered yet: stop what did start
            self.close()
            raise

    def _start_apart(self, exporters: list[Exporter], media_ready: bool) -> None:
        if not exporters:
            return
        payload = self.timeline.to_json_string(indent=-1)
        for exporter in exporters:
            path = self.root / f"{self.stem}{exporter.suffix}"
            said = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
            worker = subprocess.Popen([sys.executable, "-m", "aiuteur.export.apart"], stdin=subprocess.PIPE,
                                      stdout=said, stderr=subprocess.STDOUT, text=True)
            job = {"exporter": exporter.name, "timeline": payload, "path": str(path), "root": str(self.root),
                   "rate": self.rate, "expected": self.expected, "media_ready": media_ready}
            feeder = threading.Thread(target=_feed, args=(worker, json.dumps(job)), daemon=True)
            feeder.start()  # the child reads its job once its imports are done; this process goes on meanwhile
            self.apart.append(_Apart(exporter, path, worker, feeder, said))

    def finish(self, *, progress: Callable[[str], None] | None = None) -> dict[str, Path]:
        """Write the other formats, read every file back, wait for the processes: exporter name -> file."""
        timelines: dict[str, Path] = {}
        apart = {a.exporter.name for a in self.apart}
        for job in self.apart:
            if progress:
                progress(f"writing {job.exporter.label} (in its own process)")
        for exporter in self.chosen:
            if exporter.name in apart:
                continue
            if progress:
                progress(f"writing {exporter.label}")
            path = self.root / f"{self.stem}{exporter.suffix}"
            exporter.render(self.timeline, path, self.rate)
            timelines[exporter.name] = path
        if progress:
            progress("reading every timeline back")
        for name, path in timelines.items():
            verify_timeline(get_exporter(name), path, self.root, self.rate, self.expected)
        for job in self.apart:
            answer = _answer(job)
            if not answer.get("ok"):
                raise ExportError(answer.get("error") or f"the process writing {job.path.name} failed", path=job.path)
            check_references(job.path, [tuple(r) for r in answer.get("references", [])])
            timelines[job.exporter.name] = job.path
        return {e.name: timelines[e.name] for e in self.chosen}

    def close(self) -> None:
        for job in self.apart:
            if job.worker.poll() is None:
                job.worker.kill()
            job.worker.wait()
            job.feeder.join()
            job.said.close()
        self.apart = []

    def __enter__(self) -> "TimelineWriting":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _answer(job: _Apart) -> dict[str, Any]:
    """What an ``own_process`` exporter's process said, once it ended."""
    job.feeder.join()
    job.worker.wait()
    job.said.seek(0)
    out = job.said.read().strip()
    try:
        return json.loads(out.splitlines()[-1])
    except (ValueError, IndexError):
        return {"ok": False, "error": f"the process writing {job.path.name} ended with code {job.worker.returncode}: "
                                      f"{out[-500:]}"}


def _feed(worker: subprocess.Popen, job: str) -> None:
    try:
        worker.stdin.write(job)
        worker.stdin.close()
    except (BrokenPipeError, OSError, ValueError):  # the child died or was stopped: its exit says why
        pass


def _zip_folder(folder: Path, target: Path) -> None:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")


def _place_new_file(temp: Path, target: Path) -> None:
    """Move ``temp`` to ``target`` only if ``target`` does not exist (a hard link is atomic and
    refuses an existing name; where links are not supported, check then rename)."""
    try:
        os.link(temp, target)
    except FileExistsError:
        raise
    except OSError:
        if target.exists():
            raise FileExistsError(errno.EEXIST, "exists", str(target)) from None
        os.replace(temp, target)


def write_package(cut: PackageCut, to: Path, options: PackageOptions | None = None, *,
                  progress: ProgressFn | None = None) -> PackageResult:
    """Make the delivery package of ``cut`` in the folder ``to`` (as a new ``<Title>_v###`` folder)
    or as the zip file ``to`` (``*.zip``, refused if it exists). Raises :class:`ExportError`; on
    any failure nothing is left at the destination.

    ``progress`` hears each step, ``done`` of ``total``; the step before the package is moved into
    place is the last one short of the end, and ``done: <path>`` (1 of 1) comes once it is there.
    ``progress`` may raise to stop the export (a cancelled job does, ``aiuteur.export.job``): up to
    that last step short of the end, whatever it raises leaves nothing at the destination."""
    options = options or PackageOptions()
    to = Path(to).absolute()
    _check_cut(cut)
    chosen, skipped = _chosen_exporters(options, cut.rate)
    as_zip = to.suffix.lower() == ".zip"
    parent = to.parent if as_zip else to
    if as_zip and (to.exists() or to.is_symlink()):
        raise ExportError(f"{to} exists: a delivery never writes over another; give a new file name", path=to)
    if not as_zip and to.exists() and not to.is_dir():
        raise ExportError(f"{to} is not a folder", path=to)
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create {parent}: {exc.strerror or exc}", path=parent) from exc
    name = to.stem if as_zip else package_name(parent, cut.title)
    work = parent / f".{name}.part-{secrets.token_hex(4)}"
    root = work / name
    zip_temp = parent / f".{to.name}.part-{secrets.token_hex(4)}" if as_zip else None
    try:
        root.mkdir(parents=True)
        total = len(cut.shots) + len(chosen) + 3  # shots, sound, each format, reading back, moving into place
        manifest, timelines = _build(cut, options, root, chosen, progress, total)
        manifest["skipped_formats"] = skipped
        manifest["package"] = name
        (root / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if as_zip:
            assert zip_temp is not None
            _zip_folder(root, zip_temp)
            _progress(progress, total - 1, total, "moving the package into place")
            _place_new_file(zip_temp, to)
            final = to
            files = {n: Path(f"{name}/{p.name}") for n, p in timelines.items()}
        else:
            _progress(progress, total - 1, total, "moving the package into place")
            final = parent / name
            for _ in range(100):  # another export may take the name meanwhile: take the next one
                if not (final.exists() or final.is_symlink()):
                    try:
                        os.rename(root, final)  # never onto an existing folder (checked just before)
                        break
                    except OSError as exc:
                        if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                            raise
                name = package_name(parent, cut.title)
                final = parent / name
            else:
                raise ExportError(f"cannot find a free package name in {parent}", path=parent)
            files = {n: final / p.name for n, p in timelines.items()}
    except FileExistsError as exc:
        raise ExportError(f"{to} appeared while the package was made; nothing was written over it", path=to) from exc
    except OSError as exc:
        raise ExportError(f"cannot write the package in {parent}: {exc.strerror or exc}", path=parent) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if zip_temp is not None:
            zip_temp.unlink(missing_ok=True)
    _progress(progress, 1, 1, f"done: {final}")
    return PackageResult(path=final, name=name, manifest=manifest, timelines=files, skipped=skipped)


def read_manifest(package: Path) -> dict[str, Any]:
    """The manifest of a package folder or zip."""
    package = Path(package)
    if package.suffix.lower() == ".zip":
        with zipfile.ZipFile(package) as archive:
            member = next((n for n in archive.namelist() if n.count("/") == 1 and n.endswith("/manifest.json")), None)
            if member is None:
                raise ExportError(f"{package} holds no manifest.json", path=package)
            return json.loads(archive.read(member))
    path = package / "manifest.json"
    if not path.is_file():
        raise ExportError(f"{package} is not a delivery package (no manifest.json)", path=package)
    return json.loads(path.read_text(encoding="utf-8"))


def verify_package(folder: Path) -> dict[str, Any]:
    """Check a package folder where it is now (e.g. after a move): every file's hash, and every
    timeline read back with its media resolving. Returns the manifest; raises ExportError."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    for entry in [*manifest["shots"], *manifest["sound"], *manifest["extras"], *manifest["timelines"]]:
        path = folder / entry["file"]
        if not path.is_file() or _sha256(path) != entry["sha256"]:
            raise ExportError(f"{entry['file']} is missing or changed since the export", path=path)
    num, den = (int(x) for x in manifest["rate"].split("/"))
    rate = normalize_rate(num / den)
    expected = [(s["shot_id"], s["cut_out"] - s["cut_in"]) for s in manifest["shots"]]
    for entry in manifest["timelines"]:
        verify_timeline(get_exporter(entry["format"]), folder / entry["file"], folder, rate, expected)
    return manifest
