"""The job runner: retries (Retry-After, backoff), no retry on final errors, limits, long-running
operations, resume, progress. A `FakeClock` stands in for time, so no test waits for a backoff."""
from __future__ import annotations

import asyncio
import threading
import time

import pytest
from pydantic import BaseModel

from aiuteur import jobs
from aiuteur.costs import ledger
from aiuteur.engines.gateway import Call, generate_image, generate_images, generate_text, generate_video, idempotency_key
from aiuteur.engines.protocols import EngineError, ImageRequest, TextRequest, VideoRequest
from aiuteur.engines.templates import load_template
from aiuteur.jobs import FakeClock, JobFailed, ProviderLimits, RetryPolicy, Runner
from aiuteur.jobs import queue, table
from aiuteur.jobs.retry import wait_retry_after
from aiuteur.jobs.throttle import ProviderThrottle
from aiuteur.jobs.testing import run_async, ScriptedEngine, ScriptedOperationEngine

IMAGE = "openai:gpt-image-1"  # $0.042 an image in data/prices.json
VIDEO = "veo:veo-3.1-fast-generate-preview"  # $0.15 a second


class Answer(BaseModel):
    text: str


@pytest.fixture
def project(store, config):
    return store.create_project("p", config)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def runner(clock):
    runner = Runner(clock=clock, default_limits=ProviderLimits(concurrency=4, call_timeout=5, poll_interval=2.0),
                    retry=RetryPolicy(max_attempts=4, initial=1.0, jitter=0.0))
    with jobs.using(runner):
        yield runner
    runner.close()


def image_call(project):
    return Call(project, "frames", load_template("frame"))


def image_request(i: int = 0) -> ImageRequest:
    return ImageRequest(prompt=f"frame {i}", width=64, height=64)


@pytest.fixture
def frame(tmp_path):
    path = tmp_path / "start.png"
    path.write_bytes(b"\x89PNG fake start frame")
    return path


def video_request(frame, i: int = 0) -> VideoRequest:
    return VideoRequest(prompt=f"shot {i}", duration=4.0, fps=24, width=64, height=36, start_frame=frame)


def the_job(store, project):
    [job] = table.list_jobs(store, project.id)
    return job


# -- retries -------------------------------------------------------------------------------------
def test_a_429_is_retried_after_its_retry_after(store, project, runner, clock):
    engine = ScriptedEngine(IMAGE, ["429:7"])
    ref, outcome = generate_image(store, image_call(project), engine, image_request())
    assert len(engine.calls) == 2 and not outcome.cached and store.has_media(ref)
    assert clock.sleeps == [7.0]  # the provider's hint, not the 1 s backoff
    job = the_job(store, project)
    assert job.status == "done" and job.attempts == 2 and job.generation_id == outcome.generation_id
    assert [g.status for g in store.generations(project.id)] == ["ok"]  # one generation per job, not per try


def test_5xx_and_timeouts_back_off_exponentially(store, project, runner, clock):
    engine = ScriptedEngine(IMAGE, ["500", "timeout", "500"])
    generate_image(store, image_call(project), engine, image_request())
    assert len(engine.calls) == 4
    assert clock.sleeps == [1.0, 2.0, 4.0]  # initial * 2**n, jitter 0 here


def test_backoff_has_jitter_and_a_ceiling():
    from tenacity import RetryCallState

    policy = RetryPolicy(initial=1.0, max_wait=10.0, jitter=1.0)
    wait = wait_retry_after(policy)
    state = RetryCallState(None, None, (), {})
    for attempt, low in ((1, 1.0), (2, 2.0), (3, 4.0), (6, 10.0)):
        state.attempt_number = attempt
        delays = {wait(state) for _ in range(20)}
        assert all(low <= d <= min(low + 1.0, 10.0) for d in delays)
        if low < 10.0:
            assert len(delays) > 1  # jittered


def test_a_runner_timeout_counts_as_a_retryable_timeout(store, project, clock):
    engine = ScriptedEngine(IMAGE, ["stall"])
    runner = Runner(clock=clock, default_limits=ProviderLimits(call_timeout=0.2), retry=RetryPolicy(jitter=0.0))
    try:
        with jobs.using(runner):
            generate_image(store, image_call(project), engine, image_request())
    finally:
        engine.release()
        runner.close()
    assert len(engine.calls) == 2 and the_job(store, project).attempts == 2


