"""Finding the municipality a form field means, the way a person types it.

A form's name field is forgiving where the command line is exact: besides a full name or
a number (:meth:`kostra.api.Session.region`), the start of a name is enough when only one
of today's municipalities begins with it ("Bæ" is Bærum). When several do ("Bø"), the
refusal names them, so the reader can pick one; the start page lists them as links.
"""

from __future__ import annotations

from kostra.analysis.regions import Region
from kostra.api import Session
from kostra.errors import RegionNotFound
from kostra.names import name_keys

__all__ = ["SHOWN", "Ambiguous", "municipalities_starting", "region_named"]

SHOWN = 8
"""Candidates named in a refusal; more are summed up as a count."""


class Ambiguous(RegionNotFound):
    """Several of today's municipalities begin with what was typed."""

    def __init__(self, text: str, candidates: list[Region]) -> None:
        self.text = text
        self.candidates = candidates
        names = ", ".join(r.name for r in candidates[:SHOWN])
        more = f" og {len(candidates) - SHOWN} til" if len(candidates) > SHOWN else ""
        typed = text.strip()[:40]
        super().__init__(
            f"flere kommuner begynner med «{typed}»: {names}{more}; skriv hele navnet eller nummeret"
        )


def municipalities_starting(session: Session, text: str) -> list[Region]:
    """Today's municipalities whose name (in any of its spellings, see
    :func:`kostra.names.name_keys`) begins with ``text``, by name."""
    wanted = name_keys(text, parts=False)
    if not wanted:
        return []
    regions = session.regions
    current = regions[(regions["kind"] == "municipality") & regions["valid_to"].isna()]
    found = [
        Region(code=str(row.code), name=str(row.name), kind="municipality")
        for row in current.itertuples()
        if any(key.startswith(w) for key in name_keys(str(row.name)) for w in wanted)
    ]
    return sorted(found, key=lambda r: r.name)


def region_named(session: Session, text: str) -> Region:
    """The region ``text`` names: as :meth:`Session.region` does, else the one municipality
    of today whose name begins with it. Raises :class:`Ambiguous` when several do, and
    the session's :class:`RegionNotFound` when none does."""
    try:
        return session.region(text)
    except RegionNotFound:
        found = municipalities_starting(session, text)
        if len(found) == 1:
            return session.region(found[0].code)
        if found:
            raise Ambiguous(text, found) from None
        raise
