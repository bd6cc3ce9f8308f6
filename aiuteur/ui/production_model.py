"""The production pages' state and actions (stages 5-8 and the asset library) as a plain
`param.Parameterized`: no Panel import, tested by setting params and calling methods.

Like `StudioModel`, every action opens the workspace for the call and closes it. Actions return
normally and report in `message` (errors included, naming the shot, field or asset the library
named); `revision` increases after any change so views re-render.
"""
from __future__ import annotations

import base64
import io
from functools import lru_cache
from typing import Any

import param

from aiuteur.engines.config import engines_for
from aiuteur.errors import not_yet_errors, user_errors
from aiuteur.models.assets import AssetSet, ContinuityRisk, HubOverview, SceneDependencies
from aiuteur.models.shots import Rearview, ShotList, ShotProblem
from aiuteur.models.states import AssetTimeline
from aiuteur.stages import assets, hub, shots, visual_states
from aiuteur.store import open_store

#: the shot table's columns, in order (the library's CSV columns)
SHOT_COLUMNS = list(shots.COLUMNS)
STATUS_COLOURS = {"not started": "#9e9e9e", "shots draft": "#f9a825", "shots locked": "#0277bd",
                  "frames done": "#5e35b1", "video done": "#2e7d32", "stale": "#c62828"}


#: the largest thumbnail a page asks for: each image is decoded once, at this size, for all pages
THUMBNAIL_SOURCE_PX = 320


@lru_cache(maxsize=1024)
def _small_copy(path: str):
    """The image at `path` decoded once and shrunk to THUMBNAIL_SOURCE_PX (media files are
    content-addressed: a path's picture never changes, so the copy never goes stale)."""
    from PIL import Image

    with Image.open(path) as img:
        img.draft("RGB", (THUMBNAIL_SOURCE_PX, THUMBNAIL_SOURCE_PX))  # JPEG: decode at a smaller scale
        small = img.convert("RGB")
    small.thumbnail((THUMBNAIL_SOURCE_PX, THUMBNAIL_SOURCE_PX))
    return small


@lru_cache(maxsize=2048)
def thumbnail(path: str, width: int = 200) -> str:
    """A small JPEG of an image as a data: URI (a media file never leaves the server as a path).
    Every page's size comes from one decoded copy (`_small_copy`)."""
    img = _small_copy(path).copy()
    img.thumbnail((width, width))
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


