"""``kostra profile`` as whole processes with the tables it keeps beside the store
(kostra.profile_cache): a later command reads its table without pandas and prints what a
command computing it prints, in every format; a write to the store is seen at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# The command line, reporting on standard error at its end whether pandas was imported.
_REPORTING = (
    "import atexit, sys\n"
    "atexit.register(lambda: sys.stderr.write(f\"\\npandas imported: {'pandas' in sys.modules}\\n\"))\n"
    "from kostra.outputs.cli import main\n"
    "sys.argv[0] = 'kostra'\n"
    "main()\n"
)


def _profile(db: Path, *args: str) -> tuple[str, bool]:
    """Standard output of ``kostra --db db profile *args``, and whether it imported pandas."""
    done = subprocess.run(
        [sys.executable, "-c", _REPORTING, "--db", str(db), "profile", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, done.stderr.rstrip().endswith("pandas imported: True")


def _computed(db: Path, *args: str) -> str:
    """What the command prints with no table kept (computing it)."""
    db.with_name(db.name + ".profiles.sqlite").unlink(missing_ok=True)
    out, used_pandas = _profile(db, *args)
    assert used_pandas
    return out


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_a_later_command_reads_the_kept_table_and_prints_the_same(store_path: Path, fmt: str) -> None:
    first, computed = _profile(store_path, "Bærum", "-s", "grunnskole", "-y", "2024", "-f", fmt)
    assert computed and "Gruppestørrelse" in first
    again, used_pandas = _profile(store_path, "Bærum", "-s", "grunnskole", "-y", "2024", "-f", fmt)
    assert (again, used_pandas) == (first, False)
    # Another municipality of the same area, year and group, by number and by name, and the
    # latest year when none is given: kept by the first command, the same as computing it.
    for args in (("0301", "-s", "grunnskole", "-y", "2024"), ("Asker", "-s", "grunnskole"), ("Utsira",)):
        full = (*args, "-s", "grunnskole") if len(args) == 1 else args
        kept, used_pandas = _profile(store_path, *full, "-f", fmt)
        assert not used_pandas, full
        assert kept == _computed(store_path, *full, "-f", fmt)
        _profile(store_path, "Bærum", "-s", "grunnskole", "-y", "2024", "-f", fmt)  # keep again


def test_a_write_to_the_store_is_seen_by_the_next_command(cli, store_path: Path, tmp_path: Path) -> None:
    args = ("Bærum", "-s", "okonomi", "-y", "2024", "-f", "csv")
    before, _ = _profile(store_path, *args)
    assert _profile(store_path, *args) == (before, False)
    revised = tmp_path / "revidert.csv"
    revised.write_text(
        "region;statistikkvariabel;år;verdi\n3201 Bærum;Frie inntekter per innbygger (kr);2024;85000\n",
        encoding="utf-8",
    )
    assert cli("--db", str(store_path), "data", "import", str(revised)).returncode == 0
    after, used_pandas = _profile(store_path, *args)
    assert used_pandas and after != before
    line = next(x for x in after.splitlines() if x.startswith("okonomi_frie_inntekter_per_innb,"))
    assert line.split(",")[6] == "85000"  # the 2024 column
    assert _profile(store_path, *args) == (after, False)


def test_a_damaged_file_beside_the_store_changes_nothing(store_path: Path) -> None:
    args = ("Bærum", "-s", "barnevern", "-y", "2023", "-f", "json")
    expected = _computed(store_path, *args)
    store_path.with_name(store_path.name + ".profiles.sqlite").write_bytes(b"\0garbage" * 512)
    out, used_pandas = _profile(store_path, *args)
    assert (out, used_pandas) == (expected, True)
    assert _profile(store_path, *args) == (expected, False)  # made anew


@pytest.mark.parametrize(
    "args",
    [
        ("Bærum", "-s", "grunnskole", "-y", "2024", "-p", ""),
        ("", "-s", "grunnskole", "-y", "2024"),
        ("Bærum", "-s", "grunnskole", "-y", "2030"),
        ("Bærum", "-s", "grunnskole", "-y", "2024", "-g", "naboer"),
        ("Bærum", "-s", "romfart", "-y", "2024"),
    ],
)
def test_bad_input_gets_the_same_answer_with_tables_kept(
    cli, store_path: Path, args: tuple[str, ...]
) -> None:
    plain = cli("--db", str(store_path), "profile", *args)
    assert plain.returncode == 2 and plain.stderr.startswith("Feil:")
    _profile(store_path, "Bærum", "-s", "grunnskole", "-y", "2024")
    _profile(store_path, "Bærum", "-s", "grunnskole")  # kept: the latest year and first profile too
    kept = cli("--db", str(store_path), "profile", *args)
    assert (kept.returncode, kept.stdout, kept.stderr) == (plain.returncode, plain.stdout, plain.stderr)
