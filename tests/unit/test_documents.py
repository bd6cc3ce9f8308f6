"""The stable `--json` documents (docs/cli.md) are built by library functions in `aiuteur.documents`
(or the stage module that owns the data): for the same project, what the CLI prints equals what the
function returns — so the CLI, the Panel pages and the notebooks cannot drift apart — and each
document keeps its documented fields (they are only ever added: a field renamed or dropped fails)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest
from typer.testing import CliRunner

from aiuteur.cli import app

runner = CliRunner()
pytestmark = pytest.mark.slow  # one shared offline run to stage 12 (the `demo_run` fixture)

P = "lighthouse"


def _copy(demo_run, folder: Path) -> Path:
    source, _, _ = demo_run
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, folder / "ws.duckdb")
    shutil.copytree(source.with_name("ws.media"), folder / "ws.media")
    return folder / "ws.duckdb"


@pytest.fixture(scope="module")
def finished(demo_run, tmp_path_factory) -> Path:
    """A copy of the finished offline project, for the documents that only read — with a review
    note assigned to someone (so a notification) and an asset in the library, so no list is empty."""
    workspace = _copy(demo_run, tmp_path_factory.mktemp("documents"))
    shot = _printed("shots", P, "--json", "-w", str(workspace))[0]["shots"][0]["shot_id"]
    _printed("notes", P, "--add", "the lamp flickers too fast", "--shot", shot, "--category", "look",
             "--assign", "bob", "--json", "-w", str(workspace))
    slug = _printed("assets", P, "--json", "-w", str(workspace))[0]["slug"]
    result = runner.invoke(app, ["asset-library", "promote", P, slug, "--tag", "hero", "-w", str(workspace)])
    assert result.exit_code == 0, result.output
    return workspace


@pytest.fixture
def fresh(demo_run, tmp_path) -> Path:
    """A copy of its own, for a command that changes the project."""
    return _copy(demo_run, tmp_path / "ws")


def _printed(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _plain(data: Any) -> Any:
    """What `json.dumps` makes of a document (tuples become lists, ...)."""
    return json.loads(json.dumps(data, default=str))


def _library(workspace: Path, build: Callable[[Any, Any], Any]) -> Any:
    from aiuteur.store import open_store

    with open_store(workspace) as store:
        return _plain(build(store, store.get_project(P)))


# -- documents that only read: (CLI arguments, the library call, the fields of one row) -------------
def _scenes(store, project):
    from aiuteur.stages import script

    return script.scene_rows(script.current(store, project))


def _branches(store, project):
    from aiuteur.stages import timelines

    return timelines.list_branches(store, project)


def _capsules(store, project):
    from aiuteur.capsules import list_capsules
    from aiuteur.documents import capsules_document

    return capsules_document(list_capsules(store, None))


def _assets(store, project):
    from aiuteur.documents import assets_document

    return assets_document(store, project)


def _shots(store, project):
    from aiuteur.documents import shots_document

    return shots_document(store, project)


def _hub(store, project):
    from aiuteur.stages import hub

    return hub.overview(store, project).model_dump(mode="json")


def _library_list(store, project):
    from aiuteur.documents import asset_library_document

    return asset_library_document(store)


def _voices(store, project):
    from aiuteur.stages import voices

    return voices.voice_map(store, project)


def _sound(store, project):
    from aiuteur.stages import sound

    return sound.summary(store, project)


def _sound_settings(store, project):
    from aiuteur.stages import sound

    return sound.settings(store, project).model_dump(mode="json")


def _notes(store, project):
    from aiuteur.documents import notes_document
    from aiuteur.stages import review

    return notes_document(review.list_notes(store, project))


def _routes(store, project):
    from aiuteur.documents import review_routes_document
    from aiuteur.stages import review

    return review_routes_document(review.load_routes())


def _notifications(store, project):
    from aiuteur.documents import notifications_document

    return notifications_document(store, project)


def _prompts(store, project):
    from aiuteur.documents import prompt_cards_document
    from aiuteur.stages import prompts

    return prompt_cards_document(prompts.list_prompts(store, project))


def _frames(store, project):
    from aiuteur.stages import frames, shots

    return [c.model_dump(mode="json") for n in shots.scenes(store, project) for c in frames.frame_cards(store, project, n)]


def _frames_mode(store, project):
    from aiuteur.documents import frames_mode_document
    from aiuteur.engines.config import engines_for

    return frames_mode_document(store, project, engines_for(store, project))


def _gates(store, project):
    from aiuteur.documents import gates_document

    return gates_document(store, project)


def _estimate(store, project):
    from aiuteur.documents import estimate_document
    from aiuteur.stages import confirm

    return estimate_document(confirm.what_if(store, project, None, by="shot", engine_ids=None))


def _confirm(store, project):
    from aiuteur.documents import confirm_document
    from aiuteur.stages import confirm

    return confirm_document(confirm.estimate_table(store, project, by="scene"))


def _exports(store, project):
    from aiuteur.documents import exports_document
    from aiuteur.stages import delivery

    return exports_document(delivery.export_history(store, project))


READERS = [
    # name, CLI arguments (before --json -w WS), library call, the fields every row has (or the document's)
    ("scenes", ["scenes", P], _scenes,
     {"number", "scene_number", "heading", "int_ext", "location", "time", "characters", "eighths"}),
    ("branch list", ["branch", P, "list"], _branches,
     {"name", "parent", "message", "created_at", "current", "heads", "locked"}),
    ("capsules", ["capsules"], _capsules, {"kind", "name", "version", "source", "description"}),
    ("assets", ["assets", P], _assets,
     {"slug", "name", "kind", "aliases", "description", "scenes", "found_in", "image", "image_sha256", "style",
      "guidance", "tags", "source", "version", "status", "image_unused"}),
    ("hub", ["hub", P], _hub, {"project", "threshold", "scenes", "unmatched", "risks"}),
    ("shots", ["shots", P], _shots,
     {"scene", "heading", "version", "status", "stale", "seconds", "limits", "problems", "shots"}),
    ("asset-library list", ["asset-library", "list"], _library_list,
     {"id", "number", "version_id", "name", "kind", "description", "aliases", "tags", "image", "style", "guidance",
      "author", "message", "created_at", "source_project", "deleted", "used_by"}),
    ("voices", ["voices", P], _voices,
     {"character", "slug", "engine", "voice_id", "description", "pitch", "pace", "audition_line", "version",
      "status", "lines", "stale_lines"}),
    ("sound", ["sound", P], _sound, {"settings", "scenes", "lines", "mix"}),
    ("sound-settings", ["sound-settings", P], _sound_settings, None),
    ("notes", ["notes", P], _notes,
     {"id", "project_id", "target", "shot", "frame", "fps", "timecode", "category", "suggested_category",
      "suggested_by", "stage", "text", "author", "assignee", "state", "created_at", "updated_at"}),
    ("review-routes", ["review-routes"], _routes, {"source", "routes"}),
    ("notifications", ["notifications", P], _notifications, {"hooks", "notifications"}),
    ("prompts", ["prompts", P], _prompts,
     {"shot_id", "scene", "frame_prompt", "video_prompt", "state", "version", "manual", "image", "video",
      "problems", "stale_reasons", "regenerated", "start_frame", "end_frame", "frame_hash", "video_hash"}),
    ("frames", ["frames", P], _frames,
     {"shot_id", "scene", "state", "version", "start", "end", "start_path", "end_path", "stale_reasons",
      "references", "continues_from", "continuity_changed", "drift", "waiting"}),
    ("frames-mode", ["frames-mode", P], _frames_mode, {"mode", "estimates"}),
    ("gates", ["gates", P], _gates, {"gates", "next"}),
    ("estimate", ["estimate", P], _estimate,
     {"by", "engines", "rows", "total_usd", "budget_usd", "spent_usd", "committed_usd", "change", "over_budget"}),
    ("confirm", ["confirm", P], _confirm, {"estimate", "approved", "version"}),
    ("exports", ["exports", P], _exports,
     {"id", "status", "path", "package", "codec", "resolution", "handles", "film_version", "shots", "frames",
      "rate", "formats", "skipped", "total_cost_usd", "error", "started_at", "finished_at"}),
]


@pytest.mark.parametrize("args,build,fields", [r[1:] for r in READERS], ids=[r[0] for r in READERS])
def test_a_reading_command_prints_its_library_document(finished, args, build, fields):
    needs_workspace = args[0] != "review-routes"
    printed = _printed(*args, "--json", *(["-w", str(finished)] if needs_workspace else []))
    assert printed == _library(finished, build)
    assert printed or args[0] == "exports", "an empty document proves nothing: the project has some of each"
    if fields is not None and printed:
        first = printed[0] if isinstance(printed, list) else printed
        assert fields <= set(first), sorted(fields - set(first))


# -- documents of commands that change something: built from what the change left -----------------
def test_new_document(tmp_path):
    from aiuteur.documents import new_project_document
    from aiuteur.store import open_store

    ws = tmp_path / "new.duckdb"
    printed = _printed("new", "Lantern Keepers", "--idea", "Two keepers guard a lighthouse through a storm "
                       "while the town below forgets them.", "--json", "-w", str(ws))
    with open_store(ws) as store:
        project = store.get_project("lantern-keepers")
        expected = _plain(new_project_document(store, project, store.require_head(project, "input")))
    assert printed == expected
    assert set(printed) == {"project", "mode", "sources", "input_version", "imported_scenes", "styles", "stages"}
    assert printed["project"] == {"id": project.id, "name": "lantern-keepers", "title": "Lantern Keepers",
                                  "branch": project.branch}
    assert [s["number"] for s in printed["stages"]] == [1, 2, 3, 4]


def test_script_and_stems_documents(fresh, tmp_path):
    from aiuteur.documents import script_export_document, stems_document
    from aiuteur.stages import sound, video
    from aiuteur.store import open_store

    out = tmp_path / "script.fountain"
    printed = _printed("script", P, "--format", "fountain", "-o", str(out), "--json", "-w", str(fresh))
    stems = _printed("stems", P, "--out", str(tmp_path / "stems"), "--json", "-w", str(fresh))
    with open_store(fresh) as store:
        project = store.get_project(P)
        assert printed == script_export_document(out, "fountain", store.require_head(project, "script"))
        mixed = sound.film_sound(store, store.head(project, video.FILM))
        again = stems_document(sound.write_stems(store, mixed[1], tmp_path / "again"))
    assert printed["bytes"] == out.stat().st_size > 0 and printed["path"] == str(out)
    assert stems == {k: v.replace(str(tmp_path / "again"), str(tmp_path / "stems")) for k, v in again.items()}
    assert set(stems) == {"dialogue", "effects", "music", "mix"} and all(Path(p).is_file() for p in stems.values())


def test_voice_and_gate_documents(fresh):
    from aiuteur.documents import gate_passed_document, gates_document, voice_document
    from aiuteur.stages import voices
    from aiuteur.store import open_store

    with open_store(fresh) as store:
        character = voices.voice_map(store, store.get_project(P))[0]
    printed = _printed("voice", P, character["character"], "--pitch", "2", "--json", "-w", str(fresh))
    with open_store(fresh) as store:
        head = store.require_head(store.get_project(P), voices.key(character["slug"]))
        assert printed == _plain(voice_document(head))
    locked = _printed("assets-lock", P, "--json", "-w", str(fresh))
    gates = _printed("gates", P, "--json", "-w", str(fresh))
    with open_store(fresh) as store:
        project = store.get_project(P)
        versions = [store.version(v["id"]) for v in locked["versions"]]
        assert locked == _plain(gate_passed_document(locked["passed"], versions))
        assert gates == _plain(gates_document(store, project))
    assert printed["pitch"] == 2 and {"version", "status", "engine", "voice_id"} <= set(printed)
    assert set(locked) == {"passed", "versions"}
    assert all(set(v) == {"key", "version", "status", "id"} for v in locked["versions"])


def test_note_documents(fresh):
    from aiuteur.documents import note_document, notes_document
    from aiuteur.models.shots import ShotList
    from aiuteur.stages import review
    from aiuteur.stages import shots as shots_stage
    from aiuteur.store import open_store

    with open_store(fresh) as store:
        project = store.get_project(P)
        first = store.require_head(project, shots_stage.key(shots_stage.scenes(store, project)[0]))
        shot_id = first.model(ShotList).shots[0].shot_id
    added = _printed("notes", P, "--add", "the lamp flickers too fast", "--shot", shot_id, "--category", "look",
                     "--json", "-w", str(fresh))
    shown = _printed("note", P, added["id"], "--json", "-w", str(fresh))
    with open_store(fresh) as store:
        project = store.get_project(P)
        note = review.get_note(store, project, added["id"])
        assert [added] == _plain(notes_document([note]))
        assert shown == _plain(note_document(store, project, note))
    assert set(shown) == {"note", "go_to", "history", "retakes"} and shown["note"]["shot"] == shot_id
    assert {"id", "project_id", "target", "shot", "frame", "fps", "timecode", "category", "suggested_category",
            "suggested_by", "stage", "text", "author", "assignee", "state", "created_at", "updated_at"} <= set(added)


# -- one INT/EXT rule and one character-name normaliser, the render's vocabulary included ----------
@pytest.mark.parametrize("heading", ["INT. HOUSE - DAY", "int house", "EXT.", "ext / int car", "INT./EXT. CAR",
                                     "I/E PORCH", "e / i porch", "EXT/INT", "EST. CITY", "INTERCUT", "Exterior",
                                     ".SNIPER POV", ""])
def test_render_int_ext_agrees_with_the_heading_rule(heading):
    from aiuteur.render.vocabulary import normalize_int_ext
    from aiuteur.screenplay.headings import split_int_ext

    prefix, _ = split_int_ext(heading)
    if prefix is not None:  # where the heading rule sees a prefix, the render reads the same (EST is no panel value)
        assert normalize_int_ext(heading) == (None if prefix == "EST" else prefix)


@pytest.mark.parametrize("value,expected", [("Interior", "INT"), ("Exterior", "EXT"), ("INTERIOR/EXTERIOR", "INT/EXT"),
                                            ("IE", "INT/EXT"), ("int.", "INT"), ("est", None), ("", None),
                                            ("nowhere", None)])
def test_render_int_ext_reads_the_words_a_spec_field_holds(value, expected):
    from aiuteur.render.vocabulary import normalize_int_ext

    assert normalize_int_ext(value) == expected


@pytest.mark.parametrize("name", ["Mara (V.O.)", "MARA", "  mrs.  pell ", "@McClane", "JANE ^", "MOM (ON PHONE",
                                  "O’Brien (cont’d)"])
def test_render_character_key_is_the_library_name(name):
    from aiuteur.render.vocabulary import character_key
    from aiuteur.screenplay.names import character_name

    assert character_key(name) == character_name(name)


def test_action_documents(fresh, tmp_path):
    """approve-clip, prompts-lock, audition, farm and archive/restore print what their functions build."""
    from aiuteur.archive import read_summary
    from aiuteur.documents import (approve_clip_document, audition_document, farm_document, locked_prompts_document,
                                   restore_document)
    from aiuteur.engines.config import engines_for
    from aiuteur.farm import plan
    from aiuteur.stages import video, voices
    from aiuteur.store import open_store

    ws = str(fresh)
    shot = _printed("shots", P, "--json", "-w", ws)[0]["shots"][0]["shot_id"]
    character = _printed("voices", P, "--json", "-w", ws)[0]["character"]
    approved = _printed("approve-clip", P, shot, "--json", "-w", ws)
    locked = _printed("prompts-lock", P, "--json", "-w", ws)
    heard = _printed("audition", P, character, "--json", "-w", ws)
    bundle = _printed("farm", P, "--out", str(tmp_path / "bundle"), "--json", "-w", ws)
    _printed("archive", P, str(tmp_path / "p.zip"), "--json", "-w", ws)
    restored = _printed("restore", str(tmp_path / "p.zip"), "--json", "-w", str(tmp_path / "other.duckdb"))
    with open_store(fresh) as store:
        project = store.get_project(P)
        assert approved == approve_clip_document(store.require_head(project, video.key(shot)), [])
        assert locked == locked_prompts_document([store.require_head(project, row["key"]) for row in locked])
        ref = voices.audition(store, project, character)  # cached: the same take
        assert heard == audition_document(store.media_path(ref), ref)
        job = plan(store, project, engines_for(store, project))
        assert bundle == _plain(farm_document(tmp_path / "bundle", job))
    with open_store(tmp_path / "other.duckdb") as other:
        again = other.get_project(P)
        assert restored == restore_document(again, read_summary(tmp_path / "p.zip"), str(other.path))
    assert approved["clip"] == f"{video.key(shot)} v{approved['clip'].rsplit(' v', 1)[1]}" and approved["resolved"] == []
    assert locked and all(set(row) == {"key", "version", "status"} and row["status"] == "locked" for row in locked)
    assert set(heard) == {"path", "sha256", "seconds"} and Path(heard["path"]).is_file()
    assert set(bundle) == {"bundle", "steps", "scenes", "shots", "engines", "next"}
    assert set(restored) == {"project", "id", "branch", "workspace", "versions", "media"} and restored["versions"] > 0