def test_retries_run_out_and_the_job_fails(store, project, runner):
    engine = ScriptedEngine(IMAGE, default="500")
    with pytest.raises(JobFailed, match="500 Internal Server Error"):
        generate_image(store, image_call(project), engine, image_request())
    assert len(engine.calls) == 4  # max_attempts
    job = the_job(store, project)
    assert job.status == "failed" and job.attempts == 4


@pytest.mark.parametrize("step, reason", [("400", "invalid value for 'duration'"),
                                          ("safety", "prompt was flagged by the safety system: violence")])
def test_no_retry_on_a_request_that_cannot_succeed(store, project, runner, clock, step, reason):
    engine = ScriptedEngine(IMAGE, [step])
    with pytest.raises(JobFailed) as raised:
        generate_image(store, image_call(project), engine, image_request())
    assert len(engine.calls) == 1 and clock.sleeps == []
    assert raised.value.reason == reason
    job = the_job(store, project)
    assert job.status == "failed" and job.provider_reason == reason and job.attempts == 1
    [generation] = store.generations(project.id)
    assert generation.status == "error" and generation.id == job.generation_id and generation.actual_cost == 0.0


def test_an_unknown_exception_is_not_retried(store, project, runner):
    engine = ScriptedEngine(IMAGE, [RuntimeError("bug in the engine")])
    with pytest.raises(EngineError, match="bug in the engine"):
        generate_image(store, image_call(project), engine, image_request())
    assert len(engine.calls) == 1


def test_provider_errors_are_read_by_their_attributes(store, project, runner, clock):
    """The provider engines' own error classes need not derive from aiuteur.engines.errors."""

    class TheirRateLimit(EngineError):
        retryable = True
        retry_after = 3.0
        status = 429

    engine = ScriptedEngine(IMAGE, [TheirRateLimit("quota")])
    generate_image(store, image_call(project), engine, image_request())
    assert len(engine.calls) == 2 and clock.sleeps == [3.0]


# -- limits ----------------------------------------------------------------------------------------
def test_concurrency_never_exceeds_the_provider_limit(store, project, clock):
    engine = ScriptedEngine(IMAGE, latency=0.05, gather=3)  # the first calls wait until three run at once
    runner = Runner(clock=clock, limits={"openai": ProviderLimits(concurrency=3)})
    try:
        with jobs.using(runner):
            results = list(generate_images(store, [(image_call(project), image_request(i)) for i in range(24)], engine))
    finally:
        runner.close()
    assert len(results) == 24 and all(r.error is None for r in results)
    assert len(engine.calls) == 24
    assert engine.peak <= 3  # never more in flight than the limit...
    assert engine.peak == 3  # ...and the limit was used


def _no_minute_holds_more_than(starts: list[float], rpm: int) -> bool:
    return all(sum(1 for s in starts if t <= s < t + 60) <= rpm for t in starts)


def test_requests_per_minute_are_paced_when_many_wait():
    clock = FakeClock()
    throttle = ProviderThrottle(ProviderLimits(concurrency=5, rpm=2), clock)
    starts: list[float] = []

    async def one() -> None:
        await throttle.pace()
        starts.append(clock.now())  # no await in between: the time the request may start

    async def many() -> None:
        await asyncio.gather(*(one() for _ in range(5)))

    run_async(many())
    assert len(starts) == 5 and _no_minute_holds_more_than(starts, 2)
    assert max(starts) - min(starts) >= 120


def test_the_runner_paces_requests_per_minute(store, project, clock):
    starts: list[float] = []
    engine = ScriptedEngine(IMAGE, default=lambda: starts.append(clock.now()))
    runner = Runner(clock=clock, limits={"openai": ProviderLimits(concurrency=1, rpm=2)})
    try:
        with jobs.using(runner):
            list(generate_images(store, [(image_call(project), image_request(i)) for i in range(5)], engine))
    finally:
        runner.close()
    assert len(starts) == 5 and _no_minute_holds_more_than(starts, 2)
    assert max(starts) - min(starts) >= 120


def test_a_429_cools_the_whole_provider_down(store, project, clock):
    starts: list[float] = []

    def record():
        starts.append(clock.now())

    engine = ScriptedEngine(IMAGE, ["429:30"], default=record)
    runner = Runner(clock=clock, limits={"openai": ProviderLimits(concurrency=1)}, retry=RetryPolicy(jitter=0.0))
    try:
        with jobs.using(runner):
            list(generate_images(store, [(image_call(project), image_request(i)) for i in range(3)], engine))
    finally:
        runner.close()
    first_429 = 1000.0
    assert len(starts) == 3 and all(s >= first_429 + 30 for s in starts)


