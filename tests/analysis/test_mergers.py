"""Method 7 of KOSTRA.md for merged municipalities: the years before a merger computed
from the parts (numbers worked out by hand beside each expected value)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kostra.analysis.mergers import (
    BackSeries,
    Combination,
    Merger,
    back_series,
    combination,
    combinations,
    figures_needed,
    mergers_of,
)
from kostra.analysis.quality import flag_mergers
from kostra.catalog import Formula, Indicator, load_catalog

FIXTURES = Path(__file__).parent.parent / "fixtures"

# Asker: 0220 Asker, 0627 Røyken and 0628 Hurum merged into 3025 in 2020, renumbered 3203 in
# 2024. Holmestrand: 0702 renumbered 0715 in 2018, merged with 0713 Sande into 3802 in 2020,
# renumbered 3903 in 2024. Ålesund: 1507 (2020-2023) split into 1508 and 1580 in 2024.
# Trondheim: 1601 renumbered 5001 in 2018, took in 5030 Klæbu in 2020.
SUCCESSION = pd.DataFrame(
    [
        ("0220", "3025", 2020, "merged"),
        ("0627", "3025", 2020, "merged"),
        ("0628", "3025", 2020, "merged"),
        ("3025", "3203", 2024, "renumbered"),
        ("0702", "0715", 2018, "renumbered"),
        ("0713", "3802", 2020, "merged"),
        ("0715", "3802", 2020, "merged"),
        ("3802", "3903", 2024, "renumbered"),
        ("1507", "1508", 2024, "split"),
        ("1507", "1580", 2024, "split"),
        ("1601", "5001", 2018, "renumbered"),
        ("5030", "5001", 2020, "merged"),
    ],
    columns=["old_code", "new_code", "year", "kind"],
)
REGIONS = pd.DataFrame(
    [
        ("0220", None, 2019),
        ("0627", None, 2019),
        ("0628", None, 2019),
        ("3025", 2020, 2023),
        ("3203", 2024, None),
        ("1507", 2020, 2023),
        ("1508", 2024, None),
        ("1580", 2024, None),
        ("1601", None, 2017),
        ("5001", 2018, None),
        ("5030", 2018, 2019),
    ],
    columns=["code", "valid_from", "valid_to"],
).astype({"valid_from": "Int64", "valid_to": "Int64"})

RULES = {
    "count": Combination("sum", summable=True),
    "share": Combination("weighted", weight="pop"),
    "pop": Combination("sum", summable=True),
    "score": Combination("none"),
}


def _obs(rows: list[tuple[str, str, int, float]], kind: str = "file") -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["indicator_id", "region_code", "year", "value"])
    return frame.assign(release_kind=kind, release_id=1)


def _value(result: BackSeries, indicator_id: str, code: str, year: int) -> float | None:
    rows = result.values[
        (result.values["indicator_id"] == indicator_id)
        & (result.values["region_code"] == code)
        & (result.values["year"] == year)
    ]
    assert len(rows) <= 1
    return None if rows.empty else float(rows["value"].iloc[0])


ASKER_2019 = [
    ("count", "0220", 2019, 100.0),
    ("count", "0627", 2019, 50.0),
    ("count", "0628", 2019, 30.0),
    ("share", "0220", 2019, 10.0),
    ("share", "0627", 2019, 20.0),
    ("share", "0628", 2019, 40.0),
    ("pop", "0220", 2019, 1000.0),
    ("pop", "0627", 2019, 500.0),
    ("pop", "0628", 2019, 100.0),
    ("score", "0220", 2019, 3.0),
    ("score", "0627", 2019, 4.0),
    ("score", "0628", 2019, 5.0),
]


def test_counts_are_summed_over_the_parts() -> None:
    result = back_series(_obs(ASKER_2019), SUCCESSION, RULES, ["3203"], [2019, 2020], regions=REGIONS)
    # 100 + 50 + 30 = 180
    assert _value(result, "count", "3203", 2019) == 180.0
    assert result.values.loc[result.values["indicator_id"] == "count", "parts"].iloc[0] == "0220,0627,0628"
    assert bool(result.values["back_series"].all())
    # 2020 is on today's borders already: nothing to compute
    assert _value(result, "count", "3203", 2020) is None


def test_a_ratio_is_sum_of_numerators_over_sum_of_denominators() -> None:
    result = back_series(_obs(ASKER_2019), SUCCESSION, RULES, ["3203"], [2019], regions=REGIONS)
    # numerators 10*1000 + 20*500 + 40*100 = 10 000 + 10 000 + 4 000 = 24 000 over
    # 1000 + 500 + 100 = 1 600 inhabitants: 15.0
    assert _value(result, "share", "3203", 2019) == pytest.approx(15.0)
    # ... not the unweighted mean of the parts' shares, (10 + 20 + 40) / 3 = 23.3
    assert _value(result, "share", "3203", 2019) != pytest.approx((10 + 20 + 40) / 3)


def test_a_figure_with_no_denominator_has_no_back_value() -> None:
    result = back_series(_obs(ASKER_2019), SUCCESSION, RULES, ["3203"], [2019], regions=REGIONS)
    assert _value(result, "score", "3203", 2019) is None
    gaps = result.gaps.set_index("indicator_id")
    assert gaps.loc["score", "reason"] == "not_combinable"


def test_a_year_with_a_part_missing_has_no_value_not_a_partial_sum() -> None:
    rows = [r for r in ASKER_2019 if not (r[1] == "0628" and r[0] in ("count", "pop"))]
    result = back_series(_obs(rows), SUCCESSION, RULES, ["3203"], [2019], regions=REGIONS)
    # neither 100 + 50 = 150 nor 0: nothing
    assert _value(result, "count", "3203", 2019) is None
    # Hurum's share is there but not its population (the weight): no value either, and not
    # (10*1000 + 20*500) / 1 500 = 13.3 over the two parts that have one
    assert _value(result, "share", "3203", 2019) is None
    assert set(result.gaps["indicator_id"]) == {"count", "share", "pop", "score"}
    assert set(result.gaps.loc[result.gaps["indicator_id"] != "score", "reason"]) == {"missing"}
    # a missing figure stays missing, even as SSB's ".." (a row without a value)
    symbols = _obs([*rows, ("count", "0628", 2019, float("nan"))])
    assert (
        _value(
            back_series(symbols, SUCCESSION, RULES, ["3203"], [2019], regions=REGIONS), "count", "3203", 2019
        )
        is None
    )


def test_a_split_gives_no_back_value_and_is_flagged() -> None:
    rows = [("count", "1507", 2023, 500.0)]
    result = back_series(_obs(rows), SUCCESSION, RULES, ["1508"], [2023, 2024], regions=REGIONS)
    assert result.values.empty
    assert set(result.gaps["reason"]) == {"split"}
    assert result.mergers == (Merger("1508", 2024, ("1507",), split=True),)
    flags = flag_mergers(result.mergers, {"1508": "Ålesund"}, {"1507": "Ålesund"}, result.values, result.gaps)
    assert [(f.kind, f.year) for f in flags] == [("merger_break", 2024)]
    assert flags[0].message_nb.startswith("Brudd i tidsserien for Ålesund i 2024")


def test_a_renumbered_part_is_followed() -> None:
    # Holmestrand's 2017 figure is stored under 0702, the number it had then (0715 from 2018)
    rows = [("count", "0702", 2017, 7.0), ("count", "0713", 2017, 5.0)]
    result = back_series(_obs(rows), SUCCESSION, RULES, ["3903"], [2017], ["count"])
    assert _value(result, "count", "3903", 2017) == 12.0  # 7 + 5
    # the same figures as a session gives them (renumberings already followed: 0702 -> 0715)
    canonical = _obs([("count", "0715", 2017, 7.0), ("count", "0713", 2017, 5.0)])
    assert (
        _value(back_series(canonical, SUCCESSION, RULES, ["3903"], [2017], ["count"]), "count", "3903", 2017)
        == 12.0
    )
    # a renumbering alone (2018, 2024) is no merger: only the 2020 merger is one
    assert [m.year for m in mergers_of(SUCCESSION, ["3903"], 2015)] == [2020]


def test_figures_the_municipality_has_itself_are_never_overwritten() -> None:
    # SSB's own figure for today's Asker in 2019 (on today's borders) stays
    own = _obs([*ASKER_2019, ("count", "3203", 2019, 999.0)])
    result = back_series(own, SUCCESSION, RULES, ["3203"], [2019], regions=REGIONS)
    assert _value(result, "count", "3203", 2019) is None
    assert "count" not in set(result.gaps["indicator_id"])
    assert _value(result, "share", "3203", 2019) == pytest.approx(15.0)  # it has no share of its own
    # ... also under the number it had then, 3025 (followed to 3203)
    own = _obs([*ASKER_2019, ("count", "3025", 2019, 999.0)])
    assert (
        _value(back_series(own, SUCCESSION, RULES, ["3203"], [2019], regions=REGIONS), "count", "3203", 2019)
        is None
    )
    # demodata are generated on today's borders: a value from real parts takes their place
    demo = pd.concat([_obs(ASKER_2019), _obs([("count", "3203", 2019, 999.0)], kind="demodata")])
    assert (
        _value(back_series(demo, SUCCESSION, RULES, ["3203"], [2019], regions=REGIONS), "count", "3203", 2019)
        == 180.0
    )


def test_a_number_that_continued_through_the_merger_is_one_of_the_parts() -> None:
    # Trondheim's own 2019 figure (5001, before Klæbu joined) is a part: 400 + 20 = 420
    rows = [("count", "5001", 2019, 400.0), ("count", "5030", 2019, 20.0)]
    for regions in (REGIONS, None):  # without the region table: one number merged in = it continued
        result = back_series(_obs(rows), SUCCESSION, RULES, ["5001"], [2019], ["count"], regions)
        assert _value(result, "count", "5001", 2019) == 420.0
        assert result.mergers == (Merger("5001", 2020, ("5001", "5030"), split=False),)
    # Trondheim 2017 was 1601 (today's 5001) and 1662 Klæbu is not in this succession: only 1601
    assert mergers_of(SUCCESSION, ["5001"], 2016, REGIONS) == [Merger("5001", 2020, ("5001", "5030"), False)]
    # its demodata figure is on today's borders, not a part's: no sum with Klæbu, no gap
    demo = pd.concat([_obs(rows[1:]), _obs(rows[:1], kind="demodata")])
    result = back_series(demo, SUCCESSION, RULES, ["5001"], [2019], ["count"], REGIONS)
    assert result.values.empty and result.gaps.empty
    flags = flag_mergers(result.mergers, {"5001": "Trondheim"}, {}, result.values, result.gaps)
    assert flags[0].message_nb.startswith(
        "Brudd i tidsserien for Trondheim i 2020: kommunen ble slått sammen med 1 annet nummer;"
    )


def test_a_formula_is_recomputed_from_the_summed_inputs() -> None:
    formula = Formula(numerator=("netto",), denominator="pop", factor=1000, note="kroner per innbygger")
    rules = {
        **RULES,
        "netto": Combination("sum", summable=True),
        "per_innb": Combination("formula", formula=formula),
    }
    rows = [
        ("netto", "0220", 2019, 50.0),
        ("netto", "0627", 2019, 30.0),
        ("netto", "0628", 2019, 40.0),
        ("pop", "0220", 2019, 1000.0),
        ("pop", "0627", 2019, 500.0),
        ("pop", "0628", 2019, 500.0),
    ]
    result = back_series(_obs(rows), SUCCESSION, rules, ["3203"], [2019], ["per_innb"], REGIONS)
    # 1000 * (50 + 30 + 40) / (1000 + 500 + 500) = 120 000 / 2 000 = 60 kroner; not the
    # unweighted mean of the parts' own 50, 60 and 80 kroner, 63.3
    assert _value(result, "per_innb", "3203", 2019) == pytest.approx(60.0)
    assert result.values["how"].tolist() == ["formula"]
    assert set(figures_needed(rules, ["per_innb"])) == {"per_innb", "pop", "netto"}


def test_the_catalog_decides_how_a_figure_combines() -> None:
    catalog = load_catalog()
    rules = combinations(catalog.indicators.values())
    assert rules["pop_total"] == Combination("sum", summable=True)  # a population
    assert rules["plo_inst_plasser"].how == "sum"  # a count
    assert rules["netto_f244"].how == "sum"  # kroner in 1 000
    assert rules["plo_inst_brutto_per_plass"] == Combination("weighted", weight="plo_inst_plasser")
    assert rules["helse_netto_per_innb"].how == "formula"
    assert rules["plo_ressursbruk"].how == "none"  # relative to ASSS: needs the group
    assert rules["plo_sykefravaer"].how == "none"  # an unweighted share: no denominator known
    assert rules["helse_andel_netto_f232"].how == "none"  # a share without a weight is no total
    share = Indicator(id="x", name_nb="X", sector="s", unit="prosent", decimals=1, kind="basis")
    assert combination(share).how == "none"


@settings(deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10**6),
            st.floats(min_value=0, max_value=1000, allow_nan=False),
            st.integers(min_value=1, max_value=10**6),
        ),
        min_size=2,
        max_size=6,
    )
)
def test_the_back_series_is_the_sum_of_the_parts(parts: list[tuple[int, float, int]]) -> None:
    codes = [f"{9001 + n}" for n in range(len(parts))]
    succession = pd.DataFrame(
        [(c, "9100", 2020, "merged") for c in codes], columns=["old_code", "new_code", "year", "kind"]
    )
    rows = []
    for code, (count, share, pop) in zip(codes, parts, strict=True):
        rows += [
            ("count", code, 2019, float(count)),
            ("share", code, 2019, share),
            ("pop", code, 2019, float(pop)),
        ]
    result = back_series(_obs(rows), succession, RULES, ["9100"], [2019])
    assert _value(result, "count", "9100", 2019) == sum(c for c, _, _ in parts)
    numerator = sum(s * p for _, s, p in parts)
    denominator = sum(p for _, _, p in parts)
    assert _value(result, "share", "9100", 2019) == pytest.approx(numerator / denominator)
    assert _value(result, "pop", "9100", 2019) == denominator
    assert result.mergers == (Merger("9100", 2020, tuple(codes), split=False),)


def test_the_flag_names_the_parts_or_keeps_the_break() -> None:
    result = back_series(_obs(ASKER_2019), SUCCESSION, RULES, ["3203"], [2019, 2020], regions=REGIONS)
    names = {"0220": "Asker", "0627": "Røyken", "0628": "Hurum"}
    flags = flag_mergers(result.mergers, {"3203": "Asker"}, names, result.values, result.gaps)
    assert [(f.kind, f.region_code, f.year) for f in flags] == [("back_series", "3203", 2020)]
    assert flags[0].message_nb.startswith(
        "Asker: tall før 2020 er summen av Asker, Røyken og Hurum (sammenslått 2020)"
    )
    assert "For 1 indikator kunne ikke alle år før 2020 regnes om" in flags[0].message_nb  # the score
    # nothing computed: the break as before
    empty = back_series(_obs([]), SUCCESSION, RULES, ["3203"], [2019, 2020], regions=REGIONS)
    flags = flag_mergers(empty.mergers, {"3203": "Asker"}, names, empty.values, empty.gaps)
    assert [f.kind for f in flags] == ["merger_break"]
    assert flags[0].message_nb == (
        "Brudd i tidsserien for Asker i 2020: kommunen ble slått sammen med 3 andre numre; "
        "SSB lager ikke tilbakeregnede regnskapsserier."
    )


def test_the_time_series_of_a_merged_municipality_has_the_computed_years(fresh) -> None:  # type: ignore[no-untyped-def]
    """SSB's files carry 2019 under the old numbers; the series of today's Asker gets 2019
    from them (the bundled demodata, on today's borders, give way to real figures)."""
    # tests/fixtures/asker_merged_2019.csv: places, cost per place and sick leave (Hurum's missing)
    fresh.import_file(FIXTURES / "asker_merged_2019.csv")
    analysis = fresh.analyse("Asker", "pleie-og-omsorg", 2020, peers=(), first_year=2018)
    series = analysis.series.set_index(["indicator_id", "series", "year"])
    cost = series.loc[("plo_inst_brutto_per_plass", "Asker", 2019)]
    # (1 000 000*100 + 1 200 000*50 + 900 000*30) / (100 + 50 + 30) = 187 000 000 / 180
    assert cost["value"] == pytest.approx(187_000_000 / 180)
    assert bool(cost["back_series"])
    assert not bool(series.loc[("plo_inst_brutto_per_plass", "Asker", 2020), "back_series"])
    assert not bool(series.loc[("plo_inst_brutto_per_plass", "Asker", 2018), "back_series"])
    # sick leave is unweighted (no denominator): Asker keeps its (demodata) figure
    assert not bool(series.loc[("plo_sykefravaer", "Asker", 2019), "back_series"])
    assert not series["back_series"][series.index.get_level_values("series") != "Asker"].any()
    flags = [f for f in analysis.flags if f.region_code == "3203" and f.year == 2020]
    assert [f.kind for f in flags] == ["back_series"]
    assert flags[0].message_nb.startswith(
        "Asker: tall før 2020 er summen av Asker, Røyken og Hurum (sammenslått 2020)"
    )


def _indicator(unit: str, kind: str, **more: object) -> Indicator:
    return Indicator(id="x", name_nb="X", sector="s", unit=unit, decimals=1, kind=kind, **more)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["count", "population", "basis"])
