"""`aiuteur engines` (what each model accepts, its price, whether its key is set) and
`aiuteur use-engines` (store a project's engine choice)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table


def _rows(kind: Optional[str]) -> list[dict]:
    from aiuteur.costs.prices import UnknownPrice, load_prices
    from aiuteur.engines import capabilities
    from aiuteur.engines.providers.keys import KEY_ENV, key_set

    prices = load_prices()
    rows = []
    for row in capabilities.table(kind):
        engine_id = row["engine_id"]
        try:
            price = {k: v for k, v in prices.entry(engine_id).items()
                     if k.startswith(("input_per", "output_per", "per_"))}
        except UnknownPrice:
            price = None
        names = row["keys"] or list(KEY_ENV.get(engine_id.partition(":")[0], ()))
        row["key_set"] = key_set(engine_id.partition(":")[0], names)
        row["price"] = price
        rows.append(row)
    return rows


def _provider_rows(kind: Optional[str]) -> list[dict]:
    """Every registered provider (built-in and plug-in): where it comes from, whether it is local,
    and the ids it serves (`provider:*` when it takes any model name)."""
    from aiuteur.engines.registry import registered

    return [{"kind": p.kind, "provider": p.provider, "source": p.source, "hook": p.hook, "local": p.local,
             "ids": p.ids() or [f"{p.provider}:*"]} for p in registered(kind)]


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
    from aiuteur.cli import JsonOpt, WorkspaceOpt, _guard, _store, console

    @app.command("engines")
    @_guard
    def engines(
        kind: Optional[str] = typer.Option(None, "--kind", help="Only text, image or video models."),
        project: Optional[str] = typer.Option(None, "--project", "-p", help="Also show the engines this project would use."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """List the engines: the real models (what each accepts, price, key set or not), then every
        provider built in or added by a plug-in, with its ids."""
        from aiuteur.engines.config import resolve
        from aiuteur.engines.registry import plugin_problems

        if kind is not None and kind not in ("text", "image", "video"):
            raise ValueError(f"--kind must be text, image or video, not {kind!r}")
        rows = _rows(kind)
        provider_rows = _provider_rows(kind)
        problems = plugin_problems()
        choice = None
        if project is not None:
            with _store(workspace) as store:
                found = store.get_project(project)
                choice = resolve(store, found)
        if as_json:
            out: dict = {"engines": rows, "providers": provider_rows,
                         "plugin_errors": [{"name": p.name, "hook": p.hook, "source": p.source, "reason": p.reason}
                                           for p in problems]}
            if choice is not None:
                out["project"] = {"ids": choice.ids(), "sources": choice.sources}
            print(json.dumps(out, indent=2))
            return
        table = Table(title="engines (data/capabilities.json, data/prices.json)")
        for column in ("engine", "kind", "status", "accepts", "price (USD)", "key"):
            table.add_column(column)
        for row in rows:
            price = row["price"]
            price_text = ", ".join(f"{k} {v:g}" for k, v in price.items() if isinstance(v, (int, float))) if price else "unknown"
            keys = " or ".join(row["keys"]) if row["keys"] else "-"
            status = row["status"] + (f" {row['retired_on']}" if row.get("retired_on") else "")
            table.add_row(row["engine_id"], row["kind"], status, _accepts(row), price_text,
                          f"{keys} ({'set' if row['key_set'] else 'not set'})" if row["keys"] else "-")
        console.print(table)
        providers = Table(title="providers (built in, and plug-ins from the aiuteur.engines entry points)")
        for column in ("kind", "provider", "ids", "from", "runs"):
            providers.add_column(column)
        for row in provider_rows:
            providers.add_row(row["kind"], row["provider"], ", ".join(row["ids"]), row["source"],
                              "local, free" if row["local"] else "paid: jobs + budget gate")
        console.print(providers)
        for problem in problems:
            console.print(f"[yellow]plug-in skipped[/] {problem.name} ({problem.hook}, from {problem.source}): "
                          f"{problem.reason}", markup=True, highlight=False)
        if choice is not None:
            console.print(f"project {project}: " + ", ".join(f"{k} {v} ({choice.sources[k]})" for k, v in choice.ids().items()))

    @app.command("use-engines")
    @_guard
    def use_engines(
        project: str = typer.Argument(..., help="Project name or id."),
        text: Optional[str] = typer.Option(None, "--text", help="Text engine id, e.g. openai:gpt-4.1-mini ('' to clear)."),
        image: Optional[str] = typer.Option(None, "--image", help="Image engine id, e.g. gemini:gemini-2.5-flash-image."),
        video: Optional[str] = typer.Option(None, "--video", help="Video engine id, e.g. veo:veo-3.1-fast-generate-preview."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Store the engines a project uses (a new version of its engine settings); env and flags still override."""
        from aiuteur.engines.config import project_settings, resolve, set_project_engines

        ids = {k: v for k, v in (("text", text), ("image", image), ("video", video)) if v is not None}
        with _store(workspace) as store:
            found = store.get_project(project)
            if ids:
                set_project_engines(store, found, **ids)
            settings = project_settings(store, found)
            choice = resolve(store, found)
        if as_json:
            print(json.dumps({"settings": settings.model_dump(), "ids": choice.ids(), "sources": choice.sources}, indent=2))
            return
        for kind, engine_id in choice.ids().items():
            console.print(f"{kind:<6} {engine_id}  ({choice.sources[kind]})")