# -- batches, keys, progress -----------------------------------------------------------------------
def test_the_same_request_twice_in_a_batch_is_one_job(store, project, runner):
    engine = ScriptedEngine(IMAGE)
    results = list(generate_images(store, [(image_call(project), image_request(1))] * 2, engine))
    assert len(engine.calls) == 1 and len(table.list_jobs(store, project.id)) == 1
    assert {r.index for r in results} == {0, 1} and results[0].value == results[1].value


def test_a_batch_with_failures_returns_the_rest(store, project, runner):
    requests = [image_request(i) for i in range(3)]
    bad = ScriptedEngine(IMAGE, ["ok", "safety", "ok"])
    results = sorted(generate_images(store, [(image_call(project), r) for r in requests], bad), key=lambda r: r.index)
    assert sum(r.error is not None for r in results) == 1 and sum(r.error is None for r in results) == 2
    assert jobs.progress(store, project) == jobs.JobCounts(done=2, failed=1)


def test_progress_is_reported_as_jobs_move(store, project, clock):
    seen: list[jobs.JobCounts] = []
    runner = Runner(clock=clock)
    engine = ScriptedEngine(IMAGE)
    specs = [_spec(project, i) for i in range(3)]
    created = queue.enqueue(store, specs)
    try:
        run_async(runner.run(store, created, engines={IMAGE: engine}, on_progress=seen.append))
    finally:
        runner.close()
    assert seen[-1] == jobs.JobCounts(done=3)
    assert any(c.running for c in seen)
    assert list(jobs.watch(store, project)) == [jobs.JobCounts(done=3)]


def _spec(project, i: int, engine_id: str = IMAGE) -> queue.JobSpec:
    request = image_request(i)
    return queue.JobSpec(project=project, kind="image", stage="frames", engine=engine_id,
                         key=idempotency_key(engine_id, "image", request), request=request, template_id="frame",
                         template_version="1", estimate_usd=0.042)


# -- long-running operations -----------------------------------------------------------------------
def test_a_video_operation_is_started_once_and_polled(store, project, runner, clock, frame):
    engine = ScriptedOperationEngine(VIDEO, polls=3)
    ref, _ = generate_video(store, Call(project, "video", load_template("video")), engine, video_request(frame))
    assert len(engine.starts) == 1 and engine.poll_log == engine.starts * 3
    assert clock.sleeps == [2.0, 2.0]  # the poll interval between polls
    assert the_job(store, project).operation_id == engine.starts[0]
    assert store.generations(project.id)[0].usage["video_seconds"] == 4.0


def test_a_failed_poll_polls_again_and_does_not_start_again(store, project, runner, frame):
    engine = ScriptedOperationEngine(VIDEO, poll_script=["500", "ok"], polls=2)
    generate_video(store, Call(project, "video", load_template("video")), engine, video_request(frame))
    assert len(engine.starts) == 1 and len(engine.poll_log) == 3


def test_a_dead_operation_is_started_anew(store, project, runner, frame):
    engine = ScriptedOperationEngine(VIDEO, poll_script=["operation-failed"], polls=1)
    generate_video(store, Call(project, "video", load_template("video")), engine, video_request(frame))
    assert len(engine.starts) == 2
    assert the_job(store, project).operation_id == engine.starts[1]


def test_the_idempotency_key_is_given_to_providers_that_take_one(store, project, runner, frame):
    keys = []

    class Keyed(ScriptedOperationEngine):
        def start(self, request, idempotency_key=None):
            keys.append(idempotency_key)
            return super().start(request)

    engine = Keyed(VIDEO, polls=1)
    request = video_request(frame)
    generate_video(store, Call(project, "video", load_template("video")), engine, request)
    assert keys == [idempotency_key(VIDEO, "video", request)]


