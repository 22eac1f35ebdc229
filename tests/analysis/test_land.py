"""The succession of municipalities read as a graph: which numbers of an earlier year today's
land was, what an earlier number has become, and whether a number continued through a merger.
Small hand-made successions (the answer read off the edges beside each), then the real one
(src/kostra/data/region_succession.csv, KLASS 131)."""

from __future__ import annotations

import pandas as pd
import pytest

from kostra.analysis.land import Land
from kostra.sources.bundled import read_bundled_csv

COLUMNS = ["old_code", "new_code", "year", "kind"]


def _succession(*edges: tuple[str, str, int, str]) -> pd.DataFrame:
    return pd.DataFrame(list(edges), columns=COLUMNS)


def _regions(*rows: tuple[str, float | None, float | None]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["code", "valid_from", "valid_to"])


# A and B merged into new N in 2020; N renumbered M in 2024. C split in 2022 into D and M2
# (M2 also took in E that year). R renumbered T in 2020; K merged into T in 2022 (T continued).
SMALL = _succession(
    ("A", "N", 2020, "merged"),
    ("B", "N", 2020, "merged"),
    ("N", "M", 2024, "renumbered"),
    ("C", "D", 2022, "split"),
    ("C", "M2", 2022, "split"),
    ("E", "M2", 2022, "merged"),
    ("R", "T", 2020, "renumbered"),
    ("K", "T", 2022, "merged"),
)


def test_earlier_follows_mergers_and_renumberings_back() -> None:
    land = Land(SMALL)
    assert land.earlier("M", 2019) == {"A", "B"}  # M = N (2020-2023) = A + B
    assert land.earlier("M", 2023) == {"N"}  # renumbered 2024: the number N then
    assert land.earlier("M", 2020) == {"N"}  # the merger took effect 1 January 2020: N already
    assert land.earlier("N", 2020) == {"N"}
    assert land.earlier("M", 2024) == {"M"}  # no change after 2024
    assert land.earlier("A", 2019) == {"A"}  # nothing ever merged into A
    assert land.earlier("M2", 2021) == {"C", "E"}  # M2 did not exist before 2022
    assert land.earlier("D", 2021) == {"C"}
    # T took in K in 2022 and was itself a municipality in 2020-2021 (one number merged in)
    assert land.earlier("T", 2021) == {"T", "K"}
    assert land.earlier("T", 2020) == {"T", "K"}
    # ... but before 2020 the number T was not in use (a renumbering gave it): R, not T
    assert land.earlier("T", 2019) == {"R", "K"}
    assert land.earlier("T", 2022) == {"T"}
    assert land.earlier("unknown", 2000) == {"unknown"}


def test_later_follows_the_edges_forward() -> None:
    land = Land(SMALL)
    assert land.later("A", 2019) == {"M"}  # A -> N (2020) -> M (2024)
    assert land.later("A", 2020) == {"A"}  # the 2020 merger is not after 2020
    assert land.later("N", 2023) == {"M"}
    assert land.later("N", 2024) == {"N"}
    assert land.later("C", 2021) == {"D", "M2"}  # split
    assert land.later("C", 2022) == {"C"}
    assert land.later("R", 2019) == {"T"}
    assert land.later("K", 2021) == {"T"}
    assert land.later("M", 2000) == {"M"}


def test_answers_are_remembered_per_number_and_year() -> None:
    # one Land asked many questions in turn (the cache is keyed by number and year)
    land = Land(SMALL)
    asked = [(c, y) for c in ("M", "N", "A", "T", "M2") for y in (2019, 2021, 2023)]
    first = [(land.earlier(c, y), land.later(c, y)) for c, y in asked]
    again = [(land.earlier(c, y), land.later(c, y)) for c, y in reversed(asked)]
    assert first == list(reversed(again))
    assert first[:3] == [({"A", "B"}, {"M"}), ({"N"}, {"M"}), ({"N"}, {"M"})]
    assert first[3:6] == [({"A", "B"}, {"M"}), ({"N"}, {"M"}), ({"N"}, {"M"})]
    assert first[6:9] == [({"A"}, {"M"}), ({"A"}, {"A"}), ({"A"}, {"A"})]


def test_parts_are_under_todays_numbers_with_the_split_marked() -> None:
    land = Land(SMALL)
    assert land.parts("M", 2019) == (("A", "B"), False)
    # N in 2023 is today's M (renumbered): the part is named by today's number
    assert land.parts("M", 2023) == (("M",), False)
    assert land.parts("M", 2024) == (("M",), False)
    # M2 2021: C also became D, so C's figures cannot be added up: a split
    assert land.parts("M2", 2021) == (("C", "E"), True)
    assert land.parts("D", 2021) == (("C",), True)
    # R (2019) is today's T (renumbered): both parts under today's numbers
    assert land.parts("T", 2019) == (("K", "T"), False)
    assert land.parts("T", 2021) == (("K", "T"), False)
    assert land.parts("T", 2022) == (("T",), False)


