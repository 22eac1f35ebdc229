"""Numbers the Norwegian way: "1 552 889", "93,0", "1,076", "−3,2".

Rounding is half up (as published reports round: 112,5 -> 113), not Python's
half-to-even. Thousands are separated by a no-break space so a number never
wraps; the minus sign is U+2212, as in Norwegian typesetting (Unicode CLDR's
nb locale). Babel would do the same, but rounds half-to-even by default;
these few lines keep the rule explicit. Missing figures show SSB's symbol.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["MINUS", "NBSP", "format_nb", "format_plain", "is_missing", "round_half_up"]

NBSP = "\u00a0"
MINUS = "\u2212"


def is_missing(value: object) -> bool:
    """None, NaN or infinite: nothing a person can read as a number."""
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def round_half_up(value: float, decimals: int) -> Decimal:
    # repr() gives the shortest decimal that round-trips, so 0.285 stays 0.285
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def format_plain(value: float | None, decimals: int) -> str:
    """Machine form for CSV: point as decimal mark, no grouping, empty if missing."""
    if is_missing(value):
        return ""
    assert value is not None
    return f"{round_half_up(value, decimals):f}"


def format_nb(value: float | None, decimals: int, missing: str = "..") -> str:
    """Norwegian form for people."""
    if is_missing(value):
        return missing
    assert value is not None
    text = f"{round_half_up(value, decimals):f}"
    negative = text.startswith("-")
    digits = text.lstrip("-")
    whole, _, fraction = digits.partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    out = NBSP.join(groups) + ("," + fraction if fraction else "")
    if negative and any(ch not in "0," + NBSP for ch in out):
        out = MINUS + out
    return out
