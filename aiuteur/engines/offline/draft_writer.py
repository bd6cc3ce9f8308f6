"""The offline text engine: a deterministic draft writer that builds every narrative artifact from the idea.

It reads the structured `context` of a request (the prompt is for real models) and returns the
stage's own Pydantic model, so the pipeline cannot tell it from a real model except by its id.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from aiuteur.engines.offline.idea import analyse
from aiuteur.engines.offline.shot_planner import plan_shots
from aiuteur.engines.offline.story_plan import VARIANTS, plan_beats, screen_seconds, title_case
from aiuteur.engines.protocols import M, TextRequest, Usage
from aiuteur.models.assets import AssetDescriptions
from aiuteur.models.shots import ShotList, dialogue_seconds
from aiuteur.engines.offline.idea import sentences
from aiuteur.models.story import Beat, BeatSheet, ScriptDraft, SpanRewrite, Treatment, TreatmentSet


#: how far past its share of the target length a beat's scene may run before the writer leaves out its
#: later lines and action (the shot list then fills a short scene up to its share with coverage)
BEAT_OVERRUN = 1.5


def part_seconds(part: tuple[str, ...]) -> float:
    """Screen time the shot planner gives a part of a scene: an action paragraph (one tuple item) or a
    line (speaker, text)."""
    if len(part) == 1:
        return min(5.0, max(3.0, 3.0 + len(part[0].split()) * 0.1))
    return max(2.0, dialogue_seconds(part[1]))


def fitting(parts: list[tuple[str, ...]], seconds: float) -> list[tuple[str, ...]]:
    """The scene's parts in order while they fit in `seconds` (no budget: all of them): the first
    always, so every beat has its scene, then each one until the next would run past."""
    if seconds <= 0:
        return parts
    kept, used = parts[:1], part_seconds(parts[0]) if parts else 0.0
    for part in parts[1:]:
        used += part_seconds(part)
        if used > seconds:
            break
        kept.append(part)
    return kept


class DraftWriter:
    """`offline:draft-writer` — free, local, same inputs and seed give the same words."""

    def __init__(self, model: str = "draft-writer") -> None:
        self.id = f"offline:{model}"

    def write(self, request: TextRequest, schema: type[M]) -> tuple[M, Usage]:
        task = getattr(self, f"_{request.task}", None)
        if task is None:
            raise ValueError(f"the offline draft writer has no task {request.task!r}")
        output = task(request.context, request.seed)
        if not isinstance(output, schema):  # a stage's draft schema: the same answer without the code's ids
            try:
                output = schema.model_validate(output.model_dump())
            except ValidationError:
                raise TypeError(f"task {request.task!r} makes {type(output).__name__}, not {schema.__name__}") from None
        words = len(request.prompt.split()) + len(request.system.split())
        return output, Usage(input_tokens=words * 4 // 3, output_tokens=len(output.model_dump_json()) // 4)

    # -- stage 2 -------------------------------------------------------------------------------
    def _treatment(self, ctx: dict[str, Any], seed: int) -> TreatmentSet:
        """Three treatments whose structure differs (see `story_plan`): the beat list, its order and
        its point of view change, not only a few sentences."""
        facts = analyse(ctx["idea"], seed)
        variants = []
        for letter, angle in VARIANTS.items():
            beats = plan_beats(facts, letter)
            title = ctx.get("title") or title_case(facts.place(0).name)
            opening = f"{title}. {facts.premise}"
            voice = (ctx.get("style") or {}).get("voice")
            if voice:  # a writing capsule: the offline writer can only name the voice it was asked for
                opening += f" Told in a {voice.rstrip('.').lower()} voice."
            paragraphs = [opening] + [b.summary for b in beats]
            variants.append(Treatment(
                variant=letter, angle=angle, title=title, logline=facts.premise,
                text="\n\n".join(paragraphs),
                characters=[p.name for p in facts.people], locations=[p.name for p in facts.places],
                beats=[b.title for b in beats],
            ))
        return TreatmentSet(variants=variants)

    def _rewrite_span(self, ctx: dict[str, Any], seed: int) -> SpanRewrite:
        """Targeted regeneration, offline: the span's first sentence is kept and the guidance is
        written in as a sentence after it. The span's own leading and trailing whitespace is kept,
        so the text around it joins exactly as before. (A real model rewrites the span freely; the
        stage guarantees that only the span changes either way.)"""
        span, guidance = ctx["span"], " ".join(str(ctx["guidance"]).split())
        core = span.strip()
        lead = (sentences(core) or [core])[0]
        note = guidance[0].upper() + guidance[1:] if guidance else ""
        if note and note[-1] not in ".!?":
            note += "."
        rewritten = f"{lead} {note}".strip()
        if rewritten == core:
            rewritten = f"{note} {lead}".strip()
        start = span[: len(span) - len(span.lstrip())]
        end = span[len(span.rstrip()):]
        return SpanRewrite(text=f"{start}{rewritten}{end}")

    # -- stage 3 -------------------------------------------------------------------------------
    def _beats(self, ctx: dict[str, Any], seed: int) -> BeatSheet:
        """The chosen variant's beats; screen time follows each beat's weight (a climax runs longer
        than a commitment), summing to the target."""
        facts = analyse(ctx["idea"], seed)
        planned = plan_beats(facts, ctx["treatment"]["variant"])
        seconds = screen_seconds(planned, float(ctx["target_seconds"]))
        return BeatSheet(beats=[
            Beat(title=b.title, summary=b.summary, purpose=b.purpose, characters=b.cast, location=b.place,
                 time_of_day=b.time, interior=b.interior, est_seconds=s)
            for b, s in zip(planned, seconds)
        ])

    # -- stage 4 -------------------------------------------------------------------------------
    def _script(self, ctx: dict[str, Any], seed: int) -> ScriptDraft:
        """One scene per beat; an absent person's lines are voice-over (`NAME (V.O.)`): heard, never seen."""
        facts = analyse(ctx["idea"], seed)
        beats = [Beat.model_validate(b) for b in ctx["beats"]]
        planned = {b.title: b for b in plan_beats(facts, ctx.get("variant", "A"))}
        out = [f"Title: {ctx.get('title', 'Untitled')}", "Credit: Written by", "Author: aiuteur draft writer", ""]
        for beat in beats:
            plan = planned.get(beat.title)
            out += [f"{'INT' if beat.interior else 'EXT'}. {beat.location} - {beat.time_of_day}", ""]
            action = plan.action if plan else [beat.summary]
            lines = plan.lines if plan else []
            parts: list[tuple[str, ...]] = [(action[0],), *lines[:2], *[(a,) for a in action[1:2]], *lines[2:],
                                            *[(a,) for a in action[2:]]]
            for part in fitting(parts, beat.est_seconds * BEAT_OVERRUN):
                out += [*part, ""]
        return ScriptDraft(fountain="\n".join(out).rstrip() + "\n")

    # -- stage 5 -------------------------------------------------------------------------------
    def _assets(self, ctx: dict[str, Any], seed: int) -> AssetDescriptions:
        facts = analyse(ctx["idea"], seed)
        people = {p.name: p for p in facts.people}
        descriptions: dict[str, str] = {}
        for name in ctx["characters"]:
            person = people.get(name)
            role = (person.role if person else "") or "a person caught up in the story"
            if person is not None and person.absent:  # gone: a voice and a photograph, never on set
                descriptions[name] = f"{title_case(name)}: {role}. Heard, not seen: a voice, and a face in an old photograph."
                continue
            descriptions[name] = f"{title_case(name)}: {role}. {ctx.get('tone', '')} presence; consistent costume across scenes."
        for name in ctx["locations"]:
            descriptions[name] = f"{title_case(name)}, as seen in a {ctx.get('genre', 'drama')}: lived-in, specific, readable at a glance."
        props = {p: f"The {p}: the object the story turns on." for p in facts.props}
        for text in ctx.get("action_lines", []):
            for prop in facts.props:
                if prop in text.lower():
                    props.setdefault(prop, f"The {prop}.")
        return AssetDescriptions(descriptions=descriptions, props=props)

    # -- stage 7 -------------------------------------------------------------------------------
    def _shots(self, ctx: dict[str, Any], seed: int) -> ShotList:
        return plan_shots(ctx["scene"], ctx.get("props", []), ctx.get("max_shot_seconds", 8.0), seed)


