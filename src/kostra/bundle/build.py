"""Build ``kostra/data/`` from the published files in ``shared/data``.

    python -m kostra.bundle.build --shared ../shared/data [--out src/kostra/data]

Writes the region tables, the group memberships, ``observations.parquet`` and
``manifest.json``. The build is deterministic: the same inputs, catalog and
seed give the same tables (a test rebuilds and compares).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from io import StringIO
from pathlib import Path

import duckdb
import pandas as pd

from kostra.bundle.demodata import GroupRow, Inputs, generate
from kostra.bundle.kostra_groups import assign_kostra_groups
from kostra.bundle.population import read_population
from kostra.bundle.regions import build_region_tables
from kostra.catalog import Catalog, load_catalog
from kostra.sources.jsonstat import read_jsonstat

SEED = 20240
YEARS = range(2015, 2025)
# The published ASSS chapters: (file, catalog sector). Bærum's figures in them are bundled
# as real "published" figures; their ASSS rows are met by fitting the other members.
PUBLISHED_FILES: tuple[tuple[str, str], ...] = (
    ("published/tjenesteprofil_pleie_og_omsorg_2024.csv", "pleie-og-omsorg"),
    ("published/tjenesteprofil_sosialtjeneste_og_bolig_2024.csv", "sosialtjeneste-og-bolig"),
)
RECORDED_SSB = ("ssb-recorded/12134_v2_0301-4601-5001_KOSAG110000_2024.json",)
_SERIES = {"Snitt ASSS": "average", "Høyest ASSS": "highest", "Lavest ASSS": "lowest"}
_PROFILES = {"alle": "alle", "0-66": "0-66", "67+": "67+", "TTU": "ttu"}

ORIGINS = {
    "ssb": "Statistisk sentralbyrå: befolkning 31.12 (tabell 07459, via csdata) og "
    "innspilte svar fra PxWebApi (tabell 12134)",
    "published": "Bærum kommunes publiserte KOSTRA-analyse 2025 (2024-tall): "
    "pleie og omsorg (tjenesteprofil_pleie_og_omsorg_2024.csv) og sosialtjeneste og bolig "
    "(tjenesteprofil_sosialtjeneste_og_bolig_2024.csv)",
    "demodata": f"Genererte demodata (kostra.bundle.demodata, frø {SEED}); "
    "erstattes av SSBs tall med 'kostra data fetch'",
}


@dataclass(frozen=True)
class Bundle:
    regions: pd.DataFrame
    succession: pd.DataFrame
    group_members: pd.DataFrame
    observations: pd.DataFrame


def _published(
    shared: Path, catalog: Catalog
) -> tuple[pd.DataFrame, dict[tuple[str, int], dict[str, float]]]:
    """Bærum's real figures, and the published ASSS rows, keyed by indicator id."""
    real: list[tuple[str, str, int, float, str]] = []
    rows: dict[tuple[str, int], dict[str, float]] = {}
    for name, sector in PUBLISHED_FILES:
        raw = pd.read_csv(shared / name, dtype={"value": float})
        names = {
            (profile, ind.name_nb): ind.id
            for ind in catalog.indicators_of(sector)
            for profile in ind.profiles
        }
        for rec in raw.itertuples(index=False):
            key = (_PROFILES[str(rec.profile)], str(rec.indicator))
            if key not in names:
                raise ValueError(f"{name}: published indicator {key} is not in the catalog")
            indicator_id = names[key]
            if rec.series == "Bærum":
                real.append((indicator_id, "3201", int(rec.year), rec.value, "published"))
            else:
                series = _SERIES[str(rec.series)]
                rows.setdefault((indicator_id, int(rec.year)), {})[series] = float(rec.value)
    frame = pd.DataFrame(real, columns=["indicator_id", "region_code", "year", "value", "origin"])
    return frame, rows


