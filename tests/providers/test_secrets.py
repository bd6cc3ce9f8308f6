"""API keys never reach the workspace, a log, a trace or the terminal — even when a provider echoes them.

Each provider's fake is made to answer like a misconfigured proxy or a chatty error page: its error
body quotes the request's credential headers, every header it got, and the key in a `key=` query.
The call goes the whole way (real SDK over HTTP, the job runner, a retry, the final failure), then
every text column of every table, the captured log records, the traced runs and the CLI's stderr
are searched for the key.
"""
from __future__ import annotations

import json
import logging

import pytest
from pydantic import BaseModel

from aiuteur import jobs
from aiuteur.engines.errors import describe
from aiuteur.engines.gateway import Call, generate_image, generate_text, generate_video
from aiuteur.engines.protocols import EngineError, ImageRequest, TextRequest, VideoRequest
from aiuteur.engines.registry import get_engine
from aiuteur.engines.secrets import REDACTED, contains_secret, known_secrets, scrub_text
from aiuteur.engines.templates import load_template
from aiuteur.jobs import FakeClock, ProviderLimits, RetryPolicy, Runner
from aiuteur.store import Store
from tests.fakes.content import png_bytes
from tests.fakes.server import Recorded, Reply

#: Key-shaped test values, assembled at run time so no literal in the source looks like a real key.
_FAL_ID = "-".join(("0f8c2a1e", "4b7d", "4c1a", "9e3f", "2a6b8c0d1e2f"))
_HEX = "5d41402abc4b2a76" + "b9719d911017c592"
_OPENAI_SHAPED = "sk-" + "proj-" + "AbCdEfGhIjKlMnOpQrStUv123"
_GOOGLE_SHAPED = "AI" + "zaSy" + "A1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW"
_LANGSMITH_SHAPED = "lsv2" + "_pt_0123456789abcdef_abc"
_OAUTH_SHAPED = "ya29" + ".a0AfH6SMBx-long-oauth-token-here"
FAL_KEY = f"{_FAL_ID}:{_HEX}"
CREDENTIAL_HEADERS = ("authorization", "x-api-key", "x-goog-api-key")


class Answer(BaseModel):
    text: str


def echo(*statuses: int):
    """Replies that quote every credential the request carried, the headers and the key as a query:
    the first request gets the first status, and so on; the last status repeats."""
    answered = []

    def reply(request: Recorded) -> Reply:
        status = statuses[min(len(answered), len(statuses) - 1)]
        answered.append(status)
        creds = {k: v for k, v in request.headers.items() if k in CREDENTIAL_HEADERS}
        raw = next(iter(creds.values()), "").split()[-1] if creds else ""
        message = (f"invalid credentials {json.dumps(creds)}; retry with ?key={raw} "
                   f"(headers seen: {json.dumps(request.headers)}) key in body: {raw}")
        return Reply(status, {"error": {"message": message, "type": "invalid_request_error", "code": status,
                                        "status": "UNAUTHENTICATED"}, "detail": message})
    return reply


def _frame(tmp_path):
    path = tmp_path / "frame.png"
    path.write_bytes(png_bytes(640, 360))
    return path


# name -> (fixture, route echoing, kind, engine id)
CASES = {
    "openai text": ("fake_openai", "chat", "text", "openai:gpt-4.1-mini"),
    "anthropic text": ("fake_anthropic", "messages", "text", "anthropic:claude-haiku-4-5"),
    "gemini text": ("fake_gemini", "generateContent", "text", "gemini:gemini-2.5-flash"),
    "openai image": ("fake_openai", "images.generate", "image", "openai:gpt-image-1"),
    "gemini image": ("fake_gemini", "generateContent", "image", "gemini:gemini-2.5-flash-image"),
    "fal video": ("fake_fal", "submit", "video", "fal:kling-v4"),
    "veo video": ("fake_vertex", "predictLongRunning", "video", "veo:veo-3.1-fast-generate-preview"),
}


