"""Typed failures of real engines, the same whatever SDK raised them.

The job runner decides about retries from these, not from five SDKs' exception trees: `retryable`
says whether trying again can succeed (429, 5xx, timeouts, dropped connections), `retry_after` is
the provider's Retry-After in seconds when it sent one, and `billed` whether the provider charges
for the failed call (True: at the call's estimate; a `Usage`: exactly that). Messages and reasons
are scrubbed of API keys as the error is made (`EngineError`, `aiuteur.engines.secrets`): a
provider that echoes the key in its error body does not put it in the workspace. A safety block and a bad request are final: retrying pays for nothing. The
job runner (`aiuteur.engines.errors`, `aiuteur.jobs`) reads these attributes (`retryable`,
`retry_after`, `reason`, `billed`, `status`, `operation_failed`), not the class tree.
"""
from __future__ import annotations

import json
from email.utils import parsedate_to_datetime
from typing import Any, Mapping

from aiuteur.engines.protocols import EngineError, Usage
from aiuteur.engines.secrets import scrub_optional


class ProviderError(EngineError):
    """A provider call failed. `status` is the HTTP status when there was one."""

    retryable: bool = False
    reason: str | None = None  # the provider's own words, where it gave any (read by the job runner)
    operation_failed: bool = False  # a long-running operation died: start a new one, do not re-poll

    def __init__(self, message: str, *, provider: str = "", status: int | None = None,
                 retry_after: float | None = None, retryable: bool | None = None,
                 billed: bool | Usage = False) -> None:
        super().__init__(message)
        self.provider = provider
        self.status = status
        self.retry_after = retry_after
        if retryable is not None:
            self.retryable = retryable
        self.billed = billed


class MissingKey(ProviderError):
    """No API key in the environment; the message names the variable to set."""


class MissingCredentials(MissingKey):
    """The credentials the engine's route needs are not in the environment (a Vertex AI project
    without application-default credentials, Veo with only a Gemini API key...). Raised when the
    engine is built, before anything is paid; the message names the route and the variables to set."""


class MissingExtra(ProviderError, ImportError):
    """The provider's SDK is an optional extra that is not installed."""


class RateLimited(ProviderError):
    retryable = True


class ProviderUnavailable(ProviderError):
    """5xx, timeouts and dropped connections: worth another try later."""

    retryable = True


class BadRequest(ProviderError):
    """4xx other than 429: the same request will fail again."""


class SafetyBlocked(ProviderError):
    """The provider refused the content; `reason` is its own words (category, finish reason)."""

    def __init__(self, message: str, *, reason: str, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.reason = scrub_optional(reason)


class StructuredOutputError(ProviderError):
    """The model's answer did not validate against the stage's schema, also after one retry."""

    def __init__(self, message: str, *, raw: str = "", **kw: Any) -> None:
        super().__init__(message, **kw)
        self.raw = scrub_optional(raw) or ""


class MalformedResponse(ProviderError):
    """The provider answered with something that is not its own wire format (truncated JSON...)."""

    retryable = True


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from a Retry-After header (delta seconds or an HTTP date), or `retry-after-ms`."""
    if not headers:
        return None
    lower = {k.lower(): v for k, v in dict(headers).items()}
    if "retry-after-ms" in lower:
        try:
            return float(lower["retry-after-ms"]) / 1000
        except ValueError:
            pass
    value = lower.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from datetime import datetime, timezone

        return max(0.0, (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds())
    except (TypeError, ValueError):
        return None


def from_status(provider: str, status: int, message: str, headers: Mapping[str, str] | None = None) -> ProviderError:
    """The typed error for an HTTP status."""
    text = f"{provider}: HTTP {status}: {message}"
    if status == 429:
        return RateLimited(text, provider=provider, status=status, retry_after=retry_after_seconds(headers))
    if status in (408, 409) or status >= 500:
        return ProviderUnavailable(text, provider=provider, status=status, retry_after=retry_after_seconds(headers))
    return BadRequest(text, provider=provider, status=status)


def translate(provider: str, exc: BaseException) -> BaseException:
    """Our typed error for an SDK exception (or the exception itself when it is not a provider failure)."""
    if isinstance(exc, ProviderError):
        return exc
    status, headers, message = _status_of(exc)
    if status is not None and status < 400:  # a 2xx the SDK could not read: the body is not the wire format
        return MalformedResponse(f"{provider}: malformed response (HTTP {status}): {message}", provider=provider,
                                 status=status)
    if status is not None:
        return from_status(provider, status, message, headers)
    name = type(exc).__name__
    if "Timeout" in name or "Connect" in name or "RemoteProtocol" in name or "ReadError" in name:
        return ProviderUnavailable(f"{provider}: {name}: {exc}", provider=provider)
    if _in_chain(exc, json.JSONDecodeError):
        return MalformedResponse(f"{provider}: malformed response: {exc}", provider=provider)
    return exc


def _in_chain(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _status_of(exc: BaseException) -> tuple[int | None, Mapping[str, str] | None, str]:
    """(status, headers, message) from openai/anthropic/google-genai/fal/httpx exceptions, by duck typing."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        response = getattr(current, "response", None)
        status = getattr(current, "status_code", None)
        if status is None and isinstance(getattr(current, "code", None), int):
            status = current.code  # google.genai.errors.APIError
        if status is None and response is not None:
            status = getattr(response, "status_code", None)
        if isinstance(status, int):
            headers = getattr(response, "headers", None) or getattr(current, "headers", None)
            message = getattr(current, "message", None) or str(current)
            return status, headers, str(message)[:500]
        current = current.__cause__ or current.__context__
    return None, None, str(exc)
