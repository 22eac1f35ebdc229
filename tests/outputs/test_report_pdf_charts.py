"""The PDF's charts (issue 17): WeasyPrint lays out the print page with an empty box of each
chart's size, vl-convert draws the charts to PDF, and typeset.py places each in its box.
Checked against a hand-placed chart, and against the report typeset with WeasyPrint drawing
the SVGs itself (same pages, same page numbers, each chart's text once, in its box)."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import vl_convert
from PIL import Image
from pypdf import PdfReader
from weasyprint import HTML

from kostra.errors import KostraError
from kostra.outputs.report import Report, build_report
from kostra.outputs.report import pdf as report_pdf
from kostra.outputs.report.drawing import ChartError, pdf_later
from kostra.outputs.report.html import _placeholder, render_html, render_print
from kostra.outputs.report.pdf import PdfJob, _typeset_here, start_typesetting
from kostra.outputs.report.typeset import chart_boxes, place_charts, typeset

SECTORS = ["pleie-og-omsorg", "grunnskole"]
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')

# A chart of 160 x 80: its upper half red, its lower half blue, a word in each (regular, bold).
CHART = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="80" viewBox="0 0 160 80">'
    '<rect width="160" height="40" fill="#ff0000"/><rect y="40" width="160" height="40" fill="#0000ff"/>'
    '<text x="10" y="30" font-family="Liberation Sans" font-size="20">Kostra</text>'
    '<text x="10" y="70" font-family="Liberation Sans" font-weight="bold" font-size="20">Figur</text></svg>'
)


def _small_page(chart: str, extra: str = "") -> str:
    """A page of 200 x 100 px with the chart's box at (40, 20) px from its top left, 80 px
    wide (the chart scaled to half its size)."""
    placeholder = _placeholder(chart, 0)
    assert placeholder is not None
    return (
        "<html><head><style>@page { size: 200px 100px; margin: 0 } body { margin: 0 }"
        "img { display: block; width: 80px; margin: 20px 0 0 40px }</style></head>"
        f"<body>{placeholder}{extra}</body></html>"
    )


def _pdftoppm(document: bytes, folder: Path, dpi: int = 96) -> list[Image.Image]:
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftoppm) is not installed")
    (folder / "in.pdf").write_bytes(document)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(folder / "in.pdf"), str(folder / "p")], check=True
    )
    return [Image.open(p).convert("RGB") for p in sorted(folder.glob("p-*.png"))]


def _words(document: bytes, folder: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Each page's words with their boxes in pt from the page's top left (pdftotext -bbox)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    (folder / "words.pdf").write_bytes(document)
    out = subprocess.run(
        ["pdftotext", "-bbox", str(folder / "words.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = out.split("<page ")[1:]
    return [
        [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in WORD.findall(page)]
        for page in pages
    ]


def test_a_chart_is_placed_in_its_box_upright_and_whole(tmp_path: Path) -> None:
    document = typeset(_small_page(CHART), lambda: [vl_convert.svg_to_pdf(CHART)])
    (image,) = _pdftoppm(document, tmp_path)
    # 96 dpi: one image pixel per CSS px. The box: x 40..120, y 20..60 (80 x 40 px, the
    # chart's 160 x 80 halved); red above y 40 (20 + 40 / 2), blue below.
    assert image.size == (200, 100)
    red, blue, white = (255, 0, 0), (0, 0, 255), (255, 255, 255)

    def near(xy: tuple[int, int], colour: tuple[int, int, int]) -> bool:
        return all(abs(a - b) <= 40 for a, b in zip(image.getpixel(xy), colour, strict=True))  # type: ignore[arg-type]

    for xy in [(41, 21), (118, 21), (118, 38), (100, 25)]:
        assert near(xy, red), (xy, image.getpixel(xy))
    for xy in [(41, 42), (118, 58), (80, 50)]:
        assert near(xy, blue), (xy, image.getpixel(xy))
    # 2 px (1.5 pt) outside the box on each side: the page's white
    for xy in [(38, 40), (122, 40), (80, 18), (80, 62)]:
        assert near(xy, white), (xy, image.getpixel(xy))
    # The word, once, in the box: 40 px = 30 pt and 20 px = 15 pt from the top left, 80 x 40
    # px = 60 x 30 pt; the text is in the red (upper) half, above 15 + 15 = 30 pt.
    (words,) = _words(document, tmp_path)
    assert [w[4] for w in words] == ["Kostra", "Figur"]
    x_min, y_min, x_max, y_max, _ = words[0]
    assert 30 <= x_min < x_max <= 90 and 15 <= y_min < y_max <= 30, words
    x_min, y_min, x_max, y_max, _ = words[1]  # in the blue (lower) half
    assert 30 <= x_min < x_max <= 90 and 30 <= y_min < y_max <= 45, words


def test_a_page_without_charts_is_weasyprints_own() -> None:
    page = "<html><body><p>Æ ø å</p></body></html>"
    assert typeset(page, lambda: []) == HTML(string=page).write_pdf()


def test_the_pdf_is_the_same_whichever_way_vl_convert_numbers_a_charts_fonts() -> None:
    """vl-convert writes a chart's objects in no fixed order from run to run; the PDF must
    not change: one chart's PDF drawn anew each time gives the same report page."""
    page = _small_page(CHART, extra="<p>tekst</p>")
    drawings = [vl_convert.svg_to_pdf(CHART) for _ in range(16)]
    assert len(set(drawings)) > 1  # else this test proves nothing
    assert len({typeset(page, lambda d=d: [d]) for d in drawings}) == 1  # type: ignore[misc]


