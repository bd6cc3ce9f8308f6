"""Library operations over the workspace store (tables from migration 0005).

Every promote writes a new immutable library version; delete only marks an entry deleted (its
versions stay readable, so a project copy can always say where it came from). Which projects use
an entry is read from their master assets' `source`, on every branch.
"""
from __future__ import annotations

import json
import uuid

from aiuteur.continuity.matching import similarity
from aiuteur.library.models import LibraryAsset, LibraryPayload, LibraryUsage
from aiuteur.models.assets import Asset, AssetKind, AssetSet, LibrarySource
from aiuteur.models.project import Project
from aiuteur.models.story import MasterScript
from aiuteur.models.versions import Version
from aiuteur.store import Store, StoreError
from aiuteur.store.database import utcnow
from aiuteur.store.hashing import content_hash

KINDS = ("character", "location", "prop")


class LibraryError(StoreError):
    """A library entry is missing, or cannot be changed this way; the message says what to do."""


class LibraryInUse(LibraryError):
    """Delete refused: projects still use the entry (`users` lists them)."""

    def __init__(self, message: str, users: list[LibraryUsage]) -> None:
        super().__init__(message)
        self.users = users


# -- reading ------------------------------------------------------------------------------------
def _entry(store: Store, library_id: str) -> dict:
    row = store.library_entry_row(library_id)
    if row is None:
        raise LibraryError(f"the asset library has no entry {library_id!r} (search it: aiuteur library list)")
    return row


def _asset(row: dict, version: dict) -> LibraryAsset:
    payload = LibraryPayload.model_validate_json(version["payload"])
    return LibraryAsset(**payload.model_dump(), id=row["id"], number=version["number"],
                        version_id=f"{row['id']}@v{version['number']}", author=version["author"],
                        message=version["message"], created_at=version["created_at"],
                        source_project=version["source_project"], deleted=row["deleted_at"] is not None)


def get(store: Store, library_id: str, version: int | None = None) -> LibraryAsset:
    """An entry's newest version, or the one asked for."""
    row = _entry(store, library_id)
    rows = store.library_version_rows(library_id, version, newest=True)
    if not rows:
        raise LibraryError(f"library entry {library_id!r} ({row['name']}) has no version {version}")
    return _asset(row, rows[0])


def history(store: Store, library_id: str) -> list[LibraryAsset]:
    """Every version of an entry, oldest first."""
    row = _entry(store, library_id)
    rows = store.library_version_rows(library_id)
    return [_asset(row, v) for v in rows]


def search(store: Store, text: str | None = None, *, kind: AssetKind | None = None, tag: str | None = None,
           include_deleted: bool = False) -> list[LibraryAsset]:
    """Entries (newest versions) whose name or alias contains `text` or is close to it (normalised
    Levenshtein >= 0.85), of `kind`, carrying `tag`; by name."""
    if kind is not None and kind not in KINDS:
        raise LibraryError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    rows = store.library_entry_rows(kind=kind, include_deleted=include_deleted)
    heads = store.library_newest_versions()
    wanted_tag = tag.strip().lower() if tag else None
    out = []
    for row in rows:
        if wanted_tag and wanted_tag not in json.loads(row["tags"]):
            continue
        asset = _asset(row, heads[row["id"]])
        if text and not _matches(text, asset):
            continue
        out.append(asset)
    return out


def _matches(text: str, asset: LibraryAsset) -> bool:
    needle = " ".join(text.split()).upper()
    names = [asset.name, *asset.aliases]
    return any(needle in n.upper() or similarity(needle, n) >= 0.85 for n in names)


def usage(store: Store, library_id: str) -> list[LibraryUsage]:
    """Every project master asset (on any branch) whose current version was copied from this entry."""
    rows = store.asset_head_rows()
    out = []
    for row in rows:
        source = json.loads(row["payload"]).get("source") or {}
        if source.get("library_id") == library_id:
            out.append(LibraryUsage(project_id=row["project_id"], project=row["project"], branch=row["branch"],
                                    artifact_key=row["artifact_key"], version=row["number"],
                                    library_version=source.get("version", 0)))
    return out


# -- writing ------------------------------------------------------------------------------------
def _write_version(store: Store, library_id: str, payload: LibraryPayload, *, author: str, message: str,
                   source_project: str | None, source_version: str | None) -> int:
    data = payload.model_dump(mode="json")
    return store.insert_library_version(library_id, json.dumps(data), content_hash(data), source_project=source_project,
                                        source_version=source_version, author=author, message=message,
                                        name=payload.name, tags_json=json.dumps(payload.tags), now=utcnow())


def add(store: Store, payload: LibraryPayload, *, author: str = "user", message: str = "added",
        source_project: str | None = None, source_version: str | None = None) -> LibraryAsset:
    """A new library entry (version 1) from a look (what `promote` uses for a first promotion)."""
    library_id = f"lib_{uuid.uuid4().hex[:12]}"
    now = utcnow()
    with store.db.transaction():
        store.insert_library_entry(library_id, payload.name, payload.kind, json.dumps(payload.tags), now)
        _write_version(store, library_id, payload, author=author, message=message, source_project=source_project,
                       source_version=source_version)
    return get(store, library_id)


