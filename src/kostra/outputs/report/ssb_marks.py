"""Which indicators' averages were checked against SSB's own country figure.

SSB publishes, beside the municipal figures, its own figure for the country (EAK).
When that figure is in the store, kostra recomputes it from the municipal figures
with SSB's weights (:meth:`kostra.api.Session.checked_against_ssb`, details in
``kostra data check``); reproducing it shows that kostra's averages are SSB's. Every
view of an indicator table (report formats, web pages, JSON) marks each indicator with
one of three states, in the same words everywhere:

- ``True``: "kontrollert mot SSB" (✓), kostra finds SSB's figure at SSB's precision;
- ``False``: "avvik fra SSB" (AVVIK), kostra's figure is another;
- ``None``: "ikke kontrollert mot SSB" (–), SSB's figure is not in the store, or it
  could not be recomputed (the reason is in the mark's detail).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from kostra.formatting import format_nb, is_missing

if TYPE_CHECKING:
    from kostra.api import Session

__all__ = [
    "CHECKED",
    "COLUMN",
    "DIFFERS",
    "UNCHECKED",
    "SsbMark",
    "explanation",
    "legend",
    "ssb_marks",
]

CHECKED: Final = "kontrollert mot SSB"
DIFFERS: Final = "avvik fra SSB"
UNCHECKED: Final = "ikke kontrollert mot SSB"
COLUMN: Final = "SSB"  # the heading of the mark's column in every indicator table
SYMBOLS: Final[dict[bool | None, str]] = {True: "✓", False: "AVVIK", None: "–"}
PHRASES: Final[dict[bool | None, str]] = {True: CHECKED, False: DIFFERS, None: UNCHECKED}
COUNTRY: Final = "EAK"


@dataclass(frozen=True)
class SsbMark:
    """One indicator's state against SSB's country figure for one year."""

    checked: bool | None
    detail: str = ""

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.checked]

    @property
    def phrase(self) -> str:
        return PHRASES[self.checked]

    @property
    def title(self) -> str:
        """The phrase with its detail, for a tooltip or a source column."""
        return f"{self.phrase}: {self.detail}" if self.detail else self.phrase


def legend(year: int) -> str:
    """The symbols, for the note under each indicator table."""
    return (
        f"{COLUMN}: {SYMBOLS[True]} = {CHECKED}, {SYMBOLS[False]} = {DIFFERS}, "
        f"{SYMBOLS[None]} = {UNCHECKED} (landssnittet {year})."
    )


def explanation(year: int) -> str:
    """What was checked, once per report or page."""
    return (
        f"Kontroll mot SSB: Der SSBs eget tall for landet {year} er lest inn, regner kostra det ut på "
        "nytt fra kommunenes tall, vektet som SSB vekter (innbyggerne tallet gjelder, ved utgangen "
        "av året), med samme metode som kostras gruppesnitt, og sammenligner på SSBs presisjon. Merket "
        "gjelder metoden og SSBs landstall, ikke snittet for gruppen i tabellen; SSBs landstall har også "
        "med Longyearbyen, som kostras gruppe «Landet» ikke har. "
        f"{SYMBOLS[True]} = {CHECKED}: kostra får SSBs tall. "
        f"{SYMBOLS[False]} = {DIFFERS}: kostra får et annet tall enn SSB. "
        f"{SYMBOLS[None]} = {UNCHECKED}: SSBs landstall er ikke lest inn (det kommer med en full "
        "SSB-tabell, «kostra data import»), eller det kan ikke regnes ut på nytt (f.eks. uvektede "
        f"tall, *). Detaljer og grunner: «kostra data check --year {year}»."
    )


def ssb_marks(session: Session, indicator_ids: Sequence[str], year: int) -> dict[str, SsbMark]:
    """Each indicator's mark for ``year``: the state from
    :meth:`~kostra.api.Session.checked_against_ssb`, the detail (SSB's and kostra's
    figure, or why it was not checked) from :meth:`~kostra.api.Session.ssb_check`."""
    ids = list(dict.fromkeys(indicator_ids))
    checked = session.checked_against_ssb(ids, year)
    checks = session.ssb_check([year])
    country = checks[(checks["aggregate"] == COUNTRY) & checks["indicator_id"].isin(ids)]
    details: dict[str, str] = {}
    for row in country.itertuples():
        indicator = session.catalog.indicators.get(str(row.indicator_id))
        decimals = indicator.decimals if indicator else 1
        ssb = format_nb(float(row.ssb), decimals)
        if str(row.indicator_id) in checked and not is_missing(row.kostra):
            details[str(row.indicator_id)] = (
                f"landet {year}: SSB {ssb}, kostra {format_nb(float(row.kostra), decimals)}"
            )
        else:
            reason = row.reason if isinstance(row.reason, str) and row.reason else "kan ikke regnes ut"
            details[str(row.indicator_id)] = f"SSBs tall for landet {year} er {ssb}; {reason}"
    return {
        i: SsbMark(checked.get(i), details.get(i, f"SSBs tall for landet {year} er ikke lest inn"))
        for i in ids
    }
