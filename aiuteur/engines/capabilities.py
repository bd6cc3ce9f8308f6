"""The capability matrix: what each real model accepts, checked before a call is made.

A provider that refuses a request costs a round trip at best and a confusing error at worst; a
request that a model silently reinterprets (a 3.4 s shot on a model that makes 4, 6 or 8 s clips)
costs money the estimate did not show. So every real engine plans its call from this table first:
the aspect ratio, duration, resolution, reference images and last frame it will ask for, and what
the provider will bill. What cannot be asked for raises `CapabilityError` before any request.

The data lives in `data/capabilities.json` (one entry per engine id, `provider:*` for providers
that serve any model by name); `docs/providers.md` shows it as a table.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from aiuteur.engines.protocols import EngineError, ImageRequest, VideoRequest

#: aspect ratios match when within this relative distance (2.39:1 is served as 21:9)
ASPECT_TOLERANCE = 0.03


class CapabilityError(EngineError, ValueError):
    """The model cannot take this request; raised before anything is sent or paid for."""

    def __init__(self, engine_id: str, field: str, message: str) -> None:
        super().__init__(f"{engine_id}: {field}: {message}")
        self.engine_id = engine_id
        self.field = field


class RetiredModel(CapabilityError):
    """The provider shut this model down; calls would only fail."""


class Capabilities(BaseModel):
    """One model's entry in the matrix. Fields a kind does not use stay at their defaults."""

    model_config = ConfigDict(extra="allow", frozen=True)

    engine_id: str
    kind: Literal["text", "image", "video"]
    status: Literal["active", "preview", "deprecated", "retired"] = "active"
    retired_on: str | None = None
    keys: list[str] = []
    extra: str | None = None  # the pip extra the SDK comes with, when optional
    structured_output: str | None = None
    reference_images: int = 0
    aspect_ratios: list[str] = []
    sizes: list[str] = []
    mask: bool = False
    first_frame: bool = False
    last_frame: bool | Literal["required"] = False
    durations: list[int] = []
    resolutions: list[str] = []
    audio: Literal["always", "optional", "none"] = "none"
    endpoint: str | None = None
    arguments: dict[str, str] = {}
    notes: str | None = None
    source: str | None = None
    checked: str | None = None

    @property
    def provider(self) -> str:
        return self.engine_id.partition(":")[0]


@dataclass(frozen=True)
class VideoPlan:
    """What a video call will ask for and be billed for, decided before the call."""

    duration: int  # seconds the provider generates and bills
    aspect_ratio: str
    resolution: str | None
    use_last_frame: bool
    references: int
    audio: bool
    note: str | None  # a degradation the output should carry (e.g. first frame only)


@dataclass(frozen=True)
class ImagePlan:
    aspect_ratio: str
    size: str | None
    references: int
    note: str | None


def _capability_file() -> Path:
    in_repo = Path(__file__).resolve().parents[2] / "data" / "capabilities.json"
    if in_repo.exists():
        return in_repo
    return Path(str(resources.files("aiuteur") / "_data" / "capabilities.json"))  # installed wheel


@cache
def load_matrix(path: str | None = None) -> dict[str, Capabilities]:
    data = json.loads(Path(path or _capability_file()).read_text())
    return {engine_id: Capabilities(engine_id=engine_id, **entry) for engine_id, entry in data["models"].items()}


def lookup(engine_id: str) -> Capabilities | None:
    """The entry for `engine_id`, else its provider's `provider:*` entry, else None."""
    matrix = load_matrix()
    provider = engine_id.partition(":")[0]
    return matrix.get(engine_id) or matrix.get(f"{provider}:*")


def require(engine_id: str, kind: str) -> Capabilities:
    """The entry a real engine plans from; unknown models and retired ones are refused."""
    caps = lookup(engine_id)
    if caps is None:
        known = ", ".join(sorted(k for k, c in load_matrix().items() if c.kind == kind))
        raise CapabilityError(engine_id, "model", f"not in the capability matrix (data/capabilities.json); "
                              f"known {kind} models: {known}")
    if caps.kind != kind:
        raise CapabilityError(engine_id, "kind", f"is a {caps.kind} model, not a {kind} model")
    if caps.status == "retired":
        raise RetiredModel(engine_id, "status", f"retired by the provider on {caps.retired_on or 'an earlier date'}"
                           + (f" ({caps.notes})" if caps.notes else "") + "; choose another model")
    return caps


def aspect_of(width: int, height: int) -> float:
    return width / height


def ratio_value(ratio: str) -> float:
    a, _, b = ratio.partition(":")
    return float(a) / float(b)


def match_aspect(engine_id: str, width: int, height: int, allowed: list[str]) -> str:
    """The allowed ratio nearest `width:height`, if it is close enough; else a CapabilityError."""
    if not allowed:
        return f"{width}:{height}"
    want = aspect_of(width, height)
    best = min(allowed, key=lambda r: abs(ratio_value(r) - want))
    if abs(ratio_value(best) - want) / want > ASPECT_TOLERANCE:
        raise CapabilityError(engine_id, "aspect_ratio", f"{width}x{height} ({want:.2f}:1) is not offered; "
                              f"the model makes {', '.join(allowed)}")
    return best


def billed_seconds(engine_id: str, seconds: float) -> float:
    """The seconds a provider generates (and bills) for a shot of `seconds`: the next length it offers.

    Offline engines and models without a duration list make exactly what was asked.
    """
    caps = lookup(engine_id)
    if caps is None or not caps.durations:
        return seconds
    longer = [d for d in caps.durations if d >= seconds - 1e-9]
    if not longer:
        raise CapabilityError(engine_id, "duration", f"{seconds:g} s is longer than the model makes "
                              f"(at most {max(caps.durations)} s): split the shot")
    return float(min(longer))


