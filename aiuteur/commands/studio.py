"""Serving the studio app: `aiuteur studio` (logins, bound to 127.0.0.1 unless told otherwise) and
`aiuteur studio-user add|remove|list` (the users file of hashed passwords). docs/studio-setup.md
"Logins"; the hashing and the login handler are `aiuteur.ui.auth`."""
from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import List, Optional

import typer

#: the app every studio serves (the same file `panel serve` takes)
APP = Path(__file__).resolve().parents[2] / "panel_apps" / "studio.py"
#: environment variables the OAuth client id and secret are read from (never options: they would show in `ps`)
OAUTH_KEY_ENV, OAUTH_SECRET_ENV = "AIUTEUR_OAUTH_KEY", "AIUTEUR_OAUTH_SECRET"
#: a fixed secret for the login cookies (else a new one per start: everyone signs in again after a restart)
COOKIE_SECRET_ENV = "AIUTEUR_COOKIE_SECRET"
#: where `studio-user add` reads the new password from when there is no terminal to ask on
NEW_PASSWORD_ENV = "AIUTEUR_NEW_PASSWORD"


def is_loopback(address: str) -> bool:
    """Whether `address` is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def users_file(given: Optional[Path]) -> Optional[Path]:
    """`--users`, else $AIUTEUR_STUDIO_USERS, else None (no logins)."""
    from aiuteur.ui.auth import USERS_ENV

    if given is not None:
        return given
    return Path(os.environ[USERS_ENV]) if os.environ.get(USERS_ENV) else None


def register(app: typer.Typer) -> None:
    from aiuteur.cli import WorkspaceOpt, _fail, _guard, console, err

    @app.command("studio")
    @_guard
    def studio_command(
        workspace: Optional[Path] = WorkspaceOpt,
        address: str = typer.Option("127.0.0.1", "--address", help="Address to listen on. 127.0.0.1 (default): this "
                                    "machine only; another address (e.g. 0.0.0.0) needs logins (--users or "
                                    "--oauth-provider)."),
        port: int = typer.Option(5006, "--port", help="Port to listen on (0: any free port)."),
        users: Optional[Path] = typer.Option(None, "--users", help="Users file of hashed passwords (made with "
                                             "`aiuteur studio-user add`; default: $AIUTEUR_STUDIO_USERS). With it, "
                                             "everyone signs in and is the author of their changes."),
        oauth_provider: Optional[str] = typer.Option(None, "--oauth-provider", help="Sign in with an OAuth provider "
                                                     "instead (Panel's: github, google, azure, gitlab, okta, auth0, "
                                                     "generic...); client id and secret from $AIUTEUR_OAUTH_KEY and "
                                                     "$AIUTEUR_OAUTH_SECRET."),
        oauth_redirect_uri: Optional[str] = typer.Option(None, "--oauth-redirect-uri", help="The address the "
                                                         "provider sends people back to (default: this server's)."),
        origin: Optional[List[str]] = typer.Option(None, "--allow-websocket-origin", help="host[:port] a browser may "
                                                   "reach the studio by (repeatable; default: the address and port)."),
    ) -> None:
        """Serve the studio app (panel_apps/studio.py) on this machine; with logins when given a users file or an
        OAuth provider. Stop it with Ctrl-C."""
        from aiuteur.store import default_workspace, workspace_display
        from aiuteur.store.postgres import postgres_url

        users_path = users_file(users)
        if users_path is not None and oauth_provider:
            _fail("choose one way to sign in: --users (passwords) or --oauth-provider, not both")
        if users_path is None and not oauth_provider and not is_loopback(address):
            _fail(f"refusing to serve the studio on {address} without logins: give --users FILE (see "
                  f"`aiuteur studio-user add`) or --oauth-provider, or keep the default --address 127.0.0.1")
        if not APP.is_file():
            _fail(f"the studio app {APP} is missing (serve from a checkout of aiuteur)")
        options = server_options(users_path, oauth_provider, oauth_redirect_uri)
        url = postgres_url(workspace or default_workspace())
        where = url or str(workspace or default_workspace())
        os.environ["AIUTEUR_WORKSPACE"] = where  # what panel_apps/studio.py opens
        shown = workspace_display(where)
        port = port or _free_port(address)
        from panel.io.server import get_server

        origins = list(origin or []) or _origins(address, port)
        server = get_server({"/": str(APP)}, port=port, address=address, websocket_origin=origins,
                            title="aiuteur studio", show=False, start=False, **options)
        host = "127.0.0.1" if address in ("0.0.0.0", "::") else address
        console.print(f"aiuteur studio on http://{host}:{server.port}/ (workspace "
                      f"{shown}); "
                      + ("sign-in: " + (f"passwords in {users_path}" if users_path else f"OAuth ({oauth_provider})")
                         if options.get("auth_provider") or oauth_provider else "no logins (this machine only)"),
                      soft_wrap=True, markup=False)
        if not origin and address in ("0.0.0.0", "::"):
            err.print("note: browsers on other machines need --allow-websocket-origin HOST:PORT (the name they use)",
                      markup=False)
        server.start()
        try:
            server.io_loop.start()
        except KeyboardInterrupt:
            server.stop()
            raise

    user_app = typer.Typer(help="The studio's users file: who may sign in to `aiuteur studio` (hashed passwords).",
                           no_args_is_help=True)
    app.add_typer(user_app, name="studio-user")
    UsersOpt = typer.Option(None, "--users", help="The users file (default: $AIUTEUR_STUDIO_USERS, else "
                                                  "./studio-users.json).")

    def _users_or_default(given: Optional[Path]) -> Path:
        return users_file(given) or Path("studio-users.json")

    @user_app.command("add")
    @_guard
    def add_command(
        name: str = typer.Argument(..., help="The user name: what the audit log and notes show."),
        users: Optional[Path] = UsersOpt,
    ) -> None:
        """Add a user, or set a new password for one: asked for twice (never echoed), or read from
        $AIUTEUR_NEW_PASSWORD. Only its PBKDF2 hash is written."""
        from aiuteur.ui.auth import set_user

        path = _users_or_default(users)
        password = os.environ.get(NEW_PASSWORD_ENV)
        if not password:
            import getpass
            import sys

            if not sys.stdin.isatty():
                _fail(f"no terminal to ask for {name}'s password on: set {NEW_PASSWORD_ENV}")
            password = getpass.getpass(f"password for {name}: ")
            if password != getpass.getpass("again: "):
                _fail("the two passwords differ; nothing written")
        set_user(path, name, password)
        console.print(f"{name} can sign in (users file {path})", markup=False)

    @user_app.command("remove")
    @_guard
    def remove_command(name: str = typer.Argument(...), users: Optional[Path] = UsersOpt) -> None:
        """Remove a user: they cannot sign in again (a session already open lasts until it ends)."""
        from aiuteur.ui.auth import remove_user

        path = _users_or_default(users)
        remove_user(path, name)
        console.print(f"removed {name} from {path}", markup=False)

    @user_app.command("list")
    @_guard
    def list_command(users: Optional[Path] = UsersOpt) -> None:
        """The users who may sign in (names only)."""
        from aiuteur.ui.auth import load_users

        for name in load_users(_users_or_default(users)):
            console.print(name, markup=False)


def server_options(users: Optional[Path], oauth_provider: Optional[str], oauth_redirect_uri: Optional[str] = None
                   ) -> dict:
    """Panel server keywords for the chosen way to sign in: a hashed-password provider for `users` (the file is
    checked now, so a plain-text or broken file stops the start), Panel's OAuth for `oauth_provider`
    (client id and secret from the environment), nothing for neither. The cookie secret is
    $AIUTEUR_COOKIE_SECRET or a new random one."""
    from aiuteur.ui.auth import hashed_auth_provider, load_users

    if users is None and not oauth_provider:
        return {}
    options: dict = {"cookie_secret": os.environ.get(COOKIE_SECRET_ENV) or secrets.token_hex(32)}
    if users is not None:
        if not load_users(users):
            raise ValueError(f"users file {users} has no users: add one with "
                             f"`aiuteur studio-user add NAME --users {users}`")
        options["auth_provider"] = hashed_auth_provider(users)
        return options
    key, secret = os.environ.get(OAUTH_KEY_ENV), os.environ.get(OAUTH_SECRET_ENV)
    if not key or not secret:
        raise ValueError(f"--oauth-provider {oauth_provider} needs the client id and secret in ${OAUTH_KEY_ENV} "
                         f"and ${OAUTH_SECRET_ENV}")
    options.update(oauth_provider=oauth_provider, oauth_key=key, oauth_secret=secret,
                   oauth_encryption_key=os.environ.get("AIUTEUR_OAUTH_ENCRYPTION_KEY") or None)
    if oauth_redirect_uri:
        options["oauth_redirect_uri"] = oauth_redirect_uri
    return options


def _origins(address: str, port: int) -> list[str]:
    if is_loopback(address):
        return [f"127.0.0.1:{port}", f"localhost:{port}"]
    return [f"{address}:{port}"]


def _free_port(address: str) -> int:
    import socket

    with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as probe:
        probe.bind((address if address != "localhost" else "127.0.0.1", 0))
        return probe.getsockname()[1]
