"""A throwaway PostgreSQL server on 127.0.0.1, made with Debian's binaries: the tests' `postgres_server`
fixture and `benchmarks/stress_postgres_concurrent.py` both start theirs here, so there is one way.

`.ci/run` installs the `postgresql` package. As root, initdb and the server run as the `postgres`
user (initdb refuses root). The server is tuned for throwaway data (no fsync) and stopped with
`-m immediate`: nothing in it is meant to outlive the caller.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

PG_BIN_DIRS = ("/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin")
NO_SERVER = "no PostgreSQL binaries (initdb) on this machine: `apt-get install postgresql` (.ci/run does)"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries on this machine: install Debian's `postgresql` package."""


def pg_bin() -> str | None:
    """The folder holding initdb and pg_ctl, or None."""
    for folder in PG_BIN_DIRS:
        if os.path.exists(os.path.join(folder, "initdb")):
            return folder
    found = shutil.which("initdb")
    return os.path.dirname(found) if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start a server on 127.0.0.1 and a free port, yield the base URL of its `aiuteur` database
    (`postgresql://aiuteur@127.0.0.1:PORT/aiuteur`), then stop it and delete its files."""
    bindir = pg_bin()
    if bindir is None:
        raise PostgresUnavailable(NO_SERVER)
    root = Path(tempfile.mkdtemp(prefix="aiuteur-pg-"))  # not under pytest's tmp: that is mode 700 for root
    os.chmod(root, 0o755)
    data, log = root / "data", root / "pg.log"
    port = _free_port()
    as_root = os.geteuid() == 0

    def run(*argv: str) -> None:
        command = [os.path.join(bindir, argv[0]), *argv[1:]]
        if as_root:
            command = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(f"'{a}'" for a in command)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{argv[0]} failed ({done.returncode}): {done.stderr or done.stdout}")

    options = f"-k {root} -h 127.0.0.1 -p {port} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    try:
        if as_root:
            subprocess.run(["chown", "postgres", str(root)], check=True)
        run("initdb", "-D", str(data), "-A", "trust", "-U", "aiuteur", "--no-sync")
        run("pg_ctl", "-D", str(data), "-l", str(log), "-w", "-o", options, "start")
        try:
            run("createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "aiuteur", "aiuteur")
            yield f"postgresql://aiuteur@127.0.0.1:{port}/aiuteur"
        finally:
            run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)
