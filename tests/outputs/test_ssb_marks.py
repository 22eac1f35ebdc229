"""Issue 13: reports and web pages mark each indicator whose country average was checked
against SSB's own ("kontrollert mot SSB"), which differs ("avvik fra SSB") and which was not
("ikke kontrollert mot SSB"), in every format, opened with real readers.

Two stores: one with a full SSB answer of table 13502 for 2024 imported (SSB's country
figure of barnehage's two 13502 indicators reproduced by kostra), and one with the same
answer whose country figure (EAK) for the share of children 1-5 in barnehage was changed.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from docx import Document
from openpyxl import load_workbook

import kostra
from kostra.formatting import NBSP
from kostra.outputs.report import Report, build_report, write_report
from kostra.outputs.report.model import ReportTable
from kostra.outputs.web import create_app

FULL_ANSWER = Path(__file__).parents[1] / "fixtures" / "ssb_full" / "13502_2024.json"
YEAR = 2024
SECTOR = "barnehage"
SHARE, KRONER = "bhg_andel_1_5", "bhg_netto_per_innb_1_5"  # the 13502 figures (KOSandel150000, KOSutg020000)
FORMATS = ["html", "pdf", "docx", "xlsx"]
CHECKED, DIFFERS, UNCHECKED = "kontrollert mot SSB", "avvik fra SSB", "ikke kontrollert mot SSB"
SYMBOL = {CHECKED: "✓", DIFFERS: "AVVIK", UNCHECKED: "–"}
# Residents 1-5 in Longyearbyen at the end of 2024, as the fixture's aggregates were computed
# with (tests/fixtures/ssb_full/make_fixtures.py): SSB's country figure counts Longyearbyen,
# and the bundled population has no figure for it.
LONGYEARBYEN_1_5 = 148


def _longyearbyen_population(folder: Path) -> Path:
    path = folder / "befolkning_1_5_2111_2024.csv"
    text = (
        '"Innbyggere 1-5 år per 31.12, etter region, statistikkvariabel og år"\r\n\r\n'
        f'"region";"Innbyggere 1-5 år (personer) {YEAR}"\r\n'
        f'"2111 Longyearbyen";{LONGYEARBYEN_1_5}\r\n'
    )
    path.write_bytes(text.encode("iso-8859-1"))
    return path


def _tampered_answer(folder: Path) -> Path:
    """The full answer with SSB's country figure for the share changed from 92,0 to 95,0."""
    answer = json.loads(FULL_ANSWER.read_text("utf-8"))
    regions = answer["dimension"]["KOKkommuneregion0000"]["category"]["index"]
    contents = answer["dimension"]["ContentsCode"]["category"]["index"]
    at = regions["EAK"] * len(contents) + contents["KOSandel150000"]
    assert answer["value"][at] == 92.0
    answer["value"][at] = 95.0
    path = folder / "13502_2024_endret.json"
    path.write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
    return path


def _store(template_store: Path, folder: Path, answer: Path) -> Path:
    db = folder / "kostra.duckdb"
    shutil.copy(template_store, db)
    with kostra.open(db) as session:
        session.import_file(answer)
        session.import_file(_longyearbyen_population(folder), indicator="pop_1_5")
    return db


