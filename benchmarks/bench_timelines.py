"""Writing every timeline of a 600-shot delivery: the quality bar is under 5 s.

    .venv/bin/python benchmarks/bench_timelines.py [--shots 600] [--rate 23.976] [--runs 3]

What is timed is `aiuteur.export.package.write_timelines` — what `aiuteur export` does after the
media is encoded: build the OTIO timeline (600 clips, scene markers, three sound stems on audio
tracks), make every media reference relative to the package, write it with every available
exporter (.otio, CMX 3600 .edl, FCP 7 .xml, and .fcpxml and .aaf when their adapters are
installed) and read each file back to check the shots, their lengths and that every reference
resolves. Media encoding is not part of it (it scales with the film's length, not the cut's shape);
the media files here are empty placeholders, which is all the timelines need.

Prints a Markdown row per run, for benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiuteur.export import AudioStem, CutClip  # noqa: E402
from aiuteur.export.exporters import available  # noqa: E402
from aiuteur.export.package import write_timelines  # noqa: E402
from aiuteur.export.rates import normalize_rate  # noqa: E402


def one_run(shots: int, rate: float) -> tuple[float, list[str]]:
    with tempfile.TemporaryDirectory(prefix="aiuteur-bench-timelines-") as tmp:
        root = Path(tmp) / "Bench_v001"
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
        chosen = [e for e in available() if e.supports(rate)]
        started = time.perf_counter()
        write_timelines(clips, stems, "Bench", root, chosen)
        total_seconds = time.perf_counter() - started
        each = {}
        for exporter in chosen:  # the same again one format at a time, to see where the time goes
            started = time.perf_counter()
            write_timelines(clips, stems, "Bench", root, [exporter])
            each[exporter.name] = time.perf_counter() - started
        return total_seconds, each


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=600)
    parser.add_argument("--rate", type=float, default=24.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rate = normalize_rate(args.rate)
    print("| date | shots | rate | all formats s | each format s (build + write + read back) | load avg (1 min) |")
    print("|---|---|---|---|---|---|")
    for _ in range(args.runs):
        seconds, each = one_run(args.shots, rate)
        detail = ", ".join(f"{name} {value:.2f}" for name, value in each.items())
        print(f"| {time.strftime('%Y-%m-%d')} | {args.shots} | {args.rate:g} | {seconds:.2f} | {detail} | "
              f"{os.getloadavg()[0]:.1f} |")


if __name__ == "__main__":
    main()
