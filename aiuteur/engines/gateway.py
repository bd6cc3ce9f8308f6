"""The one place engine calls happen: look in the cache, call, record the generation.

Stages never write generation rows themselves. The idempotency key is a hash of the engine id,
the kind, the rendered prompt, the request's parameters and the hashes of any input media, so
the same inputs are paid for once: after a crash, a re-run, or an edit elsewhere.

Two paths, one record:

- *offline* engines (`offline:*`: local, free, deterministic) are called directly;
- every other engine is *paid*: its calls become jobs (`aiuteur.jobs`), which pass the budget
  gate (`aiuteur.costs.budgets.admit`: approval, cap, reservation) before they are queued, and run
  under per-provider limits with retries. The runner hands each result back here to be recorded.

Either way this module writes the generation row (prompt, template, engine, params, inputs,
usage, estimated and actual cost, latency, status, error, key, trace id).
"""
from __future__ import annotations

import hashlib
import importlib
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence, TypeVar

from pydantic import BaseModel

from aiuteur import tracing
from aiuteur.costs.prices import load_prices
from aiuteur.engines.errors import describe
from aiuteur.engines.protocols import (
    EngineError, ImageEngine, ImageRequest, MediaResult, SpeechEngine, SpeechRequest, TextEngine, TextRequest, Usage,
    VideoEngine, VideoRequest,
)
from aiuteur.engines.templates import Template
from aiuteur.models.media import MediaRef
from aiuteur.models.project import Project
from aiuteur.models.versions import Version
from aiuteur.store import GenerationRecord, Store
from aiuteur.store.hashing import content_hash

if TYPE_CHECKING:  # pragma: no cover
    from aiuteur.jobs.models import Job

M = TypeVar("M", bound=BaseModel)
REQUESTS: dict[str, type[BaseModel]] = {"text": TextRequest, "image": ImageRequest, "video": VideoRequest,
                                         "speech": SpeechRequest}
MEDIA_KINDS: tuple[str, ...] = ("image", "video", "speech")  # kinds whose output is a file in the media store


@dataclass(frozen=True)
class Call:
    """Who asks: the stage, the template the prompt came from, the versions it was made from, and
    optionally the approval scope that covers it (e.g. the stage-11 confirmation of one shot)."""

    project: Project
    stage: str
    template: Template
    inputs: Sequence[Version] = ()
    approval: str | None = None


@dataclass(frozen=True)
class Outcome:
    generation_id: str
    cached: bool
    note: str | None = None  # what the provider changed, e.g. "end frame not supported: first frame only"


@dataclass(frozen=True)
class BatchItem:
    """One result of a batch, in completion order: `index` into the items given."""

    index: int
    value: Any = None
    outcome: Outcome | None = None
    error: EngineError | None = None


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def idempotency_key(engine_id: str, kind: str, request: BaseModel, extra: dict[str, Any] | None = None) -> str:
    """Media paths are replaced by their content hashes: where a file lives does not matter."""
    data = request.model_dump(mode="json")
    for field in ("references", "start_frame", "end_frame"):
        value = getattr(request, field, None)
        if isinstance(value, Path):
            data[field] = file_sha256(value)
        elif isinstance(value, list):
            data[field] = [file_sha256(p) for p in value]
    return content_hash({"engine": engine_id, "kind": kind, "request": data, **(extra or {})})


def is_paid(engine_id: str) -> bool:
    """Everything but local engines (offline, and plug-ins registered `local=True`) goes through
    jobs and the budget gate."""
    from aiuteur.engines.registry import is_local

    return not is_local(engine_id)


def estimate_usage(kind: str, request: BaseModel, engine_id: str | None = None,
                   schema: type[BaseModel] | None = None) -> Usage:
    """The most a call can bill, for engines that do not say so themselves (`call_estimate`).

    The budget gate reserves this before the call starts, so it is a ceiling, not a guess: a text
    call's input at one token per byte sent (no tokenizer makes more tokens than bytes), the schema
    counted twice (providers rewrite it) plus the providers' framing, and its output at the
    max-tokens limit every real text engine sends (`AIUTEUR_MAX_OUTPUT_TOKENS`); one image; a clip
    at the length the model makes for the shot (Veo makes 4, 6 or 8 s), not the shot's own length."""
    if kind == "text":
        from aiuteur.engines.providers import keys
        from aiuteur.engines.providers.text import PROMPT_OVERHEAD_TOKENS

        text = request.system + request.prompt  # type: ignore[attr-defined]
        schema_bytes = len(json.dumps(schema.model_json_schema()).encode()) if schema is not None else 0
        return Usage(input_tokens=len(text.encode()) + 2 * schema_bytes + PROMPT_OVERHEAD_TOKENS,
                     output_tokens=keys.max_output_tokens())
    if kind == "image":
        return Usage(images=1)
    if kind == "speech":  # the line's text in, its audio out (aiuteur.sound.tts)
        from aiuteur.sound.tts import speech_usage_ceiling

        return speech_usage_ceiling(request)  # type: ignore[arg-type]
    return Usage(video_seconds=billed_video_seconds(engine_id, request.duration))  # type: ignore[attr-defined]


