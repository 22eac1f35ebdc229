"""Factual bokmål commentary generated from the numbers only.

The sentences published KOSTRA reports carry under each table: the position
against the group ("Bærum ligger 6 prosent under ASSS-snittet"), the change
since last year (percent for amounts, "prosentpoeng" for shares), the rank in
the group, a comparison with a chosen peer, and the data-quality flags.
Differences are computed from the figures as shown (rounded to each
indicator's decimals), so the text agrees with the table beside it. The
wording varies with size and direction ("nesten 35 prosent over", "drøyt 6
prosent under", "på nivå med"); no sentence claims a cause.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from kostra.formatting import format_nb, is_missing, round_half_up

__all__ = [
    "GroupWords",
    "change_phrase",
    "describe_difference",
    "efficiency_sentence",
    "group_words",
    "indicator_sentences",
    "need_adjusted_sentence",
    "position_sentence",
    "resource_use_sentence",
]

# Units that read as a noun after the number keep it ("3,2 timer"); "antall", "indeks" and
# "skår" do not ("2,7 antall" is not Norwegian), so the number stands alone.
_UNIT_WORDS = {
    "kroner": "kroner",
    "prosent": "prosent",
    "timer": "timer",
    "indeks": "",
    "antall": "",
    "skår": "",
}


@dataclass(frozen=True)
class GroupWords:
    average: str  # "ASSS-snittet"
    within: str  # "i ASSS-nettverket"


def group_words(group_id: str, group_name: str) -> GroupWords:
    if group_id in ("asss", "asss10"):
        return GroupWords("ASSS-snittet", "i ASSS-nettverket")
    if group_id == "landet":
        return GroupWords("landsgjennomsnittet", "i landet")
    return GroupWords(f"snittet for {group_name}", f"i {group_name}")


def _shown(value: float, decimals: int) -> float:
    return float(round_half_up(value, decimals))


def describe_difference(percent: float) -> str:
    """'nesten 35 prosent over', 'drøyt 6 prosent under', '14 prosent over', 'på nivå med'."""
    size = abs(percent)
    whole = int(Decimal(repr(size)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if whole == 0:
        return "på nivå med"
    gap = size - whole
    qualifier = "nesten " if gap <= -0.25 else "drøyt " if gap >= 0.25 else ""
    return f"{qualifier}{whole} prosent {'over' if percent > 0 else 'under'}"


def _relative(value: float, reference: float, decimals: int) -> float | None:
    shown, base = _shown(value, decimals), _shown(reference, decimals)
    if base == 0:
        return None
    return (shown / base - 1.0) * 100.0


def position_sentence(
    name: str, value: float, average: float, decimals: int, words: GroupWords
) -> str | None:
    if is_missing(value) or is_missing(average):
        return None
    percent = _relative(value, average, decimals)
    if percent is None:
        return None
    phrase = describe_difference(percent)
    return f"{name} ligger {phrase} {words.average}."


def change_phrase(value: float, previous: float, unit: str, decimals: int, previous_year: int) -> str | None:
    if is_missing(value) or is_missing(previous):
        return None
    if unit == "prosent":
        change = _shown(value, decimals) - _shown(previous, decimals)
        # a share shown with 2 decimals changes by hundredths of a point: 0,33 -> 0,37 is 0,04
        amount, unit_word = format_nb(abs(change), max(1, decimals)), "prosentpoeng"
    else:
        relative = _relative(value, previous, decimals)
        if relative is None:
            return None
        change = relative
        amount, unit_word = format_nb(abs(change), 1), "prosent"
    if not amount.strip("0,"):  # "0,0", "0,00": no change as shown
        return f"uendret fra {previous_year}"
    direction = "en økning" if change > 0 else "en nedgang"
    return f"{direction} på {amount} {unit_word} fra {previous_year}"


def _value_text(value: float, unit: str, decimals: int) -> str:
    word = _UNIT_WORDS.get(unit, unit)
    return f"{format_nb(value, decimals)}{' ' + word if word else ''}"


def _number(row: dict[str, object], key: str) -> float:
    """A row's number, NaN where the row has none."""
    value = row.get(key)
    return float(value) if isinstance(value, int | float) else float("nan")


