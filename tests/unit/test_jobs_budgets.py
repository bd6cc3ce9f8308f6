"""Budgets and the ledger: cap refuses before any call, warn warns, approvals above the threshold,
estimate -> reserve -> reconcile, releases on failure and cancellation."""
from __future__ import annotations


import json

import pytest
from pydantic import BaseModel

from aiuteur import jobs
from aiuteur.costs import budgets, ledger, load_prices
from aiuteur.costs.budgets import ApprovalRequired, BudgetExceeded, BudgetWarning
from aiuteur.engines.errors import ServerError
from aiuteur.engines.gateway import Call, generate_image, generate_images, generate_text, idempotency_key
from aiuteur.engines.protocols import ImageRequest, TextRequest, Usage
from aiuteur.engines.providers.keys import max_output_tokens
from aiuteur.engines.providers.text import PROMPT_OVERHEAD_TOKENS
from aiuteur.engines.templates import load_template
from aiuteur.jobs import FakeClock, JobFailed, ProviderLimits, RetryPolicy, Runner, queue, table
from aiuteur.jobs.testing import run_async, ScriptedEngine

IMAGE = "openai:gpt-image-1"  # $0.042 an image
PRICE = 0.042


class Answer(BaseModel):
    text: str


@pytest.fixture
def project(store, config):
    return store.create_project("p", config)


@pytest.fixture
def runner():
    runner = Runner(clock=FakeClock(), default_limits=ProviderLimits(concurrency=4),
                    retry=RetryPolicy(max_attempts=3, jitter=0.0))
    with jobs.using(runner):
        yield runner
    runner.close()


def call(project):
    return Call(project, "frames", load_template("frame"))


def items(project, n: int, start: int = 0):
    return [(call(project), ImageRequest(prompt=f"frame {i}", width=64, height=64)) for i in range(start, start + n)]


def entries(store, project):
    return [(e.entry, e.amount_usd) for e in ledger.entries(store, project.id)]


# -- budget settings ------------------------------------------------------------------------------
def test_without_a_budget_spend_is_observed_only(store, project):
    budget = budgets.get_budget(store, project)
    assert (budget.mode, budget.limit_usd, budget.stored) == ("observe", None, False)


def test_the_config_budget_is_a_cap_until_one_is_set(store, config):
    project = store.create_project("q", config.model_copy(update={"budget_usd": 5.0}))
    assert (budgets.get_budget(store, project).mode, budgets.get_budget(store, project).limit_usd) == ("cap", 5.0)
    budget = budgets.set_budget(store, project, mode="warn")
    assert (budget.mode, budget.limit_usd, budget.stored) == ("warn", 5.0, True)


def test_bad_budget_settings_are_refused_with_the_field_named(store, project):
    with pytest.raises(ValueError, match="mode 'spend' is not one of"):
        budgets.set_budget(store, project, limit_usd=1.0, mode="spend")
    with pytest.raises(budgets.InvalidBudget, match="limit must be a finite number"):
        budgets.set_budget(store, project, limit_usd=-1.0, mode="cap")
    with pytest.raises(ValueError, match="needs a limit"):
        budgets.set_budget(store, project, mode="cap")
    assert not budgets.get_budget(store, project).stored  # nothing half-written


BAD_AMOUNTS = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf"), "negative": -0.01}
#: field -> (how the library sets it, the CLI arguments that set it, its name in the message)
FIELDS = {
    "limit": (lambda store, project, v: budgets.set_budget(store, project, limit_usd=v, mode="cap"),
              lambda v: ["budget", "p", f"--set={v}"], "budget limit"),
    "approval threshold": (lambda store, project, v: budgets.set_budget(store, project, approval_threshold_usd=v),
                           lambda v: ["budget", "p", f"--approval-threshold={v}"], "approval threshold"),
    "approval maximum": (lambda store, project, v: budgets.approve(store, project, "sha256:abc", max_usd=v),
                         lambda v: ["approve", "p", "sha256:abc", f"--max-usd={v}"], "approval maximum"),
}


def _money_rows(store, project) -> tuple:
    return (store.db.fetchone("SELECT count(*) FROM budgets WHERE project_id = ?", [project.id])[0],
            store.db.fetchone("SELECT count(*) FROM approvals WHERE project_id = ?", [project.id])[0],
            store.db.fetchone("SELECT count(*) FROM audit_log WHERE project_id = ? AND action LIKE 'budget.%'",
                              [project.id])[0])


