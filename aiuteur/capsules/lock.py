"""A project's locked styles: `style/writing` and `style/visual` are locked versions (owned by
stage 1) holding the chosen capsule version, its content and its rendered prompt text.

Prompts take the lock as an input: treatment, beats and script versions list `style/writing`;
every shot prompt lists `style/visual`. So changing a lock makes exactly the work made from the
old one stale — and, as for any upstream change, when that work exists the change needs a new
branch (see `aiuteur.stages.timelines`): for the writing style when locked story work was made
from it, for the visual style as soon as any prompt was.
"""
from __future__ import annotations

from aiuteur.capsules.inject import render
from aiuteur.capsules.library import get_capsule
from aiuteur.capsules.models import CapsuleKind, StyleLock
from aiuteur.models.project import Project, ProjectConfig
from aiuteur.models.versions import Version
from aiuteur.stages.timelines import check_change, open_branch
from aiuteur.store import Store

KEYS: dict[str, str] = {"writing": "style/writing", "visual": "style/visual"}


def key(kind: CapsuleKind) -> str:
    return KEYS[kind]


def build_lock(store: Store, kind: CapsuleKind, name: str, version: int | None = None) -> StyleLock:
    cv = get_capsule(store, kind, name, version)
    return StyleLock(kind=kind, name=cv.name, capsule_id=cv.capsule_id, source=cv.source, version=cv.number,
                     content_hash=cv.content_hash, rendered=render(cv), capsule=cv.capsule.model_dump(mode="json"))


def locked_style(store: Store, project: Project, kind: CapsuleKind) -> Version | None:
    return store.head(project, KEYS[kind])


def style_text(store: Store, project: Project, kind: CapsuleKind) -> tuple[Version | None, str | None]:
    """(the lock version, its rendered text) or (None, None) when the project has no such style."""
    version = locked_style(store, project, kind)
    return (version, version.model(StyleLock).rendered) if version else (None, None)


def lock_style(store: Store, project: Project, kind: CapsuleKind, name: str, version: int | None = None, *,
               branch: str | None = None, message: str = "", author: str = "user") -> Version:
    """Lock a capsule version as the project's writing or visual style (the newest when `version` is
    None). The same capsule version again is a no-op; a different one is a new locked version, on a
    new branch when work was already made from the old one."""
    lock = build_lock(store, kind, name, version)
    head = locked_style(store, project, kind)
    if head is not None and head.model(StyleLock) == lock and branch is None:
        return head
    if head is not None:
        check_change(store, project, KEYS[kind], branch=branch, locked_only=kind == "writing")
    with store.db.transaction():
        open_branch(store, project, branch, message or f"{kind} style -> {lock.name} v{lock.version}")
        return store.commit(project, KEYS[kind], lock, status="locked", author=author,
                            message=message or f"{kind} style: {lock.name} v{lock.version} ({lock.source})")


def lock_from_config(store: Store, project: Project, config: ProjectConfig, *, author: str = "user") -> list[Version]:
    """Lock the styles a project configuration names (used by stage 1 when a project starts)."""
    out = []
    for kind, name in (("writing", config.writing_style), ("visual", config.visual_style)):
        if name:
            out.append(lock_style(store, project, kind, name, author=author))  # type: ignore[arg-type]
    return out


def check_config_styles(store: Store, config: ProjectConfig) -> dict[str, str]:
    """Per-field problems with the capsule names a config gives ({"config.writing_style": "..."})."""
    problems = {}
    for kind, field, name in (("writing", "writing_style", config.writing_style), ("visual", "visual_style", config.visual_style)):
        if name:
            try:
                get_capsule(store, kind, name)  # type: ignore[arg-type]
            except Exception as exc:  # CapsuleError: the message lists the known names
                problems[f"config.{field}"] = str(exc)
    return problems
