"""Stages 9 and 11 at scale: the prompt listing and the stage-11 estimate of a 600-shot project.

    .venv/bin/python benchmarks/bench_cost_gate.py [--scenes 60] [--shots-per-scene 10]

Builds the 60-scene, 600-shot project of `bench_production.py` (offline, fresh workspace), with
every shot's prompt assembled (stage 9) and, for half the scenes, frames recorded (stage 10: one
small PNG shared, so the estimate's "already paid" path runs), then times what a person waits for:
`prompts.list_prompts` (every card, validated against the capability matrix), the estimate by
shot and by scene, and a what-if on the real models (`what_if(..., "redo-frames-scene:4")` and
another engine). Quality bar (issue 10): each under 2 s. Prints a Markdown row for RESULTS.md.
"""
from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_production import screenplay, shot_list  # noqa: E402

from aiuteur import Engines, ProjectConfig, open_store, start_project  # noqa: E402
from aiuteur.models.assets import AssetSet  # noqa: E402
from aiuteur.models.media import ShotFrames  # noqa: E402
from aiuteur.stages import assets, confirm, frames, prompts, shots, visual_states  # noqa: E402
from aiuteur.stages.script import from_fountain  # noqa: E402

REAL = {"image": "gemini:gemini-2.5-flash-image", "video": "veo:veo-3.1-fast-generate-preview"}


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def best_of(n: int, fn):
    """The fastest of `n` runs (the first also warms the version cache), and the result."""
    times, result = [], None
    for _ in range(n):
        result, seconds = timed(fn)
        times.append(seconds)
    return result, min(times), times[0]


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 36), (40, 60, 90)).save(out, "PNG")
    return out.getvalue()


def bench(scene_count: int, per_scene: int) -> dict:
    script = from_fountain(screenplay(scene_count))
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "ws.duckdb") as store:
        project, _ = start_project(store, "bench", "A harbor town keeps its secrets through a long storm.",
                                   ProjectConfig(title="Bench", target_minutes=60))
        store.commit(project, "script", script, status="locked", message="bench script")
        assets.extract(store, project, Engines.offline(), auto_lock=True, images=False)
        assets.lock(store, project)
        roster = store.require_head(project, assets.KEY).model(AssetSet)
        inputs = [store.require_head(project, "script"), store.require_head(project, assets.KEY)]
        for scene in script.scenes:
            store.commit(project, shots.key(scene.number), shot_list(scene, roster, per_scene, rng), inputs=inputs,
                         status="locked")
        for scene in script.scenes:
            visual_states.derive(store, project, scene.number)
            prompts.generate_scene(store, project, scene.number)
        media = store.put_media(png(), "image/png", width=64, height=36)
        with store.db.transaction():
            for scene in script.scenes[: len(script.scenes) // 2]:
                for shot in store.require_head(project, shots.key(scene.number)).model(shots.ShotList).shots:
                    prompt = store.require_head(project, prompts.key(shot.shot_id))
                    store.commit(project, frames.key(shot.shot_id),
                                 ShotFrames(shot_id=shot.shot_id, start=media, end=media, engine="offline:storyboard"),
                                 inputs=[prompt])
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            store.__dict__.pop("_version_cache", None)  # cold, as in a new process
            profiler = cProfile.Profile()
            profiler.runcall(lambda: (prompts.list_prompts(store, project), confirm.estimate_table(store, project)))
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        store.__dict__.pop("_version_cache", None)  # the first listing reads every version, as a new process does
        cards, t_list, t_list_cold = best_of(3, lambda: prompts.list_prompts(store, project))
        by_shot, t_shot, t_shot_cold = best_of(3, lambda: confirm.estimate_table(store, project, by="shot"))
        by_scene, t_scene, _ = best_of(3, lambda: confirm.estimate_table(store, project, by="scene"))
        real, t_real, _ = best_of(3, lambda: confirm.what_if(store, project, engine_ids=REAL))
        redo, t_redo, _ = best_of(3, lambda: confirm.what_if(store, project, "redo-frames-scene:4", engine_ids=REAL))
        assert len(cards) == len(by_shot.rows) == scene_count * per_scene
        assert abs(by_scene.total_usd - by_shot.total_usd) < 1e-6
        return {"shots": len(cards), "list": t_list, "list_cold": t_list_cold, "shot": t_shot, "shot_cold": t_shot_cold,
                "scene": t_scene, "real": t_real, "redo": t_redo, "real_total": real.total_usd,
                "redo_total": redo.total_usd}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenes", type=int, default=60)
    parser.add_argument("--shots-per-scene", type=int, default=10)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    r = bench(args.scenes, args.shots_per_scene)
    print("| shots | list_prompts s (first) | estimate by shot s (first) | by scene s | what-if real models s "
          "| what-if redo scene 4 s | load avg (1 min) |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {r['shots']} | {r['list']:.2f} ({r['list_cold']:.2f}) | {r['shot']:.2f} ({r['shot_cold']:.2f}) | "
          f"{r['scene']:.2f} | {r['real']:.2f} | {r['redo']:.2f} | {load:.1f} |")
    print(f"(what-if on {REAL['image']} + {REAL['video']}: ${r['real_total']:.2f}; re-doing scene 4's frames: "
          f"${r['redo_total']:.2f})")


if __name__ == "__main__":
    main()
