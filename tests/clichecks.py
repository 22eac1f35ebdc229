"""Checks shared by the command-line tests: what an error a user sees must look like."""

from __future__ import annotations

from click.testing import Result

# Words that give an English message away; names and options in quotes are skipped.
ENGLISH = {"the", "is", "not", "no", "of", "unknown", "cannot", "must", "should", "invalid", "error"}


def assert_bokmal(line: str) -> None:
    """No English words outside quoted names and option names."""
    words = {w.strip(".,;:()'\"").lower() for w in line.split() if not w.startswith(("'", "-"))}
    assert not words & ENGLISH, line


def assert_one_bokmal_line(result: Result, code: int, *, english_ok: bool = False) -> str:
    """Exit ``code``, nothing on standard output, and one red line in bokmål on standard
    error, without a traceback; returns the line."""
    shown = result.stdout + result.stderr
    assert result.exit_code == code, shown
    assert "Traceback" not in shown and not result.stdout.strip(), shown
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Feil: "), result.stderr
    if not english_ok:  # an unexpected error quotes Python's own (English) message
        assert_bokmal(lines[0])
    return lines[0]
