"""The web app's maps (issue #16, item 1): the boundary files served once, cached and
compressed; the map pages for an indicator, a service area's resource use and the
ranking's scores; the map on the indicator page; and the maps in Debian's Chromium
(357 municipalities drawn, the chosen one outlined, the tooltip, a click opening the
municipality, screenshots at 1400 and 375 px in test-artifacts/).

Numbers are pinned to arithmetic done here on the store's own figures, not to the code
under test: a place is 1 + the count of higher values, the resource use indicator is
r / mean(r over the ASSS members), the ranking's average the mean of the ranked scores.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import math
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from playwright.sync_api import ConsoleMessage, Page, sync_playwright

import kostra
from kostra.api import Session
from kostra.outputs.maps import COUNTIES, CREDIT, MUNICIPALITIES, geo_file
from kostra.outputs.web import create_app, geo
from kostra.outputs.web.map_views import NOT_RANKED, ranking_map
from running import kostra_serve

BAERUM, UTSIRA = "3201", "1151"
HTML = "text/html; charset=utf-8"


class Client:
    def __init__(self, app: object) -> None:
        self.transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[httpx.Response, bytes]:
        """The answer and its body as sent (not decompressed)."""

        async def call() -> tuple[httpx.Response, bytes]:
            async with (
                httpx.AsyncClient(transport=self.transport, base_url="http://kostra.test") as http,
                http.stream("GET", path, headers=headers or {}) as response,
            ):
                body = b"".join([chunk async for chunk in response.aiter_raw()])
                return response, body

        return asyncio.run(call())

    def page(self, path: str) -> httpx.Response:
        response, body = self.get(path)
        return httpx.Response(response.status_code, headers=response.headers, content=body)


@pytest.fixture(scope="module")
def store(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("maps") / "kostra.duckdb"
    shutil.copy(template_store, db)
    return db


@pytest.fixture(scope="module")
def client(store: Path) -> Client:
    return Client(create_app(store, rate=1_000_000))


@pytest.fixture(scope="module")
def session(store: Path) -> Iterator[Session]:
    with kostra.open(store, read_only=True) as opened:
        yield opened


def _spec(html: str, block: str = "kart-spec") -> dict[str, object]:
    text = html.split(f'<script type="application/json" id="{block}">')[1].split("</script>")[0]
    return json.loads(text)  # type: ignore[no-any-return]


def _rows(spec: dict[str, object]) -> dict[str, dict[str, object]]:
    return {r["kode"]: r for r in spec["data"]["values"]}  # type: ignore[index]


def _urls(spec: dict[str, object]) -> set[str]:
    return set(re.findall(r'"url": "([^"]+)"', json.dumps(spec)))


# -- the boundary files ------------------------------------------------------------------------


def test_the_boundaries_are_one_cached_compressed_file(client: Client) -> None:
    url = f"{geo.url()}/{MUNICIPALITIES}"
    plain = geo_file(MUNICIPALITIES).read_bytes()
    zipped, body = client.get(url, {"Accept-Encoding": "gzip, deflate"})
    assert zipped.status_code == 200
    assert zipped.headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == plain
    assert len(body) < len(plain) / 2  # 315 kB travel as about 100 kB
    assert zipped.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert zipped.headers["vary"] == "Accept-Encoding"
    assert zipped.headers["content-type"] == "application/json"
    assert "content-security-policy" in zipped.headers  # the security headers as everywhere
    # A client without gzip gets the file as it is, under another ETag.
    identity, body = client.get(url, {"Accept-Encoding": "identity"})
    assert "content-encoding" not in identity.headers and body == plain
    assert identity.headers["etag"] != zipped.headers["etag"]
    refused, body = client.get(url, {"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers and body == plain
    # The ETag it has: 304, no body; another one (the other representation's): the file.
    again, body = client.get(url, {"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["etag"]})
    assert again.status_code == 304 and body == b""
    assert again.headers["etag"] == zipped.headers["etag"]
    other, _ = client.get(url, {"Accept-Encoding": "gzip", "If-None-Match": identity.headers["etag"]})
    assert other.status_code == 200
    _, body = client.get(f"{geo.url()}/{COUNTIES}", {"Accept-Encoding": "gzip"})
    assert gzip.decompress(body) == geo_file(COUNTIES).read_bytes()
    missing = client.page(f"{geo.url()}/kommuner.topojson")
    assert missing.status_code == 404 and missing.headers["content-type"] == HTML
    deeper = client.page(f"{geo.url()}/x/{MUNICIPALITIES}.old")
    assert deeper.status_code == 404 and deeper.headers["content-type"] == HTML


def test_the_boundaries_take_get_and_head_only(client: Client) -> None:
    url = f"{geo.url()}/{COUNTIES}"

    async def call(method: str) -> httpx.Response:
        async with httpx.AsyncClient(transport=client.transport, base_url="http://kostra.test") as http:
            return await http.request(method, url, headers={"Accept-Encoding": "gzip"})

    head = asyncio.run(call("HEAD"))
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(geo.geo(COUNTIES).gzipped)  # type: ignore[union-attr]
    post = asyncio.run(call("POST"))
    assert post.status_code == 405 and post.headers["allow"] == "GET, HEAD"
    assert post.headers["content-type"] == HTML


def test_every_map_loads_the_same_two_files(client: Client) -> None:
    """One shared file whatever the indicator, year or kind of map: the pages differ in
    their figures, never in the boundaries' URLs (so a browser fetches them once)."""
    pages = [
        "/kart/indikator/plo_inst_brutto_per_plass?year=2024",
        "/kart/indikator/gs_gruppestorrelse?year=2019&kommune=Bærum",
        "/kart/ressursbruk/barnehage",
        "/kart/rangering?sektor=grunnskole",
        "/indikator/plo_sykefravaer?highlight=3201",
    ]
    expected = {f"{geo.url()}/{MUNICIPALITIES}", f"{geo.url()}/{COUNTIES}"}
    for path in pages:
        page = client.page(path)
        assert page.status_code == 200, path
        spec = _spec(page.text)
        assert _urls(spec) == expected, path
        assert "arcs" not in page.text  # no boundaries inline
        assert 50_000 < len(page.content) < 250_000, (path, len(page.content))


