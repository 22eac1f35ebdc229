"""Group averages weigh every member with a figure, on that year's borders, or say which
could not be weighed (issue 13, item 2)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from kostra.analysis.quality import flag_unweighted_members
from kostra.outputs.profile_table import render_profile_csv, render_profile_json

IND = "bhg_andel_1_5"


def _landet(session, year: int):
    indicator = session.catalog.indicator(IND)
    stats = session.group_stats([indicator], [year], session.group("landet").definition)
    return stats.set_index("indicator_id").loc[IND]


def _import(session, tmp_path: Path, name: str, rows: str) -> None:
    path = tmp_path / name
    path.write_text("region;år;Andel\n" + rows, encoding="utf-8")
    session.import_file(path, indicator=IND)


def test_a_municipality_later_split_keeps_its_weight(fresh, tmp_path: Path) -> None:
    before = _landet(fresh, 2023)
    # SSB's way for 2023: Ålesund under its 2020-2023 number, "." for the numbers of 2024
    _import(
        fresh, tmp_path, "aalesund.csv", "1507 Ålesund;2023;50,0\n1508 Ålesund;2023;.\n1580 Haram;2023;.\n"
    )
    after = _landet(fresh, 2023)
    assert after["members_without_weight"] == 0
    assert (
        after["members_with_data"] == before["members_with_data"] - 2 + 1
    )  # demodata 1508/1580 out, 1507 in

    # by hand: the country's weighted mean with 1507 weighed by 1508 + 1580 (its land in 2024)
    members = fresh.members("landet", 2023)
    values = fresh.observations([IND], [2023]).set_index("region_code")["value"].dropna()
    pop = fresh.observations(["pop_1_5"], [2023]).set_index("region_code")["value"]
    weight = {c: pop[c] for c in values.index if c in members and c in pop.index}
    weight["1507"] = pop["1508"] + pop["1580"]
    numerator = sum(values[c] * w for c, w in weight.items())
    assert after["average"] == pytest.approx(numerator / sum(weight.values()), rel=1e-12)


def test_a_member_without_a_weight_is_told_never_dropped_silently(fresh, tmp_path: Path) -> None:
    # Asker 2019 merged with Røyken and Hurum in 2020: its own population must come from SSB
    _import(fresh, tmp_path, "asker.csv", "0220 Asker;2019;80,0\n3203 Asker;2019;.\n")
    stats = _landet(fresh, 2019)
    assert stats["members_without_weight"] == 1
    profile = fresh.profile("Bærum", "barnehage", "tillegg", year=2019, group="landet")
    flags = flag_unweighted_members(profile, "landet", 2019)
    assert [f.indicator_id for f in flags] == [IND]
    assert "1 av 357 kommuner i landet med tall for 2019 mangler befolkning" in flags[0].message_nb
    # the profile says it too, in every format
    rows = list(csv.DictReader(io.StringIO(render_profile_csv(profile))))
    assert {r["indicator_id"]: r["members_without_weight"] for r in rows}[IND] == "1"
    assert json.loads(render_profile_json(profile))["rows"][0]["members_without_weight"] in (0, 1)
    # with Asker's own population of 2019 the member is weighed again
    path = tmp_path / "befolkning.csv"
    path.write_text("region;år;Innbyggere 1-5 år\n0220 Asker;2019;3650\n", encoding="utf-8")
    fresh.import_file(path, indicator="pop_1_5")
    assert _landet(fresh, 2019)["members_without_weight"] == 0


def test_the_bundle_has_no_member_without_a_weight(session) -> None:
    for sector in session.catalog.sectors.values():
        if sector.hidden:
            continue
        indicators = [i for i in session.catalog.indicators.values() if i.sector == sector.id]
        for group in ("landet", "asss", "kostragruppe-13"):
            stats = session.group_stats(indicators, [2015, 2020, 2024], session.group(group).definition)
            lacking = stats[stats["members_without_weight"] > 0]
            assert lacking.empty, lacking[["indicator_id", "year", "members_without_weight"]]