def test_a_total_of_an_additive_kind_is_summed(kind: str) -> None:
    assert combination(_indicator("1000 kr", kind)) == Combination("sum", None, None, True)


@pytest.mark.parametrize("unit", ["prosent", "indeks", "skår", "poeng", "karakterpoeng", "måneder"])
@pytest.mark.parametrize("kind", ["count", "population", "basis"])
def test_shares_indices_and_scores_are_never_summed(unit: str, kind: str) -> None:
    assert combination(_indicator(unit, kind)) == Combination("none", None, None, False)


def test_combination_of_weights_and_formulas() -> None:
    # an indicator (not a total) without weight: nothing
    assert combination(_indicator("kroner", "indicator")) == Combination("none")
    assert Combination("none") == Combination("none", None, None, False)
    # a weight: Σ r·w / Σ w, never summed
    assert combination(_indicator("kroner", "count", weight="pop")) == Combination(
        "weighted", "pop", None, False
    )
    formula = Formula(numerator=("a",), denominator="b", note="a per b")
    # a formula keeps its weight as a fallback; a total formula without weight may be summed
    assert combination(_indicator("kroner", "indicator", formula=formula, weight="b")) == Combination(
        "formula", "b", formula, False
    )
    assert combination(_indicator("kroner", "count", formula=formula)) == Combination(
        "formula", None, formula, True
    )
    assert combination(_indicator("prosent", "count", formula=formula)) == Combination(
        "formula", None, formula, False
    )
    # relative to a group: nothing, whatever else it has
    relative = Formula(numerator=("a",), denominator="b", relative_to="asss", note="a per b")
    assert combination(_indicator("kroner", "count", formula=relative, weight="b")) == Combination("none")


