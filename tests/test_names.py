"""Name folding: the ASCII shortcut of :mod:`kostra.names` (issue 17) gives exactly the keys
the character-by-character folding gives, for every region and catalog name and for
awkward text; and the keys themselves are the spellings users type."""

from __future__ import annotations

import unicodedata

import pytest

from kostra.catalog import load_catalog
from kostra.names import _squash, _strip_accents, name_keys, slug
from kostra.sources.bundled import read_bundled_csv


def _strip_accents_plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _squash_plain(text: str) -> str:
    kept = [ch if ch.isalnum() else " " for ch in text]
    return " ".join("".join(kept).split())


def _names() -> list[str]:
    regions = [str(n) for n in read_bundled_csv("regions.csv")["name"]]
    catalog = load_catalog()
    sectors = [n for s in catalog.sectors.values() for n in (s.id, s.name_nb, *s.aliases)]
    groups = [n for g in catalog.groups.values() for n in (g.id, g.name_nb, *g.aliases)]
    odd = [
        "",
        "   ",
        "Våler (Østfold)",
        "Trondheim - Tråante",
        "a_b-c.d/e",
        "Ä ö ü ß ﬁ ½ ²",
        "Guovdageaidnu - Kautokeino",
        "Unjárga - Nesseby",
        "tab\there\nnew line",
        "ASCII only 123",
        "Bærum\u00a0kommune",
        "~!@#$%^&*()",
    ]
    return regions + sectors + groups + odd


def test_folding_is_the_plain_folding_for_every_name() -> None:
    names = _names()
    assert len(names) > 800
    for name in names:
        for variant in (name, name.lower(), name.upper()):
            assert _strip_accents(variant) == _strip_accents_plain(variant), variant
            assert _squash(variant) == _squash_plain(variant), variant
            stripped = _strip_accents_plain(variant)
            assert _squash(stripped) == _squash_plain(stripped), variant


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        # æ -> ae; ø -> o or oe; å -> a or aa (both spellings users type)
        ("Bærum", {"baerum"}),
        ("Våler (Østfold)", {"valer ostfold", "vaaler oestfold", "valer", "vaaler"}),
        (
            "Trondheim - Tråante",
            {"trondheim traante", "trondheim traaante", "trondheim", "traante", "traaante"},
        ),
        ("Unjárga - Nesseby", {"unjarga nesseby", "unjarga", "nesseby"}),
        ("a_b-c.d", {"a b c d"}),
    ],
)
def test_keys_are_the_spellings_users_type(name: str, keys: set[str]) -> None:
    assert name_keys(name) == keys


def test_slug() -> None:
    assert slug("Pleie og omsorg") == "pleie-og-omsorg"
    assert slug("Økonomisk sosialhjelp") == "okonomisk-sosialhjelp"
