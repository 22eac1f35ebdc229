"""Folding of Norwegian names so that "Bærum", "baerum" and "BÆRUM" meet.

Users type municipality, sector and group names without Norwegian letters or
Sami diacritics. Each name gets a small set of keys; a query matches a name when
their key sets meet.
"""

from __future__ import annotations

import re
import unicodedata

_NB_PLAIN = str.maketrans({"æ": "ae", "ø": "o", "å": "a"})
_NB_DOUBLE = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})
# The ASCII characters str.isalnum() refuses: most names are ASCII once æ, ø and å are
# spelt out, and a regular expression folds those far faster than a loop over characters
# (finding a municipality by name folds every name in the country).
_ASCII_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")


def _strip_accents(text: str) -> str:
    if text.isascii():  # nothing to decompose
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _squash(text: str) -> str:
    if text.isascii():
        return " ".join(_ASCII_NOT_ALNUM.sub(" ", text).split())
    kept = [ch if ch.isalnum() else " " for ch in text]
    return " ".join("".join(kept).split())


def name_keys(name: str, *, parts: bool = True) -> frozenset[str]:
    """All spellings of ``name`` a user might type, folded to lower-case ASCII.

    With ``parts`` (for names being searched), SSB's bilingual names such as
    "Trondheim - Tråante" also give a key per language, and a name with a
    qualifier, "Våler (Østfold)", also gives "Våler". A query is folded
    without ``parts``, so "Herøy (Nordland)" finds only that Herøy.
    """
    variants = [name]
    if parts:
        variants += name.split(" - ") if " - " in name else []
        variants += [v.split(" (")[0] for v in variants if " (" in v]
    keys: set[str] = set()
    for variant in variants:
        lowered = variant.strip().lower()
        for table in (_NB_PLAIN, _NB_DOUBLE):
            keys.add(_squash(_strip_accents(lowered.translate(table))))
    keys.discard("")
    return frozenset(keys)


def slug(name: str) -> str:
    """A URL- and identifier-friendly form: "Pleie og omsorg" -> "pleie-og-omsorg"."""
    return _squash(_strip_accents(name.lower().translate(_NB_PLAIN))).replace(" ", "-")
