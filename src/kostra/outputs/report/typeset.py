"""Typesetting the PDF: WeasyPrint lays out the print HTML, whose charts are empty boxes of
the charts' size; the charts, drawn to PDF by vl-convert, are then placed in their boxes.

WeasyPrint draws SVG text glyph by glyph in Python: drawing the report's 30 charts itself took
most of its writing time, vl-convert draws them in a tenth of that. A chart's placeholder is an
empty SVG with the chart's width, height and viewBox, marked with its number
(:data:`CHART_ATTRIBUTE`), so the layout is what it would be with the chart; its box is read
from the laid-out pages, and the chart goes there as a Form XObject, in an incremental update
of WeasyPrint's PDF (pypdf), which leaves WeasyPrint's pages, bookmarks, links and metadata
as they are.

Run as a script (``python -P typeset.py``), this is the typesetting process: started as soon
as a report command knows it will write a PDF, it imports WeasyPrint (more than half a
second) on the other core while the report's figures are read, then waits for the page; and
when a report is written in several formats, the PDF is typeset here while the report's own
process writes the others. It imports nothing from kostra, so it starts at once.

Input, frames of a big-endian 4-byte length and the body: the print HTML, then each chart's
PDF in the order of their numbers; the charts are read while the page is laid out (they are
drawn meanwhile). Exit status 0 with the PDF on stdout, else the error on stderr.
"""

from __future__ import annotations

import gc
import io
import os
import signal
import struct
import sys
import threading
from collections.abc import Callable, Sequence
from typing import IO, Any

CHART_ATTRIBUTE = "data-kostra-chart"
PT_PER_PX = 0.75  # CSS px are 1/96 in, PDF points 1/72 in
HEADER = struct.Struct(">I")

# A chart's box on the laid-out pages: page number (from 0), x, y (from the page's top
# left), width, height, all in CSS px.
Box = tuple[int, float, float, float, float]


def read_frame(stream: IO[bytes]) -> bytes | None:
    """One frame's body, or None at the end of the stream."""
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    (length,) = HEADER.unpack(head)
    body = stream.read(length)
    return body if len(body) == length else None


def write_frame(stream: IO[bytes], body: bytes) -> None:
    stream.write(HEADER.pack(len(body)))
    stream.write(body)


def chart_boxes(document: Any) -> dict[int, Box]:
    """The content box of each chart placeholder of a laid-out WeasyPrint document, by number."""
    boxes: dict[int, Box] = {}
    for number, page in enumerate(document.pages):
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if getattr(box, "replacement", None) is None or element is None:
                continue
            chart = element.get(CHART_ATTRIBUTE)
            if chart is not None:
                boxes[int(chart)] = (number, box.content_box_x(), box.content_box_y(), box.width, box.height)
    return boxes