def test_continued_without_a_region_table() -> None:
    land = Land(SMALL)
    # T: renumbered from R in 2020, then K merged in 2022 (one part: T itself was the other)
    assert land.continued("T", 2021) is True
    assert land.continued("T", 2020) is True  # the renumbering of 2020 is not later than 2020
    assert land.continued("T", 2019) is False  # a number given by a later renumbering
    # N: two numbers merged in (A and B): N is new
    assert land.continued("N", 2019) is False
    # no change after the year: the number was in use as itself (T after K came in, A before
    # it was merged away, a number the succession never names)
    assert land.continued("T", 2023) is True
    assert land.continued("A", 2019) is True
    assert land.continued("Z", 2015) is True
    # the first later change decides: X took in P in 2020 (X continued), Q and S in 2022
    two = Land(
        _succession(("P", "X", 2020, "merged"), ("Q", "X", 2022, "merged"), ("S", "X", 2022, "merged"))
    )
    assert two.continued("X", 2019) is True
    assert two.earlier("X", 2019) == {"P", "Q", "S", "X"}
    assert two.continued("X", 2021) is False  # from 2022 on: two numbers merged in, X new
    assert two.earlier("X", 2021) == {"Q", "S"}
    # a split is no merger: one split part gives no continuation
    split = Land(_succession(("P", "X", 2020, "split")))
    assert split.continued("X", 2019) is False
    assert split.earlier("X", 2019) == {"P"}


def test_continued_with_a_region_table_reads_the_years_of_validity() -> None:
    succession = _succession(("A", "N", 2020, "merged"))
    # without the table: one number merged in, so N itself was the other part
    assert Land(succession).earlier("N", 2019) == {"A", "N"}
    assert Land(succession).parts("N", 2019) == (("A", "N"), False)
    # the table says N was new in 2020: A alone
    new = Land(succession, _regions(("A", None, 2019.0), ("N", 2020.0, None)))
    assert new.continued("N", 2019) is False
    assert new.earlier("N", 2019) == {"A"}
    assert new.parts("N", 2019) == (("A",), False)
    # both ends of a period of validity count, and open ends are open
    table = Land(succession, _regions(("N", 2015.0, 2019.0), ("O", None, None)))
    assert [table.continued("N", y) for y in (2014, 2015, 2016, 2018, 2019, 2020)] == [
        False,
        True,
        True,
        True,
        True,
        False,
    ]
    assert table.continued("O", 0) is True and table.continued("O", 10000) is False
    assert table.continued("O", 9999) is True
    # a number in use in two periods: in use in either
    twice = Land(succession, _regions(("N", 2000.0, 2005.0), ("N", 2010.0, None)))
    assert [twice.continued("N", y) for y in (1999, 2003, 2007, 2012)] == [False, True, False, True]
    # the region table as read from text, with missing ends
    text = _regions(("N", "2015", "2019"), ("A", "", "2019")).replace("", None)
    assert Land(succession, text).continued("N", 2019) is True


def test_a_number_given_by_a_later_renumbering_was_not_in_use_whatever_the_table_says() -> None:
    # the table calls T open-ended (as for a reused number), but R was renumbered T in 2020
    land = Land(_succession(("R", "T", 2020, "renumbered")), _regions(("T", None, None)))
    assert land.continued("T", 2019) is False
    assert land.earlier("T", 2019) == {"R"}
    assert land.continued("T", 2020) is True


def test_the_mapping_follows_renumberings_only() -> None:
    assert Land(SMALL).mapping == {"N": "M", "R": "T"}


REAL = read_bundled_csv("region_succession.csv")
REAL_REGIONS = read_bundled_csv("regions.csv")


@pytest.mark.parametrize("regions", [REAL_REGIONS, None], ids=["with-regions", "without"])
def test_the_real_succession(regions: pd.DataFrame | None) -> None:
    land = Land(REAL, regions)
    # Asker: 0220, 0627, 0628 merged into 3025 in 2020; 3025 renumbered 3203 in 2024
    assert land.earlier("3203", 2019) == {"0220", "0627", "0628"}
    assert land.earlier("3203", 2023) == {"3025"}
    assert land.parts("3203", 2019) == (("0220", "0627", "0628"), False)
    assert land.parts("3203", 2022) == (("3203",), False)
    assert land.later("0627", 2019) == {"3203"}
    # Bærum: 0219 -> 3024 (2020) -> 3201 (2024), same land
    assert land.earlier("3201", 2019) == {"0219"}
    assert land.later("0219", 2019) == {"3201"}
    assert land.parts("3201", 2019) == (("3201",), False)
    # Ålesund 1507 (2020-2023) split into 1508 and 1580 in 2024
    assert land.later("1507", 2023) == {"1508", "1580"}
    assert land.parts("1508", 2023) == (("1507",), True)
    # Trondheim: 1601 renumbered 5001 in 2018, took in 5030 Klæbu (1662 before 2018) in 2020
    assert land.continued("5001", 2019) is True
    assert land.earlier("5001", 2019) == {"5001", "5030"}
    assert land.earlier("5001", 2017) == {"1601", "1662"}
    assert land.parts("5001", 2017) == (("5001", "5030"), False)
    # Snillfjord 5012 was divided between three municipalities in 2020
    assert land.later("5012", 2019) == {"5055", "5056", "5059"}
    assert land.parts("5056", 2019)[1] is True
