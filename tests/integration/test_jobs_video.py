"""Stage 12 on a paid video engine: one batch of jobs behind the stage-11 confirmation and the
budget gate, clips kept as they finish, failures named, re-runs paying for nothing."""
from __future__ import annotations

import pytest

from aiuteur import Engines, get_engine, jobs, open_store
from aiuteur.costs import budgets, ledger
from aiuteur.costs.budgets import ApprovalRequired, BudgetExceeded
from aiuteur.jobs import ProviderLimits, Runner
from aiuteur.jobs.testing import ScriptedOperationEngine
from aiuteur.models.media import ShotVideo
from aiuteur.stages import confirm, video
from aiuteur.stages.confirm import all_shots
from tests.integration.jobs_fake_video import ENGINE_ID, confirm_video_on, copy_workspace

pytestmark = pytest.mark.slow

PRICIER = "veo:veo-3.1-generate-preview"  # $0.40 a second against the fast model's $0.15


@pytest.fixture
def store(demo_run, tmp_path):
    with open_store(copy_workspace(demo_run, tmp_path)) as store:
        runner = Runner(limits={"veo": ProviderLimits(concurrency=8, poll_interval=0.0)})
        with jobs.using(runner):
            yield store
        runner.close()


@pytest.fixture
def project(store):
    return store.get_project("lighthouse")


def engines_with(engine) -> Engines:
    return Engines(get_engine("text", "offline:draft-writer"), get_engine("image", "offline:storyboard"), engine)


def test_the_batch_runs_as_jobs_and_a_rerun_pays_for_nothing(store, project):
    shots = all_shots(store, project)
    engine = ScriptedOperationEngine(ENGINE_ID, polls=2)
    confirm_video_on(store, project, engine)
    done: list[str] = []
    versions = video.generate_all(store, project, engines_with(engine), progress=done.append)
    assert len(versions) == len(shots) and sorted(done) == sorted(s.shot_id for s in shots)
    assert len(engine.starts) == len(shots)
    assert jobs.progress(store, project) == jobs.JobCounts(done=len(shots))
    for shot, version in zip(shots, versions):  # in cut order, each from its paid generation
        assert version.artifact_key == video.key(shot.shot_id)
    expected = sum(0.15 * s.duration for s in shots)
    assert ledger.totals(store, project.id).spent_usd == pytest.approx(expected)
    assert ledger.totals(store, project.id).reserved_usd == 0

    video.generate_all(store, project, engines_with(engine))
    assert len(engine.starts) == len(shots)  # nothing requested again
    assert len(jobs.list_jobs(store, project.id)) == len(shots)


def test_a_failed_shot_is_named_and_the_others_are_kept(store, project):
    shots = all_shots(store, project)
    engine = ScriptedOperationEngine(ENGINE_ID, ["ok", "safety"], polls=1)
    confirm_video_on(store, project, engine)
    with pytest.raises(video.VideoBatchFailed, match=f"1 of {len(shots)} shot clips failed") as failed:
        video.generate_all(store, project, engines_with(engine))
    [(bad_shot, error)] = failed.value.failures.items()
    assert "safety" in str(error)
    kept = [s for s in shots if s.shot_id != bad_shot]
    for shot in kept:
        head = store.head(project, video.key(shot.shot_id))
        assert head is not None and head.model(ShotVideo).media.mime == "video/mp4"
    assert jobs.progress(store, project) == jobs.JobCounts(done=len(kept), failed=1)
    assert len(engine.calls) == len(shots)  # the safety block was not retried
    [failed_job] = jobs.list_jobs(store, project.id, statuses=["failed"])
    assert "safety" in failed_job.provider_reason
    # a re-run asks again only for the shot that failed
    video.generate_all(store, project, engines_with(engine))
    assert len(engine.calls) == len(shots) + 1 and engine.calls[-1].prompt == failed_job.request["prompt"]


def test_the_confirmation_approves_each_clip_above_the_threshold(store, project):
    budgets.set_budget(store, project, approval_threshold_usd=0.10)  # every clip costs more than this
    engine = ScriptedOperationEngine(ENGINE_ID, polls=1)
    confirm_video_on(store, project, engine)
    video.generate_all(store, project, engines_with(engine))
    assert len(engine.starts) == len(all_shots(store, project))


