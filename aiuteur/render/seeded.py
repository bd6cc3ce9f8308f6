"""Stable randomness: the same text gives the same choices in every process.

Why: a storyboard panel is a pure function of its spec, and a character or a location must look
the same in every shot and every run. Python's `hash()` is salted per process and the global
`random` is shared state, so choices come from blake2b of the spec's text instead.
"""

from __future__ import annotations

import hashlib
import random

__all__ = ["seeded_rng", "stable_int"]


def stable_int(*parts: object) -> int:
    """64-bit integer from ``parts`` that is the same in every process."""
    text = "\x1f".join(str(p) for p in parts)
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def seeded_rng(*parts: object) -> random.Random:
    """A private, stably-seeded random generator (never the global one)."""
    return random.Random(stable_int(*parts))
