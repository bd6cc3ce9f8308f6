"""Capsule libraries shared by every project in a workspace, plus the read-only presets in `data/capsules/`.

A capsule is found by (kind, name): the workspace library first (its newest version, or the one
asked for), then the presets. Every create or edit writes a new immutable version; delete marks
the capsule deleted (its versions stay readable, so logged applications can still be explained).
Editing a preset copies it into the library as version 1 and writes the edit as version 2.
"""
from __future__ import annotations

import json
import uuid
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from aiuteur.capsules.models import Capsule, CapsuleKind, CapsuleVersion, ReferenceImage, check_name
from aiuteur.store import Store, StoreError
from aiuteur.store.database import utcnow
from aiuteur.store.hashing import content_hash

DEFAULT_LIBRARY = "studio"
_CAPSULE = TypeAdapter(Capsule)


class CapsuleError(StoreError):
    """A capsule is missing, exists already, or cannot be changed this way."""


# -- presets ---------------------------------------------------------------------------------------
def preset_dir() -> Path:
    """`data/capsules` in the repository, or its copy packed into an installed wheel."""
    here = Path(__file__).resolve().parents[2] / "data" / "capsules"
    return here if here.exists() else Path(str(resources.files("aiuteur") / "_data" / "capsules"))


@cache
def _presets() -> dict[tuple[str, str], CapsuleVersion]:
    found = {}
    for kind in ("writing", "visual"):
        for path in sorted((preset_dir() / kind).glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            capsule = _CAPSULE.validate_python(data["capsule"])
            found[(kind, capsule.name)] = CapsuleVersion(
                capsule_id=f"preset:{kind}/{capsule.name}", library="presets", source="preset",
                number=int(data.get("version", 1)), capsule=capsule,
                content_hash=content_hash(capsule.model_dump(mode="json")), author="aiuteur", message="preset",
            )
    return found


def presets(kind: CapsuleKind | None = None) -> list[CapsuleVersion]:
    return [v for (k, _), v in sorted(_presets().items()) if kind in (None, k)]


def preset_image_path(image: ReferenceImage) -> Path:
    return preset_dir() / image.path


# -- reading ---------------------------------------------------------------------------------------
def _row(store: Store, kind: str, name: str, library: str) -> dict | None:
    return store.capsule_row(library, kind, name)


def _version(store: Store, row: dict, number: int | None = None) -> CapsuleVersion:
    v = store.capsule_version_row(row["id"], number)
    if v is None:
        raise CapsuleError(f"{row['kind']} capsule {row['name']!r} has no version {number}")
    return CapsuleVersion(
        capsule_id=row["id"], library=row["library"], source="library", number=v["number"],
        capsule=_CAPSULE.validate_json(v["payload"]), content_hash=v["content_hash"], author=v["author"],
        message=v["message"], created_at=v["created_at"],
    )


def get_capsule(store: Store, kind: CapsuleKind, name: str, version: int | None = None, *,
                library: str = DEFAULT_LIBRARY) -> CapsuleVersion:
    """A capsule version: the library's (newest, or `version`), else the preset; the error lists
    the known names."""
    name = name.strip().lower()
    row = _row(store, kind, name, library)
    if row is not None:
        return _version(store, row, version)
    preset = _presets().get((kind, name))
    if preset is not None and version in (None, preset.number):
        return preset
    known = ", ".join(sorted({c.name for c in list_capsules(store, kind, library=library)})) or "none"
    wanted = f" v{version}" if version is not None else ""
    raise CapsuleError(f"no {kind} capsule {name!r}{wanted} (known {kind} capsules: {known})")


def list_capsules(store: Store, kind: CapsuleKind | None = None, *, library: str = DEFAULT_LIBRARY) -> list[CapsuleVersion]:
    """The newest version of every capsule: library ones first, then presets not overridden."""
    rows = store.capsule_rows(library)
    out = [_version(store, r) for r in rows if kind in (None, r["kind"])]
    taken = {(c.kind, c.name) for c in out}
    return out + [p for p in presets(kind) if (p.kind, p.name) not in taken]


def capsule_history(store: Store, kind: CapsuleKind, name: str, *, library: str = DEFAULT_LIBRARY) -> list[CapsuleVersion]:
    """Every version, oldest first (a preset not yet edited has one)."""
    row = _row(store, kind, name.strip().lower(), library)
    if row is None:
        return [get_capsule(store, kind, name, library=library)]
    numbers = store.capsule_version_numbers(row["id"])
    return [_version(store, row, n) for n in numbers]


# -- writing ---------------------------------------------------------------------------------------
def create_capsule(store: Store, capsule: Capsule | dict, *, library: str = DEFAULT_LIBRARY, author: str = "user",
                   message: str = "created") -> CapsuleVersion:
    """A new capsule at version 1; refused when the library already has one of that kind and name."""
    capsule = _CAPSULE.validate_python(capsule) if isinstance(capsule, dict) else capsule
    if _row(store, capsule.kind, capsule.name, library) is not None:
        raise CapsuleError(f"the {library!r} library already has a {capsule.kind} capsule {capsule.name!r}: edit it instead")
    with store.db.transaction():
        capsule_id = f"cap_{uuid.uuid4().hex[:12]}"
        store.insert_capsule(capsule_id, library, capsule.kind, capsule.name, utcnow())
        _write_version(store, capsule_id, 1, capsule, author, message)
    return get_capsule(store, capsule.kind, capsule.name, library=library)


def edit_capsule(store: Store, kind: CapsuleKind, name: str, changes: dict[str, Any], *, library: str = DEFAULT_LIBRARY,
                 author: str = "user", message: str = "edited") -> CapsuleVersion:
    """A new version with `changes` applied (validated as a whole; nothing is written when invalid).
    A preset is first copied into the library as version 1."""
    current = get_capsule(store, kind, name, library=library)
    if "name" in changes and check_name(changes["name"]) != current.name:
        raise CapsuleError("a capsule cannot be renamed: create a new one from it instead")
    if "kind" in changes and changes["kind"] != kind:
        raise CapsuleError("a capsule's kind cannot change")
    try:
        changed = _CAPSULE.validate_python({**current.capsule.model_dump(mode="json"), **changes})
    except ValidationError as exc:
        raise CapsuleError(f"{kind} capsule {name!r} not changed: " + "; ".join(
            f"{'.'.join(map(str, e['loc'][1:])) or 'capsule'}: {e['msg']}" for e in exc.errors())) from exc
    if content_hash(changed.model_dump(mode="json")) == current.content_hash:
        return current
    with store.db.transaction():
        if current.source == "preset":
            capsule_id = f"cap_{uuid.uuid4().hex[:12]}"
            store.insert_capsule(capsule_id, library, kind, current.name, utcnow())
            _write_version(store, capsule_id, 1, current.capsule, "aiuteur", f"copied from preset v{current.number}")
            number = 2
        else:
            capsule_id, number = current.capsule_id, current.number + 1
            latest = store.capsule_version_numbers(capsule_id)
            number = latest[-1] + 1 if latest else number
        _write_version(store, capsule_id, number, changed, author, message)
    return get_capsule(store, kind, name, library=library)


def delete_capsule(store: Store, kind: CapsuleKind, name: str, *, library: str = DEFAULT_LIBRARY) -> None:
    """Mark the library's capsule deleted; its versions stay readable for the application log."""
    row = _row(store, kind, name.strip().lower(), library)
    if row is None:
        if (kind, name.strip().lower()) in _presets():
            raise CapsuleError(f"{kind} capsule {name!r} is a preset shipped with aiuteur: presets cannot be deleted")
        raise CapsuleError(f"no {kind} capsule {name!r} in the {library!r} library")
    store.mark_capsule_deleted(row["id"], utcnow())


def add_reference_image(store: Store, path: str | Path, caption: str = "") -> ReferenceImage:
    """Store an image file in the workspace media (content-addressed) for a visual capsule."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with Image.open(path) as image:
            mime = Image.MIME.get(image.format or "", "")
            width, height = image.size
    except (OSError, UnidentifiedImageError) as exc:
        raise CapsuleError(f"{path}: not an image that can be read ({exc})") from exc
    if not mime.startswith("image/"):
        raise CapsuleError(f"{path}: unsupported image type")
    ref = store.put_media(path.read_bytes(), mime, width=width, height=height)
    return ReferenceImage(sha256=ref.sha256, path=ref.path, mime=mime, caption=caption, source="media")


def _write_version(store: Store, capsule_id: str, number: int, capsule: Capsule, author: str, message: str) -> None:
    data = capsule.model_dump(mode="json")
    store.insert_capsule_version(capsule_id, number, json.dumps(data), content_hash(data), author, message, utcnow())
