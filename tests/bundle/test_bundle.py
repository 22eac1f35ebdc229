"""The shipped bundle is what the builder makes, and the builder's parts work."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kostra.bundle.build import ORIGINS, PUBLISHED_FILES, build_bundle
from kostra.bundle.fitting import (
    FitError,
    RowTarget,
    average_interval,
    fit_group_row,
    label_interval,
)
from kostra.catalog import load_catalog
from kostra.sources.bundled import bundle_manifest, read_bundled_csv, read_bundled_observations


@pytest.fixture(scope="module")
def rebuilt(shared_data: Path):
    return build_bundle(shared_data)


def test_shipped_observations_equal_a_fresh_build(rebuilt) -> None:
    shipped = read_bundled_observations()
    fresh = rebuilt.observations.sort_values(["indicator_id", "region_code", "year"]).reset_index(drop=True)
    shipped = shipped.sort_values(["indicator_id", "region_code", "year"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        fresh.loc[:, ["indicator_id", "region_code", "year", "value", "origin"]],
        shipped.loc[:, ["indicator_id", "region_code", "year", "value", "origin"]],
        check_dtype=False,
    )


def test_shipped_region_tables_equal_a_fresh_build(rebuilt) -> None:
    regions = read_bundled_csv("regions.csv")
    assert list(regions["code"]) == list(rebuilt.regions["code"])
    assert len(read_bundled_csv("region_succession.csv")) == len(rebuilt.succession)
    assert len(read_bundled_csv("group_members.csv")) == len(rebuilt.group_members)


def test_bundle_covers_every_municipality_indicator_and_year() -> None:
    obs = read_bundled_observations()
    assert obs["region_code"].nunique() == 357
    assert sorted(obs["year"].unique()) == list(range(2015, 2025))
    assert set(obs["indicator_id"]) == set(load_catalog().indicators)
    assert set(obs["origin"]) == {"ssb", "published", "demodata"}
    assert set(bundle_manifest()["origins"]) == {"ssb", "published", "demodata"}


def test_real_population_checks(shared_data: Path) -> None:
    # shared/data/README: Norway 1 Jan 2024 = 5 550 203; Bærum 130 921 (stored as year 2023)
    obs = read_bundled_observations()
    pop = obs[(obs["indicator_id"] == "pop_total") & (obs["year"] == 2023)]
    assert pop["value"].sum() == 5_550_203
    assert pop.set_index("region_code").loc["3201", "value"] == 130_921
    assert set(pop["origin"]) == {"ssb"}


def test_generated_values_stay_plausible() -> None:
    obs = read_bundled_observations()
    catalog = load_catalog()
    # shares stay within 0-100, unless the catalog says a share can leave it (free list
    # capacity is negative where the lists are over-full)
    bounded = [
        i.id
        for i in catalog.indicators.values()
        if "andel" in i.id and not (i.demo and ((i.demo.lower or 0) < 0 or (i.demo.upper or 100) > 100))
    ]
    shares = obs[obs["indicator_id"].isin(bounded) & obs["value"].notna()]
    assert len(bounded) > 40 and shares["value"].between(0, 100).all()
    counts = obs[obs["indicator_id"] == "bhg_barn"]
    assert (counts["value"] >= 1).all()


def test_fit_meets_a_published_row_exactly() -> None:
    weights = {c: w for c, w in zip("ABCDEF", [10, 20, 30, 40, 50, 60], strict=True)}
    target_avg = 1659648
    low, high = average_interval(target_avg, 0)
    target = RowTarget(low, high, highest=2060118, lowest=1520000, decimals=0)
    fitted = fit_group_row({"A": 1552889.0}, {c: 1.6e6 for c in "BCDEF"}, weights, target)
    values = {"A": 1552889.0, **fitted}
    average = sum(values[c] * weights[c] for c in values) / sum(weights.values())
    assert round(average) == target_avg
    assert max(values.values()) == 2060118 and min(values.values()) == 1520000
    assert all(float(v).is_integer() for v in fitted.values())


def test_fit_honours_a_published_index_label() -> None:
    low, high = average_interval(9.23, 2)
    label_low, label_high = label_interval(10.38, 113)
    target = RowTarget(max(low, label_low), min(high, label_high), 10.38, 8.1, 2)
    members = {c: 1.0 for c in "ABCDEFGHIJKL"}
    fitted = fit_group_row({"A": 8.6}, {c: 9.0 for c in "BCDEFGHIJKL"}, members, target)
    average = (8.6 + sum(fitted.values())) / 12
    assert round(average, 2) == 9.23
    assert int(np.floor(100 * 10.38 / average + 0.5)) == 113


def test_fit_refuses_impossible_rows() -> None:
    target = RowTarget(5.0, 5.1, highest=6.0, lowest=4.0, decimals=1)
    with pytest.raises(FitError):
        fit_group_row({"A": 7.0}, {"B": 5.0, "C": 5.0}, {"A": 1, "B": 1, "C": 1}, target)


def test_every_published_file_is_bundled_as_published(shared_data: Path) -> None:
    """Bærum's figures of both published chapters are shipped as real 'published' figures."""
    assert {sector for _, sector in PUBLISHED_FILES} == {"pleie-og-omsorg", "sosialtjeneste-og-bolig"}
    obs = read_bundled_observations().set_index(["indicator_id", "region_code", "year"])
    from kostra.catalog import load_catalog

    catalog = load_catalog()
    for name, sector in PUBLISHED_FILES:
        assert Path(name).name in ORIGINS["published"]
        raw = pd.read_csv(shared_data / name)
        ids = {ind.name_nb: ind.id for ind in catalog.indicators_of(sector)}
        baerum = raw[raw["series"] == "Bærum"]
        assert len(baerum) > 0
        for rec in baerum.itertuples(index=False):
            row = obs.loc[(ids[rec.indicator], "3201", int(rec.year))]
            assert row["origin"] == "published", (name, rec.indicator, rec.year)
            if pd.isna(rec.value):
                assert pd.isna(row["value"])
            else:
                assert row["value"] == pytest.approx(rec.value), (name, rec.indicator, rec.year)