def place_charts(document: bytes, boxes: dict[int, Box], charts: Sequence[bytes]) -> bytes:
    """``document`` with each chart (a one-page PDF) drawn in its box, scaled to it."""
    if not boxes:
        return document
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject

    if len(charts) < len(boxes) or max(boxes) >= len(charts):
        raise ValueError(f"{len(boxes)} chart boxes, {len(charts)} charts")
    writer = PdfWriter(io.BytesIO(document), incremental=True)
    # WeasyPrint's page content may leave its graphics state changed: it is wrapped in q ... Q,
    # so the charts are placed in the page's own coordinates.
    save = DecodedStreamObject()
    save.set_data(b"q\n")
    save_reference = writer._add_object(save)
    copier = _Copier(writer)
    by_page: dict[int, list[int]] = {}
    for chart in sorted(boxes):
        by_page.setdefault(boxes[chart][0], []).append(chart)
    for number, on_page in by_page.items():
        page = writer.pages[number]
        page_height = float(page.mediabox.top)
        resources: Any = page["/Resources"].get_object()
        if "/XObject" not in resources:
            resources[NameObject("/XObject")] = DictionaryObject()
        xobjects = resources["/XObject"].get_object()
        operations = [b"Q"]
        for chart in on_page:
            _, x, y, width, height = boxes[chart]
            drawing = PdfReader(io.BytesIO(charts[chart])).pages[0]
            left, bottom, right, top = (float(v) for v in drawing.mediabox)
            form = copier.form(drawing)
            form[NameObject("/Type")] = NameObject("/XObject")
            form[NameObject("/Subtype")] = NameObject("/Form")
            form[NameObject("/BBox")] = ArrayObject(FloatObject(v) for v in (left, bottom, right, top))
            name = f"/KostraChart{chart}"
            xobjects[NameObject(name)] = form.indirect_reference
            sx = width * PT_PER_PX / (right - left)
            sy = height * PT_PER_PX / (top - bottom)
            # PDF's y axis goes up from the page's bottom; the box's y down from its top.
            e = x * PT_PER_PX - sx * left
            f = page_height - (y + height) * PT_PER_PX - sy * bottom
            operations.append(f"q {sx:.6f} 0 0 {sy:.6f} {e:.4f} {f:.4f} cm {name} Do Q".encode("ascii"))
        place = DecodedStreamObject()
        place.set_data(b"\n".join(operations) + b"\n")
        contents: Any = page.raw_get("/Contents")  # a reference stays one
        old = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject([save_reference, *old, writer._add_object(place)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class _Copier:
    """Copies a chart's PDF objects into ``writer``: dictionaries' keys in sorted order and
    objects numbered in that order (vl-convert writes a chart's fonts in no fixed order, and
    the PDF must not change from run to run); streams still compressed as vl-convert wrote
    them (decoding and encoding the maps' would take a while); a stream the same in several
    charts (the colour profile) written once."""

    def __init__(self, writer: Any) -> None:
        import pypdf.generic

        self.pdf = pypdf.generic  # the object types, looked up once: copy() runs 25,000 times
        self.writer = writer
        self._by_content: dict[tuple[bytes, str], Any] = {}
        self._seen: dict[int, Any] = {}  # the chart's objects copied, by number

    def form(self, drawing: Any) -> Any:
        """The chart's page as a Form XObject (without its /Type, /Subtype and /BBox)."""
        self._seen = {}
        contents = drawing["/Contents"].get_object()
        if isinstance(contents, self.pdf.StreamObject):
            form = self._empty(contents)
            self._fill(form, contents)
        else:  # several streams: one
            form = self.pdf.DecodedStreamObject()
            form.set_data(drawing.get_contents().get_data())
            form = form.flate_encode()
        form[self.pdf.NameObject("/Resources")] = self.copy(drawing.raw_get("/Resources"))
        return self.writer._add_object(form).get_object()

    def copy(self, value: Any) -> Any:
        """``value`` as an object of ``writer``: direct values copied, objects referred to
        copied once and referred to."""
        if isinstance(value, self.pdf.IndirectObject):
            return self._indirect(value)
        if isinstance(value, (self.pdf.DictionaryObject, self.pdf.ArrayObject)):
            result = self._empty(value)
            self._fill(result, value)
            return result
        return value

    def _indirect(self, reference: Any) -> Any:
        if reference.idnum in self._seen:
            return self._seen[reference.idnum]
        target = reference.get_object()
        content = None
        # A stream is known by its content when its dictionary refers to no other object.
        if isinstance(target, self.pdf.StreamObject) and not any(
            isinstance(v, self.pdf.IndirectObject) for v in target.values()
        ):
            content = (target._data, repr(sorted(target.items())))
            if content in self._by_content:
                return self._by_content[content]
        copy = self._empty(target)
        # Numbered before its parts are copied into it: a cycle ends here.
        copied = self._seen[reference.idnum] = self.writer._add_object(copy)
        self._fill(copy, target)
        if content is not None:
            self._by_content[content] = copied
        return copied

    def _empty(self, source: Any) -> Any:
        """A new object of ``source``'s kind: a stream with its (compressed) data, an empty
        dictionary or array, or ``source`` itself (numbers, names, strings)."""
        if isinstance(source, self.pdf.StreamObject):
            stream = type(source)()
            stream._data = source._data
            return stream
        if isinstance(source, (self.pdf.DictionaryObject, self.pdf.ArrayObject)):
            return type(source)()
        return source

    def _fill(self, copy: Any, source: Any) -> None:
        """Copy ``source``'s parts into ``copy`` (from :meth:`_empty`)."""
        if isinstance(source, self.pdf.DictionaryObject):
            for key in sorted(source):
                if not (key == "/Length" and isinstance(source, self.pdf.StreamObject)):  # written anew
                    # raw_get: a reference stays a reference (indexing would resolve it).
                    copy[key] = self.copy(source.raw_get(key))
        elif isinstance(source, self.pdf.ArrayObject):
            copy.extend(self.copy(item) for item in source)


def typeset(page: str, charts: Callable[[], Sequence[bytes]]) -> bytes:
    """The PDF of the print HTML ``page``, with ``charts()`` (each chart's PDF, by number)
    placed in their boxes; ``charts`` is called once the page is laid out and written."""
    from weasyprint import HTML

    document = HTML(string=page).render()
    boxes = chart_boxes(document)
    written: bytes = document.write_pdf()
    return place_charts(written, boxes, charts())


def main() -> None:
    # Ctrl-C reaches the whole process group: the parent decides; this ends with its input.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # No cycle collection: it went over the laid-out pages again and again, a quarter of the
    # typesetting's time, to free a few megabytes this process, ending soon, does not need.
    gc.disable()
    import weasyprint  # noqa: F401  # now, while the parent builds the report

    stdin = sys.stdin.buffer
    page = read_frame(stdin)
    if page is None:  # the report failed before its PDF: nothing to do
        return
    charts: list[bytes] = []

    def read_charts() -> None:  # while the page is laid out: the charts are drawn meanwhile
        while (chart := read_frame(stdin)) is not None:
            charts.append(chart)

    reader = threading.Thread(target=read_charts, name="kostra-charts", daemon=True)
    reader.start()

    def all_charts() -> list[bytes]:
        reader.join()
        return charts

    document = typeset(page.decode("utf-8"), all_charts)
    sys.stdout.buffer.write(document)
    sys.stdout.buffer.flush()
    sys.stderr.flush()
    # Done: the parent waits for the end of the output, and tearing down WeasyPrint's laid-out
    # pages (a few hundred thousand objects) would take a third of a second more.
    os._exit(0)


if __name__ == "__main__":
    main()
