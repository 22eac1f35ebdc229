"""The JSON-stat 2.0 reader, on a recorded SSB answer and hand-made edge cases."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kostra.errors import InputError
from kostra.sources.jsonstat import read_jsonstat

FIXTURES = Path(__file__).parents[1] / "fixtures"


def test_recorded_ssb_answer() -> None:
    cube = read_jsonstat((FIXTURES / "ssb_12134_KOSAG110000_2024.json").read_bytes())
    assert cube.table_id == "12134"
    assert cube.updated is not None and cube.updated.year == 2026
    geo = cube.dimension("geo")
    assert geo is not None and geo.id == "KOKkommuneregion0000"
    assert geo.labels == ("Oslo - Oslove", "Bergen", "Trondheim - Tråante")
    frame = cube.frame.set_index("KOKkommuneregion0000")
    assert frame.loc["0301", "value"] == 81240
    assert frame.loc["4601", "value"] == 66605
    assert frame.loc["5001", "value"] == 62853
    assert list(frame["Tid"]) == ["2024"] * 3


def _cube(values: object, status: object = None) -> dict:
    doc = {
        "version": "2.0",
        "class": "dataset",
        "id": ["region", "Tid"],
        "size": [2, 3],
        "role": {"geo": ["region"], "time": ["Tid"]},
        "dimension": {
            "region": {"category": {"index": ["A", "B"], "label": {"A": "Aa", "B": "Bb"}}},
            "Tid": {"category": {"index": {"2022": 0, "2023": 1, "2024": 2}}},
        },
        "value": values,
    }
    if status is not None:
        doc["status"] = status
    return doc


def test_row_major_order_and_status_symbols() -> None:
    cube = read_jsonstat(_cube([1, 2, None, 4, 5, 6], {"2": ".."}))
    frame = cube.frame
    assert list(frame["region"]) == ["A", "A", "A", "B", "B", "B"]
    assert list(frame["Tid"]) == ["2022", "2023", "2024"] * 2
    assert np.isnan(frame["value"][2]) and frame["status"][2] == ".."
    assert frame["value"][3] == 4


def test_sparse_values_and_list_status() -> None:
    cube = read_jsonstat(_cube({"0": 1.5, "5": 6}, [None, None, ":", None, None, None]))
    frame = cube.frame
    assert frame["value"][0] == 1.5 and frame["value"][5] == 6
    assert np.isnan(frame["value"][1])  # missing stays missing, never zero
    assert frame["status"][2] == ":"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "er ikke gyldig JSON"),
        (json.dumps({"class": "collection"}), "er ikke et JSON-stat 2.0-datasett"),
        (json.dumps(_cube([1, 2, 3])), "har 3 celler, ventet 6"),
    ],
)
def test_broken_input(data: bytes | str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_jsonstat(data, name="broken.json")


# pyjstat (unmaintained) calls its own deprecated helper internally
@pytest.mark.filterwarnings("ignore:Shouldn.t use this function anymore:DeprecationWarning")
@pytest.mark.parametrize(
    "path",
    [
        FIXTURES / "ssb_12134_KOSAG110000_2024.json",
        FIXTURES / "ssb/api/pxwebapi/v2/tables/12362/data.json",  # four dimensions, status symbols
    ],
)
def test_agrees_with_pyjstat(path: Path) -> None:
    from pyjstat import pyjstat

    ours = read_jsonstat(path.read_bytes()).frame
    theirs = pyjstat.Dataset.read(path.read_text(encoding="utf-8")).write("dataframe", naming="id")
    assert len(ours) == len(theirs)
    for column in theirs.columns.drop("value"):
        assert list(ours[column].astype(str)) == list(theirs[column].astype(str)), column
    np.testing.assert_allclose(ours["value"].to_numpy(float), theirs["value"].to_numpy(float))


def test_chunks_cover_the_cube() -> None:
    cube = read_jsonstat((FIXTURES / "ssb/api/pxwebapi/v2/tables/12362/data.json").read_bytes())
    whole = cube.frame
    parts = list(cube.chunks(rows=1000))
    assert len(parts) == -(-cube.size // 1000)
    joined = pd.concat(parts, ignore_index=True)
    for column in ("KOKkommuneregion0000", "KOKfunksjon0000", "Tid"):
        assert list(joined[column].astype(str)) == list(whole[column].astype(str))
    np.testing.assert_array_equal(joined["value"].to_numpy(), whole["value"].to_numpy())
