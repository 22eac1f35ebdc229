"""The catalog is valid data and covers what the issue asks for."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
import yaml

from kostra.catalog import INDICATOR_GROUPS, Catalog, load_catalog

SERVICE_AREAS = [
    "grunnskole",
    "barnehage",
    "barnevern",
    "pleie-og-omsorg",
    "kommunehelse",
    "sosialtjeneste-og-bolig",
    "kultur-og-fritid",
    "administrasjon",
    "eiendom",
    "okonomi",
]


def test_every_service_area_has_at_least_eight_indicators() -> None:
    catalog = load_catalog()
    for sector in SERVICE_AREAS:
        assert len(catalog.indicators_of(sector)) >= 8, sector


def test_plo_profiles() -> None:
    catalog = load_catalog()
    plo = catalog.sector("Pleie og omsorg")
    assert [p.id for p in plo.profiles] == ["alle", "0-66", "67+", "ttu"]
    assert catalog.sector("plo") is plo and catalog.profile(plo, "TTU").id == "ttu"


def test_every_published_plo_indicator_is_in_the_catalog(published: pd.DataFrame) -> None:
    names = {i.name_nb for i in load_catalog().indicators_of("pleie-og-omsorg")}
    assert set(published["indicator"]) <= names


def test_indicators_are_complete() -> None:
    for ind in load_catalog().indicators_of():
        assert ind.group in INDICATOR_GROUPS, ind.id
        assert ind.profiles, ind.id
        assert ind.average == "unweighted" or ind.weight, ind.id
        if ind.source is not None:
            assert ind.source.verified.strip(), ind.id


def test_sources_carry_real_table_ids() -> None:
    sourced = [i for i in load_catalog().indicators.values() if i.source]
    assert len(sourced) >= 40
    assert {i.source.table for i in sourced if i.source} >= {"12134", "12255", "13502", "12362"}


# --- the faster loading (issue 17, item 2): the same catalog, whichever way it is read ---


def _typed(value: object) -> object:
    """``value`` with the type of every scalar beside it, so that 1, 1.0 and True differ."""
    if isinstance(value, dict):
        return {_typed(k): _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, value)


def _catalog_texts() -> dict[str, str]:
    import kostra.catalog as catalog_module

    folder = resources.files("kostra.catalog")
    names = [n for n in catalog_module._CATALOG_FILES if n.endswith(".yaml")]
    return {n: folder.joinpath(n).read_text("utf-8") for n in names + catalog_module._indicator_files()}


def test_libyaml_reads_every_catalog_file_as_pure_python_pyyaml_does() -> None:
    texts = _catalog_texts()
    assert len(texts) >= 10  # four catalog files and the indicator files
    for name, text in texts.items():
        fast = yaml.load(text, Loader=yaml.CSafeLoader)
        assert _typed(fast) == _typed(yaml.load(text, Loader=yaml.SafeLoader)), name


@pytest.mark.parametrize(
    "text",
    [
        "a: yes\nb: no\nc: on\nd: off\ne: true\nf: ~\ng: null\n",  # YAML 1.1 booleans and nulls
        "a: 012\nb: 0o12\nc: 0x1f\nd: 1_000\ne: 1e3\nf: 1.0e3\ng: .inf\nh: -.inf\ni: 190:20:30\n",
        "a: 2024-01-02\nb: 2024-01-02T03:04:05Z\nc: '2024'\nd: 3201\ne: 0301\n",
        "a: 'æøå Bærum'\nb: \"\\u00e6\\t\"\nc: |\n  to\n  linjer\nd: >\n  en\n  linje\n",
        "a: &x [1, 2]\nb: *x\nc: {<<: {d: 1}, e: 2}\nf: [1.5, -0, +3, 1e-2]\n",
    ],
)
def test_libyaml_and_pure_python_agree_on_scalars_that_yaml_1_1_resolves(text: str) -> None:
    assert _typed(yaml.load(text, Loader=yaml.CSafeLoader)) == _typed(yaml.load(text, Loader=yaml.SafeLoader))


def _dump(catalog: Catalog) -> object:
    """Every field of the catalog, each model as its full dump (with types beside the values)."""
    return _typed(
        {
            "checksum": catalog.checksum,
            "order": [list(catalog.sectors), list(catalog.indicators), list(catalog.groups)],
            "sectors": {k: v.model_dump() for k, v in catalog.sectors.items()},
            "indicators": {k: v.model_dump() for k, v in catalog.indicators.items()},
            "groups": {k: v.model_dump() for k, v in catalog.groups.items()},
            "economics": {k: v.model_dump() for k, v in catalog.economics.items()},
            "deflator": [d.model_dump() for d in catalog.deflator],
            "ranking": catalog.ranking.model_dump() if catalog.ranking else None,
        }
    )


def _pure_python_catalog(monkeypatch: pytest.MonkeyPatch) -> Catalog:
    """The catalog as the old loader built it: pure-Python PyYAML, validated, no disk cache."""
    monkeypatch.delattr(yaml, "CSafeLoader")
    import kostra.catalog as catalog_module

    return catalog_module._validated_catalog()


def test_the_catalog_is_the_same_read_by_libyaml_from_the_cache_or_by_pure_python(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import kostra.catalog as catalog_module

    monkeypatch.setattr(catalog_module, "_cache_path", lambda key: tmp_path / f"catalog-{key}.pickle")
    load_catalog.cache_clear()
    try:
        built = load_catalog()  # validated from the YAML, then written to the cache
        assert len(list(tmp_path.glob("catalog-*.pickle"))) == 1
        load_catalog.cache_clear()
        cached = load_catalog()  # read from the cache
        assert cached is not built
        with monkeypatch.context() as pure:
            reference = _pure_python_catalog(pure)
    finally:
        load_catalog.cache_clear()
    assert len(reference.indicators) > 300 and len(reference.groups) > 10
    assert _dump(built) == _dump(reference)
    assert _dump(cached) == _dump(reference)
    assert cached == reference  # the frozen models compare by value too


def test_the_cache_is_named_by_every_file_it_depends_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import shutil

    import kostra.catalog as catalog_module

    copy = tmp_path / "catalog"
    shutil.copytree(Path(catalog_module.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(resources, "files", lambda _package: copy)
    key = catalog_module._cache_key()
    assert key == catalog_module._cache_key()  # the same files: the same name
    seen = {key}
    for name in ("models.py", "__init__.py", "sectors.yaml", "deflator.csv", "indicators/grunnskole.yaml"):
        with (copy / name).open("a", encoding="utf-8") as edit:
            edit.write("\n")  # one byte more, meaning nothing to YAML, CSV or Python
        seen.add(catalog_module._cache_key())
    assert len(seen) == 6, "each edit names another cache file"


def test_a_damaged_or_foreign_cache_is_rebuilt_not_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import pickle

    import kostra.catalog as catalog_module

    monkeypatch.setattr(catalog_module, "_cache_path", lambda key: tmp_path / f"catalog-{key}.pickle")
    path = catalog_module._cache_path(catalog_module._cache_key())
    stale = tmp_path / "catalog-0123.pickle"
    stale.write_bytes(b"an older catalog")
    reference = _dump(catalog_module._validated_catalog())
    for content in (b"", b"not a pickle", pickle.dumps({"a": "dict"}), pickle.dumps(None)):
        path.write_bytes(content)
        load_catalog.cache_clear()
        try:
            assert _dump(load_catalog()) == reference
        finally:
            load_catalog.cache_clear()
        assert isinstance(pickle.loads(path.read_bytes()), Catalog)  # rewritten whole
    assert not stale.exists()  # the caches of older catalog files are dropped


def test_a_cache_that_cannot_be_written_is_not_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import kostra.catalog as catalog_module

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setattr(catalog_module, "_cache_path", lambda key: blocked / "sub" / f"catalog-{key}.pickle")
    load_catalog.cache_clear()
    try:
        assert len(load_catalog().indicators) > 300
    finally:
        load_catalog.cache_clear()
