"""Story timelines: branches as the way to change your mind without losing completed work.

Rule (enforced by the story stages and the style lock): writing new content for an artifact whose
current head has *locked, fresh work made from it downstream* (a confirmed beat sheet under a
treatment, an approved script under the beats...) would leave that work stale on this branch, so it
needs a new branch: `branch="name"` (with a `message`; a regeneration's guidance is the message).
The new branch starts with the current heads and takes the change; the old branch keeps its heads,
so the locked work there is untouched. Changing the locked visual style needs a branch as soon as
anything was made from it (its dependants are prompts and frames, which are never locked).
Selecting a treatment variant and locking are gate actions, not new content: they need no branch.
"""
from __future__ import annotations

import difflib
from typing import Literal

from pydantic import BaseModel

from aiuteur.models.project import Project
from aiuteur.models.story import BeatSheet, MasterScript, StoryInput, TreatmentSet
from aiuteur.models.versions import Staleness, Version
from aiuteur.stages.gates import StageError
from aiuteur.store import Store
from aiuteur.store.errors import BranchError
from aiuteur.store.versions import branch_name

#: artifacts compared as text in a branch diff
TEXT_ARTIFACTS = ("input", "treatment", "beats", "script")


class BranchRequired(StageError):
    """The change would make locked work stale on this branch: make it on a new branch."""


def dependants(store: Store, project: Project, key: str, *, locked_only: bool = True) -> list[Version]:
    """Fresh heads on the current branch made (directly or through other versions) from the current
    head of `key`; with `locked_only`, only locked ones."""
    head = store.head(project, key)
    if head is None:
        return []
    memo: dict[str, bool] = {}
    stale: dict[str, Staleness] = {}

    def uses(version: Version) -> bool:
        if version.id not in memo:
            memo[version.id] = False  # cycles cannot happen, but be safe
            memo[version.id] = any(i == head.id or uses(store.version(i)) for i in version.inputs)
        return memo[version.id]

    found = []
    for other_key, version in store.heads(project).items():
        if other_key == key or locked_only and version.status != "locked":
            continue
        if uses(version) and store.staleness(version, stale).status == "fresh":
            found.append(version)
    return found


def check_change(store: Store, project: Project, key: str, *, branch: str | None, locked_only: bool = True) -> None:
    """Refuse early (before any engine call) when the change needs a branch and none was named, or
    when the named branch exists already."""
    if branch is not None:
        branch = branch_name(branch)  # a bad name fails here, before any engine is paid
        if any(b["name"] == branch for b in store.branches(project)):
            raise BranchError(f"project {project.name!r} already has a branch {branch!r}: pick a new name")
        return
    blockers = dependants(store, project, key, locked_only=locked_only)
    if blockers:
        labels = ", ".join(v.label for v in blockers[:4]) + (" ..." if len(blockers) > 4 else "")
        raise BranchRequired(
            f"{key} has {'locked ' if locked_only else ''}work made from it on branch "
            f"{store.current_branch(project)!r} ({labels}); changing it would leave that work stale, so "
            f"make the change on a new branch: pass branch='NAME' and a message (CLI: aiuteur branch "
            f"{project.name} new NAME -m MSG, then run again)"
        )


def open_branch(store: Store, project: Project, branch: str | None, message: str) -> None:
    """Create and switch to `branch` (inside the caller's transaction) when one was named."""
    if branch is not None:
        store.create_branch(project, branch.strip(), message=message or "new timeline", switch=True)


def commit_on_branch(store: Store, project: Project, key: str, payload: BaseModel, *, branch: str | None,
                     message: str, inputs: list, author: str = "aiuteur", generation_id: str | None = None,
                     style: Version | None = None, stage: str | None = None,
                     branch_message: str | None = None) -> Version:
    """One transaction for every story edit and regeneration: open the named branch (if any), commit the
    new version there, and log the style capsule it was made with (if any)."""
    from aiuteur.capsules.log import log_application

    with store.db.transaction():
        open_branch(store, project, branch, branch_message or message)
        version = store.commit(project, key, payload, inputs=inputs, author=author, generation_id=generation_id,
                               message=message)
        if style is not None:
            log_application(store, project, style, stage=stage or key, generation_id=generation_id)
    return version