@pytest.fixture
def runner():
    runner = Runner(clock=FakeClock(), default_limits=ProviderLimits(concurrency=2),
                    retry=RetryPolicy(max_attempts=2, jitter=0.0))
    with jobs.using(runner):
        yield runner
    runner.close()


def _call(store, project, kind: str, engine_id: str, tmp_path) -> None:
    engine = get_engine(kind, engine_id)
    call = Call(project, {"text": "beats", "image": "frames", "video": "video"}[kind],
                load_template({"text": "beats", "image": "frame", "video": "video"}[kind]))
    if kind == "text":
        generate_text(store, call, engine, TextRequest(task="beats", system="s", prompt="p"), Answer)
    elif kind == "image":
        generate_image(store, call, engine, ImageRequest(prompt="a harbour", width=1280, height=720))
    else:
        generate_video(store, call, engine, VideoRequest(prompt="waves", duration=4, fps=24, width=1280, height=720,
                                                         start_frame=_frame(tmp_path)))


def workspace_text(store: Store) -> str:
    """Every value of every column of every table, as text."""
    out = []
    for (table,) in store.db.fetchall("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"):
        columns = [c for (c,) in store.db.fetchall(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main'", [table])]
        selected = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in columns)
        for row in store.db.fetchall(f'SELECT {selected} FROM "{table}"'):
            out.extend(str(v) for v in row if v is not None)
    return "\n".join(out)


def secrets_in(text: str) -> list[str]:
    return [s for s in known_secrets() if s in text]


@pytest.mark.parametrize("case", list(CASES))
def test_an_echoed_key_reaches_no_table_log_or_message(request, tmp_path, store, config, case, runner, caplog,
                                                       monkeypatch):
    fixture, route, kind, engine_id = CASES[case]
    fake = request.getfixturevalue(fixture)
    if case == "fal video":
        monkeypatch.setenv("FAL_KEY", FAL_KEY)  # fal keys are `id:secret`: neither half may leak
    caplog.set_level(logging.DEBUG)
    project = store.create_project("p", config)
    fake.control.respond(route, echo(500, 401))  # a retryable failure first: the retry path writes too
    with pytest.raises(EngineError) as failed:
        _call(store, project, kind, engine_id, tmp_path)
    assert fake.control.count(route) >= 2, "the fake must have been asked (and answered with the echo)"
    stored = workspace_text(store)
    assert "invalid credentials" in stored and REDACTED in stored  # the echo was kept, scrubbed
    assert secrets_in(stored) == [], "a key reached the workspace"
    assert secrets_in(caplog.text) == [], "a key reached the log"
    assert secrets_in(str(failed.value)) == [] and secrets_in(describe(failed.value)) == []
    [job] = jobs.list_jobs(store, project.id)
    assert job.status == "failed" and not contains_secret(job.error or "")


def test_the_workspace_file_itself_holds_no_key(tmp_path, config, fake_openai, runner):
    path = tmp_path / "raw.duckdb"
    with Store(path) as store:
        project = store.create_project("p", config)
        fake_openai.control.respond("chat", echo(401))
        with pytest.raises(EngineError):
            _call(store, project, "text", "openai:gpt-4.1-mini", tmp_path)
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("raw.duckdb*"))
    assert b"fake-openai-key-0001" not in raw


def test_an_echoed_key_is_not_traced(tmp_path, store, config, fake_langsmith, fake_openai, runner):
    """LangChain's own run records the SDK's exception (with the echoed body) as its error: the
    client we trace with scrubs errors, inputs and outputs alike."""
    from aiuteur import tracing

    project = store.create_project("p", config)
    fake_openai.control.respond("chat", echo(401))
    with pytest.raises(EngineError):
        _call(store, project, "text", "openai:gpt-4.1-mini", tmp_path)
    tracing.flush()
    sent = fake_langsmith.provider.text()
    assert "invalid credentials" in sent  # the failure was traced...
    assert secrets_in(sent) == [] and "fake-openai-key-0001" not in sent  # ...without the key


