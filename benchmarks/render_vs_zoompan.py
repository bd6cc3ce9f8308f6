"""The animatic render against an ffmpeg filtergraph doing the same camera move on the same frames.

    .venv/bin/python benchmarks/render_vs_zoompan.py [--size 1920x1080] [--seconds 4] [--runs 3]

Issue 12's bar: the animatic render at 1080p takes at most 1.3x an ffmpeg filtergraph (`zoompan`)
doing the same camera move on the same frames. Both sides make the same clip the offline animatic
engine makes (`aiuteur/engines/offline/animatic.py`), from the same two storyboard panels (start
and end pose, cut at the middle, no dissolve), with the same encoder settings (libx264 at the
animatic's `CLIP_PRESET` and `CLIP_CRF`, yuv420p, the same thread count) and the same silent 48 kHz AAC track:

- `dialogue`: the whole frame moves and an opaque subtitle band covers the panel's caption band
  (ffmpeg: `zoompan` on each pose, `concat`, `overlay` of the same band as a PNG);
- `action`: the panel's caption band is held still under the move (ffmpeg: `crop` the picture,
  `zoompan` it, `vstack` it on the still band).

Moves: push_in, pan_right, tilt_up (eased like the animatic; zoompan has no roll, so handheld is
left out) and static. The zoompan side rounds the view to whole pixels (its judder), the animatic
does not: the animatic does strictly more work per frame. Each case is timed `--runs` times,
alternating sides; the median wall time and the median CPU time (this process and its ffmpeg
children) of each side are compared.

Prints Markdown rows for benchmarks/RESULTS.md (with the machine's load average).
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiuteur.render import FrameSpec, caption_band_height, render_clip, render_frame, save_image  # noqa: E402
from aiuteur.render._ffmpeg import default_threads, ffmpeg_exe  # noqa: E402
from aiuteur.render.animatic import CLIP_CRF, CLIP_PRESET  # noqa: E402
from aiuteur.render.encode import AUDIO_RATE  # noqa: E402
from aiuteur.render.subtitles import subtitle_band  # noqa: E402

LINE = "ELSA: The lamp has not gone out in forty years, and it will not go out tonight."
#: the animatic's zoom for push-ins and its crop for pans and tilts (aiuteur/render/animatic.py)
PUSH_ZOOM, PAN_ZOOM = 1.18, 1.15


def panels(folder: Path, size: tuple[int, int]) -> tuple[Path, Path]:
    """A start and an end storyboard panel of one shot, as the frames stage draws them."""
    kw = dict(width=size[0], height=size[1], int_ext="EXT", time_of_day="DUSK", location="Lighthouse gallery",
              shot_type="two-shot", characters=["Elsa", "Tom"], caption=LINE, title="SC010_SH0010")
    start = save_image(render_frame(FrameSpec(**kw)), folder / "start.png")
    end = save_image(render_frame(FrameSpec(**kw, moment="end")), folder / "end.png")
    return start, end


def animatic(start: Path, end: Path, out: Path, *, move: str, seconds: float, fps: int, dialogue: bool,
             size: tuple[int, int]) -> None:
    """The clip exactly as the offline animatic engine asks for it."""
    band = caption_band_height(*size)
    render_clip(start, end, out, duration=seconds, fps=fps, camera_move=move, size=size,
                subtitle=LINE if dialogue else None, subtitle_band=round(band * 1.25) if dialogue else 0,
                caption_band=band, crossfade=0.0)


def _ease(p: str) -> str:
    return f"(0.5-0.5*cos(PI*{p}))"


def zoompan_exprs(move: str, frames: int, offset: int) -> tuple[str, str, str]:
    """zoompan's z, x, y for the animatic's eased move; `on` counts this pose's output frames."""
    p = f"min(1,(on+{offset})/{max(1, frames - 1)})"
    e = _ease(p)
    if move == "push_in":
        return f"1+{PUSH_ZOOM - 1:.4f}*{e}", "iw/2-iw/zoom/2", "ih/2-ih/zoom/2"
    m = (1.0 - 1.0 / PAN_ZOOM) / 2 * 0.96
    travel = f"({-m:.6f}+{2 * m:.6f}*{e})"
    if move == "pan_right":
        return f"{PAN_ZOOM}", f"iw/2+{travel}*iw-iw/zoom/2", "ih/2-ih/zoom/2"
    if move == "tilt_up":
        return f"{PAN_ZOOM}", "iw/2-iw/zoom/2", f"ih/2-{travel}*ih-ih/zoom/2"
    return "1", "0", "0"


