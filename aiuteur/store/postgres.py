"""The PostgreSQL backend: a workspace many people and processes write to at once.

Chosen by a workspace URL, `postgresql://user[:password]@host:port/dbname`, with two optional
query parameters of aiuteur's own (removed before connecting):

* `schema=NAME` — the workspace's tables live in this schema (made when missing), so one
  database can hold several workspaces;
* `media=/shared/path` — the content-addressed media folder every machine of the team mounts
  (default `$AIUTEUR_MEDIA`, else `./<dbname>[-<schema>].media`).

Writers are truly concurrent: each statement outside a transaction commits by itself, each
`transaction()` is one PostgreSQL transaction (READ COMMITTED), and a write that lost a race
(a unique key another writer took first, a serialization failure, a deadlock) is raised as a
retryable `WriteConflict` — never a lost update. The password is never shown: `path` is the URL
with it masked.
"""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aiuteur.store.database import Database, _first_line
from aiuteur.store.errors import StoreError, WriteConflict

MEDIA_ENV = "AIUTEUR_MEDIA"
_SCHEME = re.compile(r"^postgres(?:ql)?:/+", re.IGNORECASE)
_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def postgres_url(value: Any) -> str | None:
    """`value` as a `postgresql://` URL when it names a PostgreSQL workspace, else None. A URL that
    went through `pathlib.Path` (a CLI option typed as a path) lost one of its slashes: restored."""
    if value is None:
        return None
    text = str(value)
    found = _SCHEME.match(text)
    if not found:
        return None
    return "postgresql://" + text[found.end():]


@dataclass(frozen=True)
class PostgresLocation:
    conninfo: str  # what psycopg connects with (aiuteur's own parameters removed)
    display: str  # the URL with the password masked: safe for messages and logs
    dbname: str
    schema: str | None
    media: Path | None


def parse_postgres_url(url: str) -> PostgresLocation:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), None) or None
    media = next((v for k, v in query if k == "media"), None) or None
    kept = [(k, v) for k, v in query if k not in ("schema", "media")]
    if schema is not None and not _SCHEMA_NAME.match(schema):
        raise StoreError(f"schema={schema!r} in the workspace URL is not a plain SQL name (letters, digits, _)")
    conninfo = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), ""))
    netloc = parts.netloc
    if parts.password is not None:
        netloc = netloc.replace(f":{parts.password}@", ":***@", 1)
    shown = [(k, v) for k, v in query if k != "password"]
    display = urlunsplit((parts.scheme, netloc, parts.path, urlencode(shown), ""))
    dbname = parts.path.lstrip("/") or (parts.username or "postgres")
    return PostgresLocation(conninfo=conninfo, display=display, dbname=dbname, schema=schema,
                            media=Path(media) if media else None)


def default_media_root(location: PostgresLocation) -> Path:
    """Where a PostgreSQL workspace's media files live: `media=` in the URL, `$AIUTEUR_MEDIA`, or
    a folder named after the database (and schema) in the current folder."""
    if location.media is not None:
        return location.media
    if os.environ.get(MEDIA_ENV):
        return Path(os.environ[MEDIA_ENV])
    name = location.dbname + (f"-{location.schema}" if location.schema else "")
    return Path.cwd() / f"{name}.media"


@lru_cache(maxsize=4096)
def to_pyformat(sql: str) -> str:
    """The store's portable `?` placeholders as psycopg's `%s` (a literal `%` doubled), leaving
    quoted strings and identifiers alone."""
    out: list[str] = []
    quote = ""
    for ch in sql:
        if quote:
            out.append("%%" if ch == "%" else ch)
            if ch == quote:
                quote = ""
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)


def write_position(url: str) -> str | None:
    """The server's write-ahead-log position: it moves on every committed write, by any process, so
    a page can tell that the workspace changed without reading it (None when unreachable)."""
    import psycopg

    try:
        with psycopg.connect(parse_postgres_url(url).conninfo, autocommit=True, connect_timeout=5) as con:
            row = con.execute("SELECT pg_current_wal_lsn()::text").fetchone()
            return row[0] if row else None
    except psycopg.Error:
        return None


