"""Why a staged file was refused: the message always names the file and says what to do."""
from __future__ import annotations

from aiuteur.validate import FileRefused


class IngestError(FileRefused):
    """A source file cannot be used (empty, binary, scanned, too large, not a regular file,
    unknown encoding...).

    A `FileRefused` and so a `ValueError`: every client's error handling (CLI `_guard`, the
    studio's message line) shows it as one line; `path` is the file's name as the user gave it,
    `problem` what is wrong with it.
    """