@pytest.fixture(scope="module")
def report(session) -> Report:  # type: ignore[no-untyped-def]
    return build_report(session, "Bærum", 2024, "asss", ("Asker",), SECTORS, formats=["pdf"])


@pytest.fixture(scope="module")
def typeset_parts(
    report: Report,
) -> tuple[str, list[bytes], dict[int, tuple[int, float, float, float, float]], bytes]:
    """The print page, its charts as PDF, their boxes after layout, and the PDF of the page
    without the charts."""
    page, svgs = render_print(report)
    charts = [pdf_later(svg)() for svg in svgs]
    document = HTML(string=page).render()
    return page, charts, chart_boxes(document), document.write_pdf()


def _squeezed(text: str) -> list[str]:
    """The text's characters without white space, sorted: the same text however a reader
    breaks it into lines and words."""
    return sorted(re.sub(r"\s", "", text))


def test_the_layout_is_the_one_with_the_svgs_drawn_by_weasyprint(report: Report, typeset_parts) -> None:  # type: ignore[no-untyped-def]
    _, charts, boxes, bare = typeset_parts
    placed = PdfReader(io.BytesIO(place_charts(bare, boxes, charts)))
    # The slow way: the static HTML with the charts as SVG images, drawn by WeasyPrint.
    reference = PdfReader(io.BytesIO(HTML(string=render_html(report, interactive=False)).write_pdf()))
    assert len(placed.pages) == len(reference.pages)
    assert len(boxes) == len(charts) and len(charts) >= 8
    for number, (ours, theirs) in enumerate(zip(placed.pages, reference.pages, strict=True)):
        # every character on every page, the charts' included: pypdf splits WeasyPrint's
        # chart labels into words otherwise than vl-convert's
        assert _squeezed(ours.extract_text()) == _squeezed(theirs.extract_text()), number
    # the table of contents, page by page the same
    assert placed.pages[0].extract_text() == reference.pages[0].extract_text()
    toc = placed.pages[0].extract_text() + placed.pages[1].extract_text()
    assert "Innhold" in toc

    # the bookmarks, nested as they are, with their pages
    def marks(reader: PdfReader, outline: list[Any] | None = None) -> list[Any]:
        return [
            marks(reader, m) if isinstance(m, list) else (m.title, reader.get_destination_page_number(m))
            for m in (reader.outline if outline is None else outline)
        ]

    assert marks(placed) == marks(reference)
    assert len(str(marks(placed)).split("', ")) >= 4  # the report's title and its chapters
    assert placed.metadata == reference.metadata


