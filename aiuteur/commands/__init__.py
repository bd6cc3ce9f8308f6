"""CLI command modules. Each module here defines `register(app: typer.Typer) -> None` and is found
by `register_all`, so an area of the product adds commands without editing `aiuteur/cli.py`."""
from __future__ import annotations

import importlib
import pkgutil

import typer


def register_all(app: typer.Typer) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.register(app)
