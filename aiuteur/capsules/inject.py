"""How a capsule enters a prompt — one deterministic rule per kind, so the same capsule version
always gives the same prompt text (and so the same idempotency key).

Writing capsules (stages 2-4: treatment, span regeneration, beats, script) are appended to the
system prompt as one block, fields in this fixed order::

    WRITING STYLE (capsule "noir" v2):
    Voice: ...
    Pacing: ...
    Vocabulary: ...
    Avoid: a; b; c
    Samples (match the voice, never copy them):
    > first sample, cut at a word boundary to 600 characters
    > second sample

At most `SAMPLE_LIMIT` samples, in stored order. Visual capsules (image and video prompts) become
the `[STYLE]` section of every frame and video prompt::

    capsule "noir" v1: high contrast, deep shadows; palette: ...; lighting: ...; lens: ...; texture: ...

Reference images are not written into the text; they are listed on the style lock for engines
that take reference images.
"""
from __future__ import annotations

from aiuteur.capsules.models import CapsuleVersion, VisualCapsule, WritingCapsule

SAMPLE_LIMIT = 2
SAMPLE_CHARS = 600


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " ..."


def writing_block(version: CapsuleVersion) -> str:
    capsule = version.capsule
    if not isinstance(capsule, WritingCapsule):
        raise TypeError(f"{version.label} is not a writing capsule")
    lines = [
        f'WRITING STYLE (capsule "{capsule.name}" v{version.number}):',
        f"Voice: {capsule.voice}",
        f"Pacing: {capsule.pacing}",
        f"Vocabulary: {capsule.vocabulary}",
    ]
    if capsule.avoid:
        lines.append("Avoid: " + "; ".join(capsule.avoid))
    samples = [s for s in capsule.samples if s.strip()][:SAMPLE_LIMIT]
    if samples:
        lines.append("Samples (match the voice, never copy them):")
        lines += [f"> {_cut(s, SAMPLE_CHARS)}" for s in samples]
    return "\n".join(lines)


def visual_block(version: CapsuleVersion) -> str:
    capsule = version.capsule
    if not isinstance(capsule, VisualCapsule):
        raise TypeError(f"{version.label} is not a visual capsule")
    head = f'capsule "{capsule.name}" v{version.number}'
    if capsule.descriptors:
        head += ": " + ", ".join(capsule.descriptors)
    return (f"{head}; palette: {capsule.palette}; lighting: {capsule.lighting}; "
            f"lens: {capsule.lens}; texture: {capsule.texture}")


def render(version: CapsuleVersion) -> str:
    return writing_block(version) if version.kind == "writing" else visual_block(version)


def with_writing_style(system: str, block: str | None) -> str:
    """The system prompt with the writing block appended (unchanged when there is none)."""
    return f"{system}\n\n{block}" if block else system
