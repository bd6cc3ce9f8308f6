"""Stage 5 (assets) and stage 6 (script hub).

An asset's *identity* (slug, name, aliases, kind, scenes) lives in the project's roster (artifact
`assets`); its *appearance* (description, reference image, guidance, library source) lives in its
own master version (artifact `asset/<slug>`). Shot lists and states depend on identities only, so
regenerating one character's image makes only the prompts and frames that show it stale.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aiuteur.models.answers import AnswerFlag, answer_flags_field
from aiuteur.models.media import MediaRef

AssetKind = Literal["character", "location", "prop"]
#: where the parser (or a person) found an asset: a dialogue cue, a caps introduction in action,
#: a scene heading, the text engine, the prop lexicon, the global library, or a human
Evidence = Literal["cue", "action", "heading", "engine", "lexicon", "library", "manual"]


class LibrarySource(BaseModel):
    """Which library asset (and which of its versions) a project copy was imported from."""

    model_config = ConfigDict(frozen=True)

    library_id: str
    version: int
    version_id: str


class Asset(BaseModel):
    model_config = ConfigDict(frozen=True)

    slug: str
    name: str
    kind: AssetKind
    description: str
    aliases: list[str] = []
    scenes: list[int] = []
    image: MediaRef | None = None
    found_in: list[Evidence] = []
    parent: str | None = None  # a sub-location's location slug: "HALVORSEN RADIO - BACK ROOM" -> HALVORSEN RADIO
    introduction: str = ""  # the action sentence that introduces it in the script
    guidance: list[str] = []  # the notes each image regeneration was asked to follow, oldest first
    style: str | None = None  # the visual style text the image was made in
    tags: list[str] = []  # free labels (library search, e.g. "hero", "period costume")
    source: LibrarySource | None = None
    retired: bool = False  # no longer in the script: kept so the work is not lost if it returns
    answer_flags: list[AnswerFlag] = answer_flags_field()  # what the text engine's description lacked

    @property
    def names(self) -> list[str]:
        """The name and every alias: what a scene may call this asset."""
        return [self.name, *self.aliases]

    def identity(self) -> "Asset":
        """The roster entry: who/what it is and where it appears, without its look."""
        return self.model_copy(update={"description": "", "image": None, "guidance": [], "tags": [], "source": None,
                                       "introduction": "", "style": None, "answer_flags": []})


class AssetDescriptions(BaseModel):
    """What a text engine returns for stage 5: a description per asset name, and props."""

    descriptions: dict[str, str]
    props: dict[str, str] = {}


class AssetSet(BaseModel):
    model_config = ConfigDict(frozen=True)

    assets: list[Asset]

    def by_kind(self, kind: AssetKind) -> list[Asset]:
        return [a for a in self.assets if a.kind == kind]

    def get(self, slug: str) -> Asset:
        for asset in self.assets:
            if asset.slug == slug:
                return asset
        raise KeyError(slug)

    def find(self, name_or_slug: str) -> Asset | None:
        """The asset called `name_or_slug` (slug, name or alias; case-insensitive), if any."""
        wanted = name_or_slug.strip().upper()
        for asset in self.assets:
            if asset.slug.upper() == wanted or wanted in (n.upper() for n in asset.names):
                return asset
        return None

    def in_scene(self, scene: int, kind: AssetKind | None = None) -> list[Asset]:
        return [a for a in self.assets if scene in a.scenes and (kind is None or a.kind == kind)]


class ImageTake(BaseModel):
    """One reference image an asset has had: which version made it and with what guidance."""

    model_config = ConfigDict(frozen=True)

    version: int
    image: MediaRef
    guidance: str = ""
    status: Literal["draft", "locked"] = "draft"
    current: bool = False


# -- stage 6 -----------------------------------------------------------------------------------
class DependencyMatch(BaseModel):
    """A name a scene uses, and the asset it was matched to (None below the threshold)."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: AssetKind
    slug: str | None = None
    matched_name: str | None = None
    score: float = 0.0


class SceneDependencies(BaseModel):
    model_config = ConfigDict(frozen=True)

    scene: int
    heading: str
    characters: list[str] = []  # asset slugs
    location: str | None = None
    props: list[str] = []
    unmatched: list[str] = []
    matches: list[DependencyMatch] = []


RiskKind = Literal["offscreen_state_change", "prop_before_introduction", "time_jump_in_continuous_action"]


class ContinuityRisk(BaseModel):
    """An advisory warning for a human: nothing is blocked by it."""

    model_config = ConfigDict(frozen=True)

    kind: RiskKind
    scene: int
    subject: str  # the character, prop or scene heading concerned
    message: str


class ScriptHub(BaseModel):
    model_config = ConfigDict(frozen=True)

    scenes: list[SceneDependencies]
    risks: list[ContinuityRisk] = []

    @property
    def unmatched(self) -> list[str]:
        """Every name no asset matched, once, in order of first use."""
        seen: list[str] = []
        for scene in self.scenes:
            seen += [n for n in scene.unmatched if n not in seen]
        return seen


SceneState = Literal["not started", "shots draft", "shots locked", "frames done", "video done", "stale"]


class HubScene(BaseModel):
    """One row of the script hub: a scene, where its production stands, what it needs."""

    scene: int
    heading: str
    status: SceneState
    reasons: list[str] = []
    shots: int = 0
    seconds: float = 0.0
    dependencies: SceneDependencies


class HubOverview(BaseModel):
    """What `aiuteur hub --json` prints: scenes with status, dependencies, unmatched names, risks."""

    project: str
    scenes: list[HubScene]
    unmatched: list[str] = []
    risks: list[ContinuityRisk] = []
    threshold: float = Field(default=0.85)
