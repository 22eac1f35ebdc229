"""Fixed prices with the municipal sector deflator (:mod:`kostra.analysis.deflate`), by hand."""

from __future__ import annotations

import pytest

from kostra.analysis.deflate import deflated_span, price_factors
from kostra.catalog import DeflatorYear
from kostra.errors import ParameterError


def _year(year: int, growth_pct: float) -> DeflatorYear:
    return DeflatorYear(year=year, growth_pct=growth_pct, status="endelig", vintage="test", source="test")


# Growth 2021-2023, deliberately not in year order: 2021 +3 %, 2022 +5 %, 2023 +4 %.
DEFLATOR = [_year(2022, 5.0), _year(2023, 4.0), _year(2021, 3.0)]


def test_the_span_reaches_from_the_year_before_the_first_growth_to_the_last() -> None:
    # The growth of 2021 links 2020 and 2021, so 2020 kroner can be put in 2023 prices.
    assert deflated_span(DEFLATOR) == (2020, 2023)


def test_earlier_kroner_are_raised_by_each_years_growth_up_to_the_base_year() -> None:
    factors = price_factors(DEFLATOR, 2023, [2020, 2021, 2022, 2023])
    assert factors == pytest.approx(
        {
            2020: 1.03 * 1.05 * 1.04,  # = 1.12476
            2021: 1.05 * 1.04,  # = 1.092
            2022: 1.04,
            2023: 1.0,  # the base year's own kroner are left as they are
        },
        rel=1e-12,
    )
    assert factors[2020] == pytest.approx(1.12476, rel=1e-12)


def test_later_kroner_are_lowered_to_an_earlier_base_year() -> None:
    # 2023 kroner in 2021 prices: divided by the growth of 2022 and 2023, 1 / 1.092 = 0.915750...
    # 2020 kroner in 2021 prices: raised by 2021's growth, 1.03
    factors = price_factors(DEFLATOR, 2021, [2023, 2021, 2020])
    assert factors == pytest.approx({2023: 1 / 1.092, 2021: 1.0, 2020: 1.03}, rel=1e-12)
    assert factors[2023] == pytest.approx(0.915750915750, rel=1e-9)


def test_a_year_outside_the_deflator_is_refused_with_the_span_that_works() -> None:
    with pytest.raises(ParameterError) as later_base:
        price_factors(DEFLATOR, 2024, [2022])
    assert str(later_base.value) == (
        "kostra kan regne faste priser for 2020–2023, ikke 2022 i 2024-priser "
        "(katalogens deflator mangler 2024); velg år innenfor 2020–2023"
    )
    with pytest.raises(ParameterError) as earlier_year:
        price_factors(DEFLATOR, 2023, [2021, 2019])
    assert str(earlier_year.value) == (
        "kostra kan regne faste priser for 2020–2023, ikke 2019 i 2023-priser "
        "(katalogens deflator mangler 2020); velg år innenfor 2020–2023"
    )