@pytest.mark.parametrize("amount", list(BAD_AMOUNTS))
@pytest.mark.parametrize("field", list(FIELDS))
def test_a_bad_amount_is_refused_by_the_library_and_nothing_is_written(store, project, field, amount):
    """NaN compares false with everything: a NaN cap would let every call through."""
    set_it, _, name = FIELDS[field]
    with pytest.raises(budgets.InvalidBudget, match=rf"the {name} must be a finite number of dollars >= 0") as refused:
        set_it(store, project, BAD_AMOUNTS[amount])
    assert isinstance(refused.value, ValueError) and "set it with `aiuteur " in str(refused.value)
    assert _money_rows(store, project) == (0, 0, 0)


@pytest.mark.parametrize("amount", list(BAD_AMOUNTS))
@pytest.mark.parametrize("field", list(FIELDS))
def test_a_bad_amount_is_refused_by_the_cli_in_one_line_and_nothing_is_written(tmp_path, config, field, amount):
    from typer.testing import CliRunner

    from aiuteur.cli import app
    from aiuteur.store import Store

    workspace = tmp_path / "cli.duckdb"
    with Store(workspace) as store:
        store.create_project("p", config)
    _, arguments, name = FIELDS[field]
    text = {"nan": "nan", "inf": "inf", "-inf": "-inf", "negative": "-0.01"}[amount]
    result = CliRunner().invoke(app, arguments(text) + ["--workspace", str(workspace)])
    assert result.exit_code != 0
    said = " ".join(result.stderr.split())  # one message (the terminal may wrap it), no traceback
    assert said.startswith("error: ") and said.count("error:") == 1 and "Traceback" not in said, result.stderr
    assert f"the {name} must be a finite number of dollars >= 0" in said
    with Store(workspace) as store:
        assert _money_rows(store, store.get_project("p")) == (0, 0, 0)


def test_the_confirmation_budget_and_the_ledger_refuse_nan_too(store, project):
    with pytest.raises(budgets.InvalidBudget, match="confirmation budget"):
        budgets.dollars("confirmation budget", float("nan"))
    with pytest.raises(ValueError, match="finite number"):
        ledger.reserve(store, project.id, "job_x", IMAGE, float("nan"))
    with pytest.raises(budgets.BudgetError, match="no usable estimate"):
        budgets.admit(store, project, [budgets.Admission("job_x", IMAGE, float("nan"))])
    assert entries(store, project) == []


def test_a_nan_stored_before_it_was_refused_does_not_switch_the_cap_off(store, project):
    store.db.execute("INSERT INTO budgets VALUES (?, ?, ?, ?, current_timestamp)", [project.id, float("nan"), "cap", None])
    with pytest.raises(budgets.InvalidBudget, match="budget limit"):
        budgets.admit(store, project, [budgets.Admission("job_x", IMAGE, PRICE)])
    assert entries(store, project) == []


def test_the_config_budget_cannot_be_infinite(config):
    from pydantic import ValidationError

    for value in (float("inf"), float("nan"), -1.0):
        with pytest.raises(ValidationError):
            config.model_validate({**config.model_dump(), "budget_usd": value})


# -- cap -------------------------------------------------------------------------------------------
def test_cap_refuses_a_batch_before_any_call(store, project, runner):
    budgets.set_budget(store, project, limit_usd=0.10, mode="cap")
    spy = ScriptedEngine(IMAGE)
    with pytest.raises(BudgetExceeded, match=r"\$0\.13 .* past the budget of \$0\.10"):
        generate_images(store, items(project, 3), spy)
    assert spy.calls == []  # the spy engine saw zero calls
    assert table.list_jobs(store, project.id) == [] and entries(store, project) == []


def test_cap_counts_what_is_spent_and_reserved(store, project, runner):
    budgets.set_budget(store, project, limit_usd=0.10, mode="cap")
    spy = ScriptedEngine(IMAGE)
    assert all(r.error is None for r in generate_images(store, items(project, 2), spy))
    assert budgets.budget_status(store, project).spent_usd == pytest.approx(2 * PRICE)
    with pytest.raises(BudgetExceeded):
        generate_image(store, call(project), spy, ImageRequest(prompt="one more", width=64, height=64))
    assert len(spy.calls) == 2
    # queued-but-unfinished work holds its reservation against the cap too
    budgets.set_budget(store, project, limit_usd=0.20)
    queue.enqueue(store, [_spec(project, 10), _spec(project, 11)])
    status = budgets.budget_status(store, project)
    assert status.reserved_usd == pytest.approx(2 * PRICE) and status.remaining_usd == pytest.approx(0.20 - 4 * PRICE)
    with pytest.raises(BudgetExceeded):
        queue.enqueue(store, [_spec(project, 12)])


def test_cap_holds_for_a_direct_text_call(store, project, runner):
    budgets.set_budget(store, project, limit_usd=0.0, mode="cap")
    spy = ScriptedEngine("openai:gpt-4.1-mini")
    with pytest.raises(BudgetExceeded):
        generate_text(store, Call(project, "beats", load_template("beats")), spy,
                      TextRequest(task="beats", system="", prompt="x"), Answer)
    assert spy.calls == []