@pytest.fixture(scope="module")
def stores(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    checked = tmp_path_factory.mktemp("checked")
    tampered = tmp_path_factory.mktemp("tampered")
    return {
        "checked": _store(template_store, checked, FULL_ANSWER),
        "tampered": _store(template_store, tampered, _tampered_answer(tampered)),
    }


@pytest.fixture(scope="module")
def expected(stores: dict[str, Path]) -> dict[str, dict[str, str]]:
    """Per store: indicator id -> the phrase its row must carry."""
    with kostra.open(stores["checked"], read_only=True) as session:
        ids = [i.id for i in session.catalog.indicators_of(SECTOR)]
    assert {SHARE, KRONER} < set(ids)
    checked = {i: UNCHECKED for i in ids} | {SHARE: CHECKED, KRONER: CHECKED}
    return {"checked": checked, "tampered": checked | {SHARE: DIFFERS}}


@pytest.fixture(scope="module")
def reports(stores: dict[str, Path]) -> dict[str, Report]:
    out = {}
    for name, db in stores.items():
        with kostra.open(db, read_only=True) as session:
            out[name] = build_report(session, "Bærum", YEAR, "asss", ("Asker",), [SECTOR], formats=FORMATS)
    return out


@pytest.fixture(scope="module")
def files(reports: dict[str, Report], tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    out = {}
    for name, report in reports.items():
        paths = write_report(report, FORMATS, tmp_path_factory.mktemp(f"report-{name}"))
        out[name] = {p.suffix.lstrip("."): p for p in paths}
    return out


@pytest.fixture(scope="module")
def names(stores: dict[str, Path]) -> dict[str, str]:
    """Indicator id -> its name as the report's first column begins."""
    with kostra.open(stores["checked"], read_only=True) as session:
        return {i.id: i.name_nb for i in session.catalog.indicators_of(SECTOR)}


def _row_id(label: str, names: dict[str, str]) -> str:
    found = [i for i, name in names.items() if label.startswith(f"{name} (")]
    assert len(found) == 1, (label, found)
    return found[0]


def _profile_table(report: Report) -> ReportTable:
    """The chapter's profile tables (KS' list, then kostra's supplementary figures) as one:
    every indicator row with its mark."""
    chapter = next(c for c in report.chapters if c.id == SECTOR)
    tables = [t for t in chapter.tables if t.columns and t.columns[-1] == "SSB"]
    assert len(tables) == 2  # KS' list and "Tilleggsindikatorer"
    first = tables[0]
    return ReportTable(first.title, first.columns, [r for t in tables for r in t.rows], first.note)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace(NBSP, " "))


def test_session_checks_the_two_13502_figures(stores: dict[str, Path], expected) -> None:  # type: ignore[no-untyped-def]
    with kostra.open(stores["checked"], read_only=True) as session:
        assert session.checked_against_ssb(list(expected["checked"]), YEAR) == {SHARE: True, KRONER: True}
    with kostra.open(stores["tampered"], read_only=True) as session:
        assert session.checked_against_ssb(list(expected["checked"]), YEAR) == {SHARE: False, KRONER: True}


@pytest.mark.parametrize("store", ["checked", "tampered"])
def test_the_model_marks_every_indicator_row(reports, expected, names, store: str) -> None:  # type: ignore[no-untyped-def]
    report = reports[store]
    table = _profile_table(report)
    assert table.columns[-1] == "SSB"
    marks = {
        _row_id(cells[0].text, names): cells[-1] for heading, cells in table.rows if cells and heading is None
    }
    assert {i: cell.full for i, cell in marks.items()} == expected[store]
    assert {i: cell.text for i, cell in marks.items()} == {i: SYMBOL[p] for i, p in expected[store].items()}
    assert all(cell.strong == (cell.full == DIFFERS) for cell in marks.values())
    assert marks[KRONER].source.startswith(f"{CHECKED}: landet 2024: SSB ")
    assert "✓ = kontrollert mot SSB, AVVIK = avvik fra SSB, – = ikke kontrollert mot SSB" in table.note
    assert "kostra data check --year 2024" in report.ssb_note
    assert "kommunenes tall" in report.ssb_note and "DEMODATA" in report.source_line


class _Rows(HTMLParser):
    """The report's table rows: each cell's text and title."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[tuple[str, str]]] = []
        self.text: list[str] = []
        self._cell: list[str] | None = None
        self._title = ""
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell, self._title = [], dict(attrs).get("title") or ""
        elif tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append(("".join(self._cell).strip(), self._title))
            self._cell = None
        elif tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if not self._hidden:
            self.text.append(data)


@pytest.mark.parametrize("store", ["checked", "tampered"])
def test_html_rows_carry_the_mark_and_its_words(files, expected, names, store: str) -> None:  # type: ignore[no-untyped-def]
    parser = _Rows()
    parser.feed(files[store]["html"].read_text("utf-8"))
    found = {}
    for row in parser.rows:
        if len(row) == 8 and any(row[0][0].startswith(f"{n} (") for n in names.values()):
            found[_row_id(row[0][0], names)] = row[-1]
    assert {i: text for i, (text, _) in found.items()} == {i: SYMBOL[p] for i, p in expected[store].items()}
    assert all(title.startswith(expected[store][i]) for i, (_, title) in found.items())
    text = _flat(" ".join(parser.text))
    assert "✓ = kontrollert mot SSB" in text and "«kostra data check --year 2024»" in text
    assert "DEMODATA" in text
    if store == "tampered":
        assert '<td class="num strong" title="avvik fra SSB' in files[store]["html"].read_text("utf-8")


def _pdf_text(path: Path, *options: str) -> str:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "poppler-utils (pdftotext) must be installed; .ci/run does"
    return subprocess.run(
        [pdftotext, *options, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout.replace(NBSP, " ")


@pytest.mark.parametrize("store", ["checked", "tampered"])
def test_pdf_rows_end_with_the_mark(reports, files, expected, names, store: str) -> None:  # type: ignore[no-untyped-def]
    """Each indicator row's figures and its mark stand on one line of the PDF."""
    lines = _pdf_text(files[store]["pdf"], "-layout").splitlines()
    checked = 0
    for heading, cells in _profile_table(reports[store]).rows:
        if heading is not None:
            continue
        mark = SYMBOL[expected[store][_row_id(cells[0].text, names)]]
        texts = [c.text.replace(NBSP, " ") for c in cells[1:-1]]
        pattern = re.compile(r"\s+".join(re.escape(t) for t in texts) + r"\s+" + re.escape(mark) + r"\s*$")
        assert any(pattern.search(line) for line in lines), (cells[0].text, texts, mark)
        checked += 1
    assert checked == len(expected[store])
    plain = _flat(_pdf_text(files[store]["pdf"]))
    assert "SSB: ✓ = kontrollert mot SSB, AVVIK = avvik fra SSB, – = ikke kontrollert mot SSB" in plain
    assert "«kostra data check --year 2024»" in plain and "DEMODATA" in plain


@pytest.mark.parametrize("store", ["checked", "tampered"])
def test_word_rows_carry_the_mark(files, expected, names, store: str) -> None:  # type: ignore[no-untyped-def]
    document = Document(str(files[store]["docx"]))
    found = {}
    for table in (t for t in document.tables if t.rows[0].cells[-1].text == "SSB"):  # KS' list, extras
        for row in table.rows[1:]:
            cells = row.cells
            if cells[0].text != cells[-1].text:  # not a group heading across the table
                found[_row_id(cells[0].text, names)] = cells[-1]
    assert {i: c.text for i, c in found.items()} == {i: SYMBOL[p] for i, p in expected[store].items()}
    for i, cell in found.items():
        bold = any(run.bold for p in cell.paragraphs for run in p.runs)
        assert bold == (expected[store][i] == DIFFERS), i
    words = _flat(" ".join(p.text for p in document.paragraphs))
    assert "✓ = kontrollert mot SSB" in words and "«kostra data check --year 2024»" in words
    assert "AVVIK = avvik fra SSB" in words and "DEMODATA" in words


@pytest.mark.parametrize("store", ["checked", "tampered"])
def test_excel_has_a_column_in_words(files, expected, names, store: str) -> None:  # type: ignore[no-untyped-def]
    book = load_workbook(io.BytesIO(files[store]["xlsx"].read_bytes()))
    sheet = book["Barnehage"]
    rows = list(sheet.iter_rows(values_only=True))
    found = {}
    for at in (n for n, r in enumerate(rows) if r[0] == "Indikator"):  # KS' list, then the extras
        header = rows[at]
        column, source = header.index("SSB"), header.index("Kilde: SSB")
        for row in rows[at + 1 :]:
            if row[0] is None or row[0] == "Indikator":
                break
            if row[1] is not None:
                found[_row_id(str(row[0]), names)] = (row[column], row[source])
    assert {i: phrase for i, (phrase, _) in found.items()} == expected[store]
    assert all(str(detail).startswith(expected[store][i]) for i, (_, detail) in found.items())
    assert found[KRONER][1].startswith("kontrollert mot SSB: landet 2024: SSB ")
    texts = " ".join(str(r[0]) for r in rows[:4] if r[0])
    assert "«kostra data check --year 2024»" in texts and "DEMODATA" in texts


class Client:
    def __init__(self, db: Path) -> None:
        self.transport = httpx.ASGITransport(app=create_app(db))

    def get(self, path: str, **params: object) -> httpx.Response:
        async def call() -> httpx.Response:
            async with httpx.AsyncClient(transport=self.transport, base_url="http://kostra.test") as http:
                return await http.get(path, params=params)  # type: ignore[arg-type]

        return asyncio.run(call())


@pytest.mark.parametrize("store", ["checked", "tampered"])
def test_web_page_and_api_mark_each_indicator(stores, expected, store: str) -> None:  # type: ignore[no-untyped-def]
    client = Client(stores[store])
    state = {CHECKED: True, DIFFERS: False, UNCHECKED: None}
    rows = {}
    for profile in ("alle", "tillegg"):
        api = client.get("/api/profile", municipality="3201", sector=SECTOR, year=YEAR, profile=profile)
        assert api.status_code == 200
        rows |= {r["indicator_id"]: r["checked_against_ssb"] for r in api.json()["rows"]}
    assert rows == {i: state[p] for i, p in expected[store].items()}
    analysis = client.get("/api/analysis", municipality="3201", sector=SECTOR, year=YEAR).json()
    assert {r["indicator_id"]: r["checked_against_ssb"] for r in analysis["profile"]} == rows

    page = client.get(f"/kommune/3201/{SECTOR}", year=YEAR)
    assert page.status_code == 200
    marks = dict(
        re.findall(r'href="/indikator/(\w+)\?.*?<td class="ssb[^"]*"[^>]*data-ssb="([^"]+)"', page.text, re.S)
    )
    assert marks == expected[store]
    assert "✓ = kontrollert mot SSB" in page.text and "«kostra data check --year 2024»" in page.text
    assert "DEMODATA" in page.text
    if store == "tampered":
        assert (
            '<td class="ssb differs" title="avvik fra SSB: landet 2024: SSB 95,0, kostra 92,0" '
            'data-ssb="avvik fra SSB">AVVIK</td>'
        ) in page.text

    indicator = client.get(f"/indikator/{SHARE}", year=YEAR)
    assert indicator.status_code == 200
    assert f"{SYMBOL[expected[store][SHARE]]} {expected[store][SHARE]}</span>" in indicator.text


def test_a_store_without_ssb_figures_is_not_checked(session) -> None:  # type: ignore[no-untyped-def]
    report = build_report(session, "Bærum", YEAR, "asss", ("Asker",), [SECTOR])
    marks = {cells[-1].full for heading, cells in _profile_table(report).rows if heading is None}
    assert marks == {UNCHECKED}
