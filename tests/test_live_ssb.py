"""Live checks against SSB itself: off by default, run with ``pytest -m live``.

They catch what a recording cannot: a table renamed, a ContentsCode retired,
a changed limit. CI has no network, so they are deselected there (pyproject's
``-m "not live"``).
"""

from __future__ import annotations

import httpx
import pytest

from kostra.catalog import load_catalog
from kostra.sources.pxweb import ApiLimits, PxWebClient

pytestmark = pytest.mark.live


def test_config_and_every_catalog_source_exist() -> None:
    with httpx.Client(timeout=60.0) as http:
        client = PxWebClient(http)
        assert client.fetch_config().max_cells >= ApiLimits().max_cells // 10
        sources = {i.source.table: i for i in load_catalog().indicators.values() if i.source}
        for table, indicator in sources.items():
            metadata = client.fetch_metadata(table)
            metric = metadata.dimension("metric")
            assert metric is not None, table
            assert indicator.source is not None
            assert indicator.source.contents in metric.codes, (table, indicator.id)
