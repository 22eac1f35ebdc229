"""The figures in force after a load: refreshed for the loaded indicators only, they are
what the rule gives when the whole table is rebuilt (REFRESH_CURRENT)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kostra.errors import StoreError
from kostra.store import ReleaseSpec, Store
from kostra.store.migrations import REFRESH_CURRENT

# The rule's SELECT, as the whole rebuild runs it.
_RULE = REFRESH_CURRENT.split("INSERT INTO current_observation", 1)[1].strip().rstrip(";")
_ALL = "SELECT * FROM current_observation ORDER BY indicator_id, year, region_code"


def _obs(rows: list[tuple[str, str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["indicator_id", "region_code", "year", "value"]).assign(status=None)


def _in_force(store: Store) -> pd.DataFrame:
    return store.frame(_ALL)


def _by_rule(store: Store) -> pd.DataFrame:
    return store.frame(f"SELECT * FROM ({_RULE}) ORDER BY indicator_id, year, region_code")


def test_each_load_leaves_the_figures_the_whole_rule_gives(store_path: Path) -> None:
    loads = [
        # a real figure over the bundled demodata one
        ("a", "file", [("plo_sykefravaer", "3201", 2024, 7.5), ("adm_netto_per_innb", "3201", 2024, 100.0)]),
        # a newer real release wins for the figure it has, the other stays
        ("b", "file", [("plo_sykefravaer", "3201", 2024, 7.7)]),
        # demodata never beats a real figure, but fills where there is none
        ("c", "demodata", [("plo_sykefravaer", "3201", 2024, 9.9), ("plo_sykefravaer", "3201", 2010, 1.0)]),
    ]
    with Store(store_path) as store:
        rows_before = len(_in_force(store))
        for source, kind, rows in loads:
            store.load_release(ReleaseSpec(source, kind, f"checksum-{source}"), _obs(rows))  # type: ignore[arg-type]
            got, expected = _in_force(store), _by_rule(store)
            expected.columns = got.columns  # the rule names release_kind "kind"
            pd.testing.assert_frame_equal(got, expected)
        now = store.observations(["plo_sykefravaer", "adm_netto_per_innb"], [2010, 2024]).set_index(
            ["indicator_id", "region_code", "year"]
        )
        assert now.loc[("plo_sykefravaer", "3201", 2024), "value"] == 7.7  # release b
        assert now.loc[("adm_netto_per_innb", "3201", 2024), "value"] == 100.0  # release a
        assert now.loc[("plo_sykefravaer", "3201", 2010), "release_kind"] == "demodata"
        # one new figure in force (2010); every other load replaced one
        assert len(_in_force(store)) in (rows_before, rows_before + 1)


def test_a_failed_load_leaves_the_figures_in_force_as_they_were(store_path: Path) -> None:
    with Store(store_path) as store:
        before = _in_force(store)
        bad = _obs([("plo_sykefravaer", "3201", 2024, 1.0), ("plo_sykefravaer", "9998", 2024, 1.0)])
        with pytest.raises(StoreError, match="ukjent regionkode '9998'"):
            store.load_release(ReleaseSpec("x", "file", "checksum-x"), bad)
        pd.testing.assert_frame_equal(_in_force(store), before)
