"""Static chart images, SVG and PDF for the PDF and PNG for Word, drawn by vl-convert in helper
processes while the report is still being built.

vl-convert holds the GIL while it draws, so drawing on a thread of the report's
own process would only take turns with building the report. Each *lane* is
therefore a drawing process (draw_process.py) fed by one thread here, which
just waits on a pipe. Charts asked for with :func:`draw_later` start drawing at
once; :func:`render_svg` and :func:`render_png` wait for them (or start them).
Drawn charts are kept, so a report written in several formats draws each chart
once. If a drawing process cannot run, charts are drawn in this process instead.

A national map with one municipality outlined is drawn as the map without the outline (the
same for every municipality of a year: drawn once per process, and its compacted form kept
too) with the outline added as vl-convert would draw it (:func:`kostra.outputs.maps.add_outline`);
a batch of reports draws the map once, and outlines it per report in milliseconds.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import multiprocessing.util
import os
import queue
import subprocess
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pandas as pd

from kostra.outputs.maps import add_outline, compact_svg, is_map, split_outline, with_bundled_boundaries
from kostra.outputs.report.charts import NB_LOCALE, profile_chart
from kostra.outputs.report.draw_process import Renderer, read_frame, write_frame

__all__ = [
    "PNG_SCALE",
    "ChartError",
    "draw_later",
    "get_ready",
    "pdf_later",
    "render_png",
    "render_svg",
    "use_processes",
]

PNG_SCALE = 1.5  # 190 dots per inch at the 16 cm the Word report uses
KEEP = 256  # drawn charts kept for reuse (a full report has about 25)
# A chart takes a tenth of a second; only a stuck drawing process takes minutes.
WAIT_SECONDS = 120.0


_KIND_BYTES = {"svg": b"s", "png": b"p", "raster": b"r", "vector": b"v"}


class ChartError(RuntimeError):
    """vl-convert could not draw a chart."""


class _Drawer:
    """One drawing process, spoken to from its lane's thread only."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._broken = not sys.executable
        self._here: Renderer | None = None
        self.closing = False

    def draw(self, kind: str, spec_json: str) -> bytes:
        if not self._broken:
            try:
                return self._ask(kind, spec_json)
            except (OSError, EOFError):
                if self.closing:
                    raise ChartError("the drawing process was stopped") from None
                # It could not start or has died: draw here, slower but the same.
                self._broken = True
                self.close()
        return self._draw_here(kind, spec_json)

    def _draw_here(self, kind: str, spec_json: str) -> bytes:
        if self._here is None:
            self._here = Renderer(NB_LOCALE, PNG_SCALE)
        try:
            return self._here.draw(kind, spec_json.encode("utf-8"))
        except Exception as exc:  # the same error, whichever process drew
            raise ChartError(f"{type(exc).__name__}: {exc}") from exc

    def _ask(self, kind: str, spec_json: str) -> bytes:
        if self._process is None:
            config = json.dumps({"locale": NB_LOCALE, "scale": PNG_SCALE})
            script = str(Path(__file__).with_name("draw_process.py"))
            # -P: the script's folder (html.py, docx.py ...) must not shadow real modules.
            # bufsize=0: unbuffered pipes have no lock that a fork could copy while held.
            self._process = subprocess.Popen(
                [sys.executable, "-P", script, config],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                bufsize=0,
            )
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        write_frame(self._process.stdin, _KIND_BYTES[kind], spec_json.encode("utf-8"))
        answer = read_frame(self._process.stdout)
        if answer is None:
            raise EOFError("the drawing process ended")
        status, body = answer
        if status != b"o":
            raise ChartError(body.decode("utf-8", "replace"))
        return body

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin is not None
        assert process.stdout is not None
        with contextlib.suppress(OSError):
            process.stdin.close()  # the process ends at the end of its input
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()

    def kill(self) -> None:
        """End the process from another thread; the lane's thread then meets the end of the
        pipe and draws here."""
        process = self._process
        if process is not None:
            with contextlib.suppress(OSError):
                process.kill()

    def forget(self) -> None:
        """In a forked child: let go of the parent's process without ending it."""
        process, self._process = self._process, None
        if process is not None:
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
            process.returncode = 0  # the parent's to wait for, not ours


_Job = tuple[Future[bytes], str, str]


