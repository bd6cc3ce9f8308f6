"""Layout exports: HTML with print CSS, PDF readable back with pypdf, shared geometry."""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pytest

from aiuteur.screenplay import Element, ElementType, FountainError, Screenplay, parse, to_html, to_pdf
from aiuteur.screenplay.emphasis import Style, plain, runs
from aiuteur.screenplay.layout import COLUMNS, LINES_PER_PAGE, paginate, wrap

DATA = Path(__file__).resolve().parents[2] / "data" / "screenplays"
T = ElementType

BRICK = (
    "Title:\n    _**BRICK & STEEL**_\nCredit: Written by\nAuthor: Stu Maschwitz\nDraft date: 1/20/2012\n\n"
    "EXT. BRICK'S PATIO - DAY #1A#\n\n"
    "A gorgeous day.  The sun is shining.  But BRICK BRADDOCK, retired police detective, is sitting quietly.\n\n"
    "STEEL\n(beer raised)\nTo *retirement*.\n\n"
    "BRICK ^\nTo retirement.\n\n"
    "They drink.\n\n"
    "~Willy Wonka!\n\n"
    "CUT TO:\n\n# hidden section\n\n= hidden synopsis\n\n===\n\n> THE END <\n"
)


@pytest.fixture(scope="module")
def brick():
    return parse(BRICK)


# --------------------------------------------------------------------------- HTML


def test_html_is_a_self_contained_document_with_layout_css(brick):
    html = to_html(brick)
    assert html.startswith("<!DOCTYPE html>")
    assert "<style>" in html and "</html>" in html
    assert not re.search(r"<(script|link)\b", html)  # nothing external
    assert "Courier" in html and "font-size: 12pt" in html
    assert "@page { size: 8.5in 11in; margin: 1in 1in 1in 1.5in; }" in html
    assert "@media print" in html
    assert ".character { margin-left: 2.2in" in html  # 3.7in from the page edge
    assert ".parenthetical { margin-left: 1.6in" in html  # 3.1in
    assert ".dialogue { margin-left: 1in" in html  # 2.5in
    assert ".transition { text-align: right; }" in html
    assert ".centered { text-align: center; }" in html


def test_html_elements_and_escaping(brick):
    html = to_html(brick)
    assert "<title>BRICK &amp; STEEL</title>" in html
    assert '<p class="scene-heading" id="scene-1">' in html
    assert "EXT. BRICK&#x27;S PATIO - DAY" in html
    assert '<span class="scene-number left">1A</span>' in html
    assert '<p class="character">STEEL</p>' in html
    assert '<p class="parenthetical">(beer raised)</p>' in html
    assert '<p class="dialogue">To <em>retirement</em>.</p>' in html
    assert '<div class="dual-dialogue">' in html and '<p class="character dual">BRICK</p>' in html
    assert '<p class="lyrics standalone">Willy Wonka!</p>' in html
    assert '<p class="transition">CUT TO:</p>' in html
    assert '<p class="centered">THE END</p>' in html
    assert '<div class="page-break"></div>' in html
    assert '<p class="section" data-depth="1"># hidden section</p>' in html
    assert "<strong><u>BRICK &amp; STEEL</u></strong>" in html  # title page emphasis


def test_html_keeps_action_line_breaks_with_pre_wrap():
    html = to_html(parse("\tIndented line.\nSecond line.\n"))
    assert '<p class="action">\tIndented line.\nSecond line.</p>' in html
    assert "white-space: pre-wrap" in html


def test_html_for_every_sample():
    for path in DATA.glob("*.fountain"):
        sp = parse(path.read_text(encoding="utf-8"))
        html = to_html(sp)
        headings = sum(1 for e in sp.elements if e.type is T.SCENE_HEADING)
        assert html.count('<p class="scene-heading"') == headings


def test_to_html_rejects_wrong_type():
    with pytest.raises(FountainError):
        to_html("text")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- PDF


def test_pdf_is_created_and_readable(brick, tmp_path):
    out = to_pdf(brick, tmp_path / "nested" / "brick.pdf")
    assert out == tmp_path / "nested" / "brick.pdf" and out.exists()
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) == 3  # title page, body, page break -> second body page
    assert reader.pages[0].mediabox.width == 612 and reader.pages[0].mediabox.height == 792
    title = reader.pages[0].extract_text()
    assert "BRICK & STEEL" in title and "Stu Maschwitz" in title and "1/20/2012" in title
    body = reader.pages[1].extract_text()
    for expected in ["EXT. BRICK'S PATIO - DAY", "STEEL", "(beer raised)", "retirement", "CUT TO:", "BRICK"]:
        assert expected in body
    assert "hidden section" not in body and "hidden synopsis" not in body
    assert "THE END" in reader.pages[2].extract_text()
    assert reader.metadata.title == "BRICK & STEEL"


