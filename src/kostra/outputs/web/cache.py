"""Answers kept in memory: the store is opened read-only, so a GET answer never changes
while the server runs. The newest ``size`` answers are kept (least recently used out).

A plain ASGI middleware (not Starlette's BaseHTTPMiddleware), because it sits on
every request and the cached path must cost almost nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

__all__ = ["ResponseCache"]

Message = dict[str, Any]


class ResponseCache:
    def __init__(self, app: Any, size: int = 512) -> None:
        self.app = app
        self.size = size
        self._answers: OrderedDict[bytes, tuple[Message, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        key = scope["path"].encode() + b"?" + scope.get("query_string", b"")
        with self._lock:
            hit = self._answers.get(key)
            if hit is not None:
                self._answers.move_to_end(key)
        if hit is not None:
            start, body = hit
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        captured: dict[str, Any] = {"start": None, "body": []}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["start"] = message
            elif message["type"] == "http.response.body":
                captured["body"].append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, capture)
        start = captured["start"]
        if start is not None and start["status"] == 200:
            with self._lock:
                self._answers[key] = (start, b"".join(captured["body"]))
                while len(self._answers) > self.size:
                    self._answers.popitem(last=False)
