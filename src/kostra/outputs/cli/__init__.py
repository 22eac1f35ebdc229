"""The ``kostra`` command line: thin wrappers around the Python API, one module per command group.

- :mod:`~kostra.outputs.cli.app`: the application, its global options and the one error
  boundary (one line and an exit code for every error; ``--debug`` shows the traceback);
- :mod:`~kostra.outputs.cli.tables`: ``profile`` and ``analyse`` (one municipality, one area);
- :mod:`~kostra.outputs.cli.reports`: ``report``;
- :mod:`~kostra.outputs.cli.compare`: ``rank``, ``dea``, ``similar`` and ``groups``;
- :mod:`~kostra.outputs.cli.data`: ``data status|import|fetch|diff``;
- :mod:`~kostra.outputs.cli.serve`: ``serve``.
"""

from __future__ import annotations

# Importing the command modules registers their commands on the application.
from kostra.outputs.cli import compare, data, reports, serve, tables
from kostra.outputs.cli.app import app, main

__all__ = ["app", "compare", "data", "main", "reports", "serve", "tables"]
