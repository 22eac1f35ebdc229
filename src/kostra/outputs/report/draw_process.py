"""The chart-drawing process: reads chart specs on stdin, draws them with vl-convert,
answers on stdout.

vl-convert holds the GIL while it draws, so drawing in a thread of the report's
own process takes turns with building the report. Run as its own process
(``python -P draw_process.py CONFIG``), it draws on the second core instead. It
imports nothing from kostra, so it starts in a fraction of a second.

Frames, both ways: one kind byte and a big-endian 4-byte length, then the body.
Requests: ``s`` (SVG) or ``p`` (PNG) with the Vega-Lite spec as JSON, or ``r`` (PNG) or ``v``
(PDF, for the PDF report: typeset.py) with an SVG drawn before (for ``r``, a map with its
outline added: kostra.outputs.maps.add_outline). Answers: ``o`` with the drawing, or ``e``
with the error message.
"""

from __future__ import annotations

import json
import signal
import struct
import sys
from collections import OrderedDict
from typing import IO, Any

HEADER = struct.Struct(">cI")
KEEP_SVGS = 64  # a PNG is rasterised from the SVG drawn just before it
KINDS = {b"s": "svg", b"p": "png", b"r": "raster", b"v": "vector"}


def _read(stream: IO[bytes], size: int) -> bytes:
    """``size`` bytes, or fewer at the end of the stream (unbuffered pipes return what came)."""
    parts = []
    while size > 0 and (part := stream.read(size)):
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def read_frame(stream: IO[bytes]) -> tuple[bytes, bytes] | None:
    """One frame (kind, body), or None at the end of the stream."""
    head = _read(stream, HEADER.size)
    if len(head) < HEADER.size:
        return None
    kind, length = HEADER.unpack(head)
    body = _read(stream, length)
    if len(body) < length:
        return None
    return kind, body


def write_frame(stream: IO[bytes], kind: bytes, body: bytes) -> None:
    data = memoryview(HEADER.pack(kind, len(body)) + body)
    while data:  # an unbuffered pipe may take part of it
        written = stream.write(data)
        data = data[written if written is not None else len(data) :]
    stream.flush()


class Renderer:
    """Charts drawn by vl-convert, as SVG or as PNG rasterised from the SVG (kept for a
    while: the PNG of a chart is asked for just after its SVG). Used from one thread."""

    def __init__(self, locale: dict[str, Any], scale: float) -> None:
        import vl_convert

        self._vlc = vl_convert
        self._locale, self._scale = locale, scale
        self._svgs: OrderedDict[bytes, str] = OrderedDict()

    def _svg(self, spec: bytes) -> str:
        if spec not in self._svgs:
            self._svgs[spec] = self._vlc.vegalite_to_svg(json.loads(spec), format_locale=self._locale)
            while len(self._svgs) > KEEP_SVGS:
                self._svgs.popitem(last=False)
        return self._svgs[spec]

    def draw(self, kind: str, spec: bytes) -> bytes:
        """``kind`` "svg" or "png" with ``spec`` the Vega-Lite spec as JSON, or "raster" or
        "vector" with ``spec`` an SVG, drawn as PNG or as a one-page PDF."""
        if kind == "vector":
            pdf: bytes = self._vlc.svg_to_pdf(spec.decode("utf-8"))
            return pdf
        svg = spec.decode("utf-8") if kind == "raster" else self._svg(spec)
        if kind == "svg":
            return svg.encode("utf-8")
        png: bytes = self._vlc.svg_to_png(svg, scale=self._scale)
        return png


def main() -> None:
    config = json.loads(sys.argv[1])
    renderer = Renderer(config["locale"], float(config["scale"]))
    # Ctrl-C reaches the whole process group: the parent decides, and this process ends
    # when its input does.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while (frame := read_frame(sys.stdin.buffer)) is not None:
        kind, spec = frame
        try:
            answer = renderer.draw(KINDS.get(kind, "png"), spec)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # a Rust panic too: the parent raises it, this goes on
            write_frame(sys.stdout.buffer, b"e", f"{type(exc).__name__}: {exc}".encode())
        else:
            write_frame(sys.stdout.buffer, b"o", answer)


if __name__ == "__main__":
    main()
