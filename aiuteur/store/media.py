"""Content-addressed media: files named by sha256 in the workspace's media folder, facts in `media`."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from aiuteur.models.media import MediaRef
from aiuteur.store.database import Database, utcnow
from aiuteur.store.errors import StoreError

_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "video/mp4": ".mp4", "image/webp": ".webp",
               "audio/wav": ".wav", "audio/mpeg": ".mp3"}


class MediaMixin:
    db: Database
    media_root: Path

    def put_media(
        self,
        data: bytes,
        mime: str,
        *,
        width: int | None = None,
        height: int | None = None,
        duration: float | None = None,
        frames: int | None = None,
    ) -> MediaRef:
        """Store bytes once under their hash; storing the same bytes again returns the same ref."""
        sha = hashlib.sha256(data).hexdigest()
        rel = f"{sha[:2]}/{sha}{_EXTENSIONS.get(mime, '.bin')}"
        target = self.media_root / rel
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        ref = MediaRef(sha256=sha, path=rel, mime=mime, width=width, height=height, duration=duration, frames=frames)
        if self.db.fetchone("SELECT 1 FROM media WHERE sha256 = ?", [sha]) is None:
            self.db.execute(  # two writers storing the same bytes at once: the first row stands
                "INSERT INTO media (sha256, path, mime, width, height, duration, frames, bytes, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [sha, rel, mime, width, height, duration, frames, len(data), utcnow()],
            )
        return ref

    def remember_output_check(self, sha256: str, expectation: str, problem: str | None) -> None:
        """Keep a verdict on a media file (the first one for a file and expectation stands)."""
        self.db.execute("INSERT INTO output_checks (sha256, expectation, problem, checked_at) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT DO NOTHING", [sha256, expectation, problem, utcnow()])

    def output_check(self, sha256: str, expectation: str) -> tuple[bool, str | None]:
        """(checked?, problem) for a media file and an expectation."""
        row = self.db.fetchone("SELECT problem FROM output_checks WHERE sha256 = ? AND expectation = ?",
                               [sha256, expectation])
        return (row is not None, row[0] if row else None)

    def put_media_file(self, path: Path, mime: str, **meta) -> MediaRef:
        ref = self.put_media(Path(path).read_bytes(), mime, **meta)
        return ref

    def media_path(self, ref: MediaRef) -> Path:
        """Absolute path of a media file; a clear error if the file went missing."""
        path = self.media_root / ref.path
        if not path.exists():
            raise StoreError(f"media file {path} is missing from the workspace (sha256 {ref.sha256[:12]})")
        return path

    def has_media(self, ref: MediaRef) -> bool:
        return (self.media_root / ref.path).exists()
