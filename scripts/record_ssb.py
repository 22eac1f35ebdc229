"""Record the SSB answers that tests/ssbfake.py replays, from the live APIs.

    python scripts/record_ssb.py [--out tests/fixtures/ssb]

Needs network access to data.ssb.no. It records the metadata of every table the
catalog reads (``tables/{id}/metadata.json``: the contract the fake enforces,
with SSB's real elimination flags, region list and discontinued mark); for each
recorded table it asks PxWebApi v2 for the fixture's selection (the regions,
figures and years in the current recording) and stores the JSON-stat 2.0
answer under the URL-shaped path the fake serves; it records /config and the
KLASS answers (codesAt, changes, counties, and the KOSTRA groups via
correspondsAt 131 -> 112 on 1 January 2020) the same way.
Run it when SSB changes a table, review the diff, and commit. The live tests
(``pytest -m live``) check the same endpoints without writing anything.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

import httpx

from kostra.catalog import load_catalog
from kostra.sources.klass import klass_base_url
from kostra.sources.pxweb import PxWebClient, Selection, ssb_base_url

FIXTURES = Path(__file__).parents[1] / "tests" / "fixtures" / "ssb"


def _selection_of(recording: dict[str, object], table: str) -> Selection:
    dims = recording["dimension"]
    assert isinstance(dims, dict)
    chosen = []
    for dim in recording["id"]:  # type: ignore[union-attr]
        index = dims[dim]["category"]["index"]
        chosen.append((dim, tuple(sorted(index, key=index.get))))
    return Selection(table, tuple(chosen))


def record(out: Path) -> None:
    with httpx.Client(timeout=60.0, headers={"User-Agent": "kostra-recorder"}) as http:
        client = PxWebClient(http, ssb_base_url())
        config = http.get(f"{client.base_url}/config").json()
        (out / "api/pxwebapi/v2/config.json").write_text(json.dumps(config, ensure_ascii=False))
        tables = sorted({s.table for i in load_catalog().indicators.values() for s in i.all_sources})
        for table in tables:
            answer = http.get(f"{client.base_url}/tables/{table}/metadata", params={"lang": "no"})
            target = out / f"api/pxwebapi/v2/tables/{table}/metadata.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(answer.content)
            print(f"recorded metadata for table {table} (HTTP {answer.status_code})")
        for path in sorted((out / "api/pxwebapi/v2/tables").glob("*/data.json")):
            table = path.parent.name
            selection = _selection_of(json.loads(path.read_text("utf-8")), table)
            raw, _ = client.fetch_data(selection)
            path.write_bytes(raw)
            print(f"recorded {selection.describe()}")
        klass = klass_base_url()
        for year in range(2015, date.today().year + 1):
            answer = http.get(f"{klass}/classifications/131/codesAt.json", params={"date": f"{year}-01-01"})
            target = out / f"api/klass/v1/classifications/131/codesAt/{year}-01-01.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(answer.content)
        for name, params in (
            ("classifications/131/changes", {"from": "2015-01-01", "to": date.today().isoformat()}),
            ("classifications/104/codesAt/2024-01-01", None),
        ):
            url = f"{klass}/{name.replace('/codesAt/2024-01-01', '/codesAt')}.json"
            answer = http.get(url, params=params or ({"date": "2024-01-01"} if "codesAt" in name else {}))
            (out / f"api/klass/v1/{name}.json").write_bytes(answer.content)
        for when in ("2020-01-01",):
            answer = http.get(
                f"{klass}/classifications/131/correspondsAt",
                params={"targetClassificationId": "112", "date": when},
                headers={"Accept": "application/json"},
            )
            target = out / f"api/klass/v1/classifications/131/correspondsAt/112/{when}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(answer.content)
        print("recorded KLASS answers")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=FIXTURES)
    record(parser.parse_args().out)


if __name__ == "__main__":
    main()
