"""Static charts drawn by the drawing process: SVG for the PDF, PNG for Word, the fallback
to drawing in this process, errors, and the frames the two processes speak in."""

from __future__ import annotations

import ast
import io
import re
from pathlib import Path

import pytest
from PIL import Image

from kostra.outputs.report import drawing
from kostra.outputs.report.charts import summary_chart
from kostra.outputs.report.draw_process import read_frame, write_frame


def _spec(label: str) -> dict[str, object]:
    # A label of its own per test, so no test gets another's drawing from the cache.
    return summary_chart([{"sektor": label, "over": 3, "under": 2}], "ASSS")


def _svg_size(svg: str) -> tuple[float, float]:
    found = re.search(r'<svg[^>]*width="([\d.]+)"[^>]*height="([\d.]+)"', svg)
    assert found, svg[:200]
    return float(found.group(1)), float(found.group(2))


def test_svg_uses_the_chart_font_and_norwegian_text() -> None:
    svg = drawing.render_svg(_spec("Pleie og omsorg – 67 år og eldre"))
    assert svg.startswith("<svg")
    assert "Liberation Sans" in svg
    assert "Pleie og omsorg – 67 år og eldre" in svg


def test_png_is_the_svg_at_one_and_a_half_times_its_size() -> None:
    spec = _spec("Barnehage")
    width, height = _svg_size(drawing.render_svg(spec))
    image = Image.open(io.BytesIO(drawing.render_png(spec)))
    assert image.format == "PNG"
    assert image.size[0] == pytest.approx(width * drawing.PNG_SCALE, abs=1)
    assert image.size[1] == pytest.approx(height * drawing.PNG_SCALE, abs=1)


def test_a_chart_is_drawn_once_however_often_it_is_asked_for(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    asked = []
    draw = drawing._Drawer.draw

    def counted(self: drawing._Drawer, kind: str, spec_json: str) -> bytes:
        asked.append(kind)
        return draw(self, kind, spec_json)

    monkeypatch.setattr(drawing._Drawer, "draw", counted)
    spec = _spec("Kultur")
    drawing.draw_later(spec, ["svg", "png"])
    first = drawing.render_svg(spec)
    assert drawing.render_svg(spec) == first
    drawing.render_png(spec)
    drawing.draw_later(spec, ["svg", "png"])
    assert sorted(asked) == ["png", "svg"]


def test_a_chart_vl_convert_cannot_draw_raises_and_the_next_one_is_drawn() -> None:
    with pytest.raises(drawing.ChartError):
        drawing.render_svg({"mark": {"type": "no-such-mark"}, "data": {"values": []}})
    assert drawing.render_svg(_spec("Barnevern")).startswith("<svg")


def test_charts_are_drawn_here_when_the_drawing_process_cannot_start(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    expected = drawing.render_svg(_spec("Kommunehelse"))
    monkeypatch.setattr(drawing.sys, "executable", "/nonexistent/python")
    monkeypatch.setattr(drawing, "_state", drawing._State(1))
    assert drawing.render_svg(_spec("Kommunehelse")) == expected
    drawing._state.close()


def test_charts_are_still_drawn_when_the_drawing_process_dies(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(drawing, "_state", drawing._State(1))
    assert drawing.render_svg(_spec("Eiendom")).startswith("<svg")
    process = drawing._state.lanes[0].drawer._process
    assert process is not None
    process.kill()
    process.wait()
    assert drawing.render_svg(_spec("Økonomi")).startswith("<svg")
    drawing._state.close()


def test_a_forked_worker_lets_go_of_the_parents_process(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(drawing, "_state", drawing._State(1))
    drawing.render_svg(_spec("Administrasjon"))
    parent = drawing._state.lanes[0].drawer._process
    assert parent is not None
    drawing._forget_in_child()  # what os.fork runs in the child
    assert drawing._state.lanes == []
    assert parent.returncode == 0  # not waited for: the parent's to end
    assert drawing.render_svg(_spec("Sosialtjeneste")).startswith("<svg")  # a process of its own
    drawing._state.close()


def test_frames_round_trip_and_a_cut_frame_is_the_end() -> None:
    stream = io.BytesIO()
    write_frame(stream, b"s", b'{"mark": "bar"}')
    write_frame(stream, b"p", b"")
    data = stream.getvalue()
    whole = io.BytesIO(data)
    assert read_frame(whole) == (b"s", b'{"mark": "bar"}')
    assert read_frame(whole) == (b"p", b"")
    assert read_frame(whole) is None
    assert read_frame(io.BytesIO(data[:7])) is None  # header cut short
    assert read_frame(io.BytesIO(data[:12])) is None  # body cut short


def test_the_drawing_process_imports_nothing_from_kostra() -> None:
    """It is started as a script, and must start quickly."""
    source = Path(drawing.__file__).with_name("draw_process.py").read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            assert not (node.module or "").startswith("kostra"), node.module
        elif isinstance(node, ast.Import):
            assert not any(alias.name.startswith("kostra") for alias in node.names)
