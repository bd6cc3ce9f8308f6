"""Stage 8 — visual states: each asset's state at the start of a scene, inherited from the scene before.

Status tags (muddy, wet, bloody, torn, injured...) are read from shot actions by a small lexicon
(`aiuteur.continuity.lexicon`), put on the asset the sentence names (else on the shot's people),
recorded at the shot where they happen, and carried forward — through scenes the asset is not in —
until a later change removes them. People add or remove tags by hand (a manual change, recorded
with who made it); every such edit, override or rollback is a new version and is carried into the
following scenes at once.

Continuity flags mark a state the film contradicts: a tag carried in but denied by the action
("spotless coat" while muddy), or a scene starting without a tag the previous one ended with and
no change event in between. A person may accept a flag (override), which records who and why.

A scene's states are made from its shot list and the roster (their inputs) and read the previous
scene's end states; a change that alters what a scene hands on is carried into the following
scenes at once (`propagate`), and `check` flags any scene it has not reached.
"""
from __future__ import annotations

import hashlib
from typing import Iterable

from aiuteur.continuity import lexicon
from aiuteur.continuity.matching import best_match
from aiuteur.continuity.mentions import Mentions
from aiuteur.models.assets import Asset, AssetSet
from aiuteur.models.project import Project
from aiuteur.models.shots import ShotList
from aiuteur.models.states import (
    AssetState, AssetTimeline, ContinuityFlag, FlagOverride, SceneStates, StateChange, TimelineEntry,
)
from aiuteur.models.story import MasterScript
from aiuteur.models.versions import Version
from aiuteur.stages import assets as assets_stage
from aiuteur.stages import shots as shots_stage
from aiuteur.stages.gates import StageError, require
from aiuteur.store import Store
from aiuteur.store.database import utcnow

#: kept for callers of the first version of this module
TAG_WORDS = lexicon.TAG_WORDS
CLEAN_WORDS = lexicon.CLEAR_WORDS


def key(scene: int) -> str:
    return f"scene/{scene}/states"


# -- deriving -----------------------------------------------------------------------------------
def derive(store: Store, project: Project, scene: int, *, auto_lock: bool = False) -> Version:
    """The scene's states from its locked shots and the previous scene's end states.

    Manual changes and flag overrides of the current version are kept (when their shot still exists).
    """
    shots_version = require(store, project, shots_stage.key(scene), auto_lock=auto_lock)
    roster_version = assets_stage.require_master(store, project, auto_lock=auto_lock)
    current = store.head(project, key(scene))
    kept = current.model(SceneStates) if current else None
    version = _commit(store, project, scene, shots_version, roster_version,
                      manual=[c for c in (kept.changes if kept else []) if c.source == "manual"],
                      overrides=dict(kept.overrides) if kept else {}, message=f"states for scene {scene}")
    if kept is not None and version.id != current.id and version.model(SceneStates).end != kept.end:  # type: ignore[union-attr]
        propagate(store, project, scene)  # what this scene hands on changed: the next scenes inherit it now
    return version


def _commit(store: Store, project: Project, scene: int, shots_version: Version, roster_version: Version, *,
            manual: list[StateChange], overrides: dict[str, FlagOverride], message: str, author: str = "aiuteur",
            force_new: bool = False) -> Version:
    previous = _previous(store, project, scene)
    states = compute(scene, shots_version.model(ShotList), roster_version.model(AssetSet),
                     previous.model(SceneStates) if previous else None, manual=manual, overrides=overrides)
    # The previous scene's states are read but not an input: a change there reaches this scene by
    # propagation (and `check` flags any scene it has not reached), instead of turning every later
    # scene's states, prompts and frames stale at once.
    inputs = [shots_version, roster_version]
    if force_new:
        return store.commit(project, key(scene), states, inputs=inputs, author=author, message=message)
    return store.commit_if_changed(project, key(scene), states, inputs=inputs, author=author, message=message)


def _previous(store: Store, project: Project, scene: int) -> Version | None:
    """The states of the nearest earlier scene that has them."""
    heads = store.heads(project, "scene/")
    for number in range(scene - 1, 0, -1):
        if key(number) in heads:
            return heads[key(number)]
    return None


