"""The server's memory stays bounded however it is asked (issue #12, item 2).

A real server (``kostra serve``, uvicorn) on 127.0.0.1 is warmed up, its resident memory
read from /proc/<pid>/status, then sent 10 000 crafted and varied requests: ``compare``
with dozens of comma-separated names (the page and the API), ``/static/vega.js?v=N``,
report URLs with extra and reordered parameters (HTML reports, to keep it fast), and
valid queries over many municipalities, groups, peers, indicators and pages. Its memory
afterwards must be within 50 MB of the level after warm-up.

The warm-up asks once for every kind of answer the run asks for, with the sectors, years
and indicators it uses: the session keeps figures and group statistics per indicator,
sector, years and group (not per municipality or request), so that fills what the session
would keep anyway; what could still grow is what the web layer keeps per request.
"""

from __future__ import annotations

import random
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

import kostra
from kostra.outputs.web.query import MAX_PEERS
from running import kostra_serve

REQUESTS = 10_000
GROWTH_MB = 50
YEARS = (2023, 2024)
GROUPS = ("asss", "landet", "kostragruppe-12", "kostragruppe-07", "eka32")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/<pid>/status")


@pytest.fixture(scope="module")
def server(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    db = tmp_path_factory.mktemp("memory") / "kostra.duckdb"
    shutil.copy(template_store, db)
    with kostra_serve(db, "--rate", "10000000") as (base, process):
        yield base, process.pid


class World:
    """Names to build requests from, read from the store the server serves."""

    def __init__(self, template_store: Path) -> None:
        with kostra.open(template_store, read_only=True) as session:
            regions = session.regions
            current = regions[(regions["kind"] == "municipality") & regions["valid_to"].isna()]
            self.codes = sorted(current["code"])
            self.names = sorted(current["name"])
            self.sectors = [s.id for s in session.catalog.sectors.values() if not s.hidden]
            self.indicators = [session.catalog.indicators_of(s)[0].id for s in self.sectors]


def _warm_up(world: World) -> list[tuple[str, int]]:
    urls = ["/", "/static/vega.js", "/static/app.js", "/api/regions", "/rangering", "/kommune/3201"]
    urls.append("/kommune/3201/rapport.html?year=2024&group=asss")
    for year in YEARS:
        urls.append(f"/api/groups?year={year}")
        for sector in world.sectors:
            urls.append(f"/kommune/3201/{sector}?year={year}")
            urls.append(f"/api/analysis?municipality=3201&sector={sector}&year={year}")
            for group in GROUPS:
                urls.append(f"/api/profile?municipality=3201&sector={sector}&year={year}&group={group}")
        for indicator in world.indicators:
            urls.append(f"/indikator/{indicator}?year={year}&highlight=3201")
            urls.append(f"/api/observations?indicator={indicator}&year={year}")
    return [(url, 200) for url in urls]


def _crafted(world: World, rnd: random.Random) -> Iterator[tuple[str, int]]:
    """Crafted requests and the status each must get, in a fixed mix: per 20, 4 with too many
    names in ``compare``, 4 cache-busting ``vega.js``, 3 report URLs (extra parameters, or the
    known ones reordered), 3 distinct pages of observations, and 6 valid queries drawn from
    600 distinct ones (profiles, series, sector and indicator pages, groups)."""
    pool = [_valid(world, rnd) for _ in range(600)]
    n = 0
    while True:
        n += 1
        code, sector, year = rnd.choice(world.codes), rnd.choice(world.sectors), rnd.choice(YEARS)
        many = ",".join(rnd.sample(world.names, rnd.randint(MAX_PEERS + 1, 60)))
        kind = n % 20
        if kind < 2:  # the compare-with-commas case: refused, whatever its spelling
            yield f"/kommune/{code}/{sector}?year={year}&compare={many}", 422
        elif kind < 4:
            endpoint = rnd.choice(["analysis", "series"])
            yield f"/api/{endpoint}?municipality={code}&sector={sector}&compare={many}", 422
        elif kind < 8:  # cache busting on a static asset: one copy, whatever the query
            yield f"/static/vega.js?v={n}", 200
        elif kind < 10:  # extra parameters on a report: refused
            yield f"/kommune/3201/rapport.html?year=2024&v={n}", 422
        elif kind < 11:  # the same report, its parameters in another order: the cached answer
            query = rnd.choice(["group=asss&year=2024", "year=2024&group=asss", "year=2024&group=asss&"])
            yield f"/kommune/3201/rapport.html?{query}", 200
        elif kind < 14:
            indicator, offset = rnd.choice(world.indicators), rnd.randrange(0, 350)
            yield f"/api/observations?indicator={indicator}&year={year}&offset={offset}&limit=40", 200
        else:
            yield rnd.choice(pool), 200


def _valid(world: World, rnd: random.Random) -> str:
    code, sector, year = rnd.choice(world.codes), rnd.choice(world.sectors), rnd.choice(YEARS)
    peers = rnd.sample(world.codes[:40], rnd.randint(1, MAX_PEERS))
    group = rnd.choice(GROUPS)
    choice = rnd.randrange(5)
    if choice == 0:
        return f"/api/profile?municipality={code}&sector={sector}&year={year}&group={group}"
    if choice == 1:  # repeated and comma-separated, parameters in any order
        compare = "&".join(f"compare={p}" for p in peers[:-1])
        return f"/api/series?{compare}&sector={sector}&municipality={code}&year={year}&compare={peers[-1]}"
    if choice == 2:
        return f"/kommune/{code}/{sector}?year={year}&group={group}&compare={','.join(peers)}"
    if choice == 3:
        indicator = rnd.choice(world.indicators)
        return f"/indikator/{indicator}?year={year}&highlight={code}&highlight={','.join(peers[:2])}"
    return f"/api/groups?year={year}"


def _send(base: str, requests: list[tuple[str, int]]) -> Counter[str]:
    """Sends the requests on one connection; counts (url kind, expected, got)."""
    outcome: Counter[str] = Counter()
    with httpx.Client(base_url=base, timeout=120.0) as client:
        for url, expected in requests:
            got = client.get(url).status_code
            if got != expected:
                outcome[f"{url.split('?')[0]}: {expected} -> {got}"] += 1
            outcome["sent"] += 1
    return outcome


def _send_all(base: str, requests: list[tuple[str, int]], clients: int = 3) -> Counter[str]:
    parts = [requests[i::clients] for i in range(clients)]
    with ThreadPoolExecutor(clients) as pool:
        return sum(pool.map(lambda part: _send(base, part), parts), Counter())


@pytest.mark.slow  # about a minute; the project's test command runs it (only "live" is left out)
def test_memory_stays_bounded_under_crafted_and_varied_requests(
    server: tuple[str, int], template_store: Path
) -> None:
    base, pid = server
    world = World(template_store)
    warm = _send_all(base, _warm_up(world))
    assert warm["sent"] > 0 and set(warm) == {"sent"}, warm
    before = _rss_mb(pid)

    crafted = _crafted(world, random.Random(12))
    requests = [next(crafted) for _ in range(REQUESTS)]
    started = time.monotonic()
    outcome = _send_all(base, requests)
    took = time.monotonic() - started
    after = _rss_mb(pid)

    assert outcome["sent"] == REQUESTS
    assert set(outcome) == {"sent"}, outcome.most_common(5)
    print(f"RSS {before:.0f} MB after warm-up, {after:.0f} MB after {REQUESTS} requests in {took:.0f} s")
    assert after - before < GROWTH_MB, f"RSS grew {after - before:.0f} MB ({before:.0f} -> {after:.0f} MB)"
