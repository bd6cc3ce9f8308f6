"""Review notes as a director writes them: on a shot, at a frame-accurate timecode, with a category
the rules only suggest and a person confirms, routed through the editable table, with a history.
Bad notes are refused with a typed error and write nothing."""
from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from aiuteur import open_store
from aiuteur.models.review import timecode
from aiuteur.stages import review
from aiuteur.store import Store
from aiuteur.store import database

pytestmark = pytest.mark.slow


@pytest.fixture
def workspace(demo_run, tmp_path):
    source, _, _ = demo_run
    shutil.copy(source, tmp_path / "ws.duckdb")
    shutil.copytree(source.with_name("ws.media"), tmp_path / "ws.media")
    return tmp_path / "ws.duckdb"


@pytest.fixture
def store(workspace):
    with open_store(workspace) as s:
        yield s


@pytest.fixture
def project(store):
    return store.get_project("lighthouse")


def _count(store) -> tuple[int, int]:
    return (store.db.fetchone("SELECT count(*) FROM review_notes")[0],
            store.db.fetchone("SELECT count(*) FROM review_note_events")[0])


# -- timecodes -------------------------------------------------------------------------------------
@pytest.mark.parametrize("fps", [24, 25, 30])
def test_timecodes_are_exact_frames_at_the_projects_rate(fps):
    for frame in (0, 1, fps - 1, fps, 59 * fps + fps - 1, 3600 * fps + 7):
        assert review.parse_timecode(timecode(frame, fps), fps) == frame
    assert timecode(fps * 62 + 5, fps) == "00:01:02:05"
    with pytest.raises(review.BadTimecode, match=f"frame {fps} does not exist at {fps} fps"):
        review.parse_timecode(f"00:00:01:{fps:02d}", fps)
    for bad in ("1:02:03", "00:00:61:00", "00:00:01.5", "", "00:00:01;05"):
        with pytest.raises(review.BadTimecode):
            review.parse_timecode(bad, fps)


def test_a_note_at_a_timecode_lands_on_the_shot_that_holds_that_frame(store, project):
    cut = review.cut(store, project)
    assert cut.from_film and cut.fps == project.config.fps
    second = cut.shots[1]
    last_of_first, first_of_second = timecode(second.start_frame - 1, cut.fps), timecode(second.start_frame, cut.fps)
    before = review.add_note(store, project, "film", "the light pops on the cut", at=last_of_first)
    after = review.add_note(store, project, "film", "the light pops on the cut", at=first_of_second)
    assert (before.shot, before.frame, before.timecode) == (cut.shots[0].shot_id, second.start_frame - 1, last_of_first)
    assert (after.shot, after.frame, after.timecode) == (second.shot_id, second.start_frame, first_of_second)
    on_shot = review.add_note(store, project, second.shot_id, "hold this longer", category="timing")
    assert on_shot.frame == second.start_frame and on_shot.timecode == first_of_second  # default: its first frame
    inside = review.add_note(store, project, second.shot_id, "here", at=second.start_frame + second.frames - 1)
    assert inside.shot == second.shot_id


def test_notes_on_unknown_shots_scenes_or_times_are_refused_and_write_nothing(store, project):
    cut = review.cut(store, project)
    before = _count(store)
    with pytest.raises(review.UnknownShot, match="no shot 'SC999_SH0010'.*SC010_SH0010"):
        review.add_note(store, project, "SC999_SH0010", "too dark")
    with pytest.raises(review.UnknownShot, match="no scene '99'"):
        review.add_note(store, project, "scene/99", "too dark")
    with pytest.raises(review.BadTimecode, match="after the end of the film"):
        review.add_note(store, project, "film", "too dark", at="09:00:00:00")
    with pytest.raises(review.BadTimecode, match=f"is in {cut.shots[1].shot_id}, not in {cut.shots[0].shot_id}"):
        review.add_note(store, project, cut.shots[0].shot_id, "too dark", at=cut.shots[1].start_frame)
    with pytest.raises(review.UnknownCategory, match="no review category 'colour'.*look"):
        review.add_note(store, project, cut.shots[0].shot_id, "too dark", category="colour")
    with pytest.raises(review.ReviewError, match="needs text"):
        review.add_note(store, project, cut.shots[0].shot_id, "   ")
    assert _count(store) == before


