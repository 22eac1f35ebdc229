"""Full SSB answers in, SSB's own aggregates out (issue 13, acceptance).

The answers under fixtures/ssb_full/ are shaped exactly like SSB's (all 891 regions of a
real full answer: municipality numbers of every year, Longyearbyen, EAK, EAKUO, old and new
EKA, EKG01-EKG17, status symbols, footnotes), in JSON-stat, statbank CSV and XLSX. The
aggregates SSB put in them (expected_*.csv) were computed by make_fixtures.py, outside
kostra's code. ``kostra data check`` must find every one at SSB's precision, for a share
(KOSandel150000, 1 decimal) and a kroner-per-inhabitant figure (KOSutg020000, whole kroner),
in a year before the 2020 reform (2019) and after the 2024 one (2024).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import httpx
import pandas as pd
import pytest
from typer.testing import CliRunner

from kostra.analysis.ssb_check import Verdict, round_half_away
from kostra.outputs.cli import app
from kostra.sources.klass import KlassClient
from ssbfake import KLASS

FULL = Path(__file__).parent / "fixtures" / "ssb_full"
INDICATOR = {"KOSandel150000": "bhg_andel_1_5", "KOSutg020000": "bhg_netto_per_innb_1_5"}
DECIMALS = {"bhg_andel_1_5": 1, "bhg_netto_per_innb_1_5": 0}


def _expected(year: int) -> pd.DataFrame:
    frame = pd.read_csv(FULL / f"expected_{year}.csv")
    return frame.assign(indicator_id=frame["contents_code"].map(INDICATOR)).set_index(
        ["indicator_id", "aggregate"]
    )


def _weights_for(session, year: int, tmp_path: Path) -> None:
    """What a user imports beside the answer: the 1-5 year olds on that year's borders (2019;
    2024's are bundled), and Longyearbyen's, which no municipal population table has."""
    if year == 2019:
        session.import_file(FULL / "befolkning_1_5_2019.csv", indicator="pop_1_5")
    else:
        own = tmp_path / "longyearbyen.csv"
        own.write_text('"region";"Innbyggere 1-5 år 2024"\n"2111 Longyearbyen";148\n', encoding="utf-8")
        session.import_file(own, indicator="pop_1_5")


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
@pytest.mark.parametrize("year", [2019, 2024])
def test_data_check_reproduces_ssbs_aggregates(fresh, tmp_path: Path, year: int, fmt: str) -> None:
    _weights_for(fresh, year, tmp_path)
    result = fresh.import_file(FULL / f"13502_{year}.{fmt}")
    expected = _expected(year)
    # 52 aggregate regions per figure; those of another era (EKA30 in 2019) are "." without a number
    assert result.aggregates == 2 * 52 and result.unplaced.empty
    stored = fresh.ssb_aggregates(list(INDICATOR.values()), [year]).set_index(["indicator_id", "region_code"])
    assert stored["value"].dropna().to_dict() == expected["ssb_value"].to_dict()
    assert set(stored.loc[stored["value"].isna(), "status"]) == {"."}

    checks = fresh.ssb_check([year], "barnehage").set_index(["indicator_id", "aggregate"])
    assert set(checks.index) == set(expected.index)
    checked = checks[~checks.index.get_level_values("aggregate").str.startswith("EKG")]
    assert (checked["verdict"] == Verdict.SAME).all(), checked[checked["verdict"] != Verdict.SAME]
    for (indicator, code), row in checked.iterrows():
        shown = round_half_away(row["kostra"], DECIMALS[indicator])
        assert shown == expected.loc[(indicator, code), "ssb_value"], (indicator, code)
    # the country and each county of the year, for both figures
    counties = {c for _, c in checked.index if c.startswith("EKA")}
    assert len(counties) == (18 if year == 2019 else 15)
    assert {"EAK", "EAKUO"} <= {c for _, c in checked.index}


def test_longyearbyen_counts_in_the_country_and_in_no_county(fresh, tmp_path: Path) -> None:
    _weights_for(fresh, 2024, tmp_path)
    fresh.import_file(FULL / "13502_2024.json")
    checks = fresh.ssb_check([2024], "barnehage").set_index(["indicator_id", "aggregate"])
    all_members = checks.loc[("bhg_andel_1_5", "EAK"), "members"]
    counties = checks.loc[
        [("bhg_andel_1_5", c) for c in checks.loc["bhg_andel_1_5"].index if c.startswith("EKA")]
    ]
    assert all_members == counties["members"].sum() + 1  # 357 municipalities in counties, and Longyearbyen
    stored = fresh.store.observations(["bhg_andel_1_5"], [2024]).set_index("region_code")
    assert stored.loc["2111", "value"] == stored.loc["2111", "value"]  # a figure of its own, kept


def test_without_weights_on_the_years_borders_2019_is_not_checkable_never_wrong(fresh) -> None:
    fresh.import_file(FULL / "13502_2019.json")
    checks = fresh.ssb_check([2019], "barnehage").set_index(["indicator_id", "aggregate"])
    assert Verdict.DIFFERS not in set(checks["verdict"])
    landet = checks.loc[("bhg_andel_1_5", "EAK")]
    assert (
        landet["verdict"] == Verdict.NOT_CHECKABLE
        and "mangler befolkning (pop_1_5) for 2019" in landet["reason"]
    )
    assert "0220" in landet["lacking"].split()  # Asker before it merged with Røyken and Hurum
    # Oslo was never merged: its weight is today's, and its figure checks
    assert checks.loc[("bhg_andel_1_5", "EKA03"), "verdict"] == Verdict.SAME


def test_a_tampered_country_figure_is_found_and_the_command_says_so(tmp_path: Path) -> None:
    doc = json.loads((FULL / "13502_2024.json").read_text("utf-8"))
    regions = doc["dimension"]["KOKkommuneregion0000"]["category"]["index"]
    contents = doc["dimension"]["ContentsCode"]["category"]["index"]
    cell = regions["EKA32"] * len(contents) + contents["KOSandel150000"]
    doc["value"][cell] = round(doc["value"][cell] + 0.5, 1)
    tampered = tmp_path / "13502_2024_endret.json"
    tampered.write_text(json.dumps(doc), encoding="utf-8")
    db = tmp_path / "kostra.duckdb"
    runner = CliRunner()
    imported = runner.invoke(app, ["--db", str(db), "data", "import", str(tampered)])
    assert imported.exit_code == 0 and "av SSBs egne aggregater" in imported.stdout, imported.output
    checked = runner.invoke(app, ["--db", str(db), "data", "check", "--year", "2024", "--format", "csv"])
    assert checked.exit_code == 1, checked.output
    rows = pd.read_csv(pd.io.common.StringIO(checked.stdout)).set_index(["indicator_id", "aggregate"])
    assert rows.loc[("bhg_andel_1_5", "EKA32"), "verdict"] == Verdict.DIFFERS
    assert "avviker fra SSB ut over avrunding" in checked.stderr
    clean = runner.invoke(
        app, ["--db", str(tmp_path / "ren.duckdb"), "data", "import", str(FULL / "13502_2024.csv")]
    )
    assert clean.exit_code == 0
    ok = runner.invoke(
        app, ["--db", str(tmp_path / "ren.duckdb"), "data", "check", "-y", "2024", "-s", "barnehage"]
    )
    assert ok.exit_code == 0 and "SSBs egne tall gjenskapt" in ok.stdout, ok.output


@pytest.mark.parametrize("year", [2019, 2024])
def test_kostra_groups_from_klass_reproduce_ssbs_group_figures(
    fresh, fake_ssb, tmp_path: Path, year: int
) -> None:
    """The KOSTRA groups of the year (KLASS 131 -> 112 at 1 January, from the stand-in for
    KLASS) make every EKG figure of the answer checkable, and kostra finds SSB's."""
    _, base = fake_ssb
    with httpx.Client(timeout=5.0) as http:
        fresh.fetch_regions(KlassClient(http, base + KLASS), today=date(2026, 11, 26), years=[year])
    _weights_for(fresh, year, tmp_path)
    fresh.import_file(FULL / f"13502_{year}.json")
    checks = fresh.ssb_check([year], "barnehage").set_index(["indicator_id", "aggregate"])
    groups = checks[checks.index.get_level_values("aggregate").str.startswith("EKG")]
    expected = _expected(year)
    assert len(groups) == len([c for _, c in expected.index if c.startswith("EKG")])
    assert (groups["verdict"] == Verdict.SAME).all(), groups[groups["verdict"] != Verdict.SAME]
    assert (checks["verdict"] == Verdict.SAME).all(), checks[checks["verdict"] != Verdict.SAME]
