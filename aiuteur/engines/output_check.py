"""Paid output is checked before it counts: an image must decode at the size the call planned, a
clip must have a picture and the length that was bought.

Why: a provider (or the network between it and us) can hand back bytes that are not what was
paid for — a truncated download, an HTML error page saved as a PNG, a 64-byte "video". Recorded
as a fulfilled generation, such a file is reused for ever (the key is paid) and fed to later calls
(a corrupt character key becomes the reference of every frame of that character), and the film
fails much later, far from the cause. So the job runner checks each image or clip an engine
returns *before* it is stored: a file that fails is `OutputRejected` — billed (the provider did
bill), retried within the retry policy, never stored as a fulfilled generation — and the reason
is kept on the job ("output rejected: image did not decode ...").

What is expected comes from the capability matrix, the same plan the engine made its call from:

- an image decodes (Pillow, every pixel), is at least `MIN_SIDE` pixels a side, is the planned
  size when the model has fixed sizes (gpt-image-1: 1024x1024, 1536x1024, 1024x1536), else has
  the planned aspect ratio (within `ASPECT_TOLERANCE`), and is the size the engine reported;
- a clip probes (`aiuteur.render.probe`, ffmpeg), has a video stream with frames, and lasts the
  length the model makes for the shot (the billed length, e.g. Veo's 4/6/8 s) or the shot's own
  length, within two frames.

A generation recorded before this check existed (or by an engine that skipped it) is checked the
first time the gateway would reuse it (`reusable`); each verdict is kept in `output_checks`, so a
file is checked once, and a reuse costs one indexed query.
"""
from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiuteur.engines import capabilities
from aiuteur.engines.protocols import EngineError, ImageRequest, MediaResult, Usage, VideoRequest
from aiuteur.store.database import utcnow

#: the smallest side a real generated image has; anything smaller is a placeholder or an error
MIN_SIDE = 16
#: how far a decoded image's aspect may be from the planned one: Gemini's 5:4 is 1152x896 (2.9 % off)
ASPECT_TOLERANCE = 0.05
#: frames of slack on a clip's length (containers round; an audio track may run a little longer)
FRAME_TOLERANCE = 2


class OutputRejected(EngineError):
    """An engine returned an image or clip that is not what was asked for (and paid for).

    Read by the job runner by its attributes: `retryable` (another try may succeed), `billed` (what
    the provider charged for the rejected output), `operation_failed` (a long-running operation's
    output is unusable: a retry starts a new operation rather than polling this one again)."""

    retryable = True
    operation_failed = True

    def __init__(self, problem: str, *, billed: Usage | None = None) -> None:
        super().__init__(f"output rejected: {problem}")
        self.problem = problem
        self.billed = billed
        self.reason = None


@dataclass(frozen=True)
class Expectation:
    """What a call's output must be. `key` names it, canonically, for the verdict table."""

    kind: str
    size: tuple[int, int] | None = None  # an image's exact size
    aspect: str | None = None  # an image's aspect ratio, "16:9"
    durations: tuple[float, ...] = ()  # a clip's acceptable lengths, seconds
    tolerance: float = 0.0  # seconds either side of a length

    @property
    def key(self) -> str:
        if self.kind == "image":
            return f"image {self.size[0]}x{self.size[1]}" if self.size else f"image {self.aspect}"
        lengths = "|".join(f"{d:g}" for d in self.durations)
        return f"video {lengths}s ±{self.tolerance:.3f}s"


def expect(kind: str, engine_id: str, request: Any) -> Expectation:
    """The expectation for `request` on `engine_id`, from the capability matrix where it knows the
    model, else from the request itself (offline and unknown engines make what was asked)."""
    if kind == "image":
        plan = _image_plan(engine_id, request)
        if plan is not None and plan.size:
            width, height = (int(v) for v in plan.size.split("x"))
            return Expectation("image", size=(width, height))
        aspect = plan.aspect_ratio if plan is not None else f"{request.width}:{request.height}"
        return Expectation("image", aspect=aspect)
    if kind == "video":
        asked = float(request.duration)
        try:
            billed = float(capabilities.billed_seconds(engine_id, asked))
        except (capabilities.CapabilityError, KeyError, ValueError):
            billed = asked
        fps = float(request.fps or 24)
        return Expectation("video", durations=tuple(sorted({round(billed, 3), round(asked, 3)})),
                           tolerance=round(FRAME_TOLERANCE / fps, 3))
    raise ValueError(f"only image and video output is checked, not {kind!r}")


def expect_from_params(kind: str, engine_id: str, params: dict[str, Any]) -> Expectation:
    """The expectation for a recorded generation, from its stored request parameters."""
    model = ImageRequest if kind == "image" else VideoRequest
    return expect(kind, engine_id, model.model_construct(**{"prompt": "", "context": {}, **params}))


