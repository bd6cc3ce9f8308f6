"""The context manager: global and local context per engine call, measured in tokens (offline
tiktoken) and fitted to the model's budget by a documented priority, the truncation recorded."""
from aiuteur.context.assemble import (
    GLOBAL_PARTS, PRIORITY, AssembledContext, BudgetedTextRequest, build, global_parts, local_parts, script_summary,
)
from aiuteur.context.budgets import context_budget, context_window
from aiuteur.context.fit import ContextOverflow, ContextPart, TruncationReport, fit, render
from aiuteur.context.tokens import count_tokens, counter_name, truncate_tokens

__all__ = [
    "GLOBAL_PARTS", "PRIORITY", "AssembledContext", "BudgetedTextRequest", "build", "global_parts", "local_parts",
    "script_summary", "context_budget", "context_window", "ContextOverflow", "ContextPart", "TruncationReport", "fit",
    "render", "count_tokens", "counter_name", "truncate_tokens",
]
