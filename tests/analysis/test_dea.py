"""DEA (input-oriented, VRS and CRS) on hand-solved examples: whole result frames."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import kostra.analysis.dea as dea_module
from kostra.analysis.dea import compute_dea

COLUMNS = ["region_code", "efficiency", "peers", "peer_weights"]


def _frame(rows: list[tuple[str, float, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


def _textbook() -> tuple[pd.DataFrame, pd.DataFrame]:
    # One input x, one output y: A (2, 1), B (3, 3), C (6, 4), D (9, 4), E (4, 2).
    inputs = pd.DataFrame({"x": [2.0, 3.0, 6.0, 9.0, 4.0]}, index=list("ABCDE"))
    outputs = pd.DataFrame({"y": [1.0, 3.0, 4.0, 4.0, 2.0]}, index=list("ABCDE"))
    return inputs, outputs


def test_dea_textbook_example_variable_returns() -> None:
    # VRS (Σλ = 1): A, B and C span the frontier, each its own only peer (A has the least
    # input; only a mix heavy in C reaches B's output 3, and that needs more than 3 of input;
    # only C and D reach 4, C with less).
    # D (9, 4): C makes 4 with 6 -> θ = 6 / 9 = 0.666667, peer C with λ 1.
    # E (4, 2): on the segment A-B, λ_A * 1 + λ_B * 3 = 2 with λ_A + λ_B = 1 -> 0.5 / 0.5;
    # input 0.5 * 2 + 0.5 * 3 = 2.5 -> θ = 2.5 / 4 = 0.625. (A-C: λ_C = 1/3 -> 3.33, worse.)
    inputs, outputs = _textbook()
    expected = _frame(
        [
            ("A", 1.0, "A", "1.000"),
            ("B", 1.0, "B", "1.000"),
            ("C", 1.0, "C", "1.000"),
            ("D", 6 / 9, "C", "1.000"),
            ("E", 0.625, "A,B", "0.500,0.500"),
        ]
    )
    # variable returns is the default
    pd.testing.assert_frame_equal(compute_dea(inputs, outputs), expected)
    pd.testing.assert_frame_equal(compute_dea(inputs, outputs, returns="variable"), expected)


def test_dea_textbook_example_constant_returns() -> None:
    # CRS (λ >= 0, no Σλ = 1): B has the best output per input (3 / 3 = 1) and is everyone's peer.
    #   A: λ_B * 3 >= 1 -> λ_B = 1/3, input 1 <= 2θ -> θ = 0.5
    #   C: λ_B = 4/3, input 4 <= 6θ -> θ = 0.666667;  D: λ_B = 4/3, 4 <= 9θ -> θ = 0.444444
    #   E: λ_B = 2/3, input 2 <= 4θ -> θ = 0.5
    inputs, outputs = _textbook()
    expected = _frame(
        [
            ("A", 0.5, "B", "0.333"),
            ("B", 1.0, "B", "1.000"),
            ("C", 4 / 6, "B", "1.333"),
            ("D", 4 / 9, "B", "1.333"),
            ("E", 0.5, "B", "0.667"),
        ]
    )
    pd.testing.assert_frame_equal(compute_dea(inputs, outputs, returns="constant"), expected)


def test_dea_two_inputs_and_two_outputs() -> None:
    # Inputs (x1, x2), outputs (y1, y2); VRS.
    #   F (2, 4) -> (1, 1);  G (4, 2) -> (1, 1);  H (4, 4) -> (1, 1);  K (6, 6) -> (2, 2)
    # H: the half-half mix of F and G uses (3, 3) for (1, 1): θ = 3 / 4 = 0.75. Only K reaches
    # output 2, so K is its own peer; F and G are on the frontier (each has the least of one input).
    inputs = pd.DataFrame({"x1": [2.0, 4.0, 4.0, 6.0], "x2": [4.0, 2.0, 4.0, 6.0]}, index=list("FGHK"))
    outputs = pd.DataFrame({"y1": [1.0, 1.0, 1.0, 2.0], "y2": [1.0, 1.0, 1.0, 2.0]}, index=list("FGHK"))
    expected = _frame(
        [
            ("F", 1.0, "F", "1.000"),
            ("G", 1.0, "G", "1.000"),
            ("H", 0.75, "F,G", "0.500,0.500"),
            ("K", 1.0, "K", "1.000"),
        ]
    )
    pd.testing.assert_frame_equal(compute_dea(inputs, outputs), expected)


def test_dea_leaves_out_units_without_usable_figures_and_keeps_the_input_order() -> None:
    # Kept, in the inputs' order: R (2, 2), Q (1, 2), P (0.5, 1) (an input below 1 is still
    # positive). Left out: Z (input 0), M (input -1), N (no output), I (no output row),
    # O (no input row).
    # P has the least input: efficient. Only Q and R make 2; Q with 1: Q efficient,
    # R: θ = 1 / 2 = 0.5 with peer Q.
    inputs = pd.DataFrame(
        {"x": [2.0, 1.0, 0.5, 0.0, -1.0, 1.0, 1.0]}, index=["R", "Q", "P", "Z", "M", "N", "I"]
    )
    outputs = pd.DataFrame(
        {"y": [1.0, 2.0, 2.0, 5.0, 9.0, np.nan, 3.0]}, index=["P", "Q", "R", "Z", "M", "N", "O"]
    )
    expected = _frame(
        [
            ("R", 0.5, "Q", "1.000"),
            ("Q", 1.0, "Q", "1.000"),
            ("P", 1.0, "P", "1.000"),
        ]
    )
    pd.testing.assert_frame_equal(compute_dea(inputs, outputs), expected)


def test_a_unit_the_solver_cannot_place_gets_no_score_and_the_others_go_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The solver fails for the second unit (B) only: B has no efficiency and no peers, and A, C,
    # D, E still get theirs (as in the textbook example above).
    calls: list[int] = []
    real = dea_module.linprog

    def failing_for_b(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 2:
            return SimpleNamespace(success=False, x=None)
        return real(*args, **kwargs)

    monkeypatch.setattr(dea_module, "linprog", failing_for_b)
    inputs, outputs = _textbook()
    expected = _frame(
        [
            ("A", 1.0, "A", "1.000"),
            ("B", np.nan, "", ""),
            ("C", 1.0, "C", "1.000"),
            ("D", 6 / 9, "C", "1.000"),
            ("E", 0.625, "A,B", "0.500,0.500"),
        ]
    )
    pd.testing.assert_frame_equal(compute_dea(inputs, outputs), expected)
    assert len(calls) == 5
