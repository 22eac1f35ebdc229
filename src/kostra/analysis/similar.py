"""Similar municipalities, as Kolada offers in Sweden: the N nearest on structural criteria.

Each criterion is standardised (z-score over all municipalities) and municipalities
are compared by Euclidean distance, so no single criterion dominates because of its
unit. Criteria that are skewed, such as population, should be given on a log scale
(:func:`kostra.comparisons.similar` does so).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["compute_similar"]


def compute_similar(criteria: pd.DataFrame, subject: str, count: int = 10) -> pd.DataFrame:
    """criteria: one row per municipality (index = code), one numeric column per criterion.

    Returns the ``count`` nearest municipalities (not the subject) with their distance.
    """
    data = criteria.dropna()
    if subject not in data.index:
        raise KeyError(subject)
    spread = data.std(ddof=0).replace(0.0, 1.0)
    z = (data - data.mean()) / spread
    distance = np.sqrt(((z - z.loc[subject]) ** 2).sum(axis=1))
    nearest = distance.drop(subject).sort_values(kind="stable").head(count)
    return pd.DataFrame({"region_code": nearest.index, "distance": nearest.to_numpy()})
