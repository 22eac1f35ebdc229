"""``/api/profile`` answered from all municipalities' profiles computed at once
(:mod:`kostra.outputs.web.profiles`) gives the same bytes as each profile computed on its own
(:meth:`kostra.api.Session.profile`, rendered by ``render_profile_json``, marked against SSB
and encoded by FastAPI), for every municipality, service area and profile of a year."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from test_web import Client

from kostra.outputs.profile_table import render_profile_json
from kostra.outputs.web import create_app
from kostra.outputs.web.api import _with_ssb_marks
from kostra.outputs.web.profiles import Later, ProfileIndex, build, encode

YEAR = 2024


@pytest.fixture(scope="module")
def app(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    db = tmp_path_factory.mktemp("profiles") / "kostra.duckdb"
    shutil.copy(template_store, db)
    return create_app(db, rate=10**9, cache_bytes=0)


def _one_by_one(session: Any, code: str, sector: str, profile: str, group: str) -> bytes:
    """The answer as /api/profile computed it before the index: one profile on its own."""
    table = session.profile(code, sector, profile, YEAR, group)
    doc = json.loads(render_profile_json(table))
    _with_ssb_marks(session, doc["rows"], int(doc["year"]))
    return encode(doc)


def _compare(app: Any, group: str, codes: list[str] | None = None) -> int:
    session = app.state.session
    index = ProfileIndex(session, build_after=1)
    compared = 0
    for area in session.catalog.sectors.values():
        if area.hidden:
            continue
        for code in codes or session.municipalities():
            for profile in area.profiles:
                fast = index.answer(code, area.id, profile.id, YEAR, group)
                assert fast is not None, (code, area.id, profile.id)
                assert fast == _one_by_one(session, code, area.id, profile.id, group), (code, area.id)
                compared += 1
    return compared


@pytest.mark.slow  # 6 783 profiles computed one by one: about a minute
def test_every_asss_profile_of_a_year_is_the_same_as_computed_alone(app: Any) -> None:
    # 357 municipalities x 19 profiles (10 service areas: 2 + 2 + 2 + 4 + 3 + 1 + 1 + 1 + 2 + 1).
    assert _compare(app, "asss") == 357 * 19


@pytest.mark.slow
@pytest.mark.parametrize("group", ["kostragruppe-12", "landet"])
def test_other_groups_give_the_same_bytes_too(app: Any, group: str) -> None:
    # The ASSS members and every 12th other municipality, every service area and profile.
    session = app.state.session
    members = sorted(session.members("asss", YEAR))
    others = [c for c in session.municipalities() if c not in members][::12]
    assert _compare(app, group, members + others) == (len(members) + len(others)) * 19


def test_a_group_that_leaves_the_municipality_out_is_answered_one_by_one(app: Any) -> None:
    # "ovrige-asss" leaves the municipality analysed out of its own group (exclude_self), and
    # the group statistics break ties by row order, which differs between one subject and all.
    index = ProfileIndex(app.state.session, build_after=1)
    assert index.answer("0301", "grunnskole", None, YEAR, "ovrige-asss") is None
    assert index.size == (0, 0)


def test_the_api_answers_the_same_bytes_with_and_without_the_index(
    app: Any, template_store: Path, tmp_path: Path
) -> None:
    db = tmp_path / "kostra.duckdb"
    shutil.copy(template_store, db)
    alone = Client(create_app(db, rate=10**9, cache_bytes=0, profile_index=False))
    indexed = Client(app)
    app.state.profiles.build_after = 1
    urls = [
        f"/api/profile?municipality={m}&sector={s}&year={YEAR}{p}"
        for m in ("3201", "Bærum", "utsira", "0301")
        for s, p in [("pleie-og-omsorg", ""), ("plo", "&profile=67%2B"), ("grunnskole", "&group=ovrige-asss")]
    ]
    # Refusals go the single profile's way, with its message: a county, a profile or year
    # kostra lacks, an unknown group.
    urls += [
        "/api/profile?municipality=Akershus&sector=grunnskole",
        "/api/profile?municipality=3201&sector=grunnskole&profile=nei",
        "/api/profile?municipality=3201&sector=grunnskole&year=2001",
        "/api/profile?municipality=3201&sector=grunnskole&group=ingen",
        "/api/profile?municipality=3201&sector=befolkning",
        "/api/profile?municipality=3201&sector=grunnskole",  # the latest year
    ]
    for url in urls:
        one, other = alone.get(url), indexed.get(url)
        assert (one.status_code, one.headers["content-type"], one.content) == (
            other.status_code,
            other.headers["content-type"],
            other.content,
        ), url
    # Answered from two tables (2024, ASSS: pleie-og-omsorg and grunnskole); "ovrige-asss" alone.
    assert app.state.profiles.size[0] == 2


def test_tables_are_built_only_when_asked_again_and_stay_within_their_bytes(app: Any) -> None:
    session = app.state.session
    index = ProfileIndex(session, build_after=3, max_bytes=1)
    ask = ("3201", "barnehage", None, YEAR, "asss")
    assert index.answer(*ask) is None and index.answer(*ask) is None  # asked twice: alone
    assert index.size == (0, 0)
    with pytest.raises(Later):  # the third, on the event loop: to be built in a worker thread
        index.answer(*ask, build=False)
    assert index.answer(*ask) is not None  # there: built
    assert index.size[0] == 1
    assert index.answer("3201", "okonomi", None, YEAR, "asss") is None
    assert index.size[0] == 1  # not asked enough yet
    for _ in range(3):
        index.answer("3201", "okonomi", None, YEAR, "asss")
    # Over max_bytes: the least recently used (barnehage) went; okonomi is kept.
    assert index.size[0] == 1
    assert index.answer(*ask) is None  # barnehage must be asked afresh
    # A table's bytes, as counted, cover each row's own part (a quarter of a row at least).
    table = build(session, YEAR, "asss", "okonomi")
    assert table.size >= sum(len(r[1]) for r in table.rows.values())
