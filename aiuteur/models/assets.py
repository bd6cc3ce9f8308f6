"""Stage 5 (assets) and stage 6 (script hub)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from aiuteur.models.media import MediaRef

AssetKind = Literal["character", "location", "prop"]


class Asset(BaseModel):
    model_config = ConfigDict(frozen=True)

    slug: str
    name: str
    kind: AssetKind
    description: str
    aliases: list[str] = []
    scenes: list[int] = []
    image: MediaRef | None = None


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


class SceneDependencies(BaseModel):
    model_config = ConfigDict(frozen=True)

    scene: int
    heading: str
    characters: list[str] = []
    location: str | None = None
    props: list[str] = []
    unmatched: list[str] = []


class ScriptHub(BaseModel):
    model_config = ConfigDict(frozen=True)

    scenes: list[SceneDependencies]
    risks: list[str] = []
