"""`aiuteur engines` (what each model accepts, its price, whether its key is set) and
`aiuteur use-engines` (store a project's engine choice)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape


def _accepts(row: dict) -> str:
    parts = []
    if row["kind"] == "text":
        parts.append(f"structured output: {row['structured_output']}")
    if row["kind"] in ("image", "video") and row["reference_images"]:
        parts.append(f"{row['reference_images']} refs")
    if row["kind"] == "video":
        last = row["last_frame"]
        parts.append("first+last frame" if last else "first frame only")
        durations = row["durations"]
        if durations:
            span = f"{durations[0]}-{durations[-1]}" if len(durations) > 4 else "/".join(map(str, durations))
            parts.append(f"{span} s")
        if row["resolutions"]:
            parts.append("/".join(row["resolutions"]))
        parts.append(f"audio {row['audio']}")
    if row["kind"] == "image" and row["mask"]:
        parts.append("mask edit")
    if row["aspect_ratios"] and row["kind"] != "text":
        parts.append(" ".join(row["aspect_ratios"]))
    return ", ".join(parts)


def register(app: typer.Typer) -> None:
    from aiuteur.cli import JsonOpt, WorkspaceOpt, _guard, _store, console, print_rows

    @app.command("engines")
    @_guard
    def engines(
        kind: Optional[str] = typer.Option(None, "--kind", help="Only text, image or video models."),
        project: Optional[str] = typer.Option(None, "--project", "-p", help="Also show the engines this project (name, id or title) would use."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """List the engines: the real models (what each accepts, price, key set or not), then every
        provider built in or added by a plug-in, with its ids."""
        from aiuteur.documents import check_engine_kind, engines_document
        from aiuteur.engines.config import resolve

        check_engine_kind(kind)
        choice = None
        if project is not None:
            with _store(workspace) as store:
                choice = resolve(store, store.get_project(project))
        document = engines_document(kind, choice)
        if as_json:
            print(json.dumps(document, indent=2))
            return
        engine_lines = []
        for row in document["engines"]:
            price = row["price"]
            price_text = ", ".join(f"{k} {v:g}" for k, v in price.items() if isinstance(v, (int, float))) if price else "unknown"
            keys = " or ".join(row["keys"]) if row["keys"] else "-"
            status = row["status"] + (f" {row['retired_on']}" if row.get("retired_on") else "")
            engine_lines.append([row["engine_id"], row["kind"], status, _accepts(row), price_text,
                                 f"{keys} ({'set' if row['key_set'] else 'not set'})" if row["keys"] else "-"])
        print_rows("engines (data/capabilities.json, data/prices.json)",
                   ("engine", "kind", "status", "accepts", "price (USD)", "key"), engine_lines)
        print_rows("providers (built in, and plug-ins from the aiuteur.engines entry points)",
                   ("provider", "kind", "ids", "from", "runs"),
                   [[row["provider"], row["kind"], "\n".join(row["ids"]), row["source"],
                     "local, free" if row["local"] else "paid: jobs + budget gate"] for row in document["providers"]])
        for problem in document["plugin_errors"]:
            console.print(f"[yellow]plug-in skipped[/] {escape(problem['name'])} ({problem['hook']}, from "
                          f"{escape(problem['source'])}): {escape(problem['reason'])}", markup=True, highlight=False)
        if choice is not None:
            console.print(f"project {project}: " + ", ".join(f"{k} {v} ({choice.sources[k]})" for k, v in choice.ids().items()),
                          markup=False, highlight=False, soft_wrap=True)

    @app.command("use-engines")
    @_guard
    def use_engines(
        project: str = typer.Argument(..., help="Project name, id or title."),
        text: Optional[str] = typer.Option(None, "--text", help="Text engine id, e.g. openai:gpt-4.1-mini ('' to clear)."),
        image: Optional[str] = typer.Option(None, "--image", help="Image engine id, e.g. gemini:gemini-2.5-flash-image."),
        video: Optional[str] = typer.Option(None, "--video", help="Video engine id, e.g. veo:veo-3.1-fast-generate-preview."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Store the engines a project uses (a new version of its engine settings); env and flags still override."""
        from aiuteur.documents import engine_settings_document
        from aiuteur.engines.config import set_project_engines

        ids = {k: v for k, v in (("text", text), ("image", image), ("video", video)) if v is not None}
        with _store(workspace) as store:
            found = store.get_project(project)
            if ids:
                set_project_engines(store, found, **ids)
            document = engine_settings_document(store, found)
        if as_json:
            print(json.dumps(document, indent=2))
            return
        for kind, engine_id in document["ids"].items():
            console.print(f"{kind:<6} {engine_id}  ({document['sources'][kind]})", markup=False, highlight=False)