def call_estimate(engine: Any, kind: str, request: BaseModel, schema: type[BaseModel] | None = None) -> Usage:
    """What the budget gate reserves for a call: the engine's own `estimate` where it has one (it
    knows its provider's billing: retries inside the call, image size and quality, clip length and
    audio), else `estimate_usage`."""
    own = getattr(engine, "estimate", None)
    if callable(own):
        return own(request, schema) if kind == "text" else own(request)
    return estimate_usage(kind, request, getattr(engine, "id", None), schema)


def billed_video_seconds(engine_id: str | None, seconds: float) -> float:
    """The seconds a video engine generates and bills for a shot (the capability matrix's next
    length); the shot's own length where the matrix says nothing or the model cannot make it
    (the engine then refuses the call with its own clear error, before anything is paid)."""
    if engine_id is None:
        return seconds
    from aiuteur.engines import capabilities

    try:
        return capabilities.billed_seconds(engine_id, seconds)
    except (capabilities.CapabilityError, KeyError, ValueError):
        return seconds


def rendered_prompt(kind: str, request: BaseModel) -> str:
    if kind == "text":
        return request.system + "\n\n" + request.prompt  # type: ignore[attr-defined]
    return request.prompt  # type: ignore[attr-defined]


# -- the three calls stages make -----------------------------------------------------------------
def generate_text(store: Store, call: Call, engine: TextEngine, request: TextRequest, schema: type[M]) -> tuple[M, Outcome]:
    key = idempotency_key(engine.id, "text", request, {"schema": schema.__name__})
    cached = store.fulfilled_generation(key)
    if cached is not None:
        return schema.model_validate(cached.output), Outcome(cached.id, True)
    if is_paid(engine.id):
        return _one(_paid_batch(store, "text", [(call, request)], engine, schema=schema, keys=[key]))

    def run() -> tuple[Any, Usage, dict]:
        output, usage = engine.write(request, schema)
        return output, usage, {"output": output.model_dump(mode="json")}

    output, outcome = _record(store, call, engine.id, "text", rendered_prompt("text", request), request, key,
                              estimate_usage("text", request), run)
    return output, outcome


def generate_image(store: Store, call: Call, engine: ImageEngine, request: ImageRequest) -> tuple[MediaRef, Outcome]:
    return _one(generate_images(store, [(call, request)], engine))


def generate_video(store: Store, call: Call, engine: VideoEngine, request: VideoRequest) -> tuple[MediaRef, Outcome]:
    return _one(generate_videos(store, [(call, request)], engine))


def generate_images(store: Store, items: Sequence[tuple[Call, ImageRequest]], engine: ImageEngine) -> Iterator[BatchItem]:
    """Many images at once: results as they finish. A paid batch passes the budget gate as a whole
    (all queued or none: `BudgetExceeded` / `ApprovalRequired` come from this call) and starts
    running at once; iterate to collect the results. Offline engines run as it is iterated."""
    return _media_batch(store, "image", items, engine, lambda request: engine.image(request))


def generate_videos(store: Store, items: Sequence[tuple[Call, VideoRequest]], engine: VideoEngine) -> Iterator[BatchItem]:
    """Many clips at once; see `generate_images`."""
    return _media_batch(store, "video", items, engine, lambda request: engine.video(request))


def generate_speech(store: Store, call: Call, engine: SpeechEngine, request: SpeechRequest) -> tuple[MediaRef, Outcome]:
    """One spoken line (audio in the media store), paid once like an image."""
    return _one(generate_speeches(store, [(call, request)], engine))


def generate_speeches(store: Store, items: Sequence[tuple[Call, SpeechRequest]], engine: SpeechEngine) -> Iterator[BatchItem]:
    """Many lines at once; see `generate_images`."""
    return _media_batch(store, "speech", items, engine, lambda request: engine.speak(request))


def _one(results: Iterator[BatchItem]) -> tuple[Any, Outcome]:
    [item] = list(results)
    if item.error is not None:
        raise item.error
    assert item.outcome is not None
    return item.value, item.outcome


