"""The indicator page (issue #16, item 3): bins, ranks and the chart spec pinned to
hand-computed numbers, and the page in-process: marks named at their values, the ranked
table with the chosen municipalities highlighted, the way back, the downloads.

Where the marks land in the browser is read from the rendered SVG in test_browser.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kostra.catalog import load_catalog
from kostra.outputs.web import create_app
from kostra.outputs.web.indicator import MARK_COLOURS, Bins, distribution_chart, histogram, nice_step, ranked
from outputs.test_web import Client

CATALOG = load_catalog()


def test_nice_step_is_the_smallest_that_fits() -> None:
    # 900 000–2 300 000 in at most 30 bins: steps 10 000, 20 000 and 25 000 need
    # 141, 71 and 57 bins (230 - 90 + 1, 115 - 45 + 1, 92 - 36 + 1); 50 000 needs 46 - 18 + 1 = 29.
    assert nice_step(900_000, 2_300_000) == 50_000
    # 1–10 in at most 5: step 1 needs 10, 2 needs 6 (5 - 0 + 1), 2.5 needs 5 (4 - 0 + 1).
    assert nice_step(1, 10, 5) == 2.5
    # 0.1–0.7 in at most 7: 0.05 needs 14 - 2 + 1 = 13; 0.1 needs 7 - 1 + 1 = 7 (0.7 / 0.1
    # is 6.999… in floating point: it must still count as 7).
    assert nice_step(0.1, 0.7, 7) == pytest.approx(0.1)


def test_histogram_counts_half_open_bins() -> None:
    # Step 2.5 (above): [0, 2.5) holds 1, 2, 2; [2.5, 5) holds 3.5; 10 opens [10, 12.5).
    assert histogram([1, 2, 2, 3.5, 10], max_bins=5) == Bins(0.0, 2.5, (3, 1, 0, 0, 1))
    assert histogram([1, 2, 2, 3.5, 10], max_bins=5).end == 12.5
    # A value on a bin's lower edge belongs to that bin: 0.7 is in [0.7, 0.8), not [0.6, 0.7).
    assert histogram([0.1, 0.25, 0.7], max_bins=7) == Bins(0.1, 0.1, (1, 1, 0, 0, 0, 0, 1))
    assert histogram([]) == Bins(0.0, 1.0, ())
    assert histogram([5, 5, 5]).counts == (3,)  # no spread: one bin


def test_ranked_shares_places_and_puts_the_missing_last() -> None:
    rows = ranked(
        [("a", "Aa", 10.0), ("b", "Bb", 30.0), ("c", "Cc", 10.0), ("d", "Dd", None), ("e", "Ee", 5.0)],
        marked=["c", "d"],
    )
    # 30 first; the two 10s share place 2; 5 is fourth (three values above it); no figure: no place.
    assert [(r.code, r.rank) for r in rows] == [("b", 1), ("a", 2), ("c", 2), ("e", 4), ("d", None)]
    assert [r.marked for r in rows] == [None, None, 0, None, 1]


def test_the_marks_share_the_bars_scale() -> None:
    """Every x quantitative, on one scale whose domain is the bins' edges: the bars run
    from fra to til and the marks stand at verdi (the old spec's marks had an untyped x,
    which Vega-Lite takes as nominal: a point scale of their own, and Bærum's mark about
    400 000 kroner off on the bars' axis)."""
    indicator = CATALOG.indicators["plo_inst_brutto_per_plass"]
    rows = ranked(
        [
            ("3201", "Bærum", 1_552_889.0),
            ("3203", "Asker", 1_520_001.0),
            ("0301", "Oslo - Oslove", 2_100_000.0),
        ]
        + [(f"x{i}", f"K{i}", 900_000.0 + i * 50_000) for i in range(20)],
        marked=["3201", "0301"],
    )
    spec = distribution_chart(indicator, rows, 2024)
    text = json.dumps(spec)
    assert '"bin"' not in text and "verdi" not in [
        layer.get("encoding", {}).get("x", {}).get("title") for layer in spec["layer"]
    ]
    bars, marks = spec["layer"][0], spec["layer"][1:]
    # 900 000–1 850 000 and 2 100 000 with step 50 000: bins from 900 000 to 2 150 000.
    domain = bars["encoding"]["x"]["scale"]["domain"]
    assert domain == [900_000, 2_150_000] and bars["encoding"]["x"]["scale"]["nice"] is False
    assert bars["encoding"]["x"]["axis"]["format"] == ",.0~f"  # with the page's nb locale: 1 500 000
    assert bars["encoding"]["x"]["title"] == "Kroner, 2024"
    assert [m["data"]["values"][0]["verdi"] for m in marks] == [1_552_889.0, 2_100_000.0]
    for mark in marks:
        for part in mark["layer"]:
            assert part["encoding"]["x"]["scale"] == bars["encoding"]["x"]["scale"]
            assert part["encoding"]["x"]["field"] == "verdi"
            assert part["encoding"]["x"]["type"] == "quantitative"
    # Named, each in its colour (the page's own first); Oslo by its short name, reading
    # leftwards in the right half (2 100 000 > (900 000 + 2 150 000) / 2 = 1 525 000).
    assert marks[0]["layer"][0]["mark"]["color"] == MARK_COLOURS[0]
    assert marks[1]["layer"][0]["mark"]["color"] == MARK_COLOURS[1]
    assert marks[1]["data"]["values"][0]["navn"] == "Oslo \u25be"
    assert marks[1]["layer"][1]["mark"]["align"] == "right"
    assert marks[0]["data"]["values"][0]["navn"] == "Bærum \u25be"  # 1 552 889 > 1 525 000 too


@pytest.fixture(scope="module")
def client(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Client:
    db = tmp_path_factory.mktemp("indicator") / "kostra.duckdb"
    shutil.copy(template_store, db)
    return Client(create_app(db, rate=1_000_000))


def _spec(html: str) -> dict[str, object]:
    block = html.split('<script type="application/json" id="fordeling-spec">')[1].split("</script>")[0]
    return json.loads(block)  # type: ignore[no-any-return]


def test_the_page_marks_names_ranks_and_leads_back(client: Client) -> None:
    page = client.get(
        "/indikator/plo_inst_brutto_per_plass", params={"year": 2024, "highlight": ["3201", "Asker,Oslo"]}
    )
    assert page.status_code == 200
    html = page.text
    spec = _spec(html)
    marks = {m["data"]["values"][0]["kommune"]: m["data"]["values"][0] for m in spec["layer"][1:]}  # type: ignore[index]
    assert marks["Bærum"]["verdi"] == 1552889  # the published figure, where it is drawn
    assert marks["Asker"]["verdi"] == 1520001
    # The way back: the municipality first chosen, its service area with the others compared.
    crumbs = html.split('<nav class="crumbs"')[1].split("</nav>")[0]
    assert '<a href="/kommune/3201?year=2024">Bærum</a>' in crumbs
    assert (
        '<a href="/kommune/3201/pleie-og-omsorg?year=2024&amp;compare=Asker%2COslo">Pleie og omsorg</a>'
        in crumbs
    )
    # The ranked table: every municipality, the chosen three highlighted, each linking to its page.
    table = html.split('id="kommuner"')[1].split("</table>")[0]
    assert table.count("<tr") == 1 + 357
    marked = [row for row in table.split("<tr") if row.startswith(' class="marked"')]
    assert len(marked) == 3
    assert any('href="/kommune/3201/pleie-og-omsorg?year=2024">Bærum</a>' in row for row in marked)
    rank = int(marks["Bærum"]["plass"])
    assert f'<td class="num" data-value="{rank}">{rank}</td><td><a href="/kommune/3201/' in table
    assert f"Bærum</span> (1\u00a0552\u00a0889, plass {rank} av " in html
    # Downloads of the table.
    assert 'href="/indikator/plo_inst_brutto_per_plass/tabell.csv?year=2024" download' in html
    assert 'href="/indikator/plo_inst_brutto_per_plass/tabell.xlsx?year=2024" download' in html
    assert "DEMODATA" in html


def test_the_page_without_a_municipality_chosen(client: Client) -> None:
    page = client.get("/indikator/gs_gruppestorrelse")
    assert page.status_code == 200
    spec = _spec(page.text)
    assert len(spec["layer"]) == 1  # type: ignore[arg-type]  # the bars, no marks
    assert 'class="marked"' not in page.text and '<a href="/">Velg kommune</a>' in page.text


def test_the_mark_colours_are_the_pages() -> None:
    """The names in the text wear their marks' colours (app.css)."""
    css = (Path(__file__).parents[2] / "src/kostra/outputs/web/static/app.css").read_text()
    for i, colour in enumerate(MARK_COLOURS):
        assert f".chosen-{i} {{ color: {colour}; }}" in css