def test_figures_needed_follows_weights_and_inputs_once_each_in_order() -> None:
    formula = Formula(numerator=("netto",), denominator="pop", factor=1000, note="kroner per innbygger")
    rules = {
        "per_innb": Combination("formula", formula=formula),
        "share": Combination("weighted", weight="pop"),
        "pop": Combination("sum", summable=True),
    }
    # depth first from the last one asked: share, its weight pop, then per_innb and its inputs
    # (pop already there); an id without a rule is kept and not followed
    assert figures_needed(rules, ["per_innb", "other", "share"]) == [
        "share",
        "pop",
        "other",
        "per_innb",
        "netto",
    ]
    assert figures_needed(rules, ["pop", "pop"]) == ["pop"]
    assert figures_needed({}, []) == []


def test_the_whole_back_series_of_asker() -> None:
    result = back_series(_obs(ASKER_2019), SUCCESSION, RULES, ["3203"], [2020, 2019, 2019], regions=REGIONS)
    parts = "0220,0627,0628"
    expected = pd.DataFrame(
        [
            ("count", "3203", 2019, 180.0, "sum", parts, True),  # 100 + 50 + 30
            ("share", "3203", 2019, 15.0, "weighted", parts, True),  # 24 000 / 1 600
            ("pop", "3203", 2019, 1600.0, "sum", parts, True),  # 1000 + 500 + 100
        ],
        columns=["indicator_id", "region_code", "year", "value", "how", "parts", "back_series"],
    )
    pd.testing.assert_frame_equal(result.values, expected)
    gaps = pd.DataFrame(
        [("score", "3203", 2019, "not_combinable")], columns=["indicator_id", "region_code", "year", "reason"]
    )
    pd.testing.assert_frame_equal(result.gaps, gaps)
    assert result.mergers == (Merger("3203", 2020, ("0220", "0627", "0628"), False),)
    # only the figures asked for, in the order asked
    chosen = back_series(
        _obs(ASKER_2019), SUCCESSION, RULES, ["3203"], [2019], ["pop", "count", "pop"], REGIONS
    )
    assert chosen.values["indicator_id"].tolist() == ["pop", "count"]
    assert chosen.gaps.empty


def test_nothing_to_compute_gives_empty_frames_with_the_columns() -> None:
    for years in ([2020, 2021], []):
        result = back_series(_obs(ASKER_2019), SUCCESSION, RULES, ["3203"], years, regions=REGIONS)
        assert list(result.values.columns) == [
            "indicator_id",
            "region_code",
            "year",
            "value",
            "how",
            "parts",
            "back_series",
        ]
        assert list(result.gaps.columns) == ["indicator_id", "region_code", "year", "reason"]
        assert result.values.empty and result.gaps.empty
        assert {str(d) for d in [*result.values.dtypes, *result.gaps.dtypes]} == {"object"}
        assert result.mergers == ()  # the renumbering of 2024 is no merger
    # a year to compute but no figures: all gaps, an empty values frame with its columns
    nothing = back_series(_obs([]), SUCCESSION, RULES, ["3203"], [2019], ["count"], REGIONS)
    assert list(nothing.values.columns) == list(result.values.columns)
    assert {str(d) for d in nothing.values.dtypes} == {"object"}
    assert nothing.gaps.values.tolist() == [["count", "3203", 2019, "missing"]]


def test_mergers_of_looks_from_the_year_after_the_first_to_the_last_change() -> None:
    asker = Merger("3203", 2020, ("0220", "0627", "0628"), False)
    alesund = Merger("1508", 2024, ("1507",), True)
    assert mergers_of(SUCCESSION, ["3203", "1508", "3203"], 2019) == [asker, alesund]
    assert mergers_of(SUCCESSION, ["3203"], 2020) == []  # the 2020 merger is not after 2020
    assert mergers_of(SUCCESSION, ["1508"], 2023) == [alesund]  # the last change counts
    assert mergers_of(SUCCESSION, ["1508"], 2024) == []
    assert mergers_of(SUCCESSION, ["1508"], 2030) == []
    # the region table tells a new number from one that continued
    one = pd.DataFrame([("A", "N", 2020, "merged")], columns=["old_code", "new_code", "year", "kind"])
    table = pd.DataFrame(
        [("A", None, 2019.0), ("N", 2020.0, None)], columns=["code", "valid_from", "valid_to"]
    )
    assert mergers_of(one, ["N"], 2015) == [Merger("N", 2020, ("A", "N"), False)]
    assert mergers_of(one, ["N"], 2015, table) == [Merger("N", 2020, ("A",), False)]
    rows = [("count", "A", 2019, 7.0), ("count", "N", 2019, 5.0)]
    with_table = back_series(_obs(rows), one, RULES, ["N"], [2019], ["count"], table)
    assert with_table.mergers == (Merger("N", 2020, ("A",), False),)
    assert _value(with_table, "count", "N", 2019) is None  # N's own 2019 figure is on today's borders
    assert _value(back_series(_obs(rows), one, RULES, ["N"], [2019], ["count"]), "count", "N", 2019) == 12.0