def _rank_sentence(rank: int, of: int, words: GroupWords) -> str | None:
    if of < 3:
        return None
    if rank == 1:
        return f"Det er høyest {words.within}."
    if rank == of:
        return f"Det er lavest {words.within}."
    if rank == 2:
        return f"Det er nest høyest {words.within}."
    if rank == of - 1:
        return f"Det er nest lavest {words.within}."
    return f"Det er nummer {rank} av {of} {words.within}, regnet fra høyeste verdi."


def indicator_sentences(
    row: dict[str, object],
    name: str,
    year: int,
    words: GroupWords,
    peers: Sequence[tuple[str, float]] = (),
    flags: Sequence[str] = (),
) -> list[str]:
    """Sentences for one indicator row of a profile (with ``rank``/``ranked`` if known)."""
    decimals = int(_number(row, "decimals"))
    unit = str(row["unit"])
    value = _number(row, str(year))
    if is_missing(value):
        return [f"{name} har ikke tall for {year}.", *flags]
    sentence = f"{name} hadde {_value_text(value, unit, decimals)} i {year}"
    change = change_phrase(value, _number(row, str(year - 1)), unit, decimals, year - 1)
    out = [sentence + (f", {change}." if change else ".")]
    position = position_sentence(name, value, _number(row, "group_average"), decimals, words)
    if position:
        out.append(position)
    rank, ranked = _number(row, "rank"), _number(row, "ranked")
    rank_text = None if is_missing(rank) else _rank_sentence(int(rank), int(ranked), words)
    if rank_text:
        out.append(rank_text)
    for peer, peer_value in peers:
        if is_missing(peer_value):
            continue
        percent = _relative(peer_value, value, decimals)
        if percent is not None:
            out.append(
                f"{peer} har {_value_text(peer_value, unit, decimals)}, "
                f"{describe_difference(percent)} {name}."
            )
    out.extend(flags)
    return out


def resource_use_sentence(name: str, sector: str, indicator: float, words: GroupWords) -> str | None:
    if is_missing(indicator):
        return None
    percent = (_shown(indicator, 3) - 1.0) * 100.0
    if abs(percent) < 0.05:
        return (
            f"Korrigert for utgiftsbehov bruker {name} like mye ressurser på {sector} som "
            f"{words.average} (ressursbruksindikator {format_nb(indicator, 3)})."
        )
    more = "mer" if percent > 0 else "mindre"
    return (
        f"Korrigert for utgiftsbehov bruker {name} {format_nb(abs(percent), 1)} prosent {more} "
        f"ressurser på {sector} enn {words.average} (ressursbruksindikator {format_nb(indicator, 3)})."
    )


def _kroner(amount: float) -> str:
    if abs(amount) >= 1e6:
        return f"{format_nb(abs(amount) / 1e6, 1)} mill. kroner"
    return f"{format_nb(abs(amount), 0)} kroner"


def need_adjusted_sentence(
    name: str, year: int, figures: dict[str, float], words: GroupWords, prices: str
) -> str | None:
    difference = figures.get("difference_per_inhabitant", float("nan"))
    total = figures.get("mer_mindreutgift", float("nan"))
    if is_missing(difference) or is_missing(total):
        return None
    # "The same" exactly when the resource use sentence says so (the indicator shown as
    # 1,000), so the kroner sentence never contradicts the percent one.
    indicator = figures.get("indicator", float("nan"))
    same = _shown(indicator, 3) == 1.0 if not is_missing(indicator) else abs(difference) < 0.5
    if same:
        return f"Justert for utgiftsbehov bruker {name} det samme per innbygger som {words.average} i {year}."
    more = "mer" if difference > 0 else "mindre"
    return (
        f"Justert for utgiftsbehov bruker {name} {format_nb(abs(difference), 0)} kroner {more} per "
        f"innbygger enn {words.average} i {year}, til sammen {_kroner(total)} ({prices})."
    )


def efficiency_sentence(figures: dict[str, float], year: int, group: str) -> str | None:
    production, cost, efficiency = (
        figures.get(k, float("nan")) for k in ("production_index", "cost_index", "efficiency")
    )
    if any(is_missing(v) for v in (production, cost, efficiency)):
        return None
    return (
        f"I {year} er produksjonsindeksen {format_nb(production, 2)}, kostnadsindeksen "
        f"{format_nb(cost, 2)} og effektivitetsindeksen {format_nb(efficiency, 2)} ({group} = 1; "
        f"kostras beregning etter KS' metode)."
    )