# -- the map pages -------------------------------------------------------------------------------


def test_the_indicator_map_outlines_ranks_and_links(client: Client, session: Session) -> None:
    page = client.page("/kart/indikator/plo_inst_brutto_per_plass?year=2024&kommune=Bærum")
    assert page.status_code == 200
    html = page.text
    spec = _spec(html)
    rows = _rows(spec)
    assert len(rows) == 357
    # The published figure (as the indicator page shows it), in Norwegian form.
    assert rows[BAERUM]["verdi"] == 1552889 and rows[BAERUM]["tekst"] == "1\u00a0552\u00a0889"
    # Place: 1 + the number of municipalities with a higher figure, among those with one.
    figures = session.observations(["plo_inst_brutto_per_plass"], [2024]).set_index("region_code")["value"]
    figures = figures[figures.index.isin(list(rows))].dropna()
    place = 1 + int((figures > figures[BAERUM]).sum())
    assert rows[BAERUM]["plass"] == f"{place} av {len(figures)}"
    # The ASSS average in every tooltip, as the sector page's profile gives it for Bærum.
    profile = session.analyse(BAERUM, "pleie-og-omsorg", 2024, "asss", ()).profile.set_index("indicator_id")
    average = profile.loc["plo_inst_brutto_per_plass", "group_average"]
    assert rows[UTSIRA]["snitt"] == f"{round(average):,}".replace(",", "\u00a0")
    tooltip = spec["layer"][1]["encoding"]["tooltip"]  # type: ignore[index]
    assert [t["title"] for t in tooltip] == ["Kommune", "Kroner", "Plass (høyest = 1)", "Snitt ASSS"]
    # Bærum outlined (the last layer: only Bærum, no fill); a click opens the municipality.
    outline = spec["layer"][-1]  # type: ignore[index]
    assert outline["transform"][0] == {"filter": {"field": "kode", "equal": BAERUM}}
    assert outline["mark"]["filled"] is False and outline["mark"]["strokeWidth"] > 2
    assert {"calculate": '"/kommune/" + datum.kode + "?year=2024"', "as": "lenke"} in outline["transform"]
    assert CREDIT in spec["title"]["text"]  # type: ignore[index]
    # The page around it: DEMODATA, the year picker, the table (the text alternative).
    assert "DEMODATA" in html and "Kartdata: Kartverket, CC BY 4.0" in html
    assert '<option value="2024" selected>2024</option>' in html and '<option value="2015">' in html
    assert 'value="Bærum"' in html
    table = html.split('id="kart-tabell"')[1].split("</table>")[0]
    assert table.count("<tr") == 1 + 357
    marked = [row for row in table.split("<tr") if row.startswith(' class="marked"')]
    assert len(marked) == 1 and f'<a href="/kommune/{BAERUM}?year=2024">Bærum</a>' in marked[0]
    assert f'data-value="{place}">{place}</td>' in marked[0]
    assert '<a href="/indikator/plo_inst_brutto_per_plass?year=2024&amp;highlight=3201">' in html


