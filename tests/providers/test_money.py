"""Honest money: what we record is what the provider billed, and the gate reserves no less.

The fakes bill by their provider's own rules, counted on their side (`control.usage`): tokens in
their own tokenizer with the framing and schema the provider counts, the images they made at their
size and quality, the seconds of the clip they generated. Each test prices the fake's bill with
data/prices.json and holds our generation row, our ledger and our estimate against it. The budget
gate is tested the same way: under a cap, nothing starts that could take spend past it.
"""
from __future__ import annotations

import pytest
from pydantic import BaseModel

from aiuteur import Engines, jobs, run, start_project
from aiuteur.costs import budgets, ledger, load_prices
from aiuteur.costs.budgets import BudgetExceeded
from aiuteur.engines.gateway import Call, generate_image, generate_text, generate_video
from aiuteur.engines.protocols import EngineError, ImageRequest, TextRequest, Usage, VideoRequest
from aiuteur.engines.providers.fal import FalVideoEngine
from aiuteur.engines.registry import get_engine
from aiuteur.engines.templates import load_template
from aiuteur.jobs import FakeClock, ProviderLimits, RetryPolicy, Runner
from aiuteur.models.project import ProjectConfig
from tests.conftest import LIGHTHOUSE
from tests.fakes.content import png_bytes


class Answer(BaseModel):
    text: str


@pytest.fixture
def runner():
    runner = Runner(clock=FakeClock(), default_limits=ProviderLimits(concurrency=2),
                    retry=RetryPolicy(max_attempts=2, jitter=0.0))
    with jobs.using(runner):
        yield runner
    runner.close()


@pytest.fixture
def project(store, config):
    return store.create_project("p", config)


def _call(project, kind: str) -> Call:
    stage, template = {"text": ("beats", "beats"), "image": ("frames", "frame"), "video": ("video", "video")}[kind]
    return Call(project, stage, load_template(template))


def _charged(store, project) -> float:
    return sum(e.amount_usd for e in ledger.entries(store, project.id) if e.entry == "charge")


def _frame(tmp_path, name: str = "frame.png", size=(1280, 720)):
    path = tmp_path / name
    path.write_bytes(png_bytes(*size, seed=name))
    return path


def _text_bill(engine_id: str, bills: list[dict]) -> float:
    return load_prices().cost(engine_id, Usage(input_tokens=sum(b["input_tokens"] for b in bills),
                                               output_tokens=sum(b["output_tokens"] for b in bills)))


# -- text ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fixture, engine_id", [("fake_openai", "openai:gpt-4.1-mini"),
                                                ("fake_anthropic", "anthropic:claude-haiku-4-5")])
def test_a_text_call_records_what_the_provider_billed(request, store, project, runner, fixture, engine_id):
    fake = request.getfixturevalue(fixture)
    fake.control.respond("text", lambda ask: {"text": "the keeper climbs the stairs " * 80})
    answer, _ = generate_text(store, _call(project, "text"), get_engine("text", engine_id),
                              TextRequest(task="beats", system="You write beats.", prompt="The lighthouse, at night."),
                              Answer)
    billed = _text_bill(engine_id, fake.control.usage)
    [row] = store.generations(project.id)
    assert billed > 0 and answer.text.startswith("the keeper")
    assert row.actual_cost == pytest.approx(billed, abs=1e-9)  # the provider's count, not ours
    assert _charged(store, project) == pytest.approx(billed, abs=1e-6)
    assert row.estimated_cost >= billed  # the gate held at least what the call cost


