"""Similar municipalities (:func:`kostra.analysis.similar.compute_similar`) on numbers worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from kostra.analysis.similar import compute_similar

# Four municipalities, two criteria and one that is the same everywhere.
#   a = 0, 1, 3, 7: mean 2.75, deviations -2.75 -1.75 0.25 4.25,
#       variance (7.5625 + 3.0625 + 0.0625 + 18.0625) / 4 = 28.75 / 4 = 7.1875
#   b = 0, 0, 0, 4: mean 1, variance (1 + 1 + 1 + 9) / 4 = 3
#   k = 5 everywhere: no spread, so it must count for nothing (not divide by zero)
# Distances from A (a = 0, b = 0):
#   B: sqrt(1^2 / 7.1875)                  = sqrt(0.139130)  = 0.373002
#   C: sqrt(3^2 / 7.1875)                  = sqrt(1.252174)  = 1.119006
#   D: sqrt(7^2 / 7.1875 + 4^2 / 3)        = sqrt(6.817391 + 5.333333) = sqrt(12.150725) = 3.485789
CRITERIA = pd.DataFrame(
    {"a": [0.0, 1.0, 3.0, 7.0], "b": [0.0, 0.0, 0.0, 4.0], "k": [5.0, 5.0, 5.0, 5.0]},
    index=["A", "B", "C", "D"],
)
BY_HAND = [(1 / 7.1875) ** 0.5, (9 / 7.1875) ** 0.5, (49 / 7.1875 + 16 / 3) ** 0.5]


def test_distances_are_euclidean_over_z_scores_by_hand() -> None:
    found = compute_similar(CRITERIA, "A", 3)
    assert list(found["region_code"]) == ["B", "C", "D"]
    assert found["distance"].tolist() == pytest.approx(BY_HAND, rel=1e-12)
    assert found["distance"].tolist() == pytest.approx([0.373002, 1.119006, 3.485789], abs=1e-6)


def test_a_criterion_without_spread_counts_for_nothing() -> None:
    without_k = compute_similar(CRITERIA.drop(columns="k"), "A", 3)
    with_k = compute_similar(CRITERIA, "A", 3)
    assert with_k["distance"].tolist() == pytest.approx(without_k["distance"].tolist(), rel=1e-12)


def test_a_criterion_in_large_numbers_gives_the_same_distances() -> None:
    # The same a shifted by 10^11 (kroner rather than thousands, say): z-scores are taken around
    # the mean, so the shift cancels exactly; adding the mean instead would lose the small
    # differences to rounding at 2 * 10^11 (a float step there is 2^-15, about 3e-5).
    shifted = CRITERIA.assign(a=CRITERIA["a"] + 1e11)
    found = compute_similar(shifted, "A", 3)
    assert found["distance"].tolist() == pytest.approx(BY_HAND, rel=1e-12)


def test_ten_nearest_by_default_and_the_subject_is_never_among_them() -> None:
    # 13 municipalities at x = 0, 1, ..., 12; from the one at 0 the nearest are 1, 2, ..., 10.
    codes = [f"{n:04d}" for n in range(13)]
    criteria = pd.DataFrame({"x": [float(n) for n in range(13)]}, index=codes)
    found = compute_similar(criteria, "0000")
    assert list(found["region_code"]) == codes[1:11]


def test_equally_near_municipalities_keep_their_order() -> None:
    # 20 municipalities exactly as far from the subject (x = 1, the subject at 0) and one nearer
    # (x = 0.5) given last: a stable sort puts the nearer one first and keeps the 20 in the order
    # given, so the list does not shuffle between runs or versions (numpy's quicksort does
    # shuffle ties among more than 16 elements).
    codes = [f"{n:04d}" for n in range(3020, 3000, -1)]  # deliberately not in sorted order
    criteria = pd.DataFrame({"x": [0.0] + [1.0] * 20 + [0.5]}, index=["0301", *codes, "3301"])
    found = compute_similar(criteria, "0301", 21)
    assert list(found["region_code"]) == ["3301", *codes]


def test_a_subject_without_all_criteria_is_a_key_error_naming_it() -> None:
    criteria = CRITERIA.assign(b=[None, 0.0, 0.0, 4.0])  # A lacks b, so it cannot be compared
    with pytest.raises(KeyError) as raised:
        compute_similar(criteria, "A")
    assert raised.value.args == ("A",)
