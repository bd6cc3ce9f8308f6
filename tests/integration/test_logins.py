"""Studio logins (issue 13, part 3): hashed passwords in a users file, and the signed-in user as the
author of what is done through the studio's models, seen in the audit log and its CSV."""
from __future__ import annotations

import csv
import io
import json
import stat

import pytest
from typer.testing import CliRunner

from aiuteur.cli import app
from aiuteur.ui import auth

runner = CliRunner()
#: the least the module allows: keeps these tests fast (the real default is auth.ITERATIONS)
FAST = auth.MIN_ITERATIONS


def _password() -> str:
    return "-".join(["correct", "horse", "battery", "staple"])


# -- the auth module -------------------------------------------------------------------------------
def test_a_hash_verifies_its_password_and_refuses_any_other():
    hashed = auth.hash_password(_password(), iterations=FAST)
    assert hashed.startswith(f"pbkdf2_sha256${FAST}$") and _password() not in hashed
    assert auth.verify_password(_password(), hashed)
    assert not auth.verify_password(_password() + "!", hashed)
    assert not auth.verify_password(_password().upper(), hashed)
    assert not auth.verify_password("", hashed)
    assert auth.hash_password(_password(), iterations=FAST) != hashed  # salted: the same password, another hash
    assert not auth.verify_password(_password(), _password())  # a plain password is no hash
    with pytest.raises(ValueError, match="iterations"):
        auth.hash_password(_password(), iterations=1000)
    with pytest.raises(ValueError, match="empty"):
        auth.hash_password("")


def test_the_default_hash_is_pbkdf2_with_600000_iterations():
    hashed = auth.hash_password(_password())
    assert hashed.split("$")[:2] == ["pbkdf2_sha256", "600000"]
    assert auth.verify_password(_password(), hashed)


def test_users_file_checks_logins_and_is_readable_by_its_owner_only(tmp_path):
    users = tmp_path / "users.json"
    auth.set_user(users, "ana", _password(), iterations=FAST)
    auth.set_user(users, "bo", "another one", iterations=FAST)
    assert stat.S_IMODE(users.stat().st_mode) == 0o600
    stored = json.loads(users.read_text())
    assert set(stored) == {"ana", "bo"} and all(auth.is_hashed(v) for v in stored.values())
    assert _password() not in users.read_text()
    assert auth.check_login(users, "ana", _password())
    assert not auth.check_login(users, "ana", "another one")  # bo's password is not ana's
    assert not auth.check_login(users, "nobody", _password())
    auth.remove_user(users, "bo")
    assert not auth.check_login(users, "bo", "another one")
    with pytest.raises(auth.UsersFileError, match="no user 'bo'"):
        auth.remove_user(users, "bo")
    with pytest.raises(ValueError, match="not a user name"):
        auth.set_user(users, "ana smith", _password(), iterations=FAST)


def test_a_users_file_with_a_plain_text_password_is_refused_whole(tmp_path):
    users = tmp_path / "users.json"
    users.write_text(json.dumps({"ana": auth.hash_password(_password(), iterations=FAST), "bo": "hunter2"}))
    with pytest.raises(auth.UsersFileError, match="password of 'bo' is not hashed") as refused:
        auth.load_users(users)
    assert "hunter2" not in str(refused.value)
    with pytest.raises(auth.UsersFileError):  # refused whole: ana cannot sign in either
        auth.check_login(users, "ana", _password())
    weak = auth.hash_password(_password(), iterations=FAST).replace(f"${FAST}$", "$1000$")
    users.write_text(json.dumps({"ana": weak}))
    with pytest.raises(auth.UsersFileError, match="not hashed"):
        auth.load_users(users)
    for text, reason in (("[]", "JSON object"), ("{not json", "cannot be read as JSON")):
        users.write_text(text)
        with pytest.raises(auth.UsersFileError, match=reason):
            auth.load_users(users)
    with pytest.raises(auth.UsersFileError, match="does not exist"):
        auth.load_users(tmp_path / "missing.json")