def _recorded_ssb(shared: Path, catalog: Catalog) -> pd.DataFrame:
    by_source = {
        (ind.source.table, ind.source.contents): ind.id
        for ind in catalog.indicators.values()
        if ind.source is not None and not ind.source.filters
    }
    frames = []
    for name in RECORDED_SSB:
        cube = read_jsonstat((shared / name).read_bytes(), name=name)
        geo, metric, time = (cube.dimension(r) for r in ("geo", "metric", "time"))
        if not (geo and metric and time and cube.table_id):
            raise ValueError(f"{name}: a recorded SSB answer needs geo, metric and time dimensions")
        frame = cube.frame
        frames.append(
            pd.DataFrame(
                {
                    "indicator_id": [by_source[(cube.table_id, c)] for c in frame[metric.id]],
                    "region_code": frame[geo.id],
                    "year": frame[time.id].astype(int),
                    "value": frame["value"],
                    "origin": "ssb",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _labels() -> dict[tuple[str, int], int]:
    text = resources.files("kostra.bundle").joinpath("profile_labels.csv").read_text("utf-8")
    frame = pd.read_csv(StringIO(text))
    return {(r.indicator_id, int(r.year)): int(r.highest_index) for r in frame.itertuples()}


def _group_members(catalog: Catalog, kostra_groups: pd.DataFrame) -> pd.DataFrame:
    rows = [
        (group.id, m.code, m.from_year, m.to_year, "catalog")
        for group in catalog.groups.values()
        for m in group.members
    ]
    by_ssb_code = {g.ssb_code: g.id for g in catalog.groups.values() if g.ssb_code}
    rows += [(by_ssb_code[r.group], r.code, None, None, r.source) for r in kostra_groups.itertuples()]
    frame = pd.DataFrame(rows, columns=["group_id", "region_code", "from_year", "to_year", "source"])
    return frame.astype({"from_year": "Int64", "to_year": "Int64"})


def build_bundle(shared: Path, catalog: Catalog | None = None, seed: int = SEED) -> Bundle:
    catalog = catalog or load_catalog()
    tables = build_region_tables(shared)
    population = read_population(shared, YEARS)
    codes = sorted(population["region_code"].unique())
    pop_2024 = population[(population.indicator_id == "pop_total") & (population.year == YEARS[-1])]
    kostra_groups = assign_kostra_groups(pop_2024.set_index("region_code")["value"], seed)

    published, published_rows = _published(shared, catalog)
    real = pd.concat([published, _recorded_ssb(shared, catalog)], ignore_index=True)
    labels = _labels()
    asss = [m.code for m in catalog.groups["asss"].members if m.in_year(YEARS[-1])]
    group_rows = {
        key: GroupRow(tuple(asss), r["average"], r["highest"], r["lowest"], labels.get(key))
        for key, r in published_rows.items()
    }
    members = {group.id: group.members for group in catalog.groups.values()}
    inputs = Inputs(
        codes=codes,
        years=list(YEARS),
        population=population,
        real=real,
        group_rows=group_rows,
        group_members=members,
    )
    generated = generate(catalog, inputs, seed)
    population = population.assign(status=None, origin="ssb")
    observations = pd.concat([population, generated], ignore_index=True)
    observations = observations.sort_values(["indicator_id", "region_code", "year"], ignore_index=True)
    return Bundle(tables.regions, tables.succession, _group_members(catalog, kostra_groups), observations)


def write_bundle(bundle: Bundle, out: Path) -> dict[str, str]:
    out.mkdir(parents=True, exist_ok=True)
    bundle.regions.to_csv(out / "regions.csv", index=False)
    bundle.succession.to_csv(out / "region_succession.csv", index=False)
    bundle.group_members.to_csv(out / "group_members.csv", index=False)
    con = duckdb.connect()
    con.register("obs", bundle.observations)
    target = out / "observations.parquet"
    con.execute(
        f"COPY (SELECT indicator_id, region_code, CAST(year AS INTEGER) AS year, value, status, origin "
        f"FROM obs ORDER BY ALL) TO '{target}' (FORMAT parquet, COMPRESSION zstd)"
    )
    con.close()
    digest = hashlib.sha256()
    for name in ("regions.csv", "region_succession.csv", "group_members.csv"):
        digest.update((out / name).read_bytes())
    digest.update(pd.util.hash_pandas_object(bundle.observations, index=False).to_numpy().tobytes())
    manifest: dict[str, object] = {
        "seed": SEED,
        "years": [YEARS[0], YEARS[-1]],
        "checksum": digest.hexdigest()[:20],
        "origins": ORIGINS,
        "note": "Built by 'python -m kostra.bundle.build' from shared/data; see kostra/bundle/.",
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    return {"checksum": str(manifest["checksum"]), "rows": str(len(bundle.observations))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path(__file__).parents[1] / "data")
    args = parser.parse_args()
    print(write_bundle(build_bundle(args.shared), args.out))


if __name__ == "__main__":
    main()
