"""A call's generation record: the most it can bill, whether it is already paid, and the row a
finished job writes.

The gateway (`aiuteur.engines.gateway`) queues paid calls as jobs and the job runner
(`aiuteur.jobs.runner`) finishes them; both need these helpers, so they live here, below both,
and the jobs package never imports the gateway (no import cycle: tests/unit/test_import_graph.py).
The gateway re-exports every name, so `from aiuteur.engines.gateway import is_paid` still works.
"""
from __future__ import annotations

import importlib
import json
import uuid
from typing import TYPE_CHECKING, Any, Sequence

from pydantic import BaseModel

from aiuteur.costs.prices import load_prices
from aiuteur.engines.protocols import (
    ImageRequest, MediaResult, MusicRequest, SpeechRequest, TextRequest, Usage, VideoRequest,
)
from aiuteur.models.media import MediaRef
from aiuteur.store import GenerationRecord, Store

if TYPE_CHECKING:  # pragma: no cover
    from aiuteur.jobs.models import Job

REQUESTS: dict[str, type[BaseModel]] = {"text": TextRequest, "image": ImageRequest, "video": VideoRequest,
                                         "speech": SpeechRequest, "music": MusicRequest}
MEDIA_KINDS: tuple[str, ...] = ("image", "video", "speech", "music")  # kinds whose output is a file in the media store


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
    if kind == "music":  # music models bill per piece made
        return Usage(clips=1)
    return Usage(video_seconds=billed_video_seconds(engine_id, request.duration))  # type: ignore[attr-defined]


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
    return store.fulfilled_keys(keys)


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


