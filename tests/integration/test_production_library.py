"""The global asset library across two projects in one workspace, and per-asset staleness on the
full offline demo (regenerating one character's image makes only that character's shots stale)."""
from __future__ import annotations

import shutil

import pytest

from aiuteur import Engines, open_store, run
from aiuteur import library
from aiuteur.library import LibraryError, LibraryInUse
from aiuteur.models.assets import Asset, AssetSet
from aiuteur.models.shots import ShotList
from aiuteur.stages import assets
from tests.integration.test_production_kestrel import import_kestrel


@pytest.fixture
def demo_copy(demo_run, tmp_path):
    source, _, _ = demo_run
    shutil.copy(source, tmp_path / "ws.duckdb")
    shutil.copytree(source.with_name("ws.media"), tmp_path / "ws.media")
    with open_store(tmp_path / "ws.duckdb") as store:
        yield store, store.get_project("lighthouse")


def test_promote_search_import_and_delete_with_a_dependency_check(demo_copy):
    store, lighthouse = demo_copy
    kestrel = import_kestrel(store)
    assets.extract(store, kestrel, Engines.offline(), auto_lock=True)

    elsa = library.promote(store, lighthouse, "char-elsa", tags=["Lead", "period costume"], author="kim")
    radio = library.promote(store, lighthouse, "prop-radio", tags=["hero prop"])
    assert (elsa.number, elsa.kind, elsa.tags) == (1, "character", ["lead", "period costume"])
    assert elsa.image is not None and elsa.source_project == lighthouse.id

    assert [a.id for a in library.search(store, "els")] == [elsa.id]
    assert [a.id for a in library.search(store, "Elsa")] == [elsa.id] and library.search(store, "ELSSA") == []
    assert [a.id for a in library.search(store, kind="prop")] == [radio.id]
    assert [a.id for a in library.search(store, tag="lead")] == [elsa.id]
    assert library.search(store, "els", kind="location") == []
    with pytest.raises(LibraryError, match="kind"):
        library.search(store, kind="vehicle")  # type: ignore[arg-type]

    # into Kestrel: a new character, appearing nowhere (no one there is called Elsa)
    version = library.import_asset(store, kestrel, elsa.id, author="kim")
    copy = version.model(Asset)
    assert copy.source.library_id == elsa.id and copy.source.version == 1 and copy.found_in == ["library"]
    assert copy.image == elsa.image and copy.description == elsa.description
    assert store.require_head(kestrel, assets.KEY).model(AssetSet).find("ELSA") is not None
    # Kestrel's own radio takes the library's look, keeps its scenes
    before = store.require_head(kestrel, "asset/prop-radio").model(Asset)
    radio_copy = library.import_asset(store, kestrel, radio.id).model(Asset)
    assert radio_copy.slug == "prop-radio" and radio_copy.scenes == before.scenes
    assert radio_copy.source.library_id == radio.id and radio_copy.description == radio.description

    # promoting the imported copy back writes version 2 of the same entry, and only when it changed
    assets.edit(store, kestrel, "char-elsa", description="Elsa, older, in oilskins.")
    v2 = library.promote(store, kestrel, "char-elsa")
    assert (v2.id, v2.number, v2.description) == (elsa.id, 2, "Elsa, older, in oilskins.")
    assert library.promote(store, kestrel, "char-elsa").number == 2
    assert [v.number for v in library.history(store, elsa.id)] == [1, 2]

    users = library.usage(store, elsa.id)
    assert [(u.project, u.artifact_key, u.library_version) for u in users] == [("kestrel", "asset/char-elsa", 1)]
    with pytest.raises(LibraryInUse, match=r"kestrel \(main\): asset/char-elsa from v1") as refused:
        library.delete(store, elsa.id)
    assert [u.project for u in refused.value.users] == ["kestrel"]
    assert library.get(store, elsa.id).deleted is False

    store.delete_project("kestrel", confirm=True)
    library.delete(store, elsa.id, author="kim")
    assert library.search(store, "elsa") == [] and library.get(store, elsa.id).deleted
    assert [a.id for a in library.search(store, "elsa", include_deleted=True)] == [elsa.id]
    with pytest.raises(LibraryError, match="deleted"):
        library.import_asset(store, lighthouse, elsa.id)
    with pytest.raises(LibraryError, match="no entry"):
        library.get(store, "lib_nope")


def test_regenerating_one_image_makes_only_its_shots_stale(demo_copy):
    store, project = demo_copy
    engines = Engines.offline()
    frames_before = {k: v for k, v in store.heads(project, "shot/").items() if k.endswith("/frames")}
    assert all(store.staleness(v).status == "fresh" for v in frames_before.values())
    assets.regenerate_image(store, project, engines, "char-jonah", "a yellow sou'wester", unlock=True)
    shots = [s for _, v in sorted(store.heads(project, "scene/").items()) if _.endswith("/shots")
             for s in v.model(ShotList).shots]
    with_jonah = {f"shot/{s.shot_id}/frames" for s in shots if "JONAH" in s.characters}
    stale = {k for k, v in frames_before.items() if store.staleness(v).status == "stale"}
    assert with_jonah and stale == with_jonah
    assert store.staleness(store.head(project, "hub")).status == "fresh"
    images_before = store.db.fetchone("SELECT count(*) FROM generations WHERE kind = 'image'")[0]
    run(store, project, engines, until="frames")
    made = store.db.fetchone("SELECT count(*) FROM generations WHERE kind = 'image'")[0] - images_before
    assert 0 < made <= 2 * len(with_jonah) + 2  # Jonah's frames (and the shots after them that use their end frame)
    assert all(store.staleness(store.head(project, k)).status == "fresh" for k in frames_before)


def test_rearview_mirror_carries_the_end_frame_once_frames_exist(demo_copy):
    from aiuteur.models.media import ShotFrames
    from aiuteur.stages import shots as shots_stage

    store, project = demo_copy
    mirror = shots_stage.rearview(store, project, 3)
    last = store.require_head(project, shots_stage.key(2)).model(ShotList).shots[-1]
    frames = store.require_head(project, f"shot/{last.shot_id}/frames").model(ShotFrames)
    assert mirror.shot_id == last.shot_id and mirror.end_frame == frames.end and store.has_media(mirror.end_frame)
    assert "(end frame available)" in mirror.summary()
