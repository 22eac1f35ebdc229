"""The chart-drawing process: reads chart specs on stdin, draws them with vl-convert,
answers on stdout.

vl-convert holds the GIL while it draws, so drawing in a thread of the report's
own process takes turns with building the report. Run as its own process
(``python -P draw_process.py CONFIG``), it draws on the second core instead. It
imports nothing from kostra, so it starts in a fraction of a second.

Frames, both ways: one kind byte and a big-endian 4-byte length, then the body.
Requests: ``s`` (SVG) or ``p`` (PNG) with the Vega-Lite spec as JSON. Answers:
``o`` with the drawing, or ``e`` with the error message.
"""

from __future__ import annotations

import json
import signal
import struct
import sys
from collections import OrderedDict
from typing import IO

HEADER = struct.Struct(">cI")
KEEP_SVGS = 64  # a PNG is rasterised from the SVG drawn just before it


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


def main() -> None:
    import vl_convert as vlc

    config = json.loads(sys.argv[1])
    locale, scale = config["locale"], float(config["scale"])
    svgs: OrderedDict[bytes, str] = OrderedDict()

    def svg_of(spec: bytes) -> str:
        if spec not in svgs:
            svgs[spec] = vlc.vegalite_to_svg(json.loads(spec), format_locale=locale)
            while len(svgs) > KEEP_SVGS:
                svgs.popitem(last=False)
        return svgs[spec]

    # Ctrl-C reaches the whole process group: the parent decides, and this process ends
    # when its input does.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while (frame := read_frame(sys.stdin.buffer)) is not None:
        kind, spec = frame
        try:
            answer = (
                svg_of(spec).encode("utf-8") if kind == b"s" else vlc.svg_to_png(svg_of(spec), scale=scale)
            )
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # a Rust panic too: the parent raises it, this goes on
            write_frame(sys.stdout.buffer, b"e", f"{type(exc).__name__}: {exc}".encode())
        else:
            write_frame(sys.stdout.buffer, b"o", answer)


if __name__ == "__main__":
    main()
