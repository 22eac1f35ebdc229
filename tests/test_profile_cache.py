"""The profile tables the command line keeps between commands (kostra.profile_cache):
each kept table is the one Session.profile computes, found only by names the store
resolves the same way, and dropped as soon as the store, kostra or the groups file
changes."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import pytest

from kostra import profile_cache
from kostra.api import Session
from kostra.outputs.profile_table import ProfileData, render_profile_csv, render_profile_json
from kostra.profile_cache import ProfileCache, ProfileFill, ProfileTable, latest_kind, profile_kind


def _exact(data: ProfileData) -> str:
    # JSON writes floats by their shortest exact form and NaN as NaN: equal text, equal values.
    return json.dumps([data.columns, data.rows, data.attrs])


def _sample(session: Session) -> list[str]:
    codes = sorted(session._municipalities)
    # Bærum, Oslo, Asker, Utsira (smallest) and every 60th municipality.
    return sorted({"3201", "0301", "3203", "1151", *codes[::60]})


# Four kinds of group: fixed members, members minus the municipality asked about, a KOSTRA
# group (members by year) and a county; and years before and after the 2020 and 2024 reforms.
@pytest.mark.parametrize(
    ("group", "year"), [("asss", 2024), ("ovrige-asss", 2019), ("kostragruppe-13", 2024), ("eka32", 2021)]
)
def test_every_kept_table_is_the_table_profile_computes(session: Session, group: str, year: int) -> None:
    compared, pairs = 0, 0
    for sector in [s.id for s in session.catalog.sectors.values() if not s.hidden]:
        fill = session.profile_tables(sector, year, group)
        kept = {(t.profile, t.region): t for t in fill.tables}
        pairs += len(fill.columns)
        assert len(kept) == len(fill.tables) == len(fill.columns) * len(session._municipalities)
        for code in _sample(session):
            for profile in fill.columns:
                computed = ProfileData.of(session.profile(code, sector, profile, year, group))
                table = kept[(profile, code)]
                assert table.rows, (sector, profile, code)
                assert _exact(ProfileData(fill.columns[profile], table.rows, table.attrs)) == _exact(computed)
                compared += 1
    assert pairs >= 19 and compared == pairs * len(_sample(session))


def test_the_names_kept_are_the_ones_the_store_resolves(session: Session) -> None:
    fill = session.profile_tables("pleie-og-omsorg", 2023, "asss")
    sector = session.service_area("pleie-og-omsorg")
    kinds: dict[str, int] = {}
    for kind, text, value in fill.names:
        kinds[kind] = kinds.get(kind, 0) + 1
        if kind == "municipality":
            assert session.region(text).code == value
        elif kind == "sector":
            assert session.service_area(text).id == value
        elif kind == "group":
            assert session.group(text).id == value
        elif kind == profile_kind(sector.id):
            assert text and session.catalog.profile(sector, text).id == value
        elif kind == profile_kind(sector.id, given=False):
            assert text == "" and session.catalog.profile(sector, None).id == value
        else:
            profile = kind.removeprefix(latest_kind(sector.id, ""))
            assert kind == latest_kind(sector.id, profile) and text == ""
            assert int(value) == session.latest_year(session.catalog.indicators_of(sector.id, profile))
    # Every municipality by number, and by name where the name is its own (not shared).
    assert kinds["municipality"] >= len(session._municipalities) + 350
    assert ("municipality", "Bærum", "3201") in fill.names
    assert ("municipality", "0219", "3201") not in fill.names  # old numbers: kept when asked
    assert (profile_kind(sector.id, given=False), "", "alle") in fill.names and kinds["sector"] >= 2
    assert not any(kind == profile_kind(sector.id) and text == "" for kind, text, _ in fill.names)


def _fill(tables: list[ProfileTable], year: int = 2024) -> ProfileFill:
    return ProfileFill(
        group="asss",
        year=year,
        sector="grunnskole",
        sector_name="Grunnskole",
        columns={"alle": ["region_code", "value"]},
        profile_names={"alle": "Tjenesteprofil"},
        tables=tables,
        names=[
            ("municipality", "3201", "3201"),
            ("sector", "grunnskole", "grunnskole"),
            ("group", "asss", "asss"),
            (profile_kind("grunnskole", given=False), "", "alle"),
            (latest_kind("grunnskole", "alle"), "", str(year)),
        ],
    )


@pytest.fixture
def cache(tmp_path: Path) -> ProfileCache:
    db = tmp_path / "kostra.duckdb"
    db.write_bytes(b"a store")
    return ProfileCache(db)


def test_kept_values_come_back_exactly(cache: ProfileCache) -> None:
    values = [0.1 + 0.2, float("nan"), 1e-300, None, 2**53 + 1]
    rows = [["3201", value] for value in values]
    attrs = {"municipality": "Bærum", "year": 2024}
    assert cache.keep(cache.fingerprint(), _fill([ProfileTable("alle", "3201", attrs, rows)]))
    found = cache.find("3201", "grunnskole", None, None, "asss")
    assert found is not None and found.attrs == attrs and found.columns == ["region_code", "value"]
    assert found.rows[0][1] == 0.30000000000000004 and math.isnan(found.rows[1][1])
    assert found.rows[2][1] == 1e-300 and found.rows[3][1] is None and found.rows[4][1] == 2**53 + 1
    assert (found.sector_name, found.profile_name) == ("Grunnskole", "Tjenesteprofil")
    assert cache.find("3201", "grunnskole", "alle", 2024, "asss") is None  # "alle" was never a name kept
    assert cache.find("Bærum", "grunnskole", None, None, "asss") is None  # nor "Bærum"
    assert cache.find("3201", "grunnskole", None, 2023, "asss") is None  # no table of 2023
    assert cache.keep(cache.fingerprint(), _fill([]), [("municipality", "Bærum", "3201")])
    assert cache.find("Bærum", "grunnskole", None, 2024, "asss") is not None


def test_names_alone_are_added_to_the_tables_of_the_same_fingerprint(cache: ProfileCache) -> None:
    table = ProfileTable("alle", "3201", {}, [["3201", 1.0]])
    stamp = cache.fingerprint()
    assert not cache.holds(stamp, "asss", 2024, "grunnskole")
    assert not cache.keep(stamp, None, [("municipality", "Bærum", "3201")])  # no tables yet
    assert cache.keep(stamp, _fill([table]))
    assert cache.holds(stamp, "asss", 2024, "grunnskole")
    assert not cache.holds(stamp, "asss", 2023, "grunnskole")
    assert not cache.holds("other", "asss", 2024, "grunnskole")
    assert cache.keep(stamp, None, [("municipality", "Bærum", "3201")])
    assert cache.find("Bærum", "grunnskole", None, 2024, "asss") is not None
    assert not cache.keep("other", None, [("municipality", "Baerum", "3201")])
    assert cache.find("Baerum", "grunnskole", None, 2024, "asss") is None


def test_a_written_store_or_groups_file_makes_every_table_stale(cache: ProfileCache, tmp_path: Path) -> None:
    table = ProfileTable("alle", "3201", {}, [["3201", 1.0]])
    assert cache.keep(cache.fingerprint(), _fill([table]))
    assert cache.find("3201", "grunnskole", None, None, "asss") is not None
    before = cache.fingerprint()
    with cache.db.open("ab") as store:  # a write to the store
        store.write(b"!")
    assert cache.fingerprint() != before
    assert cache.find("3201", "grunnskole", None, None, "asss") is None
    # The write-ahead log counts as the store.
    assert cache.keep(cache.fingerprint(), _fill([table]))
    cache.db.with_name(cache.db.name + ".wal").write_bytes(b"x")
    assert cache.find("3201", "grunnskole", None, None, "asss") is None
    # Keeping under a new fingerprint drops the old tables.
    with sqlite3.connect(cache.path) as db:
        assert db.execute("SELECT count(*) FROM profile_table").fetchone() == (1,)
    assert cache.keep(cache.fingerprint(), _fill([], year=2023))
    with sqlite3.connect(cache.path) as db:
        assert db.execute("SELECT count(*) FROM profile_table").fetchone() == (0,)
    groups = tmp_path / "grupper.yaml"
    groups.write_text("a: b\n")
    with_groups = ProfileCache(cache.db, groups)
    assert with_groups.fingerprint() != cache.fingerprint()
    stamp = with_groups.fingerprint()
    groups.write_text("a: c\n")
    assert with_groups.fingerprint() != stamp


def test_a_damaged_file_is_never_an_error_and_is_made_anew(cache: ProfileCache) -> None:
    cache.path.write_bytes(b"not a database" * 100)
    assert cache.find("3201", "grunnskole", None, None, "asss") is None
    table = ProfileTable("alle", "3201", {}, [["3201", 1.0]])
    assert cache.keep(cache.fingerprint(), _fill([table]))
    assert cache.find("3201", "grunnskole", None, None, "asss") is not None


def test_a_file_of_another_layout_is_never_read_and_is_laid_out_anew(cache: ProfileCache) -> None:
    table = ProfileTable("alle", "3201", {}, [["3201", 1.0]])
    assert cache.keep(cache.fingerprint(), _fill([table]))
    with sqlite3.connect(cache.path) as db:
        db.execute("PRAGMA user_version = 999")
    assert cache.find("3201", "grunnskole", None, None, "asss") is None
    assert cache.keep(cache.fingerprint(), _fill([table]))
    assert cache.find("3201", "grunnskole", None, None, "asss") is not None


def test_a_place_the_file_cannot_be_is_never_an_error(cache: ProfileCache) -> None:
    cache.path.mkdir()  # as a folder that cannot be written would: no file can be made there
    table = ProfileTable("alle", "3201", {}, [["3201", 1.0]])
    assert not cache.keep(cache.fingerprint(), _fill([table]))
    assert cache.find("3201", "grunnskole", None, None, "asss") is None


def test_a_folder_name_with_uri_characters(tmp_path: Path) -> None:
    folder = tmp_path / "data#1 ?x"
    folder.mkdir()
    (folder / "kostra.duckdb").write_bytes(b"a store")
    cache = ProfileCache(folder / "kostra.duckdb")
    table = ProfileTable("alle", "3201", {}, [["3201", 1.0]])
    assert cache.keep(cache.fingerprint(), _fill([table]))
    assert cache.find("3201", "grunnskole", None, None, "asss") is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data#1 ?x"]  # nothing made beside it


def test_the_oldest_fills_go_first(cache: ProfileCache, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(profile_cache, "KEEP_FILLS", 2)
    table = ProfileTable("alle", "3201", {}, [["3201", 1.0]])
    for year in (2022, 2023, 2024):
        assert cache.keep(cache.fingerprint(), _fill([table], year=year))
    assert cache.find("3201", "grunnskole", None, 2022, "asss") is None
    assert cache.find("3201", "grunnskole", None, 2023, "asss") is not None
    assert cache.find("3201", "grunnskole", None, 2024, "asss") is not None


def test_the_renderers_give_the_same_text_from_the_frame_and_from_plain_values(session: Session) -> None:
    table = session.profile("Bærum", "pleie-og-omsorg", "67+", 2024, "asss")
    data = ProfileData.of(table)
    kept = json.loads(json.dumps([data.columns, data.rows, data.attrs]))
    plain = ProfileData(*kept)
    assert render_profile_csv(plain) == render_profile_csv(table)
    assert render_profile_json(plain) == render_profile_json(table)
