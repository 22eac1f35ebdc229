"""Data envelopment analysis: input-oriented, variable returns to scale (BCC).

For each unit o, the smallest θ such that a convex combination of all units
uses at most θ times o's inputs and produces at least o's outputs::

    min θ  s.t.  Σ λ_j x_ij <= θ x_io,  Σ λ_j y_rj >= y_ro,  Σ λ_j = 1,  λ >= 0

θ = 1 is on the frontier. The units with λ_j > 0 are o's peers. Solved with
scipy's HiGHS.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linprog

__all__ = ["compute_dea"]


def compute_dea(inputs: pd.DataFrame, outputs: pd.DataFrame, returns: str = "variable") -> pd.DataFrame:
    """inputs, outputs: one row per unit (same index), one column per input/output.

    Units with any missing or non-positive input are left out. Returns
    region_code (the index), efficiency, peers (comma-separated) and peer weights.
    """
    both = pd.concat([inputs.add_prefix("in:"), outputs.add_prefix("out:")], axis=1, join="inner").dropna()
    x_columns = [c for c in both.columns if c.startswith("in:")]
    y_columns = [c for c in both.columns if c.startswith("out:")]
    data = both[(both[x_columns] > 0).all(axis=1)]
    x = data[x_columns].to_numpy(dtype=float).T  # inputs x units
    y = data[y_columns].to_numpy(dtype=float).T  # outputs x units
    n = x.shape[1]
    names = list(data.index)
    rows = []
    for o in range(n):
        # variables: θ, λ_1..λ_n
        c = np.zeros(n + 1)
        c[0] = 1.0
        a_inputs = np.hstack([-x[:, [o]], x])
        a_outputs = np.hstack([np.zeros((y.shape[0], 1)), -y])
        a_ub = np.vstack([a_inputs, a_outputs])
        b_ub = np.concatenate([np.zeros(x.shape[0]), -y[:, o]])
        a_eq = np.hstack([[0.0], np.ones(n)]).reshape(1, -1) if returns == "variable" else None
        b_eq = np.array([1.0]) if returns == "variable" else None
        bounds = [(0, None)] * (n + 1)
        result = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if not result.success:
            rows.append((names[o], np.nan, "", ""))
            continue
        weights = result.x[1:]
        peers = [(names[j], weights[j]) for j in np.flatnonzero(weights > 1e-6)]
        rows.append(
            (
                names[o],
                float(result.x[0]),
                ",".join(p for p, _ in peers),
                ",".join(f"{w:.3f}" for _, w in peers),
            )
        )
    return pd.DataFrame(rows, columns=["region_code", "efficiency", "peers", "peer_weights"])