def test_resume_polls_an_operation_in_flight_instead_of_paying_again(store, project, clock, frame):
    """A process started the operation, saved its id, and died; the next one only polls."""
    engine = ScriptedOperationEngine(VIDEO, polls=2)
    request = video_request(frame)
    spec = queue.JobSpec(project=project, kind="video", stage="video", engine=VIDEO,
                         key=idempotency_key(VIDEO, "video", request), request=request, template_id="video",
                         template_version="1", estimate_usd=0.6)
    [job] = queue.enqueue(store, [spec])
    operation = engine.start(request)  # what the dead process did...
    table.mark_attempt(store, job.id, 1)
    table.set_operation(store, job.id, operation)  # ...and saved
    runner = Runner(clock=clock)
    try:
        [result] = jobs.resume(store, project, engines={VIDEO: engine}, runner=runner)
    finally:
        runner.close()
    assert result.job.status == "done" and len(engine.starts) == 1 and set(engine.poll_log) == {operation}
    assert jobs.resume(store, project, engines={VIDEO: engine}, runner=runner) == []  # nothing left open
    totals = ledger.totals(store, project.id)
    assert totals.reserved_usd == 0 and totals.spent_usd == pytest.approx(0.6)


def test_resume_finishes_a_text_job_with_its_schema_from_the_row(store, project, clock):
    request = TextRequest(task="beats", system="s", prompt="resume me")
    key = idempotency_key("openai:gpt-4.1-mini", "text", request, {"schema": "Answer"})
    spec = queue.JobSpec(project=project, kind="text", stage="beats", engine="openai:gpt-4.1-mini", key=key,
                         request=request, template_id="beats", template_version="1", estimate_usd=0.01,
                         schema=f"{Answer.__module__}:Answer")
    queue.enqueue(store, [spec])
    engine = ScriptedEngine("openai:gpt-4.1-mini")
    runner = Runner(clock=clock)
    try:
        [result] = jobs.resume(store, project, engines={engine.id: engine}, runner=runner)
    finally:
        runner.close()
    assert result.job.status == "done" and result.value == Answer(text="resume me")
    # the stage asking again finds it paid for
    answer, outcome = generate_text(store, Call(project, "beats", load_template("beats")), engine, request, Answer)
    assert outcome.cached and len(engine.calls) == 1


def test_cancelling_a_running_operation_stops_polling_and_tells_the_provider(store, project, frame):
    engine = ScriptedOperationEngine(VIDEO, polls=10**9)
    runner = Runner(default_limits=ProviderLimits(poll_interval=0.01))
    errors: list[BaseException] = []

    def run():
        try:
            with jobs.using(runner):
                generate_video(store, Call(project, "video", load_template("video")), engine, video_request(frame))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        for _ in range(500):
            if engine.poll_log:
                break
            time.sleep(0.01)
        job = the_job(store, project)
        assert jobs.cancel(store, project, job.id)
        thread.join(10)
    finally:
        runner.close()
    assert not thread.is_alive()
    assert errors and isinstance(errors[0], jobs.JobCancelled)
    assert the_job(store, project).status == "cancelled" and engine.cancelled == engine.starts
    assert ledger.totals(store, project.id).reserved_usd == 0


# -- paid output is checked before it counts ------------------------------------------------------
def test_an_image_that_does_not_decode_is_rejected_billed_and_retried(store, project, runner, clock):
    engine = ScriptedEngine(IMAGE, ["corrupt"])
    ref, outcome = generate_image(store, image_call(project), engine, image_request())
    assert len(engine.calls) == 2  # the corrupt answer was not kept: asked again
    assert store.media_path(ref).read_bytes()[:4] == b"\x89PNG"  # what counts is the second, real image
    job = the_job(store, project)
    assert job.status == "done" and job.attempts == 2
    [generation] = [g for g in store.generations(project.id) if g.status == "ok"]
    assert generation.actual_cost == pytest.approx(2 * 0.042)  # the rejected image was billed too
    charges = [e for e in ledger.entries(store, project.id) if e.entry == "charge"]
    assert any("output rejected: image did not decode" in e.note for e in charges)
    assert ledger.totals(store, project.id).spent_usd == pytest.approx(2 * 0.042)


@pytest.mark.parametrize("step, words", [("corrupt", "image did not decode"),
                                         ("wrong-size", "image is 513x1024, the model makes 1024x1024")])
