"""A municipality followed across its numbers: Bærum 0219 (to 2019), 3024
(2020-2023), 3201 (2024-), as SSB's own files carry them."""

from __future__ import annotations

from pathlib import Path

import pytest

INDICATOR = "Sykefravær pleie og omsorg"


def _write(tmp_path: Path) -> Path:
    rows = [
        ("0219 Bærum (-2019)", 2018, "6,0"),
        ("0219 Bærum (-2019)", 2019, "6,1"),
        ("3024 Bærum (2020-2023)", 2020, "6,2"),
        ("3024 Bærum (2020-2023)", 2023, "6,5"),
        ("3201 Bærum", 2024, "6,6"),
        ("0220 Asker (-2019)", 2019, "9,0"),
        ("3025 Asker (2020-2023)", 2020, "9,1"),
    ]
    text = "region;statistikkvariabel;år;verdi\n" + "".join(f"{r};{INDICATOR};{y};{v}\n" for r, y, v in rows)
    path = tmp_path / "renummerert.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_profile_follows_baerum_across_2019_2020_and_2024(fresh, tmp_path: Path) -> None:
    fresh.import_file(_write(tmp_path))
    for query in ("Bærum", "0219", "3024", "3201"):
        table = fresh.profile(query, "plo", "alle", 2020, group="landet").set_index("indicator_id")
        row = table.loc["plo_sykefravaer"]
        assert (row["2018"], row["2019"], row["2020"]) == (6.0, 6.1, 6.2)
    latest = fresh.profile("Bærum", "plo", "alle", 2024).set_index("indicator_id")
    assert latest.loc["plo_sykefravaer", "2023"] == 6.5
    assert latest.loc["plo_sykefravaer", "2024"] == 6.6


def test_a_merged_municipality_is_not_its_successor(fresh, tmp_path: Path) -> None:
    fresh.import_file(_write(tmp_path))
    observations = fresh.observations(["plo_sykefravaer"], [2019, 2020]).set_index(["region_code", "year"])
    # Asker 0220 merged with Røyken and Hurum in 2020: its 2019 figure stays its own...
    assert observations.loc[("0220", 2019), "value"] == 9.0
    # ...while 3025 (2020-2023) was only renumbered to 3203 in 2024.
    assert observations.loc[("3203", 2020), "value"] == 9.1
    # and the old Asker is a member of the country in 2019, not in 2024
    assert "0220" in fresh.municipalities_in(2019)
    assert "0220" not in fresh.municipalities_in(2024)


@pytest.mark.parametrize(("year", "expected"), [(2019, "6.1"), (2021, None)])
def test_years_without_figures_stay_missing(fresh, tmp_path: Path, year: int, expected: str | None) -> None:
    fresh.import_file(_write(tmp_path))
    value = (
        fresh.profile("Bærum", "plo", "alle", year)
        .set_index("indicator_id")
        .loc["plo_sykefravaer", str(year)]
    )
    if expected is None:  # 2021 was not in the file: the bundled demodata figure remains
        assert value == value
    else:
        assert value == float(expected)