# -- comparing -------------------------------------------------------------------------------------
class ArtifactDiff(BaseModel):
    artifact_key: str
    state: Literal["same", "changed", "only_a", "only_b"]
    a: str | None = None  # version label on branch a
    b: str | None = None
    diff: str | None = None  # unified text diff for treatment, beats, script and input


class BranchComparison(BaseModel):
    project: str
    a: str
    b: str
    artifacts: list[ArtifactDiff]

    @property
    def differing(self) -> list[ArtifactDiff]:
        return [d for d in self.artifacts if d.state != "same"]


def artifact_text(version: Version) -> str | None:
    """A readable text form of a story artifact, for diffs; None for other artifacts."""
    key = version.artifact_key
    if key == "input":
        story = version.model(StoryInput)
        return "\n".join([f"mode: {story.mode}", story.idea] + [f"[{s.label}] {s.name} ({s.kind})" for s in story.sources]) + "\n"
    if key == "treatment":
        ts = version.model(TreatmentSet)
        parts = []
        for i, t in enumerate(ts.variants):
            mark = " (selected)" if ts.selected == i else ""
            parts.append(f"## Variant {t.variant}{mark}: {t.angle}\n{t.title} — {t.logline}\n\n{t.text}\n")
        return "\n".join(parts)
    if key == "beats":
        sheet = version.model(BeatSheet)
        return "".join(f"{i}. {b.title} ({b.est_seconds:g}s) [{', '.join(b.characters)}]\n   {b.summary}\n   purpose: {b.purpose}\n"
                       for i, b in enumerate(sheet.beats, 1))
    if key == "script":
        return version.model(MasterScript).fountain
    return None


def compare(store: Store, project: Project, a: str, b: str) -> BranchComparison:
    """Which artifacts differ between branches `a` and `b`, with text diffs for the story ones."""
    out = []
    for row in store.compare_branches(project, a, b):
        va, vb = row["a"], row["b"]
        diff = None
        if row["state"] != "same" and row["artifact_key"] in TEXT_ARTIFACTS:
            ta = artifact_text(va) if va else ""
            tb = artifact_text(vb) if vb else ""
            diff = "".join(difflib.unified_diff(
                (ta or "").splitlines(keepends=True), (tb or "").splitlines(keepends=True),
                fromfile=f"{a}:{va.label if va else row['artifact_key'] + ' (none)'}",
                tofile=f"{b}:{vb.label if vb else row['artifact_key'] + ' (none)'}"))
        out.append(ArtifactDiff(artifact_key=row["artifact_key"], state=row["state"],
                                a=va.label + f" ({va.status})" if va else None,
                                b=vb.label + f" ({vb.status})" if vb else None, diff=diff))
    return BranchComparison(project=project.name, a=a, b=b, artifacts=out)


def list_branches(store: Store, project: Project) -> list[dict]:
    """Branches with their parent, message, head count, locked work and which one is current."""
    current = store.current_branch(project)
    out = []
    for row in store.branches(project):
        heads = store.heads(project, branch=row["name"])
        out.append({
            "name": row["name"], "parent": row["parent"], "message": row["message"],
            "created_at": row["created_at"].isoformat() if row["created_at"] else None,
            "current": row["name"] == current, "heads": len(heads),
            "locked": sorted(v.artifact_key for v in heads.values() if v.status == "locked"),
        })
    return out


def new_branch(store: Store, project: Project, name: str, message: str, *, switch: bool = True) -> str:
    if not message.strip():
        raise BranchError("a new branch needs a message saying why it exists (-m MSG)")
    return store.create_branch(project, name, message=message, switch=switch)


def switch(store: Store, project: Project, name: str) -> None:
    store.switch_branch(project, name)


def delete(store: Store, project: Project, name: str, *, force: bool = False) -> None:
    store.delete_branch(project, name, force=force)