# -- categories: suggested by rules, confirmed by a person ------------------------------------------
@pytest.mark.parametrize("text, category, stage", [
    ("the horizon line is crooked in shot 3", "composition", "frames"),
    ("Elsa's line in scene 3 sounds wrong", "dialogue", "script"),
    ("her line here should be softer", "dialogue", "script"),
    ("her jacket is muddy here but clean in the next shot", "continuity", "visual_states"),
    ("this shot is too long", "timing", "shots"),
    ("we need a close-up of the radio, not a wide shot", "coverage", "shots"),
    ("the lighting is too dark", "look", "frames"),
    ("the radio is missing from the shot, it should show on the table", "prompt", "prompts"),
    ("weird motion glitch at the end", "motion", "video"),
    ("why does she leave the lighthouse? the plot makes no sense", "story", "script"),
])
def test_the_rules_suggest_by_weight_not_first_match(text, category, stage):
    found = review.suggest(text)
    assert (found.category, found.stage, found.by) == (category, stage, "rules")
    assert review.route(text) == stage


def test_nothing_matched_is_no_suggestion_not_a_default_stage(store, project):
    assert review.suggest("hmm, not sure about this one") is None
    note = review.add_note(store, project, review.cut(store, project).shots[0].shot_id, "hmm, not sure about this one")
    assert (note.category, note.suggested_category, note.stage) == (None, None, None)
    with pytest.raises(review.ReviewError, match="has no category yet"):
        review.go_to(store, project, note.id)
    with pytest.raises(review.ReviewError, match="no suggested category"):
        review.confirm_category(store, project, note.id)
    confirmed = review.confirm_category(store, project, note.id, "look", author="kim")
    assert (confirmed.category, confirmed.stage) == ("look", "frames")


def test_a_suggestion_waits_for_a_person_who_confirms_or_overrides_it(store, project):
    shot = review.cut(store, project).shots[2].shot_id
    note = review.add_note(store, project, shot, "the horizon line is crooked in shot 3", author="dir")
    assert not note.confirmed and note.suggested_category == "composition" and note.stage == "frames"
    confirmed = review.confirm_category(store, project, note.id, author="kim")
    assert confirmed.confirmed and confirmed.category == "composition"
    overridden = review.confirm_category(store, project, note.id, "coverage", author="kim")
    assert (overridden.category, overridden.stage) == ("coverage", "shots")
    assert store.note(project.id, note.id) == overridden
    history = [(e.action, e.author) for e in store.note_events(note.id)]
    assert history == [("added", "dir"), ("clips seen", "dir"), ("category confirmed", "kim"),
                       ("category confirmed", "kim")]


def test_go_to_stage_names_the_stage_page_and_artifact_for_the_shot(store, project):
    cut = review.cut(store, project)
    shot = cut.shots[4]
    cases = {"composition": ("frames", 10, "Frames", f"shot/{shot.shot_id}/frames"),
             "timing": ("shots", 7, "Production", f"scene/{shot.scene}/shots"),
             "continuity": ("visual_states", 8, "Production", f"scene/{shot.scene}/states"),
             "prompt": ("prompts", 9, "Prompts", f"shot/{shot.shot_id}/prompt"),
             "dialogue": ("script", 4, "Story", "script"),
             "motion": ("video", 12, "Review", f"shot/{shot.shot_id}/video")}
    for category, (stage, number, page, key) in cases.items():
        note = review.add_note(store, project, shot.shot_id, "fix this", category=category)
        link = review.go_to(store, project, note.id)
        assert (link.stage, link.number, link.page, link.artifact_key, link.shot, link.scene) == \
            (stage, number, page, key, shot.shot_id, shot.scene)
        assert store.head(project, key) is not None, key  # it opens something that exists


