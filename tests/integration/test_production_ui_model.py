"""The production pages' logic (`ProductionModel`) driven by setting params, on the Kestrel workspace."""
from __future__ import annotations

import shutil

import pytest

from aiuteur.ui.production_model import ProductionModel
from tests.integration.test_production_kestrel import kestrel_ws  # noqa: F401


@pytest.fixture
def prod(kestrel_ws, tmp_path):  # noqa: F811
    shutil.copy(kestrel_ws, tmp_path / "ws.duckdb")
    shutil.copytree(kestrel_ws.with_name("ws.media"), tmp_path / "ws.media")
    return ProductionModel(workspace=str(tmp_path / "ws.duckdb"), project="kestrel", author="kim")


def test_nothing_without_a_project(tmp_path):
    empty = ProductionModel(workspace=str(tmp_path / "none.duckdb"))
    assert empty.asset_cards() == [] and empty.shot_rows() == [] and empty.overview() is None
    assert empty.split() is False and empty.message == "pick a shot first"


def test_gallery_filters_and_regeneration(prod):
    cards = prod.asset_cards()
    drawn = [c for c in cards if c["thumbnail"] is not None]
    assert len(drawn) > 30 and all(c["thumbnail"].startswith("data:image/jpeg;base64,") for c in drawn)
    # only characters the film only hears (voice on the radio) are not drawn: stage 5 buys no image for them
    assert {c["kind"] for c in cards if c["thumbnail"] is None} <= {"character"}
    prod.kind = "location"
    assert {c["kind"] for c in prod.asset_cards()} == {"location"}
    prod.kind, prod.search = "all", "halvorsen"
    assert {c["slug"] for c in prod.asset_cards()} == {"char-mara", "char-june", "loc-halvorsen-radio",
                                                       "loc-halvorsen-radio-back-room"}
    prod.asset, prod.guidance = "char-june", "sharper coat"
    before = prod.revision
    assert prod.regenerate() and prod.revision == before + 1 and prod.guidance == ""
    assert [t["guidance"] for t in prod.image_takes()] == ["sharper coat", ""]
    assert prod.lock_asset() and "locked" in prod.message


def test_library_round_trip(prod):
    prod.asset, prod.promote_tags = "char-erik", "ghost, photo"
    assert prod.promote()
    rows = prod.library_rows()
    assert [r["name"] for r in rows] == ["ERIK"] and rows[0]["tags"] == "ghost, photo"
    prod.library_tag = "nope"
    assert prod.library_rows() == []
    prod.library_tag = ""
    assert prod.import_entry() and "imported" in prod.message
    assert prod.delete_entry() is False and "used by" in prod.message


def test_hub_status_dependencies_and_risks(prod):
    overview = prod.overview()
    assert len(overview.scenes) == 23 and {s.status for s in overview.scenes} == {"shots locked"}
    prod.hub_scene = 7
    assert prod.dependencies().location == "loc-pell-s-diner"
    assert any(r.scene == 16 for r in prod.risks())


def test_shot_table_edits_show_problems_per_cell_and_split(prod):
    prod.scene = 4
    rows = prod.shot_rows()
    first = rows[0]["shot_id"]
    assert prod.cell_problems() == {}
    assert prod.edit_cell(first, "duration", 12)
    assert prod.cell_problems() == {(first, "duration"): "duration 12s is outside 1-8s"}
    assert "problem: duration 12s is outside 1-8s" in prod.message
    assert prod.edit_cell(first, "duration", "soon") is False and "must be a number" in prod.message
    prod.shot, prod.split_seconds = first, 4.0
    assert prod.split()
    ids = [r["shot_id"] for r in prod.shot_rows()]
    assert ids[:2] == [first, "SC040_SH0015"]
    assert prod.cell_problems() == {}  # 4 s + 8 s: both within the limits
    prod.shot = first
    assert prod.merge_next() and [r["shot_id"] for r in prod.shot_rows()][:2] == [first, ids[2]]
    assert prod.shot_status().endswith("draft")
    assert prod.lock_shots() is False and "problem" in prod.message  # 12 s shot still too long
    prod.shot = first
    prod.split_seconds = 6
    assert prod.split() and prod.lock_shots()
    assert prod.rearview().scene == 3 and prod.rearview_thumbnail() is None


def test_timeline_tag_is_carried_to_the_next_scene(prod):
    prod.timeline_asset = "MARA"
    timeline = prod.timeline()
    assert timeline.asset == "char-mara"
    prod.tag_scene, prod.tag = 3, "Muddy"
    assert prod.add_tag() and "carried into" in prod.message
    by_scene = {e.scene: e for e in prod.timeline().scenes}
    assert by_scene[3].end == ["muddy"] and by_scene[4].start == ["muddy"]
    assert by_scene[3].changes[-1].author == "kim"
    prod.tag_scene = 5
    assert prod.add_tag(remove=True)
    by_scene = {e.scene: e for e in prod.timeline().scenes}
    assert by_scene[5].end == [] and by_scene[6].start == []
    prod.tag = ""
    assert prod.add_tag() is False
