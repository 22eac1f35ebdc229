"""SSB's own aggregates in real recorded answers (shared/data/ssb-recorded), recomputed.

A real full answer (all regions, SSB's EAK/EKA beside the municipalities) is the
strongest check kostra's weights can have: SSB computed those figures, not a fixture
script. Every recorded answer with aggregates is imported and ``kostra data check`` must
find no aggregate beyond rounding. The real 12209 answer of 2019 and 2023
(Alksalt/omsorgsradar tests/fixtures/ssb_12209_g2_fixture.json) reproduces the country
2023 (26,9) and all 11 counties of 2023 this way; it belongs in shared/data/ssb-recorded.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kostra.analysis.ssb_check import Verdict


def _with_aggregates(shared: Path) -> list[Path]:
    found = []
    for path in sorted((shared / "ssb-recorded").glob("*.json")):
        doc = json.loads(path.read_text("utf-8"))
        geo = (doc.get("role") or {}).get("geo") or []
        if geo and "EAK" in doc["dimension"][geo[0]]["category"]["index"]:
            found.append(path)
    return found


def test_recorded_answers_import_and_ssbs_aggregates_are_reproduced(fresh, shared_data: Path) -> None:
    answers = _with_aggregates(shared_data)
    if not answers:
        pytest.skip("shared/data/ssb-recorded has no full answer with SSB's aggregates yet")
    for path in answers:
        result = fresh.import_file(path, allow_years=True)
        assert result.aggregates and result.unplaced.empty, path.name
    checks = fresh.ssb_check()
    assert not checks.empty
    assert Verdict.DIFFERS not in set(checks["verdict"]), checks[checks["verdict"] == Verdict.DIFFERS]
    assert (checks["verdict"].isin([Verdict.SAME, Verdict.ROUNDING])).any()
