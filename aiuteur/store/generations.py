"""The generations table: one row per engine call, written only by `aiuteur.engines.gateway`."""
from __future__ import annotations

import json
from typing import Any, Sequence

from pydantic import BaseModel

from aiuteur.engines.secrets import scrub_optional
from aiuteur.store.database import Database, utcnow


class GenerationRecord(BaseModel):
    id: str
    project_id: str
    stage: str
    kind: str
    template_id: str
    template_version: str
    engine: str
    model: str
    rendered_prompt: str
    params: dict[str, Any]
    input_versions: list[str]
    output_version: str | None = None
    output: Any = None
    usage: dict[str, Any]  # Usage fields: counts, and the price `tier` (a string) where a model has several
    estimated_cost: float
    actual_cost: float | None = None
    latency_ms: float | None = None
    status: str
    error: str | None = None
    idempotency_key: str
    trace_id: str | None = None


class GenerationsMixin:
    db: Database

    def record_generation(self, record: GenerationRecord) -> None:
        self.db.execute(
            "INSERT INTO generations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                record.id, record.project_id, record.stage, record.kind, record.template_id,
                record.template_version, record.engine, record.model, record.rendered_prompt,
                json.dumps(record.params, sort_keys=True, default=str), json.dumps(record.input_versions),
                record.output_version, json.dumps(record.output) if record.output is not None else None,
                json.dumps(record.usage), record.estimated_cost, record.actual_cost, record.latency_ms,
                record.status, scrub_optional(record.error), record.idempotency_key, record.trace_id, utcnow(),
            ],
        )

    def set_generation_output_version(self, generation_id: str, version_id: str) -> None:
        self.db.execute("UPDATE generations SET output_version = ? WHERE id = ?", [version_id, generation_id])

    def fulfilled_generation(self, idempotency_key: str) -> GenerationRecord | None:
        """The latest successful generation with this key: its output is reused, not paid again."""
        rows = self.db.rows(
            "SELECT * FROM generations WHERE idempotency_key = ? AND status = 'ok' ORDER BY created_at DESC LIMIT 1",
            [idempotency_key],
        )
        return _record(rows[0]) if rows else None

    def fulfilled_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of `keys` have a successful generation — one query per 500 keys, so a batch of 64
        (or a re-run of one) does not ask 64 times."""
        found: set[str] = set()
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 500):
            chunk = unique[start:start + 500]
            rows = self.db.fetchall(
                f"SELECT DISTINCT idempotency_key FROM generations WHERE status = 'ok' "
                f"AND idempotency_key IN ({', '.join('?' for _ in chunk)})", chunk)
            found.update(r[0] for r in rows)
        return found

    def generation_engines(self, project_id: str, kind: str) -> dict[str, str]:
        """generation id -> engine of a project's successful generations of one kind (e.g. video)."""
        return dict(self.db.fetchall("SELECT id, engine FROM generations WHERE project_id = ? AND status = 'ok' "
                                     "AND kind = ?", [project_id, kind]))

    def generations(self, project_id: str, *, stage: str | None = None) -> list[GenerationRecord]:
        sql = "SELECT * FROM generations WHERE project_id = ?"
        params: list = [project_id]
        if stage:
            sql += " AND stage = ?"
            params.append(stage)
        return [_record(r) for r in self.db.rows(sql + " ORDER BY created_at", params)]


def _record(row: dict) -> GenerationRecord:
    data = dict(row)
    data.pop("created_at", None)
    for key in ("params", "input_versions", "usage"):
        data[key] = json.loads(data[key])
    data["output"] = json.loads(data["output"]) if data["output"] is not None else None
    return GenerationRecord(**data)
