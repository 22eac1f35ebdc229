"""Safety for the web app: security headers on every answer (errors and crashes too), a
request-size cap, a per-client rate limit, HEAD answered as GET, and a cap on expensive
work in flight.

The client is the address uvicorn resolved: the connecting address, or, behind a
reverse proxy that ``kostra serve --forwarded-allow-ips`` trusts, the address the proxy
names in ``X-Forwarded-For``.

A plain ASGI middleware, so that it adds almost nothing to each request.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from kostra.errors import KostraError

__all__ = ["CSP", "HEADERS", "Busy", "Gate", "RateLimit", "SecurityMiddleware", "client_of"]

log = logging.getLogger("kostra.web")

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
"""No inline script or style and no eval: the pages' scripts and styles are static files,
chart specs are JSON data blocks, and Vega evaluates its expressions with vega-embed's
CSP-safe interpreter (``ast: true``)."""

HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}
_ENCODED = [(k.encode(), v.encode()) for k, v in HEADERS.items()]

ErrorRenderer = Callable[[str, int, str], tuple[str, bytes]]
"""(path, status, message) -> (content type, body): the app's error answer for that path."""


def _plain_error(path: str, status: int, message: str) -> tuple[str, bytes]:
    import json

    return "application/json", json.dumps({"error": message}, ensure_ascii=False).encode()


def client_of(scope: Mapping[str, Any]) -> str:
    """The client's address as uvicorn resolved it ("unknown" without one)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class RateLimit:
    """A token bucket per client: ``rate`` requests at once, refilled at ``rate`` per ``per``
    seconds.

    Each request costs the same whatever the number of clients (O(1)): the buckets are
    kept from the least to the most recently seen client, and each request looks at no
    more than the two least recent, forgetting one that has filled up again (idle: its
    budget is whole, so forgetting it changes nothing) or, beyond ``max_clients``, the
    least recent whatever its state. Memory is at most ``max_clients`` small entries."""

    def __init__(self, rate: int, per: float = 60.0, max_clients: int = 10_000) -> None:
        self.rate = rate
        self.per = per
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, when)
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """0 if the client may go on, else the seconds until it may."""
        now = time.monotonic()
        refill = self.rate / self.per
        full = float(self.rate)
        with self._lock:
            buckets = self._buckets
            found = buckets.get(client)
            if found is None:
                tokens = full
            else:
                tokens = min(full, found[0] + (now - found[1]) * refill)
                buckets.move_to_end(client)  # the most recently seen last
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / refill
            buckets[client] = (tokens, now)
            for _ in range(2):  # two looks: the dict shrinks back as fast as it grows
                oldest, (left, when) = next(iter(buckets.items()))
                if len(buckets) > self.max_clients or left + (now - when) * refill >= full:
                    del buckets[oldest]
                else:
                    break
            return wait

    def __len__(self) -> int:
        return len(self._buckets)


class Busy(KostraError):
    """Too much expensive work in flight; the answer is 429 with ``Retry-After``."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Gate:
    """At most ``per_client`` expensive answers (reports) in flight per client and ``total``
    overall; beyond that :meth:`enter` raises :class:`Busy` at once instead of queueing."""

    def __init__(self, per_client: int = 1, total: int = 2, retry_after: int = 10) -> None:
        self.per_client = per_client
        self.total = total
        self.retry_after = retry_after
        self._running: dict[str, int] = {}
        self._lock = threading.Lock()

    @contextmanager
    def enter(self, client: str) -> Iterator[None]:
        with self._lock:
            mine = self._running.get(client, 0)
            if mine >= self.per_client:
                reports = "en rapport" if mine == 1 else f"{mine} rapporter"
                raise Busy(
                    f"kostra lager allerede {reports} for deg; prøv igjen når "
                    f"{'den' if mine == 1 else 'de'} er ferdig (om omtrent {self.retry_after} sekunder)",
                    self.retry_after,
                )
            if sum(self._running.values()) >= self.total:
                raise Busy(
                    f"kostra lager rapporter for andre akkurat nå; prøv igjen om {self.retry_after} sekunder",
                    self.retry_after,
                )
            self._running[client] = mine + 1
        try:
            yield
        finally:
            with self._lock:
                left = self._running[client] - 1
                if left:
                    self._running[client] = left
                else:
                    del self._running[client]

    @property
    def running(self) -> int:
        with self._lock:
            return sum(self._running.values())


class SecurityMiddleware:
    """Adds the headers to every answer, refuses bodies over ``max_body`` bytes (413),
    answers 429 with ``Retry-After`` when a client makes more than ``rate`` requests in
    ``per`` seconds, answers HEAD as GET without the body, and turns a crash into a 500
    in the app's error shape (``render_error``), logging the traceback."""

    def __init__(
        self,
        app: Any,
        max_body: int = 64_000,
        rate: int = 600,
        per: float = 60.0,
        render_error: ErrorRenderer = _plain_error,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.limit = RateLimit(rate, per)
        self.render_error = render_error

    async def _refuse(
        self, scope: dict[str, Any], send: Any, status: int, message: str, extra: list[tuple[bytes, bytes]]
    ) -> None:
        try:
            kind, body = self.render_error(scope["path"], status, message)
        except Exception:  # the error page itself failed: the plain shape, still with headers
            log.exception("kostra: the error answer failed")
            kind, body = _plain_error(scope["path"], status, message)
        headers = [
            (b"content-type", kind.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
            *extra,
            *_ENCODED,
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await self._refuse(
                scope, send, 413, f"forespørselen er for stor (høyst {self.max_body} byte)", []
            )
            return
        wait = self.limit.take(client_of(scope))
        if wait:
            seconds = max(1, math.ceil(wait))
            await self._refuse(
                scope,
                send,
                429,
                f"for mange forespørsler fra deg; vent {seconds} sekund{'er' if seconds > 1 else ''}",
                [(b"retry-after", str(seconds).encode())],
            )
            return
        head = scope["method"] == "HEAD"
        inner = {**scope, "method": "GET"} if head else scope
        started = False

        async def with_headers(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                present = {k.lower() for k, _ in message.get("headers", [])}
                message = {
                    **message,
                    "headers": [
                        *message.get("headers", []),
                        *((k, v) for k, v in _ENCODED if k not in present),
                    ],
                }
            elif message["type"] == "http.response.body" and head:
                if message.get("more_body", False):
                    return  # HEAD: the headers (content-length included) without the body
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        try:
            await self.app(inner, receive, with_headers)
        except Exception:
            # A bug: the user gets one line with the headers, the log the traceback.
            log.exception("kostra: %s %s failed", scope["method"], scope["path"])
            if started:
                raise
            await self._refuse(
                scope, send, 500, "noe gikk galt hos kostra; prøv igjen, eller meld fra om feilen", []
            )
