"""The twelve stages, in order: what each produces (artifact keys) and how to reach it."""
from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase


@dataclass(frozen=True)
class StageInfo:
    number: int
    slug: str
    title: str
    key_pattern: str  # the artifact keys this stage writes, as a glob: "scene/*/shots"
    gate: str  # what a human does to pass the stage

    def owns(self, key: str) -> bool:
        return fnmatchcase(key, self.key_pattern)


STAGES: tuple[StageInfo, ...] = (
    StageInfo(1, "input", "Input", "input", "validated on entry"),
    StageInfo(2, "treatment", "Treatment", "treatment", "select a variant"),
    StageInfo(3, "beats", "Beat sheet", "beats", "confirm (lock) the beat sheet"),
    StageInfo(4, "script", "Master script", "script", "approve (lock) the master script"),
    StageInfo(5, "assets", "Assets", "asset*", "lock the master assets"),  # the roster and asset/<slug>
    StageInfo(6, "hub", "Script hub", "hub", "review dependencies and risks"),
    StageInfo(7, "shots", "Shot list", "scene/*/shots", "lock each scene's shot list"),
    StageInfo(8, "visual_states", "Visual states", "scene/*/states", "review continuity flags"),
    StageInfo(9, "prompts", "Prompts", "shot/*/prompt", "review or edit prompts"),
    StageInfo(10, "frames", "Anchor frames", "shot/*/frames", "approve start/end frames"),
    StageInfo(11, "confirm", "Cost confirmation", "confirmation", "approve the estimate against the budget"),
    StageInfo(12, "video", "Video and review", "film", "review the cut; notes route back"),
)

BY_SLUG = {s.slug: s for s in STAGES}


def stage_for_key(key: str) -> StageInfo:
    """The stage that owns an artifact key (shot videos belong to stage 12)."""
    if key.startswith("shot/") and key.endswith("/video"):
        return BY_SLUG["video"]
    if key.startswith("style/"):  # the locked writing/visual style capsules are part of the input (config)
        return BY_SLUG["input"]
    for stage in STAGES:
        if stage.owns(key):
            return stage
    raise KeyError(f"no stage owns artifact {key!r}")


def stage(slug_or_number: str | int) -> StageInfo:
    if isinstance(slug_or_number, int) or str(slug_or_number).isdigit():
        return STAGES[int(slug_or_number) - 1]
    try:
        return BY_SLUG[str(slug_or_number)]
    except KeyError:
        raise KeyError(f"no stage {slug_or_number!r}; stages: {', '.join(BY_SLUG)}") from None
