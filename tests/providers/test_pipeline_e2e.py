"""The whole pipeline, idea to film, on real engines (real SDKs over HTTP) against the fake servers."""
from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from aiuteur import Engines, open_store, run, start_project
from aiuteur.costs.prices import load_prices
from aiuteur.engines.capabilities import billed_seconds
from aiuteur.engines.protocols import Usage
from aiuteur.models.project import ProjectConfig
from aiuteur.stages.confirm import all_shots
from tests.conftest import LIGHTHOUSE
from tests.fakes.oracle import DraftOracle

pytestmark = pytest.mark.slow


def _run(tmp_path, text_fake, engines: Engines, name: str):
    oracle = DraftOracle()
    text_fake.control.respond("text", oracle.respond)
    engines = dataclasses.replace(engines, text=oracle.wrap(engines.text))
    store = open_store(tmp_path / f"{name}.duckdb")
    project, _ = start_project(store, name, LIGHTHOUSE, ProjectConfig(title="The Last Light", target_minutes=0.75))
    report = run(store, project, engines, out_dir=tmp_path / f"{name}-out")
    return store, project, report, oracle, engines


def _sum(rows, field):
    return sum(float(r.usage.get(field, 0)) for r in rows)


@pytest.fixture(scope="module")
def google_run(tmp_path_factory):
    """openai text, gemini image, veo video: the reference set in data/prices.json."""
    import os

    from _pytest.monkeypatch import MonkeyPatch

    from tests.fakes.fixtures import FAKE_KEYS, GOOGLE_ENV, offline_google_auth, vertex_env
    from tests.fakes.gemini_fake import GeminiFake
    from tests.fakes.openai_fake import OpenAIFake
    from tests.fakes.server import RunningFake

    patch = MonkeyPatch()
    for name, value in FAKE_KEYS.items():
        patch.setenv(name, value)
    for name in ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2", "GEMINI_API_KEY", *GOOGLE_ENV):
        patch.delenv(name, raising=False)
    patch.setenv("AIUTEUR_VIDEO_POLL_SECONDS", "0.01")
    openai_fake, gemini_fake = RunningFake(OpenAIFake()), RunningFake(GeminiFake())
    patch.setenv("OPENAI_BASE_URL", openai_fake.url + "/v1")
    # Gemini images through the Developer API (the key), Veo through a Vertex AI project: one Google fake
    patch.setenv("GOOGLE_GEMINI_BASE_URL", gemini_fake.url)
    offline_google_auth(patch, tmp_path_factory.mktemp("gcloud"))
    for name, value in vertex_env(gemini_fake.url, tmp_path_factory.mktemp("vertex")).items():
        patch.setenv(name, value)
    gemini_fake.control.options["video_polls"] = 2  # each operation is polled until done
    from aiuteur.jobs.limits import set_limits

    set_limits("veo", poll_interval=0.01)
    tmp = tmp_path_factory.mktemp("e2e-google")
    engines = Engines.from_ids(text="openai:gpt-4.1-mini", image="gemini:gemini-2.5-flash-image",
                               video="veo:veo-3.1-fast-generate-preview")
    store, project, report, oracle, engines = _run(tmp, openai_fake, engines, "google")
    yield dict(store=store, project=project, report=report, oracle=oracle, engines=engines,
               openai=openai_fake, gemini=gemini_fake, tmp=tmp)
    store.close()
    openai_fake.stop()
    gemini_fake.stop()
    patch.undo()
    set_limits("veo", None)
    assert os.environ.get("OPENAI_BASE_URL") != openai_fake.url + "/v1"


def test_the_film_is_made_and_delivered(google_run):
    report = google_run["report"]
    shots = all_shots(google_run["store"], google_run["project"])
    assert report.film is not None and len(report.film.clips) == len(shots) > 0
    assert report.delivery is not None and report.delivery.film.exists()
    assert report.film.duration == pytest.approx(sum(billed_seconds("veo:veo-3.1-fast-generate-preview", s.duration)
                                                     for s in shots), abs=0.5 * len(shots))


