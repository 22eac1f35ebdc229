"""The first ``all_profiles`` call of a session reads the store with its text as categories
and works on their codes (issue 17, item 5). Its answer must be the one the session gives
from figures it already holds (text, renumbered by ``canonicalize``)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from kostra.analysis.regions import canonicalize
from kostra.api import _canonical_categories, _placed
from kostra.catalog import Indicator

NAN = math.nan


def _read(rows: list[tuple[str, str, int, float, int, str]]) -> pd.DataFrame:
    """A store read as ``Store.observations(..., categories=True)`` gives it."""
    frame = pd.DataFrame(
        rows, columns=["indicator_id", "region_code", "year", "value", "release_id", "release_kind"]
    )
    return frame.astype({"indicator_id": "category", "region_code": "category", "release_kind": "category"})


# 0219 and 3024 are Bærum's old numbers (today 3201); 0301 Oslo kept its number.
MAPPING = {"0219": "3201", "3024": "3201"}
READ = _read(
    [
        ("a", "0219", 2019, 6.1, 2, "file"),  # 0: with a value, real          -> wins 3201 2019
        ("a", "0301", 2019, 1.0, 1, "bundled"),  # 1: not renumbered             -> kept
        ("a", "3024", 2019, NAN, 5, "ssb"),  # 2: no value (newest, but empty) -> out
        ("a", "3201", 2019, 7.0, 9, "demodata"),  # 3: demodata (newest)       -> out
        ("a", "3024", 2020, 6.2, 3, "file"),  # 4: real, release 3               -> out
        ("a", "3201", 2020, 6.3, 4, "ssb"),  # 5: real, release 4 (newer)        -> wins 3201 2020
        ("b", "0219", 2019, 2.0, 2, "file"),  # 6: another indicator, alone      -> kept as 3201
        ("b", "3201", 2018, 3.0, 1, "demodata"),  # 7: another year, alone     -> kept
    ]
)


def test_renumbered_categories_keep_the_rows_canonicalize_keeps() -> None:
    out = _canonical_categories(READ, MAPPING)
    # by hand (see the comments of READ): rows 0, 1, 5, 6, 7 stay, in the read's order and
    # under their labels; every old number reads 3201
    assert out.index.tolist() == [0, 1, 5, 6, 7]
    assert out["region_code"].astype(str).tolist() == ["3201", "0301", "3201", "3201", "3201"]
    assert out["value"].tolist() == [6.1, 1.0, 6.3, 2.0, 3.0]
    assert isinstance(out["region_code"].dtype, pd.CategoricalDtype)
    # and the very rows canonicalize keeps from the same read as text
    text = READ.astype({c: str for c in ("indicator_id", "region_code", "release_kind")})
    expected = canonicalize(text, MAPPING)
    pd.testing.assert_frame_equal(
        out.astype({"region_code": str}),
        expected.astype({"region_code": str}),
        check_categorical=False,
        check_dtype=False,
    )


def test_ties_go_to_the_first_in_the_read() -> None:
    # two real figures of one release under 0219 and 3024 for 3201 2019: the first read wins
    read = _read([("a", "3024", 2019, 1.0, 2, "file"), ("a", "0219", 2019, 2.0, 2, "file")])
    out = _canonical_categories(read, MAPPING)
    assert out.index.tolist() == [0] and out["value"].tolist() == [1.0]


def test_nothing_renumbered_is_the_read_itself() -> None:
    read = READ[READ["region_code"].isin(["0301"])].reset_index(drop=True)
    read["region_code"] = read["region_code"].cat.remove_unused_categories()
    assert _canonical_categories(read, MAPPING) is read


def _write(tmp_path: Path) -> Path:
    """Bærum under its three numbers and Asker before its merger (tests/test_renumbering.py)."""
    rows = [
        ("0219 Bærum (-2019)", "Sykefravær pleie og omsorg", 2018, "6,0"),
        ("0219 Bærum (-2019)", "Sykefravær pleie og omsorg", 2019, "6,1"),
        ("3024 Bærum (2020-2023)", "Sykefravær pleie og omsorg", 2020, "6,2"),
        ("3024 Bærum (2020-2023)", "Sykefravær pleie og omsorg", 2023, "6,5"),
        ("3201 Bærum", "Sykefravær pleie og omsorg", 2024, "6,6"),
        ("0220 Asker (-2019)", "Sykefravær pleie og omsorg", 2019, "9,0"),
        ("3025 Asker (2020-2023)", "Sykefravær pleie og omsorg", 2020, "9,1"),
    ]
    text = "region;statistikkvariabel;år;verdi\n" + "".join(f"{r};{s};{y};{v}\n" for r, s, y, v in rows)
    path = tmp_path / "renummerert.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("group", ["landet", "ovrige-asss"])
def test_a_first_call_is_the_call_from_figures_held(fresh, tmp_path: Path, group: str) -> None:
    fresh.import_file(_write(tmp_path))
    aalesund = tmp_path / "aalesund.csv"
    aalesund.write_text(
        "region;år;Andel\n1507 Ålesund;2023;50,0\n1508 Ålesund;2023;.\n1580 Haram;2023;.\n", encoding="utf-8"
    )
    fresh.import_file(aalesund, indicator="bhg_andel_1_5")
    years = [2019, 2020, 2023, 2024]
    wanted = ["plo", "barnehage"]
    first = fresh.all_profiles(years, group=group, sectors=wanted)  # read now, as categories
    ids = set(first["indicator_id"])
    weights = {fresh.catalog.indicator(i).weight for i in ids} - {None}
    fresh.observations(sorted(ids | weights))  # now the session holds them all, as text
    again = fresh.all_profiles(years, group=group, sectors=wanted)
    pd.testing.assert_frame_equal(first, again, check_exact=True)
    # Bærum's figures from the file (the real 2019 figure under 0219 beats the bundle's
    # demodata under 3201), with the years before each year shown
    rows = first[(first["region_code"] == "3201") & (first["indicator_id"] == "plo_sykefravaer")]
    by_year = rows.drop_duplicates("year").set_index("year")
    assert by_year.loc[2019, ["value_1", "value_0"]].tolist() == [6.0, 6.1]
    assert by_year.loc[2020, ["value_2", "value_1", "value_0"]].tolist() == [6.0, 6.1, 6.2]
    assert by_year.loc[2024, ["value_1", "value_0"]].tolist() == [6.5, 6.6]
    if group == "landet":
        # 1507 Ålesund 2023 is weighed by 1508 + 1580 (its land in 2024): every member of
        # the country with a 2023 figure has a weight (tests/test_group_weights.py)
        share = first[(first["indicator_id"] == "bhg_andel_1_5") & (first["year"] == 2023)]
        assert set(share["members_without_weight"]) == {0}


@pytest.mark.parametrize("categories", [False, True])
def test_a_weight_is_found_for_each_year_it_lacks(session, categories: bool) -> None:
    # 1507 Ålesund (2020-2023) became 1508 Ålesund + 1580 Haram in 2024. Its share of 2022
    # has a population of its own; its share of 2023 has none, and takes 1508's + 1580's.
    indicator = session.catalog.indicator("bhg_andel_1_5")
    weight = indicator.weight
    values = pd.DataFrame(
        {
            "indicator_id": [indicator.id] * 3,
            "region_code": ["1507", "1507", "1508"],
            "year": [2022, 2023, 2023],
            "value": [40.0, 50.0, 60.0],
            "release_kind": ["file", "file", "bundled"],
        }
    )
    weights = pd.DataFrame(
        {
            "indicator_id": [weight] * 4,
            "region_code": ["1507", "1508", "1580", "1580"],
            "year": [2022, 2023, 2023, 2022],
            "value": [300.0, 100.0, 20.0, 7.0],
            "release_kind": ["file", "bundled", "bundled", "bundled"],
        }
    )
    if categories:
        text = ["indicator_id", "region_code", "release_kind"]
        values, weights = (
            values.astype(dict.fromkeys(text, "category")),
            weights.astype(dict.fromkeys(text, "category")),
        )
    out = session._with_year_border_weights(values, weights, [indicator])
    # the four held, then 1507 2023 = 100 + 20 = 120 (1508's and 1580's of 2023, not 1580's 7 of 2022)
    assert len(out) == 5
    assert out["value"].iloc[:4].tolist() == weights["value"].tolist()
    extra = out.iloc[4:]
    assert extra[["region_code", "year", "value", "release_kind"]].astype(
        {"region_code": str}
    ).values.tolist() == [["1507", 2023, 120.0, "derived"]]
    assert extra["indicator_id"].tolist() == [weight]


def test_rows_are_placed_once_per_profile_of_their_indicator() -> None:
    # x is in two profiles, y in none, z in one; rows go indicator by indicator per municipality
    indicators = [
        Indicator(id="x", name_nb="X", sector="s", profiles=("alle", "utvalg"), unit="kr", decimals=0),
        Indicator(id="y", name_nb="Y", sector="s", unit="kr", decimals=0),
        Indicator(id="z", name_nb="Z", sector="t", profiles=("alle",), unit="kr", decimals=0),
    ]
    table = pd.DataFrame(
        {
            "region_code": ["A", "A", "A", "B", "B", "B"],
            "indicator_id": ["x", "y", "z"] * 2,
            "value_0": range(6),
        }
    )
    placed = _placed(table, indicators)
    # by hand: A x twice (alle, utvalg), A z, then the same for B; y nowhere
    assert placed.values.tolist() == [
        ["A", "x", 0, "s", "alle"],
        ["A", "x", 0, "s", "utvalg"],
        ["A", "z", 2, "t", "alle"],
        ["B", "x", 3, "s", "alle"],
        ["B", "x", 3, "s", "utvalg"],
        ["B", "z", 5, "t", "alle"],
    ]
    # the frame merging on the indicator gives, index and types too
    placement = pd.DataFrame(
        [(i.id, i.sector, p) for i in indicators for p in i.profiles],
        columns=["indicator_id", "sector", "profile"],
    )
    pd.testing.assert_frame_equal(placed, table.merge(placement, on="indicator_id"))
    # every indicator in one profile (the catalog today): the same as merging, too
    one = [indicators[0].model_copy(update={"profiles": ("alle",)}), indicators[2]]
    two = table[table["indicator_id"] != "y"].reset_index(drop=True)
    pd.testing.assert_frame_equal(_placed(two, one), two.merge(placement.iloc[[0, 2]], on="indicator_id"))
    assert _placed(two, one)["profile"].tolist() == ["alle"] * 4
