"""LangSmith tracing of engine calls: off unless LANGSMITH_TRACING is set, and never keys or media.

A generation is traced as one run named for its stage and kind, in a LangSmith project named for
the aiuteur project (`aiuteur:<project name>`, prefix from AIUTEUR_LANGSMITH_PROJECT_PREFIX). The
engine's own work nests under it: LangChain chat models trace themselves (their callbacks find the
parent run in the context), and the image and video SDK calls are wrapped in `step`. The run's
trace id comes back on the `Span`, so the gateway stores it on the generation row and a cost or a
failure can be followed to its trace.

What goes in: rendered prompts, parameters, engine ids, usage, mime types and sizes. What never
does: API keys (values under secret-looking names dropped, and every string scrubbed of configured
keys and key-shaped text by `aiuteur.engines.secrets`), and media bytes or data URIs (replaced by a
short description). Tracing failures never fail a generation.
"""
from __future__ import annotations

import logging
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from aiuteur.engines.secrets import scrub_text

log = logging.getLogger(__name__)

#: a dict key whose value is a secret: whole names (`api_key`, `x-api-key`, `token`), so that
#: `input_tokens` or `max_tokens` are kept
_SECRET_KEY = re.compile(r"^(.*[_-])?(api[_-]?key|key|secret|token|authorization|password|credentials?)$", re.I)
_BASE64ISH = re.compile(r"^[A-Za-z0-9+/=\s]{512,}$")
_MAX_TEXT = 20_000


def enabled() -> bool:
    """Tracing is on only when LANGSMITH_TRACING (or the older LANGCHAIN_TRACING_V2) says so."""
    value = os.environ.get("LANGSMITH_TRACING") or os.environ.get("LANGCHAIN_TRACING_V2") or ""
    return value.strip().lower() in ("1", "true", "yes", "on")


def project_name(project: Any) -> str:
    """The LangSmith project for an aiuteur project (a Project, or its name)."""
    prefix = os.environ.get("AIUTEUR_LANGSMITH_PROJECT_PREFIX", "aiuteur")
    name = getattr(project, "name", None) or str(project)
    return f"{prefix}:{name}"


def run_name(stage: str, kind: str, engine_id: str) -> str:
    return f"{stage}/{kind} {engine_id}"


def scrub(value: Any, depth: int = 0) -> Any:
    """A copy safe to trace: bytes and base64 media described, secrets dropped (by key name and by
    value), long text cut."""
    if depth > 8:
        return "<nested too deep>"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(value)} bytes>"
    if isinstance(value, Path):
        try:
            return f"<file {value.name}, {value.stat().st_size} bytes>"
        except OSError:
            return f"<file {value.name}>"
    if isinstance(value, str):
        if value.startswith("data:") and ";base64," in value[:100]:
            return f"<data URI, {len(value)} chars>"
        if _BASE64ISH.match(value[:4096]):
            return f"<{len(value)} chars of base64>"
        value = scrub_text(value)
        return value if len(value) <= _MAX_TEXT else value[:_MAX_TEXT] + f"... <{len(value) - _MAX_TEXT} more chars>"
    if isinstance(value, dict):
        return {k: ("<redacted>" if _SECRET_KEY.match(str(k)) else scrub(v, depth + 1)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v, depth + 1) for v in value]
    if hasattr(value, "model_dump"):
        try:
            return scrub(value.model_dump(mode="json"), depth + 1)
        except Exception:
            return f"<{type(value).__name__}>"
    if value is None or isinstance(value, (int, float, bool)):
        return value
    return f"<{type(value).__name__}>"


@dataclass
class Span:
    """A traced run. `trace_id` is None when tracing is off; `outputs` is sent when the span ends."""

    trace_id: str | None = None
    run_id: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)


