"""Every bad input is one row (issue 14): the CLI prints one line and exits 1 (130/143 when
interrupted), the library raises a typed error, and nothing is written — no workspace file, no
output folder, no half state. Valid input that was refused before (ideas in scripts written
without spaces, emoji-only titles) is accepted. A new bad input is one more row."""
from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from aiuteur.cli import INTERRUPTED, app
from aiuteur.engines.offline.idea import analyse
from aiuteur.engines.registry import Engines
from aiuteur.ingest import IngestError, StagedFile, read_source, read_sources
from aiuteur.models.project import ProjectConfig
from aiuteur.models.story import StoryInput
from aiuteur.pipeline import run
from aiuteur.stages import input as input_stage
from aiuteur.stages import treatment
from aiuteur.stages.catalog import UnknownStage, stage
from aiuteur.stages.gates import StageOrderError
from aiuteur.store import BranchError, ProjectNotFound, Store, StoreError, WorkspaceDamaged, open_store
from aiuteur.store.projects import name_for_title
from aiuteur.validate import (
    BadInput, FileRefused, UnsafeText, WrongType, finite_number, read_regular_file, safe_text, word_count,
)

runner = CliRunner()
IDEA = "A baker named Rosa finds a key baked into a wedding cake and must find the lock before dawn."
CONFIG = ProjectConfig(title="The Key")


