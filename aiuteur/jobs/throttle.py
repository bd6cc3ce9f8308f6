"""Per-provider throttles: a concurrency limit, a requests-per-minute window, and a cool-down.

A 429 from one call means the account is over its quota, so the next calls to that provider
would fail too: `cool_down` makes every new request to the provider wait for the Retry-After,
not just the one that was told.
"""
from __future__ import annotations

import asyncio
from collections import deque
from contextlib import asynccontextmanager
from typing import AsyncIterator

from aiuteur.jobs.clock import Clock
from aiuteur.jobs.limits import ProviderLimits

WINDOW = 60.0


class ProviderThrottle:
    def __init__(self, limits: ProviderLimits, clock: Clock) -> None:
        self.limits = limits
        self.clock = clock
        self._slots = asyncio.Semaphore(limits.concurrency)
        self._starts: deque[float] = deque()
        self._cool_until = 0.0
        self.in_flight = 0
        self.peak = 0  # the most calls ever in flight at once (tests and benchmarks read it)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Held for the whole call — for a long-running operation, from start until its result."""
        async with self._slots:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            try:
                yield
            finally:
                self.in_flight -= 1

    async def pace(self) -> None:
        """Wait until a new request may start: after any cool-down, and within the rpm window."""
        while True:
            now = self.clock.now()
            wait = self._cool_until - now
            if self.limits.rpm is not None:
                while self._starts and self._starts[0] <= now - WINDOW:
                    self._starts.popleft()
                if len(self._starts) >= self.limits.rpm:
                    wait = max(wait, self._starts[0] + WINDOW - now)
            if wait <= 0:
                self._starts.append(now)
                return
            await self.clock.sleep(wait)

    def cool_down(self, seconds: float) -> None:
        self._cool_until = max(self._cool_until, self.clock.now() + seconds)
