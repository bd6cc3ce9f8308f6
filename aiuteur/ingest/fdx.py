"""Final Draft FDX (XML) to Fountain, through the screenplay model so the formatter adds any force
markers a paragraph needs (an all-caps action line stays action, an unusual heading stays a heading).

Paragraph types mapped: Scene Heading, Action, General, Shot, Character, Parenthetical, Dialogue,
Transition, Lyrics; `<DualDialogue>` marks the second cue of the pair as dual (`^`). Other types
(Cast List, New Act...) become action. Text runs (`<Text>` with styles) are joined. The title page's
first paragraph becomes `Title`, a paragraph after "written by" becomes `Author`. XML is parsed with
defusedxml: entity expansion and external entities are refused.
"""
from __future__ import annotations

import re
from xml.etree.ElementTree import Element as XmlElement

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from aiuteur.ingest.errors import IngestError
from aiuteur.screenplay import Element, ElementType, Screenplay, format_fountain

_TYPES = {
    "scene heading": ElementType.SCENE_HEADING,
    "action": ElementType.ACTION,
    "general": ElementType.ACTION,
    "shot": ElementType.ACTION,
    "character": ElementType.CHARACTER,
    "parenthetical": ElementType.PARENTHETICAL,
    "dialogue": ElementType.DIALOGUE,
    "transition": ElementType.TRANSITION,
    "lyrics": ElementType.LYRICS,
}


#: the XML prolog: declaration, processing instructions, comments, a DOCTYPE, whitespace
_PROLOG = re.compile(r"(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)*", re.DOTALL)
#: how much prolog is read to find the root element (a comment can be long; a file is 5 MB at most)
PROLOG_CHARS = 1_000_000


def looks_like_fdx(text: str) -> bool:
    """The document's root element, after its prolog (however long its comments), is `<FinalDraft`."""
    text = text.lstrip("\ufeff")
    if not text.lstrip().startswith("<"):
        return False
    prolog = _PROLOG.match(text, 0, min(len(text), PROLOG_CHARS))
    root = text[prolog.end() if prolog else 0:][:12]
    return root.startswith("<FinalDraft") and (len(root) == 11 or not root[11].isalnum())


def fdx_to_fountain(name: str, text: str) -> str:
    """The screenplay in an FDX document as Fountain text; `IngestError` if it is not one."""
    try:
        root = ElementTree.fromstring(text.encode("utf-8"))
    except (DefusedXmlException, ElementTree.ParseError) as exc:
        raise IngestError(name, f"is not well-formed Final Draft XML: {exc}") from exc
    if root.tag != "FinalDraft":
        raise IngestError(name, f"is XML but not a Final Draft document (root <{root.tag}>, expected <FinalDraft>)")
    content = root.find("Content")
    if content is None:
        raise IngestError(name, "is a Final Draft document without <Content>: no script in it")
    elements: list[Element] = []
    for paragraph in content.findall("Paragraph"):
        elements.extend(_paragraph(paragraph))
    if not any(e.type is ElementType.SCENE_HEADING for e in elements):
        raise IngestError(name, "is a Final Draft document with no scene headings: nothing to import")
    return format_fountain(Screenplay(title_page=_title_page(root), elements=elements))


def _text(paragraph: XmlElement) -> str:
    return "".join(t.text or "" for t in paragraph.findall("Text")).strip()


def _paragraph(paragraph: XmlElement, *, dual: bool = False) -> list[Element]:
    dual_block = paragraph.find("DualDialogue")
    if dual_block is not None:
        out: list[Element] = []
        cues = 0
        for inner in dual_block.findall("Paragraph"):
            if (inner.get("Type") or "").lower() == "character":
                cues += 1
            out.extend(_paragraph(inner, dual=cues == 2))
        return out
    text = _text(paragraph)
    if not text:
        return []
    kind = _TYPES.get((paragraph.get("Type") or "action").lower(), ElementType.ACTION)
    if kind is ElementType.PARENTHETICAL and not text.startswith("("):
        text = f"({text})"
    if kind is ElementType.CHARACTER:
        text = text.upper() if not any(c.islower() for c in text.split("(")[0]) else text
        return [Element(type=kind, text=text, dual=dual)]
    if kind is ElementType.ACTION:
        text = text.replace("\t", "    ")
    return [Element(type=kind, text=text)]


def _title_page(root: XmlElement) -> dict[str, str]:
    lines = [_text(p) for p in root.findall("./TitlePage/Content/Paragraph")]
    lines = [line for line in lines if line]
    if not lines:
        return {}
    page = {"Title": lines[0]}
    for i, line in enumerate(lines[:-1]):
        if "written by" in line.lower() or line.lower() == "by":
            page["Credit"] = line
            page["Author"] = lines[i + 1]
            break
    return page
