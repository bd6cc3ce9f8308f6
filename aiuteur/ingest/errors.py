"""Why a staged file was refused: the message always names the file and says what to do."""
from __future__ import annotations


class IngestError(ValueError):
    """A source file cannot be used (empty, binary, scanned, too large, unknown encoding...).

    A `ValueError`, so every client's error handling (CLI `_guard`, the studio's message line)
    shows it as one line; `path` is the file's name as the user gave it.
    """

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")