def _image_plan(engine_id: str, request: Any) -> capabilities.ImagePlan | None:
    caps = capabilities.lookup(engine_id)
    if caps is None or caps.kind != "image":
        return None
    try:
        return capabilities.plan_image(engine_id, request)
    except capabilities.CapabilityError:
        return None


# -- checking bytes --------------------------------------------------------------------------------
def problem_with(expectation: Expectation, data: bytes, *, reported: tuple[int | None, int | None] = (None, None)) -> str | None:
    """What is wrong with `data` for `expectation`, in words; None when it passes."""
    if expectation.kind == "image":
        return _image_problem(expectation, data, reported)
    return _video_problem(expectation, data)


def _image_problem(expectation: Expectation, data: bytes, reported: tuple[int | None, int | None]) -> str | None:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # every pixel: a truncated file fails here, not at its header
            width, height = image.size
    except Exception as exc:
        return f"image did not decode ({type(exc).__name__}; {_describe_bytes(data)})"
    if min(width, height) < MIN_SIDE:
        return f"image is {width}x{height}, smaller than {MIN_SIDE} px a side"
    if expectation.size is not None and (width, height) != expectation.size:
        return f"image is {width}x{height}, the model makes {expectation.size[0]}x{expectation.size[1]} for this call"
    if expectation.aspect is not None:
        want = capabilities.ratio_value(expectation.aspect)
        if abs(width / height - want) / want > ASPECT_TOLERANCE:
            return f"image is {width}x{height} ({width / height:.2f}:1), the call asked for {expectation.aspect}"
    if None not in reported and tuple(reported) != (width, height):
        return f"image decodes at {width}x{height} but the engine reported {reported[0]}x{reported[1]}"
    return None


def _video_problem(expectation: Expectation, data: bytes) -> str | None:
    from aiuteur.render import RenderError, probe

    with tempfile.TemporaryDirectory(prefix="aiuteur-check-") as tmp:
        path = Path(tmp) / "clip.mp4"
        path.write_bytes(data)
        try:
            info = probe(path)
        except RenderError as exc:
            first = str(exc).splitlines()[0].replace(str(path), "the clip")
            return f"video did not decode ({first}; {_describe_bytes(data)})"
    if not info.has_video:
        return f"video has no video stream ({_describe_bytes(data)})"
    if info.frames <= 0:
        return f"video has no frames ({_describe_bytes(data)})"
    if not any(abs(info.duration - d) <= expectation.tolerance + 1e-6 for d in expectation.durations):
        wanted = " or ".join(f"{d:g} s" for d in expectation.durations)
        return f"video is {info.duration:g} s long, {wanted} was bought (±{expectation.tolerance:g} s)"
    return None


def _describe_bytes(data: bytes) -> str:
    return f"{len(data)} bytes, starting {data[:8]!r}"


def check_result(kind: str, engine_id: str, request: Any, result: Any) -> None:
    """Raise `OutputRejected` (billed at the result's usage) unless `result` is what was asked for.
    Text is validated against its schema by the engines; only images and clips are checked here."""
    if kind not in ("image", "video"):
        return
    if not isinstance(result, MediaResult):
        raise OutputRejected(f"the engine returned {type(result).__name__}, not media")
    problem = problem_with(expect(kind, engine_id, request), result.data,
                           reported=(result.width, result.height) if kind == "image" else (None, None))
    if problem is not None:
        raise OutputRejected(problem, billed=result.usage)


# -- verdicts on stored files ----------------------------------------------------------------------
def remember(store: Any, sha256: str, expectation: Expectation, problem: str | None) -> None:
    """Keep a verdict (the first one for a file and expectation stands)."""
    store.remember_output_check(sha256, expectation.key, problem)


def recorded_problem(store: Any, sha256: str, expectation: Expectation) -> tuple[bool, str | None]:
    """(checked?, problem) for a file and expectation."""
    return store.output_check(sha256, expectation.key)


def reusable(store: Any, generation: Any) -> bool:
    """Whether a fulfilled image or clip generation may be reused: its file passes the check for the
    call that made it. Checked once per file (the verdict is kept); the gateway asks this before
    it serves a cached output instead of buying it again."""
    if generation.kind not in ("image", "video") or not isinstance(generation.output, dict):
        return True
    from aiuteur.models.media import MediaRef

    ref = MediaRef.model_validate(generation.output)
    try:
        expectation = expect_from_params(generation.kind, generation.engine, generation.params)
    except Exception:  # parameters this version cannot read: nothing to compare against
        return True
    checked, problem = recorded_problem(store, ref.sha256, expectation)
    if not checked:
        data = store.media_path(ref).read_bytes()
        problem = problem_with(expectation, data, reported=(ref.width, ref.height) if generation.kind == "image"
                               else (None, None))
        remember(store, ref.sha256, expectation, problem)
    return problem is None
