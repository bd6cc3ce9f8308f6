"""Thin, private helpers around the ffmpeg binary shipped by imageio-ffmpeg.

Kept in one place so every module runs ffmpeg the same way: quiet logging,
a bounded thread count (this project targets small 2-core machines) and a
:class:`RenderError` carrying ffmpeg's stderr tail on failure.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from .errors import RenderError

#: Lines of ffmpeg stderr kept in a RenderError message.
STDERR_TAIL_LINES = 15


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary (imageio-ffmpeg's bundled one)."""
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - dependency is required
        raise RenderError("imageio-ffmpeg is not installed; cannot find ffmpeg") from exc
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # pragma: no cover - broken install
        raise RenderError(f"ffmpeg executable not found: {exc}") from exc


def default_threads() -> int:
    """Encoder threads: all cores but capped, so parallel jobs don't thrash."""
    return max(1, min(os.cpu_count() or 1, 4))


def tail(text: str, lines: int = STDERR_TAIL_LINES) -> str:
    """Last ``lines`` non-empty lines of ``text``."""
    kept = [ln for ln in text.splitlines() if ln.strip()]
    return "\n".join(kept[-lines:])


def run_ffmpeg(args: Sequence[str], *, what: str) -> str:
    """Run ffmpeg with ``args`` and return its stderr; raise RenderError on failure."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", *args]
    try:
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    except OSError as exc:
        raise RenderError(f"{what}: could not start ffmpeg: {exc}") from exc
    err = proc.stderr.decode("utf-8", errors="replace")
    if proc.returncode != 0:
        raise RenderError(f"{what}: ffmpeg exited with code {proc.returncode}", tail(err))
    return err


def temp_sibling(out: Path) -> Path:
    """A unique temporary path next to ``out`` (same folder => atomic rename).

    The suffix is kept so ffmpeg picks the right muxer from the name.
    """
    return out.with_name(f".{out.stem}.{uuid.uuid4().hex[:10]}.part{out.suffix}")


def discard(path: Path) -> None:
    """Remove ``path`` if it exists, ignoring errors (cleanup after failure)."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass
