"""The application layer: one module per command that computes (parse the subject, derive, run the numerics),
then hands a frozen result to a writer to render and writes the files.

``lksym.cli`` calls these (lazily, for start-up time); they sit above the writers and below the CLI
(``tests/test_layers.py``).
"""
