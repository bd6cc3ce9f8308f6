"""The store's connection: transactions and numbered migrations, on two backends.

`Database` is the small surface every store module uses (`execute`, `fetchall`, `fetchone`, `rows`,
`transaction`, `migrate`). SQL handed to it is portable: `?` parameters, JSON kept as TEXT,
`DOUBLE PRECISION`, `ON CONFLICT DO NOTHING`, `current_schema()`. Two implementations:

* `DuckDBDatabase` (this module): one file, the embedded default. DuckDB lets one process at a
  time open a file for writing, so the connection is short: opened on first use, released after
  a moment without use (and sooner when another process is waiting for it), and a process that
  finds the file taken waits for it with a clear message instead of failing (`WorkspaceBusy`
  only after `AIUTEUR_LOCK_TIMEOUT` seconds).
* `PostgresDatabase` (`aiuteur.store.postgres`): a shared server; truly concurrent writers, with
  a write that lost a race raised as a retryable `WriteConflict` (`HeadMoved` for heads).
"""
from __future__ import annotations

import os
import re
import stat
import sys
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterator

import duckdb

from aiuteur.store.errors import StoreError, WorkspaceBusy, WorkspaceDamaged, WriteConflict, note_change_kept

#: DuckDB errors that mean the file itself is broken (or the disk failed), not a wrong query
_DAMAGE = (duckdb.IOException, duckdb.SerializationException, duckdb.InternalException, duckdb.FatalException)

#: seconds a process waits for a DuckDB file another process holds before `WorkspaceBusy`
LOCK_TIMEOUT_ENV = "AIUTEUR_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 60.0
#: an idle DuckDB connection is released after this many seconds when another process waits for the
#: file, so it gets its turn at once
IDLE_RELEASE_S = 0.25
#: ... and after this many when nobody has said they wait (a process that opens the file without
#: waiting first); not at once, because each release checkpoints and the next statement reopens the
#: file, which a pipeline pausing between clips would otherwise pay hundreds of times
QUIET_RELEASE_S = 2.0
#: a connection held this long is released at the next quiet moment when another process waits
MAX_HOLD_S = 1.0
#: how often a waiting process tries the file again
_WAIT_POLL_S = 0.05


def utcnow() -> datetime:
    """Naive UTC timestamps: what a portable TIMESTAMP column holds."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def migration_files() -> list[tuple[int, str, str]]:
    """(number, name, sql) for every `NNNN_name.sql` shipped in aiuteur/store/migrations: one
    portable set that both backends apply in order."""
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


def lock_timeout() -> float:
    """`AIUTEUR_LOCK_TIMEOUT` seconds (default 60): how long to wait for a busy DuckDB file."""
    raw = os.environ.get(LOCK_TIMEOUT_ENV, "")
    try:
        return max(0.0, float(raw)) if raw.strip() else DEFAULT_LOCK_TIMEOUT
    except ValueError:
        raise StoreError(f"{LOCK_TIMEOUT_ENV}={raw!r} is not a number of seconds") from None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _is_lock_conflict(exc: BaseException) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def _lock_holder(exc: BaseException) -> str:
    found = re.search(r"PID (\d+)", str(exc))
    return f"process {found.group(1)}" if found else "another process"


def _hint(exc: BaseException) -> str:
    text = str(exc)
    if _is_lock_conflict(exc):
        return " (another aiuteur process has it open: close it, or wait)"
    if "No space" in text:
        return " (the disk is full: free some space and run again)"
    if "not a valid DuckDB" in text or "read enough bytes" in text or isinstance(exc, _DAMAGE):
        return " - the file is truncated or damaged: restore it from a backup, or give another --workspace"
    return ""


def _interrupted(exc: BaseException) -> bool:
    """DuckDB stopped a query because a signal arrived (Ctrl-C, SIGTERM): it swallows the signal
    handler's exception and raises `RuntimeError('Query interrupted')` (or InterruptException)."""
    return isinstance(exc, duckdb.InterruptException) or (
        type(exc) is RuntimeError and "interrupted" in str(exc).lower())


