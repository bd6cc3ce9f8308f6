"""Production design at scale: a 60-scene screenplay with 600 shots, offline, in a fresh workspace.

    .venv/bin/python benchmarks/bench_production.py [--scenes 60] [--shots-per-scene 10] [--images]

Times each step the issue names — the parser pass, stage 5 extraction (text engine; images with
`--images`), the script hub (pure analysis; and the overview with every scene's status, read after
600 shot prompts exist so every shot's staleness is checked), shot-list validation over every
shot, and stage 8 (visual states for every scene) — and prints a Markdown
row for benchmarks/RESULTS.md. The screenplay is generated (deterministic): 12 speaking characters,
people introduced in action, 20 locations with LATER/CONTINUOUS headings, props, status words.
"""
from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

from aiuteur import Engines, ProjectConfig, open_store, start_project
from aiuteur.continuity.extraction import extract as parser_pass
from aiuteur.models.assets import AssetSet
from aiuteur.models.shots import DialogueLine, Shot, ShotList, shot_id
from aiuteur.stages import assets, hub, prompts, shots, visual_states
from aiuteur.stages.script import from_fountain

PEOPLE = ["MARA", "THEO", "JUNE", "OSKAR", "ANSEL", "MRS. PELL", "DEPUTY RUIZ", "NICO", "ROSA", "ELSA", "JONAH",
          "TOMAS"]
PLACES = ["HARBOR", "RADIO SHOP", "RADIO SHOP - BACK ROOM", "KITCHEN", "DINER", "BREAKWATER", "LIGHTHOUSE",
          "CLIFF ROAD", "PIER", "BOAT - WHEELHOUSE", "CHURCH", "SCHOOL", "MOTEL", "GARAGE", "ATTIC", "BEACH", "FOREST",
          "STATION", "MARKET", "BRIDGE"]
PROPS = ["radio", "logbook", "folder", "lantern", "compass", "receiver", "headphones", "map", "photo", "knife"]
TIMES = ["DAY", "NIGHT", "LATER", "CONTINUOUS", "DUSK", "DAWN", "MOMENTS LATER"]
NEWCOMERS = ["ABEL VOSS", "BRYN OKAFOR", "CORA LINDQVIST", "DMITRI HALE", "EDDA MARSH", "FINN CALDER"]
STATES = ["falls in the mud", "is soaked by a wave", "cuts a hand, bleeding", "washes up", "tears a sleeve", "limps in"]


def screenplay(scenes: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    out = ["Title: Bench", ""]
    for n in range(1, scenes + 1):
        place, time_ = PLACES[rng.randrange(len(PLACES))], TIMES[rng.randrange(len(TIMES))]
        cast = rng.sample(PEOPLE, 3)
        out += [f"{'INT' if n % 3 else 'EXT'}. {place} - {time_}", ""]
        if n % 10 == 1:  # a person introduced in action, in caps with an age, who never speaks
            out += [f"{NEWCOMERS[(n // 10) % len(NEWCOMERS)]} (40s), a stranger in a long coat, watches from the door.", ""]
        for _ in range(4):
            who = cast[rng.randrange(3)]
            out += [f"{who.title()} picks up the {rng.choice(PROPS)}. {who.title()} {rng.choice(STATES)}.", ""]
            speaker = cast[rng.randrange(3)]
            out += [speaker, " ".join(rng.choice(["we", "should", "go", "now", "the", "tide", "is", "turning"])
                                      for _ in range(rng.randrange(4, 14))).capitalize() + ".", ""]
    return "\n".join(out)


def shot_list(scene, roster: AssetSet, per_scene: int, rng: random.Random) -> ShotList:
    cast = [a.name for a in roster.in_scene(scene.number, "character")] or ["MARA"]
    props = [a.name for a in roster.in_scene(scene.number, "prop")]
    out = []
    for i in range(1, per_scene + 1):
        who = cast[i % len(cast)]
        line = DialogueLine(speaker=who, line="We should go now.") if i % 3 == 0 else None
        out.append(Shot(shot_id=shot_id(scene.number, i), scene=scene.number, duration=round(rng.uniform(2, 7), 1),
                        shot_type="medium", lens="35mm", camera_move="static", framing="waist-up",
                        action=f"{who.title()} {rng.choice(STATES)}.", dialogue=line, characters=[who],
                        location=scene.location, props=props[:1], sound="room tone"))
    return ShotList(scene=scene.number, heading=scene.heading, shots=out)


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def bench(scene_count: int, per_scene: int, images: bool) -> dict[str, float]:
    text = screenplay(scene_count)
    script = from_fountain(text)
    engines = Engines.offline()
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "ws.duckdb") as store:
        project, _ = start_project(store, "bench", "A harbor town keeps its secrets through a long storm.",
                                   ProjectConfig(title="Bench", target_minutes=60))
        store.commit(project, "script", script, status="locked", message="bench script")
        parsed, t_parse = timed(lambda: parser_pass(script))
        _, t_extract = timed(lambda: assets.extract(store, project, engines, auto_lock=True, images=images))
        assets.lock(store, project)
        roster = store.require_head(project, assets.KEY).model(AssetSet)
        roster_version = store.require_head(project, assets.KEY)
        script_version = store.require_head(project, "script")
        lists = {}
        for scene in script.scenes:
            lists[scene.number] = sl = shot_list(scene, roster, per_scene, rng)
            store.commit(project, shots.key(scene.number), sl, inputs=[script_version, roster_version], status="locked")
        _, t_hub = timed(lambda: hub.analyse(script, roster, lists))

        def validate_all() -> int:
            return sum(len(shots.problems(lists[s.number], s, roster)) for s in script.scenes)
        problems, t_validate = timed(validate_all)
        _, t_states = timed(lambda: [visual_states.derive(store, project, s.number) for s in script.scenes])
        for s in script.scenes:  # 600 prompt heads, so the overview checks every shot's staleness as in a real run
            prompts.generate_scene(store, project, s.number)
        overview, t_overview = timed(lambda: hub.overview(store, project))
        timeline, t_timeline = timed(lambda: visual_states.timeline(store, project, "MARA"))
        return {"scenes": len(script.scenes), "shots": sum(len(sl.shots) for sl in lists.values()),
                "assets": len(roster.assets), "characters": len(parsed.characters), "problems": problems,
                "risks": len(overview.risks), "parse": t_parse, "extract": t_extract, "hub": t_hub,
                "overview": t_overview, "validate": t_validate, "states": t_states, "timeline": t_timeline}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenes", type=int, default=60)
    parser.add_argument("--shots-per-scene", type=int, default=10)
    parser.add_argument("--images", action="store_true", help="Draw every asset's reference image (Pillow).")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    r = bench(args.scenes, args.shots_per_scene, args.images)
    print("| scenes | shots | assets | images | parser pass s | stage 5 extract s | hub analysis s | hub overview s "
          "| validate s | states (60 scenes) s | timeline s | load avg (1 min) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {r['scenes']} | {r['shots']} | {r['assets']} | {'yes' if args.images else 'no'} | {r['parse']:.2f} | "
          f"{r['extract']:.2f} | {r['hub']:.2f} | {r['overview']:.2f} | {r['validate']:.3f} | {r['states']:.2f} | "
          f"{r['timeline']:.2f} | {load:.1f} |")
    print(f"(characters {r['characters']}, validation problems {r['problems']}, risks {r['risks']})")


if __name__ == "__main__":
    main()