def zoompan(start: Path, end: Path, out: Path, *, move: str, seconds: float, fps: int, dialogue: bool,
            size: tuple[int, int], band_png: Path) -> None:
    """The same clip from an ffmpeg filtergraph, written the fast way: each pose is read once and
    `zoompan` makes its half of the frames from it (`d`), then the halves are concatenated."""
    w, h = size
    frames = round(seconds * fps)
    first = (frames + 1) // 2
    band = caption_band_height(w, h)
    pic_h = h if dialogue else h - band
    parts = []
    for idx, (count, offset) in enumerate(((first, 0), (frames - first, first))):
        z, x, y = zoompan_exprs(move, frames, offset)
        zp = f"zoompan=z='{z}':x='{x}':y='{y}':d={count}:s={w}x{pic_h}:fps={fps}"
        if dialogue:
            parts.append(f"[{idx}:v]{zp}[p{idx}]")
        else:  # the caption band held still under the move
            parts.append(f"[{idx}:v]split[a{idx}][b{idx}];[a{idx}]crop={w}:{pic_h}:0:0,{zp}[z{idx}];"
                         f"[b{idx}]crop={w}:{band}:0:{pic_h},loop=loop={count - 1}:size=1,setpts=N/{fps}/TB[c{idx}];"
                         f"[z{idx}][c{idx}]vstack[p{idx}]")
    graph = ";".join(parts) + ";[p0][p1]concat=n=2:v=1:a=0[v]"
    if dialogue:
        graph += f";[v][2:v]overlay=0:{h}-h[vo]"
    graph += f";[{'vo' if dialogue else 'v'}]format=yuv420p[out]"
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-i", str(start), "-i", str(end)]
    if dialogue:
        cmd += ["-i", str(band_png)]
    cmd += ["-f", "lavfi", "-i", f"anullsrc=r={AUDIO_RATE}:cl=stereo:d={frames / fps:.6f}",
            "-filter_complex", graph, "-map", "[out]", "-map", f"{3 if dialogue else 2}:a:0",
            "-c:v", "libx264", "-preset", CLIP_PRESET, "-crf", str(CLIP_CRF), "-pix_fmt", "yuv420p", "-profile:v", "high",
            "-g", str(fps), "-threads", str(default_threads()), "-frames:v", str(frames), "-r", str(fps),
            "-c:a", "aac", "-b:a", "96k", "-ac", "2", "-ar", str(AUDIO_RATE), "-movflags", "+faststart", str(out)]
    subprocess.run(cmd, check=True)


def timed(fn, *args, **kw) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process and its ffmpeg children): on a shared machine the
    CPU time is the steadier measure of the work done."""
    self0, kids0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    fn(*args, **kw)
    wall = time.perf_counter() - started
    self1, kids1 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(b.ru_utime + b.ru_stime - a.ru_utime - a.ru_stime for a, b in ((self0, self1), (kids0, kids1)))
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--fps", type=int, default=24)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--moves", default="push_in,pan_right,tilt_up,static")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.lower().split("x"))
    with tempfile.TemporaryDirectory(prefix="aiuteur-bench-") as tmp:
        root = Path(tmp)
        start, end = panels(root, size)  # type: ignore[arg-type]
        overlay, _ = subtitle_band(LINE, size, round(caption_band_height(*size) * 1.25))  # type: ignore[arg-type]
        band_png = root / "band.png"
        overlay.save(band_png)
        load = os.getloadavg()[0]
        print(f"| case ({args.size}, {args.seconds:g} s, {round(args.seconds * args.fps)} frames) | animatic wall s "
              "| zoompan wall s | wall ratio | animatic CPU s | zoompan CPU s | CPU ratio | load avg (1 min) |")
        print("|---|---|---|---|---|---|---|---|")
        totals = [0.0, 0.0, 0.0, 0.0]
        for dialogue in (True, False):
            for move in args.moves.split(","):
                kw = dict(move=move, seconds=args.seconds, fps=args.fps, dialogue=dialogue, size=size)
                ours, theirs = [], []
                for _ in range(args.runs):  # alternate, so both sides see the same load
                    ours.append(timed(animatic, start, end, root / "a.mp4", **kw))
                    theirs.append(timed(zoompan, start, end, root / "z.mp4", band_png=band_png, **kw))
                aw, zw = (statistics.median(t[0] for t in side) for side in (ours, theirs))
                ac, zc = (statistics.median(t[1] for t in side) for side in (ours, theirs))
                for n, value in enumerate((aw, zw, ac, zc)):
                    totals[n] += value
                print(f"| {'dialogue' if dialogue else 'action'} {move} | {aw:.2f} | {zw:.2f} | {aw / zw:.2f} "
                      f"| {ac:.2f} | {zc:.2f} | {ac / zc:.2f} | {os.getloadavg()[0]:.1f} |")
        aw, zw, ac, zc = totals
        print(f"| **all cases** | {aw:.2f} | {zw:.2f} | **{aw / zw:.2f}** | {ac:.2f} | {zc:.2f} | **{ac / zc:.2f}** "
              f"| {load:.1f} at start |")


if __name__ == "__main__":
    main()
