"""`aiuteur assets|hub|shots|states|asset-library` on the Kestrel workspace: stable JSON, CSV, errors."""
from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from typer.testing import CliRunner

from aiuteur.cli import app
from aiuteur.stages import shots
from tests.integration.test_production_kestrel import KESTREL_CHARACTERS, KESTREL_LOCATIONS, kestrel_ws  # noqa: F401

runner = CliRunner()


@pytest.fixture
def ws(kestrel_ws, tmp_path):  # noqa: F811
    shutil.copy(kestrel_ws, tmp_path / "ws.duckdb")
    shutil.copytree(kestrel_ws.with_name("ws.media"), tmp_path / "ws.media")
    return str(tmp_path / "ws.duckdb")


def _json(*args):
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_assets_json(ws):
    rows = _json("assets", "kestrel", "--workspace", ws)
    people = [r for r in rows if r["kind"] == "character"]
    assert [r["name"] for r in people if "cue" in r["found_in"]] == KESTREL_CHARACTERS
    assert [r["name"] for r in rows if r["kind"] == "location"] == KESTREL_LOCATIONS
    mara = next(r for r in people if r["name"] == "MARA")
    assert set(mara) == {"slug", "name", "kind", "aliases", "description", "scenes", "found_in", "image",
                         "image_sha256", "style", "guidance", "tags", "source", "version", "status", "image_unused"}
    assert mara["aliases"] == ["MARA HALVORSEN"] and mara["status"] == "locked" and mara["image"].endswith(".png")
    props = _json("assets", "kestrel", "--kind", "prop", "--workspace", ws)
    assert props and {r["kind"] for r in props} == {"prop"}
    bad = runner.invoke(app, ["assets", "kestrel", "--kind", "vehicle", "--workspace", ws])
    assert bad.exit_code == 1 and "--kind must be" in bad.output


def test_hub_json(ws):
    data = _json("hub", "kestrel", "--workspace", ws)
    assert set(data) == {"project", "scenes", "unmatched", "risks", "threshold"}
    assert data["threshold"] == 0.85 and data["unmatched"] == [] and len(data["scenes"]) == 23
    first = data["scenes"][1]
    assert set(first) == {"scene", "heading", "status", "reasons", "shots", "seconds", "dependencies"}
    assert first["status"] == "shots locked" and first["dependencies"]["location"] == "loc-halvorsen-radio"
    assert {m["name"]: m["score"] for m in first["dependencies"]["matches"]}["THEO"] == 1.0
    assert {r["kind"] for r in data["risks"]} <= {"offscreen_state_change", "prop_before_introduction",
                                                  "time_jump_in_continuous_action"}
    table = runner.invoke(app, ["hub", "kestrel", "--workspace", ws])
    assert table.exit_code == 0 and "script hub" in table.output and "risk" in table.output


def test_shots_json_and_csv(ws):
    data = _json("shots", "kestrel", "--scene", "4", "--workspace", ws)
    assert [t["scene"] for t in data] == [4]
    scene = data[0]
    assert set(scene) == {"scene", "heading", "version", "status", "stale", "seconds", "limits", "problems", "shots"}
    assert scene["limits"] == {"min_seconds": 1.0, "max_seconds": 8.0, "words_per_second": 2.5}
    assert scene["problems"] == [] and scene["shots"][0]["shot_id"] == "SC040_SH0010"
    assert len(_json("shots", "kestrel", "--workspace", ws)) == 23
    result = runner.invoke(app, ["shots", "kestrel", "--scene", "4", "--csv", "--workspace", ws])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert list(rows[0]) == list(shots.COLUMNS) and len(rows) == len(scene["shots"])
    missing = runner.invoke(app, ["shots", "kestrel", "--scene", "99", "--workspace", ws])
    assert missing.exit_code == 1 and "--scene 99" in missing.output


def test_states_json(ws):
    data = _json("states", "kestrel", "--asset", "mara halvorsen", "--workspace", ws)
    assert (data["asset"], data["name"], data["kind"]) == ("char-mara", "MARA", "character")
    entry = data["scenes"][0]
    assert set(entry) == {"scene", "heading", "present", "start", "changes", "end", "inherited_from", "flags", "version"}
    assert [e["scene"] for e in data["scenes"] if e["present"]][:3] == [2, 3, 4]
    unknown = runner.invoke(app, ["states", "kestrel", "--asset", "NOBODY HERE", "--workspace", ws])
    assert unknown.exit_code == 1 and "no asset" in unknown.output


def test_asset_library_commands(ws):
    promoted = runner.invoke(app, ["asset-library", "promote", "kestrel", "char-erik", "--tag", "ghost", "--json",
                                   "--workspace", ws])
    assert promoted.exit_code == 0, promoted.output
    entry = json.loads(promoted.output)
    listed = _json("asset-library", "list", "erik", "--workspace", ws)
    assert [e["id"] for e in listed] == [entry["id"]] and listed[0]["used_by"] == []
    assert _json("asset-library", "list", "--tag", "ghost", "--workspace", ws)[0]["name"] == "ERIK"
    imported = runner.invoke(app, ["asset-library", "import", "kestrel", entry["id"], "--workspace", ws])
    assert imported.exit_code == 0 and f"{entry['id']}@v1" in imported.output
    refused = runner.invoke(app, ["asset-library", "delete", entry["id"], "--workspace", ws])
    assert refused.exit_code == 1 and "kestrel (main): asset/char-erik" in refused.output
