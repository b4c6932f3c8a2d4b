"""Whole-process wall time of ``lksym dynamics``, as ratios measured in one run (issue 23).

Same house style as ``benchmarks/penalty.py``: every command is timed against a baseline measured in
the same run, interleaved round by round, and the medians are compared.

    python benchmarks/dynamics.py                     # 5 rounds, print a table
    python benchmarks/dynamics.py --rounds 3 --check  # exit 1 if a budget is exceeded

Budget (issue 23):

* ``lksym dynamics 1.5 --optimizer adam --json``  <= 2 x  ``python -c "import sympy, numpy, click"``

Also shown, without a budget: SGD on L1 and the proximal step on SCAD; with ``--page``, the
``optimizers`` target of ``lksym regenerate`` (``write_optimizers`` into a temporary folder: every
optimiser on the article's k and the catalogue, the claims re-judged, six figures).

    python benchmarks/dynamics.py --rounds 1 --page   # include the optimizers page build
"""

from __future__ import annotations

import argparse
import sys

from timing import header, lksym, medians


PAGE = ("import tempfile\n"
        "from lksym.regenerate import CATALOGUE_TEXTS\n"
        "from lksym.app.optimizers import write_optimizers\n"
        "with tempfile.TemporaryDirectory() as out:\n"
        "    write_optimizers(out, CATALOGUE_TEXTS)\n")
"""The optimizers target alone, as ``lksym regenerate`` runs it."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (median is used)")
    parser.add_argument("--check", action="store_true", help="exit 1 when the ratio exceeds its budget")
    parser.add_argument("--page", action="store_true", help="also time the optimizers page (tens of seconds)")
    args = parser.parse_args()
    commands = {
        "import sympy, numpy, click": [sys.executable, "-c", "import sympy, numpy, click"],
        "dynamics 1.5 adam --json": lksym("dynamics", "1.5", "--optimizer", "adam", "--json"),
        "dynamics 1 sgd --json": lksym("dynamics", "1", "--json"),
        "dynamics SCAD prox-sgd": lksym("dynamics", "scad(lam=1, a=3.7)", "--optimizer", "prox-sgd"),
    }
    if args.page:
        commands["optimizers page"] = [sys.executable, "-c", PAGE]
    median = medians(commands, args.rounds)
    base = "import sympy, numpy, click"
    print(header(28, args.rounds))
    for name, value in median.items():
        print(f"{name:<28}{value:>10.3f}{value / median[base]:>8.2f}x")
    ratio = median["dynamics 1.5 adam --json"] / median[base]
    print()
    print(f"dynamics 1.5 adam --json / {base} = {ratio:5.2f}x   budget 2.0x   {'ok' if ratio <= 2.0 else 'OVER'}")
    return 1 if (ratio > 2.0 and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