class ProductionModel(param.Parameterized):
    workspace = param.String(default="aiuteur.duckdb")
    project = param.String(default="", doc="The project the production pages act on (name)")
    author = param.String(default="studio", doc="Who is editing: recorded on manual changes")
    studio = param.Parameter(default=None, doc="The StudioModel whose confirmation dialog asks before an edit "
                                               "makes finished work stale (None: the edit is refused instead)")
    message = param.String(default="")
    revision = param.Integer(default=0)
    # stage 5
    kind = param.Selector(default="all", objects=["all", "character", "location", "prop"])
    search = param.String(default="", doc="Part of an asset's name or alias")
    asset = param.String(default="", doc="The selected asset's slug")
    guidance = param.String(default="", doc="Guidance for the next image regeneration")
    # library
    library_text = param.String(default="")
    library_kind = param.Selector(default="all", objects=["all", "character", "location", "prop"])
    library_tag = param.String(default="")
    library_id = param.String(default="", doc="The selected library entry")
    promote_tags = param.String(default="", doc="Comma-separated tags for a promotion")
    # stage 6
    hub_scene = param.Integer(default=1, bounds=(1, None))
    # stage 7
    scene = param.Integer(default=1, bounds=(1, None), doc="The scene whose shot list is shown")
    shot = param.String(default="", doc="The shot an action applies to")
    split_seconds = param.Number(default=1.0, bounds=(0, 60))
    # stage 8
    timeline_asset = param.String(default="", doc="Name or slug of the asset whose timeline is shown")
    tag_scene = param.Integer(default=1, bounds=(1, None))
    tag = param.String(default="")
    tag_shot = param.String(default="", doc="Shot id where the change happens (empty: the scene's start)")

    # -- plumbing ---------------------------------------------------------------------------------
    def _open_store(self):
        """The workspace for one call: through the studio (as its signed-in user) when there is one."""
        return self.studio.open_store() if self.studio is not None else open_store(self.workspace)

    def _run(self, label: str, action, *, changes: bool = True) -> Any:
        try:
            with self._open_store() as store:
                result = action(store)
        except user_errors() as exc:  # the page shows the reason the library gave
            self.message = f"{label} failed: {exc}"
            return None
        if changes:
            self.revision += 1
        return True if result is None else result

    def _read(self, action, default: Any) -> Any:
        """A read for a view: nothing yet (no project, stage not run) is the default, not an error."""
        if not self.project:
            return default
        try:
            with self._open_store() as store:
                return action(store, store.get_project(self.project))
        except not_yet_errors():  # a view shows "nothing yet"; actions report their errors in `message`
            return default

    def _project(self, store):
        if not self.project:
            raise ValueError("pick a project first")
        return store.get_project(self.project)

    # -- stage 5: assets --------------------------------------------------------------------------
    def asset_cards(self) -> list[dict[str, Any]]:
        """The gallery: one card per asset matching the filters, with a thumbnail."""
        def read(store, project):
            master, versions = assets.master_versions(store, project)
            cards = []
            needle = self.search.strip().upper()
            for a in master.assets:
                if self.kind != "all" and a.kind != self.kind:
                    continue
                if needle and not any(needle in n.upper() for n in a.names):
                    continue
                path = store.media_path(a.image) if a.image and store.has_media(a.image) else None
                version = versions.get(a.slug)
                cards.append({"slug": a.slug, "name": a.name, "kind": a.kind, "aliases": a.aliases,
                              "description": a.description, "scenes": a.scenes, "guidance": a.guidance,
                              "thumbnail": thumbnail(str(path)) if path else None,
                              "version": version.number if version else None,
                              "status": version.status if version else "none",
                              "source": a.source.version_id if a.source else None})
            return cards
        return self._read(read, [])

    def image_takes(self) -> list[dict[str, Any]]:
        """The selected asset's image history, newest first."""
        def read(store, project):
            return [{"version": t.version, "guidance": t.guidance, "status": t.status, "current": t.current,
                     "thumbnail": thumbnail(str(store.media_path(t.image)), 120)}
                    for t in reversed(assets.image_history(store, project, self.asset))]
        return self._read(read, []) if self.asset else []

    def regenerate(self) -> bool:
        """Redraw the selected asset following `guidance` (unlocking it: lock again when happy)."""
        if not self.asset:
            self.message = "pick an asset first"
            return False
        def redraw(store):
            project = self._project(store)
            return assets.regenerate_image(store, project, engines_for(store, project), self.asset, self.guidance,
                                           author=self.author, unlock=True)

        done = self._run("regenerate", redraw)
        if done:
            self.message = f"{self.asset}: new image ({self.guidance or 'no guidance'}); lock it when it is right"
            self.guidance = ""
        return bool(done)

    def lock_asset(self) -> bool:
        if not self.asset:
            self.message = "pick an asset first"
            return False
        done = self._run("lock", lambda store: assets.lock_asset(store, self._project(store), self.asset,
                                                                 author=self.author))
        if done:
            self.message = f"{self.asset}: master asset locked"
        return bool(done)

    def lock_all_assets(self) -> bool:
        done = self._run("lock", lambda store: assets.lock(store, self._project(store), author=self.author))
        if done:
            self.message = "master assets locked"
        return bool(done)

    # -- library ----------------------------------------------------------------------------------
    def library_rows(self) -> list[dict[str, Any]]:
        from aiuteur import library

        def read(store):
            found = library.search(store, self.library_text or None,
                                   kind=None if self.library_kind == "all" else self.library_kind,  # type: ignore[arg-type]
                                   tag=self.library_tag or None)
            return [{"id": a.id, "version": a.number, "kind": a.kind, "name": a.name, "tags": ", ".join(a.tags),
                     "used_by": ", ".join(sorted({u.project for u in library.usage(store, a.id)})),
                     "description": a.description} for a in found]
        try:
            with self._open_store() as store:
                return read(store)
        except user_errors() as exc:
            self.message = f"library search failed: {exc}"
            return []

    def promote(self) -> bool:
        from aiuteur import library

        if not self.asset:
            self.message = "pick an asset to promote first"
            return False
        tags = [t for t in self.promote_tags.split(",") if t.strip()]
        entry = self._run("promote", lambda store: library.promote(store, self._project(store), self.asset, tags=tags,
                                                                   author=self.author))
        if entry:
            self.message = f"{self.asset} is in the library as {entry.version_id}"
            self.library_id = entry.id
        return bool(entry)

    def import_entry(self) -> bool:
        from aiuteur import library

        if not self.library_id:
            self.message = "pick a library entry first"
            return False
        version = self._run("import", lambda store: library.import_asset(store, self._project(store), self.library_id,
                                                                         author=self.author))
        if version:
            self.message = f"imported {self.library_id} as {version.label}"
        return bool(version)

    def delete_entry(self) -> bool:
        from aiuteur import library

        if not self.library_id:
            self.message = "pick a library entry first"
            return False
        done = self._run("delete", lambda store: library.delete(store, self.library_id, author=self.author))
        if done:
            self.message = f"deleted {self.library_id}"
            self.library_id = ""
        return bool(done)

    # -- stage 6: hub -----------------------------------------------------------------------------
    def overview(self) -> HubOverview | None:
        return self._read(lambda store, project: hub.overview(store, project), None)

    def dependencies(self) -> SceneDependencies | None:
        found = self.overview()
        if found is None:
            return None
        return next((s.dependencies for s in found.scenes if s.scene == self.hub_scene), None)

    def risks(self) -> list[ContinuityRisk]:
        found = self.overview()
        return found.risks if found else []

    # -- stage 7: shots ---------------------------------------------------------------------------
    def scenes(self) -> list[int]:
        return self._read(lambda store, project: shots.scenes(store, project), [])

    def shot_list(self) -> ShotList | None:
        return self._read(lambda store, project: _head_model(store, project, shots.key(self.scene), ShotList), None)

    def shot_rows(self) -> list[dict[str, Any]]:
        found = self.shot_list()
        return shots.rows(found) if found else []

    def shot_ids(self) -> list[str]:
        found = self.shot_list()
        return found.ids if found else []

    def problems(self) -> list[ShotProblem]:
        return self._read(lambda store, project: shots.check(store, project, self.scene), [])

    def cell_problems(self) -> dict[tuple[str, str], str]:
        """(shot id, column) -> the problem to show in that cell."""
        out: dict[tuple[str, str], str] = {}
        for p in self.problems():
            cell = (p.shot_id, p.field)
            out[cell] = f"{out[cell]}; {p.message}" if cell in out else p.message
        return out

    def shot_status(self) -> str:
        def read(store, project):
            head = store.head(project, shots.key(self.scene))
            if head is None:
                return "no shot list yet"
            stale = store.staleness(head).status == "stale"
            return f"v{head.number} {head.status}" + (" (stale)" if stale else "")
        return self._read(read, "no shot list yet")

    def rearview(self) -> Rearview | None:
        return self._read(lambda store, project: shots.rearview(store, project, self.scene), None)

    def rearview_thumbnail(self) -> str | None:
        def read(store, project):
            mirror = shots.rearview(store, project, self.scene)
            if mirror is None or mirror.end_frame is None or not store.has_media(mirror.end_frame):
                return None
            return thumbnail(str(store.media_path(mirror.end_frame)), 320)
        return self._read(read, None)

    def edit_cell(self, shot_id: str, column: str, value: Any) -> bool:
        """A table edit: one field of one shot, a new version; problems are shown, not refused. When frames
        or clips were made from the scene's shot list, the studio's dialog asks first (what turns stale,
        what was spent on it); without a studio the edit is refused with that preview as the message."""
        from aiuteur.stages.gate_actions import edit_shot

        def act(store, project, confirmed: bool):
            return edit_shot(store, project, self.scene, shot_id, {column: value}, author=self.author,
                             confirm_invalidation=confirmed)

        if self.studio is not None:
            done = self.studio.ask_first(f"editing {shot_id} {column}", act)
            if done is None:
                self.message = self.studio.message or f"{shot_id} {column}: waiting for your confirmation"
                return False
            self.revision += 1
        else:
            done = self._run("edit", lambda store: act(store, self._project(store), False))
            if not done:
                return False
        found = [p.message for p in self.problems() if p.shot_id == shot_id and p.field == column]
        self.message = f"{shot_id} {column} saved" + (f" — problem: {found[0]}" if found else "")
        return True

    def _shot_action(self, label: str, fn) -> bool:
        if not self.shot:
            self.message = "pick a shot first"
            return False
        done = self._run(label, lambda store: fn(store, self._project(store)))
        if done:
            self.message = f"{self.shot}: {label} done"
        return bool(done)

    def split(self) -> bool:
        return self._shot_action("split", lambda store, project: shots.split(
            store, project, self.scene, self.shot, at_seconds=self.split_seconds, author=self.author))

    def merge_next(self) -> bool:
        return self._shot_action("merge", lambda store, project: shots.merge(
            store, project, self.scene, self.shot, author=self.author))

    def move(self, offset: int) -> bool:
        return self._shot_action("move", lambda store, project: shots.move(
            store, project, self.scene, self.shot, offset, author=self.author))

    def delete_shot(self) -> bool:
        done = self._shot_action("delete", lambda store, project: shots.delete(
            store, project, self.scene, self.shot, author=self.author))
        if done:
            self.shot = ""
        return done

    def lock_shots(self) -> bool:
        done = self._run("lock", lambda store: shots.lock(store, self._project(store), self.scene, author=self.author))
        if done:
            self.message = f"scene {self.scene}: shot list locked"
        return bool(done)

    def derive_states(self) -> bool:
        """Re-derive the scene's visual states from its locked shot list (and carry them on)."""
        done = self._run("states", lambda store: visual_states.derive(store, self._project(store), self.scene))
        if done:
            self.message = f"scene {self.scene}: visual states derived"
        return bool(done)

    # -- stage 8: timeline ------------------------------------------------------------------------
    def asset_names(self) -> list[str]:
        def read(store, project):
            roster = store.head(project, assets.KEY)
            return [a.name for a in roster.model(AssetSet).assets if a.kind != "location"] if roster else []
        return self._read(read, [])

    def timeline(self) -> AssetTimeline | None:
        if not self.timeline_asset:
            return None
        return self._read(lambda store, project: visual_states.timeline(store, project, self.timeline_asset), None)

    def add_tag(self, remove: bool = False) -> bool:
        if not self.timeline_asset or not self.tag.strip():
            self.message = "pick an asset and type a tag first"
            return False
        fn = visual_states.remove_tag if remove else visual_states.add_tag
        written = self._run("tag", lambda store: fn(store, self._project(store), self.tag_scene, self.timeline_asset,
                                                    self.tag, shot_id=self.tag_shot.strip() or None, author=self.author))
        if written:
            self.message = (f"{self.timeline_asset}: {'-' if remove else '+'}{self.tag.strip().lower()} in scene "
                            f"{self.tag_scene}, carried into {len(written) - 1} later scene(s)")
        return bool(written)


def _head_model(store, project, key: str, cls):
    head = store.head(project, key)
    return head.model(cls) if head else None


