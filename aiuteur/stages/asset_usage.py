"""Which bought asset images no frame request carries (issue: every paid asset image is used as a
reference, or not bought). Downstream of stages 5, 7 and 10, so stage 5 itself imports none of them."""
from __future__ import annotations

from dataclasses import dataclass

from aiuteur.models.media import ShotFrames
from aiuteur.models.project import Project
from aiuteur.models.shots import ShotList
from aiuteur.models.story import MasterScript
from aiuteur.stages import frames as frames_stage
from aiuteur.stages import shots as shots_stage
from aiuteur.stages.assets import location_name, master
from aiuteur.stages.gates import require
from aiuteur.store import Store


@dataclass(frozen=True)
class UnusedImage:
    """An asset image that was bought but that no frame request carries (nor will, by the shot lists)."""

    slug: str
    name: str
    kind: str
    reason: str


def unused_images(store: Store, project: Project) -> list[UnusedImage]:
    """The master assets whose image no frame request carries: the recorded references of every
    shot's frames and, for a shot without frames yet, the assets its shot list shows (what stage 10
    will send). Empty until a scene has a shot list (before that nothing can be judged unused).
    Each one is money stage 5 should not have spent: `aiuteur assets P` lists them."""
    roster = master(store, project)
    sent: set[str] = set()  # image hashes some frame was made with
    shown: set[str] = set()  # slugs a shot without frames shows
    planned = False
    script = require(store, project, "script", locked=False).model(MasterScript)
    for info in script.scenes:
        head = store.head(project, shots_stage.key(info.number))
        if head is None:
            continue
        planned = True
        for shot in head.model(ShotList).shots:
            made = store.head(project, frames_stage.key(shot.shot_id))
            if made is not None:
                sent |= {r.sha256 for refs in made.model(ShotFrames).references.values() for r in refs}
                continue
            for name in [*shot.characters, *shot.props]:
                asset = roster.find(name)
                if asset is not None:
                    shown.add(asset.slug)
            for name in (shot.location or info.location, location_name(shot.location or info.location)):
                asset = roster.find(name) if name else None
                if asset is not None and asset.kind == "location":
                    shown.add(asset.slug)
                    break
    if not planned:
        return []
    out = []
    for asset in roster.assets:
        if asset.retired or asset.image is None or asset.slug in shown or asset.image.sha256 in sent:
            continue
        out.append(UnusedImage(slug=asset.slug, name=asset.name, kind=asset.kind,
                               reason="no shot shows it: no frame was made with its image"))
    return out
