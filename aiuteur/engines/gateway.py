"""The one place engine calls happen: look in the cache, call, record the generation.

Stages never write generation rows themselves. The idempotency key is a hash of the engine id,
the kind, the rendered prompt, the request's parameters and the hashes of any input media, so
the same inputs are paid for once: after a crash, a re-run, or an edit elsewhere.
"""
from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar

from pydantic import BaseModel

from aiuteur.costs.prices import load_prices
from aiuteur.engines.protocols import (
    EngineError, ImageEngine, ImageRequest, MediaResult, TextEngine, TextRequest, Usage, VideoEngine, VideoRequest,
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
    """Who asks: the stage, the template the prompt came from, the versions it was made from."""

    project: Project
    stage: str
    template: Template
    inputs: Sequence[Version] = ()


@dataclass(frozen=True)
class Outcome:
    generation_id: str
    cached: bool


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


def generate_text(store: Store, call: Call, engine: TextEngine, request: TextRequest, schema: type[M]) -> tuple[M, Outcome]:
    key = idempotency_key(engine.id, "text", request, {"schema": schema.__name__})
    cached = store.fulfilled_generation(key)
    if cached is not None:
        return schema.model_validate(cached.output), Outcome(cached.id, True)
    estimate = Usage(input_tokens=_tokens(request.system + request.prompt), output_tokens=2000)

    def run() -> tuple[Any, Usage, dict]:
        output, usage = engine.write(request, schema)
        return output, usage, {"output": output.model_dump(mode="json")}

    output, outcome = _record(store, call, engine.id, "text", request.system + "\n\n" + request.prompt,
                              request, key, estimate, run)
    return output, outcome


def generate_image(store: Store, call: Call, engine: ImageEngine, request: ImageRequest) -> tuple[MediaRef, Outcome]:
    return _generate_media(store, call, engine.id, "image", request, Usage(images=1), lambda: engine.image(request))


def generate_video(store: Store, call: Call, engine: VideoEngine, request: VideoRequest) -> tuple[MediaRef, Outcome]:
    return _generate_media(store, call, engine.id, "video", request, Usage(video_seconds=request.duration),
                           lambda: engine.video(request))


def _generate_media(store: Store, call: Call, engine_id: str, kind: str, request: BaseModel, estimate: Usage,
                    produce: Callable[[], MediaResult]) -> tuple[MediaRef, Outcome]:
    key = idempotency_key(engine_id, kind, request)
    cached = store.fulfilled_generation(key)
    if cached is not None:
        ref = MediaRef.model_validate(cached.output)
        if store.has_media(ref):
            return ref, Outcome(cached.id, True)

    def run() -> tuple[Any, Usage, dict]:
        result = produce()
        ref = store.put_media(result.data, result.mime, width=result.width, height=result.height,
                              duration=result.duration, frames=result.frames)
        extra = {"output": ref.model_dump(mode="json")}
        if result.note:  # e.g. a fallback the provider forced; kept with the output for review
            extra["output"]["note"] = result.note
        return ref, result.usage, extra

    return _record(store, call, engine_id, kind, request.prompt, request, key, estimate, run)  # type: ignore[attr-defined]


def _record(store: Store, call: Call, engine_id: str, kind: str, rendered_prompt: str, request: BaseModel,
            key: str, estimate: Usage, run: Callable[[], tuple[Any, Usage, dict]]) -> tuple[Any, Outcome]:
    prices = load_prices()
    generation_id = f"gen_{uuid.uuid4().hex[:16]}"
    provider, _, model = engine_id.partition(":")
    params = request.model_dump(mode="json", exclude={"prompt", "system", "context"})
    base = dict(
        id=generation_id, project_id=call.project.id, stage=call.stage, kind=kind,
        template_id=call.template.id, template_version=call.template.version, engine=engine_id, model=model,
        rendered_prompt=rendered_prompt, params=params, input_versions=[v.id for v in call.inputs],
        estimated_cost=prices.cost(engine_id, estimate), idempotency_key=key,
    )
    started = time.perf_counter()
    try:
        output, usage, extra = run()
    except Exception as exc:
        store.record_generation(GenerationRecord(
            **base, usage={}, status="error", error=f"{type(exc).__name__}: {exc}",
            latency_ms=(time.perf_counter() - started) * 1000, actual_cost=0.0,
        ))
        raise EngineError(f"{engine_id} failed in stage {call.stage}: {exc}") from exc
    store.record_generation(GenerationRecord(
        **base, usage=usage.model_dump(), status="ok", output=extra["output"],
        latency_ms=(time.perf_counter() - started) * 1000,
        actual_cost=prices.cost(engine_id, usage),
    ))
    return output, Outcome(generation_id, False)


def _tokens(text: str) -> int:
    """A provider-neutral estimate (about four characters a token) for pricing before a call."""
    return max(1, len(text) // 4)
