"""Readers of the formats SSB publishes in, and of the bundled dataset.

Nothing here knows about the store or the analysis: each reader turns bytes
into a tidy pandas frame with the codes and labels as published, and raises
:class:`kostra.errors.InputError` naming the file and row when input is bad.
"""
