"""Live checks against SSB itself: off by default, run with ``pytest -m live``.

They catch what a recording cannot: a table renamed or discontinued, a
ContentsCode retired, a required dimension added, a changed limit. CI has no
network, so they are deselected there (pyproject's ``-m "not live"``).
"""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from kostra.catalog import SsbSource, load_catalog
from kostra.errors import SourceError
from kostra.sources.klass import KlassClient, kostra_groups_at
from kostra.sources.pxweb import ApiLimits, PxWebClient, resolve_filters

pytestmark = pytest.mark.live


def test_config_and_every_catalog_source_exist() -> None:
    """Every source of every indicator (earlier ones too): the table, its ContentsCode and
    a value for every required dimension, checked as a fetch checks them."""
    problems: list[str] = []
    with httpx.Client(timeout=60.0) as http:
        client = PxWebClient(http)
        assert client.fetch_config().max_cells >= ApiLimits().max_cells // 10
        by_table: dict[str, list[tuple[str, SsbSource]]] = {}
        for ind in load_catalog().indicators.values():
            for source in ind.all_sources:
                by_table.setdefault(source.table, []).append((ind.id, source))
        for table, sources in sorted(by_table.items()):
            meta = client.fetch_table_metadata(table)
            selected = {dim for _, s in sources for dim in s.filters}
            for indicator, source in sources:
                try:
                    resolve_filters(
                        table,
                        meta.cube,
                        source.contents,
                        source.filters,
                        indicator,
                        selected,
                    )
                except SourceError as exc:  # collect every problem, then fail once
                    problems.append(str(exc))
                if meta.discontinued and source.last_year is None:
                    problems.append(f"tabell {table} er avsluttet, men {indicator} har ingen last_year")
    assert problems == []


@pytest.mark.parametrize("year", [2020, 2024])
def test_klass_gives_the_kostra_groups_of_the_year(year: int) -> None:
    with httpx.Client(timeout=60.0) as http:
        klass = KlassClient(http)
        municipalities = set(klass.fetch_codes_at(131, date(year, 1, 1))["code"])
        groups = kostra_groups_at(klass, year, municipalities)
    assert len(groups) > 300 and set(groups["group"]) <= {f"EKG{n:02d}" for n in range(1, 18)}
