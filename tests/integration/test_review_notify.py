"""Notifications: jobs finished or failed, budget warnings and notes assigned reach a webhook (a real
HTTP server on loopback) and a mailbox (aiosmtpd on loopback), once each, with a history in the
store — and a hook that fails never fails the work. A real text engine (the OpenAI SDK through
LangChain, against the OpenAI fake) proposes a note's category as a paid job."""
from __future__ import annotations

import json
import shutil
import socket
import threading
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from aiuteur import Engines, get_engine, jobs, notify, open_store, start_project
from aiuteur.costs import budgets, ledger
from aiuteur.jobs import ProviderLimits, Runner
from aiuteur.models.project import ProjectConfig
from aiuteur.stages import review
from tests.conftest import LIGHTHOUSE
from tests.fakes.fixtures import fake_openai, provider_env  # noqa: F401 (fixtures)
from tests.fakes.server import Reply

pytestmark = pytest.mark.slow


class Inbox:
    """A webhook receiver on 127.0.0.1: records every POST; answers `status`."""

    def __init__(self, status: int = 204) -> None:
        self.status = status
        self.posts: list[dict] = []
        self.arrived = threading.Event()
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                inbox.posts.append({"path": self.path, "type": self.headers.get("Content-Type"),
                                    "json": json.loads(body)})
                self.send_response(inbox.status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                inbox.arrived.set()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/aiuteur"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[str]:
        return [p["json"]["event"] for p in self.posts]


@pytest.fixture
def inbox():
    box = Inbox()
    yield box
    box.close()


@pytest.fixture
def mailbox(monkeypatch):
    """aiosmtpd on 127.0.0.1, and the SMTP settings pointing at it."""
    controller_module = pytest.importorskip("aiosmtpd.controller",
                                            reason="aiosmtpd (a dev test tool) is needed to receive mail on loopback")
    received: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            received.append(envelope)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = controller_module.Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("AIUTEUR_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("AIUTEUR_SMTP_PORT", str(port))
    monkeypatch.setenv("AIUTEUR_SMTP_FROM", "studio@example.test")
    yield received
    controller.stop()


@pytest.fixture
def store(demo_run, tmp_path):
    source, _, _ = demo_run
    shutil.copy(source, tmp_path / "ws.duckdb")
    shutil.copytree(source.with_name("ws.media"), tmp_path / "ws.media")
    with open_store(tmp_path / "ws.duckdb") as s:
        yield s


@pytest.fixture
def project(store):
    return store.get_project("lighthouse")


def test_a_note_assigned_reaches_the_webhook_and_the_mailbox_once(store, project, inbox, mailbox):
    webhook = notify.add_hook(store, project, "webhook", inbox.url)
    mail = notify.add_hook(store, project, "email", "editor@example.test", kinds=["note.assigned"])
    shot = review.cut(store, project).shots[3]
    note = review.add_note(store, project, shot.shot_id, "the horizon line is crooked", author="director",
                           assignee="kim")
    assert inbox.events() == ["note.assigned"]
    post = inbox.posts[0]
    assert post["path"] == "/hooks/aiuteur" and post["type"] == "application/json"
    body = post["json"]
    assert body["project"] == {"id": project.id, "name": "lighthouse"} and body["detail"]["note"] == note.id
    assert body["detail"]["assignee"] == "kim" and body["detail"]["timecode"] == note.timecode
    assert "kim" in body["title"] and shot.shot_id in body["title"] and body["body"] == note.text

    [envelope] = mailbox
    assert envelope.rcpt_tos == ["editor@example.test"] and envelope.mail_from == "studio@example.test"
    message = message_from_bytes(envelope.content)
    assert message["Subject"] == f"[aiuteur] {body['title']}" and message["X-Aiuteur-Event"] == "note.assigned"
    assert "the horizon line is crooked" in message.get_payload()

    [event] = notify.history(store, project)
    assert event.kind == "note.assigned" and event.title == body["title"]
    sent = notify.deliveries(store, project, event.id)
    assert {(d.hook_id, d.status) for d in sent} == {(webhook.id, "sent"), (mail.id, "sent")}

    review.assign(store, project, note.id, "lee", author="director")  # a new assignment: a new event
    assert inbox.events() == ["note.assigned", "note.assigned"] and len(mailbox) == 2
    assert notify.sweep(store, project) == [] and len(inbox.posts) == 2  # nothing notified twice


def test_a_budget_warning_is_notified_once_per_level(store, project, inbox):
    notify.add_hook(store, project, "webhook", inbox.url, kinds=["budget.warning"])
    budgets.set_budget(store, project, limit_usd=2.0, mode="warn")
    assert notify.sweep(store, project) == []
    ledger.charge(store, project.id, None, "veo:veo-3.1-fast-generate-preview", 1.7, generation_id=None, note="clips")
    [warning] = notify.sweep(store, project)
    assert warning.kind == "budget.warning" and warning.level == "warning" and "80% of the $2.00 budget" in warning.title
    assert notify.sweep(store, project) == []
    ledger.charge(store, project.id, None, "veo:veo-3.1-fast-generate-preview", 0.5, generation_id=None, note="more")
    [over] = notify.sweep(store, project)
    assert over.level == "error" and "100%" in over.title
    assert [p["json"]["event"] for p in inbox.posts] == ["budget.warning", "budget.warning"]
    assert [p["json"]["level"] for p in inbox.posts] == ["warning", "error"]


def test_a_failing_hook_is_recorded_and_never_breaks_the_work(store, project, monkeypatch):
    refusing = Inbox(status=500)
    try:
        notify.add_hook(store, project, "webhook", refusing.url)
        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            dead = s.getsockname()[1]
        notify.add_hook(store, project, "webhook", f"http://127.0.0.1:{dead}/x")
        monkeypatch.setenv("AIUTEUR_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("AIUTEUR_SMTP_PORT", str(dead))
        monkeypatch.setenv("AIUTEUR_SMTP_PASSWORD", "smtp-secret-value-123")
        notify.add_hook(store, project, "email", "editor@example.test")
        note = review.add_note(store, project, review.cut(store, project).shots[0].shot_id, "too dark",
                               assignee="kim")  # the note is saved whatever the hooks do
        assert store.note(project.id, note.id).assignee == "kim"
        [event] = notify.history(store, project)
        sent = notify.deliveries(store, project, event.id)
        assert [d.status for d in sent] == ["failed", "failed", "failed"]
        assert "HTTP 500" in sent[0].error and "Connection refused" in sent[1].error
        assert all("smtp-secret-value-123" not in (d.error or "") for d in sent)
        assert len(refusing.posts) == 1
    finally:
        refusing.close()


def test_a_webhook_url_can_stay_in_the_environment(store, project, inbox, monkeypatch):
    monkeypatch.setenv("STUDIO_WEBHOOK_URL", inbox.url)
    hook = notify.add_hook(store, project, "webhook", "env:STUDIO_WEBHOOK_URL")
    assert hook.target == "env:STUDIO_WEBHOOK_URL"
    review.add_note(store, project, review.cut(store, project).shots[0].shot_id, "too dark", assignee="kim")
    assert inbox.events() == ["note.assigned"]
    stored = store.db.fetchall("SELECT target FROM notification_hooks")
    assert all(inbox.url not in row[0] for row in stored)


def test_bad_hooks_are_refused_and_write_nothing(store, project):
    for channel, target, kinds, message in (
            ("webhook", "ftp://example.test/x", None, "http\\(s\\) URL or env:NAME"),
            ("email", "not-an-address", None, "not an e-mail address"),
            ("sms", "+123", None, "not webhook or email"),
            ("webhook", "http://127.0.0.1:1/x", ["job.done"], "unknown notification kind 'job.done'")):
        with pytest.raises(notify.NotifyError, match=message):
            notify.add_hook(store, project, channel, target, kinds=kinds)
    assert notify.hooks(store, project) == []
    with pytest.raises(notify.NotifyError, match="no hook 'hook_nope'"):
        notify.remove_hook(store, project, "hook_nope")


def test_a_hook_hears_only_of_what_happens_after_it_was_added(store, project, inbox):
    review.add_note(store, project, review.cut(store, project).shots[0].shot_id, "too dark", assignee="kim")
    hook = notify.add_hook(store, project, "webhook", inbox.url)
    notify.sweep(store, project)
    assert inbox.posts == [] and len(notify.history(store, project)) == 1
    notify.remove_hook(store, project, hook.id)
    review.add_note(store, project, review.cut(store, project).shots[0].shot_id, "too dark", assignee="lee")
    assert inbox.posts == [] and len(notify.history(store, project)) == 2


# -- a real text engine, a paid job: category proposed, job notified ---------------------------------
@pytest.fixture
def paid_runner():
    runner = Runner(limits={"openai": ProviderLimits(concurrency=2)})
    with jobs.using(runner):
        yield runner
    runner.close()


def test_a_real_text_engine_proposes_the_category_and_its_job_is_notified(fake_openai, paid_runner, tmp_path, inbox):
    fake_openai.control.respond("text", lambda ask: {"category": "composition",
                                                     "reason": "the horizon is part of the picture's geometry"})
    with open_store(tmp_path / "ws.duckdb") as store:
        project, _ = start_project(store, "tiny", LIGHTHOUSE, ProjectConfig(title="Tiny"))
        notify.add_hook(store, project, "webhook", inbox.url, kinds=["job.finished", "job.failed"])
        engines = Engines(get_engine("text", "openai:gpt-4.1-mini"), get_engine("image", "offline:storyboard"),
                          get_engine("video", "offline:animatic"))
        found = review.propose_category(store, project, engines, "the horizon line is crooked in shot 3")
        assert (found.category, found.stage, found.by) == ("composition", "frames", "openai:gpt-4.1-mini")
        assert found.reason == "the horizon is part of the picture's geometry"
        [ask] = fake_openai.control.of("chat")
        prompt = json.dumps(ask.json)
        assert "the horizon line is crooked in shot 3" in prompt and "composition:" in prompt and "motion:" in prompt
        assert [j.status for j in jobs.list_jobs(store, project.id)] == ["done"]
        [finished] = notify.history(store, project)
        assert finished.kind == "job.finished" and "1 of 1 done" in finished.body
        assert inbox.events() == ["job.finished"]

        # the same note again: paid once (the generation is reused), nothing new to notify
        again = review.propose_category(store, project, engines, "the horizon line is crooked in shot 3")
        assert again == found and fake_openai.control.count("chat") == 1 and len(inbox.posts) == 1

        # an answer outside the table, or a failed call, falls back to the rules' suggestion
        fake_openai.control.respond("text", lambda ask: {"category": "lighting", "reason": "?"})
        odd = review.propose_category(store, project, engines, "the lighting is too dark")
        assert (odd.category, odd.by) == ("look", "rules") and "proposed 'lighting'" in odd.reason
        fake_openai.control.queue("chat", Reply(400, {"error": {"message": "invalid request", "type": "invalid_request_error"}}))
        failed = review.propose_category(store, project, engines, "weird motion glitch at the end")
        assert (failed.category, failed.by) == ("motion", "rules") and "could not propose" in failed.reason
        kinds = [n.kind for n in notify.history(store, project)]
        assert kinds == ["job.finished", "job.finished", "job.failed"]
        assert inbox.events() == kinds