def _media_batch(store: Store, kind: str, items: Sequence[tuple[Call, BaseModel]], engine: Any,
                 produce: Callable[[BaseModel], MediaResult]) -> Iterator[BatchItem]:
    keys = [idempotency_key(engine.id, kind, request) for _, request in items]
    if is_paid(engine.id):
        return _paid_batch(store, kind, items, engine, keys=keys)
    return _offline_batch(store, kind, items, engine.id, keys, produce)


def _offline_batch(store: Store, kind: str, items: Sequence[tuple[Call, BaseModel]], engine_id: str,
                   keys: list[str], produce: Callable[[BaseModel], MediaResult]) -> Iterator[BatchItem]:
    for index, ((call, request), key) in enumerate(zip(items, keys)):
        paid = already_paid(store, kind, key)
        if paid is not None:
            yield BatchItem(index, MediaRef.model_validate(paid.output), Outcome(paid.id, True, _note(paid)))
            continue

        def run(request: BaseModel = request) -> tuple[Any, Usage, dict]:
            output, usage, _ = job_output(store, kind, produce(request))
            return MediaRef.model_validate(output), usage, {"output": output}

        try:
            ref, outcome = _record(store, call, engine_id, kind, rendered_prompt(kind, request), request, key,
                                   estimate_usage(kind, request, engine_id), run)
        except EngineError as exc:
            yield BatchItem(index, error=exc)
            continue
        yield BatchItem(index, ref, outcome)


def _paid_batch(store: Store, kind: str, items: Sequence[tuple[Call, BaseModel]], engine: Any, *,
                keys: list[str], schema: type[BaseModel] | None = None) -> Iterator[BatchItem]:
    """Cached items at once; the rest queued as jobs (the gate runs here, before the first result),
    run under the provider's limits, and handed back as they finish."""
    from aiuteur.jobs import queue, service  # the jobs package records through this module

    prices = load_prices()
    ready: list[BatchItem] = []
    specs: list[queue.JobSpec] = []
    wanted: list[int] = []
    maybe_paid = paid_keys(store, keys)
    for index, ((call, request), key) in enumerate(zip(items, keys)):
        paid = already_paid(store, kind, key) if key in maybe_paid else None
        if paid is not None:
            ready.append(BatchItem(index, _value(kind, paid, schema), Outcome(paid.id, True, _note(paid))))
            continue
        scopes = (key,) + ((call.approval,) if call.approval else ())
        specs.append(queue.JobSpec(
            project=call.project, kind=kind, stage=call.stage, engine=engine.id, key=key, request=request,
            template_id=call.template.id, template_version=call.template.version,
            input_versions=tuple(v.id for v in call.inputs),
            estimate_usd=prices.cost(engine.id, call_estimate(engine, kind, request, schema)), scopes=scopes,
            schema=f"{schema.__module__}:{schema.__qualname__}" if schema is not None else None,
        ))
        wanted.append(index)
    jobs = queue.enqueue(store, specs) if specs else []  # raises BudgetExceeded/ApprovalRequired: nothing queued

    by_job: dict[str, list[int]] = {}
    for index, job in zip(wanted, jobs):
        by_job.setdefault(job.id, []).append(index)
    schemas = {job.id: schema for job in jobs if schema is not None}
    running = service.run_iter(store, jobs, engines={engine.id: engine}, schemas=schemas) if jobs else iter(())

    def results() -> Iterator[BatchItem]:
        yield from ready
        for result in running:
            job = result.job
            for index in by_job.get(job.id, []):
                if job.status == "done" and job.generation_id:
                    generation = store.fulfilled_generation(job.idempotency_key)
                    assert generation is not None
                    yield BatchItem(index, _value(kind, generation, schema),
                                    Outcome(generation.id, result.cached, _note(generation)))
                else:
                    yield BatchItem(index, error=result.as_error())

    return results()


def _value(kind: str, generation: GenerationRecord, schema: type[BaseModel] | None) -> Any:
    if kind == "text":
        assert schema is not None
        return schema.model_validate(generation.output)
    return MediaRef.model_validate(generation.output)


def _note(generation: GenerationRecord) -> str | None:
    output = generation.output
    return output.get("note") if isinstance(output, dict) else None


# -- what the job runner calls back ---------------------------------------------------------------
def already_paid(store: Store, kind: str, key: str) -> GenerationRecord | None:
    """A successful generation for this key whose output is still usable (its media file exists and,
    for a paid engine, passes the output check: `aiuteur.engines.output_check.reusable`)."""
    generation = store.fulfilled_generation(key)
    if generation is None:
        return None
    if kind in MEDIA_KINDS and not store.has_media(MediaRef.model_validate(generation.output)):
        return None
    if kind in ("image", "video") and is_paid(generation.engine):
        from aiuteur.engines import output_check

        if not output_check.reusable(store, generation):
            return None
    return generation