def test_approving_a_cheaper_model_does_not_approve_a_pricier_one(store, project):
    budgets.set_budget(store, project, approval_threshold_usd=0.10)
    confirm_video_on(store, project, ENGINE_ID)  # approved at $0.15 a second
    pricier = ScriptedOperationEngine(PRICIER, polls=1)
    with pytest.raises(ApprovalRequired):
        video.generate_all(store, project, engines_with(pricier))
    assert pricier.starts == [] and jobs.list_jobs(store, project.id) == []


def test_under_cap_the_confirmation_and_the_gate_refuse_before_any_call(store, project):
    ids = {"text": "offline:draft-writer", "image": "offline:storyboard", "video": ENGINE_ID}
    cost = sum(line.cost_usd for line in confirm.estimate(store, project, ids).lines if line.kind == "video")
    assert cost > 0
    budgets.set_budget(store, project, limit_usd=round(cost / 2, 2), mode="cap")
    with pytest.raises(BudgetExceeded, match="over the budget"):
        confirm_video_on(store, project, ENGINE_ID)
    budgets.set_budget(store, project, limit_usd=cost + 1)
    confirm_video_on(store, project, ENGINE_ID)
    budgets.set_budget(store, project, limit_usd=round(cost / 2, 2))  # lowered after the approval
    spy = ScriptedOperationEngine(ENGINE_ID, polls=1)
    with pytest.raises(BudgetExceeded):
        video.generate_all(store, project, engines_with(spy))
    assert spy.calls == [] and jobs.list_jobs(store, project.id) == []
    assert ledger.entries(store, project.id) == []


def test_a_corrupt_clip_is_never_filed_and_a_corrupt_one_on_file_is_bought_again(store, project):
    from aiuteur.render import probe
    from aiuteur.store import GenerationRecord

    shots = all_shots(store, project)
    engine = ScriptedOperationEngine(ENGINE_ID, poll_script=["corrupt"], polls=1)  # the first clip is 64 bytes
    confirm_video_on(store, project, engine)
    video.generate_all(store, project, engines_with(engine))
    assert len(engine.starts) == len(shots) + 1  # the corrupt clip's operation was dropped, a new one bought
    for shot in shots:  # every filed clip is a real one, of the length bought
        media = store.head(project, video.key(shot.shot_id)).model(ShotVideo).media
        assert probe(store.media_path(media)).duration == pytest.approx(shot.duration, abs=0.1)
    [retried] = [j for j in jobs.list_jobs(store, project.id) if j.attempts == 2]
    assert retried.status == "done"
    rejected = [e for e in ledger.entries(store, project.id) if "output rejected" in e.note]
    assert len(rejected) == 1 and rejected[0].amount_usd == pytest.approx(0.15 * retried.request["duration"])  # billed

    # a clip recorded as paid before clips were checked, corrupt on disk: not reused, not filed
    job = next(j for j in jobs.list_jobs(store, project.id) if j.id != retried.id)
    paid = store.fulfilled_generation(job.idempotency_key)
    [victim] = [s for s in shots if store.head(project, video.key(s.shot_id)).generation_id == paid.id]
    corrupt = store.put_media(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 52, "video/mp4")
    store.record_generation(GenerationRecord(**{**paid.model_dump(), "id": "gen_corrupt_legacy",
                                                "output": corrupt.model_dump(mode="json")}))
    assert store.fulfilled_generation(job.idempotency_key).id == "gen_corrupt_legacy"
    assert [s.shot_id for s in video.unpaid_shots(store, project, ENGINE_ID)] == [victim.shot_id]
    video.generate_all(store, project, engines_with(engine))
    assert len(engine.starts) == len(shots) + 2  # bought again, once
    media = store.head(project, video.key(victim.shot_id)).model(ShotVideo).media
    assert media.sha256 != corrupt.sha256 and probe(store.media_path(media)).has_video
    video.generate_all(store, project, engines_with(engine))
    assert len(engine.starts) == len(shots) + 2  # and nothing more on the next run
