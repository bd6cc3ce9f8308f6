"""Writing every timeline of a 600-shot delivery: the quality bar is under 5 s.

    .venv/bin/python benchmarks/bench_timelines.py [--shots 600] [--rate 23.976] [--runs 3] [--each]

What is timed is `aiuteur.export.package.write_timelines` — what `aiuteur export` does after the
media is encoded: build the OTIO timeline (600 clips, scene markers, three sound stems on audio
tracks), make every media reference relative to the package, write it with every available
exporter (.otio, CMX 3600 .edl, FCP 7 .xml, and .fcpxml and .aaf when their adapters are
installed) and read each file back to check the shots, their lengths and that every reference
resolves. Media encoding is not part of it (it scales with the film's length, not the cut's shape);
the media files here are empty placeholders, which is all the timelines need.

From 100 clips on the AAF (its first shot written by the adapter through pyaaf2, the others copied:
aaf_cut_writer.py) is written and read back in a process of its own while this one writes the others
(`package.OWN_PROCESS_MIN_CLIPS`), so on an idle machine with two cores the wall time is about the
larger of the two processes' CPU times. On a shared machine wall time mostly measures the other
load, so each row also gives the CPU seconds of this process and of the AAF
process (`getrusage` of the children), which do not depend on it. `--each` also times each format
alone (build + write + read back, in this process).

"after media s" times the timelines as a package writes them (`write_package`): the AAF process is
started before the media is encoded (`package.TimelineWriting(..., media_ready=False)`) and what is
left once the media is written — the other formats, every read-back, the AAF's answer and its media
references — is timed. Here the media phase is stood in for by waiting for the AAF process to end
("AAF process s": how long the media phase must last to hide it; encoding 600 shots takes minutes).

Prints a Markdown row per run, for benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiuteur.export import AudioStem, CutClip  # noqa: E402
from aiuteur.export.exporters import available  # noqa: E402
from aiuteur.export.package import TimelineWriting, write_timelines  # noqa: E402
from aiuteur.export.rates import normalize_rate  # noqa: E402


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_run(shots: int, rate: float, each: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="aiuteur-bench-timelines-") as tmp:
        out = _alone(Path(tmp) / "alone", shots, rate, each)
    with tempfile.TemporaryDirectory(prefix="aiuteur-bench-timelines-") as tmp:
        out.update(_after_media(Path(tmp) / "package", shots, rate))
    return out


def _cut(folder: Path, shots: int, rate: float) -> tuple[Path, list, list, list]:
    """A cut of `shots` clips with empty placeholder media and three stems, and the exporters to write."""
    root = folder / "Bench_v001"
    (root / "media").mkdir(parents=True)
    (root / "sound").mkdir()
    clips = []
    for index in range(shots):
        scene, shot = index // 8 + 1, index % 8 + 1
        shot_id = f"SC{scene * 10:03d}_SH{shot * 10:04d}"
        media = root / "media" / f"{shot_id}_v002.mov"
        media.touch()
        frames = 72 + index % 49
        clips.append(CutClip(shot_id=shot_id, scene_number=scene * 10, scene_heading=f"INT. ROOM {scene} - DAY",
                             media_path=media, frames=frames, rate=rate, source_start_frame=6,
                             media_frames=frames + 12, name=shot_id))
    total = sum(c.frames for c in clips)
    stems = []
    for name in ("dialogue", "effects", "music"):
        (root / "sound" / f"{name}.wav").touch()
        stems.append(AudioStem(name=name, media_path=root / "sound" / f"{name}.wav", frames=total))
    return root, clips, stems, [e for e in available() if e.supports(rate)]


def _after_media(folder: Path, shots: int, rate: float) -> dict:
    """The timelines as `write_package` writes them: the AAF process started before the media phase,
    the rest timed once the media is there."""
    root, clips, stems, chosen = _cut(folder, shots, rate)
    started, children = time.perf_counter(), _children_cpu()
    with TimelineWriting(clips, stems, "Bench", root, chosen, media_ready=False) as writing:
        for job in writing.apart:  # the media phase: in a real export, ffmpeg encoding every shot meanwhile
            job.worker.wait()
        media_phase = time.perf_counter() - started
        wall, cpu = time.perf_counter(), time.process_time()
        writing.finish()
        return {"after_media_wall": time.perf_counter() - wall, "after_media_cpu": time.process_time() - cpu,
                "aaf_process_wall": media_phase, "aaf_process_cpu": _children_cpu() - children}


def _alone(folder: Path, shots: int, rate: float, each: bool) -> dict:
    """`write_timelines` on its own: every format written and read back, the AAF beside the others."""
    root, clips, stems, chosen = _cut(folder, shots, rate)
    wall, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
    write_timelines(clips, stems, "Bench", root, chosen)
    out = {"formats": [e.name for e in chosen], "wall": time.perf_counter() - wall,
           "cpu": time.process_time() - cpu, "apart_cpu": _children_cpu() - children, "each": {}}
    for exporter in chosen if each else []:  # one format at a time, in this process: where the CPU goes
        cpu = time.process_time()
        write_timelines(clips, stems, "Bench", root, [exporter])
        out["each"][exporter.name] = time.process_time() - cpu
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=600)
    parser.add_argument("--rate", type=float, default=24.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--each", action="store_true", help="also time each format alone (CPU s)")
    args = parser.parse_args()
    rate = normalize_rate(args.rate)
    print("| date | shots | rate | formats | alone: wall s | alone: CPU s this process | alone: CPU s AAF process | "
          "after media: wall s | after media: CPU s | AAF process (started before the media): wall s, CPU s | "
          "each format CPU s (build + write + read back) | load avg (1 min) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for _ in range(args.runs):
        run = one_run(args.shots, rate, args.each)
        detail = ", ".join(f"{name} {value:.2f}" for name, value in run["each"].items()) or "—"
        print(f"| {time.strftime('%Y-%m-%d')} | {args.shots} | {args.rate:g} | {', '.join(run['formats'])} | "
              f"{run['wall']:.2f} | {run['cpu']:.2f} | {run['apart_cpu']:.2f} | {run['after_media_wall']:.2f} | "
              f"{run['after_media_cpu']:.2f} | {run['aaf_process_wall']:.2f}, {run['aaf_process_cpu']:.2f} | "
              f"{detail} | {os.getloadavg()[0]:.1f} |", flush=True)


if __name__ == "__main__":
    main()
