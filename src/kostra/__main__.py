"""``python -m kostra`` runs the command line."""

from kostra.outputs.cli import main

main()