def plan_video(engine_id: str, request: VideoRequest, *, resolution: str | None = None,
               audio: bool | None = None) -> VideoPlan:
    """Check a video request against the matrix and decide what to ask for."""
    caps = require(engine_id, "video")
    duration = int(billed_seconds(engine_id, request.duration)) if caps.durations else math.ceil(request.duration)
    aspect = match_aspect(engine_id, request.width, request.height, caps.aspect_ratios)
    if resolution is None:
        resolution = caps.resolutions[0] if caps.resolutions else None
    elif caps.resolutions and resolution not in caps.resolutions:
        raise CapabilityError(engine_id, "resolution", f"{resolution} is not offered; the model makes "
                              f"{', '.join(caps.resolutions)}")
    refs = len(request.context.get("reference_images", []) or [])
    if refs > caps.reference_images:
        raise CapabilityError(engine_id, "reference_images", f"{refs} given, the model takes at most "
                              f"{caps.reference_images}")
    if audio is None:
        audio = caps.audio != "none"
    elif audio and caps.audio == "none":
        raise CapabilityError(engine_id, "audio", "the model makes silent video only")
    elif not audio and caps.audio == "always":
        audio = True  # cannot be switched off; billed with audio
    note = None
    use_last = request.end_frame is not None and bool(caps.last_frame)
    if request.end_frame is not None and not caps.last_frame:
        note = (f"end frame not supported by {engine_id}: generated from the first frame only; "
                "check continuity into the next shot")
    return VideoPlan(duration=duration, aspect_ratio=aspect, resolution=resolution, use_last_frame=use_last,
                     references=refs, audio=audio, note=note)


def plan_image(engine_id: str, request: ImageRequest, *, mask: bool = False) -> ImagePlan:
    """Check an image request against the matrix; too many references keep the most recent ones."""
    caps = require(engine_id, "image")
    if mask and not caps.mask:
        raise CapabilityError(engine_id, "mask", "the model cannot edit a masked region")
    if caps.sizes:
        size = _nearest_size(request.width, request.height, caps.sizes)
        aspect = size
    else:
        size = None
        aspect = match_aspect(engine_id, request.width, request.height, caps.aspect_ratios)
    refs = len(request.references)
    note = None
    if refs > caps.reference_images:
        if caps.reference_images == 0:
            note = f"{engine_id} takes no reference images: {refs} not sent"
        else:
            note = (f"{engine_id} takes at most {caps.reference_images} reference images: sent "
                    f"{caps.reference_images} of {refs} (the first ones and the last, the previous frame)")
        refs = caps.reference_images
    return ImagePlan(aspect_ratio=aspect, size=size, references=refs, note=note)


def choose_references(paths: list[Path], limit: int) -> list[Path]:
    """The references a model with room for `limit` gets: the first ones (character keys, in cast
    order) and the last one (the previous shot's end frame, which holds continuity)."""
    if limit <= 0:
        return []
    if len(paths) <= limit:
        return list(paths)
    return list(paths[: limit - 1]) + [paths[-1]]


def _nearest_size(width: int, height: int, sizes: list[str]) -> str:
    want = aspect_of(width, height)
    return min(sizes, key=lambda s: abs(math.log(aspect_of(*map(int, s.split("x"))) / want)))


def table(kind: str | None = None) -> list[dict[str, Any]]:
    """The matrix as rows (for `aiuteur engines` and docs/providers.md)."""
    rows = []
    for engine_id, caps in sorted(load_matrix().items()):
        if kind and caps.kind != kind:
            continue
        rows.append(caps.model_dump(mode="json", exclude_defaults=False))
    return rows


def _durations(values: list[int]) -> str:
    if not values:
        return "-"
    if len(values) > 4 and values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}-{values[-1]}"
    return ", ".join(map(str, values))


def markdown_table() -> str:
    """The matrix as the Markdown table in docs/providers.md (a test keeps the two equal)."""
    lines = ["| engine id | kind | status | reference images | last frame | durations (s) | aspect ratios | "
             "resolutions | audio | key |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for engine_id, c in sorted(load_matrix().items(), key=lambda item: ("text image video".index(item[1].kind), item[0])):
        status = c.status + (f" ({c.retired_on})" if c.retired_on else "")
        last = {True: "yes", False: "no", "required": "required"}[c.last_frame] if c.kind == "video" else "-"
        refs = str(c.reference_images) if c.kind != "text" else "-"
        aspects = ", ".join(c.sizes or c.aspect_ratios) or "-"
        audio = c.audio if c.kind == "video" else "-"
        keys = " or ".join(f"`{k}`" for k in c.keys) or "none"
        lines.append(f"| `{engine_id}` | {c.kind} | {status} | {refs} | {last} | {_durations(c.durations)} | {aspects} "
                     f"| {', '.join(c.resolutions) or '-'} | {audio} | {keys} |")
    return "\n".join(lines) + "\n"


def write_docs(path: Path | None = None) -> Path:
    """Regenerate the matrix block of docs/providers.md from data/capabilities.json."""
    import re

    path = path or Path(__file__).resolve().parents[2] / "docs" / "providers.md"
    text = path.read_text()
    new, count = re.subn(r"(<!-- matrix:begin -->\n).*?(<!-- matrix:end -->)",
                         lambda m: m.group(1) + markdown_table() + m.group(2), text, flags=re.S)
    if count != 1:
        raise ValueError(f"{path} has no <!-- matrix:begin --> ... <!-- matrix:end --> block")
    path.write_text(new)
    return path


if __name__ == "__main__":  # python -m aiuteur.engines.capabilities
    print(f"wrote {write_docs()}")
