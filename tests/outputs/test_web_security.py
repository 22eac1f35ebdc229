"""The web app's hardening (issue #12, items 2 and 7): the security headers and the strict
content security policy on every answer, crashes included; errors in the app's shape;
HEAD; no API docs from a CDN; unknown and repeated parameters; ``compare`` parsed one way
in the pages and the API; one cache entry per question; a bounded cache; reports limited
in flight; a rate limit per client, also behind a trusted reverse proxy."""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import kostra.outputs.report
from kostra.outputs.web import create_app
from kostra.outputs.web.cache import ResponseCache
from kostra.outputs.web.query import MAX_PEERS, cache_key, names_in
from kostra.outputs.web.security import CSP, HEADERS, Busy, Gate, RateLimit
from running import kostra_serve


class Client:
    """Calls into the ASGI app in-process; a crash is answered as the 500 it would be."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async def call() -> httpx.Response:
            async with httpx.AsyncClient(transport=self.transport, base_url="http://kostra.test") as http:
                return await http.request(method, path, **kwargs)

        return asyncio.run(call())

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)


def _app(store: Path, folder: Path, **options: Any) -> Any:
    db = folder / "kostra.duckdb"
    if not db.exists():
        shutil.copy(store, db)
    return create_app(db, **{"rate": 1_000_000, **options})


@pytest.fixture(scope="module")
def client(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Client:
    return Client(_app(template_store, tmp_path_factory.mktemp("security")))


def _page_message(response: httpx.Response) -> str:
    """The one line of an HTML error page."""
    return html.unescape(response.text.split('class="error-message">')[1].split("</p>")[0])


def _headers_ok(response: httpx.Response) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (name, response.status_code, response.request.url)


# -- headers, policy and the error shape -------------------------------------------------------


def test_the_policy_allows_no_inline_script_style_or_eval() -> None:
    assert "unsafe" not in CSP
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/kommune/3201/barnehage", 200),
        ("/api/regions", 200),
        ("/static/vega.js", 200),
        ("/openapi.json", 200),
        ("/finnes-ikke", 404),
        ("/api/finnes-ikke", 404),
        ("/api/profile?municipality=3201", 422),
        ("/kommune/3201?year=i+fjor", 422),
    ],
)
def test_every_answer_has_the_headers(client: Client, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    _headers_ok(response)


def test_pages_have_no_inline_script_or_style(client: Client) -> None:
    for path in (
        "/",
        "/kommune/3201",
        "/kommune/3201/pleie-og-omsorg?compare=Asker,Oslo",
        "/indikator/plo_sykefravaer?highlight=3201",
        "/rangering?kommune=Bærum",
        "/finnes-ikke",
    ):
        text = client.get(path).text
        scripts = re.findall(r"<script([^>]*)>", text)
        assert all('src="/static/' in s or 'type="application/json"' in s for s in scripts), (path, scripts)
        assert "<style" not in text and " style=" not in text and "javascript:" not in text, path
        assert not re.search(r" on[a-z]+=", text), path  # no inline event handlers


def test_a_crash_is_a_500_in_the_apps_shape_with_the_headers(
    template_store: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app(template_store, tmp_path)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    app.state.session.profile = broken
    app.state.session.analyse = broken
    client = Client(app)
    api = client.get("/api/profile", params={"municipality": "3201", "sector": "barnehage"})
    assert api.status_code == 500 and api.headers["content-type"] == "application/json"
    assert api.json() == {"error": "noe gikk galt hos kostra; prøv igjen, eller meld fra om feilen"}
    _headers_ok(api)
    page = client.get("/kommune/3201/barnehage")
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "Noe gikk galt" in page.text and "Statuskode 500" in page.text and "Traceback" not in page.text
    _headers_ok(page)
    head = client.request("HEAD", "/kommune/3201/grunnskole")
    assert head.status_code == 500 and head.content == b""
    _headers_ok(head)
    assert "RuntimeError: a bug" in caplog.text  # the traceback goes to the log


def test_head_is_answered_like_get_without_the_body(client: Client) -> None:
    for path in ("/", "/kommune/3201/barnehage", "/api/regions", "/static/app.css", "/finnes-ikke"):
        get, head = client.get(path), client.request("HEAD", path)
        assert head.status_code == get.status_code and head.content == b"", path
        assert head.headers["content-length"] == str(len(get.content)), path
        assert head.headers["content-type"] == get.headers["content-type"], path
        _headers_ok(head)
    post = client.request("POST", "/api/regions")
    assert post.status_code == 405 and post.headers["allow"] == "GET, HEAD"
    assert post.json()["error"] == "POST er ikke tillatt her; bruk GET (eller HEAD)"


def test_no_api_docs_pages_only_the_schema(client: Client) -> None:
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        assert client.get(path).status_code == 404
    schema = client.get("/openapi.json").json()
    assert "/api/profile" in schema["paths"] and "cdn" not in str(schema).lower()


# -- parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "/api/profile?municipality=3201&sector=barnehage&yera=2020",
            "ukjent parameter 'yera'; /api/profile tar municipality, sector, profile, year og group",
        ),
        ("/api/regions?kind=county&kind=municipality", "kind er gitt 2 ganger; gi den bare én gang"),
        (
            "/kommune/3201?yera=2020",
            "ukjent valg 'yera' i adressen; siden forstår year og group",
        ),
        (
            "/kommune/3201/rapport.pdf?year=2024&x=1",
            "ukjent valg 'x' i adressen; siden forstår year og group",
        ),
        ("/?kommune=3201", "ukjent valg 'kommune' i adressen; siden tar ingen valg i adressen"),
    ],
)
def test_unknown_and_repeated_parameters_are_refused(client: Client, path: str, message: str) -> None:
    response = client.get(path)
    assert response.status_code == 422
    text = response.json()["error"] if path.startswith("/api") else _page_message(response)
    assert text == message


def test_static_assets_ignore_their_query(client: Client) -> None:
    plain = client.get("/static/app.js")
    assert client.get("/static/app.js", params={"v": "123", "x": "y"}).content == plain.content


@pytest.mark.parametrize("endpoint", ["analysis", "series"])
def test_the_api_reads_compare_as_the_pages_do(client: Client, endpoint: str) -> None:
    base = {"municipality": "3201", "sector": "barnehage", "year": 2024}
    commas = client.get(f"/api/{endpoint}", params={**base, "compare": "Asker,Oslo"})
    repeated = client.get(f"/api/{endpoint}", params={**base, "compare": ["Oslo", "Asker", "asker"]})
    assert commas.status_code == 200 and repeated.status_code == 200, commas.text
    if endpoint == "analysis":
        assert [p["code"] for p in commas.json()["peers"]] == ["3203", "0301"]
    else:
        assert {p["series"] for p in commas.json()} >= {"Asker", "Oslo"}
    too_many = ",".join(["Asker", "Oslo", "Bergen", "Trondheim", "Stavanger", "Kristiansand"])
    refused = client.get(f"/api/{endpoint}", params={**base, "compare": too_many})
    assert refused.status_code == 422
    assert refused.json()["error"].startswith(f"sammenlign med høyst {MAX_PEERS} kommuner om gangen (fikk 6)")
    page = client.get("/kommune/3201/barnehage", params={"compare": too_many})
    assert page.status_code == 422 and f"høyst {MAX_PEERS} kommuner" in page.text
    none = client.get("/kommune/3201/barnehage", params={"compare": ""})
    assert none.status_code == 200 and "Asker har" not in none.text  # an emptied field: no peers


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/profile?municipality=3201&sector=barnehage&group=", "velg asss, asss10"),
        ("/api/profile?municipality=3201&sector=barnehage&group=", "eller et fylke (f.eks. Akershus)"),
        ("/api/profile?municipality=3201&sector=pleie-og-omsorg&profile=", "alle, 0-66, 67+ og ttu"),
        ("/api/profile?municipality=3201", "sector mangler; velg ett av: grunnskole, barnehage"),
        ("/api/regions?kind=xx", "kind=xx er ikke gyldig; velg municipality (kommuner) eller county"),
        ("/api/observations?indicator=xx", "kostra har ingen indikator 'xx'; /api/indicators lister"),
        ("/api/profile?municipality=3201&sector=befolkning", "grunnlagstall, ikke et tjenesteområde; velg"),
    ],
)
def test_api_refusals_name_the_choices(client: Client, path: str, expected: str) -> None:
    response = client.get(path)
    assert response.status_code in (404, 422)
    message = response.json()["error"]
    assert expected in message and "'kostra " not in message, message


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/kommune/" + "x" * 81, "kommunenavnet i adressen er for langt (høyst 80 tegn)"),
        ("/indikator/" + "x" * 61, "indikatornavnet i adressen er for langt (høyst 60 tegn)"),
        (
            "/kommune/3201/rapport.xml",
            "rapportformatet «xml» er ikke gyldig; rapporten finnes som html, pdf, docx og xlsx",
        ),
        ("/kommune/3201/befolkning", "Befolkning er grunnlagstall, ikke et tjenesteområde; velg ett av:"),
        ("/kommune/3201?year=i+fjor", "året «i fjor» er ikke et helt tall; kostra har tall for 2015–2024"),
        (
            "/kommune/3201/barnehage?group=%3F%3F",
            "gruppenavnet «??» inneholder tegn som ikke kan brukes; velg asss",
        ),
    ],
)
def test_page_refusals_speak_to_a_reader(client: Client, path: str, expected: str) -> None:
    response = client.get(path)
    assert response.status_code in (404, 422)
    message = _page_message(response)
    assert expected in message and "'kostra " not in message, message
    for internal in ("code ", "indicator_id", "fmt"):
        assert internal not in message, message


# -- the cache ---------------------------------------------------------------------------------


def test_the_cache_key_is_the_question_not_its_spelling() -> None:
    one = cache_key("/api/series", b"municipality=3201&sector=plo&compare=Asker&compare=Oslo")
    assert one == cache_key("/api/series", b"compare=Asker%2C+Oslo&sector=plo&municipality=3201")
    assert one == cache_key("/api/series", b"compare=Asker,,asker&compare=Oslo&sector=plo&municipality=3201&")
    assert one != cache_key("/api/series", b"compare=Oslo,Asker&sector=plo&municipality=3201")  # order shown
    assert cache_key("/x", b"compare=") != cache_key("/x", b"")  # no peers is not the default peers
    assert names_in(["Asker, Oslo", " asker", ""]) == ["Asker", "Oslo"] and names_in(None) is None


def _cache_of(app: Any) -> ResponseCache:
    app.middleware_stack = app.middleware_stack or app.build_middleware_stack()
    layer = app.middleware_stack
    while not isinstance(layer, ResponseCache):
        layer = layer.app
    return layer


def test_reordered_parameters_are_one_cache_entry(template_store: Path, tmp_path: Path) -> None:
    app = _app(template_store, tmp_path)
    client = Client(app)
    client.get("/")
    cache = _cache_of(app)
    before = cache.size[0]
    for query in (
        "year=2024&group=asss&compare=Asker,Oslo",
        "compare=Asker&compare=Oslo&year=2024&group=asss",
        "group=asss&compare=Asker%2C%20Oslo&year=2024",
    ):
        assert client.get(f"/kommune/3201/barnehage?{query}").status_code == 200
    for n in range(20):
        client.get(f"/static/vega.js?v={n}")
        client.get(f"/kommune/3201/rapport.html?year=2024&v={n}")  # refused: not kept
    assert cache.size[0] == before + 1


def test_the_cache_answers_each_question_its_own_answer_and_remembers_few_spellings() -> None:
    # The cache remembers each request line's key (parsing the query is most of a hit's cost):
    # each query still gets its own answer, a reordered one the same, and at most
    # max_entries lines are remembered.
    computed: list[bytes] = []

    async def answer(scope: dict[str, Any], receive: Any, send: Any) -> None:
        computed.append(scope["query_string"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": scope["query_string"]})

    cache = ResponseCache(answer, max_entries=4)

    def get(query: str) -> bytes:
        sent: list[dict[str, Any]] = []

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": "/x", "query_string": query.encode()}
        asyncio.run(cache(scope, None, send))
        return bytes(sent[-1]["body"])

    answers = [get("a=1&b=2"), get("a=2&b=1"), get("a=1&b=2"), get("b=2&a=1")]
    assert answers == [b"a=1&b=2", b"a=2&b=1", b"a=1&b=2", b"a=1&b=2"]
    assert computed == [b"a=1&b=2", b"a=2&b=1"]  # the third and the fourth were kept answers
    for n in range(10):
        get(f"a={n}")
    assert len(cache._keys) <= 4
    assert get("a=" + "x" * 300) == b"a=" + b"x" * 300  # answered, its key not remembered
    assert all(len(query) <= 200 for _, query in cache._keys)


def test_the_cache_is_bounded_in_bytes_and_entries() -> None:
    async def answer(scope: dict[str, Any], receive: Any, send: Any) -> None:
        size = int(scope["query_string"].decode().split("=")[1])
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"x")]})
        await send({"type": "http.response.body", "body": b"x" * size})

    cache = ResponseCache(answer, max_bytes=100_000, max_entries=10)

    async def get(size: int) -> None:
        scope = {"type": "http", "method": "GET", "path": "/x", "query_string": f"n={size}".encode()}

        async def send(message: dict[str, Any]) -> None:
            return None

        await cache(scope, None, send)

    for size in range(1000, 31_000, 1000):
        asyncio.run(get(size))
    entries, held = cache.size
    assert held <= 100_000 and entries <= 10
    asyncio.run(get(40_000))  # more than a quarter of the cache: answered, not kept
    assert cache.size[1] <= 100_000 and b"/x?n=40000" not in cache._answers


# -- limits ------------------------------------------------------------------------------------


def test_the_rate_limit_refills_and_forgets_idle_clients() -> None:
    limit = RateLimit(rate=3, per=0.3, max_clients=5)
    assert [limit.take("a") for _ in range(3)] == [0, 0, 0]
    wait = limit.take("a")
    assert 0 < wait <= 0.1 + 1e-6
    assert limit.take("b") == 0  # another client has its own budget
    time.sleep(0.12)
    assert limit.take("a") == 0
    for n in range(20):
        limit.take(f"c{n}")
    assert len(limit) <= 6


def test_rate_limited_answers_say_when_to_come_back(template_store: Path, tmp_path: Path) -> None:
    client = Client(_app(template_store, tmp_path, rate=2))
    assert [client.get("/api/regions").status_code for _ in range(2)] == [200, 200]
    refused = client.get("/api/regions")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert refused.json()["error"].startswith("for mange forespørsler fra deg; vent ")
    _headers_ok(refused)
    page = client.get("/")
    assert page.status_code == 429 and "For mange forespørsler" in page.text  # a page: the HTML page
    _headers_ok(page)


def test_the_gate_lets_few_through() -> None:
    gate = Gate(per_client=1, total=2, retry_after=7)
    with gate.enter("a"), gate.enter("b"):
        with pytest.raises(Busy, match="allerede en rapport for deg") as mine, gate.enter("a"):
            pass
        assert mine.value.retry_after == 7
        with pytest.raises(Busy, match="for andre akkurat nå"), gate.enter("c"):
            pass
    assert gate.running == 0
    with gate.enter("a"):
        assert gate.running == 1


def test_reports_in_flight_are_limited_with_retry_after(
    template_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _app(template_store, tmp_path, reports_per_client=1, reports_in_flight=1)
    started, release = threading.Event(), threading.Event()
    real = kostra.outputs.report.build_report

    def slow(*args: Any, **kwargs: Any) -> Any:
        started.set()
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(kostra.outputs.report, "build_report", slow)
    transport = httpx.ASGITransport(app=app)

    async def both() -> tuple[httpx.Response, httpx.Response, httpx.Response]:
        async with httpx.AsyncClient(transport=transport, base_url="http://kostra.test") as http:
            first = asyncio.create_task(http.get("/kommune/3201/rapport.html?year=2024"))
            await asyncio.to_thread(started.wait, 30)
            second = await http.get("/kommune/3201/rapport.xlsx?year=2024")  # another report: refused
            api = await http.get("/api/regions")  # everything else goes on
            release.set()
            return await first, second, api

    first, second, api = asyncio.run(both())
    assert first.status_code == 200 and api.status_code == 200
    assert second.status_code == 429 and second.headers["retry-after"] == "10"
    assert "kostra lager allerede en rapport for deg" in second.text
    _headers_ok(second)
    # The report is kept under its normalised key: asked again, in another spelling, at once.
    again = Client(app).get("/kommune/3201/rapport.html?year=2024&")
    assert again.status_code == 200 and again.content == first.content


# -- behind a reverse proxy (a real server) ---------------------------------------------------


@pytest.fixture(scope="module")
def serve(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., str]]:
    """Starts ``kostra serve`` with the given options; stops them all at the end."""
    folder = tmp_path_factory.mktemp("proxy")
    db = folder / "kostra.duckdb"
    shutil.copy(template_store, db)
    with contextlib.ExitStack() as running:

        def start(*options: str) -> str:
            base, _ = running.enter_context(kostra_serve(db, *options))
            return base

        yield start


def _statuses(base: str, forwarded_for: list[str]) -> list[int]:
    with httpx.Client(base_url=base) as http:
        return [http.get("/api/groups", headers={"X-Forwarded-For": ip}).status_code for ip in forwarded_for]


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(serve: Callable[..., str]) -> None:
    # The first answer may be spent on the start-up probe (one HEAD from 127.0.0.1).
    base = serve("--rate", "3", "--forwarded-allow-ips", "127.0.0.1")
    assert _statuses(base, ["10.0.0.1"] * 3) == [200, 200, 200]
    assert _statuses(base, ["10.0.0.1"]) == [429]
    assert _statuses(base, ["10.0.0.2", "10.0.0.3"]) == [200, 200]


def test_without_trusted_proxies_forwarded_for_is_ignored(serve: Callable[..., str]) -> None:
    base = serve("--rate", "3")
    # The start-up probe took one of the three: two left, whatever X-Forwarded-For says.
    assert _statuses(base, ["10.0.0.1", "10.0.0.2", "10.0.0.3"]) == [200, 200, 429]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "--forwarded-allow-ips er tom"),
        ("proxy.example", "'proxy.example' er ingen IP-adresse eller nettverk"),
    ],
)
def test_a_bad_proxy_address_is_one_line(
    cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path, value: str, message: str
) -> None:
    result = cli("serve", "--forwarded-allow-ips", value, env={"KOSTRA_HOME": str(tmp_path)})
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