# -- a workspace with one project, copied for every row that needs one ------------------------------
@pytest.fixture(scope="module")
def base_workspace(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("base")
    with open_store(root / "ws.duckdb") as store:
        input_stage.start(store, "film", IDEA, CONFIG)
    return root / "ws.duckdb"


@pytest.fixture
def ws(base_workspace, tmp_path) -> Path:
    target = tmp_path / "ws.duckdb"
    target.write_bytes(base_workspace.read_bytes())
    return target


def snapshot(folder: Path) -> dict[str, int]:
    """Every file and folder under `folder` with its size (folders: -1)."""
    return {str(p.relative_to(folder)): (p.stat().st_size if p.is_file() else -1)
            for p in sorted(folder.rglob("*")) if not p.is_fifo()}


def workspace_rows(path: Path) -> dict[str, int]:
    with Store(path, read_only=True) as store:
        tables = [t for (t,) in store.db.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'")]
        return {t: store.db.fetchone(f'SELECT count(*) FROM "{t}"')[0] for t in tables}  # type: ignore[index]


def one_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got {len(lines)}:\n{output}"
    return lines[0]


# -- CLI rows: (id, arguments, part of the one-line message) -----------------------------------------
# {ws} is a workspace holding project "film"; {new} a workspace path that does not exist yet;
# {out} an output folder that does not exist yet; {fifo} a named pipe; {tmp} the test's folder.
LONG = "x" * 81
CLI_ROWS = [
    ("until-0", ["run", "film", "--until", "0", "-w", "{ws}"], "--until: no stage '0'"),
    ("until-minus-1", ["run", "film", "--until=-1", "-w", "{ws}"], "--until: no stage '-1'"),
    ("until-99", ["run", "film", "--until", "99", "-w", "{ws}"], "--until: no stage '99'"),
    ("until-empty", ["run", "film", "--until", "", "-w", "{ws}"], "--until: no stage ''"),
    ("until-2.5", ["run", "film", "--until", "2.5", "-w", "{ws}"], "--until: no stage '2.5'"),
    ("until-unknown", ["run", "film", "--until", "storyboard", "-w", "{ws}"], "--until: no stage 'storyboard'"),
    ("until-on-new-workspace", ["run", "film", "--until", "0", "-w", "{new}"], "--until: no stage '0'"),
    ("run-unknown-project", ["run", "nope", "--until", "script", "-w", "{new}"], "no project 'nope'"),
    ("status-unknown-project", ["status", "nope", "-w", "{new}"], "no project 'nope'"),
    ("minutes-too-short", ["new", "T", "--idea", IDEA, "--minutes", "0.1", "-w", "{new}"], "too short for one scene"),
    ("minutes-zero", ["new", "T", "--idea", IDEA, "--minutes", "0", "-w", "{new}"], "target_minutes"),
    ("minutes-negative", ["new", "T", "--idea", IDEA, "--minutes=-3", "-w", "{new}"], "target_minutes"),
    ("minutes-nan", ["new", "T", "--idea", IDEA, "--minutes", "nan", "-w", "{new}"], "finite number"),
    ("minutes-inf", ["new", "T", "--idea", IDEA, "--minutes", "inf", "-w", "{new}"], "finite number"),
    ("minutes-absurd", ["new", "T", "--idea", IDEA, "--minutes", "1e9", "-w", "{new}"], "less than or equal to 180"),
    ("demo-minutes-nan", ["demo", "--idea", IDEA, "--minutes", "nan", "--out", "{out}", "-w", "{new}"], "finite number"),
    ("demo-minutes-too-short", ["demo", "--idea", IDEA, "--minutes", "0.01", "--out", "{out}", "-w", "{new}"],
     "too short for one scene"),
    ("demo-minutes-absurd", ["demo", "--idea", IDEA, "--minutes", "99999", "--out", "{out}", "-w", "{new}"],
     "less than or equal to 180"),
    ("file-dev-zero", ["new", "T", "--idea", IDEA, "--file", "/dev/zero", "-w", "{new}"], "/dev/zero: is a device"),
    ("file-dev-null", ["new", "T", "--idea", IDEA, "--file", "/dev/null", "-w", "{new}"], "/dev/null: is a device"),
    ("file-fifo", ["new", "T", "--idea", IDEA, "--file", "{fifo}", "-w", "{new}"], "is a FIFO"),
    ("file-folder", ["new", "T", "--idea", IDEA, "--file", "{tmp}", "-w", "{new}"], "is a folder"),
    ("idea-file-dev-zero", ["demo", "--idea-file", "/dev/zero", "--out", "{out}", "-w", "{new}"], "is a device"),
    ("idea-file-fifo", ["demo", "--idea-file", "{fifo}", "--out", "{out}", "-w", "{new}"], "is a FIFO"),
    ("idea-escape", ["new", "T", "--idea", "A keeper \x1b[31mnamed Elsa\x1b[0m finds a radio.", "-w", "{new}"],
     "U+001B (ESC, a terminal escape)"),
    ("idea-title-sequence", ["new", "T", "--idea", "An idea \x1b]0;owned\x07 with a window title.", "-w", "{new}"],
     "U+001B"),
    ("idea-bidi-override", ["new", "T", "--idea", "A thief \u202ereversed text\u202c steals a map.", "-w", "{new}"],
     "U+202E"),
    ("idea-backspace", ["new", "T", "--idea", "A baker\x08\x08\x08 hides a key in a cake.", "-w", "{new}"],
     "U+0008 (backspace)"),
    ("title-escape", ["new", "T\x1b[2J", "--idea", IDEA, "--name", "t", "-w", "{new}"], "title"),
    ("title-newline", ["new", "Two\nlines", "--idea", IDEA, "--name", "t", "-w", "{new}"], "title"),
    ("demo-idea-escape", ["demo", "--idea", "An idea \x1b[31min red\x1b[0m for a film.", "--out", "{out}", "-w", "{new}"],
     "U+001B"),
    ("demo-idea-two-words", ["demo", "--idea", "Two words", "--out", "{out}", "-w", "{new}"], "three words"),
    ("demo-name-too-long", ["demo", "--idea", IDEA, "--name", LONG, "--out", "{out}", "-w", "{new}"], "at most 80"),
    ("demo-unknown-engine", ["demo", "--idea", IDEA, "--text", "nope:model", "--out", "{out}", "-w", "{new}"],
     "no text engine 'nope:model'"),
    ("demo-title-escape", ["demo", "--idea", IDEA, "--title", "Film\x1b[5m", "--out", "{out}", "-w", "{new}"], "title"),
    ("genre-escape", ["new", "T", "--idea", IDEA, "--genre", "noir\x1b[0m", "-w", "{new}"], "genre"),
    ("name-escape", ["new", "T", "--idea", IDEA, "--name", "film\x1b[2J", "-w", "{new}"], "project name: contains U+001B"),
    ("name-newline", ["new", "T", "--idea", IDEA, "--name", "two\nlines", "-w", "{new}"], "must be one line"),
    ("name-too-long", ["new", "T", "--idea", IDEA, "--name", LONG, "-w", "{new}"], "at most 80"),
    ("name-blank", ["new", "T", "--idea", IDEA, "--name", "   ", "-w", "{new}"], "must not be blank"),
    ("project-arg-escape", ["status", "film\x1b[2J", "-w", "{ws}"], "project: contains U+001B"),
    ("branch-too-long", ["branch", "film", "new", LONG, "-m", "why", "-w", "{ws}"], "branch name: 81 characters"),
    ("branch-escape", ["branch", "film", "new", "b\x1b[1m", "-m", "why", "-w", "{ws}"], "branch name: contains U+001B"),
    ("branch-message-escape", ["branch", "film", "new", "alt", "-m", "why\x1b[1m", "-w", "{ws}"], "branch message"),
    ("label-escape", ["new", "T", "--file", "{notes}", "--label", "notes\x1b[7m", "-w", "{new}"], "label"),
    ("workspace-folder", ["projects", "-w", "{tmp}"], "is a folder"),
    ("workspace-fifo", ["projects", "-w", "{fifo}"], "not a regular file"),
    ("workspace-garbage", ["projects", "-w", "{garbage}"], "truncated or damaged"),
    ("workspace-empty-file", ["projects", "-w", "{empty}"], "truncated or damaged"),
    ("workspace-truncated-head", ["projects", "-w", "{truncated_head}"], "truncated or damaged"),
    ("workspace-truncated", ["status", "film", "-w", "{truncated}"], "truncated or damaged"),
]


@pytest.mark.parametrize("args, message", [row[1:] for row in CLI_ROWS], ids=[row[0] for row in CLI_ROWS])
def test_cli_refuses_with_one_line_and_writes_nothing(args, message, ws, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    (tmp_path / "garbage.duckdb").write_bytes(b"this is not a database\n" * 100)
    (tmp_path / "empty.duckdb").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("Ada runs the night ferry.\n")
    data = ws.read_bytes()
    (tmp_path / "head.duckdb").write_bytes(data[:5000])
    (tmp_path / "cut.duckdb").write_bytes(data[: len(data) // 3])
    places = {"ws": ws, "new": tmp_path / "fresh" / "new.duckdb", "out": tmp_path / "out", "fifo": fifo,
              "tmp": tmp_path, "notes": tmp_path / "notes.txt", "garbage": tmp_path / "garbage.duckdb",
              "empty": tmp_path / "empty.duckdb", "truncated_head": tmp_path / "head.duckdb",
              "truncated": tmp_path / "cut.duckdb"}
    before_files, before_rows = snapshot(tmp_path), workspace_rows(ws)
    result = runner.invoke(app, [a.format(**{k: str(v) for k, v in places.items()}) for a in args])
    assert result.exit_code == 1, result.output
    line = one_line(result.output)
    assert line.startswith("error: ") and message in line, line
    assert "Traceback" not in result.output and "\x1b" not in line.replace("\x1b[1;31m", "").replace("\x1b[0m", "")
    assert snapshot(tmp_path) == before_files  # no workspace, no output folder, nothing beside them
    assert workspace_rows(ws) == before_rows  # and nothing in the workspace


# -- library rows: (id, call, typed error, part of the message) --------------------------------------
def _start(store, **changes):
    arguments = dict(name="p", idea=IDEA, config=CONFIG) | changes
    return input_stage.start(store, arguments.pop("name"), arguments.pop("idea"), arguments.pop("config"), **arguments)


LIBRARY_ROWS = [
    ("start-name-int", lambda s, p: _start(s, name=123), WrongType, "project name: expected str"),
    ("start-name-too-long", lambda s, p: _start(s, name="x" * 81), BadInput, "at most 80"),
    ("start-name-escape", lambda s, p: _start(s, name="p\x1b[2J"), UnsafeText, "U+001B"),
    ("start-idea-none", lambda s, p: _start(s, idea=None), WrongType, "idea: expected str"),
    ("start-idea-escape", lambda s, p: _start(s, idea="An idea \x1b[31m in red letters."), ValidationError, "U+001B"),
    ("start-idea-two-words", lambda s, p: _start(s, idea="Two words"), ValidationError, "three words or more"),
    ("start-config-dict", lambda s, p: _start(s, config={"title": "x"}), WrongType, "config: expected ProjectConfig"),
    ("start-store-none", lambda s, p: input_stage.start(None, "p", IDEA, CONFIG), WrongType, "store"),
    ("start-files-a-string", lambda s, p: _start(s, files="notes.txt"), WrongType, "wrap a single item in a list"),
    ("start-files-int", lambda s, p: _start(s, files=[5]), WrongType, "files[0]"),
    ("start-file-dev-zero", lambda s, p: _start(s, files=["/dev/zero"]), IngestError, "is a device"),
    ("create-project-int", lambda s, p: s.create_project(5, CONFIG), WrongType, "project name"),
    ("create-project-dict", lambda s, p: s.create_project("q", {"title": "x"}), WrongType, "config"),
    ("create-project-exists", lambda s, p: s.create_project("film", CONFIG), StoreError, "already exists"),
    ("rename-too-long", lambda s, p: s.rename_project(p, "y" * 81), BadInput, "at most 80"),
    ("get-project-none", lambda s, p: s.get_project(None), WrongType, "project"),
    ("get-project-unknown", lambda s, p: s.get_project("nope"), ProjectNotFound, "no project 'nope'"),
    ("branch-too-long", lambda s, p: s.create_branch(p, "b" * 81), BranchError, "at most 80"),
    ("branch-newline", lambda s, p: s.create_branch(p, "b\nc"), BranchError, "one line"),
    ("branch-int", lambda s, p: s.create_branch(p, 7), BranchError, "expected str"),
    ("treatment-engines-str", lambda s, p: treatment.generate(s, p, "offline"), WrongType, "engines"),
    ("treatment-select-first", lambda s, p: treatment.select(s, p, 0), StageOrderError, "no treatment"),
    ("run-until-0", lambda s, p: run(s, p, Engines.offline(), until=0), UnknownStage, "no stage 0"),
    ("run-until-minus-1", lambda s, p: run(s, p, Engines.offline(), until=-1), UnknownStage, "no stage -1"),
    ("run-until-2.5", lambda s, p: run(s, p, Engines.offline(), until=2.5), UnknownStage, "no stage 2.5"),
    ("run-until-empty", lambda s, p: run(s, p, Engines.offline(), until=""), UnknownStage, "no stage ''"),
    ("run-project-name", lambda s, p: run(s, "film", Engines.offline()), WrongType, "project"),
    ("run-store-none", lambda s, p: run(None, p, Engines.offline()), WrongType, "store"),
    ("read-source-path", lambda s, p: read_source("notes.txt"), WrongType, "StagedFile.from_path"),
    ("read-sources-one", lambda s, p: read_sources(StagedFile("a.txt", b"Ada runs.")), WrongType, "wrap it in a list"),
    ("staged-file-str", lambda s, p: StagedFile("a.txt", "not bytes"), WrongType, "bytes"),
    ("analyse-none", lambda s, p: analyse(None), WrongType, "idea"),
    ("config-minutes-nan", lambda s, p: ProjectConfig(title="T", target_minutes=math.nan), ValidationError, "finite"),
    ("config-minutes-inf", lambda s, p: ProjectConfig(title="T", target_minutes=math.inf), ValidationError, "finite"),
    ("config-minutes-tiny", lambda s, p: ProjectConfig(title="T", target_minutes=0.05), ValidationError, "one scene"),
    ("config-budget-nan", lambda s, p: ProjectConfig(title="T", budget_usd=math.nan), ValidationError, "finite"),
    ("config-title-escape", lambda s, p: ProjectConfig(title="T\x1b[0m"), ValidationError, "U+001B"),
    ("config-language-del", lambda s, p: ProjectConfig(title="T", language="en\x7f"), ValidationError, "U+007F"),
    ("stage-0", lambda s, p: stage(0), UnknownStage, "1-12"),
    ("stage-bool", lambda s, p: stage(True), UnknownStage, "no stage True"),
    ("stage-none", lambda s, p: stage(None), UnknownStage, "no stage None"),
    ("number-bool", lambda s, p: finite_number(True, "minutes"), WrongType, "minutes"),
    ("number-nan", lambda s, p: finite_number(math.nan, "minutes"), BadInput, "finite"),
    ("number-range", lambda s, p: finite_number(500, "minutes", high=180), BadInput, "at most 180"),
    ("text-escape", lambda s, p: safe_text("a\x1bb", "note"), UnsafeText, "note: contains U+001B"),
    ("file-dev-zero", lambda s, p: read_regular_file("/dev/zero", 100), FileRefused, "is a device"),
    ("file-folder", lambda s, p: read_regular_file("/", 100), FileRefused, "is a folder"),
    ("workspace-folder", lambda s, p: Store(s.path.parent), StoreError, "is a folder"),
    ("workspace-garbage", lambda s, p: Store(_garbage(s.path.parent)), StoreError, "truncated or damaged"),
]


def _garbage(folder: Path) -> Path:
    path = folder / "garbage.duckdb"
    path.write_bytes(b"\x00not duckdb" * 500)
    return path


@pytest.mark.parametrize("call, error, message", [row[1:] for row in LIBRARY_ROWS], ids=[row[0] for row in LIBRARY_ROWS])
def test_library_raises_typed_errors_and_writes_nothing(call, error, message, ws):
    with Store(ws) as store:
        project = store.get_project("film")
        before = workspace_rows_open(store)
        with pytest.raises(error, match=_pattern(message)) as caught:
            call(store, project)
        assert type(caught.value).__module__.startswith(("aiuteur.", "pydantic")), type(caught.value)  # ours, typed
        assert workspace_rows_open(store) == before


def workspace_rows_open(store: Store) -> dict[str, int]:
    tables = [t for (t,) in store.db.fetchall("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'")]
    return {t: store.db.fetchone(f'SELECT count(*) FROM "{t}"')[0] for t in tables}  # type: ignore[index]


def _pattern(message: str) -> str:
    import re

    return re.escape(message)


def test_a_corrupt_workspace_found_mid_query_is_a_typed_error(ws, tmp_path):
    """Damage past the part DuckDB reads on opening shows up on the first query that reads it."""
    cut = tmp_path / "cut.duckdb"
    cut.write_bytes(ws.read_bytes()[: ws.stat().st_size // 3])
    with pytest.raises(StoreError, match="truncated or damaged") as caught:
        with Store(cut) as store:
            store.list_projects()
            store.get_project("film")
    assert caught.type in (StoreError, WorkspaceDamaged)


# -- valid input accepted ----------------------------------------------------------------------------
@pytest.mark.parametrize("idea", [
    "灯台守の老婆が、溺れた兄の声を古いラジオで聞く。",
    "两个疏远的姐妹继承了母亲濒临破产的葡萄园。",
    "พี่สาวสองคนที่ห่างเหินกันได้รับมรดกไร่องุ่นของแม่",
    "A girl runs.",
], ids=["japanese", "chinese", "thai", "three-english-words"])
def test_ideas_in_any_script_are_measured_in_words(idea, store):
    assert word_count(idea) >= 3
    project, version = input_stage.start(store, "film", idea, ProjectConfig(title="Film"))
    assert version.model(StoryInput).idea == idea


@pytest.mark.parametrize("idea", ["猫", "Two words", "ラジオ"], ids=["one-kanji", "two-words", "one-katakana-word"])
def test_too_short_ideas_are_still_refused(idea, store):
    with pytest.raises(ValidationError, match="three words"):
        input_stage.start(store, "film", idea, ProjectConfig(title="Film"))
    assert store.list_projects() == []


@pytest.mark.parametrize("title, name", [
    ("Lantern Keepers", "lantern-keepers"),
    ("Amélie à Paris", "amelie-a-paris"),
    ("灯台の声", "灯台の声"),
    ("  Night   Ferry!!  ", "night-ferry"),
    ("A" * 200, "a" * 60),
], ids=["ascii", "accents", "japanese", "punctuation", "long"])
def test_names_from_titles(title, name):
    assert name_for_title(title) == name


def test_emoji_only_titles_get_usable_unique_names(tmp_path):
    first, second = name_for_title("🎬🎥"), name_for_title("🌊❤️🌊")
    assert first != second and all(n.startswith("film-") and len(n) == 11 and n.isascii() for n in (first, second))
    ws = str(tmp_path / "ws.duckdb")
    for title in ("🎬🎥", "🌊❤️🌊"):
        result = runner.invoke(app, ["new", title, "--idea", IDEA, "-w", ws, "--json"])
        assert result.exit_code == 0, result.output
    names = [p["name"] for p in __import__("json").loads(runner.invoke(app, ["projects", "--json", "-w", ws]).output)]
    assert names == [first, second]
    assert runner.invoke(app, ["status", first, "-w", ws]).exit_code == 0


def test_an_old_project_shorter_than_the_new_minimum_still_opens(tmp_path):
    """Rules added later do not make stored projects unreadable."""
    path = tmp_path / "ws.duckdb"
    with Store(path) as store:
        project, _ = input_stage.start(store, "old", IDEA, CONFIG)
        store.db.execute("UPDATE projects SET config = ? WHERE id = ?",
                         [CONFIG.model_copy(update={"target_minutes": 0.1}).model_dump_json(), project.id])
    with Store(path) as store:
        assert store.get_project("old").config.target_minutes == 0.1
        assert input_stage.story_input(store, store.get_project("old")).idea == IDEA


# -- interrupted at any stage: one line, 130 or 143, nothing finished lost ---------------------------
@pytest.mark.parametrize("module, function, signum", [
    ("treatment", "generate", signal.SIGINT),
    ("beats", "generate", signal.SIGINT),
    ("script", "generate", signal.SIGTERM),
    ("assets", "extract", signal.SIGINT),
    ("hub", "build", signal.SIGTERM),
    ("shots", "generate", signal.SIGINT),
], ids=["treatment-ctrl-c", "beats-ctrl-c", "script-sigterm", "assets-ctrl-c", "hub-sigterm", "shots-ctrl-c"])
def test_an_interrupt_at_any_stage_is_one_line(module, function, signum, ws, monkeypatch):
    import aiuteur.pipeline as pipeline

    stage_module = getattr(pipeline, module)
    real = getattr(stage_module, function)

    def interrupted(*args, **kwargs):
        os.kill(os.getpid(), signum)  # the real signal: the CLI's handler turns it into the interrupt
        time.sleep(5)  # never reached: the signal handler raises first
        return real(*args, **kwargs)

    monkeypatch.setattr(stage_module, function, interrupted)
    previous = signal.getsignal(signal.SIGTERM)
    result = runner.invoke(app, ["run", "film", "--until", "shots", "--lock-defaults", "-w", str(ws)])
    assert signal.getsignal(signal.SIGTERM) == previous  # the CLI puts the old handler back
    assert result.exit_code == (130 if signum == signal.SIGINT else 143), result.output
    assert one_line(result.output) == INTERRUPTED
    monkeypatch.undo()
    with Store(ws) as store:  # what finished is there, and the interrupted stage left nothing
        project = store.get_project("film")
        order = ["treatment", "beats", "script", "assets", "hub", "shots"]
        done = order[: order.index(module)]
        heads = set(store.heads(project))
        assert all(any(k == d or k.startswith(d) for k in heads) for d in done if d not in ("assets", "hub")), heads
        assert module == "shots" or not any(k.endswith("/shots") for k in heads)


def test_after_an_interrupt_running_again_continues(ws, monkeypatch):
    import aiuteur.pipeline as pipeline

    monkeypatch.setattr(pipeline.script, "generate", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
    assert runner.invoke(app, ["run", "film", "--until", "script", "--lock-defaults", "-w", str(ws)]).exit_code == 130
    monkeypatch.undo()
    with Store(ws) as store:
        treatment_id = store.head(store.get_project("film"), "treatment").id
    result = runner.invoke(app, ["run", "film", "--until", "script", "--lock-defaults", "-w", str(ws), "--json"])
    assert result.exit_code == 0, result.output
    with Store(ws) as store:
        project = store.get_project("film")
        assert store.head(project, "treatment").id == treatment_id  # the finished stage was kept, not redone
        assert store.head(project, "script") is not None


@pytest.mark.slow
@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"])
def test_a_real_interrupt_of_the_cli_process(signum, code, ws):
    """The installed command, a real process, a real signal while a stage runs."""
    command = [sys.executable, "-c", "from aiuteur.cli import app; app()", "run", "film", "--until", "video",
               "--lock-defaults", "-w", str(ws)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wal = ws.with_name(ws.name + ".wal")
    deadline = time.monotonic() + 120
    while not wal.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # the first committed stage writes the WAL: the pipeline is running
    time.sleep(0.5)
    assert process.poll() is None, "the run ended before it could be interrupted"
    process.send_signal(signum)
    out, err = process.communicate(timeout=120)
    assert process.returncode == code, err
    assert err.strip() == INTERRUPTED
    with Store(ws) as store:
        assert store.head(store.get_project("film"), "treatment") is not None