def test_every_call_went_over_http_and_was_recorded_once(google_run):
    store, project = google_run["store"], google_run["project"]
    rows = store.generations(project.id)
    kinds = Counter((g.kind, g.engine, g.status) for g in rows)
    openai_fake, gemini_fake = google_run["openai"], google_run["gemini"]
    assert kinds[("text", "openai:gpt-4.1-mini", "ok")] == openai_fake.control.count("chat") == google_run["oracle"].answered
    assert kinds[("image", "gemini:gemini-2.5-flash-image", "ok")] == gemini_fake.control.count("generateContent")
    assert kinds[("video", "veo:veo-3.1-fast-generate-preview", "ok")] == gemini_fake.control.count("predictLongRunning")
    assert sum(kinds.values()) == len(rows)  # nothing failed, nothing else was called
    # frames carry the previous frame (and character keys) as reference image parts
    with_refs = [r for r in gemini_fake.control.of("generateContent")
                 if sum("inlineData" in p for p in r.json["contents"][0]["parts"]) > 0]
    assert len(with_refs) >= len(all_shots(store, project))
    # the start frame and the end frame both went to Veo
    assert all("lastFrame" in r.json["instances"][0] for r in gemini_fake.control.of("predictLongRunning"))


def test_actual_costs_come_from_the_providers_usage(google_run):
    store, project = google_run["store"], google_run["project"]
    prices = load_prices()
    rows = store.generations(project.id)
    bills = google_run["openai"].control.usage + google_run["gemini"].control.usage
    text = [r for r in rows if r.kind == "text"]
    images = [r for r in rows if r.kind == "image"]
    videos = [r for r in rows if r.kind == "video"]
    assert _sum(text, "input_tokens") == sum(b.get("input_tokens", 0) for b in bills if b["route"] == "chat")
    assert _sum(text, "output_tokens") == sum(b.get("output_tokens", 0) for b in bills if b["route"] == "chat")
    assert _sum(images, "images") == sum(b.get("images", 0) for b in bills)
    assert _sum(videos, "video_seconds") == sum(b.get("video_seconds", 0) for b in bills)
    for row in rows:
        assert row.actual_cost == pytest.approx(prices.cost(row.engine, Usage(**row.usage)))
    for row in images:  # a frame's price is known before the call
        assert row.estimated_cost == pytest.approx(row.actual_cost)


def test_confirmation_text_and_image_lines_match_the_recorded_costs(google_run):
    store, project, report = google_run["store"], google_run["project"], google_run["report"]
    rows = store.generations(project.id)
    lines = {line.kind: line for line in report.confirmation.estimate.lines if line.scope == "project"}
    assert lines["text"].cost_usd == pytest.approx(sum(r.actual_cost for r in rows if r.kind == "text"), abs=1e-4)
    assert lines["image"].cost_usd == pytest.approx(sum(r.actual_cost for r in rows if r.kind == "image"), abs=1e-4)


def test_confirmation_video_estimate_matches_what_was_billed(google_run):
    store, project, report = google_run["store"], google_run["project"], google_run["report"]
    billed = sum(r.actual_cost for r in store.generations(project.id) if r.kind == "video")
    estimated = sum(line.cost_usd for line in report.confirmation.estimate.lines if line.kind == "video")
    assert estimated == pytest.approx(billed, abs=1e-4)


def test_running_again_pays_for_nothing(google_run):
    openai_fake, gemini_fake = google_run["openai"], google_run["gemini"]
    before = (openai_fake.control.count(), gemini_fake.control.count())
    run(google_run["store"], google_run["project"], google_run["engines"])
    assert (openai_fake.control.count(), gemini_fake.control.count()) == before


def test_other_providers_end_to_end(tmp_path, fake_anthropic, fake_openai, fake_fal):
    """anthropic text, gpt-image-1 frames (references through images.edit), Kling video through fal."""
    from aiuteur.jobs.limits import set_limits

    set_limits("fal", poll_interval=0.01)
    engines = Engines.from_ids(text="anthropic:claude-sonnet-4-6", image="openai:gpt-image-1", video="fal:kling-v4")
    store, project, report, oracle, _ = _run(tmp_path, fake_anthropic, engines, "others")
    try:
        shots = all_shots(store, project)
        assert report.film is not None and len(report.film.clips) == len(shots)
        rows = store.generations(project.id)
        assert all(r.status == "ok" for r in rows)
        assert fake_anthropic.control.count("messages") == oracle.answered == sum(r.kind == "text" for r in rows)
        images = fake_openai.control.count("images.generate") + fake_openai.control.count("images.edit")
        assert images == sum(r.kind == "image" for r in rows)
        assert fake_fal.control.count("submit") == len(shots)
        assert all(a.json["end_image_url"].startswith("data:image/png") for a in fake_fal.control.of("submit"))
        billed = sum(b["video_seconds"] for b in fake_fal.control.usage)
        assert sum(float(r.usage.get("video_seconds", 0)) for r in rows) == billed
    finally:
        store.close()
        set_limits("fal", None)