def _anonymize(payload: dict) -> dict:
    """What LangSmith sends of a run's inputs, outputs, metadata and error: `scrub`bed. Set on the
    client, so it covers the LangChain models' own runs and the tracebacks LangSmith records for
    failed runs (an SDK exception's text can quote the key or the request headers)."""
    cleaned = scrub(payload)
    return cleaned if isinstance(cleaned, dict) else {"value": cleaned}


_clients: dict[tuple[str, ...], Any] = {}


def client() -> Any:
    """The LangSmith client our runs (and the LangChain runs nested in them) are sent with: one per
    endpoint and key in the environment, with `_anonymize` as its anonymizer."""
    import langsmith as ls

    settings = tuple(os.environ.get(name, "") for name in ("LANGSMITH_ENDPOINT", "LANGCHAIN_ENDPOINT",
                                                           "LANGSMITH_API_KEY", "LANGCHAIN_API_KEY"))
    if settings not in _clients:
        _clients.clear()  # the environment changed (another endpoint or key): the old client is not used again
        _clients[settings] = ls.Client(anonymizer=_anonymize)
    return _clients[settings]


@contextmanager
def _traced(run: Any, outputs: dict[str, Any]) -> Iterator[None]:
    """End `run` with its outputs, or with the scrubbed error when the body raised (then re-raise)."""
    try:
        yield
    except BaseException as exc:
        run.end(error=scrub_text(f"{type(exc).__name__}: {exc}"))
        raise
    run.end(outputs=scrub(outputs))


@contextmanager
def span(project: Any, stage: str, engine_id: str, kind: str, inputs: dict[str, Any] | None = None) -> Iterator[Span]:
    """Trace one generation (the gateway wraps each engine call in this)."""
    result = Span()
    if not enabled():
        yield result
        return
    try:
        import langsmith as ls
    except ImportError:  # tracing asked for but not installed: say so once, run untraced
        log.warning("LANGSMITH_TRACING is set but langsmith is not installed: pip install 'aiuteur[providers]'")
        yield result
        return
    meta = {"aiuteur_project": getattr(project, "name", str(project)), "aiuteur_project_id": getattr(project, "id", None),
            "stage": stage, "kind": kind, "engine": engine_id}
    tags = ["aiuteur", f"stage:{stage}", f"kind:{kind}", f"engine:{engine_id}"]
    name = project_name(project)
    sender = client()
    with ls.tracing_context(project_name=name, enabled=True, metadata=meta, tags=tags, client=sender):
        with ls.trace(run_name(stage, kind, engine_id), run_type="chain", inputs=scrub(inputs or {}),
                      project_name=name, metadata=meta, tags=tags, client=sender) as run:
            result.trace_id, result.run_id = str(run.trace_id), str(run.id)
            with _traced(run, result.outputs):
                yield result


@contextmanager
def step(name: str, inputs: dict[str, Any], run_type: str = "llm") -> Iterator[dict[str, Any]]:
    """Trace one SDK call inside a span (image and video engines); yields a dict for its outputs."""
    outputs: dict[str, Any] = {}
    if not enabled():
        yield outputs
        return
    import langsmith as ls

    with ls.trace(name, run_type=run_type, inputs=scrub(inputs), client=client()) as run:
        with _traced(run, outputs):
            yield outputs


def current_trace_id() -> str | None:
    """The trace id of the run in the current context, if any (for code that is not the gateway)."""
    if not enabled():
        return None
    try:
        from langsmith.run_helpers import get_current_run_tree
    except ImportError:
        return None
    run = get_current_run_tree()
    return str(run.trace_id) if run is not None else None


def flush() -> None:
    """Send what is queued (tests, and short scripts before they exit)."""
    if not enabled():
        return
    try:
        from langchain_core.tracers.langchain import wait_for_all_tracers

        wait_for_all_tracers()
    except ImportError:
        pass
    try:
        from langsmith.run_trees import get_cached_client

        for sender in [get_cached_client(), *_clients.values()]:
            sender.flush()
    except Exception as exc:  # never fail a run over tracing
        log.debug("langsmith flush failed: %s", exc)