def test_offline_engines_are_never_refused(store, project):
    from aiuteur.engines.registry import get_engine

    budgets.set_budget(store, project, limit_usd=0.0, mode="cap")
    ref, _ = generate_image(store, call(project), get_engine("image", "offline:storyboard"),
                            ImageRequest(prompt="free", width=64, height=36, context={"title": "t"}))
    assert store.has_media(ref) and table.list_jobs(store, project.id) == []


# -- warn and observe -------------------------------------------------------------------------------
def test_warn_mode_warns_and_goes_ahead(store, project, runner):
    budgets.set_budget(store, project, limit_usd=0.05, mode="warn")
    spy = ScriptedEngine(IMAGE)
    with pytest.warns(BudgetWarning, match=r"past the budget of \$0\.05"):
        results = list(generate_images(store, items(project, 2), spy))
    assert len(spy.calls) == 2 and all(r.error is None for r in results)
    assert budgets.budget_status(store, project).remaining_usd == pytest.approx(0.05 - 2 * PRICE)


def test_observe_mode_records_without_checking(store, project, runner, recwarn):
    budgets.set_budget(store, project, limit_usd=0.01, mode="observe")
    spy = ScriptedEngine(IMAGE)
    list(generate_images(store, items(project, 2), spy))
    assert len(spy.calls) == 2 and not [w for w in recwarn if issubclass(w.category, BudgetWarning)]
    assert budgets.budget_status(store, project).spent_usd == pytest.approx(2 * PRICE)


# -- approvals ---------------------------------------------------------------------------------------
def test_a_call_above_the_threshold_needs_approval(store, project, runner):
    budgets.set_budget(store, project, approval_threshold_usd=0.03)
    spy = ScriptedEngine(IMAGE)
    request = ImageRequest(prompt="expensive", width=64, height=64)
    with pytest.raises(ApprovalRequired, match="above the approval threshold of \\$0.03") as refused:
        generate_image(store, call(project), spy, request)
    key = idempotency_key(IMAGE, "image", request)
    assert refused.value.scopes == [key] and spy.calls == []
    budgets.approve(store, project, key, max_usd=0.02)  # approved, but for less than it costs
    with pytest.raises(ApprovalRequired):
        generate_image(store, call(project), spy, request)
    budgets.approve(store, project, key, max_usd=0.05, approved_by="producer")
    generate_image(store, call(project), spy, request)
    assert len(spy.calls) == 1
    assert [a.approved_by for a in budgets.approvals(store, project)] == ["user", "producer"]


def test_a_call_below_the_threshold_needs_none(store, project, runner):
    budgets.set_budget(store, project, approval_threshold_usd=0.05)
    spy = ScriptedEngine(IMAGE)
    generate_image(store, call(project), spy, ImageRequest(prompt="cheap", width=64, height=64))
    assert len(spy.calls) == 1


def test_a_named_scope_approves_a_call(store, project, runner):
    budgets.set_budget(store, project, approval_threshold_usd=0.01)
    budgets.approve(store, project, "confirmation-v3/SC001_SH0010", max_usd=0.05)
    spy = ScriptedEngine(IMAGE)
    scoped = Call(project, "frames", load_template("frame"), approval="confirmation-v3/SC001_SH0010")
    generate_image(store, scoped, spy, ImageRequest(prompt="approved by scope", width=64, height=64))
    assert len(spy.calls) == 1


# -- the ledger ----------------------------------------------------------------------------------
def test_estimate_reserve_reconcile(store, project, runner):
    spy = ScriptedEngine("openai:gpt-4.1-mini")
    request = TextRequest(task="beats", system="sys", prompt="x" * 4000)
    generate_text(store, Call(project, "beats", load_template("beats")), spy, request, Answer)
    [generation] = store.generations(project.id)
    estimate = generation.estimated_cost
    # a ceiling, not a guess: one token a byte sent (schema twice, plus framing), the max-tokens answer
    schema_bytes = len(json.dumps(Answer.model_json_schema()).encode())
    ceiling = Usage(input_tokens=len(b"sys") + 4000 + 2 * schema_bytes + PROMPT_OVERHEAD_TOKENS,
                    output_tokens=max_output_tokens())
    assert estimate == pytest.approx(load_prices().cost("openai:gpt-4.1-mini", ceiling))
    billed = 1000 / 1e6 * 0.40 + 500 / 1e6 * 1.60  # the engine's usage: 1000 in, 500 out
    assert generation.actual_cost == pytest.approx(billed) and billed < estimate
    assert entries(store, project) == [("reserve", pytest.approx(estimate)), ("release", pytest.approx(-estimate)),
                                       ("charge", pytest.approx(billed))]
    totals = ledger.totals(store, project.id)
    assert totals.spent_usd == pytest.approx(billed) and totals.reserved_usd == 0
    assert ledger.entries(store, project.id)[-1].generation_id == generation.id


