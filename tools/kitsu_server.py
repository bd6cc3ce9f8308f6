#!/usr/bin/env python3
"""A throwaway Kitsu (Zou) server on loopback, for the tests and for trying the Kitsu page by hand.

    python3 tools/kitsu_server.py prepare   # make (or reuse) the zou venv; prints its path
    python3 tools/kitsu_server.py serve     # PostgreSQL + Redis + Zou on 127.0.0.1; prints the
                                            # AIUTEUR_KITSU_* exports; Ctrl-C stops and deletes it

Zou pins every one of its dependencies exactly, so it never goes into the project's venv: it gets
its own (`$AIUTEUR_ZOU_VENV`, default ~/.cache/aiuteur/zou-venv), made with `python3 -m venv` and
`pip install zou==ZOU_VERSION` from PyPI, and reused while it says it is complete. The server needs
PostgreSQL (Debian's `postgresql`), Redis (`redis-server`: every authenticated call is a 500
without it) and `ffprobe` (Debian's `ffmpeg`: else previews end "broken"); `.ci/run` installs them.
Standard library only: tests/integration/test_kitsu.py loads this file by path.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ZOU_VERSION = "1.0.97"  # checked with gazu 1.3.1 (docs/tracking.md)
VENV_ENV = "AIUTEUR_ZOU_VENV"
READY = ".aiuteur-ready"  # written last: a venv without it is half made and is made again
PG_BIN_DIRS = ("/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin")
ADMIN_EMAIL = "admin@example.com"  # create-admin refuses .test domains; no mail is sent (MAIL_ENABLED=False)


class StackError(RuntimeError):
    """The Kitsu stack could not be prepared or started; the message says which part and why."""


def venv_path() -> Path:
    chosen = os.environ.get(VENV_ENV)
    return Path(chosen) if chosen else Path.home() / ".cache" / "aiuteur" / "zou-venv"


def zou_venv(*, timeout: float = 1800, quiet: bool = True) -> Path:
    """The zou venv, made when missing or half made (pip from PyPI: minutes on a busy machine).
    Built beside its place and renamed when complete, so a crash never leaves a venv that looks
    ready; the tools in it are run as `python -m ...` (a renamed venv's scripts keep the old path)."""
    target = venv_path()
    ready = target / READY
    if ready.exists() and ready.read_text().strip() == ZOU_VERSION:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_name(target.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    _run([sys.executable if _is_system_python() else "python3", "-m", "venv", str(building)], "python3 -m venv",
         timeout=300)
    pip = [str(building / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check",
           *(["-q"] if quiet else []), f"zou=={ZOU_VERSION}"]
    _run(pip, f"pip install zou=={ZOU_VERSION}", timeout=timeout)
    (building / READY).write_text(ZOU_VERSION + "\n")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(building, target)
    return target


def _is_system_python() -> bool:
    """True when this interpreter is not itself inside a venv (a venv's venv works, but its
    `home` points at the outer venv, which may be rebuilt)."""
    return sys.prefix == sys.base_prefix


def _run(argv: list[str], what: str, *, env: dict | None = None, timeout: float = 600, user: str | None = None) -> str:
    if user:
        argv = ["su", user, "-s", "/bin/sh", "-c", " ".join(_quote(a) for a in argv)]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise StackError(f"{what} took more than {timeout:.0f} s") from None
    except FileNotFoundError as exc:
        raise StackError(f"{what}: {exc.filename} not found") from None
    if done.returncode:
        tail = (done.stderr or done.stdout).strip().splitlines()[-15:]
        raise StackError(f"{what} failed ({done.returncode}):\n" + "\n".join(tail))
    return done.stdout


def _quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\\''") + "'"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, what: str, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StackError(f"{what} exited ({proc.returncode}): {_tail(log)}")
        with socket.socket() as probe:
            probe.settimeout(1)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise StackError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f} s: {_tail(log)}")


def _tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return "(no log)"


def pg_bin() -> str | None:
    for folder in PG_BIN_DIRS:
        if os.path.exists(os.path.join(folder, "initdb")):
            return folder
    found = shutil.which("initdb")
    return os.path.dirname(found) if found else None


def missing_tools() -> list[str]:
    """What the stack needs from the system and does not find (Debian package names)."""
    missing = []
    if pg_bin() is None:
        missing.append("postgresql")
    if shutil.which("redis-server") is None:
        missing.append("redis-server")
    if shutil.which("ffprobe") is None:
        missing.append("ffmpeg")
    return missing


class KitsuStack:
    """PostgreSQL (its own cluster, unless `database` names a server), Redis and Zou (gunicorn) on
    127.0.0.1 and free ports, under a temporary folder deleted by `stop()`.

    `database`: a `postgresql://user@host:port/db` URL of a running server (trusting loopback) in
    which a `zou_<random>` database is made; without it a cluster is made and started here."""

    def __init__(self, *, database: str | None = None, venv: Path | None = None, timeout: float = 900) -> None:
        self.database = database
        self.venv = venv
        self.timeout = timeout
        self.root = Path(tempfile.mkdtemp(prefix="aiuteur-kitsu-"))
        os.chmod(self.root, 0o755)  # the postgres user must reach its cluster under it
        self.email = ADMIN_EMAIL
        self.password = "pw-" + secrets.token_hex(8)
        self.port = 0
        self._procs: list[tuple[str, subprocess.Popen]] = []
        self._pg_data: Path | None = None
        self._as_root = os.geteuid() == 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """The three variables aiuteur reads."""
        return {"AIUTEUR_KITSU_URL": self.url, "AIUTEUR_KITSU_EMAIL": self.email,
                "AIUTEUR_KITSU_PASSWORD": self.password}

    # -- start ----------------------------------------------------------------------------------
    def start(self) -> "KitsuStack":
        missing = missing_tools()
        if missing:
            raise StackError(f"the Kitsu stack needs Debian's {', '.join(missing)}: apt-get install -y "
                             f"{' '.join(missing)} (.ci/run does)")
        try:
            venv = self.venv or zou_venv()
            db = self._database()
            kv_port = self._redis()
            zou_env = self._zou_env(venv, db, kv_port)
            python = str(venv / "bin" / "python")
            cli = [python, "-c", "import sys; from zou.cli import cli; sys.argv[0] = 'zou'; cli()"]
            _run([*cli, "init-db"], "zou init-db", env=zou_env, timeout=self.timeout)
            _run([*cli, "init-data"], "zou init-data", env=zou_env, timeout=self.timeout)
            _run([*cli, "create-admin", self.email, "--password", self.password], "zou create-admin",
                 env=zou_env, timeout=self.timeout)
            self._gunicorn(python, zou_env)
        except BaseException:
            self.stop()
            raise
        return self

    def _database(self) -> dict[str, str]:
        if self.database is None:
            self.database = self._postgres()
        from urllib.parse import urlsplit

        parts = urlsplit(self.database)
        name = "zou_" + secrets.token_hex(4)
        bindir = pg_bin() or ""
        _run([os.path.join(bindir, "createdb"), "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
              "-U", parts.username or "postgres", name], "createdb", timeout=120)
        return {"DB_HOST": parts.hostname or "127.0.0.1", "DB_PORT": str(parts.port or 5432),
                "DB_USERNAME": parts.username or "postgres", "DB_PASSWORD": parts.password or "trust",
                "DB_DATABASE": name}

    def _postgres(self) -> str:
        bindir = pg_bin()
        data, log, port = self.root / "pg", self.root / "pg.log", free_port()
        user = "postgres" if self._as_root else None
        if user:
            _run(["chown", "postgres", str(self.root)], "chown")
        _run([os.path.join(bindir, "initdb"), "-D", str(data), "-A", "trust", "-U", "zou", "--no-sync"], "initdb",
             user=user, timeout=300)
        _run([os.path.join(bindir, "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "300", "-o",
              f"-k {self.root} -h 127.0.0.1 -p {port} -c fsync=off -c synchronous_commit=off", "start"],
             "pg_ctl start", user=user, timeout=360)
        self._pg_data = data
        return f"postgresql://zou@127.0.0.1:{port}/postgres"

    def _redis(self) -> int:
        port, log = free_port(), self.root / "redis.log"
        proc = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                 "--appendonly", "no", "--dir", str(self.root), "--logfile", str(log)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self._procs.append(("redis", proc))
        _wait_port(port, proc, "redis-server", log, 60)
        return port

    def _zou_env(self, venv: Path, db: dict[str, str], kv_port: int) -> dict[str, str]:
        # no folder named `event_handlers` anywhere on the path: zou imports that name, and an empty
        # folder would be a namespace package without the `event_map` it then reads
        for folder in ("previews", "tmp", "handlers", "plugins"):
            (self.root / folder).mkdir(exist_ok=True)
        path = os.pathsep.join([str(venv / "bin"), os.environ.get("PATH", "/usr/bin:/bin")])
        return {"PATH": path, "HOME": os.environ.get("HOME", str(self.root)), "LANG": "C.UTF-8",
                **db, "SECRET_KEY": secrets.token_hex(32), "KV_HOST": "127.0.0.1", "KV_PORT": str(kv_port),
                "PREVIEW_FOLDER": str(self.root / "previews"), "TMP_DIR": str(self.root / "tmp"),
                "EVENT_HANDLERS_FOLDER": str(self.root / "handlers"),
                "PLUGIN_FOLDER": str(self.root / "plugins"), "MAIL_ENABLED": "False",
                "MAIL_CHECK_DELIVERABILITY": "False", "ENABLE_JOB_QUEUE": "False",
                "BCRYPT_LOG_ROUNDS": "4"}  # a throwaway server: cheap password hashing

    def _gunicorn(self, python: str, env: dict[str, str]) -> None:
        self.port, log = free_port(), self.root / "zou.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen([python, "-m", "gunicorn", "-b", f"127.0.0.1:{self.port}", "-w", "1", "-k",
                                     "gevent", "--timeout", "600", "--no-control-socket", "zou.app:app"],
                                    env=env, cwd=self.root / "tmp", stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        self._procs.append(("zou", proc))
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise StackError(f"zou (gunicorn) exited ({proc.returncode}): {_tail(log)}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5) as answer:
                    if answer.status == 200 and json.loads(answer.read()).get("api"):
                        return
            except (urllib.error.URLError, OSError, ValueError):
                pass
            time.sleep(0.5)
        raise StackError(f"zou did not answer on {self.url} within {self.timeout:.0f} s: {_tail(log)}")

    # -- stop -----------------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop what was started (each process by its own id) and delete the folder."""
        for _, proc in reversed(self._procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)  # gunicorn's workers are in its session
                except ProcessLookupError:
                    pass
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=30)
        self._procs.clear()
        if self._pg_data is not None:
            try:
                _run([os.path.join(pg_bin() or "", "pg_ctl"), "-D", str(self._pg_data), "-m", "immediate", "-w",
                      "stop"], "pg_ctl stop", user="postgres" if self._as_root else None, timeout=120)
            except StackError:
                pass
            self._pg_data = None
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "KitsuStack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["prepare", "serve"])
    args = parser.parse_args(argv)
    try:
        if args.action == "prepare":
            print(zou_venv(quiet=False))
            return 0
        def stop_on_term(*_):  # `kill PID` and `timeout` stop the stack cleanly too
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop_on_term)
        with KitsuStack() as stack:
            for name, value in stack.env().items():
                print(f"export {name}={value}")  # a throwaway server's own throwaway password
            print(f"# Kitsu (Zou {ZOU_VERSION}) on {stack.url}; Ctrl-C stops it and deletes its data", flush=True)
            try:
                signal.pause()
            except KeyboardInterrupt:
                pass
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