def test_each_chart_is_on_its_page_once_and_inside_its_box(typeset_parts, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, charts, boxes, bare = typeset_parts
    document = place_charts(bare, boxes, charts)
    placed, without = PdfReader(io.BytesIO(document)), PdfReader(io.BytesIO(bare))
    chart_text = [PdfReader(io.BytesIO(c)).pages[0].extract_text() for c in charts]
    on_page: dict[int, list[int]] = {}
    for chart, box in boxes.items():
        on_page.setdefault(box[0], []).append(chart)
    for number, page_object in enumerate(placed.pages):
        # the page's text is the laid-out page's plus each of its charts' text, once (as
        # characters: readers break text drawn apart into words each their own way)
        expected = Counter(_squeezed(without.pages[number].extract_text()))
        for chart in on_page.get(number, []):
            expected += Counter(_squeezed(chart_text[chart]))
        assert Counter(_squeezed(page_object.extract_text())) == expected, number
    words = _words(document, tmp_path)
    for number, charts_here in on_page.items():
        page_words = Counter(w[4] for w in words[number])
        for chart in charts_here:
            _, x, y, width, height = boxes[chart]
            # The box in pt from the page's top left (1 px = 0.75 pt), 1 pt of slack.
            left, top, right, bottom = (
                x * 0.75 - 1,
                y * 0.75 - 1,
                (x + width) * 0.75 + 1,
                (y + height) * 0.75 + 1,
            )
            own = {w for w in chart_text[chart].split() if page_words[w] == 1}  # once on the page: its own
            assert own, chart
            for x0, y0, x1, y1, word in words[number]:
                if word in own:
                    assert left <= x0 and x1 <= right and top <= y0 and y1 <= bottom, (
                        chart,
                        word,
                        boxes[chart],
                    )


def test_the_typesetting_process_places_the_charts_as_this_process_does(typeset_parts) -> None:  # type: ignore[no-untyped-def]
    page, charts, boxes, bare = typeset_parts
    here = _typeset_here(page, [lambda c=c: c for c in charts])  # type: ignore[misc]
    assert here == place_charts(bare, boxes, charts)
    start_typesetting()
    assert PdfJob(page, [lambda c=c: c for c in charts]).result() == here  # type: ignore[misc]


def test_a_chart_that_cannot_be_drawn_is_one_norwegian_line(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    page = _small_page(CHART)
    broken = pdf_later("<svg this is not")
    with pytest.raises(ChartError):
        broken()
    with pytest.raises(
        KostraError, match=r"^PDF-en kunne ikke lages: et diagram kunne ikke tegnes som PDF"
    ) as caught:
        _typeset_here(page, [broken])
    assert "\n" not in str(caught.value)
    monkeypatch.setattr(report_pdf.sys, "executable", sys.executable)
    start_typesetting()
    with pytest.raises(KostraError, match=r"^PDF-en kunne ikke lages: et diagram kunne ikke tegnes som PDF"):
        PdfJob(page, [broken]).result()


def test_the_placeholder_has_the_charts_size_and_nothing_else() -> None:
    tag = _placeholder(CHART, 7)
    assert tag is not None and 'data-kostra-chart="7"' in tag
    empty = base64.b64decode(tag.split("base64,")[1].split('"')[0]).decode()
    assert empty == (
        '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="80" viewBox="0 0 160 80"></svg>'
    )
    assert _placeholder('<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>', 0) is None  # no size


@pytest.mark.parametrize("width", ["1.7976931348623157e+308", "0", "-5", "inf", "nan", "auto"])
def test_a_chart_of_no_drawable_size_stays_for_weasyprint_to_draw(width: str) -> None:
    # Vega-Lite gives an empty chart (no figures in any series) the largest float as width;
    # vl-convert refuses to draw that as PDF, WeasyPrint lays it out and draws it.
    chart = CHART.replace('width="160"', f'width="{width}"')
    assert chart != CHART
    assert _placeholder(chart, 0) is None
    assert _placeholder(CHART.replace('height="80"', f'height="{width}"'), 0) is None


def test_an_empty_chart_is_in_the_pdf_as_weasyprint_draws_it() -> None:
    from kostra.outputs.report.charts import summary_chart
    from kostra.outputs.report.drawing import render_svg

    empty = render_svg(summary_chart([], "ASSS"))
    assert _placeholder(empty, 0) is None
    data = base64.b64encode(empty.encode()).decode()
    page = (
        f'<html><body><p>Før</p><img alt="" src="data:image/svg+xml;base64,{data}"><p>Etter</p></body></html>'
    )
    document = typeset(page, lambda: [])
    assert document.startswith(b"%PDF") and b"/KostraChart" not in document
