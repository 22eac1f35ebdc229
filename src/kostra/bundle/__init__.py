"""Builds the dataset that ships inside the package (``kostra/data/``).

Run ``python -m kostra.bundle.build --shared ../shared/data`` after changing the
catalog or the generator; a test rebuilds the bundle and checks it is identical
to what ships, so the shipped files cannot drift from this code.

This is developer tooling: kostra at run time only *reads* the bundle
(:mod:`kostra.sources.bundled`).
"""
