"""Stage 1 input files: type by content, size, encoding; clear errors naming the file; modes."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from aiuteur.ingest import IngestError, SourcesRejected, StagedFile, decide_mode, read_source, read_sources
from aiuteur.screenplay import extract_scenes, parse, to_pdf

DATA = Path(__file__).resolve().parents[2] / "data" / "screenplays"
PLANETARIUM = DATA / "night_shift_at_the_planetarium.fountain"

FDX = """<?xml version="1.0" encoding="UTF-8" standalone="no" ?>
<FinalDraft DocumentType="Script" Template="No" Version="5">
  <Content>
    <Paragraph Type="Scene Heading"><Text>INT. FERRY DECK - NIGHT</Text></Paragraph>
    <Paragraph Type="Action"><Text>Wind. </Text><Text Style="Bold">A lamp swings.</Text></Paragraph>
    <Paragraph Type="Character"><Text>ADA (V.O.)</Text></Paragraph>
    <Paragraph Type="Parenthetical"><Text>(quietly)</Text></Paragraph>
    <Paragraph Type="Dialogue"><Text>We should not be here.</Text></Paragraph>
    <Paragraph>
      <DualDialogue>
        <Paragraph Type="Character"><Text>BEN</Text></Paragraph>
        <Paragraph Type="Dialogue"><Text>Too late.</Text></Paragraph>
        <Paragraph Type="Character"><Text>ADA</Text></Paragraph>
        <Paragraph Type="Dialogue"><Text>Always.</Text></Paragraph>
      </DualDialogue>
    </Paragraph>
    <Paragraph Type="Action"><Text>THE LAMP GOES OUT.</Text></Paragraph>
    <Paragraph Type="Transition"><Text>CUT TO:</Text></Paragraph>
    <Paragraph Type="Scene Heading"><Text>EXT. HARBOUR WALL - CONTINUOUS</Text></Paragraph>
    <Paragraph Type="Action"><Text>Ada climbs.</Text></Paragraph>
  </Content>
  <TitlePage><Content>
    <Paragraph><Text>The Night Ferry</Text></Paragraph>
    <Paragraph><Text>written by</Text></Paragraph>
    <Paragraph><Text>R. Writer</Text></Paragraph>
  </Content></TitlePage>