def compute(scene: int, shot_list: ShotList, roster: AssetSet, previous: SceneStates | None, *,
            manual: Iterable[StateChange] = (), overrides: dict[str, FlagOverride] | None = None) -> SceneStates:
    """One scene's states (pure: no store). See the module docstring for the rules."""
    inherited = {s.asset: s for s in previous.end} if previous else {}
    came_from: dict[str, int] = {}
    if previous:
        for slug in inherited:
            if slug in previous.present:
                came_from[slug] = previous.scene
            elif slug in previous.inherited_from:
                came_from[slug] = previous.inherited_from[slug]
    order = shot_list.ids
    present = _present(scene, shot_list, roster)
    script_changes = list(_script_changes(shot_list, roster))
    kept_manual = [c for c in manual if c.shot_id is None or c.shot_id in order]
    changes = sorted([*script_changes, *kept_manual],
                     key=lambda c: -1 if c.shot_id is None else order.index(c.shot_id))  # stable: script first
    slugs = sorted(set(present) | set(inherited) | {c.asset for c in changes})
    start = [inherited.get(slug, AssetState(asset=slug)) for slug in slugs]
    states = SceneStates(scene=scene, start=start, changes=changes, end=[], present=present,
                         inherited_from={k: v for k, v in came_from.items() if k in slugs}, overrides=overrides or {})
    end = [AssetState(asset=s.asset, tags=states.tags_at(s.asset, order[-1], order), note=s.note) for s in start]
    states = states.model_copy(update={"end": end})
    flags = [_with_override(f, states.overrides) for f in _contradictions(states, shot_list, roster)]
    return states.model_copy(update={"flags": flags})


def _present(scene: int, shot_list: ShotList, roster: AssetSet) -> list[str]:
    found: list[str] = []
    for shot in shot_list.shots:
        for name in [*shot.characters, *shot.props, *( [shot.dialogue.speaker] if shot.dialogue else [])]:
            asset = roster.find(name)
            if asset is not None and asset.slug not in found:
                found.append(asset.slug)
    for asset in roster.in_scene(scene):
        if asset.kind == "location" and asset.slug not in found:
            found.append(asset.slug)
    return found


def _script_changes(shot_list: ShotList, roster: AssetSet):
    finder = Mentions([a for a in roster.assets if a.kind in ("character", "prop")], possessive=False)
    for shot in shot_list.shots:
        in_shot = [a for a in (roster.find(n) for n in [*shot.characters, *shot.props]) if a is not None]
        for sentence in lexicon.sentences(f"{shot.action}\n{shot.notes}"):
            added, cleared = lexicon.tags_added(sentence), lexicon.tags_cleared(sentence)
            if not (added or cleared):
                continue
            named = [roster.get(s) for s in finder.find(sentence)]
            targets = named or [a for a in in_shot if a.kind == "character"]
            for asset in targets:
                add = [t for t in added if lexicon.applies(t, asset.kind) and t not in cleared]
                remove = [t for t in cleared if lexicon.applies(t, asset.kind)]
                if add or remove:
                    yield StateChange(shot_id=shot.shot_id, asset=asset.slug, add_tags=add, remove_tags=remove,
                                      note=sentence.strip()[:160])


def _contradictions(states: SceneStates, shot_list: ShotList, roster: AssetSet) -> list[ContinuityFlag]:
    finder = Mentions([a for a in roster.assets if a.kind in ("character", "prop")], possessive=True)
    order = shot_list.ids
    flags: dict[str, ContinuityFlag] = {}
    for index, shot in enumerate(shot_list.shots):
        before = order[index - 1] if index else None
        for sentence in lexicon.sentences(shot.action):
            for slug in finder.find(sentence):
                tags = states.tags_at(slug, before, order) if before else next(
                    (list(s.tags) for s in states.start if s.asset == slug), [])
                removed_here = {t for c in states.changes if c.shot_id == shot.shot_id and c.asset == slug
                                for t in c.remove_tags}
                for tag in tags:
                    if tag not in removed_here and lexicon.contradicts(tag, sentence):
                        flag = _flag("contradicted", states.scene, slug, tag, shot.shot_id,
                                     f"{_name(roster, slug)} is {tag} here but {shot.shot_id} says "
                                     f"\"{sentence.strip()[:100]}\" with no change removing it")
                        flags.setdefault(flag.id, flag)
    return list(flags.values())


def _flag(kind: str, scene: int, asset: str, tag: str, shot_id: str | None, message: str) -> ContinuityFlag:
    ident = hashlib.sha1(f"{kind}|{scene}|{asset}|{tag}|{shot_id or ''}".encode()).hexdigest()[:12]
    return ContinuityFlag(id=f"flag_{ident}", kind=kind, scene=scene, asset=asset, tag=tag, shot_id=shot_id,  # type: ignore[arg-type]
                          message=message)


def _with_override(flag: ContinuityFlag, overrides: dict[str, FlagOverride]) -> ContinuityFlag:
    return flag.model_copy(update={"override": overrides.get(flag.id)})


def _name(roster: AssetSet, slug: str) -> str:
    try:
        return roster.get(slug).name
    except KeyError:
        return slug


