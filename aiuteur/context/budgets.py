"""How many tokens of context an engine takes: its window minus a reserve for the answer.

Windows are matched by model name (first match wins); unknown models get `DEFAULT_WINDOW`, small
on purpose so an unknown model is never overfilled. The offline draft writer reads structured
context, not the prompt, but its prompts are still measured and fitted like a real model's, with
the same default window, so a run's records look the same whichever engine ran.
"""
from __future__ import annotations

#: (substring of the engine id, context window in tokens), first match wins
CONTEXT_WINDOWS: tuple[tuple[str, int], ...] = (
    ("gpt-4.1", 1_047_576),
    ("gpt-5", 400_000),
    ("gpt-4o", 128_000),
    ("o3", 200_000),
    ("o4", 200_000),
    ("gemini", 1_048_576),
    ("claude", 200_000),
)
DEFAULT_WINDOW = 32_000
#: tokens kept free for the model's answer (and for tokenizer differences)
OUTPUT_RESERVE = 4_096


def context_window(engine_id: str) -> int:
    lowered = engine_id.lower()
    return next((window for needle, window in CONTEXT_WINDOWS if needle in lowered), DEFAULT_WINDOW)


def context_budget(engine_id: str, *, reserve: int = OUTPUT_RESERVE) -> int:
    """Tokens available for system prompt + prompt."""
    return max(256, context_window(engine_id) - reserve)