def test_an_image_rejected_every_time_fails_the_job_with_the_reason_and_its_cost(store, project, runner, step, words):
    engine = ScriptedEngine(IMAGE, default=step)
    with pytest.raises(JobFailed, match=f"output rejected: {words}"):
        generate_image(store, image_call(project), engine, image_request())
    assert len(engine.calls) == 4  # within the retry policy
    job = the_job(store, project)
    assert job.status == "failed" and f"output rejected: {words}" in job.error
    assert [g.status for g in store.generations(project.id)] == ["error"]  # never a fulfilled generation
    assert store.generations(project.id)[0].actual_cost == pytest.approx(4 * 0.042)
    assert store.fulfilled_generation(job.idempotency_key) is None
    totals = ledger.totals(store, project.id)
    assert totals.spent_usd == pytest.approx(4 * 0.042) and totals.reserved_usd == 0


def test_a_corrupt_clip_drops_its_operation_and_a_new_one_is_bought(store, project, runner, frame):
    engine = ScriptedOperationEngine(VIDEO, poll_script=["corrupt"], polls=1)
    ref, _ = generate_video(store, Call(project, "video", load_template("video")), engine, video_request(frame))
    assert len(engine.starts) == 2 and engine.poll_log == engine.starts  # not polled again: bought anew
    assert the_job(store, project).operation_id == engine.starts[1]
    from aiuteur.render import probe
    assert probe(store.media_path(ref)).duration == pytest.approx(4.0, abs=0.05)
    assert ledger.totals(store, project.id).spent_usd == pytest.approx(2 * 4 * 0.15)


def test_a_clip_of_the_wrong_length_is_rejected(store, project, runner, frame):
    engine = ScriptedOperationEngine(VIDEO, poll_script=["wrong-size"] * 4, polls=1)
    with pytest.raises(JobFailed, match=r"output rejected: video is 2 s long, 4 s was bought"):
        generate_video(store, Call(project, "video", load_template("video")), engine, video_request(frame))
    assert len(engine.starts) == 4


def test_a_fulfilled_but_corrupt_output_is_not_reused_and_is_checked_once(store, project, runner, monkeypatch):
    from aiuteur.engines import output_check

    request = image_request(7)
    key = idempotency_key(IMAGE, "image", request)
    spec = _spec(project, 7)
    [job] = queue.enqueue(store, [spec])
    from aiuteur.store import GenerationRecord
    bad = store.put_media(b"<html>not a png</html>", "image/png", width=1024, height=1024)
    store.record_generation(GenerationRecord(  # what a run before output checks left behind
        id="gen_corrupt", project_id=project.id, stage="frames", kind="image", template_id="frame",
        template_version="1", engine=IMAGE, model="gpt-image-1", rendered_prompt=request.prompt,
        params=request.model_dump(mode="json", exclude={"prompt", "system", "context"}), input_versions=[],
        usage={"images": 1}, estimated_cost=0.042, actual_cost=0.042, status="ok",
        output=bad.model_dump(mode="json"), idempotency_key=key))
    jobs.cancel(store, project, job.id)
    checks: list[str] = []
    real = output_check.problem_with
    monkeypatch.setattr(output_check, "problem_with", lambda *a, **k: checks.append("x") or real(*a, **k))
    engine = ScriptedEngine(IMAGE)
    ref, outcome = generate_image(store, image_call(project), engine, request)
    assert len(engine.calls) == 1 and not outcome.cached and ref.sha256 != bad.sha256  # bought again
    assert len(checks) == 2  # the old file, once; the new one, in the try that got it
    again, outcome = generate_image(store, image_call(project), engine, request)
    assert outcome.cached and again == ref and len(engine.calls) == 1
    assert len(checks) == 2  # a reuse costs a look-up, not a decode


# -- starts that may already be bought --------------------------------------------------------------
def _video_job(store, project, frame, i: int = 0):
    request = video_request(frame, i)
    spec = queue.JobSpec(project=project, kind="video", stage="video", engine=VIDEO,
                         key=idempotency_key(VIDEO, "video", request), request=request, template_id="video",
                         template_version="1", estimate_usd=0.6)
    [job] = queue.enqueue(store, [spec])
    return job, request


def _died_while_starting(store, engine, job, request):
    """What a process killed mid-start leaves: the start marked as sent, the provider's operation made
    (and billed), its id never saved."""
    table.mark_attempt(store, job.id, 1, starting=True)
    engine.start(request)


