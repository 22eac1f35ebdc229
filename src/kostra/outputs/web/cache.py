"""Answers kept in memory: the store is opened read-only, so a GET answer never changes
while the server runs.

The cache is bounded in bytes and in entries (least recently used out), an answer larger
than a quarter of it is not kept, and its key is the request as the handlers read it
(:func:`~kostra.outputs.web.query.cache_key`: parameters in any order, lists split and
de-duplicated), so neither many URLs nor large answers can grow the server without bound.
Static assets (``/static/``) are not cached here: the app holds each once, whatever the
query string.

A plain ASGI middleware (not Starlette's BaseHTTPMiddleware), because it sits on every
request and the cached path must cost almost nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from kostra.outputs.web.query import MAX_QUERY, cache_key

__all__ = ["ResponseCache"]

Message = dict[str, Any]

_OVERHEAD = 300  # bytes of bookkeeping per entry (key, dicts, tuples), roughly
_REMEMBERED = 200  # bytes of a query (and of a path) whose cache key is remembered


class ResponseCache:
    """Keeps up to ``max_entries`` answers of up to ``max_bytes`` in all."""

    def __init__(self, app: Any, max_bytes: int = 16 * 2**20, max_entries: int = 2048) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.max_entry = max_bytes // 4
        self._answers: OrderedDict[bytes, tuple[Message, bytes, int]] = OrderedDict()
        self._bytes = 0
        self._keys: dict[tuple[str, bytes], bytes] = {}  # request line -> its cache_key
        self._lock = threading.Lock()

    @property
    def size(self) -> tuple[int, int]:
        """(entries, bytes) held now."""
        with self._lock:
            return len(self._answers), self._bytes

    def _get(self, key: bytes) -> tuple[Message, bytes, int] | None:
        with self._lock:
            hit = self._answers.get(key)
            if hit is not None:
                self._answers.move_to_end(key)
            return hit

    def _put(self, key: bytes, start: Message, body: bytes) -> None:
        size = len(key) + len(body) + sum(len(k) + len(v) for k, v in start["headers"]) + _OVERHEAD
        if size > self.max_entry:
            return
        with self._lock:
            old = self._answers.pop(key, None)
            if old is not None:
                self._bytes -= old[2]
            self._answers[key] = (start, body, size)
            self._bytes += size
            while self._answers and (self._bytes > self.max_bytes or len(self._answers) > self.max_entries):
                _, (_, _, dropped) = self._answers.popitem(last=False)
                self._bytes -= dropped

    def _key_of(self, path: str, query: bytes) -> bytes:
        """:func:`cache_key`, remembered per request line as sent: parsing and quoting the
        query is most of what a cached answer costs. At most ``max_entries`` lines with a
        query of up to :data:`_REMEMBERED` bytes are remembered (a megabyte or so; all
        forgotten at once beyond that, and the next requests parse again)."""
        line = (path, query)
        key = self._keys.get(line)
        if key is None:
            key = cache_key(path, query)
            if len(query) <= _REMEMBERED and len(path) <= _REMEMBERED:
                if len(self._keys) >= self.max_entries:
                    self._keys = {}
                self._keys[line] = key
        return key

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        query = scope.get("query_string", b"")
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or scope["path"].startswith("/static/")
            or len(query) > MAX_QUERY  # refused by the app: no key worth computing
        ):
            await self.app(scope, receive, send)
            return
        key = self._key_of(scope["path"], query)
        hit = self._get(key)
        if hit is not None:
            start, body, _ = hit
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        captured: dict[str, Any] = {"start": None, "body": [], "size": 0, "keep": True}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["start"] = message
                captured["keep"] = message["status"] == 200
            elif message["type"] == "http.response.body" and captured["keep"]:
                chunk = message.get("body", b"")
                captured["size"] += len(chunk)
                if captured["size"] > self.max_entry:  # too large to keep: stop copying it
                    captured["keep"] = False
                    captured["body"] = []
                else:
                    captured["body"].append(chunk)
            await send(message)

        await self.app(scope, receive, capture)
        start = captured["start"]
        if start is not None and captured["keep"]:
            self._put(key, start, b"".join(captured["body"]))
