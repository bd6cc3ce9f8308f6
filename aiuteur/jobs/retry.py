"""The retry policy, built from tenacity's primitives.

Why tenacity rather than a loop of our own: its `AsyncRetrying` already gives the pieces the
runner needs and keeps them separately testable — a retry predicate (only `RetryableError`), a
stop rule, `wait_exponential_jitter` (the backoff Google's and AWS's retry guides describe), a
`before_sleep` hook (where the runner records the next attempt time on the job row, so a
restarted process honours it), and an injectable `sleep` (a fake clock in tests, a cancellable
sleep in the runner). The one thing added here is Retry-After: a provider's own hint wins when it
asks for a longer wait than the backoff.
"""
from __future__ import annotations

from typing import Awaitable, Callable

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_base, wait_exponential_jitter

from aiuteur.engines.errors import is_retryable
from aiuteur.jobs.limits import RetryPolicy


class wait_retry_after(wait_base):
    """Exponential backoff with jitter, or the error's `retry_after` when that is longer."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.backoff = wait_exponential_jitter(initial=policy.initial, max=policy.max_wait,
                                               exp_base=policy.exp_base, jitter=policy.jitter)

    def __call__(self, retry_state: RetryCallState) -> float:
        delay = self.backoff(retry_state)
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        after = getattr(exc, "retry_after", None)
        return max(delay, float(after)) if after is not None else delay


def retrying(policy: RetryPolicy, *, tries_left: int, sleep: Callable[[float], Awaitable[None]],
             before_sleep: Callable[[RetryCallState], Awaitable[None] | None] | None = None) -> AsyncRetrying:
    """An `AsyncRetrying` for one job with `tries_left` tries; the last error is re-raised as is."""
    return AsyncRetrying(
        sleep=sleep,
        stop=stop_after_attempt(max(1, tries_left)),
        wait=wait_retry_after(policy),
        retry=retry_if_exception(is_retryable),
        before_sleep=before_sleep,
        reraise=True,
    )