def test_a_text_call_that_runs_into_its_limit_twice_is_billed_both_tries_and_no_more_than_reserved(
        store, project, runner, fake_openai, monkeypatch):
    """The worst case the estimate is built for: the answer is cut at max tokens, fails the schema,
    and the retry is cut again. Both tries are billed; both fit in what the gate reserved."""
    monkeypatch.setenv("AIUTEUR_MAX_OUTPUT_TOKENS", "300")
    fake_openai.control.respond("text", lambda ask: {"text": "word " * 2000})
    engine_id = "openai:gpt-4.1-mini"
    with pytest.raises(EngineError, match="does not fit Answer twice"):
        generate_text(store, _call(project, "text"), get_engine("text", engine_id),
                      TextRequest(task="beats", system="s", prompt="p"), Answer)
    assert len(fake_openai.control.usage) == 2 and all(b["output_tokens"] == 300 for b in fake_openai.control.usage)
    billed = _text_bill(engine_id, fake_openai.control.usage)
    [row] = store.generations(project.id)
    assert row.status == "error" and row.actual_cost == pytest.approx(billed, abs=1e-9)
    assert _charged(store, project) == pytest.approx(billed, abs=1e-6)
    assert billed <= row.estimated_cost


# -- images ----------------------------------------------------------------------------------------
def test_an_image_is_billed_at_its_size_and_quality_with_its_input_tokens(store, project, runner, fake_openai, tmp_path):
    engine = get_engine("image", "openai:gpt-image-1")
    plain = ImageRequest(prompt="the lighthouse at dusk, wide", width=1280, height=720)
    with_refs = ImageRequest(prompt="the keeper at the lamp", width=1280, height=720,
                             references=[_frame(tmp_path, "a.png", (1024, 1024)), _frame(tmp_path, "b.png")])
    prices = load_prices()
    for request in (plain, with_refs):
        _, outcome = generate_image(store, _call(project, "image"), engine, request)
        bill = fake_openai.control.usage[-1]
        billed = prices.cost("openai:gpt-image-1", Usage(images=bill["images"], tier=f"{bill['size']}/{bill['quality']}",
                                                         input_tokens=bill["input_tokens"],
                                                         input_image_tokens=bill["input_image_tokens"]))
        [row] = [r for r in store.generations(project.id) if r.id == outcome.generation_id]
        assert bill["size"] == "1536x1024" and billed > 0.063  # 16:9 is dearer than a square, and input is billed
        assert row.actual_cost == pytest.approx(billed, abs=1e-9)
        assert row.estimated_cost >= billed
    assert fake_openai.control.usage[-1]["input_image_tokens"] > 0  # the references were billed as image input
    assert _charged(store, project) == pytest.approx(sum(r.actual_cost for r in store.generations(project.id)), abs=1e-6)


# -- video (fal) -----------------------------------------------------------------------------------
def _fal_bill(engine_id: str, bills: list[dict]) -> float:
    prices = load_prices()
    return round(sum(prices.cost(engine_id, Usage(video_seconds=b["video_seconds"],
                                                  tier=f"{b['resolution']}/{'audio' if b['audio'] else 'silent'}"))
                     for b in bills), 6)


@pytest.mark.parametrize("model, audio", [("kling-v4", None), ("veo3.1-fast", False)])
def test_a_clip_records_the_seconds_fal_generated_at_its_tier(store, project, runner, fake_fal, tmp_path, model, audio):
    from aiuteur.jobs.limits import set_limits

    set_limits("fal", poll_interval=0.01)
    try:
        engine = FalVideoEngine(model, audio=audio)
        request = VideoRequest(prompt="waves on the rocks", duration=3.4, fps=24, width=1280, height=720,
                               start_frame=_frame(tmp_path), end_frame=_frame(tmp_path, "end.png"))
        generate_video(store, _call(project, "video"), engine, request)
    finally:
        set_limits("fal", None)
    engine_id = f"fal:{model}"
    billed = _fal_bill(engine_id, fake_fal.control.usage)
    [row] = store.generations(project.id)
    assert billed > 0 and row.actual_cost == pytest.approx(billed, abs=1e-9)
    assert row.estimated_cost == pytest.approx(billed, abs=1e-9)  # the length and tier were known before the call
    assert _charged(store, project) == pytest.approx(billed, abs=1e-6)
    if audio is False:  # a silent Veo clip on fal is billed at the silent price, not the default
        assert billed == pytest.approx(4 * 0.10)