def promote(store: Store, project: Project, asset_slug: str, *, tags: list[str] | None = None,
            into: str | None = None, author: str = "user", message: str = "") -> LibraryAsset:
    """Copy a project's master asset into the library.

    An asset imported from the library (or `into` an entry) becomes a new version of that entry
    (nothing is written when the look is unchanged); any other asset becomes a new entry.
    """
    from aiuteur.stages import assets as assets_stage

    head = store.head(project, assets_stage.asset_key(asset_slug))
    if head is None:
        raise LibraryError(f"project {project.name!r} has no asset {asset_slug!r} to promote")
    asset = head.model(Asset)
    target = into or (asset.source.library_id if asset.source else None)
    clean_tags = sorted({t.strip().lower() for t in [*(asset.tags or []), *(tags or [])] if t.strip()})
    payload = LibraryPayload(name=asset.name, kind=asset.kind, description=asset.description, aliases=asset.aliases,
                             tags=clean_tags, image=asset.image, style=asset.style, guidance=asset.guidance)
    text = message or f"promoted from {project.name}/{asset_slug} v{head.number}"
    if target is None:
        return add(store, payload, author=author, message=text, source_project=project.id, source_version=head.id)
    row = _entry(store, target)
    if row["deleted_at"] is not None:
        raise LibraryError(f"library entry {target!r} ({row['name']}) was deleted: promote without `into`")
    if row["kind"] != asset.kind:
        raise LibraryError(f"library entry {target!r} is a {row['kind']}, {asset_slug!r} is a {asset.kind}")
    current = get(store, target)
    if LibraryPayload.model_validate(current.model_dump(include=set(LibraryPayload.model_fields))) == payload:
        return current
    with store.db.transaction():
        _write_version(store, target, payload, author=author, message=text, source_project=project.id,
                       source_version=head.id)
    return get(store, target)


def import_asset(store: Store, project: Project, library_id: str, *, version: int | None = None,
                 author: str = "user") -> Version:
    """Copy a library entry into a project as a master asset that remembers its source version.

    When the project already has an asset of that kind and name (or alias), its look is replaced
    and its place in the script (slug, scenes) kept; otherwise a new asset is added to the roster,
    appearing in the scenes whose text names it.
    """
    from aiuteur.continuity import extraction
    from aiuteur.stages import assets as assets_stage

    entry = get(store, library_id, version)
    if entry.deleted:
        raise LibraryError(f"library entry {library_id!r} ({entry.name}) was deleted")
    source = LibrarySource(library_id=entry.id, version=entry.number, version_id=entry.version_id)
    roster_head = store.head(project, assets_stage.KEY)
    roster = roster_head.model(AssetSet) if roster_head else AssetSet(assets=[])
    existing = next((a for a in roster.assets if a.kind == entry.kind and
                     {n.upper() for n in a.names} & {n.upper() for n in [entry.name, *entry.aliases]}), None)
    look = {"description": entry.description, "image": entry.image, "style": entry.style,
            "guidance": list(entry.guidance), "tags": list(entry.tags), "source": source}
    if existing is not None:
        head = store.head(project, assets_stage.asset_key(existing.slug))
        base = head.model(Asset) if head else existing
        aliases = list(dict.fromkeys([*base.aliases, *[n for n in [entry.name, *entry.aliases] if n != base.name]]))
        asset = base.model_copy(update={**look, "aliases": aliases})
        inputs = head.inputs if head else (roster_head.inputs if roster_head else [])
    else:
        script_head = store.head(project, "script")
        asset = Asset(slug=assets_stage.slug(entry.kind, entry.name), name=entry.name, kind=entry.kind,
                      aliases=list(entry.aliases), found_in=["library"], **look)
        if script_head is not None:
            texts = extraction.scene_texts(script_head.model(MasterScript))
            scenes = extraction.scenes_naming([asset], texts)[asset.slug] or \
                extraction.scenes_naming([asset], texts, dialogue=True)[asset.slug]
            asset = asset.model_copy(update={"scenes": scenes})
        inputs = [script_head] if script_head else []
    return assets_stage.save(store, project, asset, inputs=inputs, author=author,
                             message=f"imported from library {entry.version_id} ({entry.name})")


def delete(store: Store, library_id: str, *, author: str = "user") -> None:
    """Mark an entry deleted; refused (LibraryInUse, listing them) while any project uses it."""
    row = _entry(store, library_id)
    users = usage(store, library_id)
    if users:
        listed = "; ".join(f"{u.project} ({u.branch}): {u.artifact_key} from v{u.library_version}" for u in users)
        raise LibraryInUse(f"library entry {library_id!r} ({row['name']}) is used by {len(users)} project "
                           f"asset(s): {listed}", users)
    if row["deleted_at"] is not None:
        return
    with store.db.transaction():
        store.mark_library_entry_deleted(library_id, utcnow())
        store.audit(None, "library.delete", {"id": library_id, "name": row["name"], "author": author})
