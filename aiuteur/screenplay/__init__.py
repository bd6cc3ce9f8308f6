"""Stage 4 screenplay tools: Fountain parsing, canonical formatting, scenes and layout.

Modules, one idea each:

* :mod:`.model` - frozen pydantic models (:class:`Screenplay`, :class:`Element`...)
* :mod:`.parse` - Fountain 1.1 parser (own implementation; see its docstring)
* :mod:`.format` - canonical Fountain writer with the round-trip guarantee
* :mod:`.scenes` - heading parsing, scene list, page-eighths estimate
* :mod:`.layout` - page geometry, wrapping and pagination shared by exports
* :mod:`.html` / :mod:`.pdf` - industry-layout HTML and PDF exports
* :mod:`.emphasis` - ``*italic*``/``**bold**``/``_underline_`` for renderers
"""

from .format import format_fountain
from .html import to_html
from .model import Element, ElementType, FountainError, IntExt, SceneInfo, Screenplay
from .parse import parse
from .pdf import to_pdf
from .scenes import extract_scenes, parse_heading

__all__ = [
    "Element",
    "ElementType",
    "FountainError",
    "IntExt",
    "SceneInfo",
    "Screenplay",
    "extract_scenes",
    "format_fountain",
    "parse",
    "parse_heading",
    "to_html",
    "to_pdf",
]
