"""The DuckDB connection, transactions and numbered migrations.

SQL here stays portable (TEXT JSON, `?` parameters, no DuckDB-only types) so a PostgreSQL backend
can implement the same small surface later.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

import duckdb

from aiuteur.store.errors import StoreError


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


class Database:
    """One DuckDB connection guarded by a lock; every multi-row write is one transaction."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            if self.path.exists() and self.path.is_dir():
                raise StoreError(f"workspace {self.path} is a folder; give a .duckdb file path")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the workspace folder {self.path.parent}: {exc}") from exc
        try:
            self._con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open workspace {path}: {exc}") from exc
        self._lock = threading.RLock()
        self._depth = 0
        self.rollback_hooks: list = []  # called after a rollback, e.g. to forget cached rows
        if not read_only:
            self.migrate()

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def execute(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> duckdb.DuckDBPyConnection:
        with self._lock:
            return self._con.execute(sql, list(params))

    def fetchall(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[tuple]:
        with self._lock:
            return self._con.execute(sql, list(params)).fetchall()

    def fetchone(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> tuple | None:
        with self._lock:
            return self._con.execute(sql, list(params)).fetchone()

    def rows(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column name."""
        with self._lock:
            cur = self._con.execute(sql, list(params))
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row)) for row in cur.fetchall()]

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
            self._con.begin()
            self._depth = 1
            try:
                yield
            except BaseException:
                self._con.rollback()
                for hook in self.rollback_hooks:
                    hook()
                raise
            else:
                self._con.commit()
            finally:
                self._depth = 0

    def migrate(self) -> list[int]:
        """Apply the migrations not yet recorded, in order, each in its own transaction."""
        self._con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)"
        )
        done = {row[0] for row in self._con.execute("SELECT version FROM schema_migrations").fetchall()}
        applied = []
        for number, name, sql in migration_files():
            if number in done:
                continue
            with self.transaction():
                for statement in (s.strip() for s in sql.split(";")):
                    if statement and not all(line.startswith("--") for line in statement.splitlines()):
                        self._con.execute(statement)
                self._con.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)", [number, name, utcnow()]
                )
            applied.append(number)
        return applied

    def schema_version(self) -> int:
        row = self.fetchone("SELECT max(version) FROM schema_migrations")
        return int(row[0] or 0) if row else 0
