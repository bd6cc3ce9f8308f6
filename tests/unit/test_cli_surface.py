"""The CLI's surface: --version and -h, --json a flag everywhere, engine ids never cut, messages
naming only options that exist, projects named by title, and a light startup (no heavy imports)."""
from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from aiuteur import __version__
from aiuteur.cli import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()

IDEA = ("An old keeper and a young apprentice must keep the lighthouse lit through the worst storm "
        "of the century while the town below forgets them.")


def _commands() -> dict[str, object]:
    """Every command by its full name ("asset-library list"), groups' subcommands included."""
    found: dict[str, object] = {}

    def walk(prefix: str, group) -> None:
        for name, command in group.commands.items():
            found[f"{prefix}{name}"] = command
            if hasattr(command, "commands"):
                walk(f"{prefix}{name} ", command)

    walk("", get_command(app))
    return found


def _all_options() -> set[str]:
    found = {o for p in get_command(app).params for o in p.opts + p.secondary_opts}
    for command in _commands().values():
        for param in command.params:  # type: ignore[attr-defined]
            found.update(param.opts + param.secondary_opts)
    return found | {"--help", "-h"}


def _run(*args: str, columns: int = 80, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": str(columns), "TERM": "dumb"}
    env.pop("AIUTEUR_WORKSPACE", None)
    return subprocess.run([sys.executable, "-m", "aiuteur.cli", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)


def test_version_and_short_help():
    shown = runner.invoke(app, ["--version"])
    assert shown.exit_code == 0 and shown.output.strip() == f"aiuteur {__version__}"
    for args in (["-h"], ["status", "-h"], ["engines", "-h"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
        assert "Usage:" in result.output


def test_json_is_a_flag_on_every_command_and_shown_as_one():
    with_json = []
    for name, command in _commands().items():
        for param in command.params:
            if "--json" in param.opts:
                with_json.append(name)
                assert param.is_flag and not param.secondary_opts, f"{name}: --json must be a flag"
    assert {"projects", "status", "engines"} <= set(with_json)
    for name in with_json:
        text = runner.invoke(app, [*name.split(), "--help"], env={"COLUMNS": "120"}).output
        line = next(line for line in text.splitlines() if "--json" in line)
        assert "<bool>" not in line, f"aiuteur {name} --help shows --json as taking a value: {line!r}"
    assert "<bool>" not in runner.invoke(app, ["--help"]).output


@pytest.mark.parametrize("columns", [60, 200])
def test_engines_never_cut_an_id(columns):
    from aiuteur.documents import engines_document

    document = engines_document()
    ids = [row["engine_id"] for row in document["engines"]] + [i for row in document["providers"] for i in row["ids"]]
    result = _run("engines", columns=columns)
    assert result.returncode == 0, result.stderr
    assert "…" not in result.stdout and "..." not in result.stdout
    words = set(re.findall(r"[^\s│┃,()]+", result.stdout))
    missing = [i for i in ids if i not in words]
    assert not missing, f"cut or missing at COLUMNS={columns}: {missing}"


#: `--options` named in strings that belong to another tool, not to `aiuteur`: (file, option)
EXTERNAL_OPTIONS: set[tuple[str, str]] = {
    ("aiuteur/commands/farm.py", "--step"),  # `openjd run TEMPLATE --step S --run-dependencies`
    ("aiuteur/commands/farm.py", "--run-dependencies"),
    ("aiuteur/commands/farm.py", "--job-param-file"),
    ("aiuteur/ui/farm_model.py", "--step"),
    ("aiuteur/ui/farm_model.py", "--run-dependencies"),
    ("aiuteur/ui/farm_model.py", "--job-param-file"),
}

#: an option named in text; `--redo-...` (a family of options) is group `family`
OPTION = re.compile(r"(?<![\w-])(?P<option>--[a-z][a-z0-9]*(?:-[a-z0-9]+)*)(?P<family>-?\.\.\.)?")


def test_every_option_named_in_a_message_exists():
    """An error or hint that tells the user to pass `--something` names an option some command has."""
    known = _all_options()
    unknown = []
    for path in sorted((ROOT / "aiuteur").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for found in OPTION.finditer(node.value):
                    option, rel = found.group("option"), str(path.relative_to(ROOT))
                    if found.group("family") and any(k.startswith(option + "-") for k in known):
                        continue
                    if option not in known and (rel, option) not in EXTERNAL_OPTIONS:
                        unknown.append(f"{rel}:{node.lineno}: {option}")
    assert not unknown, "messages name options no command has:\n" + "\n".join(unknown)


def test_a_project_is_named_by_its_title_name_or_id(tmp_path):
    ws = str(tmp_path / "ws.duckdb")
    made = runner.invoke(app, ["new", "Lantern Keepers", "--idea", IDEA, "--json", "-w", ws])
    assert made.exit_code == 0, made.output
    project = json.loads(made.output)["project"]
    for handle in ("Lantern Keepers", "lantern keepers", project["name"], project["id"]):
        shown = runner.invoke(app, ["status", handle, "--json", "-w", ws])
        assert shown.exit_code == 0, (handle, shown.output)
        assert json.loads(shown.output)[0]["state"] == "locked"  # stage 1 of this project
    ran = runner.invoke(app, ["run", "Lantern Keepers", "--until", "treatment", "--json", "-w", ws])
    assert ran.exit_code in (0, 1), ran.output  # 1: stopped at a gate a person must pass
    assert "no project" not in ran.output and "Traceback" not in ran.output


def test_an_ambiguous_title_is_an_error_listing_the_projects(tmp_path):
    from aiuteur.models.project import ProjectConfig
    from aiuteur.store import ProjectNotFound, open_store

    with open_store(tmp_path / "ws.duckdb") as store:
        first = store.create_project("keepers-1", ProjectConfig(title="Lantern Keepers"))
        second = store.create_project("keepers-2", ProjectConfig(title="Lantern  keepers"))
        store.create_project("other", ProjectConfig(title="keepers-1"))  # a title equal to a name: the name wins
        assert store.get_project("keepers-1").id == first.id
        with pytest.raises(ProjectNotFound) as refused:
            store.get_project("Lantern Keepers")
    message = str(refused.value)
    assert "2 projects" in message and first.id in message and second.id in message
    assert "keepers-1" in message and "keepers-2" in message
    result = runner.invoke(app, ["status", "Lantern Keepers", "-w", str(tmp_path / "ws.duckdb")])
    assert result.exit_code == 1 and "keepers-2" in result.output and "Traceback" not in result.output


#: what `aiuteur --help` must not load: the pipeline, stages, engines, store and the big libraries
#: (not pydantic: typer 0.29 itself loads it to parse a subcommand's parameters)
HEAVY = ("aiuteur.pipeline", "aiuteur.stages", "aiuteur.engines.", "aiuteur.store", "aiuteur.render",
         "aiuteur.sound", "aiuteur.export", "aiuteur.continuity", "aiuteur.ui", "aiuteur.farm", "duckdb", "numpy",
         "polars", "PIL", "moviepy", "panel", "httpx", "openai", "google.genai", "psycopg", "openjd", "gazu")

_PROBE = """
import sys
from aiuteur.cli import app
try:
    app({args!r}, prog_name="aiuteur")
except SystemExit:
    pass
print("\\n".join(sorted(sys.modules)))
"""


def _loaded_by(args: list[str], cwd: Path | None = None) -> set[str]:
    done = subprocess.run([sys.executable, "-c", _PROBE.format(args=args)], capture_output=True, text=True,
                          timeout=120, cwd=cwd, env={**os.environ, "COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split("\n"))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h.rstrip(".") or m.startswith(h if h.endswith(".") else h + ".")
                                            for h in HEAVY))


def test_help_imports_nothing_heavy():
    """`aiuteur --help` starts in well under 0.5 s when it loads only typer, rich and the command
    modules (the timing itself is benchmarks/cli_startup.py: a timed test is flaky on a busy machine)."""
    for args in (["--help"], ["status", "--help"], ["--version"]):
        heavy = _heavy(_loaded_by(args))
        assert not heavy, f"aiuteur {' '.join(args)} imports {heavy}"


def test_status_loads_the_store_but_not_the_pipeline(tmp_path):
    from aiuteur.models.project import ProjectConfig
    from aiuteur.store import open_store

    with open_store(tmp_path / "ws.duckdb") as store:
        store.create_project("p", ProjectConfig(title="P"))
    loaded = _loaded_by(["status", "p", "-w", str(tmp_path / "ws.duckdb")])
    assert "aiuteur.stages.status" in loaded  # the probe really ran the command
    for module in ("aiuteur.pipeline", "aiuteur.engines.gateway", "aiuteur.render", "numpy", "polars", "PIL",
                   "moviepy", "panel"):
        assert module not in loaded, f"aiuteur status imports {module}"


# -- a bug surfaces: neither the CLI nor a studio page turns it into "error:" or "nothing yet" ------
@pytest.fixture
def one_project(tmp_path):
    from aiuteur.models.project import ProjectConfig
    from aiuteur.store import open_store

    ws = tmp_path / "ws.duckdb"
    with open_store(ws) as store:
        store.create_project("p", ProjectConfig(title="P"))
    return ws


def test_a_bug_in_a_command_is_not_printed_as_a_user_error(one_project, monkeypatch):
    import aiuteur.stages.status as status

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in project_status")

    monkeypatch.setattr(status, "project_status", broken)
    result = runner.invoke(app, ["status", "p", "-w", str(one_project)])
    assert result.exit_code != 0 and isinstance(result.exception, RuntimeError)
    assert "error:" not in result.output


def test_a_studio_view_shows_nothing_yet_for_a_stage_not_run_but_raises_a_bug(one_project, monkeypatch):
    from aiuteur.stages.gates import StageError
    from aiuteur.ui import production_model
    from aiuteur.ui.production_model import ProductionModel

    page = ProductionModel(workspace=str(one_project), project="p")
    assert page.asset_cards() == []  # no script yet: a typed StageError, shown as nothing yet

    def not_yet(*args, **kwargs):
        raise StageError("stage 5 has not run")

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in master_versions")

    monkeypatch.setattr(production_model.assets, "master_versions", not_yet)
    assert page.asset_cards() == []
    monkeypatch.setattr(production_model.assets, "master_versions", broken)
    with pytest.raises(RuntimeError, match="a bug in master_versions"):
        page.asset_cards()


def test_a_studio_action_reports_a_typed_error_and_raises_a_bug(one_project, monkeypatch):
    from aiuteur.ui import story_model
    from aiuteur.ui.story_model import StoryModel

    page = StoryModel(workspace=str(one_project), project="p")

    def refused(*args, **kwargs):
        raise ValueError("the beats are not confirmed")

    def broken(*args, **kwargs):
        raise KeyError("a bug in beats.confirm")

    monkeypatch.setattr(story_model.beats, "confirm", refused)
    page.confirm_beats()
    assert "the beats are not confirmed" in page.message
    monkeypatch.setattr(story_model.beats, "confirm", broken)
    with pytest.raises(KeyError, match="a bug in beats.confirm"):
        page.confirm_beats()


# -- the stable --json documents are built by aiuteur.documents, the same for CLI, Panel, notebooks --
def _json(*args: str):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_projects_document(one_project):
    from aiuteur.documents import projects_document
    from aiuteur.store import open_store

    with open_store(one_project) as store:
        expected = projects_document(store.list_projects())
    assert _json("projects", "--json", "-w", str(one_project)) == expected
    assert [set(row) for row in expected] == [{"id", "name", "title", "branch", "created_at"}]
    assert expected[0]["name"] == "p" and expected[0]["title"] == "P"


def test_status_document(one_project):
    from aiuteur.documents import status_document
    from aiuteur.stages.status import project_status
    from aiuteur.store import open_store

    with open_store(one_project) as store:
        expected = status_document(project_status(store, store.get_project("p")))
    assert _json("status", "p", "--json", "-w", str(one_project)) == expected
    assert [row["number"] for row in expected] == list(range(1, 13))
    assert {"number", "slug", "title", "state", "artifacts", "versions", "reasons", "answer_flags"} <= set(expected[0])


def test_engines_document(one_project):
    from aiuteur.documents import engines_document

    expected = engines_document("image")
    assert _json("engines", "--kind", "image", "--json") == expected
    assert set(expected) == {"engines", "providers", "plugin_errors"}
    assert expected["engines"] and all(row["kind"] == "image" for row in expected["engines"])
    with_project = _json("engines", "--project", "P", "--json", "-w", str(one_project))  # by title
    assert with_project["project"]["ids"]["video"].startswith("offline:")
    with pytest.raises(ValueError, match="--kind"):
        engines_document("sound")


def test_engine_settings_document(one_project):
    from aiuteur.documents import engine_settings_document
    from aiuteur.store import open_store

    printed = _json("use-engines", "p", "--json", "-w", str(one_project))
    with open_store(one_project) as store:
        assert engine_settings_document(store, store.get_project("p")) == printed
    assert set(printed) == {"settings", "ids", "sources"} and set(printed["ids"]) >= {"text", "image", "video"}


def test_jobs_and_budget_documents(one_project):
    from aiuteur import jobs
    from aiuteur.costs import budgets
    from aiuteur.documents import budget_document, jobs_document
    from aiuteur.store import open_store

    printed_jobs = _json("jobs", "p", "--json", "-w", str(one_project))
    printed_budget = _json("budget", "p", "--set", "5", "--mode", "cap", "--json", "-w", str(one_project))
    with open_store(one_project) as store:
        project = store.get_project("p")
        assert jobs_document(jobs.progress(store, project), jobs.list_jobs(store, project.id)) == printed_jobs
        assert budget_document(budgets.budget_status(store, project)) == printed_budget
    assert printed_jobs["jobs"] == [] and printed_jobs["counts"]["total"] == 0
    assert printed_budget["budget"]["limit_usd"] == 5 and printed_budget["budget"]["mode"] == "cap"
    assert printed_budget["remaining_usd"] == 5