class _Lane:
    """A drawing process and the thread that feeds it, one chart after another.

    A daemon thread and a plain queue rather than an executor: at exit, Python would join
    an executor's threads only after they had drawn every chart still queued."""

    def __init__(self, number: int, lock: threading.RLock) -> None:
        self.lock = lock
        self.drawer = _Drawer()
        self.queued = 0
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=f"kostra-draw-{number}", daemon=True)
        self._thread.start()

    def submit(self, kind: str, spec_json: str) -> Future[bytes]:
        job: Future[bytes] = Future()
        with self.lock:
            self.queued += 1
        self._jobs.put((job, kind, spec_json))
        return job

    def _run(self) -> None:
        while (item := self._jobs.get()) is not None:
            job, kind, spec_json = item
            if job.set_running_or_notify_cancel():
                try:
                    job.set_result(self.drawer.draw(kind, spec_json))
                except BaseException as exc:  # the caller of result() gets it
                    job.set_exception(exc)
            with self.lock:
                self.queued -= 1

    def close(self) -> None:
        """Drop the charts not yet started, finish the one being drawn, end the process."""
        self.drawer.closing = True
        with contextlib.suppress(queue.Empty):
            while True:
                item = self._jobs.get_nowait()
                if item is not None:
                    item[0].cancel()
        self._jobs.put(None)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():  # else it still reads the pipe: leave it to the exit
            self.drawer.close()

    def forget(self) -> None:
        self.drawer.forget()


class _State:
    def __init__(self, processes: int) -> None:
        self.lock = threading.RLock()
        self.processes = processes
        self.lanes: list[_Lane] = []
        self.jobs: OrderedDict[tuple[str, str], Future[bytes]] = OrderedDict()
        self.lane_of: OrderedDict[str, _Lane] = OrderedDict()
        self.warmed = False

    def started(self) -> list[_Lane]:
        if not self.lanes:
            self.lanes = [_Lane(n, self.lock) for n in range(self.processes)]
            # Batch workers leave through os._exit, past atexit; multiprocessing's own
            # exit handlers still run there, so the drawing process is ended and reaped.
            multiprocessing.util.Finalize(None, self.close, exitpriority=10)
        return self.lanes

    def lane_for(self, spec_json: str) -> _Lane:
        """The chart's lane: the one that drew it before (its process keeps the SVG the PNG
        is made from), else the least busy."""
        lane = self.lane_of.get(spec_json)
        if lane is None:
            lane = self.lane_of[spec_json] = min(self.started(), key=lambda one: one.queued)
        self.lane_of.move_to_end(spec_json)
        while len(self.lane_of) > KEEP:
            self.lane_of.popitem(last=False)
        return lane

    def job(self, kind: str, key: str, payload: Callable[[], str] | None = None) -> Future[bytes]:
        """The drawing of the chart known by ``key`` as ``kind``, started if new; ``payload``
        gives what the drawing process is sent, when not the key itself (made only if drawn)."""
        with self.lock:
            job = self.jobs.get((kind, key))
            if job is None:
                job = self.jobs[(kind, key)] = self.lane_for(key).submit(
                    kind, key if payload is None else payload()
                )
                while len(self.jobs) > KEEP:
                    self.jobs.popitem(last=False)
            self.jobs.move_to_end((kind, key))
            return job

    def give_up(self, kind: str, spec_json: str) -> None:
        """End the stuck process drawing this chart: its lane draws in this process from now
        on, and asking for the chart again starts it anew."""
        with self.lock:
            self.jobs.pop((kind, spec_json), None)
            lane = self.lane_of.get(spec_json)
        if lane is not None:
            lane.drawer.kill()

    def close(self) -> None:
        lanes, self.lanes = self.lanes, []
        for lane in lanes:
            lane.close()

    def forget(self) -> None:
        for lane in self.lanes:
            lane.forget()


# One drawing process per core beyond the first, at most two: on two cores, a second process
# only slows the report model it would race (measured in bench/RESULTS.md).
_state = _State(min(2, max(1, (os.cpu_count() or 1) - 1)))


def _forget_in_child() -> None:
    """A forked worker inherits the lanes without their threads, maybe a held lock, and the
    parent's drawing processes: it starts afresh."""
    global _state
    _state.forget()
    _state = _State(_state.processes)


os.register_at_fork(after_in_child=_forget_in_child)
atexit.register(lambda: _state.close())


def use_processes(count: int) -> None:
    """How many drawing processes to use (default: one per core beyond the first, at most
    two). Batch workers use one each. Takes effect before the first chart is drawn."""
    with _state.lock:
        if not _state.lanes:
            _state.processes = max(1, count)


def _key(spec: dict[str, Any]) -> str:
    if is_map(spec) and with_bundled_boundaries(spec):
        # The boundaries are most of a map's spec (0.6 MB as JSON) and the same in every map:
        # known by name, a map's key takes a millisecond instead of tens.
        rest = {k: v for k, v in spec.items() if k != "datasets"}
        return json.dumps(rest, sort_keys=True) + "\n" + BUNDLED
    return json.dumps(spec, sort_keys=True)


BUNDLED = "with the bundled boundaries"


def _payload(spec: dict[str, Any], key: str) -> Callable[[], str] | None:
    """What the drawing process is sent for a chart: the key itself, unless it leaves out the
    boundaries."""
    if key.endswith(BUNDLED):
        return lambda: json.dumps(spec, sort_keys=True)
    return None


