"""`aiuteur` — one Typer app; each command calls the library and prints. `--json` where scripts read it.

Startup is kept light: this module and every `aiuteur/commands/*.py` import only typer and rich at
the top and import the library (store, stages, engines, numpy...) inside the commands that use it,
so `aiuteur --help` does not load the pipeline (benchmarks/cli_startup.py; tests/unit/test_cli_surface.py).
"""
from __future__ import annotations

import functools
import json
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

import typer
import typer.core
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from aiuteur import __version__
from aiuteur.errors import user_errors

if TYPE_CHECKING:
    from pydantic import ValidationError

    from aiuteur.store import Store

#: the largest idea file `--idea-file` reads
MAX_IDEA_FILE_BYTES = 1024 * 1024


def _flag_type(self: typer.core.TyperOption, ctx: object) -> str | None:
    """A flag (`--json`, `--yes`, `--help`) takes no value: show no `<bool>` after it in the help."""
    if self.is_flag and not self.secondary_opts:
        return None
    return _typer_display_type_rich(self, ctx)


# typer 0.29 labels every option with its type, so a flag reads as if it took a value (`--json <bool>`)
_typer_display_type_rich = typer.core.TyperOption.display_type_rich
typer.core.TyperOption.display_type_rich = _flag_type  # type: ignore[method-assign]


def _version(value: bool) -> None:
    if value:
        print(f"aiuteur {__version__}")
        raise typer.Exit()


app = typer.Typer(help="aiuteur: from a one-line idea to an edited, reviewable film.", no_args_is_help=True,
                  add_completion=False, context_settings={"help_option_names": ["-h", "--help"]})


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """aiuteur: from a one-line idea to an edited, reviewable film."""


console = Console()
err = Console(stderr=True)

WorkspaceOpt = typer.Option(None, "--workspace", "-w", help="Workspace: a .duckdb file or a postgresql:// URL "
                                                              "(default: $AIUTEUR_WORKSPACE, else ./aiuteur.duckdb).")
JsonOpt = typer.Option(False, "--json", help="Print JSON for scripts.")


def _store(workspace: Optional[Path]) -> "Store":
    from aiuteur.store import default_workspace, open_store

    return open_store(workspace or default_workspace())


def _fail(message: str) -> None:
    # one line (the terminal wraps it, not us); a name in the message is text, not markup
    err.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(1)


def print_rows(title: str, columns: "tuple[str, ...] | list[str]", rows: "list[list[str]]") -> None:
    """A table when the terminal is wide enough to show every word whole; else one block per row
    (the first cell on its own line, then `column: value` lines the terminal wraps), so an id a user
    must copy is never cut with an ellipsis. Cells are text, not markup."""
    from rich.cells import cell_len
    from rich.text import Text

    def longest_word(cell: str) -> int:
        return max((cell_len(word) for word in cell.split()), default=0)

    # the narrowest table that cuts nothing: the first column whole, the others their longest word
    widths = [max([cell_len(line) for cell in [columns[0], *(r[0] for r in rows)] for line in cell.splitlines()] or [0])]
    widths += [max(longest_word(cell) for cell in [column, *(r[i] for r in rows)])
               for i, column in enumerate(columns) if i > 0]
    if sum(widths) + 3 * len(widths) + 1 <= console.width:
        table = Table(title=title)
        for index, column in enumerate(columns):
            table.add_column(column, no_wrap=index == 0, min_width=widths[index], overflow="fold")
        for row in rows:
            table.add_row(*(Text(cell) for cell in row))
        console.print(table)
        return
    console.print(Text(title, style="italic"), soft_wrap=True)
    for row in rows:
        console.print(Text(row[0], style="bold"), soft_wrap=True)
        for column, cell in zip(columns[1:], row[1:]):
            console.print(Text(f"  {column}: {cell.replace(chr(10), ', ')}"), soft_wrap=True)


#: what an interrupted command prints: every stage commits in one transaction, so the work of the
#: stages that finished is in the workspace and the stage that was cut off left nothing half-written
INTERRUPTED = "interrupted: nothing finished was lost; run again to continue"

