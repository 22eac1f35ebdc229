"""The methods of KOSTRA.md as pure functions on pandas frames.

Nothing in this package reads files, the network or the store: callers pass
the observations in, and get new frames (or small frozen dataclasses) back.
Each method lives in a module named after it.
"""
