"""kostra/sector_analysis.py: one service area's analysis put together from the store's
figures and the pure methods. (It sits beside analysis/, since it reads the store; its tests
are here so that mutation testing's selection, tests/analysis, reaches them.)"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from kostra.api import Session
from kostra.sector_analysis import _plain

YEAR = 2024


def test_plain_values_for_json() -> None:
    assert _plain(np.float64(1.5)) == 1.5 and type(_plain(np.float64(1.5))) is float
    assert _plain(np.int64(3)) == 3 and type(_plain(np.int64(3))) is int
    assert _plain(np.bool_(True)) is True
    assert _plain(float("nan")) is None
    assert _plain(np.float64("nan")) is None
    assert _plain("tekst") == "tekst"
    assert _plain(None) is None


def test_the_json_form_holds_every_part_with_missing_as_null(session: Session) -> None:
    analysis = session.analyse("Bærum", "pleie-og-omsorg", YEAR, peers=("Asker",))
    out = analysis.to_dict()
    json.dumps(out)  # numpy scalars and NaN would not serialise
    assert out["municipality"] == {"code": "3201", "name": "Bærum"}
    assert (out["sector"], out["year"]) == ("pleie-og-omsorg", YEAR)
    assert out["group"] == {"id": "asss", "name": analysis.group.name}
    assert out["peers"] == [{"code": "3203", "name": "Asker"}]
    assert out["demodata"] is analysis.demodata
    assert out["summary"] == analysis.summary and out["comments"] == analysis.comments
    assert out["flags"] == [f.__dict__ for f in analysis.flags]
    for part in ("profile", "series", "resource_use", "efficiency"):
        frame = getattr(analysis, part)
        rows = out[part]
        assert len(rows) == len(frame) > 0, part
        assert list(rows[0]) == list(frame.columns), part
        for row, (_, expected) in zip(rows, frame.iterrows(), strict=True):
            for column, value in expected.items():
                shown = row[column]
                if isinstance(value, float) and math.isnan(value):
                    assert shown is None, (part, column)
                else:
                    assert shown == (value.item() if hasattr(value, "item") else value), (part, column)
    assert out["need_adjusted"] == {k: _plain(v) for k, v in analysis.need_adjusted.items()}
    assert out["need_adjusted"]


def test_need_adjusted_kroner_are_divided_by_each_ones_own_need_index(session: Session) -> None:
    plain = session.analyse("Bærum", "pleie-og-omsorg", YEAR, peers=("Asker",))
    adjusted = session.analyse("Bærum", "pleie-og-omsorg", YEAR, peers=("Asker",), need_adjusted=True)
    economics = session.catalog.sector_economics(session.service_area("pleie-og-omsorg"))
    need = session.observations([economics.need_index], [YEAR]).set_index("region_code")["value"]
    kroner = [i.id for i in session.catalog.indicators.values() if i.unit == "kroner"]
    before = plain.series[plain.series["indicator_id"].isin(kroner) & (plain.series["year"] == YEAR)]
    after = adjusted.series.set_index(["indicator_id", "series", "year"])["value"]
    checked = 0
    for row in before.itertuples():
        code = {"Bærum": "3201", "Asker": "3203"}.get(row.series)
        if code is None or pd.isna(row.value):
            continue
        # need-adjusted = value / the municipality's own need index (country = 1)
        assert after[(row.indicator_id, row.series, YEAR)] == pytest.approx(row.value / need[code])
        checked += 1
    assert checked >= 4
    assert adjusted.series.loc[adjusted.series["indicator_id"].isin(kroner), "adjusted"].all()
    assert not plain.series["adjusted"].any()