# -- reading ------------------------------------------------------------------------------------
def tags_in_shot(states: SceneStates, shot_list: ShotList, shot_id: str) -> dict[str, list[str]]:
    """Asset slug -> tags as they are in this shot."""
    order = [s.shot_id for s in shot_list.shots]
    return {s.asset: states.tags_at(s.asset, shot_id, order) for s in states.start if states.tags_at(s.asset, shot_id, order)}


def check(store: Store, project: Project) -> list[ContinuityFlag]:
    """Every continuity flag across the film: each scene's own, and broken inheritance between the
    stored scenes (a tag at the end of one scene missing at the start of the next, or the reverse,
    with no change event) — what happens when a scene was derived before an earlier one changed."""
    heads = store.heads(project, "scene/")
    numbers = sorted(int(k.split("/")[1]) for k in heads if k.endswith("/states"))
    roster_head = store.head(project, assets_stage.KEY)
    roster = roster_head.model(AssetSet) if roster_head else AssetSet(assets=[])
    flags: list[ContinuityFlag] = []
    previous: SceneStates | None = None
    for number in numbers:
        states = heads[key(number)].model(SceneStates)
        flags += states.flags
        if previous is not None:
            for slug in sorted({s.asset for s in states.start}):
                before, now = set(previous.end_tags(slug)), set(next(s.tags for s in states.start if s.asset == slug))
                for tag in sorted(before ^ now):
                    gone = tag in before
                    flag = _flag("broken_inheritance", number, slug, tag, None,
                                 f"{_name(roster, slug)} {'was' if gone else 'was not'} {tag} at the end of scene "
                                 f"{previous.scene} but starts scene {number} "
                                 f"{'without it' if gone else 'with it'}, with no change event")
                    flags.append(_with_override(flag, states.overrides))
        previous = states
    return flags


def _resolve(roster: AssetSet, name: str) -> Asset:
    asset = roster.find(name)
    if asset is None:
        found = best_match(name, [(n, a.slug) for a in roster.assets for n in a.names])
        if found is None:
            known = ", ".join(a.name for a in roster.assets[:12])
            raise StageError(f"no asset {name!r} in the project (assets: {known})")
        asset = roster.get(found.slug)
    return asset


def timeline(store: Store, project: Project, asset: str) -> AssetTimeline:
    """One asset's state scene by scene across the film: where it is, its tags in and out, changes."""
    roster = require(store, project, assets_stage.KEY, locked=False).model(AssetSet)
    found = _resolve(roster, asset)
    script = require(store, project, "script", locked=False).model(MasterScript)
    heads = store.heads(project, "scene/")
    flags: dict[tuple[int, str], list[ContinuityFlag]] = {}
    for flag in check(store, project):
        flags.setdefault((flag.scene, flag.asset), []).append(flag)
    entries = []
    for scene in script.scenes:
        head = heads.get(key(scene.number))
        if head is None:
            continue
        states = head.model(SceneStates)
        start = next((list(s.tags) for s in states.start if s.asset == found.slug), None)
        if start is None and found.slug not in states.present:
            continue
        entries.append(TimelineEntry(
            scene=scene.number, heading=scene.heading, present=found.slug in states.present, start=start or [],
            changes=[c for c in states.changes if c.asset == found.slug], end=states.end_tags(found.slug),
            inherited_from=states.inherited_from.get(found.slug), flags=flags.get((scene.number, found.slug), []),
            version=head.number))
    return AssetTimeline(asset=found.slug, name=found.name, kind=found.kind, scenes=entries)


# -- human edits (each a new version, carried forward at once) ----------------------------------
def add_tag(store: Store, project: Project, scene: int, asset: str, tag: str, *, shot_id: str | None = None,
            author: str = "user", note: str = "") -> list[Version]:
    """Put `tag` on `asset` at `shot_id` (None: from the scene's start). Returns the new versions:
    this scene's, then every later scene's that inherited it."""
    return _manual(store, project, scene, asset, tag, shot_id, author, note, remove=False)


def remove_tag(store: Store, project: Project, scene: int, asset: str, tag: str, *, shot_id: str | None = None,
               author: str = "user", note: str = "") -> list[Version]:
    """Take `tag` off `asset` at `shot_id` (None: from the scene's start), carried forward."""
    return _manual(store, project, scene, asset, tag, shot_id, author, note, remove=True)


