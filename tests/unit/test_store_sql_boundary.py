"""All SQL goes through the store's API: no module outside aiuteur/store/ runs a statement or
holds SQL text (so both backends, DuckDB and PostgreSQL, see only SQL the store checked)."""
from __future__ import annotations

import re
from pathlib import Path

import aiuteur

PACKAGE = Path(aiuteur.__file__).parent
#: running SQL on the connection (store.db.execute / fetchall / fetchone / rows, or a raw .sql())
_CALLS = re.compile(r"\.db\.(execute|fetchall|fetchone|rows)\(|\.sql\(|duckdb\.connect\(|psycopg\.connect\(")
#: SQL text in a string literal
_SQL_TEXT = re.compile(r"[\"'](SELECT\s.+\sFROM\s|INSERT INTO\s|UPDATE\s+\w+\s+SET\s|DELETE FROM\s|CREATE TABLE\s|"
                       r"ALTER TABLE\s)")


def _outside_store() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "store" not in p.relative_to(PACKAGE).parts[:1]]


def test_no_sql_runs_outside_the_store():
    found = [f"{p.relative_to(PACKAGE.parent)}:{n}: {line.strip()}"
             for p in _outside_store() for n, line in enumerate(p.read_text().splitlines(), 1)
             if _CALLS.search(line) or _SQL_TEXT.search(line)]
    assert found == [], "SQL outside aiuteur/store/ (move it into a store method):\n" + "\n".join(found)


def test_the_check_would_see_sql(tmp_path):
    """The patterns catch what they must (a check that cannot fail proves nothing)."""
    samples = ['rows = store.db.rows("SELECT id FROM jobs WHERE x = ?", [1])',
               'store.db.execute("UPDATE jobs SET status = ? WHERE id = ?", params)',
               "con = duckdb.connect(path)", 'sql = "INSERT INTO versions VALUES (?)"']
    assert all(_CALLS.search(s) or _SQL_TEXT.search(s) for s in samples)
    assert not _CALLS.search("with store.db.transaction():") and not _SQL_TEXT.search('"select a shot"')
