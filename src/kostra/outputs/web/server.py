"""The ASGI entry point uvicorn loads: ``kostra.outputs.web.server:app``.

The store path comes from ``KOSTRA_WEB_DB`` (set by ``kostra serve``), else the
default store; ``KOSTRA_WEB_RATE`` is the requests per minute allowed per client.
"""

from __future__ import annotations

import os
from pathlib import Path

from kostra.api import default_db_path
from kostra.outputs.web import create_app

app = create_app(
    Path(os.environ.get("KOSTRA_WEB_DB") or default_db_path()),
    rate=int(os.environ.get("KOSTRA_WEB_RATE") or 600),
)