</FinalDraft>
"""


def staged(name: str, data: bytes | str, label: str | None = None) -> StagedFile:
    return StagedFile(name, data.encode() if isinstance(data, str) else data, label)


def test_plain_text_and_markdown_by_content():
    notes = read_source(staged("notes.txt", "Ada runs the night ferry.\nShe hears a second engine.\n"))
    assert (notes.kind, notes.screenplay, notes.label, notes.encoding) == ("text", False, "notes", "utf-8")
    md = read_source(staged("bible.txt", "# World\n\n- The ferry crosses at midnight\n- [map](map.png)\n"), 1)
    assert md.kind == "markdown" and md.order == 1


def test_a_screenplay_is_recognised_whatever_its_extension():
    doc = read_source(staged("draft.txt", PLANETARIUM.read_text()))
    assert (doc.kind, doc.screenplay, doc.label) == ("fountain", True, "draft script")
    assert doc.text == PLANETARIUM.read_text()


def test_fdx_becomes_fountain_with_every_element():
    doc = read_source(staged("ferry.fdx", FDX, "draft script"))
    assert doc.kind == "fdx" and doc.screenplay
    sp = parse(doc.text)
    assert sp.title_page["Title"] == "The Night Ferry" and sp.title_page["Author"] == "R. Writer"
    types = [e.type.value for e in sp.elements]
    assert types[:5] == ["scene_heading", "action", "character", "parenthetical", "dialogue"]
    assert [e.dual for e in sp.elements if e.type.value == "character"] == [False, False, True]
    assert any(e.type.value == "action" and e.text == "THE LAMP GOES OUT." for e in sp.elements)  # forced, not a cue
    assert any(e.type.value == "transition" and e.text == "CUT TO:" for e in sp.elements)
    scenes = extract_scenes(sp)
    assert [(s.int_ext, s.location, s.time_of_day) for s in scenes] == [("INT", "FERRY DECK", "NIGHT"), ("EXT", "HARBOUR WALL", "CONTINUOUS")]
    assert scenes[0].characters == ["ADA", "BEN"]


def test_screenplay_pdf_is_read_back_to_the_same_scenes(tmp_path):
    source = DATA / "kestrel_two.fountain"
    original = extract_scenes(parse(source.read_text()))
    pdf = to_pdf(parse(source.read_text()), tmp_path / "kestrel.pdf")
    doc = read_source(staged("kestrel.pdf", pdf.read_bytes()))
    assert doc.kind == "pdf" and doc.screenplay and doc.pages and doc.pages > 5
    got = extract_scenes(parse(doc.text))
    assert [s.heading for s in got] == [s.heading for s in original]
    assert [s.characters for s in got] == [s.characters for s in original]


def _pdf_with_text(text: str | None) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject, DictionaryObject

    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    if text:
        font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                                 NameObject("/BaseFont"): NameObject("/Courier")})
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
        stream = DecodedStreamObject()
        stream.set_data(f"BT /F1 12 Tf 72 700 Td ({text}) Tj ET".encode())
        page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_prose_pdf_is_text():
    doc = read_source(staged("notes.pdf", _pdf_with_text("Ada runs the night ferry across the bay every night.")))
    assert doc.kind == "pdf" and not doc.screenplay and "night ferry" in doc.text


@pytest.mark.parametrize("name, data, problem", [
    ("empty.txt", b"", "is empty"),
    ("blank.md", b"   \n\n\t\n", "has no text"),
    ("photo.txt", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "is a PNG image, not text"),
    ("blob.fountain", bytes(range(256)) * 4, "NUL bytes"),
    ("controls.txt", ("ab\x01\x02\x03\x04" * 50).encode(), "looks binary"),
    ("word.txt", b"PK\x03\x04rest-of-a-zip", "ZIP archive"),
    ("fake.pdf", b"just some text", "is not a PDF"),
    ("fake.fdx", b"<html><body>hi there</body></html>", "not Final Draft XML"),
    ("broken.fdx", b"<FinalDraft><Content><Paragraph>", "not well-formed"),
])
def test_bad_files_get_a_clear_error_naming_the_file(name, data, problem):
    with pytest.raises(IngestError, match=problem) as caught:
        read_source(staged(name, data))
    assert str(caught.value).startswith(name) and caught.value.path == name


def test_a_scanned_pdf_with_no_text_is_refused():
    with pytest.raises(IngestError, match=r"scan.pdf: has no extractable text .* looks like a scan"):
        read_source(staged("scan.pdf", _pdf_with_text(None)))


def test_encodings_are_detected():
    latin = "Le café du port ouvre à l'aube; Amélie y règne depuis trente années déjà.".encode("cp1252")
    doc = read_source(staged("notes.txt", latin))
    assert "café" in doc.text and doc.encoding and doc.encoding != "utf-8"
    utf16 = "Notes: the ferry leaves at midnight.".encode("utf-16")
    assert read_source(staged("u16.txt", utf16)).encoding == "utf-16"


def test_size_limit_names_the_file(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("word " * 1000)
    with pytest.raises(IngestError, match=r"big.txt: is 5,000 bytes; the limit is 100 bytes"):
        StagedFile.from_path(big, max_bytes=100)
    with pytest.raises(IngestError, match="missing.txt: cannot be read"):
        StagedFile.from_path(tmp_path / "missing.txt")


def test_several_files_keep_order_and_labels_and_report_every_problem():
    docs = read_sources([staged("a.txt", "First notes about the ferry."), staged("b.md", "# Bible\n\n- places", "world bible")])
    assert [(d.name, d.order, d.label) for d in docs] == [("a.txt", 0, "notes"), ("b.md", 1, "world bible")]
    with pytest.raises(SourcesRejected) as caught:
        read_sources([staged("ok.txt", "fine text here"), staged("x.txt", b""), staged("y.txt", b"\x89PNG\r\n\x1a\nzz")])
    assert [e.path for e in caught.value.errors] == ["x.txt", "y.txt"] and "2 files refused" in str(caught.value)
    with pytest.raises(IngestError, match="same file as one.txt"):
        read_sources([staged("one.txt", "same words here"), staged("two.txt", "same words here")])


def test_mode_follows_from_inputs():
    notes = read_source(staged("n.txt", "Some notes about a ferry."))
    script = read_source(staged("s.fountain", PLANETARIUM.read_text()))
    assert decide_mode("An idea with words.", []) == "expand"
    assert decide_mode("", [notes]) == "adapt"
    assert decide_mode("An idea with words.", [notes, script]) == "import"
    assert decide_mode("An idea with words.", [notes, script], "adapt") == "adapt"
    with pytest.raises(IngestError, match="'import' needs a screenplay"):
        decide_mode("An idea with words.", [notes], "import")


# -- valid input accepted (issue 14) -----------------------------------------------------------------
@pytest.mark.parametrize("prolog", [
    "<!-- " + "exported by a tool that writes a long licence comment first. " * 200 + "-->\n",
    '<?xml-stylesheet type="text/xsl" href="fd.xsl"?>\n<!-- one -->\n<!-- two -->\n',
    '<!DOCTYPE FinalDraft>\n<!-- after a doctype -->\n',
], ids=["long-comment", "stylesheet-and-comments", "doctype"])
def test_fdx_whose_root_follows_a_prolog_is_read(prolog):
    text = FDX.replace("<FinalDraft ", prolog + "<FinalDraft ", 1)
    assert text.index("<FinalDraft") > 400 or "DOCTYPE" in prolog or "stylesheet" in prolog
    doc = read_source(staged("ferry.fdx", text))
    assert doc.kind == "fdx" and doc.screenplay
    assert [s.location for s in extract_scenes(parse(doc.text))] == ["FERRY DECK", "HARBOUR WALL"]


def test_xml_whose_root_is_not_final_draft_is_not_fdx():
    with pytest.raises(IngestError, match="not Final Draft XML"):
        read_source(staged("notes.fdx", "<!-- <FinalDraft> in a comment -->\n<Notes><p>hi</p></Notes>"))


SCENE_LIST = "INT. KITCHEN - DAY\n\nEXT. HARBOUR ROAD - NIGHT\n\nINT. FERRY CABIN - CONTINUOUS\n"


def test_a_fountain_file_of_scene_headings_only_imports_as_a_screenplay(tmp_path, store, config):
    from aiuteur.stages import input as input_stage

    path = tmp_path / "outline.fountain"
    path.write_text(SCENE_LIST)
    doc = read_source(StagedFile.from_path(path))
    assert (doc.kind, doc.screenplay) == ("fountain", True)
    project, version = input_stage.start(store, "outline", "", config, files=[path])
    assert version.payload["mode"] == "import"
    assert [s["location"] for s in store.head(project, "script").payload["scenes"]] == [
        "KITCHEN", "HARBOUR ROAD", "FERRY CABIN"]


def test_scene_headings_in_a_text_file_stay_notes():
    """Only the author's `.fountain` name makes a list of headings a screenplay: in notes it is prose."""
    doc = read_source(staged("notes.txt", SCENE_LIST))
    assert not doc.screenplay and doc.kind == "text"


