"""Stage 1 inputs from files: validate (type by content, size, encoding), read (txt, md, Fountain,
FDX, PDF) and label staged files, and decide the input mode (expand, adapt, import)."""
from aiuteur.ingest.errors import IngestError
from aiuteur.ingest.sources import (
    DEFAULT_LABELS, MAX_FILE_BYTES, SourcesRejected, StagedFile, decide_mode, is_screenplay, read_source, read_sources,
)

__all__ = [
    "IngestError", "SourcesRejected", "StagedFile", "read_source", "read_sources", "decide_mode", "is_screenplay",
    "MAX_FILE_BYTES", "DEFAULT_LABELS",
]
