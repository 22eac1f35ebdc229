"""Static charts drawn by the drawing process: SVG for the PDF, PNG for Word, the fallback
to drawing in this process, errors, and the frames the two processes speak in."""

from __future__ import annotations

import ast
import io
import os
import re
import signal
import time
import warnings
from pathlib import Path

import pytest
from PIL import Image

from kostra.outputs.maps import compact_svg
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
    with pytest.raises(drawing.ChartError):  # the same error as from the drawing process
        drawing.render_svg({"mark": {"type": "no-such-mark"}, "data": {"values": []}})
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


def test_a_stuck_drawing_process_gives_an_error_not_a_hang(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(drawing, "_state", drawing._State(1))
    # The process's first chart (start-up, Vega compiled) gets the usual wait: on a loaded
    # machine it can take more than the short wait below, which is for the stuck process.
    drawing.render_svg(_spec("Samferdsel"))
    process = drawing._state.lanes[0].drawer._process
    assert process is not None
    usual = drawing.WAIT_SECONDS
    monkeypatch.setattr(drawing, "WAIT_SECONDS", 1.0)
    os.kill(process.pid, signal.SIGSTOP)
    with pytest.raises(drawing.ChartError, match="stuck"):
        drawing.render_svg(_spec("Brann"))
    # The stuck process is ended; asked again, the chart is drawn (in this process).
    monkeypatch.setattr(drawing, "WAIT_SECONDS", usual)
    assert drawing.render_svg(_spec("Brann")).startswith("<svg")
    drawing._state.close()


def test_closing_drops_the_charts_not_yet_started(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """So a report that fails (or Ctrl-C) does not wait for its remaining charts."""
    monkeypatch.setattr(drawing, "_state", drawing._State(1))
    jobs = [drawing._state.job("png", drawing._key(_spec(f"Sektor {n}"))) for n in range(40)]
    process = drawing._state.lanes[0].drawer._process
    drawing._state.close()
    assert all(job.done() for job in jobs)
    assert sum(job.cancelled() for job in jobs) > 20
    assert process is None or process.returncode is not None  # ended and reaped


def test_a_fork_while_a_chart_is_drawn_does_not_hang_the_child(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A batch worker forked mid-drawing must not wait for the parent's pipe."""
    monkeypatch.setattr(drawing, "_state", drawing._State(1))
    drawing.render_svg(_spec("Oppvarming"))
    big = summary_chart([{"sektor": f"S{n}", "over": n, "under": 2} for n in range(400)], "ASSS")
    job = drawing._state.job("png", drawing._key(big))
    while not job.running():
        time.sleep(0.01)
    with warnings.catch_warnings():  # Python 3.12+ warns of forking with threads: we test it
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: the fork hook has run by now
        os._exit(0)
    deadline = time.monotonic() + 20
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    if done[0] == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the forked child hung in the fork hook")
    assert os.waitstatus_to_exitcode(done[1]) == 0
    assert job.result()[:4] == b"\x89PNG"  # the parent's chart is not disturbed
    drawing._state.close()


def test_a_forked_worker_lets_go_of_the_parents_process(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(drawing, "_state", drawing._State(1))
    drawing.render_svg(_spec("Administrasjon"))
    parents = drawing._state
    process = parents.lanes[0].drawer._process
    assert process is not None
    drawing._forget_in_child()  # what os.fork runs in the child, run here
    assert drawing._state is not parents
    assert drawing._state.lanes == []
    assert process.returncode == 0  # not waited for: the parent's to end
    assert drawing.render_svg(_spec("Sosialtjeneste")).startswith("<svg")  # a process of its own
    drawing._state.close()
    # Here "parent" and "child" are one process: end the parent's side too.
    os.waitpid(process.pid, 0)  # it ended with its input, which the child let go of
    parents.close()


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


def _map(chosen: str, label: str) -> dict[str, object]:
    import pandas as pd

    from kostra.outputs.maps import choropleth_spec

    # A title of its own per test, so no test gets another's drawing from the cache.
    values = pd.DataFrame({"region_code": ["3201", "1151", "5634", "0301"], "value": [1.1, 0.5, 1.5, 0.9]})
    return choropleth_spec(values, year=2024, value_title=label, decimals=2, chosen=chosen, mid=1.0)


def test_maps_of_one_figure_set_draw_the_map_once_and_outline_each(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import vl_convert as vlc

    from kostra.outputs.report.charts import NB_LOCALE

    asked = []
    draw = drawing._Drawer.draw

    def counted(self: drawing._Drawer, kind: str, spec_json: str) -> bytes:
        asked.append(kind)
        return draw(self, kind, spec_json)

    monkeypatch.setattr(drawing._Drawer, "draw", counted)
    specs = [_map(code, "Kartprøve") for code in ("3201", "0301", "3405")]  # Bærum, Oslo, Lillehammer
    for spec in specs:
        drawing.draw_later(spec, ["svg", "png"])
    for spec in specs:
        whole = vlc.vegalite_to_svg(spec, format_locale=NB_LOCALE)
        assert drawing.render_svg(spec) == whole
        assert drawing.render_svg(spec, compact=True) == compact_svg(whole)
        assert drawing.render_png(spec) == vlc.svg_to_png(whole, scale=drawing.PNG_SCALE)
    # one map without outline drawn, then one PNG per municipality rasterised from its SVG
    assert sorted(asked) == ["raster"] * 3 + ["svg"]


def test_a_map_outlined_at_the_edge_is_drawn_whole(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import vl_convert as vlc

    from kostra.outputs.report.charts import NB_LOCALE

    asked = []
    draw = drawing._Drawer.draw

    def counted(self: drawing._Drawer, kind: str, spec_json: str) -> bytes:
        asked.append(kind)
        return draw(self, kind, spec_json)

    monkeypatch.setattr(drawing._Drawer, "draw", counted)
    spec = _map("4205", "Kant")  # Lindesnes, the map's southern tip
    whole = vlc.vegalite_to_svg(spec, format_locale=NB_LOCALE)
    assert drawing.render_svg(spec) == whole
    assert drawing.render_svg(spec, compact=True) == compact_svg(whole)
    assert drawing.render_png(spec) == vlc.svg_to_png(whole, scale=drawing.PNG_SCALE)
    assert sorted(asked) == ["png", "svg", "svg"]  # the map of nobody, then the whole one
