"""Safety for the web app: security headers, a request-size cap and a per-client rate limit."""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

__all__ = ["SecurityMiddleware"]

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "interest-cohort=()",
}


class SecurityMiddleware(BaseHTTPMiddleware):
    """Adds the headers, refuses bodies over ``max_body`` bytes, and answers 429 when a
    client makes more than ``rate`` requests in ``per`` seconds."""

    def __init__(self, app: object, max_body: int = 64_000, rate: int = 600, per: float = 60.0) -> None:
        super().__init__(app)  # type: ignore[arg-type]
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

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            response: Response = JSONResponse({"error": "request body too large"}, status_code=413)
        elif not self._allowed(request.client.host if request.client else "unknown"):
            response = JSONResponse(
                {"error": "too many requests; wait a minute"},
                status_code=429,
                headers={"Retry-After": str(int(self.per))},
            )
        else:
            response = await call_next(request)
        for key, value in HEADERS.items():
            response.headers.setdefault(key, value)
        return response
