"""Stages 1-4 in depth: input modes, treatment comparison/edit/targeted regeneration, beat
operations, script export and scenes — every change a new version, earlier ones still readable."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from aiuteur import Engines, start_project
from aiuteur.ingest import IngestError
from aiuteur.models.project import ProjectConfig
from aiuteur.models.story import BeatSheet, MasterScript, StoryInput, TreatmentSet
from aiuteur.pipeline import run
from aiuteur.screenplay import extract_scenes, parse
from aiuteur.stages import beats, input as input_stage, script, treatment
from aiuteur.stages.gates import StageError
from aiuteur.stages.status import project_status

DATA = Path(__file__).resolve().parents[2] / "data" / "screenplays"
PLANETARIUM = DATA / "night_shift_at_the_planetarium.fountain"


@pytest.fixture
def engines():
    return Engines.offline()


@pytest.fixture
def drafted(store, idea, engines):
    project, _ = start_project(store, "film", idea, ProjectConfig(title="The Last Light", target_minutes=3))
    treatment.generate(store, project, engines)
    return project


def states(store, project) -> dict[str, str]:
    return {s.slug: s.state for s in project_status(store, project)}


# -- stage 1 ---------------------------------------------------------------------------------------
def test_expand_mode_from_an_idea(store, idea):
    project, version = start_project(store, "film", idea)
    story = version.model(StoryInput)
    assert story.mode == "expand" and story.sources == [] and version.status == "locked"


def test_adapt_mode_from_labelled_files(store, tmp_path, engines):
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n\nMara, a radio repairer in Kestrel Cove, hears her dead father's call sign.\n")
    bible = tmp_path / "bible.txt"
    bible.write_text("The cove: fog, trawlers, a shop full of valves. Theo is her son.")
    project, version = input_stage.start(store, "cove", "", ProjectConfig(title="Cove"), files=[notes, bible],
                                         labels=["notes", "world bible"])
    story = version.model(StoryInput)
    assert story.mode == "adapt" and [(s.name, s.label, s.kind) for s in story.sources] == [
        ("notes.md", "notes", "markdown"), ("bible.txt", "world bible", "text")]
    assert "adapt: notes.md (notes), bible.txt (world bible)" == version.message
    variants = store.version(treatment.generate(store, project, engines).id).model(TreatmentSet).variants
    assert "Mara" in variants[0].text  # the treatment is built from the files


def test_import_mode_goes_straight_to_stage_4(store, tmp_path):
    path = tmp_path / "planetarium.txt"
    path.write_text(PLANETARIUM.read_text())
    project, version = input_stage.start(store, "dome", "", ProjectConfig(title="Night Shift"), files=[path])
    assert version.model(StoryInput).mode == "import"
    head = store.head(project, "script")
    assert head.status == "draft" and head.model(MasterScript).fountain == PLANETARIUM.read_text()
    assert len(head.model(MasterScript).scenes) == len(extract_scenes(parse(PLANETARIUM.read_text()))) == 5
    by_slug = {s.slug: s for s in project_status(store, project)}
    assert [by_slug[k].state for k in ("input", "treatment", "beats", "script")] == ["locked", "locked", "locked", "draft"]
    assert by_slug["treatment"].imported and by_slug["beats"].imported and not by_slug["script"].imported
    sheet = store.head(project, "beats").model(BeatSheet)
    assert [b.title for b in sheet.beats] == [s.heading for s in head.model(MasterScript).scenes]
    script.approve(store, project)
    run(store, project, until="assets")  # the pipeline takes the imported stages as passed
    assert states(store, project)["assets"] in ("draft", "locked")
    assert store.head(project, "treatment").kind == "imported"  # nothing was regenerated


def test_bad_input_writes_nothing_and_names_file_and_field(store, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(IngestError, match="empty.txt: is empty"):
        input_stage.start(store, "film", "A keeper finds a radio.", files=[empty])
    with pytest.raises(StageError, match=r"config.writing_style: no writing capsule 'nope'.*noir"):
        input_stage.start(store, "film", "A keeper finds a radio.", ProjectConfig(title="T", writing_style="nope"))
    with pytest.raises(ValidationError, match="give an idea"):
        input_stage.start(store, "film", "  ")
    broken = tmp_path / "broken.fountain"
    broken.write_text("INT. ROOM - DAY\n\nBOB\nHi.\n\nANN\nHi.\n")
    assert store.list_projects() == []
    errors = input_stage.config_errors({"title": "", "target_minutes": -1, "aspect_ratio": "5:4"}, store)
    assert set(errors) == {"config.title", "config.target_minutes", "config.aspect_ratio"}
    assert input_stage.config_errors({"title": "T", "visual_style": "noir"}, store) == {}


# -- stage 2 ---------------------------------------------------------------------------------------
def test_variants_compare_side_by_side(store, drafted):
    stats = treatment.compare(store.head(drafted, "treatment").model(TreatmentSet))
    assert [s.variant for s in stats] == ["A", "B", "C"] and len({s.angle for s in stats}) == 3
    assert stats[1].beats_covered[0] == "Cold open" and len(stats[2].beats_covered) > len(stats[0].beats_covered)
    assert all(s.words > 50 and s.paragraphs >= 8 for s in stats)
    assert stats[0].characters_introduced[0] == "ELSA"


def test_manual_edit_is_a_new_version(store, drafted):
    first = store.head(drafted, "treatment")
    treatment.select(store, drafted, 1)
    edited = treatment.edit(store, drafted, "Elsa and the radio. A new, shorter treatment.")
    assert edited.status == "draft" and edited.model(TreatmentSet).chosen.text.startswith("Elsa and the radio")
    assert store.version(first.id).model(TreatmentSet).variants[1].text != edited.model(TreatmentSet).chosen.text
    assert treatment.ensure_selected(store, drafted, auto_lock=True).model(TreatmentSet).selected == 1


def test_targeted_regeneration_keeps_the_rest_byte_for_byte(store, drafted, engines):
    treatment.select(store, drafted, 0)
    before = store.head(drafted, "treatment").model(TreatmentSet)
    text = before.variants[0].text
    paragraph = text.split("\n\n")[3]
    start = text.index(paragraph)
    version = treatment.regenerate_span(store, drafted, engines, "make the storm arrive a day early",
                                        start=start, end=start + len(paragraph))
    after = version.model(TreatmentSet)
    new = after.variants[0].text
    assert new[:start] == text[:start]
    tail = text[start + len(paragraph):]
    assert new.endswith(tail) and new != text
    assert "Make the storm arrive a day early." in new[start:len(new) - len(tail)]
    assert after.variants[1:] == before.variants[1:] and version.message == "make the storm arrive a day early"
    generation = store.generations(drafted.id, stage="treatment")[-1]
    assert generation.params["task"] == "rewrite_span" and generation.params["context_report"]["truncated"] is False
    quoted = treatment.regenerate_span(store, drafted, engines, "quieter", quote=paragraph[:40], variant="A")
    assert quoted.model(TreatmentSet).variants[0].text.startswith(new[: new.index(paragraph[:40])])


@pytest.mark.parametrize("kwargs, problem", [
    ({"quote": "not in the text at all"}, "quote: the passage"),
    ({"quote": "the"}, "occurs"),
    ({"start": 10, "end": 5}, "start/end"),
    ({"start": 0, "end": 10, "quote": "x"}, "not both"),
    ({}, "give start and end"),
])
def test_span_errors_are_clear(store, drafted, engines, kwargs, problem):
    treatment.select(store, drafted, 0)
    count = len(store.history(drafted, "treatment"))
    with pytest.raises(StageError, match=problem):
        treatment.regenerate_span(store, drafted, engines, "guidance", **kwargs)
    assert len(store.history(drafted, "treatment")) == count


# -- stage 3 ---------------------------------------------------------------------------------------
def test_beat_operations_each_make_a_version(store, drafted, engines):
    treatment.select(store, drafted, 0)
    first = beats.generate(store, drafted, engines)
    titles = [b.title for b in first.model(BeatSheet).beats]
    two = next(i for i, b in enumerate(first.model(BeatSheet).beats) if b.summary.count(". ") >= 1)
    v2 = beats.move(store, drafted, two, 1)  # a beat with two sentences, now at index 1
    assert [b.title for b in v2.model(BeatSheet).beats] == titles[:1] + [titles[two]] + [t for i, t in enumerate(titles) if i not in (0, two)]
    v3 = beats.split(store, drafted, 1, 1)
    split = v3.model(BeatSheet).beats
    assert len(split) == len(titles) + 1 and split[2].title.endswith("(cont.)")
    assert abs(split[1].est_seconds + split[2].est_seconds - v2.model(BeatSheet).beats[1].est_seconds) < 0.11
    v4 = beats.merge(store, drafted, 1)
    assert [b.title for b in v4.model(BeatSheet).beats] == [b.title for b in v2.model(BeatSheet).beats][:1] + [
        f"{split[1].title} / {split[2].title}"] + [b.title for b in v2.model(BeatSheet).beats][2:]
    v5 = beats.delete(store, drafted, 0)
    v6 = beats.insert(store, drafted, 0, {"title": "Prologue", "summary": "Fog.", "purpose": "Mood", "est_seconds": 5})
    v7 = beats.edit(store, drafted, 0, summary="Thick fog over the harbor.")
    assert v7.model(BeatSheet).beats[0].summary == "Thick fog over the harbor."
    history = store.history(drafted, "beats")
    assert [v.number for v in history] == [1, 2, 3, 4, 5, 6, 7]
    assert store.version(first.id).model(BeatSheet).beats[0].title == titles[0]  # earlier versions readable
    assert store.head(drafted, "beats").id == v7.id and v5.id != v6.id


@pytest.mark.parametrize("call, problem", [
    (lambda s, p: beats.move(s, p, 0, 99), "to: the sheet has"),
    (lambda s, p: beats.split(s, p, 5, 9), "at_sentence: beat 5 has 2 sentences"),
    (lambda s, p: beats.split(s, p, 0, 1), "one sentence"),
    (lambda s, p: beats.merge(s, p, 7), "last beat"),
    (lambda s, p: beats.edit(s, p, 0, est_seconds=-3), "est_seconds"),
    (lambda s, p: beats.edit(s, p, 0, mood="dark"), "unknown fields mood"),
    (lambda s, p: beats.insert(s, p, 0, {"title": "x"}), "summary"),
])
def test_beat_operation_errors_write_nothing(store, drafted, engines, call, problem):
    treatment.select(store, drafted, 0)
    beats.generate(store, drafted, engines)
    with pytest.raises(StageError, match=problem):
        call(store, drafted)
    assert len(store.history(drafted, "beats")) == 1


def test_confirm_locks_and_warns_outside_the_tolerance(store, drafted, engines):
    treatment.select(store, drafted, 0)
    beats.generate(store, drafted, engines)
    check = beats.length_check(drafted, store.head(drafted, "beats").model(BeatSheet))
    assert check.within and check.target_seconds == 180
    beats.edit(store, drafted, 0, est_seconds=120)
    version, warning = beats.confirm(store, drafted)
    assert version.status == "locked" and "target is 180s (tolerance 15%)" in warning
    assert states(store, drafted)["beats"] == "locked"


# -- stage 4 ---------------------------------------------------------------------------------------
def test_script_export_scenes_and_approval(store, drafted, engines, tmp_path):
    treatment.select(store, drafted, 0)
    beats.generate(store, drafted, engines)
    beats.confirm(store, drafted)
    script.generate(store, drafted, engines)
    assert states(store, drafted)["script"] == "draft"
    rows = script.scene_rows(script.current(store, drafted))
    assert rows[0]["int_ext"] in ("INT", "EXT") and rows[0]["characters"] and rows[0]["eighths"] >= 1
    assert set(rows[0]) == {"number", "scene_number", "heading", "int_ext", "location", "time", "characters", "eighths"}
    fountain = script.export(store, drafted, "fountain", tmp_path / "out" / "s.fountain")
    assert fountain.read_text() == script.current(store, drafted).fountain
    html = script.export(store, drafted, "html", tmp_path / "s.html").read_text()
    assert "Courier" in html and "12pt" in html
    pdf = script.export(store, drafted, "pdf", tmp_path / "s.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and b"/Courier" in pdf
    script.approve(store, drafted)
    assert states(store, drafted)["script"] == "locked"
    json.dumps(rows)


def test_every_earlier_version_stays_readable_and_status_shows_heads(store, drafted, engines):
    treatment.select(store, drafted, 2)
    treatment.edit(store, drafted, "A different take on Elsa and the radio.")
    treatment.select(store, drafted, 2)
    for key in ("treatment",):
        history = store.history(drafted, key)
        assert all(store.version(v.id).payload == v.payload for v in history)
        assert store.head(drafted, key).id == history[-1].id
    row = next(s for s in project_status(store, drafted) if s.slug == "treatment")
    assert row.versions == len(store.history(drafted, "treatment")) == 4 and row.state == "locked"
    assert row.heads == ["treatment v4"]
