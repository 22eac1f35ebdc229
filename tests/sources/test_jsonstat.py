"""The JSON-stat 2.0 reader, on a recorded SSB answer and hand-made edge cases."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kostra.errors import InputError
from kostra.sources.jsonstat import Dimension, _no_strings_in_value, _strings_in, read_jsonstat

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


def _refusal(data: object, **options: Any) -> str:
    """The one-line message :func:`read_jsonstat` refuses ``data`` with."""
    with pytest.raises(InputError) as info:
        read_jsonstat(data, **options)  # type: ignore[arg-type]
    message = str(info.value)
    assert "\n" not in message
    return message


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


_KEY_HINT = "nøklene må være cellenummer (0, 1, 2, …)"


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("-1", f"nøkkelen '-1'; {_KEY_HINT}"),
        ("07", f"nøkkelen '07'; {_KEY_HINT}"),
        ("+1", f"nøkkelen '+1'; {_KEY_HINT}"),
        (" 1", f"nøkkelen ' 1'; {_KEY_HINT}"),
        ("1_0", f"nøkkelen '1_0'; {_KEY_HINT}"),
        # a key is shown whole up to 24 characters with its quotes ("a" * 22 is 24 wide);
        # a longer one is cut to its first 20 characters and "...'"
        ("a" * 22, f"nøkkelen '{'a' * 22}'; {_KEY_HINT}"),
        ("a" * 23, f"nøkkelen '{'a' * 19}...'; {_KEY_HINT}"),
        ("6", "celle '6', men datasettet har bare 6 celler (nummer 0–5)"),
        ("9" * 30, f"celle '{'9' * 19}...', men datasettet har bare 6 celler (nummer 0–5)"),
    ],
)
@pytest.mark.parametrize("where", ["value", "status"])
def test_sparse_keys_must_be_cells_of_the_cube(key: str, message: str, where: str) -> None:
    doc = _cube({"0": 1.5, key: 2}) if where == "value" else _cube([1] * 6, {"0": "..", key: ":"})
    assert _refusal(doc, name="sparse.json") == f"sparse.json: JSON-stat '{where}' har {message}"


@pytest.mark.parametrize("where", ["value", "status"])
def test_sparse_keys_outside_a_tiny_cube(where: str) -> None:
    # one cell: its only number is 0, and "celle" stands in the singular
    one = {**_cube(None), "id": ["region"], "size": [1]}
    one["dimension"] = {"region": {"category": {"index": ["A"]}}}
    one[where] = {"1": 2 if where == "value" else ".."}
    assert _refusal(one, name="en.json") == (
        f"en.json: JSON-stat '{where}' har celle '1', men datasettet har bare 1 celle (nummer 0–0)"
    )
    # no cells at all: no number is inside
    empty = _cube(None)
    empty["size"], empty["dimension"]["Tid"]["category"] = [2, 0], {"index": []}
    empty[where] = {"0": 2 if where == "value" else ".."}
    assert _refusal(empty, name="tom.json") == (
        f"tom.json: JSON-stat '{where}' har celle '0', men datasettet har bare 0 celler (nummer ingen)"
    )


_NO_TEXT = "ikke en tekst (som '..') eller null"


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ([None, 1, None, None, None, None], f"'status': statusen i celle 2 er 1, {_NO_TEXT}"),
        ({"1": True}, f"'status': statusen i celle 2 er True, {_NO_TEXT}"),
        # the first bad symbol is named, not the first symbol given
        ({"0": "..", "1": None, "3": 5}, f"'status': statusen i celle 4 er 5, {_NO_TEXT}"),
        ({"0": None, "2": [":"]}, f"'status': statusen i celle 3 er [':'], {_NO_TEXT}"),
        ("x" * 17, f"'status': statusen '{'x' * 17}' er lengre enn 16 tegn"),
        ({"2": "y" * 40}, f"'status': statusen '{'y' * 19}...' i celle 3 er lengre enn 16 tegn"),
        # 16 characters are allowed, 17 are not; the cell named is the one with 17
        (
            ["..", "y" * 16, "z" * 17, None, None, None],
            f"'status': statusen '{'z' * 17}' i celle 3 er lengre enn 16 tegn",
        ),
        (
            {"0": "..", "1": None, "2": "y" * 16, "4": "z" * 17},
            f"'status': statusen '{'z' * 17}' i celle 5 er lengre enn 16 tegn",
        ),
        ([".."] * 5, "'status' har 5 celler, ventet 6"),
        ([".."], "'status' har 1 celle, ventet 6"),
        (7, "'status' må være en tekst, en liste eller et objekt"),
    ],
)
def test_status_is_short_text_or_null(status: object, message: str) -> None:
    doc = _cube([1, 2, 3, 4, 5, 6], status)
    assert _refusal(doc, name="status.json") == f"status.json: JSON-stat {message}"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("..", [".."] * 6),  # one text is the status of every cell
        ("y" * 16, ["y" * 16] * 6),
        ("", [None] * 6),
        ([None] * 6, [None] * 6),
        (["y" * 16, None, None, None, None, ":"], ["y" * 16, None, None, None, None, ":"]),
        ({}, [None] * 6),
        ({"0": "..", "1": None}, ["..", None, None, None, None, None]),
        ({"0": None, "3": None}, [None] * 6),
        ({"0": "y" * 16}, ["y" * 16, None, None, None, None, None]),
        ({"0": "", "2": ".."}, [None, None, "..", None, None, None]),  # an empty status is no status
    ],
)
def test_status_symbols_land_in_their_cells(status: object, expected: list[str | None]) -> None:
    cube = read_jsonstat(_cube([1, 2, 3, 4, 5, 6], status))
    assert list(cube.status) == expected


def test_an_empty_status_is_no_status() -> None:
    cube = read_jsonstat(_cube([1, 2, None, 4, 5, 6], ["", "", "..", "", "", ""]))
    assert list(cube.status) == [None, None, "..", None, None, None]


_REGION = {"category": {"index": ["A", "B"]}}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"size": [2, "3"]}, "JSON-stat 'size' for dimensjonen Tid må være et heltall, ikke '3'"),
        ({"size": [2, 3.0]}, "JSON-stat 'size' for dimensjonen Tid må være et heltall, ikke 3.0"),
        ({"size": [2, True]}, "JSON-stat 'size' for dimensjonen Tid må være et heltall, ikke True"),
        ({"size": [-2, -3]}, "JSON-stat 'size' for dimensjonen region må være et heltall, ikke -2"),
        ({"size": [2]}, "JSON-stat 'size' må være en liste med ett tall per dimensjon (2)"),
        ({"size": 6}, "JSON-stat 'size' må være en liste med ett tall per dimensjon (2)"),
        ({"id": ["region", "region"]}, "dimensjonen 'region' står to ganger i JSON-stat 'id'"),
        ({"id": ["region", 7]}, "JSON-stat 'id' må være en liste med navnene på dimensjonene"),
        ({"id": ["region", ""]}, "JSON-stat 'id' må være en liste med navnene på dimensjonene"),
        ({"id": "region"}, "JSON-stat 'id' må være en liste med navnene på dimensjonene"),
        ({"dimension": []}, "JSON-stat 'dimension' mangler eller er ikke et objekt"),
        (
            {"dimension": {"region": _REGION}},
            "dimensjonen Tid mangler i 'dimension' eller har ingen 'category'",
        ),
        (
            {"dimension": {"region": _REGION, "Tid": {"label": "år"}}},
            "dimensjonen Tid mangler i 'dimension' eller har ingen 'category'",
        ),
        (
            {"dimension": {"region": _REGION, "Tid": {"category": ["2022"]}}},
            "dimensjonen Tid mangler i 'dimension' eller har ingen 'category'",
        ),
        (
            {"dimension": {"region": {"category": {"index": ["A"]}}, "Tid": _REGION}},
            "dimensjonen region har 1 kategori, men 'size' sier 2",
        ),
        (
            {"dimension": {"region": _REGION, "Tid": _REGION}},
            "dimensjonen Tid har 2 kategorier, men 'size' sier 3",
        ),
        ({"role": ["geo"], "extension": [1], "updated": 5, "source": 5}, None),
    ],
)
def test_the_cube_shape_is_checked(change: dict[str, object], message: str | None) -> None:
    doc = {**_cube([1, 2, 3, 4, 5, 6]), **change}
    if message is None:  # odd metadata is ignored, not a traceback
        cube = read_jsonstat(doc)
        assert (cube.size, cube.source, cube.updated, cube.table_id) == (6, None, None, None)
        return
    assert _refusal(doc, name="shape.json") == f"shape.json: {message}"


_OWN_PLACE = "hver kategori må ha sin egen plass"


@pytest.mark.parametrize(
    ("category", "message"),
    [
        ({"index": ["A", "A"]}, "dimensjonen region har kategorien 'A' to ganger; hver kode må være unik"),
        # the code named is the one given twice, not the first one
        (
            {"index": ["B", "A", "A"]},
            "dimensjonen region har kategorien 'A' to ganger; hver kode må være unik",
        ),
        (
            {"index": {"A": 0, "B": 0}},
            f"'index' i dimensjonen region gir kategorien 'B' plassen 0; {_OWN_PLACE} 0–1",
        ),
        (
            {"index": {"A": 0, "B": 2}},
            f"'index' i dimensjonen region gir kategorien 'B' plassen 2; {_OWN_PLACE} 0–1",
        ),
        (
            {"index": {"A": "0", "B": 1}},
            f"'index' i dimensjonen region gir kategorien 'A' plassen '0'; {_OWN_PLACE} 0–1",
        ),
        # one category: its only place is 0
        (
            {"index": {"A": 5}},
            f"'index' i dimensjonen region gir kategorien 'A' plassen 5; {_OWN_PLACE} 0–0",
        ),
        ({"index": [None, "B"]}, "kategoriene i dimensjonen region må være koder (tekst)"),
        ({"index": "AB"}, "'index' i dimensjonen region må være en liste eller et objekt"),
        ({"label": ["A", "B"]}, "dimensjonen region har verken 'index' eller 'label' under 'category'"),
        ({}, "dimensjonen region har verken 'index' eller 'label' under 'category'"),
    ],
)
def test_category_codes_are_unique_and_ordered(category: dict[str, object], message: str) -> None:
    doc = _cube([1, 2, 3, 4, 5, 6])
    doc["dimension"]["region"]["category"] = category
    assert _refusal(doc, name="codes.json") == f"codes.json: {message}"


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


# -- issue #15: the rest of the reader pinned (mutation testing) -----------------------


def test_dimensions_by_role_and_cell_positions() -> None:
    cube = read_jsonstat(_cube([1, 2, None, 4, 5, 6]))
    time = cube.dimension("time")
    assert time is not None and time.id == "Tid"
    assert cube.dimension("metric") is None
    # row-major, 2 regions x 3 years: the region changes every 3 cells, the year every cell
    whole = cube.positions()
    assert whole["region"].tolist() == [0, 0, 0, 1, 1, 1]
    assert whole["Tid"].tolist() == [0, 1, 2, 0, 1, 2]
    # cells 1 to 5 (stop excluded) and cells 2 to 3: slices of the lists above
    tail, middle = cube.positions(1, 6), cube.positions(2, 4)
    assert tail["region"].tolist() == [0, 0, 1, 1, 1] and tail["Tid"].tolist() == [1, 2, 0, 1, 2]
    assert middle["region"].tolist() == [0, 1] and middle["Tid"].tolist() == [2, 0]
    # four bytes per cell and dimension, whichever way they were computed
    assert {a.dtype for part in (whole, tail, middle) for a in part.values()} == {np.dtype(np.int32)}


def test_the_frame_shares_the_cubes_arrays() -> None:
    cube = read_jsonstat(_cube([1, 2, None, 4, 5, 6], {"2": ".."}))
    frame = cube.frame
    assert list(frame.columns) == ["region", "Tid", "value", "status"]
    assert frame["region"].cat.categories.dtype == object and frame["Tid"].cat.categories.dtype == object
    assert frame["status"].dtype == object
    assert list(frame["status"]) == [None, None, "..", None, None, None]
    # no second copy of the cells: value and status are views of the cube's arrays
    assert np.shares_memory(frame["value"].to_numpy(), cube.values)
    assert np.shares_memory(frame["status"].to_numpy(), cube.status)
    part = next(cube.chunks(rows=4))
    assert np.shares_memory(part["value"].to_numpy(), cube.values)
    assert np.shares_memory(part["status"].to_numpy(), cube.status)


def test_a_cube_without_cells() -> None:
    empty = _cube([])
    empty["size"], empty["dimension"]["Tid"]["category"] = [2, 0], {"index": []}
    for data in (empty, json.dumps(empty).encode()):
        cube = read_jsonstat(data)  # type: ignore[arg-type]
        assert cube.size == 0 and list(cube.chunks()) == []
        frame = cube.frame
        assert len(frame) == 0 and list(frame.columns) == ["region", "Tid", "value", "status"]
    # no dimensions at all: no cells either (not the one cell of an empty product)
    bare = {"class": "dataset", "id": [], "size": [], "dimension": {}, "value": []}
    assert read_jsonstat(bare).size == 0


def test_chunks_default_to_a_million_rows() -> None:
    # 1001 x 1000 = 1 001 000 cells without values: one chunk of 1 000 000 rows, one of 1000
    doc = _cube(None)
    doc["size"] = [1001, 1000]
    doc["dimension"]["region"]["category"] = {"index": [str(i) for i in range(1001)]}
    doc["dimension"]["Tid"]["category"] = {"index": [str(i) for i in range(1000)]}
    del doc["value"]
    cube = read_jsonstat(doc)
    assert cube.values.dtype == np.float64 and np.isnan(cube.values).all()  # missing, never 0
    assert [len(part) for part in cube.chunks()] == [1_000_000, 1_000]


def test_without_value_every_cell_is_missing() -> None:
    for value in (None, {}):
        cube = read_jsonstat(_cube(value))
        assert cube.values.dtype == np.float64 and cube.values.shape == (6,)
        assert np.isnan(cube.values).all() and list(cube.status) == [None] * 6


def test_metadata_only_allocates_no_cells() -> None:
    cube = read_jsonstat(_cube([1, 2, 3, 4, 5, 6], ".."), with_values=False)
    assert cube.values.shape == (0,) and cube.values.dtype == np.float64
    assert cube.status.shape == (0,) and cube.status.dtype == object
    assert [d.codes for d in cube.dimensions] == [("A", "B"), ("2022", "2023", "2024")]


def test_dimension_metadata() -> None:
    doc = _cube([1, 2, 3, 4, 5, 6])
    doc["dimension"]["region"].update(label="kommune", extension={"elimination": True})
    doc["dimension"]["Tid"]["extension"] = {"elimination": "ja"}  # not a boolean: unknown
    doc["role"] = {"geo": 5, "time": ["Tid", 7], "metric": "region"}  # odd roles are skipped
    region, year = read_jsonstat(doc).dimensions
    assert region == Dimension(
        id="region", label="kommune", codes=("A", "B"), labels=("Aa", "Bb"), role=None, elimination=True
    )
    # no label: the id; no category labels: the codes
    years = ("2022", "2023", "2024")
    assert year == Dimension(id="Tid", label="Tid", codes=years, labels=years, role="time", elimination=None)


def test_categories_ordered_by_their_labels_when_there_is_no_index() -> None:
    doc = _cube([1, 2, 3, 4, 5, 6])
    doc["dimension"]["region"]["category"] = {"label": {"B": "Bb", "A": "Aa"}}
    region = read_jsonstat(doc).dimensions[0]
    assert (region.codes, region.labels) == (("B", "A"), ("Bb", "Aa"))


def test_dataset_metadata() -> None:
    doc = {
        **_cube([1, 2, 3, 4, 5, 6]),
        "label": "Tabell 12134",
        "source": "Statistisk sentralbyrå",
        "updated": "2026-01-02T03:04:05Z",
        "note": ["første", 7],
        "extension": {"px": {"tableid": "12134"}},
    }
    cube = read_jsonstat(doc)
    assert (cube.table_id, cube.label, cube.source, cube.notes) == (
        "12134",
        "Tabell 12134",
        "Statistisk sentralbyrå",
        ("første", "7"),
    )
    assert cube.updated == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    bare = read_jsonstat(_cube([1, 2, 3, 4, 5, 6]))
    assert (bare.table_id, bare.label, bare.source, bare.updated, bare.notes) == (None, "", None, None, ())
    odd = read_jsonstat(
        {
            **doc,
            "note": "én merknad",
            "source": 5,
            "updated": "i går",
            "extension": {"px": {"tableid": 12134}},
        }
    )
    assert (odd.table_id, odd.source, odd.updated, odd.notes) == ("12134", None, None, ("én merknad",))


def test_value_lists_and_objects_only() -> None:
    assert _refusal(_cube(5), name="value.json") == (
        "value.json: JSON-stat 'value' må være en liste (array) eller et objekt"
    )
    assert _refusal(json.dumps(_cube([1, 2, 3])), name="broken.json") == (
        "broken.json: JSON-stat 'value' har 3 celler, ventet 6"
    )
    assert _refusal(json.dumps(_cube([1])), name="broken.json") == (
        "broken.json: JSON-stat 'value' har 1 celle, ventet 6"
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        # anything else Python can hold is named with its type
        ([1, 2 + 3j, 3, 4, 5, 6], "(2+3j) (complex) i celle 2"),
        # 5000 is a number (far below 2**1024); the text after it is what is wrong
        (
            [5000, "x", 3, 4, 5, 6],
            "teksten 'x' (et tall skrives uten anførselstegn, et manglende som null) i celle 2",
        ),
        # 2**1024 = 1.79...e308 has 309 digits and is just beyond the largest float
        ([1, 2**1024, 3, 4, 5, 6], "et heltall med 309 sifre, for stort til å lagres i celle 2"),
        ([1, 2, float("inf"), 4, 5, 6], "inf, som ikke er et endelig tall i celle 3"),
    ],
)
def test_odd_python_values_are_named(values: list[object], message: str) -> None:
    assert (
        _refusal(_cube(values), name="dict")
        == f"dict: JSON-stat 'value' har {message}; bare tall og null er lov"
    )


def test_an_integer_that_rounds_beyond_the_largest_float_is_refused() -> None:
    # 2**1024 - 1 is below 2**1024 but rounds up to it, which no float holds; it has 309
    # digits and is the second cell
    assert _refusal(_cube([1, 2**1024 - 1, 3, 4, 5, 6]), name="dict") == (
        "dict: JSON-stat 'value' har et heltall med 309 sifre, for stort til å lagres i celle 2; "
        "bare tall og null er lov"
    )
    # the largest integer a float holds is read as that float
    largest = (2**53 - 1) * 2**971
    assert read_jsonstat(_cube([1, largest, 3, 4, 5, 6]), name="dict").values[1] == float(largest)


def test_a_document_nested_too_deep_is_named_as_such() -> None:
    deep = b'{"class": "dataset", "note": ' + b"[" * 2000 + b"]" * 2000 + b"}"
    assert _refusal(deep, name="dyp.json").startswith(
        "dyp.json: er ikke gyldig JSON (for mange nivåer inni hverandre, linje 1, kolonne "
    )


def test_declared_cells_against_the_limit_and_the_document() -> None:
    assert read_jsonstat(_cube([1, 2, 3, 4, 5, 6]), max_cells=6).size == 6  # at the limit is fine
    assert _refusal(_cube([1, 2, 3, 4, 5, 6]), max_cells=5) == (
        "JSON-stat: JSON-stat 'size' sier datasettet har 6 celler, mer enn de 5 kostra leser; "
        "hent et mindre uttrekk"
    )
    nbsp = "\u00a0"
    for value, given in (({"0": 1}, "1"), (None, "ingen")):
        sparse = _cube(value)
        sparse["size"] = [2, 3_000_000]
        sparse["dimension"]["Tid"]["category"] = {"index": [str(i) for i in range(3)]}
        assert _refusal(json.dumps(sparse).encode(), name="sparse.json") == (
            f"sparse.json: JSON-stat 'size' sier datasettet har 6{nbsp}000{nbsp}000 celler, men dokumentet "
            f"har tall for {given} av dem; 'size' stemmer ikke med innholdet"
        )


def _sparse_cube(rows: int, columns: int, padding: int = 0) -> bytes:
    doc = _cube({"0": 1})
    doc["size"] = [rows, columns]
    doc["dimension"]["region"]["category"] = {"index": [str(i) for i in range(rows)]}
    doc["dimension"]["Tid"]["category"] = {"index": [str(i) for i in range(columns)]}
    doc["label"] = "x" * padding
    return json.dumps(doc).encode()


def test_a_sparse_document_is_believed_up_to_its_size() -> None:
    # The first million cells are believed of any document ...
    small = _sparse_cube(1000, 1000)
    assert 64 * len(small) < 1_000_000
    assert read_jsonstat(small).size == 1_000_000
    # ... beyond that 64 per byte: 1 001 000 cells need 15 641 bytes (1 001 000 / 64 = 15 640.6)
    padded = _sparse_cube(1000, 1001, padding=20_000)
    assert 64 * len(padded) >= 1_001_000
    cube = read_jsonstat(padded)
    assert cube.size == 1_001_000 and cube.values[0] == 1 and np.isnan(cube.values[1:]).all()


def test_not_a_dataset_without_id() -> None:
    assert _refusal(b'{"class": "dataset", "size": []}', name="x.json") == (
        "x.json: er ikke et JSON-stat 2.0-datasett (mangler class 'dataset' med 'id')"
    )
    assert _refusal({"class": "collection", "id": []}, name="x.json") == (
        "x.json: er ikke et JSON-stat 2.0-datasett (mangler class 'dataset' med 'id')"
    )


def test_strings_in_counts_every_string_and_key() -> None:
    assert (_strings_in("x"), _strings_in(5), _strings_in(None)) == (1, 0, 0)
    assert _strings_in(["a", "b"]) == 2
    assert _strings_in(["a", None, "b"]) == 2  # None is no string
    assert _strings_in([1, 2.5]) == 0
    # strings: "a" first (popped last-in-first-out), then key "b" and value "c" -> 3
    assert _strings_in([{"b": "c"}, "a"]) == 3
    # key "k" 1 + list "a", "b" 2 -> 3
    assert _strings_in({"k": ["a", None, "b"]}) == 3
    # key "k" 1 + the two texts among five items 2 -> 3
    assert _strings_in({"k": [1, "a", 2.5, 3, "b"]}) == 3
    # "a" 1, key "d" 1, "b" 1 (nested lists) -> 3
    assert _strings_in([["a"], [1, {"d": ["b", None]}]]) == 3


def test_quotation_marks_prove_that_value_holds_no_strings() -> None:
    doc = _cube([1, 2, None, 4, 5, 6], {"2": ".."})
    assert _no_strings_in_value(doc, json.dumps(doc).encode())
    assert _no_strings_in_value(doc, json.dumps(doc))
    assert not _no_strings_in_value(doc, doc)  # no text: nothing is proven
    texts = _cube([1, 2, "3", 4, 5, 6])
    assert not _no_strings_in_value(texts, json.dumps(texts).encode())
    assert not _no_strings_in_value(texts, json.dumps(texts))


def test_a_text_document_reads_like_bytes() -> None:
    doc = _cube([1, 2, None, 4, 5, 6], {"2": ".."})
    from_text, from_bytes = read_jsonstat(json.dumps(doc)), read_jsonstat(json.dumps(doc).encode())
    np.testing.assert_array_equal(from_text.values, from_bytes.values)
    assert list(from_text.status) == list(from_bytes.status) == [None, None, "..", None, None, None]
    assert _refusal(json.dumps(_cube([1, 2, "3", 4, 5, 6])), name="t.json") == (
        "t.json: JSON-stat 'value' har teksten '3' (et tall skrives uten anførselstegn, et manglende "
        "som null) i celle 3; bare tall og null er lov"
    )
