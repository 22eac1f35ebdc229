"""50 clients at once against the real server, with the response cache bypassed: every
answer is the one the app gives a single client, and none is an error.

Issue 12: with two clients, 16 % of uncached ``/api/profile`` requests failed (500, then
reset connections), and some got another request's latest year with status 200, which
the response cache then served to everyone. The server here runs with
``KOSTRA_WEB_CACHE_BYTES=0``, so the response cache keeps nothing and every request
(the same URL many times over, too) is computed by the server's thread pool over its
one session.
"""

from __future__ import annotations

import asyncio
import random
import runpy
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kostra.outputs.web import create_app
from kostra.outputs.web.cache import ResponseCache
from running import kostra_serve

CLIENTS = 50
REQUESTS_PER_CLIENT = 8
MUNICIPALITIES = ["3201", "3203", "0301", "4601", "1151"]  # Bærum, Asker, Oslo, Bergen, Utsira
SECTORS = ["pleie-og-omsorg", "grunnskole", "barnehage", "helse", "sosial"]


def _urls(seed: int = 12) -> list[str]:
    """The requests, mostly profiles (cheap), some analyses and pages (heavy)."""
    rnd = random.Random(seed)
    profiles = [
        f"/api/profile?municipality={m}&sector={s}" + (f"&year={y}" if y else "")
        for m in MUNICIPALITIES
        for s in SECTORS
        for y in (None, 2021, 2024)
    ]
    heavy = [f"/api/analysis?municipality={m}&sector={s}" for m in MUNICIPALITIES[:2] for s in SECTORS[:2]]
    heavy += [f"/kommune/{m}/{s}?group=asss" for m in MUNICIPALITIES[:2] for s in SECTORS[:2]]
    light = ["/api/regions?kind=municipality", "/api/groups?year=2024", "/api/groups?year=2016"]
    light += [f"/api/profile?municipality={m}&sector=romfart" for m in MUNICIPALITIES[:2]]  # a 404 answer
    light += ["/api/profile?municipality=3201&sector=grunnskole&year=2030"]  # another
    pool = [*profiles * 2, *heavy, *light * 4]
    return [rnd.choice(pool) for _ in range(CLIENTS * REQUESTS_PER_CLIENT)]


def _answer(response: httpx.Response) -> tuple[int, object]:
    kind = response.headers.get("content-type", "")
    return response.status_code, response.json() if kind.startswith("application/json") else response.text


def _single_client_answers(db: Path, urls: list[str]) -> dict[str, tuple[int, object]]:
    """Each URL's answer from the app in this process, one request at a time."""

    async def ask() -> dict[str, tuple[int, object]]:
        transport = httpx.ASGITransport(app=create_app(db))
        async with httpx.AsyncClient(transport=transport, base_url="http://kostra.test") as http:
            return {url: _answer(await http.get(url)) for url in dict.fromkeys(urls)}

    return asyncio.run(ask())


@pytest.fixture
def server(template_store: Path, tmp_path: Path) -> Iterator[str]:
    """``kostra serve`` on a free port, over a copy of the filled store nobody has asked yet."""
    db = tmp_path / "kostra.duckdb"
    shutil.copy(template_store, db)
    env = {"KOSTRA_WEB_CACHE_BYTES": "0"}  # no answer kept: every request computed
    with kostra_serve(db, "--rate", "1000000", env=env) as (base, _):
        yield base


@pytest.mark.slow
def test_fifty_clients_without_the_response_cache_get_the_single_client_answers(
    server: str, template_store: Path, tmp_path: Path
) -> None:
    urls = _urls()
    reference = tmp_path / "reference.duckdb"
    shutil.copy(template_store, reference)
    expected = _single_client_answers(reference, urls)
    assert {status for status, _ in expected.values()} == {200, 404}

    async def load() -> list[tuple[str, tuple[int, object] | str]]:
        # keepalive_expiry under uvicorn's 5 s, so the server never closes a connection being reused
        limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS, keepalive_expiry=2)
        # A request still unanswered after 30 s is a failure (the old server hung for good).
        async with httpx.AsyncClient(base_url=server, timeout=30, limits=limits) as http:

            async def client(first: int) -> list[tuple[str, tuple[int, object] | str]]:
                got: list[tuple[str, tuple[int, object] | str]] = []
                for url in urls[first::CLIENTS]:
                    try:
                        got.append((url, _answer(await http.get(url))))
                    except httpx.HTTPError as exc:
                        got.append((url, f"{type(exc).__name__}: {exc}"))
                return got

            done = await asyncio.gather(*(client(i) for i in range(CLIENTS)))
        return [answer for answers in done for answer in answers]

    answers = asyncio.run(load())
    assert len(answers) == CLIENTS * REQUESTS_PER_CLIENT
    failed = [(url, got) for url, got in answers if isinstance(got, str) or got[0] >= 500]
    assert failed == []
    wrong = [url for url, got in answers if got != expected[url]]
    assert wrong == [], f"{len(wrong)} answers differ from a single client's, first {wrong[:3]}"


def test_the_server_keeps_no_answers_when_told_so(
    template_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the test above relies on: KOSTRA_WEB_CACHE_BYTES=0 reaches the response cache.
    db = tmp_path / "kostra.duckdb"
    shutil.copy(template_store, db)
    monkeypatch.setenv("KOSTRA_WEB_DB", str(db))
    monkeypatch.setenv("KOSTRA_WEB_CACHE_BYTES", "0")
    app = runpy.run_module("kostra.outputs.web.server")["app"]
    try:
        cache = next(m for m in app.user_middleware if m.cls is ResponseCache)
        assert cache.kwargs["max_bytes"] == 0
    finally:
        app.state.session.close()
