"""Public names of a package loaded on first use (PEP 562), so importing the package costs nothing.

`aiuteur` uses it so `aiuteur --help` does not pay for the pipeline, the engines and numpy;
`aiuteur.export` so the process that writes a long cut's AAF does not pay for the models, the
package and the encoder. Each keeps a table, public name -> (module, attribute), and a
`TYPE_CHECKING` block of the same imports for type checkers and editors.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_names(package: str, table: dict[str, tuple[str, str]],
               namespace: dict[str, Any]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The package's ``__getattr__`` and ``__dir__``: a name in ``table`` is imported when first
    read and then kept in ``namespace`` (the package's globals), so it is looked up once."""

    def __getattr__(name: str) -> Any:
        try:
            module_name, attribute = table[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module_name), attribute)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(table))

    return __getattr__, __dir__
