"""Whole-table reads and writes that copying a project between workspaces needs."""
from __future__ import annotations

from typing import Any, Iterable

from aiuteur.store.database import Database


class RowsMixin:
    db: Database

    def table_rows(self, table: str, where: str = "", params: Iterable[Any] = ()) -> tuple[list[str], list[tuple]]:
        """(columns, rows) of `table`, optionally filtered by a `where` clause with `?` parameters.
        `table` must be one of the workspace's tables (checked: it is put in the SQL as a name)."""
        if table not in self.db.table_names():
            raise ValueError(f"no table {table!r} in this workspace")
        columns = self.db.columns(table)
        sql = f'SELECT {", ".join(columns)} FROM "{table}"' + (f" WHERE {where}" if where else "")
        return columns, self.db.fetchall(sql, list(params))

    def insert_rows(self, table: str, columns: list[str], rows: Iterable[tuple], *, skip_existing: bool = False) -> int:
        """Insert rows by column name (columns the target lacks are an error); `skip_existing` keeps
        rows whose key is already there. The number of rows given."""
        if table not in self.db.table_names():
            raise ValueError(f"no table {table!r} in this workspace")
        missing = [c for c in columns if c not in set(self.db.columns(table))]
        if missing:
            raise ValueError(f"table {table!r} of this workspace has no column {missing[0]!r}: migrate it first")
        sql = (f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join("?" for _ in columns)})'
               + (" ON CONFLICT DO NOTHING" if skip_existing else ""))
        count = 0
        for row in rows:
            self.db.execute(sql, list(row))
            count += 1
        return count