def _validation_error() -> type[BaseException] | None:
    """pydantic's ValidationError when pydantic is loaded (a model can only fail validation then)."""
    return getattr(sys.modules.get("pydantic_core"), "ValidationError", None)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so the same unwinding (rollback, closing the workspace) runs."""


#: set when SIGTERM arrived: a library that swallows the handler's exception (DuckDB turns it into
#: "Query interrupted") still exits with SIGTERM's code
_sigterm_seen = threading.Event()


def _raise_terminated(signum: int, frame: object) -> None:
    _sigterm_seen.set()
    raise Terminated()


def _catch_sigterm() -> object | None:
    """SIGTERM raises `Terminated` while a command runs (main thread only); returns the old handler."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _raise_terminated)


#: how many times a command that lost a race to another writer, and kept nothing, is run in all
CONFLICT_ATTEMPTS = 8
CONFLICT_PAUSE_S = 0.05


def _changes_kept() -> int:
    """Changes this process kept so far (`aiuteur.store.errors.changes_kept`): 0 before the store is loaded."""
    errors = sys.modules.get("aiuteur.store.errors")
    return errors.changes_kept() if errors is not None else 0


def _lost_race(exc: BaseException) -> bool:
    """A `WriteConflict` (e.g. `HeadMoved`): another writer got there first and nothing of that write was kept."""
    conflict = getattr(sys.modules.get("aiuteur.store.errors"), "WriteConflict", None)
    return conflict is not None and isinstance(exc, conflict)


def _repeating_lost_races(command: Callable[[], object]) -> object:
    """Run a command; when it lost a race to another writer on a shared (PostgreSQL) workspace before
    it kept any change, run it again from the start, as the store asks of every writer ("read again
    and repeat the change", `retry_on_conflict`): it reads the new state and makes its change on it.
    Up to CONFLICT_ATTEMPTS runs, each repeat said on stderr. A conflict after the command kept a
    change is reported as it is, never repeated: nothing is done twice."""
    import random

    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        kept = _changes_kept()
        try:
            return command()
        except Exception as exc:
            if attempt == CONFLICT_ATTEMPTS or not _lost_race(exc) or _changes_kept() != kept:
                raise
            err.print(f"aiuteur: lost a race to another writer and kept nothing; running the command again "
                      f"({attempt + 1} of {CONFLICT_ATTEMPTS}): {exc}", markup=False, highlight=False, soft_wrap=True)
            time.sleep(CONFLICT_PAUSE_S * attempt * (0.5 + random.random()))
    raise AssertionError("unreachable")


def _validation_message(exc: "ValidationError") -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'input'}: {e['msg']}" for e in exc.errors())


def _guard(fn):
    """Typed errors become one red line and exit code 1; Ctrl-C and SIGTERM become the one line
    `INTERRUPTED` and exit codes 130 and 143; nothing else is swallowed. A command that lost a race
    to another writer before it kept anything runs again (`_repeating_lost_races`)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        _sigterm_seen.clear()  # a SIGTERM an earlier command in this process saw is not this one's
        previous = _catch_sigterm()
        try:
            return _repeating_lost_races(lambda: fn(*args, **kwargs))
        except KeyboardInterrupt as exc:
            err.print(INTERRUPTED, markup=False, highlight=False)
            raise typer.Exit(143 if isinstance(exc, Terminated) or _sigterm_seen.is_set() else 130) from None
        except Exception as exc:
            validation = _validation_error()
            if validation is not None and isinstance(exc, validation):
                _fail(_validation_message(exc))  # type: ignore[arg-type]
            if isinstance(exc, user_errors()):
                _fail(str(exc))
            raise
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)  # type: ignore[arg-type]
    return wrapper


def _read_idea(idea: Optional[str], idea_file: Optional[Path]) -> tuple[str, Optional[str]]:
    """The idea text and an optional `Title:` from its first line."""
    from aiuteur.validate import read_regular_file

    if idea_file is not None:  # a regular file of at most 1 MB: never a FIFO or /dev/zero
        try:
            idea = read_regular_file(idea_file, MAX_IDEA_FILE_BYTES).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"cannot read the idea file {idea_file}: it is not UTF-8 text ({exc.reason})") from exc
    if idea is None:
        idea = default_idea_file().read_text(encoding="utf-8")
    lines = idea.strip().splitlines()
    title = None
    if lines and lines[0].lower().startswith("title:"):
        title, lines = lines[0].split(":", 1)[1].strip(), lines[1:]
    text = "\n".join(lines).strip()
    if not text:
        raise ValueError("the idea is empty: give --idea TEXT or --idea-file PATH with a few sentences")
    return text, title


def default_idea_file() -> Path:
    """The sample idea: in the repository's data/, or packed into an installed wheel."""
    from importlib import resources  # only here: `aiuteur --help` does not pay for it

    here = Path(__file__).resolve().parents[1] / "data" / "ideas" / "lighthouse.txt"
    return here if here.exists() else Path(str(resources.files("aiuteur") / "_data" / "ideas" / "lighthouse.txt"))


