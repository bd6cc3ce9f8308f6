"""Studio pages beyond the stage timeline and review. Each module defines `TITLE: str`, `ORDER: int`
and `page(model: StudioModel) -> panel Viewable`; the studio app shows them as tabs in ORDER."""
from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def discover() -> list[ModuleType]:
    modules = [importlib.import_module(f"{__name__}.{i.name}") for i in pkgutil.iter_modules(__path__)]
    return sorted(modules, key=lambda m: m.ORDER)
