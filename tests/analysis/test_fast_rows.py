"""The faster ways a report's model reads a frame's rows give what pandas' own did.

pandas 3 builds every column through ``iloc`` for each ``itertuples`` and ``to_dict``
call, which was most of a batch report's CPU; the model now reads columns as lists
(``frame[column].tolist()``: the flags, the charts, the map) and records through
:func:`kostra.sector_analysis.records`. These tests compare both ways, value and type,
on every frame of many analyses and on made-up frames of every kind of column.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kostra.analysis.quality import Flag, _columns, flag_jumps
from kostra.api import Session
from kostra.formatting import format_nb
from kostra.outputs.report.charts import _short, chart_number, profile_chart, series_chart
from kostra.sector_analysis import (
    SectorAnalysis,
    _every_profile,
    _mark_back_series,
    _no_back_series,
    _profile_rows,
    _with_ranks,
    records,
)

YEAR = 2024
# Large and small (0301 Oslo, 1151 Utsira with few figures), 1508 Ålesund and 1580 Haram
# (split in 2024), and cities of other groups.
MUNICIPALITIES = ("0301", "3201", "1151", "5501", "1508", "1580", "4601", "3301")


def _same(left: Any, right: Any) -> bool:
    """Equal and of the same type; NaN, NaT and NA equal themselves."""
    if type(left) is not type(right):
        return False
    if left is right:
        return True
    if isinstance(left, float) and math.isnan(left):
        return math.isnan(right)
    return bool(left == right)


def _same_records(left: list[dict[Any, Any]], right: list[dict[Any, Any]]) -> bool:
    return len(left) == len(right) and all(
        list(a) == list(b) and all(_same(a[k], b[k]) for k in a) for a, b in zip(left, right, strict=True)
    )


def _frames(analysis: SectorAnalysis) -> list[pd.DataFrame]:
    frames = [analysis.profile, analysis.series, analysis.peer_index]
    frames += [f for f in (analysis.resource_use, analysis.efficiency) if f is not None]
    # The parts the report reads one at a time: one profile's rows, the rows of one series.
    frames += [
        analysis.profile[analysis.profile["profile"] == p] for p in analysis.profile["profile"].unique()
    ]
    frames += [
        analysis.series[analysis.series["series"] == s] for s in analysis.series["series"].unique()[:1]
    ]
    return frames


@pytest.fixture(scope="module")
def analyses(session: Session) -> list[SectorAnalysis]:
    codes = [c for c in MUNICIPALITIES if c in set(session.municipalities())]
    assert len(codes) >= 6
    sectors = [s for s, sector in session.catalog.sectors.items() if not sector.hidden]
    plain = [session.analyse(code, sector, YEAR) for code in codes for sector in sectors]
    # Kroner in fixed prices and adjusted for need: series marked "(B)", some rows adjusted.
    adjusted = [
        session.analyse(code, sector, YEAR, fixed_prices=True, need_adjusted=True)
        for code in codes[:3]
        for sector in sectors
        if sector in session.catalog.economics
    ]
    assert any(a.series["adjusted"].any() for a in adjusted)
    return plain + adjusted


def test_records_are_to_dict_records_on_every_frame_of_many_analyses(analyses: list[SectorAnalysis]) -> None:
    compared = 0
    for analysis in analyses:
        for frame in _frames(analysis):
            assert _same_records(records(frame), frame.to_dict("records")), (
                analysis.municipality.code,
                analysis.sector.id,
                list(frame.columns),
            )
            compared += len(frame)
    assert compared > 10_000  # many rows, not a handful


def test_columns_as_lists_are_what_itertuples_gives(analyses: list[SectorAnalysis]) -> None:
    for analysis in analyses[::3]:
        for frame in _frames(analysis):
            names = [c for c in frame.columns if str(c).isidentifier() and not str(c).startswith("_")]
            rows = list(frame.itertuples(index=False))
            for name, values in zip(names, _columns(frame, *names), strict=True):
                expected = [getattr(row, name) for row in rows]
                assert len(values) == len(expected)
                assert all(_same(a, b) for a, b in zip(values, expected, strict=True)), name


def _every_kind() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": pd.array(["a", None, "c"], dtype="str"),
            "number": [1.5, np.nan, -0.0],
            "count": np.array([1, 2, 3], dtype=np.int64),
            "nullable": pd.array([1, None, 3], dtype="Int64"),
            "truth": [True, False, True],
            "mixed": [np.int64(4), "x", None],
            "floats": pd.Series([np.float64(1.25), np.nan, None], dtype=object),
            "when": pd.to_datetime(["2024-01-01", None, "2024-12-31"]),
            2024: [1.0, 2.0, np.inf],  # a column label that is not text
        }
    )


@pytest.mark.parametrize(
    "frame",
    [
        _every_kind(),
        _every_kind().iloc[[2, 0]],  # a slice, its index not 0..n
        _every_kind().iloc[0:0],  # no rows
        pd.DataFrame(index=range(3)),  # rows but no columns
        pd.DataFrame({"a": [1, 2]}).rename(columns={"a": "b"}).assign(c=pd.Categorical(["x", "y"])),
    ],
)
def test_records_are_to_dict_records_on_every_kind_of_column(frame: pd.DataFrame) -> None:
    assert _same_records(records(frame), frame.to_dict("records"))


def test_a_frame_with_a_repeated_column_is_left_to_pandas() -> None:
    frame = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.warns(UserWarning, match="not unique"):  # pandas keeps one of them, and says so
        assert records(frame) == [{"a": 2}]


def test_series_without_computed_years_are_marked_as_the_merge_marks_them(
    analyses: list[SectorAnalysis],
) -> None:
    # The merge with no computed rows, as _series did it before it skipped the merge.
    empty, _ = _no_back_series()
    for analysis in analyses:
        series = analysis.series.drop(columns="back_series")
        names = dict.fromkeys(series["series"].unique(), "x")
        merged = series.merge(
            empty.assign(series=empty["region_code"].map(names), back_series=True).loc[
                :, ["indicator_id", "series", "year", "back_series"]
            ],
            how="left",
            on=["indicator_id", "series", "year"],
        )
        expected = merged.assign(back_series=merged["back_series"].eq(True))
        pd.testing.assert_frame_equal(_mark_back_series(series, empty, names), expected)


def _jumps_as_before(
    series: pd.DataFrame, name: str, labels: dict[str, str], percent: float, points: float
) -> list[Flag]:
    """flag_jumps as it was, filtering the frame and reading its rows with itertuples."""
    flags = []
    mine = series[(series["series"] == name) & series["change"].notna()]
    limits = np.where(mine["change_unit"] == "prosentpoeng", points, percent)
    for row, limit in zip(
        mine[mine["change"].abs().to_numpy() > limits].itertuples(),
        limits[mine["change"].abs().to_numpy() > limits],
        strict=True,
    ):
        direction = "økning" if row.change > 0 else "nedgang"
        flags.append(
            Flag(
                "jump",
                f"{labels.get(row.indicator_id, row.indicator_id)}: {name} har en {direction} på "
                f"{format_nb(abs(row.change), 1)} {row.change_unit} fra {int(row.year) - 1} til "
                f"{int(row.year)}, mer enn {format_nb(limit, 0)} {row.change_unit}; kontroller tallet.",
                row.indicator_id,
                None,
                int(row.year),
            )
        )
    return flags


@pytest.mark.parametrize(("percent", "points"), [(20.0, 5.0), (1.0, 0.5), (0.0, 0.0)])
def test_jumps_are_the_ones_the_frame_filter_found(
    analyses: list[SectorAnalysis], percent: float, points: float
) -> None:
    found = 0
    for analysis in analyses:
        series = analysis.series
        labels = dict(zip(analysis.profile["indicator_id"], analysis.profile["indicator"], strict=False))
        for name in [*series["series"].unique(), "nobody"]:
            flags = flag_jumps(series, name, labels, percent, points)
            assert flags == _jumps_as_before(series, name, labels, percent, points)
            found += len(flags)
    assert found > 100


def test_chart_rows_are_the_ones_itertuples_gave(analyses: list[SectorAnalysis]) -> None:
    # The charts' data as profile_chart and series_chart built it with itertuples.
    for analysis in analyses:
        profile, series = analysis.profile, analysis.series
        spec = profile_chart(profile, "x", "ASSS", analysis.peer_index)
        assert spec["data"]["values"] == [
            {
                "indikator": _short(str(r.indicator)),
                "indeks": chart_number(r.index),
                "høyest": chart_number(r.index_highest),
                "lavest": chart_number(r.index_lowest),
                "i fjor": chart_number(r.index_previous),
            }
            for r in profile.itertuples()
        ]
        if len(analysis.peer_index):
            labels = dict(
                zip(profile["indicator_id"], (_short(str(t)) for t in profile["indicator"]), strict=True)
            )
            assert spec["layer"][-1]["data"]["values"] == [
                {"indikator": labels[r.indicator_id], "kommune": r.peer, "indeks": chart_number(r.index)}
                for r in analysis.peer_index.itertuples()
                if r.indicator_id in labels
            ]
        wanted = list(profile["indicator_id"].drop_duplicates())[:4]
        names = dict(zip(profile["indicator_id"], profile["indicator"], strict=False))
        part = series[series["indicator_id"].isin(wanted) & series["value"].notna()]
        marker = " (B)" if bool(part["adjusted"].any()) else ""
        assert series_chart(series, profile)["data"]["values"] == [
            {
                "indikator": _short(str(names[r.indicator_id]), 48) + marker,
                "år": str(r.year),
                "serie": r.series,
                "verdi": float(r.value),
            }
            for r in part.itertuples()
        ]


def test_the_series_chart_marks_b_only_for_the_rows_it_shows() -> None:
    # Five indicators; the chart shows the first four. Only the fifth (not shown) and a
    # missing figure of the first (not drawn) are adjusted: no "(B)".
    ids = [f"i{n}" for n in range(5)]
    profile = pd.DataFrame({"indicator_id": ids, "indicator": [f"Indikator {n}" for n in range(5)]})
    series = pd.DataFrame(
        {
            "indicator_id": [*ids, "i0"],
            "series": "Bærum",
            "year": [2024, 2024, 2024, 2024, 2024, 2023],
            "value": [1.0, 2.0, 3.0, 4.0, 5.0, np.nan],
            "adjusted": [False, False, False, False, True, True],
        }
    )
    values = series_chart(series, profile)["data"]["values"]
    assert [v["indikator"] for v in values] == [f"Indikator {n}" for n in range(4)]
    marked = series.assign(adjusted=[False, False, True, False, False, False])
    assert series_chart(marked, profile)["data"]["values"][0]["indikator"] == "Indikator 0 (B)"


def test_ranks_are_joined_as_the_merge_joined_them(analyses: list[SectorAnalysis]) -> None:
    # Ranks as compute_ranks makes them (a frame of Python tuples): for every indicator (the
    # lookup), for some (the merge), none, and with an indicator the table does not have.
    for analysis in analyses:
        table = analysis.profile.drop(columns=["rank", "ranked"]).iloc[::-1]  # index not 0..n
        ids = list(table["indicator_id"])
        for chosen in (ids, ids[::2], [], [*ids, "ukjent"], ids[:1]):
            ranks = pd.DataFrame(
                [(i, n + 1, 10 + n) for n, i in enumerate(chosen)], columns=["indicator_id", "rank", "ranked"]
            )
            expected = table.merge(ranks, on="indicator_id", how="left")
            pd.testing.assert_frame_equal(_with_ranks(table, ranks), expected)


@pytest.mark.parametrize("group", ["asss", "kostragruppe-13", "landet"])
def test_a_batchs_profile_rows_are_the_ones_made_for_one_municipality(session: Session, group: str) -> None:
    # Every sector, a third of all municipalities (and the odd ones of MUNICIPALITIES): the
    # rows taken from all municipalities' table equal, in values, types and order, the rows
    # made for the municipality alone.
    definition = session.group(group).definition
    codes = list(dict.fromkeys([*MUNICIPALITIES, *session.municipalities()[::3]]))
    compared = 0
    for sector_id, sector in session.catalog.sectors.items():
        indicators = session.catalog.indicators_of(sector_id)
        if not indicators or sector.hidden:
            continue
        years = [YEAR - 1, YEAR]
        stats = session.group_stats(indicators, years, definition)
        values = session.observations([i.id for i in indicators], range(YEAR - 2, YEAR + 1))
        every = _every_profile(session, sector, YEAR, indicators, stats, values)
        for code in codes:
            taken = every.rows_of(code)
            alone = _profile_rows(session, sector, YEAR, indicators, stats, values, [code], False)
            if taken is None:  # no figures at all: made alone
                assert code not in set(values["region_code"])
                continue
            pd.testing.assert_frame_equal(taken, alone, check_exact=True)
            compared += len(taken)
    assert compared > 5_000