def test_resume_refuses_to_buy_again_a_start_that_may_be_bought(store, project, clock, frame):
    engine = ScriptedOperationEngine(VIDEO, polls=1)
    job, request = _video_job(store, project, frame)
    _died_while_starting(store, engine, job, request)
    assert table.get(store, job.id).start_uncertain
    with pytest.raises(jobs.RebuyConsentRequired, match=r"1 video start\(s\) may already be bought") as refused:
        jobs.resume_project(store, project, engines={VIDEO: engine})
    [start] = refused.value.starts
    assert start.job_id == job.id and start.possible_cost_usd == pytest.approx(0.6)
    assert "--rebuy-uncertain" in str(refused.value) and "$0.60" in str(refused.value)
    assert len(engine.starts) == 1 and table.get(store, job.id).status == "running"  # nothing ran


def test_consent_buys_it_again_and_counts_the_lost_start(store, project, clock, frame):
    engine = ScriptedOperationEngine(VIDEO, polls=1)
    job, request = _video_job(store, project, frame)
    _died_while_starting(store, engine, job, request)
    runner = Runner(clock=clock)
    try:
        report = jobs.resume_project(store, project, engines={VIDEO: engine}, runner=runner, uncertain="rebuy")
    finally:
        runner.close()
    assert report.decision == "rebuy" and [s.job_id for s in report.uncertain] == [job.id]
    assert len(engine.starts) == 2 and table.get(store, job.id).status == "done"
    totals = ledger.totals(store, project.id)
    assert totals.spent_usd == pytest.approx(2 * 0.6) and totals.reserved_usd == 0  # the provider billed two
    generation = store.fulfilled_generation(job.idempotency_key)
    assert generation.actual_cost == pytest.approx(2 * 0.6)


def test_skipping_cancels_it_and_counts_the_lost_start(store, project, clock, frame):
    engine = ScriptedOperationEngine(VIDEO, polls=1)
    job, request = _video_job(store, project, frame)
    _died_while_starting(store, engine, job, request)
    report = jobs.resume_project(store, project, engines={VIDEO: engine}, uncertain="skip")
    assert report.decision == "skip" and report.results == []
    assert len(engine.starts) == 1 and table.get(store, job.id).status == "cancelled"
    totals = ledger.totals(store, project.id)
    assert totals.reserved_usd == 0 and totals.spent_usd == pytest.approx(0.6)


def test_a_searchable_provider_settles_the_start_without_asking(store, project, clock, frame):
    engine = ScriptedOperationEngine(VIDEO, polls=1, searchable=True)
    job, request = _video_job(store, project, frame)
    other, other_request = _video_job(store, project, frame, 1)
    _died_while_starting(store, engine, job, request)  # made at the provider
    table.mark_attempt(store, other.id, 1, starting=True)  # sent, but never made
    runner = Runner(clock=clock)
    try:
        report = jobs.resume_project(store, project, engines={VIDEO: engine}, runner=runner)
    finally:
        runner.close()
    assert report.uncertain == [] and {r.job.status for r in report.results} == {"done"}
    assert engine.found == [engine.starts[0]]
    assert len(engine.starts) == 2  # the one made was polled, the one never made was started once
    assert ledger.totals(store, project.id).spent_usd == pytest.approx(2 * 0.6)


def test_a_start_with_no_answer_is_not_sent_again_without_consent(store, project, runner, frame):
    engine = ScriptedOperationEngine(VIDEO, ["lost"], polls=1)
    with pytest.raises(jobs.RebuyConsentRequired):
        generate_video(store, Call(project, "video", load_template("video")), engine, video_request(frame))
    assert len(engine.starts) == 1
    job = the_job(store, project)
    assert job.status == "running" and job.start_uncertain and "may already be bought" in job.error
    assert ledger.totals(store, project.id).reserved_usd == pytest.approx(0.6)  # held until the user decides


def test_a_start_with_no_answer_is_found_at_a_searchable_provider(store, project, runner, frame):
    engine = ScriptedOperationEngine(VIDEO, ["lost"], polls=1, searchable=True)
    generate_video(store, Call(project, "video", load_template("video")), engine, video_request(frame))
    assert len(engine.starts) == 1 and engine.found == engine.starts
    assert the_job(store, project).status == "done"


def test_a_start_the_provider_refused_is_not_uncertain(store, project, runner, frame):
    engine = ScriptedOperationEngine(VIDEO, ["500"], polls=1)
    generate_video(store, Call(project, "video", load_template("video")), engine, video_request(frame))
    assert len(engine.starts) == 1 and len(engine.calls) == 2  # the 500 made nothing: started again at once
