"""Production design (stages 5-8): `aiuteur assets`, `aiuteur hub`, `aiuteur shots`, `aiuteur states`,
and the global asset library (`aiuteur asset-library list|promote|import|delete`).

Every command reads through the library (`aiuteur.stages.assets/hub/shots/visual_states`,
`aiuteur.library`) and prints a table, or with `--json` the documented JSON (docs/cli.md).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

_STATUS_COLOURS = {"not started": "dim", "shots draft": "yellow", "shots locked": "cyan", "frames done": "blue",
                   "video done": "green", "stale": "red"}


def register(app: typer.Typer) -> None:
    from aiuteur.cli import JsonOpt, WorkspaceOpt, _guard, _store, console

    @app.command("assets")
    @_guard
    def assets_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        kind: Optional[str] = typer.Option(None, "--kind", help="Only character, location or prop."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Stage 5: the project's assets (characters, locations, props) with scenes, description and image."""
        if kind is not None and kind not in ("character", "location", "prop"):
            raise ValueError(f"--kind must be character, location or prop, not {kind!r}")
        from aiuteur.documents import assets_document
        from aiuteur.stages.asset_usage import unused_images as find_unused

        with _store(workspace) as store:
            found = store.get_project(project)
            rows = assets_document(store, found, kind)
            unused_images = [] if as_json else [u for u in find_unused(store, found) if kind is None or u.kind == kind]
        if as_json:
            print(json.dumps(rows, indent=2))
            return
        table = Table("slug", "kind", "name", "aliases", "scenes", "status", "description", title=f"{found.name}: assets")
        for r in rows:
            table.add_row(r["slug"], r["kind"], r["name"], ", ".join(r["aliases"]), _scenes(r["scenes"]),
                          f"v{r['version']} {r['status']}", (r["description"] or "")[:60])
        console.print(table)
        for unused in unused_images:  # paid for, and no frame request carries it
            console.print(f"[yellow]image never sent[/] {unused.slug} ({unused.kind} {unused.name}): {unused.reason}")

    @app.command("hub")
    @_guard
    def hub_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Stage 6: every scene's status and dependencies, unmatched names and continuity risks."""
        from aiuteur.stages import hub

        with _store(workspace) as store:
            found = store.get_project(project)
            overview = hub.overview(store, found)
        if as_json:
            print(overview.model_dump_json(indent=2))
            return
        table = Table("#", "scene", "status", "shots", "s", "characters", "location", "props", "unmatched",
                      title=f"{found.name}: script hub")
        for row in overview.scenes:
            deps = row.dependencies
            colour = _STATUS_COLOURS[row.status]
            table.add_row(str(row.scene), row.heading, f"[{colour}]{row.status}[/]", str(row.shots), f"{row.seconds:g}",
                          ", ".join(deps.characters), deps.location or "-", ", ".join(deps.props),
                          ", ".join(deps.unmatched))
        console.print(table)
        if overview.unmatched:
            console.print(f"[yellow]unmatched names[/] (no asset within {overview.threshold}): "
                          + ", ".join(overview.unmatched))
        for risk in overview.risks:
            console.print(f"[magenta]risk[/] scene {risk.scene} ({risk.kind}): {risk.message}")

    @app.command("shots")
    @_guard
    def shots_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        scene: Optional[int] = typer.Option(None, "--scene", help="Only this scene (its number)."),
        as_csv: bool = typer.Option(False, "--csv", help="Print one CSV row per shot (mandatory fields) for a spreadsheet."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Stage 7: shot lists per scene with every field, validation problems and the version."""
        from aiuteur.documents import shots_document
        from aiuteur.models.shots import Shot, ShotList
        from aiuteur.stages import shots as shots_stage

        if as_json and as_csv:
            raise ValueError("choose one of --json or --csv")
        with _store(workspace) as store:
            found = store.get_project(project)
            tables = shots_document(store, found, scene)
        if as_json:
            print(json.dumps(tables, indent=2))
            return
        if as_csv:
            rows = []
            for t in tables:
                shot_list = ShotList(scene=t["scene"], heading=t["heading"], shots=[Shot(**s) for s in t["shots"]])
                rows += shots_stage.rows(shot_list)
            print(shots_stage.to_csv(rows), end="")
            return
        for t in tables:
            table = Table("shot", "s", "type", "lens", "move", "action / dialogue", "characters",
                          title=f"scene {t['scene']}: {t['heading']} (v{t['version']} {t['status']}, {t['seconds']:g} s)")
            for s in t["shots"]:
                said = f"{s['dialogue']['speaker']}: {s['dialogue']['line']}" if s["dialogue"] else s["action"]
                table.add_row(s["shot_id"], f"{s['duration']:g}", s["shot_type"], s["lens"], s["camera_move"],
                              said[:70], ", ".join(s["characters"]))
            console.print(table)
            for p in t["problems"]:
                console.print(f"  [red]problem[/] {p['shot_id']} {p['field']}: {p['message']}")

    @app.command("states")
    @_guard
    def states_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        asset: str = typer.Option(..., "--asset", help="Asset name, alias or slug (e.g. MARA)."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Stage 8: one asset's state per scene (tags in and out, changes at their shot, flags)."""
        from aiuteur.stages import visual_states

        with _store(workspace) as store:
            found = store.get_project(project)
            timeline = visual_states.timeline(store, found, asset)
        if as_json:
            print(timeline.model_dump_json(indent=2))
            return
        table = Table("#", "scene", "here", "start", "changes", "end", "flags", title=f"{timeline.name} across the film")
        for e in timeline.scenes:
            changes = "; ".join(f"{c.shot_id or 'start'} " + " ".join([*(f"+{t}" for t in c.add_tags),
                                                                      *(f"-{t}" for t in c.remove_tags)])
                                + (f" ({c.author})" if c.source == "manual" else "") for c in e.changes)
            table.add_row(str(e.scene), e.heading, "yes" if e.present else "", ", ".join(e.start), changes,
                          ", ".join(e.end), "; ".join(f.message for f in e.flags if f.open))
        console.print(table)

    library_app = typer.Typer(help="The global asset library shared by every project in the workspace.",
                              no_args_is_help=True)
    app.add_typer(library_app, name="asset-library")

    @library_app.command("list")
    @_guard
    def library_list(
        text: Optional[str] = typer.Argument(None, help="Part of a name or alias (close misspellings match too)."),
        kind: Optional[str] = typer.Option(None, "--kind", help="Only character, location or prop."),
        tag: Optional[str] = typer.Option(None, "--tag", help="Only entries with this tag."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Search the library by name, kind and tag."""
        from aiuteur import library
        from aiuteur.documents import asset_library_document

        if as_json:
            with _store(workspace) as store:
                rows = asset_library_document(store, text, kind, tag)
            print(json.dumps(rows, indent=2))
            return
        with _store(workspace) as store:
            found = library.search(store, text, kind=kind, tag=tag)  # type: ignore[arg-type]
            used = {a.id: [u.project for u in library.usage(store, a.id)] for a in found}
        table = Table("id", "v", "kind", "name", "tags", "used by", "description", title="asset library")
        for a in found:
            table.add_row(a.id, str(a.number), a.kind, a.name, ", ".join(a.tags), ", ".join(sorted(set(used[a.id]))),
                          a.description[:50])
        console.print(table if found else "no library entries match")

    @library_app.command("promote")
    @_guard
    def library_promote(
        project: str = typer.Argument(..., help="Project name, id or title."),
        asset: str = typer.Argument(..., help="The project's asset slug (e.g. char-mara)."),
        tag: list[str] = typer.Option([], "--tag", help="A tag for the library entry (repeatable)."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Copy a project's master asset into the library (a new entry, or a new version of its source)."""
        from aiuteur import library

        with _store(workspace) as store:
            entry = library.promote(store, store.get_project(project), asset, tags=tag)
        print(entry.model_dump_json(indent=2) if as_json else f"{entry.version_id}: {entry.kind} {entry.name}")

    @library_app.command("import")
    @_guard
    def library_import(
        project: str = typer.Argument(..., help="Project name, id or title."),
        library_id: str = typer.Argument(..., help="Library entry id (lib_...)."),
        version: Optional[int] = typer.Option(None, "--version", help="A library version (default: the newest)."),
        workspace: Optional[Path] = WorkspaceOpt,
    ) -> None:
        """Copy a library entry into a project; the copy remembers the library version."""
        from aiuteur import library
        from aiuteur.models.assets import Asset

        with _store(workspace) as store:
            made = library.import_asset(store, store.get_project(project), library_id, version=version)
            asset = made.model(Asset)
        console.print(f"{made.label}: {asset.kind} {asset.name} from {asset.source.version_id if asset.source else '?'}")

    @library_app.command("delete")
    @_guard
    def library_delete(
        library_id: str = typer.Argument(..., help="Library entry id (lib_...)."),
        workspace: Optional[Path] = WorkspaceOpt,
    ) -> None:
        """Delete a library entry; refused while a project uses it (the projects are listed)."""
        from aiuteur import library

        with _store(workspace) as store:
            library.delete(store, library_id)
        console.print(f"deleted {library_id}")


def _scenes(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers[:12])) + (" ..." if len(numbers) > 12 else "")
