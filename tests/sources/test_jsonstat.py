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


# -- issue #12: only numbers it can stand behind, and nothing allocated on trust ------


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([True, 2, 3, 4, 5, 6], "sannhetsverdien true i celle 1"),
        ([1.0, 2, 3, 4, 5, False], "sannhetsverdien false i celle 6"),
        ([1, "NaN", 3, 4, 5, 6], "teksten 'NaN'"),
        ([1, 2, "Infinity", 4, 5, 6], "teksten 'Infinity'"),
        ([1, 2, 3, "12", 5, 6], "teksten '12' .* i celle 4"),
        ([1, 2, 3, 4, [5], 6], "en liste i celle 5"),
        ([1, 2, 3, 4, 5, {"x": 6}], "et objekt i celle 6"),
        ({"0": 1, "3": True}, "sannhetsverdien true i celle 4"),
        ({"0": 1, "3": "NaN"}, "teksten 'NaN' .* i celle 4"),
    ],
)
@pytest.mark.parametrize("as_bytes", [True, False], ids=["bytes", "dict"])
def test_only_numbers_and_null_are_values(values: object, message: str, as_bytes: bool) -> None:
    doc = _cube(values)
    with pytest.raises(InputError, match=f"broken.json: JSON-stat 'value' har {message}") as info:
        read_jsonstat(json.dumps(doc).encode() if as_bytes else doc, name="broken.json")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), 10**400])
def test_python_floats_that_are_no_numbers_are_refused(bad: object) -> None:
    # a document handed over as a dict can hold what JSON cannot
    with pytest.raises(InputError, match=r"JSON-stat 'value' har .* i celle 2"):
        read_jsonstat(_cube([1, bad, 3, 4, 5, 6]), name="dict")


def test_an_escaped_quote_elsewhere_does_not_hide_a_string_value() -> None:
    # The fast check counts quotation marks: an escaped one in a label makes the count
    # differ, and then every value's type is checked.
    doc = _cube([1, 2, 3, "12", 5, 6])
    doc["label"] = 'tabell "12134"'
    with pytest.raises(InputError, match="teksten '12'"):
        read_jsonstat(json.dumps(doc).encode(), name="quoted.json")
    fine = _cube([1, 2, None, 4, 5, 6])
    fine["label"] = 'tabell "12134"'
    assert read_jsonstat(json.dumps(fine).encode()).values[3] == 4


def test_bytes_and_dict_read_alike() -> None:
    data = (FIXTURES / "ssb/api/pxwebapi/v2/tables/12362/data.json").read_bytes()
    from_bytes, from_dict = read_jsonstat(data), read_jsonstat(json.loads(data))
    np.testing.assert_array_equal(from_bytes.values, from_dict.values)
    assert list(from_bytes.status) == list(from_dict.status)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("-1", "nøkkelen '-1'"),
        ("07", "nøkkelen '07'"),
        ("+1", "nøkkelen '\\+1'"),
        (" 1", "nøkkelen ' 1'"),
        ("1_0", "nøkkelen '1_0'"),
        ("6", "celle '6', men datasettet har bare 6 celler"),
        ("9" * 30, "celle '9999"),
    ],
)
@pytest.mark.parametrize("where", ["value", "status"])
def test_sparse_keys_must_be_cells_of_the_cube(key: str, message: str, where: str) -> None:
    doc = _cube({"0": 1.5, key: 2}) if where == "value" else _cube([1] * 6, {"0": "..", key: ":"})
    with pytest.raises(InputError, match=f"JSON-stat '{where}' har {message}"):
        read_jsonstat(doc, name="sparse.json")


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ([None, 1, None, None, None, None], "statusen i celle 2 er 1, ikke en tekst"),
        ({"1": True}, "statusen i celle 2 er True, ikke en tekst"),
        ("x" * 17, "er lengre enn 16 tegn"),
        ({"2": "y" * 40}, "i celle 3 er lengre enn 16 tegn"),
        ([".."] * 5, "JSON-stat 'status' har 5 celler, ventet 6"),
        (7, "'status' må være en tekst, en liste eller et objekt"),
    ],
)
def test_status_is_short_text_or_null(status: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_jsonstat(_cube([1, 2, 3, 4, 5, 6], status), name="status.json")


def test_an_empty_status_is_no_status() -> None:
    cube = read_jsonstat(_cube([1, 2, None, 4, 5, 6], ["", "", "..", "", "", ""]))
    assert list(cube.status) == [None, None, "..", None, None, None]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"size": [2, "3"]}, "'size' for dimensjonen Tid må være et heltall, ikke '3'"),
        ({"size": [2, 3.0]}, "'size' for dimensjonen Tid må være et heltall, ikke 3.0"),
        ({"size": [2, True]}, "'size' for dimensjonen Tid må være et heltall"),
        ({"size": [-2, -3]}, "'size' for dimensjonen region må være et heltall, ikke -2"),
        ({"size": [2]}, "'size' må være en liste med ett tall per dimensjon"),
        ({"id": ["region", "region"]}, "dimensjonen 'region' står to ganger"),
        ({"id": ["region", 7]}, "'id' må være en liste med navnene"),
        ({"dimension": []}, "'dimension' mangler eller er ikke et objekt"),
        ({"role": ["geo"], "extension": [1], "updated": 5, "source": 5}, None),
    ],
)
def test_the_cube_shape_is_checked(change: dict[str, object], message: str | None) -> None:
    doc = {**_cube([1, 2, 3, 4, 5, 6]), **change}
    if message is None:  # odd metadata is ignored, not a traceback
        assert read_jsonstat(doc).size == 6
        return
    with pytest.raises(InputError, match=message):
        read_jsonstat(doc, name="shape.json")


