"""The single error type the export package raises.

Callers (the pipeline, the UI) need one thing to catch when a cut cannot be
exported, and a message that says *which file or folder* is the problem, so
the error carries an optional ``path`` next to the human-readable message.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ExportError"]


class ExportError(Exception):
    """Raised when a cut cannot be built, written, read back or verified.

    ``path`` names the file or directory involved, when there is one, so a
    caller can show it or clean it up without parsing the message.
    """

    def __init__(self, message: str, *, path: Path | str | None = None) -> None:
        self.path: Path | None = Path(path) if path is not None else None
        if self.path is not None and str(self.path) not in message:
            message = f"{message} (path: {self.path})"
        super().__init__(message)
