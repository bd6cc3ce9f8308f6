"""`aiuteur` — one Typer app; each command calls the library and prints. `--json` where scripts read it."""
from __future__ import annotations

import functools
import json
from importlib import resources
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Optional

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from aiuteur.engines.config import engines_for
from aiuteur.engines.protocols import EngineError
from aiuteur.export import ExportError
from aiuteur.models.project import ProjectConfig
from aiuteur.pipeline import run
from aiuteur.render import RenderError
from aiuteur.stages import input as input_stage
from aiuteur.stages.catalog import STAGES
from aiuteur.stages.delivery import writable_folder
from aiuteur.stages.gates import StageError
from aiuteur.stages.status import project_status
from aiuteur.store import Store, StoreError, default_workspace, open_store
from aiuteur.models.story import StoryInput
from aiuteur.validate import check_name, read_regular_file

#: the largest idea file `--idea-file` reads
MAX_IDEA_FILE_BYTES = 1024 * 1024

app = typer.Typer(help="aiuteur: from a one-line idea to an edited, reviewable film.", no_args_is_help=True,
                  add_completion=False)
console = Console()
err = Console(stderr=True)

WorkspaceOpt = typer.Option(None, "--workspace", "-w", help="Workspace file (default: $AIUTEUR_WORKSPACE, else ./aiuteur.duckdb).")
JsonOpt = typer.Option(False, "--json", help="Print JSON for scripts.")


def _store(workspace: Optional[Path]) -> Store:
    return open_store(workspace or default_workspace())


def _fail(message: str) -> None:
    # one line (the terminal wraps it, not us); a name in the message is text, not markup
    err.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(1)


#: what an interrupted command prints: every stage commits in one transaction, so the work of the
#: stages that finished is in the workspace and the stage that was cut off left nothing half-written
INTERRUPTED = "interrupted: nothing finished was lost; run again to continue"


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so the same unwinding (rollback, closing the workspace) runs."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


def _catch_sigterm() -> object | None:
    """SIGTERM raises `Terminated` while a command runs (main thread only); returns the old handler."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _raise_terminated)


def _validation_message(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'input'}: {e['msg']}" for e in exc.errors())


def _guard(fn):
    """Typed errors become one red line and exit code 1; Ctrl-C and SIGTERM become the one line
    `INTERRUPTED` and exit codes 130 and 143; nothing else is swallowed."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        previous = _catch_sigterm()
        try:
            return fn(*args, **kwargs)
        except KeyboardInterrupt as exc:
            err.print(INTERRUPTED, markup=False, highlight=False)
            raise typer.Exit(143 if isinstance(exc, Terminated) else 130) from None
        except ValidationError as exc:
            _fail(_validation_message(exc))
        except (StoreError, StageError, EngineError, ExportError, RenderError, ValueError, OSError) as exc:
            _fail(str(exc))
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)  # type: ignore[arg-type]
    return wrapper


def _read_idea(idea: Optional[str], idea_file: Optional[Path]) -> tuple[str, Optional[str]]:
    """The idea text and an optional `Title:` from its first line."""
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
    text_engine: Optional[str] = typer.Option(None, "--text", help="Text engine id (default: $AIUTEUR_TEXT_ENGINE, the project's, else offline)."),
    image_engine: Optional[str] = typer.Option(None, "--image", help="Image engine id, e.g. gemini:gemini-2.5-flash-image."),
    video_engine: Optional[str] = typer.Option(None, "--video", help="Video engine id, e.g. veo:veo-3.1-fast-generate-preview."),
    workspace: Optional[Path] = WorkspaceOpt,
) -> None:
    """Run every stage (offline by default: free, no network) and write film.mp4, film.otio/.edl/.xml, script and storyboard."""
    started = time.perf_counter()
    text, found_title = _read_idea(idea, idea_file)
    config = ProjectConfig(title=title or found_title or input_stage.title_from_idea(text), target_minutes=minutes,
                           aspect_ratio=aspect)  # type: ignore[arg-type]
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
    with _store(workspace) as store:
        found = store.list_projects()
        if as_json:
            print(json.dumps([{"id": p.id, "name": p.name, "title": p.config.title, "branch": p.branch,
                               "created_at": p.created_at.isoformat()} for p in found], indent=2))
            return
        table = Table("name", "id", "title", "branch", "created")
        for p in found:
            table.add_row(p.name, p.id, p.config.title, p.branch, p.created_at.strftime("%Y-%m-%d %H:%M"))
        console.print(table if found else f"no projects in {store.path}")


@app.command()
@_guard
def status(project: str = typer.Argument(..., help="Project name or id."), workspace: Optional[Path] = WorkspaceOpt,
           as_json: bool = JsonOpt) -> None:
    """Each stage's state (not started, draft, locked, done, stale) and its versions."""
    with _store(workspace) as store:
        found = store.get_project(project)
        rows = project_status(store, found)
        if as_json:
            print(json.dumps([r.model_dump() for r in rows], indent=2))
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
def delete(project: str = typer.Argument(..., help="Project name or id."), yes: bool = typer.Option(False, "--yes", help="Confirm."),
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
