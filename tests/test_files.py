"""Atomic writes: the whole file or the old one, with the user's usual file mode."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kostra.files import write_atomically


def test_writes_text_and_bytes_with_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        target = tmp_path / "ny" / "rapport.html"
        write_atomically(target, "Bærum")
        assert target.read_text("utf-8") == "Bærum"
        assert stat.S_IMODE(target.stat().st_mode) == 0o644
        write_atomically(target, b"\x00\x01")
        assert target.read_bytes() == b"\x00\x01"
    finally:
        os.umask(old)
    assert [p.name for p in target.parent.iterdir()] == ["rapport.html"]


def test_a_failed_write_leaves_the_old_file_and_no_leftovers(tmp_path: Path) -> None:
    target = tmp_path / "cache.bin"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        write_atomically(target, 42)  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["cache.bin"]