def test_the_panel_login_handler_checks_the_hashed_file(tmp_path):
    from panel.auth import BasicAuthProvider, BasicLoginHandler

    users = tmp_path / "users.json"
    auth.set_user(users, "ana", _password(), iterations=FAST)
    provider = auth.hashed_auth_provider(users)
    assert isinstance(provider, BasicAuthProvider) and provider.login_url == "/login"
    handler = provider.login_handler
    assert issubclass(handler, BasicLoginHandler)
    check = handler.__new__(handler)  # _validate reads only the users file: no request needed
    assert check._validate("ana", _password())
    assert not check._validate("ana", "wrong")
    users.write_text(json.dumps({"ana": _password()}))  # turned plain text while serving: nobody gets in
    assert not check._validate("ana", _password())


# -- the commands ------------------------------------------------------------------------------------
def test_studio_user_add_hashes_the_password_from_the_environment_and_never_prints_it(tmp_path):
    users = tmp_path / "users.json"
    result = runner.invoke(app, ["studio-user", "add", "ana", "--users", str(users)],
                           env={"AIUTEUR_NEW_PASSWORD": _password()})
    assert result.exit_code == 0, result.output
    assert _password() not in result.output and "ana can sign in" in result.output
    assert auth.check_login(users, "ana", _password())
    listed = runner.invoke(app, ["studio-user", "list", "--users", str(users)])
    assert listed.exit_code == 0 and listed.output.split() == ["ana"]
    # no password in the environment and no terminal to ask on: refused, nothing written
    refused = runner.invoke(app, ["studio-user", "add", "bo", "--users", str(users)], env={"AIUTEUR_NEW_PASSWORD": ""})
    assert refused.exit_code == 1 and "AIUTEUR_NEW_PASSWORD" in refused.output
    assert set(auth.load_users(users)) == {"ana"}


def test_studio_refuses_another_address_without_logins_and_a_plain_text_users_file(tmp_path, monkeypatch):
    monkeypatch.delenv("AIUTEUR_STUDIO_USERS", raising=False)
    ws = str(tmp_path / "ws.duckdb")
    result = runner.invoke(app, ["studio", "-w", ws, "--address", "0.0.0.0"])
    assert result.exit_code == 1 and "without logins" in result.output
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"ana": "hunter2"}))
    result = runner.invoke(app, ["studio", "-w", ws, "--users", str(plain)])
    assert result.exit_code == 1 and "not hashed" in result.output and "hunter2" not in result.output
    result = runner.invoke(app, ["studio", "-w", ws, "--oauth-provider", "github"],
                           env={"AIUTEUR_OAUTH_KEY": "", "AIUTEUR_OAUTH_SECRET": ""})
    assert result.exit_code == 1 and "AIUTEUR_OAUTH_KEY" in result.output
    result = runner.invoke(app, ["studio", "-w", ws, "--users", str(plain), "--oauth-provider", "github"])
    assert result.exit_code == 1 and "not both" in result.output


def test_server_options_for_oauth_come_from_the_environment(monkeypatch):
    from aiuteur.commands.studio import is_loopback, server_options

    monkeypatch.setenv("AIUTEUR_OAUTH_KEY", "client-id")
    monkeypatch.setenv("AIUTEUR_OAUTH_SECRET", "client-" + "secret")
    options = server_options(None, "github", "https://studio.example/login")
    assert options["oauth_provider"] == "github" and options["oauth_key"] == "client-id"
    assert options["oauth_redirect_uri"] == "https://studio.example/login" and len(options["cookie_secret"]) == 64
    assert server_options(None, None) == {}
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.20")


# -- the signed-in user is the author ----------------------------------------------------------------
@pytest.fixture()
def studio(tmp_path, monkeypatch):
    """A studio model signed in as ana, on a workspace whose project bo (someone else) made."""
    from aiuteur.models.project import ProjectConfig
    from aiuteur.store import open_store
    from aiuteur.ui import StudioModel

    monkeypatch.setenv("AIUTEUR_USER", "os-login")
    ws = str(tmp_path / "ws.duckdb")
    with open_store(ws, user="bo") as store:
        store.create_project("harbour", ProjectConfig(title="Harbour"))
    return StudioModel(workspace=ws, user="ana", project="harbour")