def test_pdf_uses_core_courier_fonts(brick, tmp_path):
    reader = pypdf.PdfReader(to_pdf(brick, tmp_path / "b.pdf"))
    fonts = {str(f["/BaseFont"]) for f in reader.pages[1]["/Resources"]["/Font"].values()}
    assert fonts == {"/Courier", "/Courier-Bold", "/Courier-Oblique", "/Courier-BoldOblique"}


def test_pdf_long_sample_has_numbered_pages(tmp_path):
    sp = parse((DATA / "kestrel_two.fountain").read_text(encoding="utf-8"))
    reader = pypdf.PdfReader(to_pdf(sp, tmp_path / "kestrel.pdf"))
    assert 9 <= len(reader.pages) <= 17  # title page + 8-15 body pages (+ slack)
    assert "KESTREL TWO" in reader.pages[0].extract_text()
    assert reader.pages[2].extract_text().lstrip().startswith("2.")
    full = "\n".join(page.extract_text() for page in reader.pages)
    assert "Kestrel Two, good evening." in full
    assert "INT. PERPETUA - WHEELHOUSE - DAWN" in full


def test_pdf_positions_follow_industry_indents(tmp_path):
    sp = parse("INT. ROOM - DAY\n\nSTEEL\n(beat)\nHello.\n\nCUT TO:\n")
    reader = pypdf.PdfReader(to_pdf(sp, tmp_path / "x.pdf"))
    xs: dict[str, float] = {}

    def visitor(text, cm, tm, font_dict, font_size):
        if text.strip():
            xs[text.strip()] = tm[4]

    reader.pages[0].extract_text(visitor_text=visitor)
    assert xs["INT. ROOM - DAY"] == pytest.approx(1.5 * 72)
    assert xs["STEEL"] == pytest.approx(3.7 * 72)
    assert xs["(beat)"] == pytest.approx(3.1 * 72)
    assert xs["Hello."] == pytest.approx(2.5 * 72)
    assert xs["CUT TO:"] == pytest.approx(7.5 * 72 - 7 * 7.2)  # right-aligned at 7.5in


def test_pdf_replaces_unencodable_characters(tmp_path):
    sp = parse("Café — “quoted” 黒澤.\n")
    text = pypdf.PdfReader(to_pdf(sp, tmp_path / "u.pdf")).pages[0].extract_text()
    assert "Café — “quoted” ??." in text


def test_to_pdf_rejects_wrong_type(tmp_path):
    with pytest.raises(FountainError):
        to_pdf(None, tmp_path / "x.pdf")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- geometry, wrapping, pagination, emphasis


def test_columns_match_industry_geometry():
    assert (COLUMNS[T.ACTION].left, COLUMNS[T.ACTION].chars) == (1.5, 60)
    assert (COLUMNS[T.CHARACTER].left, COLUMNS[T.PARENTHETICAL].left, COLUMNS[T.DIALOGUE].left) == (3.7, 3.1, 2.5)
    assert COLUMNS[T.DIALOGUE].chars == 35


def test_wrap_breaks_at_spaces_and_splits_long_words():
    text = "aaa bbb ccc"
    assert [text[a:b] for a, b in wrap(text, 7)] == ["aaa bbb", "ccc"]
    assert [("x" * 12)[a:b] for a, b in wrap("x" * 12, 5)] == ["xxxxx", "xxxxx", "xx"]
    assert wrap("", 10) == [(0, 0)]


def test_pagination_respects_page_length_and_headings():
    filler = [Element(type=T.ACTION, text="Line.")] * 26  # 1 + 26 * 2 = 53 lines
    elements = [
        Element(type=T.SCENE_HEADING, text="INT. A - DAY"),
        *filler,
        Element(type=T.SCENE_HEADING, text="INT. B - DAY"),
        Element(type=T.ACTION, text="Next."),
    ]
    pages = paginate(elements)
    assert all(len(page) <= LINES_PER_PAGE for page in pages)
    assert len(pages) == 2
    first_row_text = pages[1][0][0].text
    assert first_row_text == "INT. B - DAY"  # heading not stranded at the bottom of page 1


def test_emphasis_runs():
    assert runs("a *b* **c** ***d*** _e_") == [
        ("a ", Style()),
        ("b", Style(italic=True)),
        (" ", Style()),
        ("c", Style(bold=True)),
        (" ", Style()),
        ("d", Style(bold=True, italic=True)),
        (" ", Style()),
        ("e", Style(underline=True)),
    ]
    assert plain("5 * 3 * 2 and snake_case_name") == "5 * 3 * 2 and snake_case_name"
    assert plain("**\\*9765\\***") == "*9765*"
    assert runs("_**BRICK**_") == [("BRICK", Style(bold=True, underline=True))]


def test_empty_screenplay_still_renders(tmp_path):
    assert "<article" in to_html(Screenplay())
    assert len(pypdf.PdfReader(to_pdf(Screenplay(), tmp_path / "e.pdf")).pages) == 1
