"""Scrubbing secrets out of text before it is stored, logged, traced or printed.

Providers echo what they were sent: a 401 body that quotes the key, a proxy that reflects the
request headers, an SDK exception that prints the URL with `?key=...`. Such text must never reach
the workspace (generation and job errors, ledger notes), a log line, a trace or the terminal, so
every provider error passes through `scrub_text` where it is made (the typed errors and
`aiuteur.engines.errors.describe`), and the writers of those tables scrub again as a belt.

Two nets, both needed:

- the *values* of every configured secret: each provider key variable
  (`aiuteur.engines.key_env.KEY_ENV`), `LANGSMITH_API_KEY`, and any environment variable
  named like a secret (`*_API_KEY`, `*_KEY`, `*_TOKEN`, `*_SECRET`), and the parts of a fal
  `id:secret` key, are replaced wherever they appear;
- *shapes* of secrets we were not given: `sk-...` (OpenAI, Anthropic), `AIza...` (Google API
  keys), `lsv2_...` (LangSmith), fal `uuid:hex` keys, OAuth `ya29....` tokens, `Bearer ...` and
  `Key ...` credentials, `key=` / `api_key=` / `token=` query parameters and echoed
  `Authorization`, `x-api-key`, `x-goog-api-key` headers.
"""
from __future__ import annotations

import os
import re
from typing import Iterable

from aiuteur.engines.key_env import KEY_ENV

REDACTED = "<redacted>"  # not [redacted]: Rich (the CLI) would read that as markup and print nothing

#: environment variables that hold secrets besides the provider keys (keys.KEY_ENV)
EXTRA_SECRET_ENV = ("LANGSMITH_API_KEY", "LANGCHAIN_API_KEY")
#: a variable whose name ends like this holds a secret
_SECRET_NAME = re.compile(r"(_API_KEY|_KEY|_TOKEN|_SECRET|_PASSWORD)$", re.I)
#: shorter values are not treated as secrets: they would scrub ordinary words out of messages
MIN_SECRET_LENGTH = 8

_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    # echoed headers and JSON/form fields that carry a credential: keep the name, drop the value
    (re.compile(r"""(?ix)
        (["']?\b(?:authorization|proxy-authorization|x-api-key|x-goog-api-key|api[-_]?key|x-fal-key|
            access[-_]?token|refresh[-_]?token|client[-_]?secret|password)["']?\s*[:=]\s*["']?)
        (?:(?:bearer|key|basic|token)\s+)?
        (?!<redacted>)[^\s"',;&}\]]+"""), r"\1" + REDACTED),
    # credentials in URLs: ?key=..., &api_key=..., token=..., sig=...
    (re.compile(r"(?i)([?&;](?:key|api_?key|apikey|token|access_token|auth|sig|signature)=)(?!<redacted>)[^&\s\"'#]+"),
     r"\1" + REDACTED),
    # schemes that precede a credential
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 " + REDACTED),
    (re.compile(r"\bKey\s+[A-Za-z0-9._~+/=-]{4,}:[A-Za-z0-9._~+/=-]{4,}"), "Key " + REDACTED),
    # well-known key shapes
    (re.compile(r"\bsk-[A-Za-z0-9_-]{12,}"), REDACTED),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{20,}"), REDACTED),
    (re.compile(r"\blsv2_[A-Za-z0-9_]{12,}"), REDACTED),
    (re.compile(r"\bya29\.[0-9A-Za-z._-]{12,}"), REDACTED),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[0-9a-f]{16,}\b", re.I), REDACTED),
)


def secret_env_names() -> list[str]:
    """The environment variables whose values are secrets, as set now."""
    names = {name for names in KEY_ENV.values() for name in names} | set(EXTRA_SECRET_ENV)
    names |= {name for name in os.environ if _SECRET_NAME.search(name)}
    return sorted(names)


def known_secrets() -> list[str]:
    """Every configured secret value (and the halves of `id:secret` keys), longest first."""
    found: set[str] = set()
    for name in secret_env_names():
        value = os.environ.get(name, "").strip()
        if len(value) < MIN_SECRET_LENGTH:
            continue
        found.add(value)
        for part in re.split(r"[:\s]", value):  # fal keys are `key_id:key_secret`
            if len(part) >= MIN_SECRET_LENGTH:
                found.add(part)
    return sorted(found, key=len, reverse=True)


def scrub_text(text: str, secrets: Iterable[str] | None = None) -> str:
    """`text` with every known secret and every secret-shaped string replaced by `<redacted>`.
    Idempotent: scrubbing scrubbed text changes nothing (the writers scrub again as a belt)."""
    if not text:
        return text
    for secret in known_secrets() if secrets is None else secrets:
        if secret and secret in text:
            text = text.replace(secret, REDACTED)
    for pattern, replacement in _SHAPES:
        text = pattern.sub(replacement, text)
    return text


def scrub_optional(text: str | None) -> str | None:
    """`scrub_text` for columns that may be NULL."""
    return None if text is None else scrub_text(text)


def contains_secret(text: str) -> bool:
    """True when `text` holds a configured secret or something shaped like one (for checks and tests)."""
    return scrub_text(text) != text


__all__ = ["REDACTED", "contains_secret", "known_secrets", "scrub_optional", "scrub_text", "secret_env_names"]
