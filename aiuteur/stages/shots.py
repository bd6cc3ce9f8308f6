"""Stage 7 — shot list: timed technical shots per scene, validated, then locked.

The "rearview mirror" — the previous scene's last shot — is handed to each scene's generation so
coverage flows across the cut.
"""
from __future__ import annotations

from aiuteur.engines.gateway import Call, generate_text
from aiuteur.engines.protocols import TextRequest
from aiuteur.engines.registry import Engines
from aiuteur.engines.templates import load_template
from aiuteur.models.assets import AssetSet
from aiuteur.models.project import Project
from aiuteur.models.shots import Shot, ShotList, dialogue_seconds
from aiuteur.models.story import MasterScript
from aiuteur.models.versions import Version
from aiuteur.screenplay import SceneInfo
from aiuteur.stages.common import system_prompt
from aiuteur.stages.gates import StageError, require
from aiuteur.store import Store

MIN_SECONDS = 1.0
MAX_SECONDS = 8.0


def key(scene: int) -> str:
    return f"scene/{scene}/shots"


def rearview(store: Store, project: Project, scene: int) -> Shot | None:
    """The last shot of the previous scene, if that scene has a shot list."""
    previous = store.head(project, key(scene - 1)) if scene > 1 else None
    return previous.model(ShotList).shots[-1] if previous else None


def generate(store: Store, project: Project, engines: Engines, scene: int, *, auto_lock: bool = False,
             seed: int = 0) -> Version:
    script_version = require(store, project, "script", auto_lock=auto_lock)
    assets_version = require(store, project, "assets", auto_lock=auto_lock)
    script = script_version.model(MasterScript)
    info = next((s for s in script.scenes if s.number == scene), None)
    if info is None:
        raise StageError(f"the script has scenes 1..{len(script.scenes)}, not {scene}")
    props = [a.name.lower() for a in assets_version.model(AssetSet).by_kind("prop")]
    previous = rearview(store, project, scene)
    template = load_template("shots")
    request = TextRequest(
        task="shots", system=system_prompt(project), seed=seed,
        prompt=template.render(max_seconds=MAX_SECONDS, number=scene, scene=info.text,
                               rearview=previous.model_dump_json() if previous else "(first scene)"),
        context={"scene": {**info.model_dump(mode="json"), "target_seconds": scene_target_seconds(project, script, scene)},
                 "props": props, "max_shot_seconds": MAX_SECONDS},
    )
    shot_list, outcome = generate_text(store, Call(project, "shots", template, [script_version, assets_version]),
                                       engines.text, request, ShotList)
    return store.commit(project, key(scene), shot_list, inputs=[script_version, assets_version],
                        generation_id=outcome.generation_id, message=f"shots for scene {scene}")


def scene_target_seconds(project: Project, script: MasterScript, scene: int) -> float:
    """The scene's share of the target length, in proportion to its page length (eighths)."""
    total = sum(s.eighths for s in script.scenes) or 1
    eighths = next(s.eighths for s in script.scenes if s.number == scene)
    return round(project.config.target_minutes * 60 * eighths / total, 1)


def validate(shot_list: ShotList, scene: SceneInfo, assets: AssetSet | None = None) -> list[str]:
    """Every problem, each naming its shot: missing fields, durations, dialogue that cannot fit, strangers."""
    problems = []
    cast = set(scene.characters) | ({a.name for a in assets.by_kind("character")} if assets else set())
    for shot in shot_list.shots:
        for field in ("shot_type", "lens", "camera_move", "action"):
            if not str(getattr(shot, field)).strip():
                problems.append(f"{shot.shot_id}: {field} is missing")
        if not MIN_SECONDS <= shot.duration <= MAX_SECONDS:
            problems.append(f"{shot.shot_id}: duration {shot.duration}s is outside {MIN_SECONDS}-{MAX_SECONDS}s")
        if shot.dialogue and dialogue_seconds(shot.dialogue.line) - 1.0 > shot.duration:
            problems.append(f"{shot.shot_id}: the line needs {dialogue_seconds(shot.dialogue.line) - 1.0:.1f}s "
                            f"but the shot is {shot.duration}s")
        for name in shot.characters:
            if name not in cast:
                problems.append(f"{shot.shot_id}: {name} is not in scene {scene.number}")
    return problems


def lock(store: Store, project: Project, scene: int, *, author: str = "user", force: bool = False) -> Version:
    head = require(store, project, key(scene), locked=False)
    script = require(store, project, "script").model(MasterScript)
    info = next(s for s in script.scenes if s.number == scene)
    problems = validate(head.model(ShotList), info)
    if problems and not force:
        raise StageError(f"scene {scene}'s shot list has {len(problems)} problem(s): " + "; ".join(problems))
    return store.lock(project, key(scene), author=author, message="shot list locked")


def scenes(store: Store, project: Project) -> list[int]:
    return [s.number for s in require(store, project, "script", locked=False).model(MasterScript).scenes]
