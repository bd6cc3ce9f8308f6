"""What the image and video engines share: reading references, describing returned bytes, polling."""
from __future__ import annotations

import io
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TypeVar

from aiuteur.engines.providers.errors import MalformedResponse, ProviderError, ProviderUnavailable, translate

if TYPE_CHECKING:  # pragma: no cover
    from aiuteur.engines.capabilities import VideoPlan

T = TypeVar("T")


def mime_of(data: bytes, default: str = "application/octet-stream") -> str:
    """The media type from the bytes' magic number (media store files carry no reliable suffix)."""
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    if data[:4] == b"\x1aE\xdf\xa3":
        return "video/webm"
    return default


def read_image(path: Path) -> tuple[bytes, str]:
    data = Path(path).read_bytes()
    return data, mime_of(data, "image/png")


def image_size(data: bytes) -> tuple[int | None, int | None]:
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception:
        return None, None


def video_facts(data: bytes) -> tuple[int | None, int | None, float | None, int | None]:
    """(width, height, duration, frames) of video bytes, probed with ffmpeg."""
    from aiuteur.render import probe

    with tempfile.TemporaryDirectory(prefix="aiuteur-video-") as tmp:
        path = Path(tmp) / "clip.mp4"
        path.write_bytes(data)
        try:
            info = probe(path)
        except Exception:
            return None, None, None, None
    return info.width, info.height, info.duration, info.frames


def video_tier(plan: "VideoPlan | None") -> str | None:
    """The price tier of a clip, `<resolution>/<audio|silent>` (data/prices.json `per_second_by_tier`)."""
    if plan is None or not plan.resolution:
        return None
    return f"{plan.resolution}/{'audio' if plan.audio else 'silent'}"


def clip_seconds(engine_id: str, measured: float | None, plan: "VideoPlan | None") -> float:
    """The seconds a clip is billed for: the length of the clip the provider returned (providers bill
    the seconds they generated, whatever was asked), in whole seconds; the plan's length only when
    the clip cannot be measured. Never the plan when there is a clip: that would make the recorded
    cost an echo of the estimate."""
    if measured is not None and measured > 0:
        return float(max(1, round(measured)))
    if plan is not None:
        return float(plan.duration)
    raise MalformedResponse(f"{engine_id}: the returned clip has no measurable length",
                            provider=engine_id.partition(":")[0])


def call(provider: str, fn: Callable[[], T]) -> T:
    """Run one SDK call; SDK exceptions come out as our typed ProviderErrors."""
    try:
        return fn()
    except ProviderError:
        raise
    except Exception as exc:
        typed = translate(provider, exc)
        if typed is exc:
            raise
        raise typed from exc


def poll_interval() -> float:
    return float(os.environ.get("AIUTEUR_VIDEO_POLL_SECONDS", "10"))


def poll_timeout() -> float:
    return float(os.environ.get("AIUTEUR_VIDEO_TIMEOUT", "1200"))


def wait_for(engine_id: str, poll: Callable[[], T | None]) -> T:
    """Poll a long-running operation until it yields a result or the video timeout passes."""
    deadline = time.monotonic() + poll_timeout()
    interval = poll_interval()
    while True:
        result = poll()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise ProviderUnavailable(f"{engine_id}: the operation did not finish within {poll_timeout():g} s "
                                      "(AIUTEUR_VIDEO_TIMEOUT); it may still finish: poll it again by its id",
                                      provider=engine_id.partition(":")[0])
        time.sleep(interval)