# -- special files and hostile text (issue 14) -------------------------------------------------------
def _fifo(tmp_path):
    import os

    path = tmp_path / "pipe.fountain"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("make, problem", [
    (lambda tmp: Path("/dev/zero"), "is a device"),
    (lambda tmp: Path("/dev/null"), "is a device"),
    (_fifo, "is a FIFO"),
    (lambda tmp: tmp, "is a folder"),
    (lambda tmp: tmp / "missing.txt", "cannot be read"),
], ids=["dev-zero", "dev-null", "fifo", "folder", "missing"])
def test_only_regular_files_are_read(tmp_path, make, problem):
    path = make(tmp_path)
    with pytest.raises(IngestError, match=problem) as caught:
        StagedFile.from_path(path)
    assert caught.value.path == str(path)


def test_a_file_that_grows_past_the_limit_is_cut_off(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 2048)
    with pytest.raises(IngestError, match="the limit is 1,024 bytes"):
        StagedFile.from_path(path, max_bytes=1024)


def test_terminal_escapes_in_a_text_file_are_refused():
    with pytest.raises(IngestError, match="terminal escape"):
        read_source(staged("notes.txt", "Ada runs the ferry. \x1b[31mRed.\x1b[0m And on and on " + "word " * 200))


@pytest.mark.parametrize("label", ["notes\x1b[2J", "draft\nscript", "bible\u202e"], ids=["esc", "newline", "bidi"])
def test_labels_are_one_plain_line(label):
    with pytest.raises(IngestError, match="label"):
        read_source(staged("notes.txt", "Ada runs the night ferry.", label))
