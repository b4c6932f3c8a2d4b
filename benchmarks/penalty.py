"""Whole-process wall time of the analysis and report of a catalogue penalty, as ratios measured in one run.

Same house style as ``benchmarks/startup.py``: every command is timed against a baseline
measured in the same run, interleaved round by round, and the medians are compared.

    python benchmarks/penalty.py                   # 5 rounds, print a table
    python benchmarks/penalty.py --rounds 3 --check   # exit 1 if a budget is exceeded

Budgets (from issue 12):

* ``lksym analyze "scad(lam=1, a=3.7)" --json``  <= 2 x  ``python -c "import sympy, numpy, click"``
* ``lksym report "scad(lam=1, a=3.7)"``          <= 2 x  ``python -c "import sympy, numpy, matplotlib.figure, click"``
* ``lksym report "logsum(eps=0.1)"`` (the slowest catalogue report) within the same 2 x
"""

from __future__ import annotations

import argparse
import sys
import tempfile

from timing import header, lksym, medians

SCAD = "scad(lam=1, a=3.7)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (median is used)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a ratio exceeds its budget")
    args = parser.parse_args()
    out = tempfile.mkdtemp(prefix="lksym-bench-")
    commands = {
        "import sympy, numpy, click": [sys.executable, "-c", "import sympy, numpy, click"],
        "import + matplotlib": [sys.executable, "-c", "import sympy, numpy, matplotlib.figure, click"],
        "analyze SCAD --json": lksym("analyze", SCAD, "--json"),
        "report SCAD": lksym("report", SCAD, "--out", out),
        "report log-sum": lksym("report", "logsum(eps=0.1)", "--out", out),
        "analyze MCP --json": lksym("analyze", "mcp(lam=1, gamma=3)", "--json"),
        "analyze log-sum --json": lksym("analyze", "logsum(eps=0.1)", "--json"),
    }
    median = medians(commands, args.rounds)
    print(header(28, args.rounds))
    for name, value in median.items():
        base = "import + matplotlib" if name.startswith("report") else "import sympy, numpy, click"
        print(f"{name:<28}{value:>10.3f}{value / median[base]:>8.2f}x")
    budgets = [("analyze SCAD --json", "import sympy, numpy, click", 2.0), ("report SCAD", "import + matplotlib", 2.0),
               ("report log-sum", "import + matplotlib", 2.0)]
    over = False
    print()
    for name, base, budget in budgets:
        ratio = median[name] / median[base]
        over |= ratio > budget
        print(f"{name} / {base} = {ratio:5.2f}x   budget {budget}x   {'ok' if ratio <= budget else 'OVER'}")
    return 1 if (over and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
