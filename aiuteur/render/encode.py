"""The encoder end of an animatic clip: one ffmpeg/libx264 process reading raw frames from a pipe.

Why: frames made in Python are piped once into one encoder (no image files per frame); the
encoder takes yuv420p as it is (no conversion in ffmpeg); and a writer thread feeds the pipe, so
the next frame is being made while ffmpeg reads the last one.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import IO

from ._ffmpeg import ffmpeg_exe

__all__ = ["AUDIO_RATE", "PipeWriter", "encode_args"]

AUDIO_RATE = 48000


def encode_args(
    w: int, h: int, fps: int, frames: int, audio: bool, threads: int, crf: int, preset: str, out: Path,
    pix_fmt: str = "yuv420p",
) -> list[str]:
    """ffmpeg arguments: raw `pix_fmt` frames on stdin, H.264 yuv420p out, a silent AAC track as long as the
    video when `audio`."""
    args = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-f", "rawvideo", "-pix_fmt", pix_fmt, "-s", f"{w}x{h}", "-framerate", str(fps), "-i", "pipe:0",
    ]
    if audio:
        seconds = frames / fps
        args += ["-f", "lavfi", "-i", f"anullsrc=r={AUDIO_RATE}:cl=stereo:d={seconds:.6f}"]
    args += [
        "-map", "0:v:0",
        "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p",
        "-profile:v", "high", "-g", str(max(1, fps)), "-threads", str(threads),
        "-frames:v", str(frames), "-r", str(fps),
    ]
    if audio:
        args += ["-map", "1:a:0", "-c:a", "aac", "-b:a", "96k", "-ac", "2", "-ar", str(AUDIO_RATE)]
    args += ["-movflags", "+faststart", "-f", "mp4", str(out)]
    return args


class PipeWriter:
    """Writes frames to a pipe from a thread, at most ``depth`` frames ahead of the encoder.

    ``put`` returns False once the pipe broke (ffmpeg exited): the caller stops making frames and
    reads ffmpeg's exit code and error.
    """

    def __init__(self, pipe: IO[bytes], depth: int = 3) -> None:
        self._pipe = pipe
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=depth)
        self.broken = False
        self._thread = threading.Thread(target=self._run, name="aiuteur-frame-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            data = self._queue.get()
            if data is None:
                break
            if self.broken:
                continue  # drain: the producer may still be blocked on put
            try:
                self._pipe.write(data)
            except (BrokenPipeError, ValueError, OSError):
                self.broken = True
        try:
            self._pipe.close()
        except (BrokenPipeError, OSError):
            self.broken = True

    def put(self, data: bytes) -> bool:
        if self.broken:
            return False
        self._queue.put(data)
        return not self.broken

    def close(self) -> bool:
        """Flush, close the pipe and wait; True if every frame was written."""
        self._queue.put(None)
        self._thread.join()
        return not self.broken
