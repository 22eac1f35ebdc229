"""Tests of the bundle: the sosialtjeneste og bolig profile shows the published figures.

`kostra profile Bærum --sector sosialtjeneste-og-bolig --year 2024 --format csv` must show
every figure of shared/data/published/tjenesteprofil_sosialtjeneste_og_bolig_2024.csv at
the published precision, in the report's order, and its index column must be
100 * value / group average (as tests/test_published_plo.py does for pleie og omsorg).

Like tests/test_published_plo.py these are round trips through the bundle (Bærum's
figures come from the published CSV, the other members are fitted to the published group
row): they prove the data path and the formatting, not the averaging method, which
tests/test_methods_pinned.py and tests/analysis/ pin to hand-computed numbers.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from kostra.catalog import load_catalog
from test_published_plo import SERIES, _same_at_published_precision

SECTOR = "sosialtjeneste-og-bolig"
PUBLISHED_FILE = "tjenesteprofil_sosialtjeneste_og_bolig_2024.csv"
STARRED = {
    "Ressursbruksindikator. Sosiale tjenester",
    "Stønadslengde sosialhjelpsmottakere 18-24 år. Gjennomsnittlig antall måneder per år",
    "Stønadslengde mottakere med sosialhjelp som hovedinntektskilde. Snitt måneder per år",
    "Etter KVP: Andel deltakere som gikk til arbeid/skole/utdanning",
    "Sykefravær sosiale tjenester",
}


@pytest.fixture(scope="module")
def published_sosial(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / "published" / PUBLISHED_FILE, dtype={"value": str})


@pytest.fixture(scope="module")
def cli_profile(template_store: Path, cli) -> list[dict[str, str]]:
    result = cli(
        "--db",
        str(template_store),
        "profile",
        "Bærum",
        "--sector",
        SECTOR,
        "--year",
        "2024",
        "--format",
        "csv",
    )
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def _row(rows: list[dict[str, str]], indicator: str) -> dict[str, str]:
    found = [r for r in rows if r["indicator"] == indicator]
    assert len(found) == 1, f"{indicator!r} not in the profile"
    return found[0]


def test_every_published_number_is_reproduced(
    cli_profile: list[dict[str, str]], published_sosial: pd.DataFrame
) -> None:
    checked = 0
    for rec in published_sosial.fillna("").itertuples(index=False):
        assert rec.profile == "alle"
        row = _row(cli_profile, rec.indicator)
        column = str(rec.year) if rec.series == "Bærum" else SERIES[rec.series]
        assert _same_at_published_precision(str(rec.value), row[column]), (
            f"{rec.indicator} / {rec.series} {rec.year}: published {rec.value!r}, kostra {row[column]!r}"
        )
        checked += 1
    assert checked == len(published_sosial) == 19 * 6


def test_profile_holds_the_published_rows_in_the_report_order(
    cli_profile: list[dict[str, str]], published_sosial: pd.DataFrame
) -> None:
    expected = list(dict.fromkeys(published_sosial["indicator"]))
    assert [r["indicator"] for r in cli_profile] == expected
    groups = published_sosial.drop_duplicates("indicator").set_index("indicator")["indicator_group"]
    units = published_sosial.drop_duplicates("indicator").set_index("indicator")["unit"]
    for row in cli_profile:
        assert row["indicator_group"] == groups[row["indicator"]], row["indicator"]
        assert row["unit"] == units[row["indicator"]], row["indicator"]


def test_catalog_rows_carry_the_published_marks(published_sosial: pd.DataFrame) -> None:
    catalog = load_catalog()
    rows = catalog.indicators_of(SECTOR, profile="alle")
    assert [i.name_nb for i in rows] == list(dict.fromkeys(published_sosial["indicator"]))
    assert {i.name_nb for i in rows if i.starred} == STARRED
    for ind in rows:
        assert ind.starred or ind.weight, ind.id
        # a figure without an SSB source says why (a note, or a comment in the YAML)
        if ind.source is not None:
            assert ind.source.verified.strip(), ind.id


def test_index_is_value_over_group_average(cli_profile: list[dict[str, str]]) -> None:
    for row in cli_profile:
        value, average = float(row["2024"]), float(row["group_average"])
        half_unit = 0.5 * 10 ** -max(len(row["group_average"].partition(".")[2]), 0)
        low = 100 * value / (average + half_unit)
        high = 100 * value / (average - half_unit)
        assert low - 0.05 <= float(row["index"]) <= high + 0.05


def test_python_api_gives_the_same_table(session) -> None:
    table = session.profile("3201", sector="sosial", year=2024)
    row = table.set_index("indicator_id").loc["sos_netto_per_innb_18_66"]
    assert round(row["2024"]) == 5881
    assert round(row["group_average"]) == 8688
    assert round(row["group_highest"]) == 11141
    assert round(row["group_lowest"]) == 5881
    assert table.attrs["municipality"] == "Bærum"