def test_a_note_made_through_the_studio_is_ana_s_in_the_note_and_the_audit_log(studio):
    from aiuteur.ui.audit_model import AuditModel

    assert studio.author == "ana"
    studio.note_text = "the horizon tilts in the opening"
    note = studio.add_note()
    assert note is not None and note.author == "ana", studio.message
    studio.selected_note = note.id
    assert studio.set_note_state("in_progress") is not None, studio.message

    with studio.open_store() as store:
        assert store.user == "ana"
        log = store.audit_log("harbour")
    assert [(e.action, e.author) for e in log] == [("project.create", "bo"), ("note.added", "ana"),
                                                    ("note.state", "ana")]
    assert log[1].detail["note"] == note.id

    page = AuditModel(studio=studio)
    rows = page.rows()
    assert [(r["who"], r["action"], r["project"]) for r in rows] == [
        ("ana", "note.state", "harbour"), ("ana", "note.added", "harbour"), ("bo", "project.create", "harbour")]
    assert page.authors() == ["ana", "bo"]
    page.author = "bo"
    assert [r["action"] for r in page.rows()] == ["project.create"]
    page.author, page.action, page.project = "ana", "note.add", "harbour"
    table = list(csv.DictReader(io.StringIO(page.csv_text())))
    assert [(r["author"], r["action"]) for r in table] == [("ana", "note.added")]
    assert json.loads(table[0]["detail"])["note"] == note.id
    assert page.csv_filename() == "audit-harbour-note.add-ana.csv"
    page.author = "nobody"
    assert page.rows() == [] and list(csv.reader(io.StringIO(page.csv_text()))) == [list(
        __import__("aiuteur.store.audit", fromlist=["AUDIT_CSV_COLUMNS"]).AUDIT_CSV_COLUMNS)]


def test_every_page_model_writes_as_the_signed_in_user(studio):
    """Edits through the story and production page models (opened via the studio) and a budget change
    are ana's; the same calls without a signed-in user are the store's default user."""
    from aiuteur.costs.budgets import set_budget
    from aiuteur.ui.story_model import StoryModel

    story = StoryModel(workspace=studio.workspace, studio=studio, title="The Quay", idea="A ferry that never lands.")
    assert story.create_project() == "the-quay", story.message
    with studio.open_store() as store:
        set_budget(store, store.get_project("harbour"), limit_usd=5.0)
    unsigned = StoryModel(workspace=studio.workspace, title="Other", idea="A lighthouse keeper waits for a ship.")
    assert unsigned.create_project() == "other", unsigned.message

    from aiuteur.store import open_store

    with open_store(studio.workspace) as store:
        created = {e.detail.get("name"): e.author for e in store.audit_log(action="project.create")}
        budget = store.audit_log("harbour", action="budget.set")
        commits = {e.author for e in store.audit_log("the-quay", action="version.commit")}
    assert created == {"harbour": "bo", "the-quay": "ana", "other": "os-login"}
    assert [e.author for e in budget] == ["ana"]
    assert commits == {"ana"}


def test_open_store_is_the_only_way_the_ui_models_open_the_workspace():
    """Every store opened by a studio model goes through `StudioModel.open_store` (so it carries the
    signed-in user); only the standalone story and production models open one themselves when they
    have no studio."""
    import re
    from pathlib import Path

    import aiuteur.ui

    allowed = {"studio_model.py": 1, "story_model.py": 1, "production_model.py": 1,
               "delivery_model.py": 1}  # a restore into another workspace, as the studio's user
    found = {}
    for path in sorted(Path(aiuteur.ui.__file__).parent.rglob("*.py")):
        calls = re.findall(r"(?<![.\w])(?<!def )open_store\(", path.read_text(encoding="utf-8"))
        if calls:
            found[path.name] = len(calls)
    unexpected = {k: v for k, v in found.items() if allowed.get(k) != v}
    assert not unexpected, f"open the store with `studio.open_store()`: {unexpected}"
