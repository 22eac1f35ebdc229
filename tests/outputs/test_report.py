"""The report, opened with real readers: HTML parser, pypdf and pdftotext, python-docx,
openpyxl; PDF pages rendered to PNG must not be blank."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from kostra.errors import KostraError
from kostra.formatting import NBSP, format_nb
from kostra.outputs.report import build_report, pdf, write_report
from kostra.outputs.report.drawing import pdf_later
from kostra.outputs.report.html import render_print
from kostra.outputs.report.pdf import PdfJob, _typeset_here, render_pdf, start_typesetting

SECTORS = ["pleie-og-omsorg", "grunnskole"]
PROFILES = {"alle": "alle", "0-66": "0-66", "67+": "67+", "TTU": "ttu"}


@pytest.fixture(scope="module")
def report(session):  # type: ignore[no-untyped-def]
    return build_report(session, "Bærum", 2024, "asss", ("Asker",), SECTORS)


@pytest.fixture(scope="module")
def files(report, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    # Several formats, the typesetting process started (as the report command starts it): the
    # PDF is typeset there while the others are written.
    start_typesetting()
    paths = write_report(report, ["html", "pdf", "docx", "xlsx"], tmp_path_factory.mktemp("report"))
    return {p.suffix.lstrip("."): p for p in paths}


def test_the_typesetting_process_gives_the_pdf_this_process_gives(report, files) -> None:  # type: ignore[no-untyped-def]
    """Byte for byte (WeasyPrint's PDF is deterministic, and so are the charts placed in it),
    for the report and for small pages with a table of contents, page counters, an SVG image
    and no text at all."""
    page, svgs = render_print(report)
    assert svgs  # the charts are drawn apart from the page, as PDF
    assert files["pdf"].read_bytes() == _typeset_here(page, [pdf_later(svg) for svg in svgs])
    small = [
        "<html><body></body></html>",
        '<html><head><style>@page { @bottom-center { content: counter(page) " av " counter(pages) } }'
        "a::after { content: target-counter(attr(href), page) } section { break-before: page }</style>"
        '</head><body><a href="#b">B</a><section id="a">Æ ø å</section>'
        '<section id="b">b</section></body></html>',
        '<html><body><img src="data:image/svg+xml;utf8,<svg xmlns=%22http://www.w3.org/2000/svg%22 '
        'width=%2210%22 height=%2210%22><rect width=%2210%22 height=%2210%22/></svg>"></body></html>',
    ]
    for one in small:
        assert PdfJob(one).result() == _typeset_here(one)
    start_typesetting()  # started early, as the report command does
    assert render_pdf(report) == files["pdf"].read_bytes()


def test_a_failed_typesetting_process_is_an_error_not_an_empty_pdf(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pdf.sys, "executable", sys.executable)
    job = PdfJob("<html>")
    job._process.kill()  # type: ignore[union-attr]
    with pytest.raises(KostraError, match="PDF-en kunne ikke settes"):
        job.result()


@pytest.fixture(scope="module")
def expected(published: pd.DataFrame, session) -> list[str]:  # type: ignore[no-untyped-def]
    """Every published figure, formatted as the report must show it (Norwegian, catalog decimals)."""
    decimals = {i.name_nb: i.decimals for i in session.catalog.indicators_of("pleie-og-omsorg")}
    texts = []
    for row in published.itertuples():
        if isinstance(row.value, str) and row.value:
            texts.append(format_nb(float(row.value), decimals[row.indicator]))
    return texts


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.cells: list[str] = []
        self.titles: list[str] = []
        self.sources: list[str] = []
        self._tag: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag = tag
        attributes = dict(attrs)
        if tag == "td" and attributes.get("title"):
            self.titles.append(str(attributes["title"]))
        if tag in ("script", "link", "img") and (attributes.get("src") or attributes.get("href")):
            self.sources.append(str(attributes.get("src") or attributes.get("href")))

    def handle_data(self, data: str) -> None:
        if self._tag in ("h1", "h2", "h3"):
            self.headings.append(data.strip())
        if self._tag == "td":
            self.cells.append(data.strip())

    def handle_endtag(self, tag: str) -> None:
        self._tag = None


def test_html_is_self_contained_with_tables_headings_and_provenance(files, expected) -> None:  # type: ignore[no-untyped-def]
    text = files["html"].read_text("utf-8")
    parser = _Collector()
    parser.feed(text)
    assert {"Sammendrag", "Rangering", "Pleie og omsorg", "Grunnskole"} <= set(parser.headings)
    assert not parser.sources  # no external scripts, styles or images
    assert "vegaEmbed(" in text and "DEMODATA" in text
    for figure in expected:
        assert figure in parser.cells, figure
    assert any("SSB tabell" in t or "KS / publisert rapport" in t for t in parser.titles)
    assert any("region 3201" in t and "utgivelse" in t for t in parser.titles)


def test_pdf_has_pages_headings_values_and_is_not_blank(files, expected, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    reader = PdfReader(str(files["pdf"]))
    assert len(reader.pages) >= 5
    text = "\n".join(page.extract_text() for page in reader.pages).replace(NBSP, " ")
    assert "Pleie og omsorg" in text and "Side 1 av" in text
    for figure in ("1 552 889", "93,0", "1,076", "1 659 648"):
        assert figure in text
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "poppler-utils (pdftotext, pdftoppm) must be installed; .ci/run does"
    plain = subprocess.run(
        [pdftotext, "-layout", str(files["pdf"]), "-"], capture_output=True, text=True, check=True
    ).stdout.replace(NBSP, " ")
    for figure in expected:
        assert figure.replace(NBSP, " ") in plain, figure
    subprocess.run(
        ["pdftoppm", "-r", "40", "-f", "1", "-l", "4", "-png", str(files["pdf"]), str(tmp_path / "page")],
        check=True,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 4
    shares = []
    for page in pages:
        histogram = Image.open(page).convert("L").histogram()
        shares.append(sum(histogram[:200]) / sum(histogram))
    # every page carries text beyond the running header and footer; the chart pages much more
    assert min(shares) > 0.004, shares
    assert max(shares) > 0.05, shares


def _layer(svg: str, layer: int) -> str:
    """The SVG of one layer of the map (test_maps.py reads it the same way)."""
    rest = svg.split(f"role-mark layer_{layer}_marks", 1)[1]
    return re.split(r"role-mark layer_|role-legend|role-title", rest, maxsplit=1)[0]


def _map_svg(html: str) -> str:
    start = html.index('<div class="map"><svg')
    return html[start : html.index("</svg>", start)]


def test_html_has_the_national_map_drawn_with_every_municipality(files) -> None:  # type: ignore[no-untyped-def]
    html = files["html"].read_text("utf-8")
    assert html.count('<div class="map"><svg') == 1  # in the summary chapter
    assert html.index('<div class="map">') < html.index('id="rangering"')
    svg = _map_svg(html)
    # one path per municipality, with or without a figure (layers 0 and 1), each named
    shapes = [tag for layer in (0, 1) for tag in re.findall(r"<path [^>]*>", _layer(svg, layer))]
    assert len(shapes) == 357 and all("aria-label=" in tag for tag in shapes)
    assert 'aria-label="Bærum: 1,076"' in svg  # Bærum's figure, as the summary table shows it
    assert "<title>Bærum: 1,076</title>" in svg  # and as the browser's tooltip
    assert "Kartdata: Kartverket, CC BY 4.0" in svg
    assert "Ressursbruk i pleie og omsorg i alle kommuner, 2024" in html  # the caption
    assert "Tegnet på" not in svg  # 2024 is drawn on its own borders


def test_pdf_map_page_is_drawn_not_blank(files, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    reader = PdfReader(str(files["pdf"]))
    pages = [
        n for n, page in enumerate(reader.pages, start=1) if "Kartdata: Kartverket" in page.extract_text()
    ]
    assert len(pages) == 1
    subprocess.run(
        ["pdftoppm", "-r", "60", "-f", str(pages[0]), "-l", str(pages[0]), "-png", str(files["pdf"]),
         str(tmp_path / "map")],
        check=True,
    )  # fmt: skip
    (png,) = tmp_path.glob("map-*.png")
    image = Image.open(png).convert("RGB")
    width, height = image.size
    # the map's own box: the upper left of the page, where the figure sits under the heading
    box = image.crop((0, int(height * 0.05), int(width * 0.7), int(height * 0.55)))
    colours = box.getcolors(maxcolors=1 << 20)
    assert colours is not None
    strong = [colour for count, colour in colours if count >= 40]  # real areas, not anti-aliasing
    assert len(strong) >= 8, strong  # the colour classes, grey, borders
    total = box.width * box.height
    white = sum(count for count, colour in colours if min(colour) >= 245)
    assert 0.15 < 1 - white / total < 0.9, white / total  # drawn, and not one filled block
    blue = sum(count for count, (r, g, b) in colours if b > r + 40)
    orange = sum(count for count, (r, g, b) in colours if r > b + 40)
    assert blue > total * 0.005 and orange > total * 0.005, (blue, orange)


def test_docx_has_real_tables_with_the_published_values(files, expected) -> None:  # type: ignore[no-untyped-def]
    document = Document(str(files["docx"]))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Pleie og omsorg" in headings and "Grunnskole" in headings and "Rangering" in headings
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    for figure in expected:
        assert figure in cells, figure
    assert document.inline_shapes  # the charts


def test_xlsx_holds_numbers_with_norwegian_formats_and_the_data_sheet(files) -> None:  # type: ignore[no-untyped-def]
    book = load_workbook(io.BytesIO(files["xlsx"].read_bytes()))
    assert {"Sammendrag", "Pleie og omsorg", "Grunnskole", "Data"} <= set(book.sheetnames)
    sheet = book["Pleie og omsorg"]
    found = {}
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, int | float):
                found[float(cell.value)] = cell.number_format
    assert found[1552889.0] == "#,##0"
    assert found[93.0] == "#,##0.0"
    assert found[1.076] == "#,##0.000"
    sources = [
        c.value
        for row in sheet.iter_rows()
        for c in row
        if isinstance(c.value, str) and "region 3201" in c.value
    ]
    assert sources
    data = book["Data"]
    header = [c.value for c in next(data.iter_rows(max_row=1))]
    assert header[:5] == ["Tjenesteområde", "Indikator-ID", "Indikator", "Kommune/gruppe", "År"]
    assert data.max_row > 100


def test_report_cli_with_config(cli, store_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "rapport.yaml"
    config.write_text(
        "municipality: Bærum\nyear: 2024\nsectors: [barnevern]\nformats: [html, xlsx]\n"
        f"out: {tmp_path / 'ut'}\n",
        encoding="utf-8",
    )
    result = cli("--db", str(store_path), "report", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert sorted(p.suffix for p in (tmp_path / "ut").iterdir()) == [".html", ".xlsx"]
    bad = cli("--db", str(store_path), "report", "Bærum", "--format", "odt")
    assert bad.returncode == 2 and "ukjent format 'odt'" in bad.stderr  # a usage error


def test_batch_for_all_asss_uses_both_cores(cli, store_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli(
        "--db",
        str(store_path),
        "report",
        "--all-asss",
        "--sectors",
        "barnevern",
        "-f",
        "xlsx,docx",
        "-o",
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert len(list(tmp_path.glob("*.xlsx"))) == 12
    # Word's charts come from each worker's own drawing process (not the parent's).
    words = sorted(tmp_path.glob("*.docx"))
    assert len(words) == 12
    # summary, the resource use map, the two profiles (KS' list, kostra's extras), series
    assert all(len(Document(str(path)).inline_shapes) == 5 for path in words)


def test_ranking_chapter_shows_the_placement_per_sector(session) -> None:  # type: ignore[no-untyped-def]
    report = build_report(session, "Bærum", 2024, "asss", ("Asker",), SECTORS)
    chapter = next(c for c in report.chapters if c.id == "rangering")
    rows = {cells[0].text: cells for _, cells in chapter.tables[0].rows}
    total = session.explain_rank("Bærum", "totalt", 2024)
    assert rows["Totalt"][1].text == str(total["rank"])
    assert rows["Totalt"][2].text == str(total["previous_rank"])
    assert "Grunnskole" in rows and "Pleie og omsorg" in rows
    assert any(sentence.startswith("Trekker mest ned:") for _, text in chapter.comments for sentence in text)


def test_ranking_comments_name_the_first_and_last_figure_with_a_contribution(session) -> None:  # type: ignore[no-untyped-def]
    # The chapter finds them by position; here by dropping the figures without one, as it did.
    from kostra.outputs.report.model import _ranking_chapter

    indicators = session.catalog.indicators
    codes = session.municipalities()
    compared = 0
    for code in codes[:: max(1, len(codes) // 12)]:
        chapter = _ranking_chapter(session, code, 2024, False)
        shown = [s for s in [*session.catalog.ranking.key_figures] if s in session.catalog.sectors]
        expected = []
        for sector_id, placement in zip(shown, session.explain_ranks(code, shown, 2024), strict=True):
            figures = placement["figures"].dropna(subset=["contribution"])
            if len(figures):
                up, down = figures.iloc[0], figures.iloc[-1]
                expected.append(
                    (
                        session.catalog.sectors[sector_id].name_nb,
                        [
                            f"Trekker mest opp: {indicators[up.indicator_id].name_nb} "
                            f"({format_nb(up.score, 1)} poeng).",
                            f"Trekker mest ned: {indicators[down.indicator_id].name_nb} "
                            f"({format_nb(down.score, 1)} poeng).",
                        ],
                    )
                )
        assert chapter is not None and chapter.comments == expected, code
        compared += len(expected)
    assert compared > 50


def test_the_source_line_names_the_releases_the_report_shows(fresh, tmp_path: Path) -> None:
    from kostra.outputs.report.model import build_report

    full = Path(__file__).parents[1] / "fixtures"
    other = fresh.import_file(full / "statbank_12134_semicolon_utf8.csv")  # økonomi, not in the report
    shown = fresh.import_file(full / "ssb_full" / "13502_2024.json")
    report = build_report(fresh, "Bærum", 2024, "asss", ("Asker",), ["barnehage"])
    assert report.releases[0].startswith(f"utgivelse {shown.release_id} (fil")
    assert not any(r.startswith(f"utgivelse {other.release_id} ") for r in report.releases)


def test_a_forked_worker_does_not_take_the_parents_typesetting_process() -> None:
    import os

    start_typesetting()
    waiting = pdf._waiting
    pid = os.fork()
    if pid == 0:  # the worker: nothing waits for it, and its exit leaves the parent's be
        os._exit(0 if not pdf.typesetting_started() else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert pdf._waiting is waiting and waiting is not None and waiting.poll() is None
    assert PdfJob("<html><body>x</body></html>").result().startswith(b"%PDF")
