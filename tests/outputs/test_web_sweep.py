"""Every page and API endpoint, for a large and a small municipality, for years before,
inside and after the data, and for names kostra does not have (issue #11).

Each case checks the status (200 inside the data; 404 or 422 outside it; never 5xx), that
no traceback leaks, the content type (HTML for pages, JSON under /api), that a refused
year is answered with the years kostra has, that a refused page is the HTML error page,
and that every page with figures says DEMODATA (the bundled figures are partly generated).
The cases are built from the catalog, so a new service area is swept the day it exists.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

import kostra
from kostra.catalog import load_catalog
from kostra.outputs.web import create_app

CATALOG = load_catalog()
SECTORS = [s.id for s in CATALOG.sectors.values() if not s.hidden]
HIDDEN = [s.id for s in CATALOG.sectors.values() if s.hidden]
PLO_PROFILES = [p.id for p in CATALOG.sectors["pleie-og-omsorg"].profiles]
RANKED = list(CATALOG.ranking.key_figures) if CATALOG.ranking else []
INDICATOR_OF = {s: CATALOG.indicators_of(s)[0].id for s in SECTORS}
MUNICIPALITIES = {"3201": "Bærum", "1151": "Utsira"}
INSIDE: list[int | None] = [None, 2020, 2024]  # None: the page's default, the latest year
OUTSIDE = [2000, 2014, 2030]  # before and after the bundled 2015-2024
YEARS = INSIDE + OUTSIDE

PAGE, API, FILE = "page", "api", "file"  # HTML page, JSON API, a download under /api


@dataclass(frozen=True)
class Case:
    id: str
    path: str
    params: dict[str, object] = field(default_factory=dict)
    kind: str = PAGE
    status: int = 200
    figures: bool = True  # a 200 page with figures must say DEMODATA
    names_years: bool = False  # a refusal must name the years kostra has


def _year(year: int | None) -> dict[str, object]:
    return {} if year is None else {"year": year}


def _status(year: int | None) -> int:
    return 404 if year in OUTSIDE else 200


def _label(year: int | None) -> str:
    return "latest" if year is None else str(year)


def _pages() -> Iterator[Case]:
    yield Case("start", "/", figures=False)
    for code in MUNICIPALITIES:
        for year in YEARS:
            y, status, out = _year(year), _status(year), year in OUTSIDE
            yield Case(
                f"overview-{code}-{_label(year)}", f"/kommune/{code}", y, status=status, names_years=out
            )
            for sector in SECTORS:
                yield Case(
                    f"sector-{code}-{sector}-{_label(year)}",
                    f"/kommune/{code}/{sector}",
                    y,
                    status=status,
                    names_years=out,
                )
                yield Case(
                    f"indicator-{code}-{INDICATOR_OF[sector]}-{_label(year)}",
                    f"/indikator/{INDICATOR_OF[sector]}",
                    {**y, "highlight": code},
                    status=status,
                    names_years=out,
                )
            yield Case(
                f"ranking-{code}-{_label(year)}",
                "/rangering",
                {**y, "kommune": code},
                status=status,
                names_years=out,
            )
            yield Case(
                f"report-{code}-{_label(year)}",
                f"/kommune/{code}/rapport.html",
                y,
                status=status,
                names_years=out,
            )
    for year in YEARS:
        yield Case(
            f"ranking-{_label(year)}",
            "/rangering",
            _year(year),
            status=_status(year),
            names_years=year in OUTSIDE,
        )
    for sector in RANKED:
        yield Case(
            f"ranking-sector-{sector}", "/rangering", {"sektor": sector, "kommune": "Utsira", "year": 2024}
        )
    # The indicator page's and the ranking page's downloads (a refusal is the error page).
    for year in YEARS:
        status = _status(year)
        for suffix in ("csv", "xlsx"):
            for path, params in (
                (f"/indikator/{INDICATOR_OF['grunnskole']}/tabell.{suffix}", _year(year)),
                (f"/rangering/tabell.{suffix}", {**_year(year), "sektor": RANKED[0]}),
            ):
                yield Case(
                    f"download-{path.split('/')[1]}-{suffix}-{_label(year)}",
                    path,
                    params,
                    kind=FILE if status == 200 else PAGE,
                    status=status,
                    names_years=year in OUTSIDE,
                )
    # The start page's and the ranking page's forms send their empty fields.
    yield Case("ranking-form-empty", "/rangering", {"sektor": "", "kommune": "", "year": ""})


def _page_refusals() -> Iterator[Case]:
    yield Case("unknown-municipality-overview", "/kommune/Atlantis", status=404)
    yield Case("unknown-municipality-number", "/kommune/9999", status=404)
    yield Case("unknown-municipality-sector", "/kommune/Atlantis/grunnskole", status=404)
    yield Case("unknown-municipality-report", "/kommune/Atlantis/rapport.html", status=404)
    yield Case("unknown-municipality-ranking", "/rangering", {"kommune": "Atlantis"}, status=404)
    yield Case(
        "unknown-municipality-highlight", "/indikator/plo_sykefravaer", {"highlight": "Atlantis"}, status=404
    )
    yield Case("unknown-peer", "/kommune/3201/grunnskole", {"compare": "Atlantis"}, status=404)
    yield Case("unknown-group-overview", "/kommune/3201", {"group": "romvesen"}, status=404)
    yield Case("unknown-group-sector", "/kommune/3201/grunnskole", {"group": "romvesen"}, status=404)
    yield Case("unknown-group-report", "/kommune/3201/rapport.html", {"group": "romvesen"}, status=404)
    yield Case("unknown-sector", "/kommune/3201/romfart", status=404)
    yield Case("unknown-sector-ranking", "/rangering", {"sektor": "romfart"}, status=404)
    yield Case("unknown-sector-choose", "/velg", {"kommune": "Bærum", "sektor": "romfart"}, status=404)
    yield Case("unknown-indicator", "/indikator/finnes_ikke", status=404)
    yield Case("unknown-indicator-download", "/indikator/finnes_ikke/tabell.csv", status=404)
    yield Case("bad-download-format", "/indikator/plo_sykefravaer/tabell.ods", status=422)
    yield Case("unknown-sector-download", "/rangering/tabell.csv", {"sektor": "romfart"}, status=404)
    yield Case("empty-fields-download", "/rangering/tabell.csv", {"sektor": "", "year": ""}, kind=FILE)
    yield Case("unknown-page", "/finnes-ikke", status=404)
    yield Case("bad-report-format", "/kommune/3201/rapport.odt", status=422)
    yield Case("bad-year", "/kommune/3201/grunnskole", {"year": "i fjor"}, status=422, names_years=True)
    yield Case("year-out-of-bounds", "/rangering", {"year": 1999}, status=422, names_years=True)
    yield Case("bad-municipality", "/kommune/3201/grunnskole", {"compare": "<script>"}, status=422)
    yield Case("choose-empty-municipality", "/velg", {"kommune": "", "sektor": ""}, status=422)
    # compare: repeated or comma-separated, at most five; an unknown or repeated parameter.
    six = "Asker,Oslo,Bergen,Trondheim,Stavanger,Tromsø"
    yield Case("compare-commas", "/kommune/3201/grunnskole", {"compare": "Asker, Oslo"})
    yield Case("compare-repeated", "/kommune/3201/grunnskole", {"compare": ["Asker", "Oslo"]})
    yield Case("compare-too-many", "/kommune/3201/grunnskole", {"compare": six}, status=422)
    yield Case("highlight-commas", "/indikator/plo_sykefravaer", {"highlight": "3201,Asker"})
    yield Case("unknown-parameter-start", "/", {"x": "1"}, status=422)
    yield Case("unknown-parameter-overview", "/kommune/3201", {"yera": "2020"}, status=422)
    yield Case("unknown-parameter-sector", "/kommune/3201/grunnskole", {"sammenlign": "Oslo"}, status=422)
    yield Case("unknown-parameter-report", "/kommune/3201/rapport.html", {"v": "2"}, status=422)
    yield Case("unknown-parameter-indicator", "/indikator/plo_sykefravaer", {"x": "1"}, status=422)
    yield Case("unknown-parameter-ranking", "/rangering", {"sector": "grunnskole"}, status=422)
    yield Case("repeated-year", "/kommune/3201", {"year": ["2020", "2024"]}, status=422)
    for sector in HIDDEN:
        yield Case(f"hidden-sector-{sector}", f"/kommune/3201/{sector}", status=404)
        yield Case(f"hidden-sector-{sector}-ranking", "/rangering", {"sektor": sector}, status=404)
        yield Case(
            f"hidden-sector-{sector}-choose", "/velg", {"kommune": "Bærum", "sektor": sector}, status=404
        )
    for sector in SECTORS:
        if sector not in RANKED:
            yield Case(f"unranked-sector-{sector}", "/rangering", {"sektor": sector}, status=404)


def _api() -> Iterator[Case]:
    yield Case("api-regions", "/api/regions", kind=API)
    yield Case("api-regions-counties", "/api/regions", {"kind": "county", "current": "false"}, kind=API)
    yield Case("api-indicators", "/api/indicators", kind=API)
    for sector in SECTORS:
        yield Case(f"api-indicators-{sector}", "/api/indicators", {"sector": sector}, kind=API)
    for year in YEARS:
        y, status, out, label = _year(year), _status(year), year in OUTSIDE, _label(year)
        yield Case(f"api-groups-{label}", "/api/groups", y, kind=API, status=status, names_years=out)
        for sector in SECTORS:
            indicator = INDICATOR_OF[sector]
            yield Case(
                f"api-observations-{indicator}-{label}",
                "/api/observations",
                {**y, "indicator": indicator},
                kind=API,
                status=status,
                names_years=out,
            )
        for code in MUNICIPALITIES:
            query = {**y, "municipality": code}
            for sector in SECTORS:
                yield Case(
                    f"api-profile-{code}-{sector}-{label}",
                    "/api/profile",
                    {**query, "sector": sector},
                    kind=API,
                    status=status,
                    names_years=out,
                )
            for profile in PLO_PROFILES:
                yield Case(
                    f"api-profile-{code}-plo-{profile}-{label}",
                    "/api/profile",
                    {**query, "sector": "pleie-og-omsorg", "profile": profile},
                    kind=API,
                    status=status,
                    names_years=out,
                )
            plo = {**query, "sector": "pleie-og-omsorg"}
            for suffix in ("csv", "xlsx"):
                yield Case(
                    f"api-profile.{suffix}-{code}-{label}",
                    f"/api/profile.{suffix}",
                    plo,
                    kind=FILE if status == 200 else API,
                    status=status,
                    names_years=out,
                )
            for endpoint in ("series", "analysis"):
                yield Case(
                    f"api-{endpoint}-{code}-{label}",
                    f"/api/{endpoint}",
                    {**query, "sector": "barnehage"},
                    kind=API,
                    status=status,
                    names_years=out,
                )


def _api_refusals() -> Iterator[Case]:
    baerum = {"municipality": "Bærum", "sector": "barnehage"}
    unknown = {"municipality": "Atlantis", "sector": "romfart", "group": "romvesen"}
    for endpoint in ("profile", "profile.csv", "profile.xlsx", "series", "analysis"):
        for name, value in unknown.items():
            yield Case(
                f"api-{endpoint}-unknown-{name}",
                f"/api/{endpoint}",
                {**baerum, name: value},
                kind=API,
                status=404,
            )
        for sector in HIDDEN:
            yield Case(
                f"api-{endpoint}-hidden-{sector}",
                f"/api/{endpoint}",
                {**baerum, "sector": sector},
                kind=API,
                status=404,
            )
    yield Case(
        "api-profile-unknown-profile", "/api/profile", {**baerum, "profile": "romfart"}, kind=API, status=404
    )
    yield Case(
        "api-analysis-unknown-peer", "/api/analysis", {**baerum, "compare": "Atlantis"}, kind=API, status=404
    )
    yield Case(
        "api-indicators-unknown-sector", "/api/indicators", {"sector": "romfart"}, kind=API, status=404
    )
    for sector in HIDDEN:
        yield Case(
            f"api-indicators-hidden-{sector}", "/api/indicators", {"sector": sector}, kind=API, status=404
        )
    yield Case(
        "api-observations-unknown-indicator",
        "/api/observations",
        {"indicator": "finnes_ikke"},
        kind=API,
        status=404,
    )
    yield Case("api-unknown-endpoint", "/api/finnes-ikke", kind=API, status=404)
    six = "Asker,Oslo,Bergen,Trondheim,Stavanger,Tromsø"
    for endpoint in ("series", "analysis"):
        yield Case(
            f"api-{endpoint}-compare-commas",
            f"/api/{endpoint}",
            {**baerum, "compare": "Asker,Oslo"},
            kind=API,
        )
        yield Case(
            f"api-{endpoint}-compare-too-many",
            f"/api/{endpoint}",
            {**baerum, "compare": six},
            kind=API,
            status=422,
        )
    for endpoint in ("regions", "groups", "indicators", "observations", "profile", "profile.csv", "series"):
        yield Case(
            f"api-{endpoint}-unknown-parameter",
            f"/api/{endpoint}",
            {**baerum, "indicator": "pop_total", "yera": "2020"},
            kind=API,
            status=422,
        )
    yield Case(
        "api-repeated-sector",
        "/api/profile",
        {**baerum, "sector": ["plo", "barnehage"]},
        kind=API,
        status=422,
    )
    yield Case(
        "api-bad-year", "/api/profile", {**baerum, "year": "i fjor"}, kind=API, status=422, names_years=True
    )
    # from_year: inside, before and after the data, after the year analysed, and malformed.
    yield Case("api-series-from-2022", "/api/series", {**baerum, "from_year": 2022}, kind=API)
    for first in (2000, 2014, 2025, 2030):
        yield Case(
            f"api-series-from-{first}",
            "/api/series",
            {**baerum, "from_year": first},
            kind=API,
            status=404,
            names_years=True,
        )
    yield Case(
        "api-series-from-after-year",
        "/api/series",
        {**baerum, "year": 2020, "from_year": 2023},
        kind=API,
        status=422,
        names_years=True,
    )
    yield Case(
        "api-series-from-1999",
        "/api/series",
        {**baerum, "from_year": 1999},
        kind=API,
        status=422,
        names_years=True,
    )
    yield Case(
        "api-series-from-text",
        "/api/series",
        {**baerum, "from_year": "tja"},
        kind=API,
        status=422,
        names_years=True,
    )
    # Fixed prices reach only as far back as the municipal deflator.
    yield Case("api-series-fixed-prices", "/api/series", {**baerum, "fixed_prices": "true"}, kind=API)
    yield Case(
        "api-series-fixed-prices-2018",
        "/api/series",
        {**baerum, "year": 2018, "fixed_prices": "true"},
        kind=API,
        status=422,
    )


CASES = [*_pages(), *_page_refusals(), *_api(), *_api_refusals()]


class Client:
    """Calls into the ASGI app in-process; a crash is answered as the 500 it would be."""

    def __init__(self, app: object) -> None:
        self.transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # type: ignore[arg-type]

    def request(self, method: str, path: str, params: dict[str, object]) -> httpx.Response:
        async def call() -> httpx.Response:
            async with httpx.AsyncClient(transport=self.transport, base_url="http://kostra.test") as http:
                return await http.request(method, path, params=params)  # type: ignore[arg-type]

        return asyncio.run(call())

    def get(self, path: str, params: dict[str, object]) -> httpx.Response:
        return self.request("GET", path, params)


@pytest.fixture(scope="module")
def client(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Client:
    db = tmp_path_factory.mktemp("sweep") / "kostra.duckdb"
    shutil.copy(template_store, db)
    return Client(create_app(db, rate=1_000_000))


@pytest.fixture(scope="module")
def span(template_store: Path) -> str:
    """The years kostra has figures for, as the messages write them ("2015–2024")."""
    with kostra.open(template_store, read_only=True) as session:
        years = session.observations([i for s in SECTORS for i in (INDICATOR_OF[s],)])["year"]
    return f"{years.min()}–{years.max()}"


def _message(case: Case, response: httpx.Response) -> str:
    """The refusal's one-line message: the JSON error, or the error page's."""
    if case.kind in (API, FILE):
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
        assert set(body) == {"error"} and body["error"] and "\n" not in body["error"]
        return str(body["error"])
    text = response.text
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="nb">' in text and 'href="/"' in text and str(response.status_code) in text
    assert 'class="error-message"' in text
    return text.split('class="error-message">')[1].split("</p>")[0]


def _check_answer(case: Case, response: httpx.Response) -> None:
    kind = response.headers.get("content-type", "")
    if case.kind == API:
        assert kind.startswith("application/json")
        json.loads(response.text)
    elif case.kind == FILE:
        assert response.headers["content-disposition"].startswith("attachment;")
    else:
        assert kind.startswith("text/html")
        assert '<html lang="nb">' in response.text
        if case.figures:
            assert "DEMODATA" in response.text, "a page built on generated figures must say DEMODATA"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_page_answers_clearly(client: Client, span: str, case: Case) -> None:
    response = client.get(case.path, case.params)
    assert response.status_code < 500, response.text[:300]
    assert "Traceback" not in response.text and "Internal Server Error" not in response.text
    assert response.status_code == case.status, response.text[:300]
    if case.status == 200:
        _check_answer(case, response)
        return
    message = _message(case, response)
    if case.names_years:
        assert span in message, message
    assert "'kostra " not in message and "&#39;kostra " not in message, "the web has no command line"


HEAD_CASES = CASES[::5]


@pytest.mark.parametrize("case", HEAD_CASES, ids=[c.id for c in HEAD_CASES])
def test_head_answers_as_get_without_a_body(client: Client, case: Case) -> None:
    head = client.request("HEAD", case.path, case.params)
    assert head.status_code == case.status and head.content == b""
    assert int(head.headers["content-length"]) > 0 and "content-security-policy" in head.headers


@pytest.mark.parametrize("sektor", ["", *SECTORS])
def test_the_start_form_leads_to_a_page(client: Client, sektor: str) -> None:
    """The start page's form sends ``sektor=`` when no service area is chosen."""
    chosen = client.get("/velg", {"kommune": "Bærum", "sektor": sektor})
    assert chosen.status_code == 303
    target = chosen.headers["location"]
    assert target == "/kommune/3201" + (f"/{sektor}" if sektor else "")
    page = client.get(target, {})
    assert page.status_code == 200 and "DEMODATA" in page.text


def test_the_sweep_covers_the_catalog() -> None:
    ids = {c.id for c in CASES}
    assert len(ids) == len(CASES), "case ids must be unique"
    for sector in SECTORS:
        assert f"sector-1151-{sector}-2030" in ids and f"api-profile-3201-{sector}-2000" in ids
    assert "befolkning" in HIDDEN