def test_states_and_listing(store, project):
    shot = review.cut(store, project).shots[0].shot_id
    a = review.add_note(store, project, shot, "too dark", category="look")
    b = review.add_note(store, project, shot, "too long", category="timing")
    review.set_state(store, project, b.id, "in progress")
    review.set_state(store, project, a.id, "won't fix")
    assert [n.id for n in review.list_notes(store, project, state="in_progress")] == [b.id]
    assert [n.id for n in review.list_notes(store, project, state=["open", "wont_fix"])] == [a.id]
    assert [n.id for n in review.list_notes(store, project, shot=shot)] == [a.id, b.id]
    with pytest.raises(review.ReviewError, match="unknown note state 'done'"):
        review.set_state(store, project, a.id, "done")
    with pytest.raises(ValueError, match="unknown note state"):
        review.list_notes(store, project, state="done")
    from aiuteur.store.notes import NoteNotFound
    with pytest.raises(NoteNotFound, match="aiuteur notes PROJECT"):
        review.set_state(store, project, "note_nope", "open")


# -- the routing table is data, editable -----------------------------------------------------------
def test_an_edited_routing_table_changes_where_notes_go(store, project, tmp_path, monkeypatch):
    table = json.loads(review.routes_file().read_text())
    for row in table["routes"]:
        if row["category"] == "composition":
            row["stage"] = "shots"  # this studio fixes framing in the shot list
    table["routes"].append({"category": "vfx", "stage": "video", "description": "compositing",
                            "keywords": ["green screen", "composite", "matte"]})
    edited = tmp_path / "routes.json"
    edited.write_text(json.dumps(table))
    monkeypatch.setenv(review.ROUTES_ENV, str(edited))
    assert review.routes_file() == edited
    shot = review.cut(store, project).shots[0].shot_id
    assert review.add_note(store, project, shot, "the horizon is crooked").stage == "shots"
    assert review.add_note(store, project, shot, "the matte edge shows").suggested_category == "vfx"
    assert "vfx" in review.load_routes().categories


@pytest.mark.parametrize("content, message", [
    ('{"routes": [{"category": "look", "stage": "lighting", "description": "x", "keywords": []}]}',
     "routes to 'lighting', which is no stage"),
    ('{"routes": [{"category": "look", "stage": "frames", "description": "x"},'
     ' {"category": "look", "stage": "video", "description": "y"}]}', "listed twice"),
    ('{"routes": [{"category": "Look!", "stage": "frames", "description": "x"}]}', r"routes\[0\]: category: String should match"),
    ("not json", "cannot read the review routing table"),
])
def test_a_broken_routing_table_is_a_typed_error_naming_the_file(content, message, tmp_path, monkeypatch):
    path = tmp_path / "routes.json"
    path.write_text(content)
    monkeypatch.setenv(review.ROUTES_ENV, str(path))
    with pytest.raises(review.RouteTableError, match=message) as caught:
        review.load_routes()
    assert str(path) in str(caught.value)


def test_the_shipped_table_covers_every_fixing_stage():
    table = review.load_routes()
    assert {r.stage for r in table.routes} >= {"script", "shots", "visual_states", "prompts", "frames", "video"}
    assert all(r.description and r.keywords for r in table.routes)


# -- an old workspace keeps its notes ---------------------------------------------------------------
def test_notes_written_before_migration_7_are_kept_and_readable(tmp_path, monkeypatch):
    path = tmp_path / "old.duckdb"
    older = [m for m in database.migration_files() if m[0] < 7]
    monkeypatch.setattr(database, "migration_files", lambda: older)
    with Store(path) as old:
        assert old.db.schema_version() == 6
        old.db.execute("INSERT INTO review_notes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       ["note_old1", "prj_x", "SC010_SH0020", "script", "her line is wrong", "dir", "open",
                        database.utcnow()])
        old.db.execute("INSERT INTO review_notes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       ["note_old2", "prj_x", "scene/2", "frames", "too dark", "dir", "resolved", database.utcnow()])
    monkeypatch.undo()
    with Store(path) as new:
        assert new.db.schema_version() >= 7
        notes = {n.id: n for n in new.notes("prj_x")}
    assert notes["note_old1"].state == "open" and notes["note_old1"].shot == "SC010_SH0020"
    assert notes["note_old1"].suggested_category == "story" and notes["note_old1"].stage == "script"
    assert notes["note_old2"].state == "resolved" and notes["note_old2"].shot is None
    assert notes["note_old2"].suggested_category == "look" and notes["note_old2"].category is None
    con = duckdb.connect(str(path), read_only=True)
    assert "status" not in {c[0] for c in con.execute("DESCRIBE review_notes").fetchall()}
    con.close()