def _sample() -> dict[str, Any]:
    """A service-profile chart of made-up figures, for warming up."""
    ids = [f"i{n}" for n in range(6)]
    profile = pd.DataFrame(
        {
            "indicator_id": ids,
            "indicator": [f"Netto driftsutgifter til formål {n}, per innbygger" for n in range(6)],
            "index": [80.0, 95.5, 101.0, 120.0, 99.0, 110.0],
            "index_highest": [130.0] * 6,
            "index_lowest": [70.0] * 6,
            "index_previous": [85.0, 97.0, 100.0, 115.0, 98.0, 108.0],
        }
    )
    peers = pd.DataFrame(
        {"indicator_id": ids, "peer": "Asker", "index": [90.0, 100.0, 99.0, 104.0, 96.0, 100.0]}
    )
    return profile_chart(profile, "Bærum", "ASSS", peers)


def get_ready(kinds: Iterable[str] = ("svg",)) -> None:
    """Start the drawing processes now, each drawing a sample chart: a process's first chart
    is slow (it starts, and its JavaScript engine compiles Vega as it goes), and the
    processes are idle anyway while the report's figures are read."""
    with _state.lock:
        if _state.warmed:
            return
        _state.warmed = True
        sample = _key(_sample())
        for lane in _state.started():
            for kind in kinds:
                lane.submit(kind, sample)


def draw_later(spec: dict[str, Any], kinds: Sequence[str]) -> None:
    """Start drawing the chart as each of ``kinds`` ("svg", "png"); SVG first, since the
    PNG is rasterised from it. No kinds (HTML, Excel): nothing to do, not even the key.
    A map with a municipality outlined starts as the map without the outline: the same for
    every municipality (:func:`kostra.outputs.maps.split_outline`)."""
    if not kinds:
        return
    split = split_outline(spec)
    if split is not None:
        _start("svg", split[0])
        return
    for kind in kinds:
        _start(kind, spec)


def _start(kind: str, spec: dict[str, Any]) -> tuple[Future[bytes], str]:
    key = _key(spec)
    return _state.job(kind, key, _payload(spec, key)), key


def _wait(kind: str, job: Future[bytes], key: str) -> bytes:
    try:
        return job.result(timeout=WAIT_SECONDS)
    except TimeoutError:
        _state.give_up(kind, key)
        raise ChartError(
            f"no {kind.upper()} chart after {WAIT_SECONDS:.0f} s: the drawing process is stuck"
        ) from None


def _drawn(kind: str, spec: dict[str, Any]) -> bytes:
    return _wait(kind, *_start(kind, spec))


def _outlined_svg(spec: dict[str, Any], compact: bool = False) -> str | None:
    """A map with an outline drawn from the map without it (drawn once for every municipality
    of a batch), or None if it must be drawn whole (see add_outline). ``compact``: from the
    map without it compacted (once too): the outline's path is one of the map's, compacted
    the same way."""
    split = split_outline(spec)
    if split is None:
        return None
    base = _drawn("svg", split[0]).decode("utf-8")
    return add_outline(_compacted(base) if compact else base, spec)


_COMPACTED: OrderedDict[str, str] = OrderedDict()


def _compacted(svg: str) -> str:
    with _state.lock:
        done = _COMPACTED.get(svg)
    if done is None:
        done = compact_svg(svg)
        with _state.lock:
            _COMPACTED[svg] = done
            while len(_COMPACTED) > 4:
                _COMPACTED.popitem(last=False)
    return done


def render_svg(spec: dict[str, Any], *, compact: bool = False) -> str:
    """The chart as SVG (vector graphics for the PDF); ``compact``: with its path coordinates
    rounded (:func:`kostra.outputs.maps.compact_svg`, for the maps)."""
    outlined = _outlined_svg(spec, compact)
    if outlined is not None:
        return outlined
    svg = _drawn("svg", spec).decode("utf-8")
    return compact_svg(svg) if compact else svg


def render_png(spec: dict[str, Any]) -> bytes:
    """The chart as PNG at 1.5 times its size (for Word)."""
    outlined = _outlined_svg(spec)
    if outlined is None:
        return _drawn("png", spec)
    return _wait("raster", *_raster(outlined))


def _raster(svg: str, kind: str = "raster") -> tuple[Future[bytes], str]:
    # Known by a digest: a kept drawing's key should not be a map's half megabyte.
    key = hashlib.sha256(svg.encode("utf-8")).hexdigest()
    return _state.job(kind, key, lambda: svg), key


def pdf_later(svg: str) -> Callable[[], bytes]:
    """Start drawing a chart drawn before as SVG (:func:`render_svg`) as a one-page PDF, for
    the PDF report (typeset.py); the function returned waits for it (ChartError if it
    cannot be drawn)."""
    job, key = _raster(svg, "vector")
    return lambda: _wait("vector", job, key)
