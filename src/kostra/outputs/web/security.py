"""Safety for the web app: security headers, a request-size cap and a per-client rate limit.

A plain ASGI middleware, so that it adds almost nothing to each request.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

__all__ = ["HEADERS", "SecurityMiddleware"]

HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}
_ENCODED = [(k.encode(), v.encode()) for k, v in HEADERS.items()]


class SecurityMiddleware:
    """Adds the headers, refuses bodies over ``max_body`` bytes, and answers 429 when a
    client makes more than ``rate`` requests in ``per`` seconds."""

    def __init__(self, app: Any, max_body: int = 64_000, rate: int = 600, per: float = 60.0) -> None:
        self.app = app
        self.max_body = max_body
        self.rate = rate
        self.per = per
        self._hits: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _allowed(self, client: str) -> bool:
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._hits.get(client, []) if now - t < self.per]
            allowed = len(recent) < self.rate
            if allowed:
                recent.append(now)
            self._hits[client] = recent
            return allowed

    async def _refuse(self, send: Any, status: int, message: str, extra: list[tuple[bytes, bytes]]) -> None:
        body = json.dumps({"error": message}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *extra,
            *_ENCODED,
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await self._refuse(send, 413, "request body too large", [])
            return
        client = scope.get("client") or ("unknown", 0)
        if not self._allowed(str(client[0])):
            await self._refuse(
                send, 429, "too many requests; wait a minute", [(b"retry-after", str(int(self.per)).encode())]
            )
            return

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message = {
                    **message,
                    "headers": [
                        *message.get("headers", []),
                        *((k, v) for k, v in _ENCODED if k not in present),
                    ],
                }
            await send(message)

        await self.app(scope, receive, with_headers)
