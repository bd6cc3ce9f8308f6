"""Canonical JSON and prefixed hashes: the same inputs give the same key on every machine."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, pydantic models dumped in JSON mode."""
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def content_hash(value: Any) -> str:
    """`sha256:<hex>` of the canonical JSON of `value`."""
    return "sha256:" + hashlib.sha256(canonical_json(value).encode()).hexdigest()


def short_id(prefix: str, *parts: Any) -> str:
    """A readable, deterministic id such as `ver_3f9a0c12d4e5`."""
    return f"{prefix}_{hashlib.sha256(canonical_json(list(parts)).encode()).hexdigest()[:12]}"
