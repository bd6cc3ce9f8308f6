"""Story commands (stages 1-4 and story timelines): `aiuteur new`, `run`, `script`, `scenes`,
`branch`, `capsules`. Each calls the library; `--json` output is stable (docs/cli.md)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table


def _slug(title: str) -> str:
    from aiuteur.store.projects import name_for_title

    return name_for_title(title)  # letters of any script kept; an emoji-only title gets film-<hash>


def _dump(data: object) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def register(app: typer.Typer) -> None:
    from aiuteur.cli import JsonOpt, WorkspaceOpt, _guard, _store, console

    @app.command("new")
    @_guard
    def new(
        title: str = typer.Argument(..., help="The film's title."),
        idea: Optional[str] = typer.Option(None, "--idea", help="The idea: a sentence or more."),
        files: list[Path] = typer.Option([], "--file", help="A source file (txt, md, fountain, fdx, pdf); repeat for several, in order."),
        labels: list[str] = typer.Option([], "--label", help="A label per --file, in the same order (notes, draft script, world bible...)."),
        name: Optional[str] = typer.Option(None, "--name", help="Project name in the workspace (default: the title as a slug)."),
        mode: Optional[str] = typer.Option(None, "--mode", help="expand, adapt or import (default: follows from the inputs)."),
        genre: str = typer.Option("drama", "--genre"),
        tone: str = typer.Option("hopeful", "--tone"),
        rating: str = typer.Option("PG", "--rating", help="Audience rating."),
        minutes: float = typer.Option(3.0, "--minutes", help="Target length in minutes."),
        aspect: str = typer.Option("16:9", "--aspect", help="16:9, 9:16, 1:1, 4:3 or 2.39:1."),
        resolution: str = typer.Option("720p", "--resolution", help="Frames and clips: preview, 720p, 1080p, 2160p or WxH (docs/render.md)."),
        language: str = typer.Option("en", "--language"),
        writing_style: Optional[str] = typer.Option(None, "--writing-style", help="Writing capsule name (see `aiuteur capsules`)."),
        visual_style: Optional[str] = typer.Option(None, "--visual-style", help="Visual capsule name, locked for every image and video prompt."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Start a project from an idea, from files, or both (stage 1); the mode follows from the inputs."""
        from aiuteur.documents import new_project_document
        from aiuteur.models.project import ProjectConfig
        from aiuteur.stages import input as input_stage

        if not idea and not files:
            raise ValueError("give --idea TEXT or at least one --file PATH")
        if mode not in (None, "expand", "adapt", "import"):
            raise ValueError(f"--mode: {mode!r} is not one of expand, adapt, import")
        config = ProjectConfig(title=title, genre=genre, tone=tone, audience_rating=rating, target_minutes=minutes,
                               aspect_ratio=aspect, language=language, writing_style=writing_style,  # type: ignore[arg-type]
                               visual_style=visual_style, resolution=resolution)
        with _store(workspace) as store:
            project, version = input_stage.start(store, name or _slug(title), idea or "", config, files=files,
                                                 labels=labels or None, mode=mode)  # type: ignore[arg-type]
            story = version.model(input_stage.StoryInput)
            script = store.head(project, "script")
            data = new_project_document(store, project, version)
        if as_json:
            _dump(data)
            return
        console.print(f"created [bold]{project.name}[/] ({project.id}), mode [bold]{story.mode}[/]")
        for s in data["sources"]:
            console.print(f"  {s['label']}: {s['name']} ({s['kind']}{', screenplay' if s['screenplay'] else ''})")
        if script:
            console.print(f"  imported {data['imported_scenes']} scenes: stages 2-3 marked imported; approve the script next")

    @app.command("run")
    @_guard
    def run_until(
        project: str = typer.Argument(..., help="Project name, id or title."),
        until: str = typer.Option("script", "--until", help="Last stage to run: a slug (treatment, beats, script, assets...) or number."),
        lock_defaults: bool = typer.Option(False, "--lock-defaults", help="Pass every gate with its default instead of stopping."),
        out: Optional[Path] = typer.Option(None, "--out", help="Delivery folder (used when running to stage 12)."),
        text_engine: Optional[str] = typer.Option(None, "--text", help="Text engine id (default: $AIUTEUR_TEXT_ENGINE, the project's, else offline)."),
        image_engine: Optional[str] = typer.Option(None, "--image", help="Image engine id (default: $AIUTEUR_IMAGE_ENGINE, the project's, else offline)."),
        video_engine: Optional[str] = typer.Option(None, "--video", help="Video engine id (default: $AIUTEUR_VIDEO_ENGINE, the project's, else offline)."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Run the stages up to --until; stops at the first gate a person must pass unless --lock-defaults."""
        from aiuteur.documents import run_document
        from aiuteur.engines.config import engines_for
        from aiuteur.pipeline import run
        from aiuteur.stages.catalog import stage
        from aiuteur.stages.gate_actions import next_gate
        from aiuteur.stages.status import project_status

        try:
            info = stage(until)  # before the workspace is opened: a bad --until writes nothing
        except ValueError as exc:
            raise ValueError(f"--until: {exc}") from None
        with _store(workspace) as store:
            found = store.get_project(project)
            # a bad engine id or a missing key fails here, before any stage runs
            engines = engines_for(store, found, text=text_engine, image=image_engine, video=video_engine)
            report = run(store, found, engines, until=info.slug, auto_lock=lock_defaults, out_dir=out)
            document = run_document(store, found, info.slug, engines, report) if as_json else None
            rows = [] if as_json else project_status(store, found)
            waiting = None if as_json else report.stopped_at or next_gate(store, found)
        stopped = report.stopped_at
        if document is not None:
            _dump(document)
        else:
            for r in rows[: info.number]:
                console.print(f"{r.number:>2} {r.title:<20} {r.state}{' (imported)' if r.imported else ''}")
            if waiting is not None and not stopped:
                console.print(f"next gate: stage {waiting.stage} ({waiting.title}): {waiting.waiting}; "
                              f"pass it with: {waiting.command}", markup=False, highlight=False)
        if stopped is not None:
            from aiuteur.cli import err
            from aiuteur.stages.catalog import stage as stage_of

            err.print(f"stopped before stage {info.number}: stage {stopped.stage} '{stage_of(stopped.stage).title}' "
                      f"waits for a person to {stage_of(stopped.stage).gate} ({stopped.waiting}). "
                      f"Pass it with: {stopped.command}  (or run with --lock-defaults)",
                      markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(1)

    @app.command("script")
    @_guard
    def script_export(
        project: str = typer.Argument(..., help="Project name, id or title."),
        fmt: str = typer.Option("fountain", "--format", help="fountain, pdf or html."),
        output: Path = typer.Option(..., "-o", "--output", help="File to write."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Export the master script as Fountain, or as PDF/HTML in industry layout (Courier 12)."""
        from aiuteur.documents import script_export_document
        from aiuteur.stages import script

        if fmt not in ("fountain", "pdf", "html"):
            raise ValueError(f"--format: {fmt!r} is not one of fountain, pdf, html")
        with _store(workspace) as store:
            found = store.get_project(project)
            head = store.require_head(found, "script")
            path = script.export(store, found, fmt, output)  # type: ignore[arg-type]
        data = script_export_document(path, fmt, head)
        if as_json:
            _dump(data)
        else:
            console.print(f"wrote {path} ({fmt}, {data['bytes']:,} bytes) from {head.label} ({head.status})")

    @app.command("scenes")
    @_guard
    def scenes(
        project: str = typer.Argument(..., help="Project name, id or title."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """The master script's scenes: heading, INT/EXT, location, time, characters, page-eighths."""
        from aiuteur.stages import script

        with _store(workspace) as store:
            rows = script.scene_rows(script.current(store, store.get_project(project)))
        if as_json:
            _dump(rows)
            return
        table = Table("#", "heading", "int/ext", "location", "time", "characters", "8ths")
        for r in rows:
            table.add_row(str(r["number"]), r["heading"], r["int_ext"] or "", r["location"], r["time"] or "",
                          ", ".join(r["characters"]), str(r["eighths"]))
        console.print(table)

    @app.command("branch")
    @_guard
    def branch(
        project: str = typer.Argument(..., help="Project name, id or title."),
        action: str = typer.Argument("list", help="list, new NAME, switch NAME, diff A B, or delete NAME."),
        names: list[str] = typer.Argument(None, help="Branch name(s) for the action."),
        message: str = typer.Option("", "-m", "--message", help="Why the new branch exists (required for new)."),
        force: bool = typer.Option(False, "--force", help="delete: also a branch with locked work, or the current one."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Story timelines: list, new NAME -m MSG, switch NAME, diff A B (text diffs), delete NAME [--force]."""
        from aiuteur.stages import timelines

        names = names or []
        wanted = {"list": 0, "new": 1, "switch": 1, "diff": 2, "delete": 1}
        if action not in wanted:
            raise ValueError(f"action: {action!r} is not one of {', '.join(wanted)}")
        if len(names) != wanted[action]:
            raise ValueError(f"`branch {action}` takes {wanted[action]} branch name(s), got {len(names)}")
        with _store(workspace) as store:
            found = store.get_project(project)
            if action == "new":
                timelines.new_branch(store, found, names[0], message)
            elif action == "switch":
                timelines.switch(store, found, names[0])
            elif action == "delete":
                timelines.delete(store, found, names[0], force=force)
            if action == "diff":
                comparison = timelines.compare(store, found, names[0], names[1])
                if as_json:
                    _dump(comparison.model_dump())
                    return
                for d in comparison.artifacts:
                    if d.state != "same":
                        console.print(f"[bold]{d.artifact_key}[/]: {d.state} ({d.a or '-'} -> {d.b or '-'})")
                        if d.diff:
                            console.print(d.diff, markup=False, highlight=False)
                if not comparison.differing:
                    console.print(f"{names[0]} and {names[1]} have the same heads")
                return
            rows = timelines.list_branches(store, found)
        if as_json:
            _dump(rows)
            return
        for r in rows:
            mark = "*" if r["current"] else " "
            console.print(f"{mark} {r['name']:<16} {r['heads']:>3} heads, locked: {', '.join(r['locked']) or '-'}  "
                          f"{r['message']}")

    @app.command("capsules")
    @_guard
    def capsules(
        kind: Optional[str] = typer.Option(None, "--kind", help="writing or visual (default: both)."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """The style capsules the workspace can use: its shared library, then the shipped presets."""
        from aiuteur.capsules import list_capsules
        from aiuteur.documents import capsules_document

        if kind not in (None, "writing", "visual"):
            raise ValueError(f"--kind: {kind!r} is not writing or visual")
        with _store(workspace) as store:
            found = list_capsules(store, kind)  # type: ignore[arg-type]
        rows = capsules_document(found)
        if as_json:
            _dump(rows)
            return
        table = Table("kind", "name", "version", "source", "description")
        for r in rows:
            table.add_row(r["kind"], r["name"], str(r["version"]), r["source"], r["description"])
        console.print(table)
