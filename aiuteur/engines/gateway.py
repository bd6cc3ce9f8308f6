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
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, TypeVar

from pydantic import BaseModel

from aiuteur import tracing
from aiuteur.costs.prices import load_prices
from aiuteur.engines.errors import describe
from aiuteur.engines.protocols import (
    EngineError, ImageEngine, ImageRequest, MediaResult, MusicEngine, MusicRequest, SpeechEngine, SpeechRequest, TextEngine, TextRequest, Usage,
    VideoEngine, VideoRequest,
)
from aiuteur.engines.records import (  # shared with the job runner; re-exported here
    MEDIA_KINDS, REQUESTS, already_paid, billed_video_seconds, estimate_usage, is_paid, job_output, load_schema,
    paid_keys, record_job, rendered_prompt,
)
from aiuteur.engines.templates import Template
from aiuteur.models.media import MediaRef
from aiuteur.models.project import Project
from aiuteur.models.versions import Version
from aiuteur.store import GenerationRecord, Store
from aiuteur.store.hashing import content_hash

M = TypeVar("M", bound=BaseModel)


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
    if data.get("mask", 0) is None:
        del data["mask"]  # an image request without a mask keys as it did before masks existed
    for field in ("references", "start_frame", "end_frame", "mask"):
        value = getattr(request, field, None)
        if isinstance(value, Path):
            data[field] = file_sha256(value)
        elif isinstance(value, list):
            data[field] = [file_sha256(p) for p in value]
    return content_hash({"engine": engine_id, "kind": kind, "request": data, **(extra or {})})


def call_estimate(engine: Any, kind: str, request: BaseModel, schema: type[BaseModel] | None = None) -> Usage:
    """What the budget gate reserves for a call: the engine's own `estimate` where it has one (it
    knows its provider's billing: retries inside the call, image size and quality, clip length and
    audio), else `estimate_usage`."""
    own = getattr(engine, "estimate", None)
    if callable(own):
        return own(request, schema) if kind == "text" else own(request)
    return estimate_usage(kind, request, getattr(engine, "id", None), schema)


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


def generate_music(store: Store, call: Call, engine: MusicEngine, request: MusicRequest) -> tuple[MediaRef, Outcome]:
    """One piece of music (audio in the media store), paid once like an image."""
    return _one(generate_musics(store, [(call, request)], engine))


def generate_musics(store: Store, items: Sequence[tuple[Call, MusicRequest]], engine: MusicEngine) -> Iterator[BatchItem]:
    """Many pieces at once; see `generate_images`."""
    return _media_batch(store, "music", items, engine, lambda request: engine.compose(request))


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
