"""Which municipalities of an earlier year today's land was, and what a municipality
of an earlier year has become: the succession of renumberings, mergers and splits
(KLASS 131) read as edges old -> new, each dated by the year it took effect (1 January).

Both the weights on a year's own borders (:mod:`kostra.analysis.weights`) and the
back-series of merged municipalities (:mod:`kostra.analysis.mergers`) rest on these
answers, so they are made in one place.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from kostra.analysis.regions import canonical_codes

__all__ = ["Land"]


class Land:
    """The succession as a graph, with the region table's years of validity when known."""

    def __init__(self, succession: pd.DataFrame, regions: pd.DataFrame | None = None) -> None:
        self.onward: dict[str, list[tuple[str, int]]] = defaultdict(list)
        self.backward: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
        for old, new, year, kind in zip(
            succession["old_code"],
            succession["new_code"],
            succession["year"],
            succession["kind"],
            strict=True,
        ):
            self.onward[str(old)].append((str(new), int(year)))
            self.backward[str(new)].append((str(old), int(year), str(kind)))
        self.mapping = canonical_codes(succession)
        self.valid: dict[str, list[tuple[float, float]]] = defaultdict(list)
        if regions is not None:
            for code, start, end in zip(
                regions["code"],
                pd.to_numeric(regions["valid_from"]).fillna(0).astype(float),
                pd.to_numeric(regions["valid_to"]).fillna(9999).astype(float),
                strict=True,
            ):
                self.valid[str(code)].append((start, end))
        self._earlier: dict[tuple[str, int], frozenset[str]] = {}
        self._later: dict[tuple[str, int], frozenset[str]] = {}

    def continued(self, code: str, year: int) -> bool:
        """Whether ``code`` was itself a municipality in ``year`` although other numbers
        were later merged into it (5001 Trondheim, 2018-, took in 5030 Klæbu in 2020)."""
        later = [(when, kind) for _, when, kind in self.backward.get(code, ()) if when > year]
        if any(kind == "renumbered" for _, kind in later):
            return False  # a number given by a later renumbering was not in use before it
        if code in self.valid:
            return any(start <= year <= end for start, end in self.valid[code])
        if not later:  # no later change made this number: it was in use as itself
            return True
        # Without the region table: a merger has at least two parts, so a single number
        # merged into ``code`` means ``code`` itself was the other one.
        first = min(when for when, _ in later)
        return [kind for when, kind in later if when == first] == ["merged"]

    def earlier(self, code: str, year: int) -> frozenset[str]:
        """The municipalities of ``year`` (their numbers then) whose land ``code`` holds."""
        key = (code, year)
        if key not in self._earlier:
            before = [old for old, when, _ in self.backward.get(code, ()) if when > year]
            if not before:
                found = frozenset({code})
            else:
                found = frozenset().union(*(self.earlier(old, year) for old in before))
                if self.continued(code, year):
                    found |= {code}
            self._earlier[key] = found
        return self._earlier[key]

    def later(self, code: str, year: int) -> frozenset[str]:
        """The numbers that ``code`` (as it was in ``year``) has become by now."""
        key = (code, year)
        if key not in self._later:
            after = [new for new, when in self.onward.get(code, ()) if when > year]
            self._later[key] = (
                frozenset().union(*(self.later(new, year) for new in after)) if after else frozenset({code})
            )
        return self._later[key]

    def parts(self, code: str, year: int) -> tuple[tuple[str, ...], bool]:
        """``code``'s parts in ``year`` under today's numbers (renumberings followed), and
        whether any of them also became another municipality (a split)."""
        then = self.earlier(code, year)
        split = any(self.later(part, year) != {code} for part in then)
        return tuple(sorted({self.mapping.get(p, p) for p in then})), split
