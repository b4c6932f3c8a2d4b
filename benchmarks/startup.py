"""Whole-process wall time of lksym, as ratios measured in one run.

The machine is shared and noisy, so absolute seconds mean little: every command
is timed against a baseline measured in the same run, interleaved round by
round, and the median of the rounds is compared.

    python benchmarks/startup.py            # 7 rounds, print a table
    python benchmarks/startup.py --rounds 3 --check   # exit 1 if a budget is exceeded

Budgets (from issue 3):

* ``lksym report --k 1.5``           <= 1.8 x  ``python -c "import sympy, numpy, matplotlib, click"``
* ``lksym report`` with ten k         <= 4.5 x  the same baseline
* ``lksym --help``                    <= 1.3 x  ``python -c "import click"``
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile

from timing import header, lksym, medians

TEN_K = ["0.1", "0.5", "1", "1.5", "1.9", "2", "7/3", "3", "10", "sqrt(2)"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (median is used)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a ratio exceeds its budget")
    args = parser.parse_args()

    out = tempfile.mkdtemp(prefix="lksym-bench-")
    commands = {
        "import deps": [sys.executable, "-c", "import sympy, numpy, matplotlib, click"],
        "import click": [sys.executable, "-c", "import click"],
        "report 1.5": lksym("report", "--k", "1.5", "--out", os.path.join(out, "one")),
        "report x10": lksym("report", *[a for k in TEN_K for a in ("--k", k)], "--out", os.path.join(out, "ten")),
        "--help": lksym("--help"),
    }

    def fresh(name: str, command: list[str]) -> None:
        if name.startswith("report"):
            # Fresh folder each time: measure real writes, not the "unchanged" shortcut.
            shutil.rmtree(command[-1], ignore_errors=True)

    try:
        median = medians(commands, args.rounds, before=fresh)
    finally:
        shutil.rmtree(out, ignore_errors=True)

    budgets = [
        ("report 1.5", "import deps", 1.8),
        ("report x10", "import deps", 4.5),
        ("--help", "import click", 1.3),
    ]
    print(header(14, args.rounds))
    for name, value in median.items():
        print(f"{name:<14}{value:>10.3f}")
    print()
    failed = False
    for name, base, budget in budgets:
        ratio = median[name] / median[base]
        ok = ratio <= budget
        failed |= not ok
        print(f"{name:<12} / {base:<13} = {ratio:5.2f}x   budget {budget}x   {'ok' if ok else 'OVER'}")
    return 1 if (failed and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
