"""Writers: Markdown, JSON, terminal text, figures and HTML, read from a frozen result.

Imports the derivation, results and numerics; no CLI.
"""
