"""Membership of the KOSTRA groups (EKG01-EKG17) for the bundle.

SSB publishes the membership in KLASS (correspondence 2840), which the live
fetch reads. Offline, only the memberships in ``catalog/kostra_groups_known.csv``
are real; every other municipality is placed by a documented rule so that the
groups have plausible members: the population band of its group (real, from
SSB's population figures) and, where a band holds several groups split by bound
costs and free income (which the bundle does not have), a seeded draw that
keeps each group's published size. Such memberships are tagged ``demodata``.
"""

from __future__ import annotations

from importlib import resources
from io import StringIO

import numpy as np
import pandas as pd

# Population bands of the 2020 grouping: (lowest, highest) -> {group: published size}.
BANDS: tuple[tuple[int, int, dict[str, int]], ...] = (
    (0, 599, {"EKG16": 8}),
    (600, 1999, {"EKG14": 25, "EKG15": 36}),
    (2000, 9999, {"EKG01": 40, "EKG02": 18, "EKG03": 9, "EKG04": 39, "EKG05": 33, "EKG06": 28}),
    (10000, 19999, {"EKG07": 38, "EKG08": 13}),
    (20000, 29999, {"EKG09": 27}),
    (30000, 44999, {"EKG10": 13}),
    (45000, 74999, {"EKG11": 10}),
    (75000, 10**9, {"EKG12": 11}),
)
HIGH_TAX_GROUP = "EKG17"
HIGH_TAX_SIZE = 8


def known_memberships() -> pd.DataFrame:
    text = resources.files("kostra.catalog").joinpath("kostra_groups_known.csv").read_text("utf-8")
    return pd.read_csv(StringIO(text), dtype=str)


def assign_kostra_groups(population_2024: pd.Series, seed: int) -> pd.DataFrame:
    """Return code, group, source for every municipality in ``population_2024``."""
    rng = np.random.default_rng([seed, 112])
    known = known_memberships().set_index("code")["group"]
    assigned: dict[str, tuple[str, str]] = {c: (g, "klass-112") for c, g in known.items()}
    assigned["0301"] = ("EKG13", "klass-112")
    small = [c for c in population_2024.index if population_2024[c] < 10000 and c not in assigned]
    for code in rng.choice(sorted(small), size=HIGH_TAX_SIZE, replace=False):
        assigned[str(code)] = (HIGH_TAX_GROUP, "demodata")
    for low, high, sizes in BANDS:
        in_band = sorted(c for c, p in population_2024.items() if low <= p <= high and c not in assigned)
        groups = list(sizes)
        shares = np.array([sizes[g] for g in groups], dtype=float)
        picks = rng.choice(len(groups), size=len(in_band), p=shares / shares.sum())
        for code, pick in zip(in_band, picks, strict=True):
            assigned[code] = (groups[int(pick)], "demodata")
    rows = [(code, group, source) for code, (group, source) in sorted(assigned.items())]
    return pd.DataFrame(rows, columns=["code", "group", "source"])