def test_an_older_year_is_drawn_on_todays_borders(client: Client) -> None:
    page = client.page("/kart/indikator/gs_gruppestorrelse?year=2019&kommune=0219")  # Bærum's old number
    assert page.status_code == 200
    spec = _spec(page.text)
    assert spec["title"]["text"][1].startswith("Tegnet på 2024-grenser")  # type: ignore[index]
    assert spec["layer"][-1]["transform"][0] == {"filter": {"field": "kode", "equal": BAERUM}}  # type: ignore[index]
    assert "Tegnet på 2024-grensene" in page.text and "<h1>Gruppestørrelse, 2019</h1>" in page.text
    outline = spec["layer"][-1]  # type: ignore[index]
    assert {"calculate": '"/kommune/" + datum.kode + "?year=2019"', "as": "lenke"} in outline["transform"]


def test_the_resource_use_map_is_the_analysis_indicator(client: Client, session: Session) -> None:
    page = client.page("/kart/ressursbruk/pleie-og-omsorg?year=2024&kommune=Bærum&group=asss")
    assert page.status_code == 200
    rows = _rows(_spec(page.text))
    # KOSTRA.md method 3 by hand: r = (net - depreciation) / need; indicator = r / mean(r, ASSS).
    economics = session.catalog.economics["pleie-og-omsorg"]
    assert economics.depreciation is not None
    obs = session.observations(
        [economics.net_expenditure, economics.depreciation, economics.need_index], [2024]
    ).pivot_table(index="region_code", columns="indicator_id", values="value")
    r = (obs[economics.net_expenditure] - obs[economics.depreciation]) / obs[economics.need_index]
    asss = session.members("asss", 2024)
    by_hand = r[BAERUM] / r[r.index.isin(list(asss))].mean()
    assert rows[BAERUM]["verdi"] == pytest.approx(by_hand, abs=1e-5)
    assert rows[BAERUM]["tekst"] == "1,076"  # the sector page's sentence: 7,6 prosent mer
    assert rows[BAERUM]["snitt"] == "1,000"
    analysis = session.analyse(BAERUM, "pleie-og-omsorg", 2024, "asss", ())
    assert rows[BAERUM]["verdi"] == pytest.approx(analysis.resource_use_indicator, abs=1e-5)
    assert "<h1>Ressursbruk i pleie og omsorg, 2024</h1>" in page.text
    assert "ASSS = 1" in page.text and "DEMODATA" in page.text