def test_an_echoed_key_is_not_printed_by_the_cli(tmp_path, fake_openai):
    from typer.testing import CliRunner

    from aiuteur.cli import app

    fake_openai.control.respond("chat", echo(401))
    workspace = tmp_path / "cli.duckdb"
    result = CliRunner().invoke(app, ["demo", "--idea", "A keeper and a storm.", "--text", "openai:gpt-4.1-mini",
                                      "--out", str(tmp_path / "out"), "--workspace", str(workspace)])
    assert result.exit_code != 0
    said = " ".join(result.stderr.split())  # the terminal wraps long lines
    assert said.startswith("error: ") and "invalid credentials" in said and REDACTED in said
    unwrapped = "".join((result.stderr + result.stdout).split())  # a key split by a wrap is still a key
    assert secrets_in(unwrapped) == [] and "fake-openai-key-0001" not in unwrapped
    listed = CliRunner().invoke(app, ["jobs", "demo", "--json", "--workspace", str(workspace)])
    assert "invalid credentials" in listed.stdout and secrets_in(listed.stdout) == []


@pytest.mark.parametrize("text, leaked", [
    (f"Incorrect API key provided: {_OPENAI_SHAPED}", _OPENAI_SHAPED),
    (f"key {_GOOGLE_SHAPED} rejected", _GOOGLE_SHAPED),
    ("GET https://x.googleapis.com/v1/models?key=abc123def456ghi&alt=json", "abc123def456ghi"),
    ("headers: {'Authorization': 'Bearer eyJhbGciOi.JIUzI1NiJ9.e30'}", "eyJhbGciOi.JIUzI1NiJ9.e30"),
    ('{"x-goog-api-key": "g00gle-secret-value"}', "g00gle-secret-value"),
    ("x-api-key: ant-secret-value-123", "ant-secret-value-123"),
    (f"Authorization: Key {_FAL_ID}:{_HEX[:16]}", _HEX[:16]),
    (f"fal key {_FAL_ID}:{_HEX[:24]} refused", _HEX[:24]),
    (f"langsmith said no to {_LANGSMITH_SHAPED}", _LANGSMITH_SHAPED),
    (f"token {_OAUTH_SHAPED}", _OAUTH_SHAPED),
])
def test_secret_shaped_strings_are_scrubbed_even_when_not_configured(text, leaked):
    cleaned = scrub_text(text)
    assert leaked not in cleaned and REDACTED in cleaned


def test_every_configured_secret_variable_is_scrubbed(monkeypatch):
    monkeypatch.setenv("ACME_VIDEO_TOKEN", "plain-looking-value-42")
    monkeypatch.setenv("LANGSMITH_API_KEY", "another-plain-value-43")
    monkeypatch.setenv("OPENAI_API_KEY", "fake-openai-key-0001")
    monkeypatch.setenv("AIUTEUR_TEXT_ENGINE", "openai:gpt-4.1-mini")  # not a secret: kept
    text = "saw plain-looking-value-42, another-plain-value-43 and fake-openai-key-0001 for openai:gpt-4.1-mini"
    assert scrub_text(text) == f"saw {REDACTED}, {REDACTED} and {REDACTED} for openai:gpt-4.1-mini"


def test_typed_errors_and_describe_scrub_when_made(monkeypatch):
    from aiuteur.engines.errors import ServerError, provider_reason
    from aiuteur.engines.providers.errors import SafetyBlocked, from_status

    monkeypatch.setenv("OPENAI_API_KEY", "fake-openai-key-0001")
    typed = from_status("openai", 401, "bad key fake-openai-key-0001")
    assert "fake-openai-key-0001" not in str(typed) and "fake-openai-key-0001" not in (provider_reason(typed) or "")
    blocked = SafetyBlocked("no", reason="sent with fake-openai-key-0001")
    assert "fake-openai-key-0001" not in blocked.reason
    assert "fake-openai-key-0001" not in str(ServerError("500 for fake-openai-key-0001", reason="fake-openai-key-0001"))
    assert describe(RuntimeError("raw SDK text with fake-openai-key-0001")) == f"RuntimeError: raw SDK text with {REDACTED}"
