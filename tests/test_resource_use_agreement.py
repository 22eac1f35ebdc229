"""One basis for resource use (issue 14, item 4): the resource use indicator, the
need-adjusted spending and the mer-/mindreutgift come from the same net spending and
expenditure need, so the two sentences of a chapter never disagree, for any service area,
municipality or comparison group; and the bundled basis reproduces KS' published
indicator where one is known."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from kostra.analysis.commentary import GroupWords, need_adjusted_sentence, resource_use_sentence
from kostra.analysis.resource_use import compute_need_adjusted, compute_resource_use
from kostra.api import Session
from kostra.catalog import load_catalog

CATALOG = load_catalog()
SECTORS = sorted(CATALOG.economics)
WORDS = GroupWords(average="snittet", within="i gruppen")


def _direction(sentence: str | None) -> str | None:
    if sentence is None:
        return None
    if re.search(r"\b(like mye|det samme)\b", sentence):
        return "same"
    found = re.search(r"\b(mer|mindre)\b", sentence)
    assert found, sentence
    return found.group(1)


def _series(frame: pd.DataFrame, indicator: str) -> pd.Series:
    part = frame[frame["indicator_id"] == indicator]
    return pd.Series(part["value"].to_numpy(), index=part["region_code"].to_numpy(), dtype=float)


@pytest.mark.parametrize("sector", SECTORS)
def test_both_sentences_agree_for_every_municipality_and_group(session: Session, sector: str) -> None:
    economics = CATALOG.economics[sector]
    year = session.latest_year([CATALOG.indicators[economics.net_expenditure]])
    ids = [economics.net_expenditure, economics.need_index, "pop_total"]
    ids += [economics.depreciation] if economics.depreciation else []
    frame = session.observations(ids, [year])
    net, need, population = (_series(frame, i) for i in ids[:3])
    depreciation = _series(frame, economics.depreciation) if economics.depreciation else None
    spending = net - (depreciation.reindex(net.index).fillna(0.0) if depreciation is not None else 0.0)
    municipalities = sorted(session.municipalities_in(year))
    checked = 0
    for group in ("asss", "landet", "landet-uten-oslo"):
        for code in municipalities:
            members = session.members(group, year, code)
            use = compute_resource_use(net, need, members, depreciation).set_index("region_code")
            if code not in use.index or math.isnan(use.loc[code, "indicator"]):
                continue
            adjusted = compute_need_adjusted(spending, need, population, code, members)
            first = resource_use_sentence("K", sector, float(use.loc[code, "indicator"]), WORDS)
            second = need_adjusted_sentence("K", year, adjusted, WORDS, "løpende kroner")
            assert _direction(first) == _direction(second), (sector, group, code, first, second)
            checked += 1
    assert checked > len(municipalities)  # not a test that passes on nothing


@pytest.mark.parametrize("sector", SECTORS)
def test_the_chapter_says_the_same_in_percent_and_in_kroner(session: Session, sector: str) -> None:
    for municipality in ("Bærum", "Asker", "Oslo", "Utsira"):
        analysis = session.analyse(municipality, sector)
        sentences = [s for s in analysis.summary if "utgiftsbehov" in s]
        directions = {_direction(s) for s in sentences}
        assert len(sentences) == 2 and len(directions) == 1, (municipality, sentences)


@pytest.mark.parametrize(
    ("sector", "published"),
    [
        ("pleie-og-omsorg", {2022: 1.082, 2023: 1.090, 2024: 1.076}),
        ("sosialtjeneste-og-bolig", {2022: 0.865, 2023: 0.897, 2024: 0.877}),
    ],
)
def test_the_computed_indicator_is_ks_published_one_for_baerum(
    session: Session, sector: str, published: dict[int, float]
) -> None:
    for year, value in published.items():
        analysis = session.analyse("Bærum", sector, year)
        assert round(analysis.resource_use_indicator, 3) == value, year
    # 1,076 = "7,6 prosent mer"; the kroner sentence says "mer" too (issue 14's example)
    summary = " ".join(session.analyse("Bærum", "pleie-og-omsorg", 2024).summary)
    assert "7,6 prosent mer ressurser" in summary
    assert re.search(r"kroner mer per innbygger", summary), summary


def test_kostras_resource_use_row_is_the_analysis_figure(session: Session) -> None:
    # The profile row (a catalog formula, stored) and the analysis' computation are one number.
    for sector, economics in CATALOG.economics.items():
        if economics.resource_use is None:
            continue
        for municipality in ("Bærum", "Oslo", "Asker"):
            analysis = session.analyse(municipality, sector, 2024)
            row = session.observations([economics.resource_use], [2024])
            code = session.region(municipality).code
            stored = float(row.loc[row["region_code"] == code, "value"].iloc[0])
            assert stored == pytest.approx(analysis.resource_use_indicator, abs=5e-4), (sector, municipality)
