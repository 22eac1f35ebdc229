"""Norwegian number formatting."""

from __future__ import annotations

import math

import pytest

from kostra.formatting import MINUS, NBSP, format_nb, format_plain


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1552889, 0, "1 552 889"),
        (93.0, 1, "93,0"),
        (1.076, 3, "1,076"),
        (0.876, 3, "0,876"),
        (1659648.4, 0, "1 659 648"),
        (999.5, 0, "1 000"),
        (112.5, 0, "113"),  # half up, as published (not half to even)
        (0.285, 2, "0,29"),
        (-3.24, 1, f"{MINUS}3,2"),
        (-0.04, 1, "0,0"),  # no minus on a zero
        (12, 0, "12"),
    ],
)
def test_format_nb(value: float, decimals: int, expected: str) -> None:
    assert format_nb(value, decimals) == expected.replace(" ", NBSP)


def test_missing_shows_ssb_symbol() -> None:
    assert format_nb(math.nan, 1) == ".."
    assert format_nb(None, 1, missing="") == ""
    assert format_nb(math.inf, 1) == ".." and format_plain(-math.inf, 0) == ""


def test_format_plain_for_csv() -> None:
    assert format_plain(1.09, 3) == "1.090"
    assert format_plain(1552889.0, 0) == "1552889"
    assert format_plain(math.nan, 2) == ""
    assert format_plain(-2.5, 0) == "-3"
