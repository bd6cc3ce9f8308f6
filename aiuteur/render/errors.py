"""Error type shared by everything in :mod:`aiuteur.render`.

One typed exception lets callers (the pipeline, the UI) tell "the renderer
failed" apart from programming errors, and carries ffmpeg's own last words,
which are usually the only useful clue when an encode goes wrong.
"""

from __future__ import annotations

__all__ = ["RenderError"]


class RenderError(RuntimeError):
    """Rendering, probing or encoding failed.

    Attributes:
        stderr_tail: the last lines ffmpeg wrote to stderr (empty when the
            failure happened before ffmpeg ran, e.g. a missing input file).
    """

    def __init__(self, message: str, stderr_tail: str = "") -> None:
        self.stderr_tail = stderr_tail
        full = message if not stderr_tail else f"{message}\n--- ffmpeg stderr (tail) ---\n{stderr_tail}"
        super().__init__(full)