def _manual(store: Store, project: Project, scene: int, asset: str, tag: str, shot_id: str | None, author: str,
            note: str, *, remove: bool) -> list[Version]:
    tag = tag.strip().lower()
    if not lexicon.TAG_FORMAT.match(tag):
        raise StageError(f"tag {tag!r}: use one lower-case word or hyphenated words (muddy, torn-sleeve)")
    if not author.strip():
        raise StageError("a manual state change needs an author")
    # a person's edit: made on the current heads even when they are drafts or stale (it is re-derived
    # from the current shot list, which is what the person sees)
    head = _require_head(store, project, key(scene))
    shots_version = _require_head(store, project, shots_stage.key(scene))
    roster_version = _require_head(store, project, assets_stage.KEY)
    found = _resolve(roster_version.model(AssetSet), asset)
    shot_list = shots_version.model(ShotList)
    if shot_id is not None and shot_id not in shot_list.ids:
        raise StageError(f"scene {scene} has no shot {shot_id!r} (shots: {', '.join(shot_list.ids)})")
    current = head.model(SceneStates)
    change = StateChange(shot_id=shot_id, asset=found.slug, add_tags=[] if remove else [tag],
                         remove_tags=[tag] if remove else [], note=note.strip() or f"{'removed' if remove else 'added'} by hand",
                         source="manual", author=author.strip())
    manual = [c for c in current.changes if c.source == "manual"]
    if any(c.model_dump(exclude={"note", "author"}) == change.model_dump(exclude={"note", "author"}) for c in manual):
        return [head]  # the same change is recorded already: nothing new to write
    manual.append(change)
    where = shot_id or "scene start"
    version = _commit(store, project, scene, shots_version, roster_version, manual=manual,
                      overrides=dict(current.overrides), author=author,
                      message=f"{found.name}: {'-' if remove else '+'}{tag} at {where} ({author})", force_new=True)
    return [version, *propagate(store, project, scene)]


def _require_head(store: Store, project: Project, artifact: str) -> Version:
    head = store.head(project, artifact)
    if head is None:
        raise StageError(f"project {project.name!r} has no {artifact} yet: derive the scene's visual states first")
    return head


def propagate(store: Store, project: Project, after: int) -> list[Version]:
    """Re-derive every later scene that has states, in order, so a change carries forward; stops at
    a scene whose shot list is not locked (its states stay stale until it is)."""
    script = require(store, project, "script", locked=False).model(MasterScript)
    roster_version = require(store, project, assets_stage.KEY, locked=False)
    written = []
    for scene in (s.number for s in script.scenes if s.number > after):
        head = store.head(project, key(scene))
        if head is None:
            continue
        shots_version = store.head(project, shots_stage.key(scene))
        if shots_version is None or shots_version.status != "locked":
            break
        kept = head.model(SceneStates)
        version = _commit(store, project, scene, shots_version, roster_version,
                          manual=[c for c in kept.changes if c.source == "manual"],
                          overrides=dict(kept.overrides), message=f"carried forward from scene {after}")
        if version.id == head.id:
            break  # nothing changed here, so nothing changes further on
        written.append(version)
    return written


def override_flag(store: Store, project: Project, scene: int, flag_id: str, *, author: str, reason: str) -> Version:
    """Accept a continuity flag: records who and why (a new version of the scene's states)."""
    if not author.strip() or not reason.strip():
        raise StageError("an override needs an author and a reason")
    head = _require_head(store, project, key(scene))
    states = head.model(SceneStates)
    known = {f.id for f in states.flags} | {f.id for f in check(store, project) if f.scene == scene}
    if flag_id not in known:
        raise StageError(f"scene {scene} has no continuity flag {flag_id!r} (flags: {', '.join(sorted(known)) or 'none'})")
    override = FlagOverride(author=author.strip(), reason=reason.strip(), at=utcnow().isoformat(timespec="seconds"))
    overrides = {**states.overrides, flag_id: override}
    updated = states.model_copy(update={"overrides": overrides,
                                        "flags": [_with_override(f, overrides) for f in states.flags]})
    return store.commit(project, key(scene), updated, inputs=head.inputs, author=author.strip(),
                        message=f"flag {flag_id} accepted: {reason.strip()}")


def rollback(store: Store, project: Project, scene: int, version: int, *, author: str = "user") -> list[Version]:
    """Go back to the human decisions (manual changes, overrides) of an earlier version; the start
    state is inherited as always. A new version, carried into the following scenes."""
    _require_head(store, project, key(scene))
    old = next((v for v in store.history(project, key(scene)) if v.number == version), None)
    if old is None:
        raise StageError(f"scene {scene}'s states have no version {version}")
    states = old.model(SceneStates)
    shots_version = _require_head(store, project, shots_stage.key(scene))
    roster_version = _require_head(store, project, assets_stage.KEY)
    new = _commit(store, project, scene, shots_version, roster_version,
                  manual=[c for c in states.changes if c.source == "manual"], overrides=dict(states.overrides),
                  author=author, message=f"rolled back to v{version}", force_new=True)
    return [new, *propagate(store, project, scene)]