def test_the_ranking_map_shows_scores_and_leaves_the_unranked_out(client: Client, session: Session) -> None:
    page = client.page("/kart/rangering?sektor=grunnskole&kommune=Bærum&year=2024")
    assert page.status_code == 200
    rows = _rows(_spec(page.text))
    _, scores = session.rank(2024)
    part = scores[scores["sector"] == "grunnskole"].set_index("region_code")
    ranked = part[part["ranked"].astype(bool)]
    assert rows[BAERUM]["verdi"] == pytest.approx(ranked.loc[BAERUM, "score"], abs=1e-4)
    assert rows[BAERUM]["plass"] == f"{int(ranked.loc[BAERUM, 'rank'])} av {len(ranked)}"
    assert rows[BAERUM]["snitt"] == f"{ranked['score'].mean():.2f}".replace(".", ",")
    for code in part.index[~part["ranked"].astype(bool)]:
        assert rows[code]["verdi"] is None and rows[code]["merknad"] == NOT_RANKED
    assert '<option value="grunnskole" selected>' in page.text
    assert '<a href="/rangering?sektor=grunnskole&amp;year=2024&amp;kommune=3201">' in page.text


def test_blank_form_fields_mean_not_chosen(client: Client) -> None:
    indicator = "gs_gruppestorrelse"
    for path in (
        f"/kart/indikator/{indicator}?year=&kommune=&group=",
        "/kart/rangering?year=&sektor=&kommune=",
        "/kart/ressursbruk/barnehage?year=&kommune=+&group=",
    ):
        page = client.page(path)
        assert page.status_code == 200, path
        assert '"equal"' not in json.dumps(_spec(page.text))  # no outline layer
        assert 'class="marked"' not in page.text


def test_a_map_for_every_service_area(client: Client, session: Session) -> None:
    """The first indicator of every service area draws a map with its figures."""
    for sector in session.catalog.sectors.values():
        if sector.hidden:
            continue
        indicator = session.catalog.indicators_of(sector.id)[0]
        page = client.page(f"/kart/indikator/{indicator.id}?kommune=Utsira")
        assert page.status_code == 200, indicator.id
        assert page.headers["content-type"] == HTML
        rows = _rows(_spec(page.text))
        assert len(rows) == 357 and sum(r["verdi"] is not None for r in rows.values()) > 300, indicator.id
        assert f"<h1>{indicator.name_nb}, " in page.text.replace("&#39;", "'"), indicator.id
        assert "DEMODATA" in page.text


def test_the_ranking_map_by_hand(session: Session) -> None:
    """Three municipalities, one unranked (too few key figures): it has no figure and says
    why; the places count the ranked only; the average is theirs: (4 + 3) / 2 = 3,50."""
    scores = pd.DataFrame(
        {
            "region_code": [BAERUM, UTSIRA, "0301"],
            "sector": "grunnskole",
            "score": [4.0, 5.0, 3.0],
            "ranked": [True, False, True],
            "rank": [1.0, math.nan, 2.0],
            "year": 2024,
            "sector_name": "Grunnskole",
        }
    )
    view = ranking_map(session, "grunnskole", scores, (2015, 2024), BAERUM)
    rows = _rows(view.spec)
    assert (rows[BAERUM]["verdi"], rows[BAERUM]["plass"], rows[BAERUM]["snitt"]) == (4.0, "1 av 2", "3,50")
    assert (rows["0301"]["tekst"], rows["0301"]["plass"]) == ("3,00", "2 av 2")
    assert rows[UTSIRA]["verdi"] is None and rows[UTSIRA]["merknad"] == NOT_RANKED
    assert rows["4601"]["verdi"] is None and rows["4601"]["merknad"] == ""  # Bergen: simply no figure
    assert view.title == "Rangering: Grunnskole" and view.years[0] == 2024 and view.chosen == BAERUM
    # The table: the highest first, then those without a figure by name (the map's own names)
    assert [r["kode"] for r in view.rows[:2]] == [BAERUM, "0301"]
    rest = [r["kommune"] for r in view.rows[2:]]
    assert rest == sorted(rest) and len(rest) == 355


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/kart/indikator/finnes_ikke", 404, "kostra har ingen indikator"),
        ("/kart/indikator/gs_gruppestorrelse?year=2030", 404, "kostra har ikke tall for 2030"),
        ("/kart/indikator/gs_gruppestorrelse?year=tjue", 422, "året «tjue» er ikke et helt tall"),
        ("/kart/indikator/gs_gruppestorrelse?kommune=Atlantis", 404, "Atlantis"),
        ("/kart/indikator/gs_gruppestorrelse?kommune=Akershus", 404, "er et fylke"),
        ("/kart/indikator/gs_gruppestorrelse?aar=2024", 422, "ukjent valg"),
        ("/kart/ressursbruk/kultur-og-fritid", 404, "har ingen ressursbruksindikator"),
        ("/kart/ressursbruk/ukjent", 404, "velg ett av"),
        ("/kart/rangering?sektor=kommunehelse&year=2031", 404, "2031"),
        ("/kart/rangering?sektor=vann", 404, ""),
    ],
)
def test_a_bad_choice_gives_a_page(client: Client, path: str, status: int, says: str) -> None:
    page = client.page(path)
    assert page.status_code == status, page.text[:500]
    assert page.headers["content-type"] == HTML and '<p class="error-message">' in page.text
    assert says in page.text.replace("&#39;", "'").replace("&#34;", '"')