def test_a_text_call_is_admitted_only_when_its_ceiling_fits(store, project, runner, monkeypatch):
    """Under cap the gate reserves the most a text call can bill (its max-tokens answer), so a long
    answer can never take spend past the budget; a smaller AIUTEUR_MAX_OUTPUT_TOKENS lowers it."""
    spy = ScriptedEngine("openai:gpt-4.1-mini")
    request = TextRequest(task="beats", system="", prompt="short")
    budgets.set_budget(store, project, limit_usd=0.02, mode="cap")  # 16,000 tokens out cost $0.0256
    with pytest.raises(BudgetExceeded):
        generate_text(store, Call(project, "beats", load_template("beats")), spy, request, Answer)
    assert spy.calls == []
    monkeypatch.setenv("AIUTEUR_MAX_OUTPUT_TOKENS", "4000")  # $0.0064 at most
    generate_text(store, Call(project, "beats", load_template("beats")), spy, request, Answer)
    assert len(spy.calls) == 1


def test_a_failure_releases_its_reservation_and_is_charged_what_the_provider_bills(store, project, runner):
    free = ScriptedEngine(IMAGE, ["safety"])
    with pytest.raises(JobFailed):
        generate_image(store, call(project), free, ImageRequest(prompt="blocked", width=64, height=64))
    assert entries(store, project) == [("reserve", PRICE), ("release", -PRICE), ("charge", 0.0)]
    billed = ScriptedEngine(IMAGE, [ServerError("500 after generating", billed=Usage(images=1))], default="400")
    with pytest.raises(JobFailed):
        generate_image(store, call(project), billed, ImageRequest(prompt="billed", width=64, height=64))
    assert len(billed.calls) == 2  # the 500 was retried, the 400 was final
    totals = ledger.totals(store, project.id)
    assert totals.reserved_usd == 0 and totals.spent_usd == pytest.approx(PRICE)  # the billed failed try
    last = [g for g in store.generations(project.id) if g.status == "error"][-1]
    assert last.actual_cost == pytest.approx(PRICE)  # the generation holds the job's true cost


def test_a_billed_final_failure_is_charged(store, project, runner):
    engine = ScriptedEngine(IMAGE, [ServerError("500", billed=Usage(images=1))], default="500")
    runner.retry = RetryPolicy(max_attempts=1)
    with pytest.raises(JobFailed):
        generate_image(store, call(project), engine, ImageRequest(prompt="billed", width=64, height=64))
    assert ledger.totals(store, project.id).spent_usd == pytest.approx(PRICE)
    assert store.generations(project.id)[0].actual_cost == pytest.approx(PRICE)


def test_cancelling_releases_the_reservations(store, project, runner):
    created = queue.enqueue(store, [_spec(project, i) for i in range(3)])
    assert ledger.totals(store, project.id).reserved_usd == pytest.approx(3 * PRICE)
    cancelled = jobs.cancel_batch(store, project, created[0].batch_id)
    assert sorted(cancelled) == sorted(j.id for j in created)
    assert ledger.totals(store, project.id).reserved_usd == 0
    assert jobs.progress(store, project) == jobs.JobCounts(cancelled=3)
    assert jobs.cancel_all(store, project) == []  # nothing open is left; releasing twice gives back nothing
    assert [e for e, _ in entries(store, project)].count("release") == 3
    spy = ScriptedEngine(IMAGE)
    results = run_async(runner.run(store, created, engines={IMAGE: spy}))
    assert spy.calls == [] and {r.job.status for r in results} == {"cancelled"}


def test_cancelling_one_job_keeps_the_others(store, project, runner):
    created = queue.enqueue(store, [_spec(project, i) for i in range(2)])
    assert jobs.cancel(store, project, created[0].id)
    assert not jobs.cancel(store, project, created[0].id)  # already finished
    assert jobs.progress(store, project) == jobs.JobCounts(queued=1, cancelled=1)
    assert ledger.totals(store, project.id).reserved_usd == pytest.approx(PRICE)
    with pytest.raises(jobs.JobNotFound):
        jobs.cancel(store, project, "job_nope")


def _spec(project, i: int) -> queue.JobSpec:
    request = ImageRequest(prompt=f"queued {i}", width=64, height=64)
    return queue.JobSpec(project=project, kind="image", stage="frames", engine=IMAGE,
                         key=idempotency_key(IMAGE, "image", request), request=request, template_id="frame",
                         template_version="1", estimate_usd=PRICE)
