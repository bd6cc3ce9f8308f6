"""Stage 2 — treatment: three variants that differ in a stated way; compare; a human selects one.

Edits and targeted regeneration make new versions; only the chosen span changes in a targeted
regeneration (the text before and after it is kept byte for byte). When locked work was made from
the current treatment (a confirmed beat sheet...), new content needs a new branch (see
`aiuteur.stages.timelines`).
"""
from __future__ import annotations

import re

from pydantic import BaseModel

from aiuteur.capsules.inject import with_writing_style
from aiuteur.capsules.lock import style_text
from aiuteur.capsules.models import StyleLock
from aiuteur.context import BudgetedTextRequest, ContextPart, build
from aiuteur.engines.gateway import Call, generate_text
from aiuteur.engines.registry import Engines
from aiuteur.engines.templates import load_template
from aiuteur.models.project import Project
from aiuteur.models.story import TREATMENT_ANGLES as VARIANTS, SpanRewrite, StoryInput, Treatment, TreatmentSet
from aiuteur.models.versions import Version
from aiuteur.stages.common import system_prompt
from aiuteur.stages.gates import StageError, require
from aiuteur.stages.timelines import check_change, commit_on_branch
from aiuteur.store import Store
from aiuteur.validate import require_type

KEY = "treatment"
#: characters of text on each side of a span given to the engine as context
SPAN_CONTEXT_CHARS = 1500


def writing_style(store: Store, project: Project) -> tuple[Version | None, str | None, dict | None]:
    """(style lock version, its prompt block, the capsule's fields for offline engines)."""
    version, block = style_text(store, project, "writing")
    return version, block, version.model(StyleLock).capsule if version else None


def generate(store: Store, project: Project, engines: Engines, *, seed: int = 0, guidance: str | None = None,
             branch: str | None = None, author: str = "aiuteur") -> Version:
    """Three variants (A, B, C: structure, tone, point of view). A regeneration over locked work
    downstream needs `branch`; `guidance` goes into the prompt and becomes the commit message."""
    require_type(engines, Engines, "engines (e.g. Engines.offline() or engines_for(store, project))")
    source = require(store, project, "input")
    check_change(store, project, KEY, branch=branch)
    story = source.model(StoryInput)
    style, block, capsule = writing_style(store, project)
    template = load_template("treatment")
    system = with_writing_style(system_prompt(project), block)
    parts = [ContextPart(name="idea", text=story.idea or project.config.title, priority=100, required=True)]
    parts += [ContextPart(name=f"source {s.order + 1}: {s.label} ({s.name})", text=s.text, priority=30)
              for s in sorted(story.sources, key=lambda s: s.order)]
    if guidance:
        parts.append(ContextPart(name="guidance", text=guidance, priority=99, required=True))
    angles = dict(angle_a=VARIANTS["A"], angle_b=VARIANTS["B"], angle_c=VARIANTS["C"])
    ctx = build(store, project, engines.text.id, task_parts=parts, include=(),
                overhead_text=system + template.render(idea="", **angles))
    request = BudgetedTextRequest(
        task="treatment", system=system, prompt=template.render(idea=ctx.text, **angles), seed=seed,
        context={"idea": story.story_text(), "title": project.config.title, "mode": story.mode, "style": capsule,
                 "guidance": guidance},
        context_report=ctx.report.model_dump(),
    )
    inputs = [source] + ([style] if style else [])
    variants, outcome = generate_text(store, Call(project, "treatment", template, inputs), engines.text, request, TreatmentSet)
    return commit_on_branch(store, project, KEY, variants.model_copy(update={"selected": None}), branch=branch,
                            message=guidance or "three variants", inputs=inputs, author=author,
                            generation_id=outcome.generation_id, style=style, stage="treatment",
                            branch_message=guidance or "treatment regenerated")


