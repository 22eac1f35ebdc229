"""The layout of the full report as readers get it (issue #11): A4 Word with number
columns wide enough that no figure wraps (checked in LibreOffice's rendering),
headings in sequence, no mostly empty PDF page except before a chapter, bokmål
headers in Excel, and no internal file paths in the text."""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Cm
from openpyxl import load_workbook
from pypdf import PdfReader

from kostra.formatting import MINUS, NBSP
from kostra.outputs.report import Report, build_report, write_report

FORMATS = ["html", "pdf", "docx", "xlsx"]
# A page whose content ends above this share of the page height is mostly empty.
MOSTLY_EMPTY = 0.5
PAGE = r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>'
LINE = r'<line xMin="[\d.]+" yMin="[\d.]+" xMax="[\d.]+" yMax="([\d.]+)">(.*?)</line>'
NUMBER = re.compile(rf"{MINUS}?\d{{1,3}}(?:[{NBSP}\u202f ]\d{{3}})*(?:,\d+)?")


@pytest.fixture(scope="module")
def report(session) -> Report:  # type: ignore[no-untyped-def]
    """The full report (every service area), as `kostra report Bærum --year 2024` writes it."""
    return build_report(session, "Bærum", 2024, "asss", ("Asker",), formats=FORMATS)


@pytest.fixture(scope="module")
def files(report: Report, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    paths = write_report(report, FORMATS, tmp_path_factory.mktemp("layout"))
    return {p.suffix.lstrip("."): p for p in paths}


@pytest.fixture(scope="module")
def word_as_pdf(files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> str:
    """The Word file as LibreOffice lays it out, as pdftotext -layout text."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; it checks the Word file's table layout")
    folder = tmp_path_factory.mktemp("libreoffice")
    profile = (folder / "profile").as_uri()  # a private profile: parallel runs do not clash
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(files["docx"]),
        ],
        capture_output=True,
        check=True,
        timeout=300,
    )
    return _pdftotext(folder / files["docx"].with_suffix(".pdf").name)


def _pdftotext(path: Path, *options: str) -> str:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "poppler-utils (pdftotext, pdftoppm) must be installed; .ci/run does"
    return subprocess.run(
        [pdftotext, *(options or ("-layout",)), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


class _Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.levels: list[int] = []
        self.text: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if re.fullmatch(r"h[1-6]", tag):
            self.levels.append(int(tag[1]))
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)


def _assert_in_sequence(levels: list[int]) -> None:
    assert levels and levels[0] == 1, levels[:5]
    skips = [(a, b) for a, b in pairwise(levels) if b > a + 1]
    assert not skips, f"heading levels skip: {skips[:5]}"


def test_word_is_a4_on_every_section(files: dict[str, Path]) -> None:
    document = Document(str(files["docx"]))
    for section in document.sections:
        assert section.page_width is not None and section.page_height is not None
        assert abs(section.page_width - Cm(21.0)) <= Cm(0.05), section.page_width.cm
        assert abs(section.page_height - Cm(29.7)) <= Cm(0.05), section.page_height.cm
        for margin in (section.left_margin, section.right_margin, section.top_margin, section.bottom_margin):
            assert margin is not None and Cm(1.5) <= margin <= Cm(3.0), margin


def test_headings_go_in_sequence_in_word_and_html(files: dict[str, Path]) -> None:
    document = Document(str(files["docx"]))
    levels = [
        int(p.style.name.split()[-1])
        for p in document.paragraphs
        if p.style is not None and re.fullmatch(r"Heading \d", p.style.name or "")
    ]
    _assert_in_sequence(levels)
    assert 2 in levels  # the tables, comments and data quality sit under their chapter
    parser = _Headings()
    parser.feed(files["html"].read_text("utf-8"))
    _assert_in_sequence(parser.levels)


def test_libreoffice_shows_every_table_figure_whole_on_one_line(
    files: dict[str, Path], word_as_pdf: str
) -> None:
    """Each table row's figures stand together on one line of LibreOffice's PDF: a figure
    broken across lines in a too-narrow column ("1 551 7" / "70") breaks the row apart."""
    lines = [line.replace(NBSP, " ").replace("\u202f", " ") for line in word_as_pdf.splitlines()]
    document = Document(str(files["docx"]))
    rows = 0
    missing = []
    for table in document.tables:
        for row in table.rows[1:]:
            texts = [cell.text.replace(NBSP, " ") for cell in row.cells[1:] if cell.text]
            if not any(NUMBER.fullmatch(t) for t in texts):
                continue  # an indicator-group heading across the table
            rows += 1
            pattern = re.compile(r"(?<!\S)" + r"\s+".join(re.escape(t) for t in texts) + r"(?!\S)")
            if not any(pattern.search(line) for line in lines):
                missing.append(f"{row.cells[0].text}: {texts}")
    assert rows > 100
    assert not missing, f"{len(missing)} rows with figures not whole on one line, e.g. {missing[:3]}"


def _pdf_pages(path: Path, title: str) -> list[tuple[float, float]]:
    """Per page: the lowest line of content (running header and footer left out) and the
    page height, from pdftotext's word boxes (every chart has its caption below it)."""
    pages = []
    layout = _pdftotext(path, "-bbox-layout")
    for height, body in re.findall(PAGE, layout, re.S):
        bottom = 0.0
        for y_max, words in re.findall(LINE, body, re.S):
            text = " ".join(html.unescape(w) for w in re.findall(r"<word[^>]*>([^<]*)</word>", words))
            if text == title or re.fullmatch(r"Side \d+ av \d+", text):
                continue
            bottom = max(bottom, float(y_max))
        pages.append((bottom, float(height)))
    return pages


def test_no_pdf_page_is_mostly_empty_except_before_a_chapter(report: Report, files: dict[str, Path]) -> None:
    reader = PdfReader(str(files["pdf"]))
    chapters = {c.title for c in report.chapters}
    starts = set()
    for top in reader.outline:  # the title's bookmark, then its chapters (h2) and theirs (h3)
        if isinstance(top, list):
            starts |= {
                reader.get_destination_page_number(item)
                for item in top
                if not isinstance(item, list) and item.title in chapters
            }
    assert len(starts) == len(chapters), (sorted(starts), chapters)
    pages = _pdf_pages(files["pdf"], report.title)
    assert len(pages) == len(reader.pages)
    empty = [
        f"page {number + 1}: content ends at {bottom / height:.0%}"
        for number, (bottom, height) in enumerate(pages)
        if bottom / height < MOSTLY_EMPTY and number + 1 not in starts and number + 1 < len(pages)
    ]
    assert not empty, empty


def test_excel_data_sheet_speaks_bokmal_and_keeps_numbers(report: Report, files: dict[str, Path]) -> None:
    book = load_workbook(io.BytesIO(files["xlsx"].read_bytes()))
    data = book["Data"]
    rows = data.iter_rows(values_only=True)
    header = list(next(rows))
    assert header == [
        "Tjenesteområde",
        "Indikator-ID",
        "Indikator",
        "Kommune/gruppe",
        "År",
        "Verdi",
        "Endring fra året før",
        "Enhet for endring",
        "Justert (B)",
        "Beregnet fra sammenslåtte kommuner",
    ]
    records = [dict(zip(header, row, strict=True)) for row in rows]
    assert len(records) > 100
    assert {r["Tjenesteområde"] for r in records} <= {c.title for c in report.chapters}
    assert all(isinstance(r["År"], int | float) for r in records)
    assert sum(isinstance(r["Verdi"], int | float) for r in records) > 0.9 * len(records)
    assert {r["Justert (B)"] for r in records} <= {"ja", "nei"}
    assert {r["Beregnet fra sammenslåtte kommuner"] for r in records} == {"nei"}  # the bundle has no mergers
    assert {"Bærum", "Asker", "ASSS"} <= {r["Kommune/gruppe"] for r in records}


def test_report_text_names_no_internal_files(files: dict[str, Path]) -> None:
    parser = _Headings()
    parser.feed(files["html"].read_text("utf-8"))
    text = " ".join(parser.text)
    assert "Rangering" in text
    for internal in ("ranking.yaml", "catalog/", ".yaml"):
        assert internal not in text
    document = Document(str(files["docx"]))
    words = " ".join(
        [p.text for p in document.paragraphs]
        + [c.text for t in document.tables for r in t.rows for c in r.cells]
    )
    assert "Rangering" in words and ".yaml" not in words and "catalog/" not in words
