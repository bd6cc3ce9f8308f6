"""The errors an engine raises so the job runner knows what to do next.

An engine knows its SDK's exceptions; the runner does not. So each real engine translates a
failure into one of these, and the runner's policy is then simple and the same for every provider:

- `RetryableError` (429 `RateLimited`, 5xx `ServerError`, `ProviderTimeout`): try again later,
  after the provider's Retry-After when it gave one, else after exponential backoff with jitter.
- `PermanentError` (`BadRequest`, `SafetyBlocked`): the same request cannot succeed; it is not
  retried, and the provider's reason is kept on the job and the generation.
- `OperationFailed`: a long-running operation (a video) ended in a transient failure at the
  provider; the runner starts a new operation instead of polling the dead one.

Any other exception is treated as permanent: an unknown failure is not paid for again blindly.
`billed` is what the provider charges for the failed call (most bill nothing), so the ledger
records failures at their true cost.

The runner reads errors by their attributes (`retryable`, `retry_after`, `reason`, `billed`,
`status`), so the provider engines' own typed errors (`aiuteur.engines.providers.errors`, where
`billed` is a flag) are understood the same way without deriving from these classes.
"""
from __future__ import annotations

from aiuteur.engines.protocols import EngineError, Usage
from aiuteur.engines.secrets import scrub_optional, scrub_text


class ProviderError(EngineError):
    """A provider refused or failed a call. `reason` is the provider's own words, when it gave any."""

    def __init__(self, message: str, *, reason: str | None = None, status: int | None = None,
                 billed: Usage | None = None) -> None:
        super().__init__(message)
        self.reason = scrub_optional(reason)
        self.status = status
        self.billed = billed


class RetryableError(ProviderError):
    """Worth trying again: `retry_after` seconds is the provider's own hint (Retry-After)."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, reason: str | None = None,
                 status: int | None = None, billed: Usage | None = None) -> None:
        super().__init__(message, reason=reason, status=status, billed=billed)
        self.retry_after = retry_after


class RateLimited(RetryableError):
    """HTTP 429 or a quota error: the whole provider is slowed down, not just this call."""


class ServerError(RetryableError):
    """HTTP 5xx: the provider had a problem on its side."""


class ProviderTimeout(RetryableError):
    """No answer in time (the engine's own timeout, or the runner's per-attempt timeout)."""


class OperationFailed(RetryableError):
    """A long-running operation died at the provider; a new one must be started (not re-polled)."""


class PermanentError(ProviderError):
    """The same request cannot succeed (HTTP 4xx other than 429); not retried."""

    retryable = False


class BadRequest(PermanentError):
    """HTTP 400/404/422: the request is wrong for this model (size, duration, missing field...)."""


class SafetyBlocked(PermanentError):
    """The provider's safety system refused the prompt or the output; `reason` says which rule."""


def from_http(status: int, message: str = "", *, retry_after: str | float | None = None,
              reason: str | None = None, billed: Usage | None = None) -> ProviderError:
    """The error for an HTTP status, for engines that see raw statuses.

    `retry_after` may be the header's text: seconds (`"7"`) are honoured; an HTTP date is not
    parsed and falls back to backoff.
    """
    text = message or f"HTTP {status}"
    seconds = _seconds(retry_after)
    if status == 429:
        return RateLimited(text, retry_after=seconds, reason=reason, status=status, billed=billed)
    if status in (408, 504):
        return ProviderTimeout(text, retry_after=seconds, reason=reason, status=status, billed=billed)
    if status >= 500:
        return ServerError(text, retry_after=seconds, reason=reason, status=status, billed=billed)
    return BadRequest(text, reason=reason or message or None, status=status, billed=billed)


def _seconds(value: str | float | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 else None


def is_retryable(exc: BaseException) -> bool:
    """What the runner retries: errors that say they are retryable; anything unknown is a failure
    to look at, not a call to pay for again."""
    return isinstance(exc, RetryableError) or getattr(exc, "retryable", False) is True


def is_rate_limit(exc: BaseException) -> bool:
    return isinstance(exc, RateLimited) or getattr(exc, "status", None) == 429


def is_operation_failed(exc: BaseException) -> bool:
    """A long-running operation is dead at the provider: start a new one rather than re-poll."""
    return isinstance(exc, OperationFailed) or getattr(exc, "operation_failed", False) is True


def provider_reason(exc: BaseException) -> str | None:
    """The provider's words for a failure: its `reason`, else the message of a final provider error
    (scrubbed of keys: providers echo them)."""
    reason = getattr(exc, "reason", None)
    if reason:
        return scrub_text(str(reason))
    if isinstance(exc, EngineError) and not is_retryable(exc) and getattr(exc, "status", None) is not None:
        return scrub_text(str(exc))
    return None


def billed_usage(exc: BaseException, estimate: Usage) -> Usage:
    """What a failed call is billed: the usage the error carries, the estimate when it only says
    "billed", else nothing."""
    billed = getattr(exc, "billed", None)
    if isinstance(billed, Usage):
        return billed
    if billed is True:
        return estimate
    return Usage()


def describe(exc: BaseException) -> str:
    """`TypeName: message` — what the job, the generation and the ledger keep as the error.

    Scrubbed of API keys here too: an SDK exception that was not translated into a typed error
    (and so not scrubbed when made) may still quote the key or the request's headers."""
    return scrub_text(f"{type(exc).__name__}: {exc}")


__all__ = [
    "EngineError", "ProviderError", "RetryableError", "RateLimited", "ServerError", "ProviderTimeout",
    "OperationFailed", "PermanentError", "BadRequest", "SafetyBlocked", "from_http", "is_retryable", "describe",
    "is_rate_limit", "is_operation_failed", "provider_reason", "billed_usage",
]
