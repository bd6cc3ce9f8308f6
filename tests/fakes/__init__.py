"""Fake provider servers for tests: real HTTP on 127.0.0.1 in the provider's wire format.

Use the fixtures in `tests.fakes.fixtures` (import them into a conftest with
`from tests.fakes.fixtures import *`): `fake_openai`, `fake_gemini`, `fake_anthropic`, `fake_fal`,
`fake_langsmith` each yield a `RunningFake` with `.url` and `.control`.
"""
from tests.fakes.server import Control, FakeProvider, Recorded, Reply, RunningFake

__all__ = ["Control", "FakeProvider", "Recorded", "Reply", "RunningFake"]