class PostgresDatabase(Database):
    """One psycopg connection (autocommit outside `transaction()`), guarded by a lock."""

    backend = "postgresql"

    def __init__(self, url: str, *, read_only: bool = False, migrate_upto: int | None = None,
                 connect_timeout: int = 10) -> None:
        super().__init__()
        self.location = parse_postgres_url(url)
        self.path = self.location.display
        self.read_only = read_only
        self._connect_timeout = connect_timeout
        self._con: Any = None
        self._connect()
        if not read_only:
            self.migrate(migrate_upto)

    # -- connecting ----------------------------------------------------------------------------
    def _connect(self) -> None:
        import psycopg
        from psycopg.types.numeric import FloatLoader

        try:
            con = psycopg.connect(self.location.conninfo, autocommit=True, connect_timeout=self._connect_timeout)
        except psycopg.Error as exc:
            raise StoreError(f"cannot reach the PostgreSQL workspace {self.path}: {_first_line(exc)} "
                             "(is the server running, and the URL's user, host, port and database right?)") from None
        con.adapters.register_loader("numeric", FloatLoader)  # sums and averages come back as floats
        try:
            if self.location.schema:
                from psycopg import sql as pgsql

                if not self.read_only:
                    con.execute(pgsql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(pgsql.Identifier(self.location.schema)))
                con.execute(pgsql.SQL("SET search_path TO {}").format(pgsql.Identifier(self.location.schema)))
            if self.read_only:
                con.execute("SET default_transaction_read_only = on")
        except psycopg.Error as exc:
            con.close()
            raise StoreError(f"cannot open the PostgreSQL workspace {self.path}: {_first_line(exc)}") from None
        self._con = con

    def _connection(self) -> Any:
        if self._con is None or self._con.closed:
            if self._depth:
                raise StoreError(f"lost the connection to {self.path} in the middle of a transaction; "
                                 "nothing of it was kept: run it again")
            self._connect()
        return self._con

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()

    # -- running -------------------------------------------------------------------------------
    def _run(self, sql: str, params: list[Any] | tuple[Any, ...], *, want: str) -> tuple[list[str], list[tuple], int]:
        import psycopg
        from psycopg import errors

        con = self._connection()
        try:
            cur = con.execute(to_pyformat(sql), list(params))
            if want == "count":
                return [], [], cur.rowcount
            names = [d.name for d in cur.description] if cur.description else []
            if want == "all":
                return names, cur.fetchall(), -1
            row = cur.fetchone()
            return names, [row] if row is not None else [], -1
        except (errors.UniqueViolation, errors.SerializationFailure, errors.DeadlockDetected,
                errors.LockNotAvailable) as exc:
            raise WriteConflict(f"another writer changed the same rows at the same moment ({_first_line(exc)}); "
                                "nothing was written: read again and repeat the change") from exc
        except psycopg.OperationalError as exc:
            if con.closed:
                raise StoreError(f"lost the connection to the PostgreSQL workspace {self.path}: "
                                 f"{_first_line(exc)}") from exc
            raise

    def _begin(self) -> None:
        self._run("BEGIN", (), want="count")

    def _commit(self) -> None:
        from psycopg.pq import TransactionStatus

        if self._con.info.transaction_status == TransactionStatus.INERROR:
            self._rollback()
            raise StoreError("a statement of this transaction failed (and was caught); nothing was kept")
        self._run("COMMIT", (), want="count")

    def _rollback(self) -> None:
        if self._con is not None and not self._con.closed:
            try:
                self._con.execute("ROLLBACK")
            except Exception:  # the original error says why
                pass

    def _apply(self, statements: list[str]) -> None:
        """A migration's statements in one round trip (the simple query protocol takes several)."""
        self._connection().execute(";\n".join(statements))  # type: ignore[arg-type]

    def serialize(self, key: str) -> None:
        if self._depth:
            self.fetchone("SELECT pg_advisory_xact_lock(hashtext(?))", [key])

    @contextmanager
    def _migrating(self) -> Iterator[None]:
        key = f"aiuteur-migrate:{self.location.schema or 'public'}"
        self.fetchone("SELECT pg_advisory_lock(hashtext(?))", [key])
        try:
            yield
        finally:
            self.fetchone("SELECT pg_advisory_unlock(hashtext(?))", [key])
