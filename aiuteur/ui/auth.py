"""Studio logins: hashed passwords in a users file, and the Panel login handler that checks them.

Panel's own basic auth compares plain-text passwords, so the studio keeps only PBKDF2-SHA256
hashes (`pbkdf2_sha256$<iterations>$<salt>$<hash>`, salt and hash in base64) in a JSON users file
`{"ana": "pbkdf2_sha256$..."}` and checks them here. A users file holding anything else — a plain
password — is refused as a whole: a typo must not quietly let in whoever guesses it.

Two ways to serve with it:

* `aiuteur studio --users FILE` (aiuteur/commands/studio.py) passes `hashed_auth_provider(FILE)` to
  Panel's server;
* `panel serve` with this file as its auth module and a cookie secret, and $AIUTEUR_STUDIO_USERS
  naming the users file (docs/studio-setup.md "Logins"): Bokeh reads this module's `get_user`,
  `login_url`, `LoginHandler`, `logout_url` and `LogoutHandler`.

The hashing half imports nothing heavy (the `aiuteur studio-user` command uses it); the Panel half
(`hashed_auth_provider`, `LoginHandler`, ...) is imported on first use.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

#: the scheme written and the only one read
SCHEME = "pbkdf2_sha256"
#: OWASP's 2023 figure for PBKDF2-HMAC-SHA256; stored with each hash, so raising it later keeps old hashes valid
ITERATIONS = 600_000
#: the least a users file may hold (a hash made with fewer is refused as too weak)
MIN_ITERATIONS = 100_000
#: where `aiuteur studio` and the auth module look for the users file when none is given
USERS_ENV = "AIUTEUR_STUDIO_USERS"
#: a studio user name: what the audit log and note authors show
USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
_HASHED = re.compile(r"^pbkdf2_sha256\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$")


class UsersFileError(ValueError):
    """The users file is missing, unreadable, not JSON, or holds a password that is not hashed."""


def hash_password(password: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """A salted PBKDF2-SHA256 hash of `password`, in the form the users file keeps."""
    if not password:
        raise ValueError("a password cannot be empty")
    if iterations < MIN_ITERATIONS:
        raise ValueError(f"at least {MIN_ITERATIONS} PBKDF2 iterations (asked for {iterations})")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{SCHEME}${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def is_hashed(value: Any) -> bool:
    """Whether a users-file value is a hash this module made (not a plain password)."""
    found = _HASHED.match(value) if isinstance(value, str) else None
    return bool(found) and int(found.group(1)) >= MIN_ITERATIONS


def verify_password(password: str, hashed: str) -> bool:
    """Whether `password` matches `hashed` (compared in constant time). A malformed hash matches nothing."""
    found = _HASHED.match(hashed or "")
    if not found or not password:
        return False
    iterations, salt, expected = int(found.group(1)), base64.b64decode(found.group(2)), base64.b64decode(found.group(3))
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return hmac.compare_digest(digest, expected)


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the user is unknown, so a wrong name takes as long as a wrong password."""
    return hash_password("not a password", salt=b"aiuteur-dummy-sa")


def load_users(path: str | Path) -> dict[str, str]:
    """The users file as {name: hash}. Refused whole (`UsersFileError`) when it is missing, not a
    JSON object, names a user badly, or holds any password that is not a hash made here."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsersFileError(f"users file {path} does not exist: add a user with `aiuteur studio-user add NAME "
                             f"--users {path}`") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsersFileError(f"users file {path} cannot be read as JSON: {exc}") from None
    if not isinstance(data, dict):
        raise UsersFileError(f"users file {path} must be a JSON object {{name: password hash}}")
    for name, value in data.items():
        if not USER_NAME.match(name):
            raise UsersFileError(f"users file {path}: {name!r} is not a user name (letters, digits, . _ @ + -)")
        if not is_hashed(value):
            raise UsersFileError(f"users file {path}: the password of {name!r} is not hashed (plain text is refused); "
                                 f"set it with `aiuteur studio-user add {name} --users {path}`")
    return dict(data)


def check_login(path: str | Path, name: str, password: str) -> bool:
    """Whether `name` may sign in with `password` (the users file is read on each try, so a user
    added or removed while the studio runs counts at once)."""
    users = load_users(path)
    hashed = users.get(name)
    if hashed is None:
        verify_password(password or "x", _dummy_hash())  # the same work as for a known name
        return False
    return verify_password(password, hashed)


def set_user(path: str | Path, name: str, password: str, *, iterations: int = ITERATIONS) -> None:
    """Add a user or change their password. The file is written whole (readable by its owner only) and
    replaced in one step, so a studio reading it never sees half of it."""
    if not USER_NAME.match(name or ""):
        raise ValueError(f"{name!r} is not a user name (letters, digits, . _ @ + -; at most 64)")
    path = Path(path)
    users = load_users(path) if path.exists() else {}
    users[name] = hash_password(password, iterations=iterations)
    _write(path, users)


def remove_user(path: str | Path, name: str) -> None:
    path = Path(path)
    users = load_users(path)
    if name not in users:
        raise UsersFileError(f"users file {path} has no user {name!r}")
    del users[name]
    _write(path, users)


def _write(path: Path, users: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(dict(sorted(users.items())), out, indent=2)
        out.write("\n")
    os.replace(partial, path)


def users_file_from_env() -> Path:
    """The users file `panel serve` with this auth module uses: $AIUTEUR_STUDIO_USERS (required there)."""
    where = os.environ.get(USERS_ENV)
    if not where:
        raise UsersFileError(f"set {USERS_ENV} to the studio's users file (made with `aiuteur studio-user add`)")
    return Path(where)


# -- Panel -------------------------------------------------------------------------------------------
def login_handler_for(users: str | Path | None):
    """A `panel.auth.BasicLoginHandler` checking passwords against the users file (`None`: the
    file $AIUTEUR_STUDIO_USERS names, read at each login)."""
    from panel.auth import BasicLoginHandler

    class HashedLoginHandler(BasicLoginHandler):
        users_file = users

        def _validate(self, username: str, password: str) -> bool:
            where = self.users_file or users_file_from_env()
            try:
                return check_login(where, username, password)
            except UsersFileError:
                return False  # the server log says why (it was checked at start); the person sees "invalid"

    return HashedLoginHandler


def hashed_auth_provider(users: str | Path, **options: Any):
    """Panel's `BasicAuthProvider` (login and logout pages, the signed `user` cookie) whose login
    handler checks the hashed users file. `options`: BasicAuthProvider's (login_endpoint, ...)."""
    from panel.auth import BasicAuthProvider

    handler = login_handler_for(users)

    class _Provider(BasicAuthProvider):
        @property
        def login_handler(self):
            handler._login_endpoint = self._login_endpoint
            handler._login_template = self._login_template
            return handler

    return _Provider(**options)


def __getattr__(name: str) -> Any:
    """Bokeh's auth-module interface, made on first use so importing the hashing needs no Panel."""
    if name in ("LoginHandler", "LogoutHandler", "get_user", "login_url", "logout_url"):
        provider = globals().get("_provider")
        if provider is None:
            provider = globals()["_provider"] = hashed_auth_provider(users_file_from_env())
        return {"LoginHandler": lambda: provider.login_handler, "LogoutHandler": lambda: provider.logout_handler,
                "get_user": lambda: provider.get_user, "login_url": lambda: provider.login_url,
                "logout_url": lambda: provider.logout_url}[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
