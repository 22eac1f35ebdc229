"""Folding of Norwegian names so that "Bærum", "baerum" and "BÆRUM" meet.

Users type municipality, sector and group names without Norwegian letters or
Sami diacritics. Each name gets a small set of keys; a query matches a name when
their key sets meet.
"""

from __future__ import annotations

import unicodedata

_NB_PLAIN = str.maketrans({"æ": "ae", "ø": "o", "å": "a"})
_NB_DOUBLE = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _squash(text: str) -> str:
    kept = [ch if ch.isalnum() else " " for ch in text]
    return " ".join("".join(kept).split())


def name_keys(name: str) -> frozenset[str]:
    """All spellings of ``name`` a user might type, folded to lower-case ASCII.

    SSB writes bilingual names as "Trondheim - Tråante"; each part is a key too.
    """
    parts = [name, *name.split(" - ")] if " - " in name else [name]
    keys: set[str] = set()
    for part in parts:
        lowered = part.strip().lower()
        for table in (_NB_PLAIN, _NB_DOUBLE):
            keys.add(_squash(_strip_accents(lowered.translate(table))))
    keys.discard("")
    return frozenset(keys)


def slug(name: str) -> str:
    """A URL- and identifier-friendly form: "Pleie og omsorg" -> "pleie-og-omsorg"."""
    return _squash(_strip_accents(name.lower().translate(_NB_PLAIN))).replace(" ", "-")
