"""A profile asked of a session that holds none of its figures reads only the years it needs
(issue 17: ``kostra profile`` as a whole process); it must give exactly what the session-wide
way gives (every year of each indicator held, then cut), for every sector, profile, group
and year, for municipalities that were renumbered or merged too.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import kostra

# Bærum (0219 -> 3024 -> 3201) and Ålesund (1507 split into 1508 and 1580 in 2024) follow
# renumbering and splits; Oslo is in the ASSS group, Utsira the smallest municipality.
MUNICIPALITIES = ["Bærum", "Ålesund", "Oslo", "Utsira", "Trondheim"]
GROUPS = ["asss", "ovrige-asss", "landet", "kostragruppe-12"]
YEARS = [2019, 2022, 2024]


def _questions(session: kostra.Session) -> list[tuple[str, str, str, int, str]]:
    """Every visible sector and profile, each with one municipality, year and group in turn
    (so every municipality, year and group comes up), plus the same question again."""
    asked = []
    n = 0
    for sector in session.catalog.sectors.values():
        if sector.hidden:
            continue
        for profile in sector.profiles:
            asked.append(
                (
                    MUNICIPALITIES[n % len(MUNICIPALITIES)],
                    sector.id,
                    profile.id,
                    YEARS[n % len(YEARS)],
                    GROUPS[n % len(GROUPS)],
                )
            )
            n += 1
    return asked + asked[:3]


def test_profile_reading_only_its_years_equals_the_session_wide_way(template_store: Path) -> None:
    with (
        kostra.open(template_store, read_only=True) as first,
        kostra.open(template_store, read_only=True) as held,
    ):
        questions = _questions(first)
        # The other way: every figure of every indicator held by the session, as a session
        # that has answered other questions holds them; profile then cuts what it needs.
        held.observations(sorted({i.id for i in held.catalog.indicators.values()}))
        for municipality, sector, profile, year, group in questions:
            fast = first.profile(municipality, sector, profile, year, group)
            plain = held.profile(municipality, sector, profile, year, group)
            pd.testing.assert_frame_equal(fast, plain, check_exact=True)
            assert fast.attrs == plain.attrs
            # What the first session remembered for later questions (observations of the
            # profile's three years and of its statistics' two) is what the other one cuts.
            indicators = first.catalog.indicators_of(sector, profile)
            ids = [i.id for i in indicators] + sorted({i.weight for i in indicators if i.weight})
            for years in ([year - 2, year - 1, year], [year - 1, year]):
                kept = first.observations(ids, years)
                pd.testing.assert_frame_equal(kept, held.observations(ids, years), check_exact=True)
        # The first session never held every year of an indicator: it read years only.
        assert len(first._cache.observations) == 0 and len(held._cache.observations) > 0
    assert len(questions) > 20


def test_a_profile_after_other_years_reads_every_year_as_before(template_store: Path) -> None:
    # A session already holding the indicators (all their years) answers from them.
    with kostra.open(template_store, read_only=True) as session:
        indicators = session.catalog.indicators_of("grunnskole")
        ids = [i.id for i in indicators] + sorted({i.weight for i in indicators if i.weight})
        session.observations(ids)
        table = session.profile("Bærum", "grunnskole", year=2024)
        assert set(ids) <= set(session._cache.observations)
    # Bærum's pupils per group (gruppestørrelse) in 2024, as in the bundled dataset.
    row = table.set_index("indicator_id").loc["gs_gruppestorrelse"]
    assert round(float(row["2024"]), 1) == 13.6


def test_profile_reading_only_its_years_follows_old_numbers(store_path: Path) -> None:
    # The bundled figures are all under today's numbers; here Bærum's 2023 school figures
    # stand under its old number 3024 as well, from a newer release and 1 higher: they win
    # over 3201's (today's number, the newest release), whichever way the profile reads.
    with kostra.open(store_path) as session:
        session.store.execute(
            "INSERT INTO current_observation SELECT indicator_id, '3024', year, value + 1, status, "
            "release_id + 1000, release_kind FROM current_observation "
            "WHERE region_code = '3201' AND year = 2023 AND indicator_id LIKE 'gs_%'"
        )
    with kostra.open(store_path, read_only=True) as first, kostra.open(store_path, read_only=True) as held:
        held.observations(sorted({i.id for i in held.catalog.indicators.values()}))
        for municipality, year in (("Bærum", 2024), ("Bærum", 2023), ("Asker", 2024)):
            fast = first.profile(municipality, "grunnskole", year=year)
            plain = held.profile(municipality, "grunnskole", year=year)
            pd.testing.assert_frame_equal(fast, plain, check_exact=True)
        baerum = first.profile("Bærum", "grunnskole", year=2024).set_index("indicator_id")
    # Bærum's group size in 2023 is 13.7 under 3201 (the table printed before the change);
    # the old number's figure, 13.7 + 1 = 14.7, is the one in force.
    assert round(float(baerum.loc["gs_gruppestorrelse", "2023"]), 1) == 14.7
