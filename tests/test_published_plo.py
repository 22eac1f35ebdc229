"""Tests of the bundle: the PLO service profiles show the published report's figures.

`kostra profile Bærum --sector pleie-og-omsorg --profile P --year 2024 --format csv`
must show every figure of shared/data/published at the published precision, and its
index column must be 100 * value / group average.

What this proves and what it does not: Bærum's figures are bundled from the same
published CSV this test reads, and the other ASSS members' demodata are fitted so that
the group's average, highest and lowest come out as published. So these tests check
that the bundle, the store and the CLI carry the published numbers through unchanged
(rounding, order, units, the index column); they cannot catch a wrong averaging method,
since the bundle was built to match. The methods are proved against numbers derived
outside the code in tests/test_methods_pinned.py, tests/analysis/ (hand-computed
examples and Hypothesis properties) and by mutation testing (TESTING.md).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

PROFILES = {"alle": "alle", "0-66": "0-66", "67+": "67+", "TTU": "ttu"}
SERIES = {
    "Snitt ASSS": "group_average",
    "Høyest ASSS": "group_highest",
    "Lavest ASSS": "group_lowest",
}
# KOSTRA.md: the highest-ASSS labels of the published PLO profile chart.
PUBLISHED_HIGHEST_LABELS = [129, 124, 110, 114, 178, 113]


@pytest.fixture(scope="module")
def cli_profiles(template_store: Path, cli) -> dict[str, list[dict[str, str]]]:
    out = {}
    for published_name, profile in PROFILES.items():
        result = cli(
            "--db",
            str(template_store),
            "profile",
            "Bærum",
            "--sector",
            "pleie-og-omsorg",
            "--profile",
            profile,
            "--year",
            "2024",
            "--format",
            "csv",
        )
        assert result.returncode == 0, result.stderr
        out[published_name] = list(csv.DictReader(io.StringIO(result.stdout)))
    return out


def _row(rows: list[dict[str, str]], indicator: str) -> dict[str, str]:
    found = [r for r in rows if r["indicator"] == indicator]
    assert len(found) == 1, f"{indicator!r} not in the profile"
    return found[0]


def _same_at_published_precision(published: str, ours: str) -> bool:
    if published == "" or published != published:
        return ours == ""
    want = Decimal(published)
    got = Decimal(ours)
    # ours carries the catalog's decimals; round it to the published number's own precision
    return got.quantize(want) == want and got == want


def test_every_published_number_is_reproduced(
    cli_profiles: dict[str, list[dict[str, str]]], published: pd.DataFrame
) -> None:
    checked = 0
    for rec in published.fillna("").itertuples(index=False):
        row = _row(cli_profiles[rec.profile], rec.indicator)
        column = str(rec.year) if rec.series == "Bærum" else SERIES[rec.series]
        assert _same_at_published_precision(str(rec.value), row[column]), (
            f"{rec.profile} / {rec.indicator} / {rec.series} {rec.year}: "
            f"published {rec.value!r}, kostra {row[column]!r}"
        )
        checked += 1
    assert checked == len(published) == 126


def test_profiles_hold_exactly_the_published_indicators(
    cli_profiles: dict[str, list[dict[str, str]]], published: pd.DataFrame
) -> None:
    for name, rows in cli_profiles.items():
        expected = list(dict.fromkeys(published.loc[published["profile"] == name, "indicator"]))
        assert sorted(r["indicator"] for r in rows) == sorted(expected)


def test_index_is_value_over_group_average(cli_profiles: dict[str, list[dict[str, str]]]) -> None:
    for rows in cli_profiles.values():
        for row in rows:
            if row["2024"] == "":
                assert row["index"] == ""
                continue
            value, average = float(row["2024"]), float(row["group_average"])
            # the printed average is rounded, so allow for that rounding in the check
            half_unit = 0.5 * 10 ** -max(len(row["group_average"].partition(".")[2]), 0)
            low = 100 * value / (average + half_unit)
            high = 100 * value / (average - half_unit)
            assert low - 0.05 <= float(row["index"]) <= high + 0.05


def test_highest_labels_of_the_published_chart(
    cli_profiles: dict[str, list[dict[str, str]]],
) -> None:
    labels = [
        int(Decimal(r["index_highest"]).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
        for r in cli_profiles["alle"]
    ]
    assert labels == PUBLISHED_HIGHEST_LABELS


def test_python_api_gives_the_same_table(session, cli_profiles) -> None:
    table = session.profile("3201", sector="plo", profile="ttu", year=2024)
    row = table.set_index("indicator_id").loc["ttu_utgifter_per_utviklingshemmet"]
    assert round(row["2024"]) == 1835374
    assert round(row["group_highest"]) == 1835374
    assert round(row["group_lowest"]) == 890798
    assert round(row["group_average"]) == 1362636
    assert table.attrs["municipality"] == "Bærum"