@pytest.mark.parametrize(
    ("category", "message"),
    [
        ({"index": ["A", "A"]}, "har kategorien 'A' to ganger"),
        ({"index": {"A": 0, "B": 0}}, "gir kategorien 'B' plassen 0"),
        ({"index": {"A": 0, "B": 2}}, "gir kategorien 'B' plassen 2"),
        ({"index": {"A": "0", "B": 1}}, "gir kategorien 'A' plassen '0'"),
        ({"index": [None, "B"]}, "kategoriene i dimensjonen region må være koder"),
        ({"label": ["A", "B"]}, "har verken 'index' eller 'label'"),
    ],
)
def test_category_codes_are_unique_and_ordered(category: dict[str, object], message: str) -> None:
    doc = _cube([1, 2, 3, 4, 5, 6])
    doc["dimension"]["region"]["category"] = category
    with pytest.raises(InputError, match=message):
        read_jsonstat(doc, name="codes.json")


def test_declared_cells_are_checked_before_anything_is_allocated() -> None:
    with pytest.raises(InputError, match="'size' sier datasettet har 6 celler, mer enn de 5 kostra leser"):
        read_jsonstat(_cube([1, 2, 3, 4, 5, 6]), max_cells=5)
    sparse = _cube({"0": 1})
    sparse["size"] = [2, 3_000_000]
    sparse["dimension"]["Tid"]["category"] = {"index": [str(i) for i in range(3)]}
    with pytest.raises(InputError, match="men dokumentet har tall for 1 av dem"):
        read_jsonstat(json.dumps(sparse).encode(), name="sparse.json")
    # metadata (no values) may describe a table of any size: nothing is allocated for it
    meta = _cube(None)
    meta["size"], meta["dimension"]["region"]["category"] = (
        [70_000, 3],
        {"index": [f"{i:05d}" for i in range(70_000)]},
    )
    assert len(read_jsonstat(meta, with_values=False).dimensions[0].codes) == 70_000


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"class": "dataset", "id": [], "value": [1e400]}', r"et tall er for stort til å lagres, linje 1"),
        (b'{"class": "dataset", "id": [], "value": [NaN]}', r"ikke gyldig JSON \(feil ved linje 1, kolonne"),
        (b'{"class": "dataset", "label": "\xff"}', "teksten er ikke gyldig UTF-8"),
    ],
)
def test_json_errors_in_bokmal(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_jsonstat(data, name="feil.json")