def test_the_pages_link_to_their_maps(client: Client) -> None:
    indicator = client.page("/indikator/plo_inst_brutto_per_plass?year=2024&highlight=3201,Asker")
    spec = _spec(indicator.text)
    assert len(_rows(spec)) == 357
    assert spec["layer"][-1]["transform"][0] == {"filter": {"field": "kode", "equal": BAERUM}}  # type: ignore[index]
    assert 'href="/kart/indikator/plo_inst_brutto_per_plass?year=2024&amp;kommune=3201"' in indicator.text
    ranking = client.page("/rangering?sektor=grunnskole&kommune=Bærum")
    assert 'href="/kart/rangering?sektor=grunnskole&amp;year=2024&amp;kommune=B%C3%A6rum"' in ranking.text
    sector = client.page("/kommune/3201/pleie-og-omsorg?year=2024")
    assert 'href="/kart/ressursbruk/pleie-og-omsorg?year=2024&amp;kommune=3201&amp;group=asss"' in sector.text


# -- in the browser ------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
KNOWN = (
    "the server responded with a status of",
    "The input spec uses Vega-Lite v5, but the current version of Vega-Lite is v6",
)
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""
# The fill layers' shapes have a white stroke; the outline is the black one (maps.OUTLINE_COLOUR).
FILLED = '#kart svg path[aria-label][stroke="#ffffff"]'
OUTLINED = '#kart svg path[aria-label][stroke="#000000"]'


@pytest.fixture(scope="module")
def server(store: Path) -> Iterator[str]:
    with kostra_serve(store) as (base, _):
        yield base


@pytest.fixture(scope="module")
def browser_page() -> Iterator[tuple[Page, list[str]]]:
    assert Path(CHROMIUM).exists(), "Debian's chromium must be installed (.ci/run installs it)"
    ARTIFACTS.mkdir(exist_ok=True)
    complaints: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning") and not any(k in message.text for k in KNOWN):
            complaints.append(f"console {message.type}: {message.text}")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.add_init_script(RECORD_VIOLATIONS)
        opened = context.new_page()
        opened.on("console", console)
        opened.on("pageerror", lambda error: complaints.append(f"page error: {error}"))
        yield opened, complaints
        context.close()
        browser.close()


@pytest.fixture
def page(browser_page: tuple[Page, list[str]]) -> Iterator[Page]:
    opened, complaints = browser_page
    complaints.clear()
    opened.set_viewport_size({"width": 1400, "height": 1000})
    yield opened
    assert not opened.evaluate("window.__violations || []")
    assert not complaints, complaints


