"""The DuckDB connection, transactions and numbered migrations.

SQL here stays portable (TEXT JSON, `?` parameters, no DuckDB-only types) so a PostgreSQL backend
can implement the same small surface later.
"""
from __future__ import annotations

import stat
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

import duckdb

from aiuteur.store.errors import StoreError, WorkspaceDamaged

#: DuckDB errors that mean the file itself is broken (or the disk failed), not a wrong query
_DAMAGE = (duckdb.IOException, duckdb.SerializationException, duckdb.InternalException, duckdb.FatalException)


def utcnow() -> datetime:
    """Naive UTC timestamps: what a portable TIMESTAMP column holds."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def migration_files() -> list[tuple[int, str, str]]:
    """(number, name, sql) for every `NNNN_name.sql` shipped in aiuteur/store/migrations."""
    folder = resources.files("aiuteur.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql") and entry.name[:4].isdigit():
            found.append((int(entry.name[:4]), entry.name[5:-4], entry.read_text()))
    return sorted(found)


def sql_statements(sql: str) -> list[str]:
    """A migration's statements: `--` comment lines dropped first (a `;` in a comment must not
    split a statement), then split at `;`."""
    kept = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in kept.split(";") if s.strip()]


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _hint(exc: BaseException) -> str:
    text = str(exc)
    if "lock on file" in text or "Conflicting lock" in text:
        return " (another aiuteur process has it open: close it, or wait)"
    if "No space" in text:
        return " (the disk is full: free some space and run again)"
    if "not a valid DuckDB" in text or "read enough bytes" in text or isinstance(exc, _DAMAGE):
        return " - the file is truncated or damaged: restore it from a backup, or give another --workspace"
    return ""


class Database:
    """One DuckDB connection guarded by a lock; every multi-row write is one transaction.

    A file that DuckDB cannot read (truncated, damaged, not a DuckDB file) or a path that is no
    regular file (a folder, a FIFO, a device) is a `StoreError` — `WorkspaceDamaged` when the
    damage shows only once a query reads the broken part — never a raw DuckDB traceback.
    `created` says this object made the file (and `created_folders` the folders above it), so
    a command refused before it wrote anything can `discard_if_empty` and leave no trace."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.created = False
        self.created_folders: list[Path] = []
        if str(path) != ":memory:":
            self._check_path(read_only)
        try:
            self._con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            self._forget_created()
            raise StoreError(f"cannot open workspace {path}: {_first_line(exc)}{_hint(exc)}") from exc
        self._lock = threading.RLock()
        self._depth = 0
        self.rollback_hooks: list = []  # called after a rollback, e.g. to forget cached rows
        if not read_only:
            try:
                self.migrate()
            except StoreError:
                self._con.close()
                self._forget_created()
                raise

    def _check_path(self, read_only: bool) -> None:
        if self.path.exists() or self.path.is_symlink():
            try:
                mode = self.path.stat().st_mode
            except OSError as exc:
                raise StoreError(f"cannot open workspace {self.path}: {exc.strerror or exc}") from exc
            if stat.S_ISDIR(mode):
                raise StoreError(f"workspace {self.path} is a folder; give a .duckdb file path")
            if not stat.S_ISREG(mode):
                raise StoreError(f"workspace {self.path} is not a regular file (a FIFO or a device?); "
                                 "give a .duckdb file path")
            return
        if read_only:
            raise StoreError(f"no workspace at {self.path}")
        missing = [p for p in (self.path.parent, *self.path.parent.parents) if not p.exists()]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the workspace folder {self.path.parent}: {exc.strerror or exc}") from exc
        self.created, self.created_folders = True, missing

    def _forget_created(self) -> None:
        """Remove what opening made (the file, its WAL, new folders) after a failed open."""
        if self.created:
            for leftover in (self.path, self.path.with_name(self.path.name + ".wal")):
                leftover.unlink(missing_ok=True)
            for folder in self.created_folders:  # innermost first
                try:
                    folder.rmdir()
                except OSError:
                    break
            self.created = False

    def is_empty(self) -> bool:
        """No row in any table but the migrations' own record: nothing a person made is here."""
        tables = [name for (name,) in self.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE'")
            if name != "schema_migrations"]
        return all(self.fetchone(f'SELECT count(*) FROM "{name}"')[0] == 0 for name in tables)  # type: ignore[index]

    def discard_if_empty(self) -> bool:
        """Close and delete a workspace this object created when nothing was written to it (a
        refused command leaves no empty workspace behind); True when it was deleted."""
        if not self.created:
            return False
        with self._lock:
            try:
                empty = self.is_empty()
            except StoreError:
                empty = False
            if not empty:
                return False
            self._con.close()
            self._forget_created()
        return True

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def execute(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> duckdb.DuckDBPyConnection:
        with self._lock:
            try:
                return self._con.execute(sql, list(params))
            except _DAMAGE as exc:
                raise self._damaged(exc) from exc
            except duckdb.InterruptException:
                raise KeyboardInterrupt() from None  # Ctrl-C during a query is Ctrl-C

    def fetchall(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._con.execute(sql, list(params)).fetchall()
            except _DAMAGE as exc:
                raise self._damaged(exc) from exc
            except duckdb.InterruptException:
                raise KeyboardInterrupt() from None  # Ctrl-C during a query is Ctrl-C

    def fetchone(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> tuple | None:
        with self._lock:
            try:
                return self._con.execute(sql, list(params)).fetchone()
            except _DAMAGE as exc:
                raise self._damaged(exc) from exc
            except duckdb.InterruptException:
                raise KeyboardInterrupt() from None  # Ctrl-C during a query is Ctrl-C

    def rows(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column name."""
        with self._lock:
            try:
                cur = self._con.execute(sql, list(params))
                names = [d[0] for d in cur.description]
                return [dict(zip(names, row)) for row in cur.fetchall()]
            except _DAMAGE as exc:
                raise self._damaged(exc) from exc
            except duckdb.InterruptException:
                raise KeyboardInterrupt() from None  # Ctrl-C during a query is Ctrl-C

    def _damaged(self, exc: Exception) -> "WorkspaceDamaged":
        return WorkspaceDamaged(f"workspace {self.path} could not be read or written: {_first_line(exc)}{_hint(exc)}")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing; nested uses join the outer transaction."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            try:
                self._con.begin()
            except _DAMAGE as exc:
                raise self._damaged(exc) from exc
            except duckdb.InterruptException:
                raise KeyboardInterrupt() from None  # Ctrl-C during a query is Ctrl-C
            self._depth = 1
            try:
                yield
            except BaseException:
                try:
                    self._con.rollback()
                except duckdb.Error:
                    pass  # a fatal error already ended the transaction; the original error says why
                for hook in self.rollback_hooks:
                    hook()
                raise
            else:
                try:
                    self._con.commit()
                except _DAMAGE as exc:
                    raise self._damaged(exc) from exc
            finally:
                self._depth = 0

    def migrate(self) -> list[int]:
        """Apply the migrations not yet recorded, in order, each in its own transaction."""
        try:
            self._con.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)"
            )
            done = {row[0] for row in self._con.execute("SELECT version FROM schema_migrations").fetchall()}
        except _DAMAGE as exc:
            raise self._damaged(exc) from exc
        applied = []
        for number, name, sql in migration_files():
            if number in done:
                continue
            with self.transaction():
                for statement in sql_statements(sql):
                    self.execute(statement)
                self.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [number, name, utcnow()])
            applied.append(number)
        return applied

    def schema_version(self) -> int:
        row = self.fetchone("SELECT max(version) FROM schema_migrations")
        return int(row[0] or 0) if row else 0