@app.command()
@_guard
def demo(
    idea: Optional[str] = typer.Option(None, "--idea", help="The idea, a few sentences (default: the sample in data/ideas)."),
    idea_file: Optional[Path] = typer.Option(None, "--idea-file", help="Read the idea from a text file."),
    out: Path = typer.Option(Path("aiuteur_demo"), "--out", help="Folder for the film and exports."),
    name: str = typer.Option("demo", "--name", help="Project name in the workspace."),
    title: Optional[str] = typer.Option(None, "--title", help="Film title (default: the idea's Title: line or its first words)."),
    minutes: float = typer.Option(3.0, "--minutes", help="Target length in minutes."),
    aspect: str = typer.Option("16:9", "--aspect", help="Aspect ratio: 16:9, 9:16, 1:1, 4:3, 2.39:1."),
    resolution: str = typer.Option("720p", "--resolution", help="Frames and clips: preview, 720p, 1080p, 2160p or WxH (docs/render.md)."),
    text_engine: Optional[str] = typer.Option(None, "--text", help="Text engine id (default: $AIUTEUR_TEXT_ENGINE, the project's, else offline)."),
    image_engine: Optional[str] = typer.Option(None, "--image", help="Image engine id, e.g. gemini:gemini-2.5-flash-image."),
    video_engine: Optional[str] = typer.Option(None, "--video", help="Video engine id, e.g. veo:veo-3.1-fast-generate-preview."),
    workspace: Optional[Path] = WorkspaceOpt,
) -> None:
    """Run every stage (offline by default: free, no network) and write film.mp4, film.otio/.edl/.xml, script and storyboard."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from aiuteur.engines.config import engines_for
    from aiuteur.models.project import ProjectConfig
    from aiuteur.models.story import StoryInput
    from aiuteur.pipeline import run
    from aiuteur.stages import input as input_stage
    from aiuteur.stages.catalog import STAGES
    from aiuteur.stages.delivery import writable_folder
    from aiuteur.store import StoreError
    from aiuteur.validate import check_name

    started = time.perf_counter()
    text, found_title = _read_idea(idea, idea_file)
    config = ProjectConfig(title=title or found_title or input_stage.title_from_idea(text), target_minutes=minutes,
                           aspect_ratio=aspect, resolution=resolution)  # type: ignore[arg-type]
    StoryInput(idea=text, config=config)  # the idea and the name are refused before any folder or workspace
    check_name(name, "--name")
    with _store(workspace) as store:
        known = {p.name for p in store.list_projects()}
        # a bad engine id or a missing key fails here, before anything is written
        engines = engines_for(store, store.get_project(name) if name in known else None, text=text_engine,
                              image=image_engine, video=video_engine)
        out = writable_folder(out.resolve())  # after every refusal, before anything is written to the workspace
        try:
            project = store.get_project(name)
            input_stage.revise(store, project, text, config)
            project = store.get_project(name)
        except StoreError:
            project, _ = input_stage.start(store, name, text, config)
        with Progress(TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, transient=not sys.stdout.isatty()) as bar:
            tasks = {s.slug: bar.add_task(f"{s.number:>2} {s.title}", total=1) for s in STAGES[1:]}

            def progress(slug: str, done: int, total: int, message: str) -> None:
                for other in list(tasks)[: list(tasks).index(slug)]:
                    bar.update(tasks[other], completed=bar.tasks[tasks[other]].total)
                bar.update(tasks[slug], total=max(total, 1), completed=done)

            report = run(store, project, engines, until="video", auto_lock=True, out_dir=out, progress=progress)
            for task in tasks.values():
                bar.update(task, completed=bar.tasks[task].total)
        film, delivery, confirmation = report.film, report.delivery, report.confirmation
        assert film and delivery and confirmation
        offline = all(e.startswith("offline:") for e in engines.ids().values())
        table = Table(title=f"{config.title} — {'offline demo' if offline else 'demo'}", show_header=False)
        table.add_row("project", f"{project.name} ({project.id}) in {store.path}")
        table.add_row("scenes / shots", f"{len({c.scene for c in film.clips})} / {len(film.clips)}")
        table.add_row("film duration", f"{film.duration:.1f} s")
        table.add_row("cost offline" if offline else "estimated cost", f"${confirmation.estimate.total_usd:.2f}"
                      + ("" if offline else f" ({', '.join(engines.ids().values())})"))
        ref = confirmation.reference
        table.add_row("on real models", f"${ref.total_usd:.2f} ({ref.engines['text']}, {ref.engines['image']}, {ref.engines['video']})")
        table.add_row("wall time", f"{time.perf_counter() - started:.1f} s (" +
                      ", ".join(f"{k} {v:.1f}s" for k, v in report.phases.items()) + ")")
        for label, path in (("film", delivery.film), ("OTIO", delivery.otio), ("EDL", delivery.edl),
                            ("FCP XML", delivery.xml), ("script", delivery.script), ("storyboard", delivery.contact_sheet)):
            table.add_row(label, str(path))
        console.print(table)


@app.command()
@_guard
def projects(workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """List the projects in the workspace."""
    from aiuteur.documents import projects_document

    with _store(workspace) as store:
        found = store.list_projects()
        if as_json:
            print(json.dumps(projects_document(found), indent=2))
            return
        table = Table("name", "id", "title", "branch", "created")
        for p in found:
            table.add_row(p.name, p.id, p.config.title, p.branch, p.created_at.strftime("%Y-%m-%d %H:%M"))
        console.print(table if found else f"no projects in {store.path}")


@app.command()
@_guard
def status(project: str = typer.Argument(..., help="Project name, id or title."), workspace: Optional[Path] = WorkspaceOpt,
           as_json: bool = JsonOpt) -> None:
    """Each stage's state (not started, draft, locked, done, stale) and its versions."""
    from aiuteur.documents import status_document
    from aiuteur.stages.status import project_status

    with _store(workspace) as store:
        found = store.get_project(project)
        rows = project_status(store, found)
        if as_json:
            print(json.dumps(status_document(rows), indent=2))
            return
        colours = {"locked": "green", "done": "green", "draft": "yellow", "stale": "red", "not started": "dim"}
        table = Table("#", "stage", "state", "artifacts", "versions", "why", title=f"{found.name} ({found.branch})")
        for r in rows:
            flags = f"{len(r.answer_flags)} flag(s) on the engine's answers to check" if r.answer_flags else ""
            table.add_row(str(r.number), r.title, f"[{colours[r.state]}]{r.state}[/]", str(r.artifacts),
                          str(r.versions), "; ".join(r.reasons[:2]) or flags)
        console.print(table)


@app.command()
@_guard
def delete(project: str = typer.Argument(..., help="Project name, id or title."), yes: bool = typer.Option(False, "--yes", help="Confirm."),
           workspace: Optional[Path] = WorkspaceOpt) -> None:
    """Delete a project and all its versions (asks for --yes)."""
    with _store(workspace) as store:
        store.delete_project(project, confirm=yes)
        console.print(f"deleted {project}")


def _register_areas() -> None:
    from aiuteur.commands import register_all

    register_all(app)


_register_areas()

if __name__ == "__main__":  # pragma: no cover
    app()
