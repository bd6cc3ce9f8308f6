"""The twelve stages, in order: what each produces (artifact keys) and how to reach it."""
from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from aiuteur.validate import BadInput


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
#: project settings (e.g. `settings/engines`): versioned like everything else, but no stage's output
SETTINGS_PREFIX = "settings/"


def is_setting(key: str) -> bool:
    """A project setting, not an artifact of a stage: status and stage gates leave it out."""
    return key.startswith(SETTINGS_PREFIX)


def stage_for_key(key: str) -> StageInfo:
    """The stage that owns an artifact key (shot videos belong to stage 12). Settings belong to none
    (`is_setting`): asking for their stage is a `KeyError` that says so."""
    if key.startswith("shot/") and key.endswith("/video"):
        return BY_SLUG["video"]
    if key.startswith("style/"):  # the locked writing/visual style capsules are part of the input (config)
        return BY_SLUG["input"]
    if key.startswith("voices/"):  # each character's voice is chosen with the master assets
        return BY_SLUG["assets"]
    if key.startswith("sound/"):  # spoken lines, scene beds and the mix are made for the film
        return BY_SLUG["video"]
    for stage in STAGES:
        if stage.owns(key):
            return stage
    if is_setting(key):
        raise KeyError(f"{key!r} is a project setting, not a stage's artifact")
    raise KeyError(f"no stage owns artifact {key!r}")


class UnknownStage(BadInput, KeyError):
    """A stage asked for by a number outside 1..12 or a name no stage has (a `KeyError` too)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


def stage(slug_or_number: str | int) -> StageInfo:
    """A stage by its number (1..12, an int or digits) or its slug; anything else — 0, -1, 99, "",
    2.5, an unknown name — is an `UnknownStage` (never "the last stage" by negative indexing)."""
    if isinstance(slug_or_number, int) and not isinstance(slug_or_number, bool):
        number = slug_or_number
    elif isinstance(slug_or_number, str) and slug_or_number.strip().isdigit() and slug_or_number.strip().isascii():
        number = int(slug_or_number.strip())
    elif isinstance(slug_or_number, str) and slug_or_number.strip().lower() in BY_SLUG:
        return BY_SLUG[slug_or_number.strip().lower()]
    else:
        raise UnknownStage(f"no stage {slug_or_number!r}: give a stage number 1-{len(STAGES)} or a name "
                           f"({', '.join(BY_SLUG)})")
    if not 1 <= number <= len(STAGES):
        raise UnknownStage(f"no stage {slug_or_number!r}: give a stage number 1-{len(STAGES)} or a name "
                           f"({', '.join(BY_SLUG)})")
    return STAGES[number - 1]
