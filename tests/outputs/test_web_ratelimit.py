"""The per-client rate limit: a burst past it on a real server gets 429 with the seconds to
wait, and the limiter's memory stays bounded however many clients come (issue 17: the limit
costs the same per request whatever the number of clients)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

import kostra.outputs.web.security as security
from kostra.outputs.web.security import RateLimit, SecurityMiddleware
from running import kostra_serve


def test_a_burst_past_the_limit_on_a_real_server_gets_429_with_retry_after(
    template_store: Path, tmp_path: Path
) -> None:
    # --rate 6: six requests a minute, refilled at 6 / 60 = 0.1 token a second. The start-up
    # probe took one, so five of the burst of 12 pass. The bucket is then empty (plus at most
    # 0.1 token a second since), so the others wait (1 - tokens) / 0.1 s: 10 s, rounded up,
    # or 9 s if the burst took more than a second.
    db = tmp_path / "kostra.duckdb"
    shutil.copy(template_store, db)
    with kostra_serve(db, "--rate", "6") as (base, _):

        async def burst() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=base, timeout=60.0) as http:
                return await asyncio.gather(*(http.get("/api/groups") for _ in range(12)))

        answers = asyncio.run(burst())
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] * 5 + [429] * 7
    refused = [a for a in answers if a.status_code == 429]
    assert {a.headers["retry-after"] for a in refused} <= {"9", "10"}
    assert "10" in {a.headers["retry-after"] for a in refused}
    assert all(a.json()["error"].startswith("for mange forespørsler fra deg; vent ") for a in refused)
    assert all(a.headers["x-frame-options"] == "DENY" for a in refused)


def _get(middleware: SecurityMiddleware, client: str) -> int:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/api/x", "headers": [], "client": (client, 1)}
    asyncio.run(middleware(scope, receive, send))
    return int(sent[0]["status"])


async def _ok(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


def test_many_clients_keep_the_limiter_bounded_and_idle_ones_are_forgotten(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr(security, "time", SimpleNamespace(monotonic=lambda: now[0]))
    middleware = SecurityMiddleware(_ok, rate=3, per=60.0)
    middleware.limit = RateLimit(3, 60.0, max_clients=100)
    # 5 000 clients within the same instant: never more than 100 buckets.
    for n in range(5_000):
        assert _get(middleware, f"10.{n // 256}.{n % 256}.1") == 200
        assert len(middleware.limit) <= 100
    # The most recent client kept its bucket: three at once, the fourth is refused.
    assert [_get(middleware, "10.19.135.1") for _ in range(3)] == [200, 200, 429]
    # A minute later every bucket is full again (3 tokens refilled at 3 / 60 a second); each
    # request forgets up to two of them, so 60 requests of one client leave it alone.
    now[0] += 60.0
    for _ in range(60):
        _get(middleware, "10.0.0.9")
    assert len(middleware.limit) == 1


def test_beyond_max_clients_the_least_recently_seen_goes() -> None:
    limit = RateLimit(rate=2, per=3600.0, max_clients=3)
    for client in ("a", "b", "c"):
        assert limit.take(client) == 0
    assert limit.take("a") == 0  # a's second: a is now the most recently seen
    assert limit.take("a") > 0  # a's third: refused (2 at once)
    assert limit.take("d") == 0  # the fourth client: b, least recently seen, is forgotten
    assert len(limit) == 3
    assert limit.take("a") > 0  # a was kept: still refused
    # 1 hour refills 2 tokens; a's wait is (1 - 0) * 3600 / 2 = 1800 s, less what has passed.
    assert 1799 < limit.take("a") <= 1800