def _two_parts(
    rows: list[tuple[str, str, int, float]], rules: dict[str, Combination], ids: list[str]
) -> BackSeries:
    succession = pd.DataFrame(
        [("P", "N", 2020, "merged"), ("Q", "N", 2020, "merged")],
        columns=["old_code", "new_code", "year", "kind"],
    )
    frame = pd.DataFrame(rows, columns=["indicator_id", "region_code", "year", "value"])  # no release_kind
    return back_series(frame, succession, rules, ["N"], [2019], ids)


def test_how_each_kind_of_rule_falls_back_and_why_it_is_missing() -> None:
    per = Formula(numerator=("net",), denominator="pop", factor=1000, note="kroner per innbygger")
    on_score = Formula(numerator=("score",), denominator="pop", note="score per innbygger")
    on_absent = Formula(numerator=("absent",), denominator="pop", note="absent per innbygger")
    loop = Formula(numerator=("loop",), denominator="pop", note="reads itself")
    rules = {
        "net": Combination("sum", summable=True),
        "pop": Combination("sum", summable=True),
        "absent": Combination("sum", summable=True),
        "score": Combination("none"),
        "per": Combination("formula", weight="pop", formula=per),
        "per_score": Combination("formula", formula=on_score),
        "per_absent": Combination("formula", formula=on_absent),
        "per_score_w": Combination("formula", weight="pop", formula=on_score),
        "loop": Combination("formula", formula=loop),
        "total": Combination("formula", formula=on_absent, summable=True),
        "share": Combination("weighted", weight="pop"),
        # no figures of their own to fall back on, and an input that can never be made
        "bare_score_w": Combination("formula", weight="pop", formula=on_score),
        "bare_score_total": Combination("formula", formula=on_score, summable=True),
    }
    rows = [
        ("net", "P", 2019, 30.0),
        ("net", "Q", 2019, 50.0),
        ("pop", "P", 2019, 0.25),
        ("pop", "Q", 2019, 0.75),
        ("score", "P", 2019, 4.0),
        ("score", "Q", 2019, 6.0),
        ("per_score_w", "P", 2019, 8.0),
        ("per_score_w", "Q", 2019, 16.0),
        ("total", "P", 2019, 2.0),
        ("total", "Q", 2019, 3.0),
        ("share", "P", 2019, 10.0),
        ("share", "Q", 2019, 30.0),
    ]
    result = _two_parts(rows, rules, [*rules, "unknown"])
    assert result.values[["indicator_id", "value", "how"]].values.tolist() == [
        ["net", 80.0, "sum"],  # 30 + 50
        ["pop", 1.0, "sum"],  # 0.25 + 0.75
        ["per", 80_000.0, "formula"],  # 1000 * 80 / 1
        ["per_score_w", 14.0, "weighted"],  # score cannot be summed: (8*0.25 + 16*0.75) / 1 = 2 + 12
        ["total", 5.0, "sum"],  # no 'absent' figures: the total of its own figures, 2 + 3
        ["share", 25.0, "weighted"],  # (10*0.25 + 30*0.75) / 1 = 2.5 + 22.5; the weights sum to 1
    ]
    assert result.gaps[["indicator_id", "reason"]].values.tolist() == [
        ["absent", "missing"],
        ["score", "not_combinable"],
        ["per_score", "not_combinable"],  # an input that can never be made
        ["per_absent", "missing"],  # an input that is missing
        ["loop", "missing"],  # a formula reading itself gives nothing, and does not loop
        ["bare_score_w", "not_combinable"],
        ["bare_score_total", "not_combinable"],
        ["unknown", "not_combinable"],  # no rule at all
    ]