def test_the_map_draws_outlines_tells_and_opens(
    server: str, page: Page, browser_page: tuple[Page, list[str]]
) -> None:
    page.goto(f"{server}/kart/indikator/plo_inst_brutto_per_plass?year=2024&kommune=Bærum")
    page.wait_for_selector(OUTLINED, state="attached")
    assert page.locator(FILLED).count() == 357
    outlined = page.locator(OUTLINED)
    assert outlined.count() == 1
    assert outlined.first.get_attribute("aria-label") == "Bærum: 1\u00a0552\u00a0889"
    assert float(outlined.first.get_attribute("stroke-width") or 0) > 2
    # County borders: one unfilled path over the shapes.
    assert page.locator('#kart svg path[stroke="#333333"]').count() == 1
    assert "Kartdata: Kartverket, CC BY 4.0" in page.inner_text("#kart")
    assert page.inner_text(".demodata").startswith("DEMODATA:")
    page.screenshot(path=str(ARTIFACTS / "map-1400.png"), full_page=True)
    # The tooltip: name, the value as the table has it, place and the group's average.
    row = page.locator("#kart-tabell tbody tr", has=page.locator("a", has_text=re.compile("^Utsira$")))
    place, value = row.locator("td").nth(0).inner_text(), row.locator("td").nth(2).inner_text()
    utsira = page.locator(f'{FILLED}[aria-label^="Utsira:"]')
    utsira.hover(force=True)
    page.wait_for_selector("#vg-tooltip-element.visible")
    tip = page.inner_text("#vg-tooltip-element")
    assert f"Kommune\tUtsira\nKroner\t{value}\nPlass (høyest = 1)\t{place} av " in tip, tip
    assert re.search(r"Snitt ASSS\t\d{1,3}(\u00a0\d{3})+$", tip), tip
    # A click opens the municipality, in the map's year (whose page's complaints are not the map's).
    assert not browser_page[1], browser_page[1]
    utsira.click(force=True)
    page.wait_for_url(f"**/kommune/{UTSIRA}?year=2024")
    browser_page[1].clear()
    assert page.inner_text("h1").startswith("Utsira")


def test_the_map_fits_a_phone_and_picks_a_year(server: str, page: Page) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{server}/kart/ressursbruk/pleie-og-omsorg?kommune=Bærum")
    page.wait_for_selector(OUTLINED, state="attached")
    assert page.locator(FILLED).count() == 357
    width = page.evaluate("document.querySelector('#kart svg').getBoundingClientRect().width")
    assert width <= 375 - 16  # within the page's padding
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing sideways
    page.screenshot(path=str(ARTIFACTS / "map-375.png"), full_page=True)
    page.select_option("#map-year", "2020")
    page.click("form.map-form button[type=submit]")
    page.wait_for_url("**year=2020**")
    page.wait_for_selector(OUTLINED, state="attached")
    assert page.inner_text("h1") == "Ressursbruk i pleie og omsorg, 2020"
    assert "Tegnet på 2024-grenser" in page.inner_text("#kart")


def test_the_indicator_page_and_the_ranking_map_draw(server: str, page: Page) -> None:
    page.goto(f"{server}/indikator/plo_sykefravaer?year=2024&highlight=Utsira,Bærum")
    page.wait_for_selector(OUTLINED, state="attached")
    assert page.locator(FILLED).count() == 357
    assert page.locator(OUTLINED).first.get_attribute("aria-label", timeout=1000).startswith("Utsira:")  # type: ignore[union-attr]
    page.locator("#kart").screenshot(path=str(ARTIFACTS / "map-on-indicator-page.png"))
    page.click("a.map-link")
    page.wait_for_url("**/kart/indikator/plo_sykefravaer?year=2024&kommune=1151")
    page.goto(f"{server}/rangering?sektor=grunnskole")
    page.click("text=Poengene på kart")
    page.wait_for_url("**/kart/rangering?sektor=grunnskole**")
    page.wait_for_selector(FILLED, state="attached")
    assert page.locator(FILLED).count() == 357
    assert page.inner_text("h1").startswith("Rangering: Grunnskole")