def select(store: Store, project: Project, index: int, *, author: str = "user") -> Version:
    """Choosing a variant locks the treatment stage."""
    head = require(store, project, KEY, locked=False)
    variants = head.model(TreatmentSet)
    if not 0 <= index < len(variants.variants):
        raise StageError(f"there are {len(variants.variants)} treatment variants; choose 0..{len(variants.variants) - 1}")
    chosen = variants.model_copy(update={"selected": index})
    return store.commit(project, KEY, chosen, inputs=head.inputs, status="locked", author=author,
                        generation_id=head.generation_id, message=f"selected variant {variants.variants[index].variant}")


def ensure_selected(store: Store, project: Project, *, auto_lock: bool) -> Version:
    """The locked treatment; with `auto_lock`, the variant already marked selected (else the first)
    is locked if no one locked it."""
    head = store.head(project, KEY)
    if head is not None and head.status != "locked" and auto_lock:
        select(store, project, head.model(TreatmentSet).selected or 0, author="aiuteur")
    return require(store, project, KEY, auto_lock=False)


# -- comparison ------------------------------------------------------------------------------------
class VariantStats(BaseModel):
    """One column of the side-by-side comparison."""

    index: int
    variant: str
    angle: str
    title: str
    logline: str
    words: int
    paragraphs: int
    reading_minutes: float
    beats_covered: list[str]
    characters_introduced: list[str]  # in order of first mention in the text
    unique_characters: list[str]  # introduced here and in no other variant
    selected: bool


def compare(variants: TreatmentSet) -> list[VariantStats]:
    """Length, beats covered and characters introduced for each variant, side by side."""
    introduced = [_introduced(t) for t in variants.variants]
    out = []
    for i, t in enumerate(variants.variants):
        others = {c for j, names in enumerate(introduced) if j != i for c in names}
        paragraphs = [p for p in t.text.split("\n\n") if p.strip()]
        words = len(t.text.split())
        out.append(VariantStats(
            index=i, variant=t.variant, angle=t.angle, title=t.title, logline=t.logline, words=words,
            paragraphs=len(paragraphs), reading_minutes=round(words / 200, 1),
            beats_covered=t.beats or [" ".join(p.split()[:6]) + " ..." for p in paragraphs],
            characters_introduced=introduced[i], unique_characters=[c for c in introduced[i] if c not in others],
            selected=variants.selected == i,
        ))
    return out


def _introduced(t: Treatment) -> list[str]:
    """The variant's characters that its text names, ordered by first mention."""
    found = []
    for name in t.characters:
        match = re.search(rf"\b{re.escape(name)}\b", t.text, flags=re.IGNORECASE)
        if match:
            found.append((match.start(), name))
    return [name for _, name in sorted(found)]


# -- edits -----------------------------------------------------------------------------------------
def _variant_index(ts: TreatmentSet, variant: int | str | None) -> int:
    if variant is None:
        if ts.selected is None:
            raise StageError("variant: no variant is selected yet; say which one to change (0..2 or A/B/C)")
        return ts.selected
    if isinstance(variant, str) and not variant.isdigit():
        for i, t in enumerate(ts.variants):
            if t.variant.upper() == variant.upper():
                return i
        raise StageError(f"variant: no variant {variant!r} (variants: {', '.join(t.variant for t in ts.variants)})")
    index = int(variant)
    if not 0 <= index < len(ts.variants):
        raise StageError(f"variant: there are {len(ts.variants)} variants; choose 0..{len(ts.variants) - 1}")
    return index


def _replace_variant(ts: TreatmentSet, index: int, **changes: object) -> TreatmentSet:
    variants = list(ts.variants)
    variants[index] = variants[index].model_copy(update=changes)
    return ts.model_copy(update={"variants": variants})


