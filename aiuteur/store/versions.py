"""Immutable versions, heads per branch (every move logged), locks, and computed staleness."""
from __future__ import annotations

import json
import uuid
from typing import Iterable

from pydantic import BaseModel

from aiuteur.models.project import Project
from aiuteur.models.versions import Staleness, Version
from aiuteur.store.database import Database, utcnow
from aiuteur.store.errors import BranchError, HeadMoved, VersionNotFound, WriteConflict
from aiuteur.store.hashing import content_hash, short_id
from aiuteur.validate import BadInput, check_name, safe_text


#: "any head": `expected_head` not given (None means "no head yet")
ANY_HEAD: object = object()


def _head_id(expected: "Version | str | None") -> str | None:
    return expected.id if isinstance(expected, Version) else expected


def branch_name(name: str) -> str:
    """A branch name, stripped: one line without control characters, 1..`MAX_NAME_CHARS` long;
    a `BranchError` saying what is wrong otherwise."""
    try:
        return check_name(name, "branch name")
    except BadInput as exc:
        raise BranchError(str(exc)) from None


class VersionsMixin:
    db: Database

    # -- writing -------------------------------------------------------------------------------
    def commit(
        self,
        project: Project,
        artifact_key: str,
        payload: BaseModel,
        *,
        kind: str | None = None,
        inputs: Iterable[Version | str] = (),
        status: str = "draft",
        generation_id: str | None = None,
        author: str = "aiuteur",
        message: str = "",
        expected_head: "Version | str | None | object" = ANY_HEAD,
    ) -> Version:
        """Write a new version of `artifact_key` and move the branch head to it (one transaction).

        `expected_head`: the head this change was made from (a version, an id, or None for "none
        yet"); when the head is another by now, `HeadMoved` and nothing is written. Without it, a
        concurrent writer that moved the head first (PostgreSQL) is also `HeadMoved`: the version
        numbers and the head move are checked in the same transaction, never overwritten."""
        branch = self.current_branch(project)
        try:
            return self._commit(project, artifact_key, payload, branch, kind=kind, inputs=inputs, status=status,
                                generation_id=generation_id, author=author, message=message,
                                expected_head=expected_head)
        except HeadMoved:
            raise
        except WriteConflict as exc:
            raise HeadMoved(f"{artifact_key} of project {project.name!r} got a new version from another writer "
                            "at the same moment; nothing was written: read the new head and try again") from exc

    def _commit(self, project: Project, artifact_key: str, payload: BaseModel, branch: str, *, kind, inputs,
                status, generation_id, author, message, expected_head) -> Version:
        with self.db.transaction():
            parent = self.head(project, artifact_key, branch=branch)
            if expected_head is not ANY_HEAD:
                self._check_expected(project, artifact_key, parent, expected_head)  # type: ignore[arg-type]
            row = self.db.fetchone(
                "SELECT coalesce(max(number), 0) FROM versions WHERE project_id = ? AND artifact_key = ?",
                [project.id, artifact_key],
            )
            number = int(row[0]) + 1
            data = payload.model_dump(mode="json")
            version = Version(
                id=short_id("ver", project.id, artifact_key, number),
                project_id=project.id,
                artifact_key=artifact_key,
                number=number,
                kind=kind or artifact_key.split("/")[-1],
                parent_id=parent.id if parent else None,
                inputs=[i.id if isinstance(i, Version) else i for i in inputs],
                payload=data,
                content_hash=content_hash(data),
                status=status,  # type: ignore[arg-type]
                generation_id=generation_id,
                author=author,
                message=message,
                branch=branch,
                created_at=utcnow(),
            )
            self.db.execute(
                "INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    version.id, version.project_id, version.artifact_key, version.number, version.kind,
                    version.parent_id, json.dumps(version.inputs), json.dumps(data), version.content_hash,
                    version.status, version.generation_id, version.author, version.message, version.branch,
                    version.created_at,
                ],
            )
            self._move_head(project, branch, artifact_key, parent, version, message or f"new {status} version",
                            audit=False)
            self.audit(project.id, "version.commit", {  # type: ignore[attr-defined]
                "artifact_key": artifact_key, "version": version.id, "number": number, "status": status,
                "branch": branch, "old_head": parent.id if parent else None, "version_author": author,
                "message": message})
        return version

    @staticmethod
    def _check_expected(project: Project, artifact_key: str, current: Version | None,
                        expected: "Version | str | None") -> None:
        want = _head_id(expected)
        have = current.id if current else None
        if want != have:
            raise HeadMoved(f"{artifact_key} of project {project.name!r} moved to "
                            f"{current.label if current else 'nothing'} since you read it ({want or 'no head'}); "
                            "nothing was written: look at the new head and try again")

    def commit_if_changed(self, project: Project, artifact_key: str, payload: BaseModel, *,
                          inputs: Iterable[Version | str] = (), **kwargs) -> Version:
        """Like `commit`, but the current head is returned when it already holds this payload made from
        these inputs: re-running a stage on unchanged inputs writes nothing."""
        head = self.head(project, artifact_key)
        input_ids = [i.id if isinstance(i, Version) else i for i in inputs]
        if head is not None and head.inputs == input_ids and head.content_hash == content_hash(payload.model_dump(mode="json")):
            return head
        return self.commit(project, artifact_key, payload, inputs=input_ids, **kwargs)

    def lock(self, project: Project, artifact_key: str, *, author: str = "aiuteur", message: str = "") -> Version:
        """Lock the head: a new, locked version with the same payload (the draft stays as it was)."""
        head = self.require_head(project, artifact_key)
        if head.status == "locked":
            return head
        payload = _Payload.model_validate(head.payload)
        return self.commit(
            project, artifact_key, payload, kind=head.kind, inputs=head.inputs, status="locked",
            generation_id=head.generation_id, author=author, message=message or "locked",
        )

    def set_head(self, project: Project, artifact_key: str, version_id: str, reason: str, *,
                 expected_head: "Version | str | None | object" = ANY_HEAD) -> Version:
        """Point the head back at an existing version (rollback); logged like every move.
        `expected_head` as in `commit`: a head moved since is `HeadMoved`, nothing changed."""
        version = self.version(version_id)
        if version.artifact_key != artifact_key or version.project_id != project.id:
            raise VersionNotFound(f"{version_id} is not a version of {artifact_key}")
        branch = self.current_branch(project)
        try:
            with self.db.transaction():
                current = self.head(project, artifact_key, branch=branch)
                if expected_head is not ANY_HEAD:
                    self._check_expected(project, artifact_key, current, expected_head)  # type: ignore[arg-type]
                self._move_head(project, branch, artifact_key, current, version, reason)
        except HeadMoved:
            raise
        except WriteConflict as exc:
            raise HeadMoved(f"the head of {artifact_key} of project {project.name!r} was moved by another writer at "
                            "the same moment; nothing changed: look at the new head and try again") from exc
        return version

    def _move_head(self, project: Project, branch: str, key: str, old: Version | None, new: Version, reason: str,
                   *, audit: bool = True) -> None:
        """Compare-and-set: the head moves only from `old` (what this transaction read). Another
        writer's move in between is `HeadMoved`, so no move is ever lost; every move is logged."""
        now = utcnow()
        if old is None:
            self.db.execute("INSERT INTO heads VALUES (?, ?, ?, ?, ?)", [project.id, branch, key, new.id, now])
        else:
            moved = self.db.execute(
                "UPDATE heads SET version_id = ?, updated_at = ? "
                "WHERE project_id = ? AND branch = ? AND artifact_key = ? AND version_id = ?",
                [new.id, now, project.id, branch, key, old.id])
            if moved == 0:
                raise HeadMoved(f"the head of {key} of project {project.name!r} moved under this change "
                                f"(it was {old.label}); nothing was written: read it again and retry")
        self.db.execute(
            "INSERT INTO head_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [f"mov_{uuid.uuid4().hex[:12]}", project.id, branch, key, old.id if old else None, new.id, reason, now],
        )
        if audit:
            self.audit(project.id, "head.move", {"artifact_key": key, "branch": branch,  # type: ignore[attr-defined]
                                                 "old": old.id if old else None, "new": new.id, "reason": reason})

    # -- reading -------------------------------------------------------------------------------
    def version(self, version_id: str) -> Version:
        """A version by id; versions never change, so each is read from the file once."""
        cache: dict[str, Version] | None = self.__dict__.get("_version_cache")
        if cache is None:
            cache = self.__dict__["_version_cache"] = {}
            self.db.rollback_hooks.append(cache.clear)  # ids are reused after a rollback
        if version_id not in cache:
            rows = self.db.rows("SELECT * FROM versions WHERE id = ?", [version_id])
            if not rows:
                raise VersionNotFound(f"no version {version_id!r}")
            cache[version_id] = _version(rows[0])
        return cache[version_id]

    def remember(self, versions: Iterable[Version]) -> None:
        """Put versions already read (e.g. a `heads` listing) in `version`'s cache, so checking the
        staleness of hundreds of them does not read each again one query at a time."""
        cache: dict[str, Version] | None = self.__dict__.get("_version_cache")
        if cache is None:
            cache = self.__dict__["_version_cache"] = {}
            self.db.rollback_hooks.append(cache.clear)  # ids are reused after a rollback
        for version in versions:
            cache.setdefault(version.id, version)

    def _head_index(self, project_id: str, branch: str) -> dict[str, tuple[str, str, int]]:
        """artifact key -> (version id, content hash, number) of every head on a branch, in one query."""
        rows = self.db.fetchall(
            "SELECT h.artifact_key, v.id, v.content_hash, v.number FROM heads h JOIN versions v ON v.id = h.version_id "
            "WHERE h.project_id = ? AND h.branch = ?", [project_id, branch])
        return {key: (vid, chash, number) for key, vid, chash, number in rows}

    def head(self, project: Project, artifact_key: str, *, branch: str | None = None) -> Version | None:
        rows = self.db.rows(
            "SELECT v.* FROM heads h JOIN versions v ON v.id = h.version_id "
            "WHERE h.project_id = ? AND h.branch = ? AND h.artifact_key = ?",
            [project.id, branch or self.current_branch(project), artifact_key],
        )
        return _version(rows[0]) if rows else None

    def require_head(self, project: Project, artifact_key: str) -> Version:
        head = self.head(project, artifact_key)
        if head is None:
            raise VersionNotFound(f"project {project.name!r} has no {artifact_key!r} yet")
        return head

    def heads(self, project: Project, prefix: str = "", *, branch: str | None = None) -> dict[str, Version]:
        """Heads whose key starts with `prefix`, by key."""
        rows = self.db.rows(
            "SELECT v.* FROM heads h JOIN versions v ON v.id = h.version_id "
            "WHERE h.project_id = ? AND h.branch = ? AND h.artifact_key LIKE ? ORDER BY h.artifact_key",
            [project.id, branch or self.current_branch(project), prefix.replace("%", r"\%") + "%"],
        )
        return {row["artifact_key"]: _version(row) for row in rows}

    def version_keys(self, project: Project) -> dict[str, tuple[str, str]]:
        """version id -> (artifact key, content hash) of every version of a project, in one query."""
        return {vid: (key, chash) for vid, key, chash in self.db.fetchall(
            "SELECT id, artifact_key, content_hash FROM versions WHERE project_id = ?", [project.id])}

    def version_counts(self, project: Project) -> dict[str, int]:
        """How many versions each artifact key has (on every branch)."""
        return {key: int(n) for key, n in self.db.fetchall(
            "SELECT artifact_key, count(*) FROM versions WHERE project_id = ? GROUP BY artifact_key", [project.id])}

    def history(self, project: Project, artifact_key: str) -> list[Version]:
        rows = self.db.rows(
            "SELECT * FROM versions WHERE project_id = ? AND artifact_key = ? ORDER BY number",
            [project.id, artifact_key],
        )
        return [_version(r) for r in rows]

    def head_log(self, project: Project, artifact_key: str | None = None) -> list[dict]:
        sql = "SELECT * FROM head_log WHERE project_id = ?"
        params: list = [project.id]
        if artifact_key:
            sql += " AND artifact_key = ?"
            params.append(artifact_key)
        return self.db.rows(sql + " ORDER BY moved_at", params)

    # -- staleness -----------------------------------------------------------------------------
    def staleness(self, version: Version | None, _memo: dict[str, Staleness] | None = None, *,
                  branch: str | None = None) -> Staleness:
        """STALE when an input is no longer its artifact's head (by content), or is stale itself.

        Heads are those of `branch` (default: the project's current branch), so a version copied to a
        new branch turns stale there when its inputs change there, and stays fresh on the old one.
        Reasons say why, in the words a user would: "script changed (v7 -> v8)".
        """
        if version is None:
            return Staleness(status="missing", reasons=["not generated yet"])
        memo: dict = {} if _memo is None else _memo
        if version.id in memo:
            return memo[version.id]
        if branch is None:  # the branch being looked at, read once per question
            branch_key = f"branch:{version.project_id}"
            if branch_key not in memo:
                row = self.db.fetchone("SELECT branch FROM projects WHERE id = ?", [version.project_id])
                memo[branch_key] = row[0] if row else version.branch
            branch = memo[branch_key]
        heads_key = f"heads:{version.project_id}:{branch}"
        if heads_key not in memo:  # heads are read once per question, versions once per store
            memo[heads_key] = self._head_index(version.project_id, branch)
        heads = memo[heads_key]
        reasons: list[str] = []
        for input_id in version.inputs:
            used = self.version(input_id)
            head = heads.get(used.artifact_key)
            if head is None:
                reasons.append(f"{used.artifact_key} was removed")
            elif head[1] != used.content_hash:
                reasons.append(f"{used.artifact_key} changed (v{used.number} -> v{head[2]})")
            else:
                upstream = self.staleness(used, memo, branch=branch)
                if upstream.status == "stale":
                    reasons.append(f"{used.artifact_key} v{used.number} is stale ({upstream.reasons[0]})")
        result = Staleness(status="stale" if reasons else "fresh", reasons=reasons)
        memo[version.id] = result
        return result

    # -- branches ------------------------------------------------------------------------------
    def current_branch(self, project: Project) -> str:
        row = self.db.fetchone("SELECT branch FROM projects WHERE id = ?", [project.id])
        return row[0] if row else project.branch

    def branches(self, project: Project) -> list[dict]:
        return self.db.rows("SELECT * FROM branches WHERE project_id = ? ORDER BY created_at", [project.id])

    def create_branch(self, project: Project, name: str, *, message: str = "", switch: bool = True) -> str:
        """A new branch with the current branch's heads (cheap: heads only, no versions copied)."""
        name = branch_name(name)
        try:
            safe_text(message, "branch message")
        except BadInput as exc:
            raise BranchError(str(exc)) from None
        if any(b["name"] == name for b in self.branches(project)):
            raise BranchError(f"project {project.name!r} already has a branch {name!r}")
        source = self.current_branch(project)
        with self.db.transaction():
            self.db.execute("INSERT INTO branches VALUES (?, ?, ?, ?, ?)", [project.id, name, source, message, utcnow()])
            self.db.execute(
                "INSERT INTO heads SELECT project_id, ?, artifact_key, version_id, updated_at "
                "FROM heads WHERE project_id = ? AND branch = ?",
                [name, project.id, source],
            )
            if switch:
                self.db.execute("UPDATE projects SET branch = ? WHERE id = ?", [name, project.id])
        return name

    def switch_branch(self, project: Project, name: str) -> None:
        if not any(b["name"] == name for b in self.branches(project)):
            known = ", ".join(b["name"] for b in self.branches(project))
            raise BranchError(f"project {project.name!r} has no branch {name!r} (branches: {known})")
        self.db.execute("UPDATE projects SET branch = ? WHERE id = ?", [name, project.id])


    # -- comparing and deleting branches (story timelines) -------------------------------------
    def _require_branch(self, project: Project, name: str) -> dict:
        for row in self.branches(project):
            if row["name"] == name:
                return row
        known = ", ".join(b["name"] for b in self.branches(project))
        raise BranchError(f"project {project.name!r} has no branch {name!r} (branches: {known})")

    def compare_branches(self, project: Project, a: str, b: str) -> list[dict]:
        """Every artifact key with a head on either branch: `state` is `same`, `changed` (content or
        lock status differ), `only_a` or `only_b`, with both versions (None where absent)."""
        self._require_branch(project, a)
        self._require_branch(project, b)
        heads_a, heads_b = self.heads(project, branch=a), self.heads(project, branch=b)
        out = []
        for key in sorted(set(heads_a) | set(heads_b)):
            va, vb = heads_a.get(key), heads_b.get(key)
            if va is None or vb is None:
                state = "only_a" if vb is None else "only_b"
            elif va.content_hash == vb.content_hash and va.status == vb.status:
                state = "same"
            else:
                state = "changed"
            out.append({"artifact_key": key, "state": state, "a": va, "b": vb})
        return out

    def branch_locked_work(self, project: Project, name: str) -> list[Version]:
        """Locked heads that were made on this branch (work only this branch holds)."""
        return [v for v in self.heads(project, branch=name).values() if v.status == "locked" and v.branch == name]

    def delete_branch(self, project: Project, name: str, *, force: bool = False) -> None:
        """Remove a branch's heads (its versions stay readable). Refused for the only branch; refused
        while it holds locked work or is the current branch, unless `force` (then the project moves to
        the branch it was made from, or the oldest other one)."""
        self._require_branch(project, name)
        others = [b for b in self.branches(project) if b["name"] != name]
        if not others:
            raise BranchError(f"{name!r} is the only branch of project {project.name!r}: it cannot be deleted")
        locked = self.branch_locked_work(project, name)
        current = self.current_branch(project)
        if locked and not force:
            labels = ", ".join(v.label for v in locked[:5])
            raise BranchError(f"branch {name!r} holds locked work ({labels}): pass force=True (CLI: --force) to delete it")
        if current == name and not force:
            raise BranchError(f"branch {name!r} is the current branch: switch to another first, or pass force=True")
        with self.db.transaction():
            if current == name:
                parent = next((b["name"] for b in others if b["name"] == self._require_branch(project, name)["parent"]),
                              others[0]["name"])
                self.db.execute("UPDATE projects SET branch = ? WHERE id = ?", [parent, project.id])
            self.db.execute("DELETE FROM heads WHERE project_id = ? AND branch = ?", [project.id, name])
            self.db.execute("DELETE FROM branches WHERE project_id = ? AND name = ?", [project.id, name])
            self.audit(project.id, "branch.delete", {"branch": name, "forced": force,  # type: ignore[attr-defined]
                                                     "locked": [v.label for v in locked]})


class _Payload(BaseModel):
    """Carries an already-validated payload dict through `commit` unchanged."""

    model_config = {"extra": "allow"}


def _version(row: dict) -> Version:
    return Version(
        **{**row, "inputs": json.loads(row["inputs"]), "payload": json.loads(row["payload"])}
    )
