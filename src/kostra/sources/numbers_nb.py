"""Counts and seconds in the sources' error messages, written the Norwegian way.

The sources layer sits below :mod:`kostra.formatting` (see tests/test_layers.py),
so these two helpers give the same form for the only numbers its messages show:
"800 000 celler" (no-break space between thousands) and "2,5 s" (decimal comma).
"""

from __future__ import annotations

__all__ = ["amount_nb", "count_nb", "seconds_nb"]

_NBSP = "\u00a0"


def count_nb(count: int) -> str:
    """A whole number with a no-break space between thousands: 800 000."""
    return f"{count:,}".replace(",", _NBSP)


def amount_nb(count: int, one: str, many: str) -> str:
    """A count with its noun in singular or plural: "1 celle", "800 000 celler"."""
    return f"{count_nb(count)} {one if count == 1 else many}"


def seconds_nb(seconds: float) -> str:
    """Seconds with one decimal and a decimal comma: 2,5."""
    return f"{seconds:,.1f}".replace(",", _NBSP).replace(".", ",")
