"""The web app in-process (httpx through FastAPI's TestClient): pages, the JSON API,
downloads, the error shape, safety headers, and a property-based API fuzz."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openpyxl import load_workbook

from kostra.formatting import NBSP
from kostra.outputs.web import create_app


class Client:
    """Synchronous calls into the ASGI app through httpx.ASGITransport (no network)."""

    def __init__(self, app: object) -> None:
        self.transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]

    def request(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        async def call() -> httpx.Response:
            async with httpx.AsyncClient(transport=self.transport, base_url="http://kostra.test") as http:
                return await http.request(method, path, **kwargs)  # type: ignore[arg-type]

        return asyncio.run(call())

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: object) -> httpx.Response:
        return self.request("POST", path, **kwargs)


@pytest.fixture(scope="module")
def client(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Client:
    import shutil

    db = tmp_path_factory.mktemp("web") / "kostra.duckdb"
    shutil.copy(template_store, db)
    return Client(create_app(db))


def test_start_page_and_choosing_a_municipality(client: Client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "Velg kommune" in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe" not in policy
    assert page.headers["x-frame-options"] == "DENY"
    chosen = client.get("/velg", params={"kommune": "baerum", "sektor": "plo"})
    assert chosen.status_code == 303 and chosen.headers["location"] == "/kommune/3201/pleie-og-omsorg"


def test_sector_page_holds_the_state_in_the_url(client: Client) -> None:
    page = client.get(
        "/kommune/3201/pleie-og-omsorg", params={"year": 2024, "group": "asss", "compare": "Asker,Oslo"}
    )
    assert page.status_code == 200
    text = page.text
    assert f"1{NBSP}552{NBSP}889" in text  # the published figure, Norwegian format
    assert 'src="/static/vega.js?v=' in text and 'data-spec="chart-1-spec"' in text
    assert '<script type="application/json" id="chart-1-spec">' in text and "<script>" not in text
    assert "Oslo har" in text and "Asker har" in text
    assert "/indikator/plo_inst_brutto_per_plass?year=2024&amp;highlight=3201" in text
    assert "http://" not in text.replace("http://www.w3.org", "") and "https://cdn" not in text


def test_overview_and_indicator_pages(client: Client) -> None:
    overview = client.get("/kommune/Bærum", params={"year": 2024})
    assert overview.status_code == 200 and "Pleie og omsorg" in overview.text
    indicator = client.get("/indikator/plo_sykefravaer", params={"year": 2024, "highlight": "3201"})
    assert indicator.status_code == 200
    marked = [row for row in indicator.text.split("<tr") if row.startswith(' class="marked"')]
    assert len(marked) == 1 and ">Bærum</a>" in marked[0]


def test_ranking_page_lists_all_and_explains_one(client: Client) -> None:
    page = client.get("/rangering", params={"year": 2024, "sektor": "grunnskole", "kommune": "Bærum"})
    assert page.status_code == 200
    table = page.text.split('id="rangering"')[1]
    assert table.count("<tr>") == 358  # header + every municipality
    explanation = page.text.split('id="forklaring"')[1].split("</section>")[0]
    assert "Bærum: plass" in explanation and "av 357" in explanation
    assert client.get("/rangering", params={"sektor": "finnes-ikke"}).status_code == 404


def test_series_api_and_full_report_download(client: Client) -> None:
    points = client.get(
        "/api/series",
        params={
            "municipality": "Bærum",
            "sector": "barnehage",
            "year": 2024,
            "compare": ["Oslo"],
            "from_year": 2022,
        },
    ).json()
    assert {p["series"] for p in points} == {"Bærum", "Oslo", "ASSS"}
    assert {p["year"] for p in points} == {2022, 2023, 2024}
    report = client.get("/kommune/3201/rapport.xlsx", params={"year": 2024})
    assert report.status_code == 200 and report.headers["content-disposition"].startswith("attachment;")
    html = client.get("/kommune/3201/rapport.html", params={"year": 2024})
    assert html.headers["content-disposition"].startswith("attachment;")  # its inline scripts run saved
    book = load_workbook(io.BytesIO(report.content))
    assert "Pleie og omsorg" in book.sheetnames
    assert client.get("/kommune/3201/rapport.odt").status_code == 422


def test_assets_are_served_by_the_app(client: Client) -> None:
    script = client.get("/static/vega.js")
    assert script.status_code == 200 and "vegaEmbed" in script.text
    assert client.get("/static/vega.js", params={"v": 7}).content == script.content
    again = client.get("/static/vega.js", headers={"if-none-match": script.headers["etag"]})
    assert again.status_code == 304 and not again.content
    for name in ("app.css", "app.js", "vega-LICENSE.txt"):
        assert client.get(f"/static/{name}").status_code == 200
    assert client.get("/static/finnes-ikke.js").status_code == 404


def test_api_profile_csv_and_xlsx(client: Client) -> None:
    params = {"municipality": "Bærum", "sector": "pleie-og-omsorg", "profile": "alle", "year": 2024}
    profile = client.get("/api/profile", params=params).json()
    first = profile["rows"][0]
    assert profile["region_code"] == "3201" and first["values"]["2024"] == 1.076
    download = client.get("/api/profile.csv", params=params)
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.content.startswith(b"\xef\xbb\xbf")  # for Norwegian Excel: BOM, ";" and ","
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1]["2024"] == "1552889" and rows[1]["Snitt ASSS"] == "1659648"
    assert rows[0]["2024"] == "1,076"  # the resource use indicator, three decimals
    book = load_workbook(io.BytesIO(client.get("/api/profile.xlsx", params=params).content))
    values = [c.value for row in book.active.iter_rows() for c in row]
    assert 1552889 in values
    # The sector as the catalog names it, however the query spelled it.
    named = client.get("/api/profile.xlsx", params={**params, "sector": "plo"})
    assert 'filename="kostra-3201-pleie-og-omsorg-2024.xlsx"' in named.headers["content-disposition"]


def test_api_lists_and_pagination(client: Client) -> None:
    regions = client.get("/api/regions", params={"kind": "municipality"}).json()
    assert len(regions) == 357
    page = client.get(
        "/api/observations", params={"indicator": "pop_total", "year": 2023, "limit": 10, "offset": 5}
    ).json()
    assert page["total"] >= 357 and len(page["items"]) == 10 and page["offset"] == 5
    groups = {g["id"]: g for g in client.get("/api/groups", params={"year": 2024}).json()}
    assert len(groups["asss"]["members"]) == 12
    assert client.get("/api/indicators", params={"sector": "plo"}).json()[0]["id"] == "plo_ressursbruk"


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/api/profile", {"municipality": "Atlantis", "sector": "plo"}, 404),
        ("/api/profile", {"municipality": "Bærum", "sector": "romfart"}, 404),
        ("/api/profile", {"municipality": "<script>", "sector": "plo"}, 422),
        ("/api/observations", {"indicator": "pop_total", "limit": 5000}, 422),
        ("/api/observations", {"indicator": "no_such"}, 404),
        ("/api/observations", {"indicator": "pop_total", "year": 2030}, 404),
        ("/api/series", {"municipality": "Bærum", "sector": "barnehage", "from_year": 2025}, 404),
        ("/api/series", {"municipality": "Bærum", "sector": "befolkning"}, 404),
        ("/api/finnes-ikke", {}, 404),
    ],
)
def test_errors_are_one_json_line(client: Client, path: str, params: dict[str, object], status: int) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"} and "\n" not in body["error"]
    assert "<script>" not in response.text or response.headers["content-type"].startswith("application/json")


def test_pages_answer_a_refusal_with_an_error_page(client: Client) -> None:
    """A page that cannot be served is an HTML page in the site's look: the message, the
    status and the way back; a year without figures names the years kostra has."""
    page = client.get("/kommune/3201/grunnskole", params={"year": 2030})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert '<html lang="nb">' in text and '<a href="/" class="back">' in text and "Statuskode 404" in text
    assert "kostra har ikke tall for 2030 (grunnskole); kostra har tall for 2015–2024" in text
    assert 'src="/static/vega.js' not in text  # no charts, no chart library
    unknown = client.get("/kommune/Atlantis")
    assert unknown.status_code == 404 and "fant ingen kommune eller fylke som heter" in unknown.text
    bad = client.get("/kommune/3201/grunnskole", params={"compare": "<script>"})
    assert bad.status_code == 422 and "<script>" not in bad.text and "&lt;script&gt;" in bad.text
    assert client.get("/finnes-ikke").headers["content-type"].startswith("text/html")


def test_empty_form_fields_are_not_chosen(client: Client) -> None:
    chosen = client.get("/velg", params={"kommune": "Bærum", "sektor": ""})
    assert chosen.status_code == 303 and chosen.headers["location"] == "/kommune/3201"
    ranking = client.get("/rangering", params={"sektor": "", "kommune": "", "year": ""})
    assert ranking.status_code == 200 and "Rangering 2024: Totalt" in ranking.text
    empty = client.get("/velg", params={"kommune": "", "sektor": ""})
    assert empty.status_code == 422 and "feltet «Kommune» er tomt" in empty.text


def test_pages_with_generated_figures_say_demodata(client: Client) -> None:
    for path in ("/kommune/3201", "/kommune/3201/barnehage", "/indikator/plo_sykefravaer", "/rangering"):
        page = client.get(path)
        assert (
            page.status_code == 200
            and '<p class="demodata" role="note"><strong>DEMODATA:</strong>' in page.text
        )
    assert "DEMODATA" not in client.get("/").text  # no figures on the start page


def test_series_checks_its_years(client: Client) -> None:
    params = {"municipality": "Bærum", "sector": "barnehage"}
    late = client.get("/api/series", params={**params, "year": 2020, "from_year": 2023})
    assert late.status_code == 422 and "velg from_year fra 2015 til 2020" in late.json()["error"]
    prices = client.get(
        "/api/series", params={**params, "year": 2024, "from_year": 2018, "fixed_prices": True}
    )
    assert prices.status_code == 422 and "velg from_year=2020 eller senere" in prices.json()["error"]
    fixed = client.get("/api/series", params={**params, "fixed_prices": True})
    assert fixed.status_code == 200 and {p["year"] for p in fixed.json()} == set(range(2020, 2025))
    profile = client.get("/api/profile", params={**params, "sector": "plo", "profile": "67+"})
    assert profile.status_code == 200 and profile.json()["profile"] == "67+"


def test_oversized_requests_are_refused(client: Client) -> None:
    response = client.post("/api/profile", content=b"x" * 100_000)
    assert response.status_code == 413


def test_api_fuzz_never_answers_5xx(template_store: Path, tmp_path: Path) -> None:
    import shutil

    db = tmp_path / "kostra.duckdb"
    shutil.copy(template_store, db)
    app = create_app(db, rate=100_000)
    api_schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures = []
    for operation in api_schema.get_all_operations():
        operation = operation.ok()

        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def check(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call()
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query}: {response.status_code}")

        check()
    assert not failures, failures[:5]
