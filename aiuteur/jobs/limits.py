"""How hard each provider may be driven: concurrency, requests per minute, timeouts, retries.

Limits are per *provider* (the part of an engine id before the colon: `veo`, `openai`, `gemini`),
because that is what providers meter: one account's quota is shared by every model behind it.
Set them in code (`set_limits`) or the environment (`AIUTEUR_CONCURRENCY_VEO=2`,
`AIUTEUR_RPM_OPENAI=500`); a runner built with explicit limits ignores both.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class ProviderLimits:
    """`concurrency`: calls (or long-running operations) in flight at once. `rpm`: new requests
    started per rolling minute (None: unlimited; polls of an operation do not count).
    `call_timeout`: seconds one request may take before it counts as a timeout (None: no limit).
    `poll_interval`: seconds between polls of a long-running operation. An operation holds its
    slot until a poll sees it done, so every clip waits up to an interval after it is ready before
    the next one may start (5 s made a clip ready in 2 s hold its slot for 8). A poll is a small
    GET that does not count toward rpm: at 1 s, 4 operations in flight poll 4 times a second
    (fal's own client polls 10 times a second)."""

    concurrency: int = 4
    rpm: int | None = None
    call_timeout: float | None = 600.0
    poll_interval: float = 1.0

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {self.concurrency}")
        if self.rpm is not None and self.rpm < 1:
            raise ValueError(f"rpm must be at least 1 (or None for no limit), not {self.rpm}")
        if self.poll_interval < 0:
            raise ValueError(f"poll_interval must be >= 0, not {self.poll_interval}")


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter (tenacity's `wait_exponential_jitter`): the n-th retry waits
    `min(initial * exp_base**(n-1) + uniform(0, jitter), max_wait)`, or the provider's Retry-After
    when that is longer. `max_attempts` counts every try of a job, across restarts of the process."""

    max_attempts: int = 5
    initial: float = 1.0
    max_wait: float = 60.0
    exp_base: float = 2.0
    jitter: float = 1.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, not {self.max_attempts}")


DEFAULT = ProviderLimits()
_configured: dict[str, ProviderLimits] = {}


def set_limits(provider: str, limits: ProviderLimits | None = None, **changes) -> ProviderLimits:
    """Set a provider's limits for this process (`set_limits("veo", concurrency=2)`); None resets."""
    if limits is None and not changes:
        _configured.pop(provider, None)
        return limits_for(provider)
    _configured[provider] = replace(limits or limits_for(provider), **changes)
    return _configured[provider]


def limits_for(provider: str) -> ProviderLimits:
    """Configured limits, else the environment's, else the defaults."""
    if provider in _configured:
        return _configured[provider]
    env = provider.upper().replace("-", "_")
    changes: dict = {}
    for field_name, var, cast in (("concurrency", f"AIUTEUR_CONCURRENCY_{env}", int), ("rpm", f"AIUTEUR_RPM_{env}", int)):
        text = os.environ.get(var)
        if text:
            try:
                changes[field_name] = cast(text)
            except ValueError as exc:
                raise ValueError(f"environment variable {var}={text!r} is not a whole number") from exc
    return replace(DEFAULT, **changes) if changes else DEFAULT
