"""Fitting context into a token budget by a documented priority.

Every part has a priority (higher is kept longer) and may be `required` (never cut). When the
parts add up to more than the budget, parts are visited from the lowest priority up (ties: the
later part first): a part is shortened (cut at a sentence or line end, marked `[... truncated]`)
when shortening it by the overshoot leaves at least `MIN_KEPT` tokens, otherwise it is dropped,
and the next part is visited until the total fits. If the required parts alone exceed the budget,
`ContextOverflow` is raised instead of sending a prompt that cannot fit.

Default priorities (`aiuteur.context.assemble`): logline 100, current scene 95 and capsules 90
(all required), treatment summary 60, beat sheet 50, script summary 40, source files 30 (each),
neighbour scenes 20 minus their distance (the farthest go first).
"""
from __future__ import annotations

from pydantic import BaseModel, Field

from aiuteur.context.tokens import count_tokens, counter_name, truncate_tokens

MIN_KEPT = 64
MARK = "\n[... truncated]"


class ContextOverflow(ValueError):
    """The required context alone is larger than the engine's budget."""


class ContextPart(BaseModel):
    name: str
    text: str
    priority: int = 50
    required: bool = False

    @property
    def tokens(self) -> int:
        return count_tokens(self.text)


class TruncationReport(BaseModel):
    """What fitting did; stored in the generation's `params.context_report`."""

    counter: str
    budget: int
    tokens_before: int
    tokens_after: int
    truncated: bool
    dropped: list[str] = Field(default_factory=list)
    shortened: dict[str, list[int]] = Field(default_factory=dict)  # part -> [tokens before, after]
    parts: dict[str, int] = Field(default_factory=dict)  # part -> tokens sent


def fit(parts: list[ContextPart], budget: int, *, overhead: int = 0) -> tuple[list[ContextPart], TruncationReport]:
    """The parts (in their original order) that fit `budget` tokens after `overhead` (the system
    prompt and fixed template text), and the report of what was cut."""
    sizes = {id(p): p.tokens for p in parts}
    before = sum(sizes.values()) + overhead
    kept = {id(p): p for p in parts}
    report = TruncationReport(counter=counter_name(), budget=budget, tokens_before=before, tokens_after=before,
                              truncated=False)
    total = before
    order = sorted(enumerate(parts), key=lambda ip: (ip[1].priority, -ip[0]))
    for _, part in order:
        if total <= budget:
            break
        if part.required:
            continue
        over = total - budget
        size = sizes[id(part)]
        target = size - over - count_tokens(MARK)
        if target >= MIN_KEPT:
            text = truncate_tokens(part.text, target) + MARK
            new = part.model_copy(update={"text": text})
            kept[id(part)] = new
            sizes[id(part)] = new.tokens
            report.shortened[part.name] = [size, sizes[id(part)]]
        else:
            del kept[id(part)]
            report.dropped.append(part.name)
            sizes[id(part)] = 0
        total = sum(sizes[i] for i in kept) + overhead
    if total > budget:
        required = sum(sizes[id(p)] for p in parts if p.required) + overhead
        raise ContextOverflow(
            f"the required context ({', '.join(p.name for p in parts if p.required) or 'prompt'}) is {required} "
            f"tokens, over the budget of {budget}: shorten it or use a model with a larger context window")
    result = [kept[id(p)] for p in parts if id(p) in kept]
    report.tokens_after = total
    report.truncated = bool(report.dropped or report.shortened)
    report.parts = {p.name: sizes[id(p)] for p in parts if id(p) in kept}
    return result, report


def render(parts: list[ContextPart]) -> str:
    """Parts as prompt text: each under an upper-case header, in order."""
    return "\n\n".join(f"{p.name.upper()}:\n{p.text}" for p in parts if p.text.strip())
