"""Showing aiuteur's results inside JupyterLab, offline.

Two things break in a notebook that work in a terminal: a `Video("/tmp/…/film.mp4")` points at a path the
Jupyter server cannot serve (the player stays black), and Panel components load their JavaScript from a
CDN unless told to inline it (they render nothing without a network). `film_player` embeds the film's
bytes in the output and `panel_offline` loads Panel with every resource inline, so both work on a
machine with no network and in a notebook opened from any folder.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from aiuteur.validate import read_regular_file

#: embedding a film larger than this makes the notebook unwieldy: the error says to open the file instead
MAX_EMBEDDED_FILM_BYTES = 200 * 1024 * 1024


def film_player(path: str | Path, *, width: int = 640) -> Any:
    """An inline player for a film file: the MP4 is embedded as data, so it plays wherever the notebook is
    served (or saved), with no URL for the server to resolve."""
    from IPython.display import Video

    film = Path(path)
    data = read_regular_file(film, MAX_EMBEDDED_FILM_BYTES)
    if data[4:8] != b"ftyp":
        raise ValueError(f"{film} is not an MP4 file (no 'ftyp' box at its start): cannot play it inline")
    return Video(data, embed=True, mimetype="video/mp4", width=width, html_attributes="controls")


def panel_offline(*extensions: str, **options: Any) -> None:
    """`pn.extension(...)` with every JavaScript and CSS resource inlined into the notebook (no CDN).

    Panel's `inline=True` inlines Bokeh and Panel but, in a notebook, still fetches an extension's own
    library (Tabulator's tabulator-tables, luxon) from a CDN unless the page already defines it. Panel
    ships those files in its wheel: they are published inline first, so the loader finds them and skips
    the CDN."""
    import importlib

    import panel as pn
    from IPython.display import HTML, Javascript, display

    for name in extensions:
        module = pn.extension._imports.get(name)
        if module:
            importlib.import_module(module)
    scripts, styles = _bundled_extension_files()
    if styles:
        display(HTML("".join(f"<style>{css}</style>" for css in styles)))
    for js in scripts:
        display(Javascript(js))
    pn.extension(*extensions, inline=True, **options)
    pn.config.inline = True


def _bundled_extension_files() -> tuple[list[str], list[str]]:
    """The JavaScript (in load order) and CSS of the loaded Panel models whose libraries Panel's notebook
    loader would otherwise fetch from a CDN, read from the copies bundled in Panel's wheel."""
    from bokeh.model import Model
    from panel.io.resources import BUNDLE_DIR

    prefix = "static/extensions/panel/bundled/"
    scripts: list[str] = []
    styles: list[str] = []
    seen: set[str] = set()
    for qual_name, model in sorted(Model.model_class_reverse_map.items()):
        skip = getattr(model, "__js_skip__", None)
        if "." not in qual_name or not skip:
            continue
        paths = [p for files in skip.values() for p in files] + list(getattr(model, "__css__", None) or [])
        for path in paths:
            if path in seen or not path.startswith(prefix):
                continue
            seen.add(path)
            local = BUNDLE_DIR / path[len(prefix):]
            if local.is_file():
                (styles if path.endswith(".css") else scripts).append(local.read_text(encoding="utf-8"))
    return scripts, styles
