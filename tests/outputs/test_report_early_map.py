"""The report model asks for its summary's map as soon as the service area it shows is
analysed (first), so the map is drawn while the other chapters are built; the chapters keep
their order and the map is the one the summary shows."""

from __future__ import annotations

from typing import Any

import pytest

from kostra.api import Session
from kostra.outputs.maps import is_map
from kostra.outputs.report import model


def test_the_summary_map_starts_drawing_after_the_first_analysis(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    analysed: list[str] = []
    asked: list[tuple[int, dict[str, Any]]] = []
    analyse = Session.analyse

    def counting(self: Session, municipality: str, sector: str, *args: Any, **kwargs: Any) -> Any:
        analysed.append(sector)
        return analyse(self, municipality, sector, *args, **kwargs)

    def recording(spec: dict[str, Any], kinds: Any) -> None:
        if is_map(spec):
            asked.append((len(analysed), spec))

    monkeypatch.setattr(Session, "analyse", counting)
    monkeypatch.setattr(model, "draw_later", recording)
    report = model.build_report(session, "Bærum", 2024, formats=["html"])
    economics = session.catalog.economics
    heaviest = max(economics, key=lambda s: economics[s].cost_key_weight)
    assert analysed[0] == heaviest == "pleie-og-omsorg"
    assert asked and asked[0][0] == 1  # before any other chapter was analysed
    summary = report.chapters[0]
    assert [spec for _, spec in summary.maps] == [asked[0][1]]
    sectors = [s.id for s in session.catalog.sectors.values() if not s.hidden]
    chapter_ids = [c.id for c in report.chapters if c.id not in {"sammendrag", "rangering"}]
    assert chapter_ids == sectors and sorted(analysed) == sorted(sectors)
