"""Numerics: NumPy evaluates what the derivation found (lambdified, never re-typed).

Imports the derivation and the results; no writers, no CLI.
"""
