"""Derivation: SymPy works out the facts of a penalty, exactly.

Nothing here imports the results, numerics, writers or the CLI.
"""