def edit(store: Store, project: Project, text: str, *, variant: int | str | None = None, title: str | None = None,
         logline: str | None = None, author: str = "user", message: str = "edited by hand",
         branch: str | None = None) -> Version:
    """A manual edit of one variant (the selected one by default): a new draft version."""
    head = require(store, project, KEY, locked=False)
    ts = head.model(TreatmentSet)
    index = _variant_index(ts, variant)
    if not text.strip():
        raise StageError("text: a treatment cannot be empty")
    changes = {"text": text, **({"title": title} if title else {}), **({"logline": logline} if logline else {})}
    changed = _replace_variant(ts, index, **changes)
    if changed == ts:
        return head
    check_change(store, project, KEY, branch=branch)
    return commit_on_branch(store, project, KEY, changed, branch=branch, message=message, inputs=head.inputs,
                            author=author)


def find_span(text: str, *, start: int | None = None, end: int | None = None, quote: str | None = None) -> tuple[int, int]:
    """(start, end) character offsets of the span, from offsets or a quoted passage that must occur once."""
    if quote is not None:
        if start is not None or end is not None:
            raise StageError("span: give either a quoted passage or start/end offsets, not both")
        if not quote.strip():
            raise StageError("quote: the quoted passage is empty")
        count = text.count(quote)
        if count == 0:
            raise StageError(f"quote: the passage {quote[:60]!r} is not in the treatment text")
        if count > 1:
            raise StageError(f"quote: the passage {quote[:60]!r} occurs {count} times; quote more of it or give offsets")
        begin = text.index(quote)
        return begin, begin + len(quote)
    if start is None or end is None:
        raise StageError("span: give start and end offsets, or a quoted passage")
    if not 0 <= start < end <= len(text):
        raise StageError(f"start/end: need 0 <= start < end <= {len(text)} (the text's length), got {start}..{end}")
    return start, end


def regenerate_span(store: Store, project: Project, engines: Engines, guidance: str, *, start: int | None = None,
                    end: int | None = None, quote: str | None = None, variant: int | str | None = None,
                    branch: str | None = None, seed: int = 0, author: str = "user") -> Version:
    """Targeted regeneration: the text engine rewrites only `text[start:end]` (or the quoted passage)
    following `guidance`; everything before and after is kept byte for byte. A new draft version whose
    message is the guidance."""
    if not guidance or not guidance.strip():
        raise StageError("guidance: say how the span should change")
    head = require(store, project, KEY, locked=False)
    ts = head.model(TreatmentSet)
    index = _variant_index(ts, variant)
    text = ts.variants[index].text
    begin, finish = find_span(text, start=start, end=end, quote=quote)
    check_change(store, project, KEY, branch=branch)
    span, before, after = text[begin:finish], text[:begin], text[finish:]
    style, block, capsule = writing_style(store, project)
    system = with_writing_style(system_prompt(project), block)
    template = load_template("rewrite_span")
    parts = [
        ContextPart(name="text before the span", text=before[-SPAN_CONTEXT_CHARS:] or "(start of text)", priority=45),
        ContextPart(name="span", text=span, priority=100, required=True),
        ContextPart(name="text after the span", text=after[:SPAN_CONTEXT_CHARS] or "(end of text)", priority=44),
    ]
    ctx = build(store, project, engines.text.id, task_parts=parts, include=("logline",),
                overhead_text=system + template.render(guidance=guidance, context=""))
    request = BudgetedTextRequest(
        task="rewrite_span", system=system, seed=seed, prompt=template.render(guidance=guidance, context=ctx.text),
        context={"span": span, "guidance": guidance, "before": before[-SPAN_CONTEXT_CHARS:],
                 "after": after[:SPAN_CONTEXT_CHARS], "style": capsule},
        context_report=ctx.report.model_dump(),
    )
    inputs = [head] + ([style] if style else [])
    rewrite, outcome = generate_text(store, Call(project, "treatment", template, inputs), engines.text, request, SpanRewrite)
    if rewrite.text == span:
        raise StageError("the engine returned the span unchanged: try different guidance")
    changed = _replace_variant(ts, index, text=before + rewrite.text + after)
    return commit_on_branch(store, project, KEY, changed, branch=branch, message=guidance, inputs=head.inputs,
                            author=author, generation_id=outcome.generation_id, style=style, stage="treatment")
