"""The ASGI entry point uvicorn loads: ``kostra.outputs.web.server:app``.

The store path comes from ``KOSTRA_WEB_DB`` (set by ``kostra serve``), else the
default store; ``KOSTRA_WEB_RATE`` is the requests per minute allowed per client.
``KOSTRA_WEB_CACHE_BYTES`` bounds the answers the response cache keeps (the app's
default unless set); ``0`` keeps none, so every request is computed (``/api/profile``
from all municipalities' profiles computed at once, :mod:`kostra.outputs.web.profiles`):
what ``tests/outputs/test_web_concurrency.py`` and ``bench/bench_concurrency.py`` run
against.

The store is opened read-only, so ``kostra profile``, ``kostra report`` and the other
reading commands run beside the server; opening waits ``KOSTRA_LOCK_WAIT`` seconds for
a store a writer holds.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kostra.api import default_db_path
from kostra.outputs.web import create_app

_options: dict[str, Any] = {}
if os.environ.get("KOSTRA_WEB_CACHE_BYTES"):
    _options["cache_bytes"] = max(0, int(os.environ["KOSTRA_WEB_CACHE_BYTES"]))

app = create_app(
    Path(os.environ.get("KOSTRA_WEB_DB") or default_db_path()),
    rate=int(os.environ.get("KOSTRA_WEB_RATE") or 600),
    **_options,
)