def test_a_clip_longer_than_asked_is_recorded_at_the_length_fal_billed(store, project, runner, fake_fal, tmp_path):
    """The estimate says 4 s; the model makes 6 s and fal bills 6 s. What we record follows the clip,
    never the plan (the old record echoed the estimate, so estimate == billed proved nothing)."""
    from aiuteur.jobs.limits import set_limits

    fake_fal.control.options["clip_seconds"] = 6
    set_limits("fal", poll_interval=0.01)
    try:
        request = VideoRequest(prompt="waves", duration=4, fps=24, width=1280, height=720, start_frame=_frame(tmp_path))
        try:
            generate_video(store, _call(project, "video"), FalVideoEngine("kling-v4"), request)
        except EngineError:
            pass  # a clip of the wrong length may be refused by the output check: it was billed all the same
    finally:
        set_limits("fal", None)
    billed = _fal_bill("fal:kling-v4", fake_fal.control.usage)
    assert billed == pytest.approx(len(fake_fal.control.usage) * 6 * 0.157)
    assert _charged(store, project) == pytest.approx(billed, abs=1e-6)
    estimates = {round(r.estimated_cost, 6) for r in store.generations(project.id)}
    assert estimates == {round(4 * 0.157, 6)}


# -- the gate, for text and images -----------------------------------------------------------------
def test_under_a_small_cap_a_text_and_image_run_is_refused_before_any_request(store, fake_openai, runner):
    """$0.02 would pass an estimate of "2,000 output tokens" ($0.0036): the old gate let the first
    call go and hoped. The ceiling of one gpt-4.1-mini call is more than $0.02, so nothing starts."""
    project, _ = start_project(store, "capped", LIGHTHOUSE, ProjectConfig(title="The Last Light", target_minutes=0.5))
    budgets.set_budget(store, project, limit_usd=0.02, mode="cap")
    engines = Engines.from_ids(text="openai:gpt-4.1-mini", image="openai:gpt-image-1")
    with pytest.raises(BudgetExceeded, match="past the budget of \\$0.02"):
        run(store, project, engines, until="frames")
    assert fake_openai.control.count() == 0  # the refusal came before any request reached the provider
    assert ledger.entries(store, project.id) == [] and jobs.list_jobs(store, project.id) == []


def test_under_a_cap_long_answers_never_take_spend_past_it(store, project, fake_openai, runner):
    budgets.set_budget(store, project, limit_usd=0.15, mode="cap")
    fake_openai.control.respond("text", lambda ask: {"text": "word " * 12000})  # ~12,000 tokens: $0.019 each
    engine = get_engine("text", "openai:gpt-4.1-mini")
    done = 0
    with pytest.raises(BudgetExceeded):
        for i in range(20):
            generate_text(store, _call(project, "text"), engine, TextRequest(task="beats", system="s", prompt=f"take {i}"),
                          Answer)
            done += 1
    assert done >= 1 and fake_openai.control.count("chat") == done  # the refused call never reached the fake
    spent = budgets.budget_status(store, project).spent_usd
    assert spent == pytest.approx(_text_bill("openai:gpt-4.1-mini", fake_openai.control.usage), abs=1e-5)
    assert spent <= 0.15


# -- offline work costs nothing, in the confirmation too -------------------------------------------
def test_offline_work_is_priced_zero_in_the_confirmation(demo_run):
    *_, report = demo_run
    confirmation = report.confirmation
    for estimate in (confirmation.estimate, confirmation.reference):
        recorded = [line for line in estimate.lines if line.kind in ("text", "image")]
        assert recorded and all(line.cost_usd == 0 for line in recorded)
        assert {line.engine for line in recorded} <= {"offline:draft-writer", "offline:storyboard"}
    assert confirmation.estimate.total_usd == 0
    images = [line for line in confirmation.reference.lines if line.kind == "image"]
    assert sum(line.units for line in images) > 0  # the frames are counted, at what they cost: nothing
    # the reference still prices the video that is not made yet on the real video model
    assert sum(line.cost_usd for line in confirmation.reference.lines if line.kind == "video") > 0