def test_a_formula_with_no_value_falls_back_to_its_weight_and_zero_weights_give_nothing() -> None:
    per = Formula(numerator=("net",), denominator="pop", note="net per pop")
    rules = {
        "net": Combination("sum", summable=True),
        "pop": Combination("sum", summable=True),
        "per": Combination("formula", weight="pop", formula=per),
        "share": Combination("weighted", weight="pop"),
    }
    rows = [
        ("net", "P", 2019, 30.0),
        ("net", "Q", 2019, 50.0),
        ("pop", "P", 2019, 0.0),
        ("pop", "Q", 2019, 0.0),
        ("per", "P", 2019, 1.0),
        ("per", "Q", 2019, 2.0),
        ("share", "P", 2019, 1.0),
        ("share", "Q", 2019, 2.0),
    ]
    # pop sums to 0: the formula gives no value (no denominator), nor does Σ r·w / Σ w
    result = _two_parts(rows, rules, ["per", "share"])
    assert result.values.empty
    assert result.gaps[["indicator_id", "reason"]].values.tolist() == [
        ["per", "missing"],
        ["share", "missing"],
    ]
    # the formula's inputs made it: the formula, not its fallback
    rows = [(i, c, y, 1.0 if i == "pop" else v) for i, c, y, v in rows]
    result = _two_parts(rows, rules, ["per", "share"])
    assert result.values[["indicator_id", "value", "how"]].values.tolist() == [
        ["per", 40.0, "formula"],  # (30 + 50) / (1 + 1)
        ["share", 1.5, "weighted"],  # (1*1 + 2*1) / 2
    ]


def test_a_part_with_only_a_demodata_figure_has_none() -> None:
    rules = {"count": Combination("sum", summable=True), "share": Combination("weighted", weight="pop")}
    succession = pd.DataFrame(
        [("P", "N", 2020, "merged"), ("Q", "N", 2020, "merged")],
        columns=["old_code", "new_code", "year", "kind"],
    )
    real = _obs([("count", "P", 2019, 1.0), ("share", "P", 2019, 1.0), ("share", "Q", 2019, 2.0)])
    demo = _obs(
        [("count", "Q", 2019, 2.0), ("pop", "P", 2019, 1.0), ("pop", "Q", 2019, 1.0)], kind="demodata"
    )
    result = back_series(pd.concat([real, demo]), succession, rules, ["N"], [2019])
    assert result.values.empty
    assert result.gaps[["indicator_id", "reason"]].values.tolist() == [
        ["count", "missing"],
        ["share", "missing"],
    ]