def paid_keys(store: Store, keys: Sequence[str]) -> set[str]:
    """Which of `keys` have a successful generation — one query, so a batch of 64 (or a re-run of
    one) does not ask 64 times. `already_paid` then checks those few closely."""
    found: set[str] = set()
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), 500):
        chunk = unique[start:start + 500]
        rows = store.db.fetchall(
            f"SELECT DISTINCT idempotency_key FROM generations WHERE status = 'ok' "
            f"AND idempotency_key IN ({', '.join('?' for _ in chunk)})", chunk)
        found.update(r[0] for r in rows)
    return found


def job_output(store: Store, kind: str, raw: Any) -> tuple[dict, Usage, Any]:
    """(output JSON, usage, value) from what an engine returned; media bytes go into the media store."""
    if kind == "text":
        output, usage = raw
        return output.model_dump(mode="json"), usage, output
    result: MediaResult = raw
    ref = store.put_media(result.data, result.mime, width=result.width, height=result.height,
                          duration=result.duration, frames=result.frames)
    output = ref.model_dump(mode="json")
    if result.note:  # e.g. a fallback the provider forced; kept with the output for review
        output["note"] = result.note
    return output, result.usage, ref


def load_schema(path: str) -> type[BaseModel]:
    """A text job's output model from its `module:qualname`, for a job finished by a new process."""
    module, _, name = path.partition(":")
    target: Any = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


def record_job(store: Store, job: "Job", *, usage: Usage, latency_ms: float | None, output: Any = None,
               error: str | None = None, trace_id: str | None = None, earlier_cost: float = 0.0) -> GenerationRecord:
    """The generation row of a finished job: `ok` with its output, or `error` with what it was billed.
    `earlier_cost`: what failed tries of the same job were billed, so the row holds the job's true cost."""
    prices = load_prices()
    request = REQUESTS[job.kind].model_validate(job.request)
    model = job.engine.partition(":")[2]
    record = GenerationRecord(
        id=f"gen_{uuid.uuid4().hex[:16]}", project_id=job.project_id, stage=job.stage, kind=job.kind,
        template_id=job.call["template_id"], template_version=job.call["template_version"], engine=job.engine,
        model=model, rendered_prompt=rendered_prompt(job.kind, request),
        params=request.model_dump(mode="json", exclude={"prompt", "system", "context"}),
        input_versions=list(job.call.get("input_versions", [])), usage=usage.model_dump(),
        estimated_cost=job.estimated_cost, idempotency_key=job.idempotency_key,
        status="ok" if error is None else "error", error=error, output=output,
        latency_ms=latency_ms, actual_cost=round(prices.cost(job.engine, usage) + earlier_cost, 6), trace_id=trace_id,
    )
    store.record_generation(record)
    return record


# -- the direct (offline) path --------------------------------------------------------------------
def _record(store: Store, call: Call, engine_id: str, kind: str, prompt: str, request: BaseModel,
            key: str, estimate: Usage, run: Callable[[], tuple[Any, Usage, dict]]) -> tuple[Any, Outcome]:
    prices = load_prices()
    generation_id = f"gen_{uuid.uuid4().hex[:16]}"
    provider, _, model = engine_id.partition(":")
    params = request.model_dump(mode="json", exclude={"prompt", "system", "context"})
    base = dict(
        id=generation_id, project_id=call.project.id, stage=call.stage, kind=kind,
        template_id=call.template.id, template_version=call.template.version, engine=engine_id, model=model,
        rendered_prompt=prompt, params=params, input_versions=[v.id for v in call.inputs],
        estimated_cost=prices.cost(engine_id, estimate), idempotency_key=key,
    )
    started = time.perf_counter()
    with tracing.span(call.project, call.stage, engine_id, kind, {"prompt": prompt, "params": params}) as span:
        try:
            output, usage, extra = run()
        except Exception as exc:
            store.record_generation(GenerationRecord(
                **base, usage={}, status="error", error=describe(exc),
                latency_ms=(time.perf_counter() - started) * 1000, actual_cost=0.0, trace_id=span.trace_id,
            ))
            raise EngineError(f"{engine_id} failed in stage {call.stage}: {exc}") from exc
        store.record_generation(GenerationRecord(
            **base, usage=usage.model_dump(), status="ok", output=extra["output"],
            latency_ms=(time.perf_counter() - started) * 1000,
            actual_cost=prices.cost(engine_id, usage), trace_id=span.trace_id,
        ))
        span.outputs.update(generation=generation_id, usage=usage.model_dump())
    return output, Outcome(generation_id, False, extra["output"].get("note") if isinstance(extra["output"], dict) else None)
