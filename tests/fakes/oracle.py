"""Schema-valid answers for the whole pipeline: the offline draft writer, asked through real HTTP.

A fake text server sees only the rendered prompt, while the draft writer needs the structured
`context` the prompt was rendered from. `DraftOracle.wrap(engine)` returns an engine with the same
id that notes each request (prompt -> request, schema) and then calls the real engine, whose SDK
goes over HTTP to the fake; the fake's `text` responder (`oracle.respond`) finds the request by its
prompt and answers with what the draft writer makes of it. The real SDK, structured-output parsing,
validation and usage accounting are all exercised; only the words come from the draft writer.
"""
from __future__ import annotations

import threading
from typing import Any

from pydantic import BaseModel

from aiuteur.engines.offline import DraftWriter
from aiuteur.engines.protocols import TextRequest, Usage


class DraftOracle:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._asked: dict[str, tuple[TextRequest, type[BaseModel]]] = {}
        self.writer = DraftWriter()
        self.answered = 0

    def wrap(self, engine: Any) -> "_Noting":
        return _Noting(engine, self)

    def note(self, request: TextRequest, schema: type[BaseModel]) -> None:
        with self._lock:
            self._asked[request.prompt.strip()] = (request, schema)

    def respond(self, ask: Any) -> Any:
        with self._lock:
            found = self._asked.get(ask.user.strip())
        if found is None:
            raise KeyError(f"the oracle was not told about this prompt: {ask.user[:80]!r}")
        request, schema = found
        output, _ = self.writer.write(request, schema)
        with self._lock:
            self.answered += 1
        return output.model_dump(mode="json")


class _Noting:
    def __init__(self, engine: Any, oracle: DraftOracle) -> None:
        self.id = engine.id
        self._engine = engine
        self._oracle = oracle

    def write(self, request: TextRequest, schema: type[BaseModel]) -> tuple[BaseModel, Usage]:
        self._oracle.note(request, schema)
        return self._engine.write(request, schema)