def _say_waiting(message: str) -> None:
    print(f"aiuteur: {message}", file=sys.stderr, flush=True)


class Database:
    """What both backends share: the transaction protocol and the migrations.

    One connection guarded by a lock; every multi-row write is one transaction; nested
    `transaction()`s join the outer one. `rollback_hooks` run after a rollback (e.g. to forget
    cached rows). Subclasses implement `_run`, `_begin`, `_commit`, `_rollback`."""

    backend = "?"
    #: the SQL names of the schema the workspace's tables live in
    path: Any

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._depth = 0
        self._changed = False  # a statement of the open transaction changed a row
        self.rollback_hooks: list[Callable[[], None]] = []
        self.created = False
        self.created_folders: list[Path] = []

    # -- the surface ---------------------------------------------------------------------------
    def execute(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> int:
        """Run one statement; the number of rows it changed (-1 when the backend does not say).
        A change is counted as kept (`aiuteur.store.errors.changes_kept`) here when no transaction is
        open, else when its transaction commits."""
        with self._lock:
            _, rows, count = self._run(sql, params, want="count")
            if count > 0:
                if self._depth:
                    self._changed = True
                else:
                    note_change_kept()
            return count

    def fetchall(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[tuple]:
        with self._lock:
            return self._run(sql, params, want="all")[1]

    def fetchone(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> tuple | None:
        with self._lock:
            rows = self._run(sql, params, want="one")[1]
            return rows[0] if rows else None

    def rows(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column name."""
        with self._lock:
            names, rows, _ = self._run(sql, params, want="all")
            return [dict(zip(names, row)) for row in rows]

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
            self._begin()
            self._depth, self._changed = 1, False
            try:
                yield
            except BaseException:
                self._depth = 0
                self._rollback()
                for hook in self.rollback_hooks:
                    hook()
                raise
            else:
                self._depth = 0
                try:
                    self._commit()
                except BaseException:  # nothing of it was kept: forget what was read inside it
                    self._rollback()
                    for hook in self.rollback_hooks:
                        hook()
                    raise
                if self._changed:
                    note_change_kept()
            finally:
                self._depth = 0
                self._idle()

    def serialize(self, key: str) -> None:
        """Inside a transaction: wait until no other transaction holds `key`, and hold it until this
        one ends (a budget check and its reservation must not interleave with another writer's).
        A DuckDB file has one writer at a time already."""

    def close(self) -> None:
        raise NotImplementedError

    def is_empty(self) -> bool:
        """No row in any table but the migrations' own record: nothing a person made is here."""
        tables = [name for (name,) in self.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE'") if name != "schema_migrations"]
        return all(self.fetchone(f'SELECT count(*) FROM "{name}"')[0] == 0 for name in tables)  # type: ignore[index]

    def discard_if_empty(self) -> bool:
        return False

    def table_names(self) -> list[str]:
        """The workspace's tables, sorted."""
        return sorted(name for (name,) in self.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE'"))

    def columns(self, table: str) -> list[str]:
        """A table's columns, in their order."""
        return [name for (name,) in self.fetchall(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ? ORDER BY ordinal_position", [table])]

    # -- migrations ----------------------------------------------------------------------------
    def migrate(self, upto: int | None = None) -> list[int]:
        """Apply the migrations not yet recorded, in order (up to `upto`), each in its own transaction."""
        with self._lock, self._migrating():
            self.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                         "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)")
            done = {row[0] for row in self.fetchall("SELECT version FROM schema_migrations")}
            applied = []
            for number, name, sql in migration_files():
                if number in done or (upto is not None and number > upto):
                    continue
                with self.transaction():
                    self._apply(sql_statements(sql))
                    self.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [number, name, utcnow()])
                applied.append(number)
            return applied

    def _apply(self, statements: list[str]) -> None:
        """Run a migration's statements (inside its transaction)."""
        for statement in statements:
            self.execute(statement)

    @contextmanager
    def _migrating(self) -> Iterator[None]:
        """Held while migrating: two processes opening a new workspace must not both migrate it."""
        yield

    def schema_version(self) -> int:
        row = self.fetchone("SELECT max(version) FROM schema_migrations")
        return int(row[0] or 0) if row else 0

    # -- backend hooks -------------------------------------------------------------------------
    def _run(self, sql: str, params: list[Any] | tuple[Any, ...], *, want: str) -> tuple[list[str], list[tuple], int]:
        raise NotImplementedError

    def _begin(self) -> None:
        raise NotImplementedError

    def _commit(self) -> None:
        raise NotImplementedError

    def _rollback(self) -> None:
        raise NotImplementedError

    def _idle(self) -> None:
        """Called when the connection has nothing in flight (after a statement or a transaction)."""


class DuckDBDatabase(Database):
    """A DuckDB file (or `:memory:`), opened for each burst of work and released when idle.

    A file that DuckDB cannot read (truncated, damaged, not a DuckDB file) or a path that is no
    regular file (a folder, a FIFO, a device) is a `StoreError` — `WorkspaceDamaged` when the
    damage shows only once a query reads the broken part — never a raw DuckDB traceback.
    `created` says this object made the file (and `created_folders` the folders above it), so
    a command refused before it wrote anything can `discard_if_empty` and leave no trace."""

    backend = "duckdb"

    def __init__(self, path: str | Path, *, read_only: bool = False, migrate_upto: int | None = None,
                 timeout: float | None = None, on_wait: Callable[[str], None] | None = None) -> None:
        super().__init__()
        self.path = Path(path)
        self.read_only = read_only
        self.timeout = lock_timeout() if timeout is None else timeout
        self.on_wait = on_wait or _say_waiting
        self._memory = str(path) == ":memory:"
        self._con: duckdb.DuckDBPyConnection | None = None
        self._opened_at = 0.0
        self._last_used = 0.0
        self._reaper: threading.Thread | None = None
        self._closed = False
        if not self._memory:
            self._check_path(read_only)
        try:
            self._connection()
        except StoreError:
            self._forget_created()
            raise
        if not read_only:
            try:
                self.migrate(migrate_upto)
            except StoreError:
                self._release()
                self._forget_created()
                raise

    # -- opening, waiting, releasing -----------------------------------------------------------
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

    @property
    def _waiting_marker(self) -> Path:
        return self.path.with_name(self.path.name + ".waiting")

    def _connection(self) -> duckdb.DuckDBPyConnection:
        """The open connection, opening the file first when it was released (waiting while another
        process holds it: a message once, then `WorkspaceBusy` after `timeout` seconds)."""
        if self._con is not None:
            return self._con
        if self._closed:
            raise StoreError(f"workspace {self.path} was closed")
        deadline = None
        while True:
            try:
                self._con = duckdb.connect(str(self.path), read_only=self.read_only)
                break
            except duckdb.Error as exc:
                if not _is_lock_conflict(exc):
                    raise StoreError(f"cannot open workspace {self.path}: {_first_line(exc)}{_hint(exc)}") from exc
                now = time.monotonic()
                if deadline is None:
                    deadline = now + self.timeout
                    if self.timeout > 0:
                        self.on_wait(f"workspace {self.path} is busy ({_lock_holder(exc)} is writing to it); "
                                     f"waiting up to {self.timeout:g} s ({LOCK_TIMEOUT_ENV})")
                if now >= deadline:
                    raise WorkspaceBusy(
                        f"workspace {self.path} stayed busy for {self.timeout:g} s ({_lock_holder(exc)} holds it): "
                        f"try again when it finishes, raise {LOCK_TIMEOUT_ENV}, or share a PostgreSQL workspace "
                        "for many writers at once (docs/studio-setup.md)") from None
                try:
                    self._waiting_marker.touch()
                except OSError:
                    pass
                time.sleep(_WAIT_POLL_S)
        if deadline is not None:
            self._waiting_marker.unlink(missing_ok=True)
        self._opened_at = time.monotonic()
        return self._con

    def _release(self) -> None:
        """Close the connection (the file is free for other processes until the next use)."""
        with self._lock:
            if self._con is not None:
                try:
                    self._con.close()
                finally:
                    self._con = None

    def _idle(self) -> None:
        if self._memory or self._depth:
            return
        now = time.monotonic()
        self._last_used = now
        if now - self._opened_at > MAX_HOLD_S and self._someone_waits(now):
            self._release()  # let the waiting process in; the next statement waits its turn
            time.sleep(4 * _WAIT_POLL_S)
            return
        if self._reaper is None or not self._reaper.is_alive():
            self._reaper = threading.Thread(target=self._reap, name=f"aiuteur-duckdb-idle:{self.path.name}",
                                            daemon=True)
            self._reaper.start()

    def _someone_waits(self, now: float) -> bool:
        try:
            return time.time() - self._waiting_marker.stat().st_mtime < 1.0
        except OSError:
            return False

    def _reap(self) -> None:
        """Release the connection once it has been idle for `IDLE_RELEASE_S` while another process
        waits for the file, or for `QUIET_RELEASE_S` in any case."""
        while True:
            time.sleep(IDLE_RELEASE_S)
            if not self._lock.acquire(blocking=False):
                continue
            try:
                if self._con is None:
                    return
                now = time.monotonic()
                idle = now - self._last_used
                if self._depth == 0 and (idle >= QUIET_RELEASE_S
                                         or (idle >= IDLE_RELEASE_S and self._someone_waits(now))):
                    self._release()
                    return
            finally:
                self._lock.release()

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
            self._release()
            self._closed = True
            self._forget_created()
        return True

    def close(self) -> None:
        with self._lock:
            self._release()
            self._closed = True

    # -- running -------------------------------------------------------------------------------
    def _run(self, sql: str, params: list[Any] | tuple[Any, ...], *, want: str) -> tuple[list[str], list[tuple], int]:
        try:
            cur = self._connection().execute(sql, list(params))
            if want == "count":
                names: list[str] = []
                row = cur.fetchone() if cur.description and cur.description[0][0] == "Count" else None
                rows, count = [], (int(row[0]) if row else -1)
            else:
                names = [d[0] for d in cur.description] if cur.description else []
                rows = cur.fetchall() if want == "all" else [r for r in [cur.fetchone()] if r is not None]
                count = -1
        except _DAMAGE as exc:
            raise self._damaged(exc) from exc
        except duckdb.TransactionException as exc:
            raise WriteConflict(f"another writer changed the same rows: {_first_line(exc)}; run it again") from exc
        except (duckdb.InterruptException, RuntimeError) as exc:
            if _interrupted(exc):
                raise KeyboardInterrupt() from None  # Ctrl-C (or SIGTERM) during a query is an interrupt
            raise
        self._idle()
        return names, rows, count

    def _damaged(self, exc: Exception) -> "WorkspaceDamaged":
        return WorkspaceDamaged(f"workspace {self.path} could not be read or written: {_first_line(exc)}{_hint(exc)}")

    def _begin(self) -> None:
        try:
            self._connection().begin()
        except _DAMAGE as exc:
            raise self._damaged(exc) from exc
        except (duckdb.InterruptException, RuntimeError) as exc:
            if _interrupted(exc):
                raise KeyboardInterrupt() from None  # Ctrl-C (or SIGTERM) during a query is an interrupt
            raise

    def _commit(self) -> None:
        try:
            self._connection().commit()
        except _DAMAGE as exc:
            raise self._damaged(exc) from exc
        except (duckdb.InterruptException, RuntimeError) as exc:
            if _interrupted(exc):
                raise KeyboardInterrupt() from None
            raise
        except duckdb.TransactionException as exc:
            raise WriteConflict(f"another writer changed the same rows: {_first_line(exc)}; run it again") from exc

    def _rollback(self) -> None:
        try:
            if self._con is not None:
                self._con.rollback()
        except duckdb.Error:
            pass  # a fatal error already ended the transaction; the original error says why

