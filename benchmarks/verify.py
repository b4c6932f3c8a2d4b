"""Whole-process wall time of one ``lksym verify`` claim, as ratios measured in one run.

Same house style as ``benchmarks/startup.py``: the machine is shared and noisy, so every
command is timed against a baseline measured in the same run, interleaved round by round,
and the medians are compared.

    python benchmarks/verify.py                 # 7 rounds, print a table
    python benchmarks/verify.py --rounds 3 --check   # exit 1 if a budget is exceeded

Budget (from issue 11): a right claim decided symbolically, region by region,

* ``lksym verify --k 1.5 --gradient '3/2*sign(w)*sqrt(abs(w))'``  <= 1.8 x  ``python -c "import sympy, numpy, click"``

The other rows are for information (not budgeted): a right claim with a breakpoint
(two more regions and a point), and a claim wrong only past 1e8 (sampled).
"""

from __future__ import annotations

import argparse
import sys

from timing import header, lksym, medians


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (median is used)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a ratio exceeds its budget")
    args = parser.parse_args()

    commands = {
        "import deps": [sys.executable, "-c", "import sympy, numpy, click"],
        "verify 1.5": lksym("verify", "--k", "1.5", "--gradient", "3/2*sign(w)*sqrt(abs(w))"),
        "piecewise": lksym("verify", "--k", "1.5", "--gradient",
                            "Piecewise((3/2*sqrt(w), w > 10^8), (3/2*sign(w)*sqrt(abs(w)), True))"),
        "wrong far": lksym("verify", "--k", "2.5", "--gradient",
                            "Piecewise((5/2*sign(w)*abs(w)^(3/2), abs(w) < 10^8), (0, True))"),
    }
    # Exit code 1 (a wrong claim) is an answer, not a failure.
    median = medians(commands, args.rounds, ok=(0, 1))
    print(header(14, args.rounds))
    for name, value in median.items():
        print(f"{name:<14}{value:>10.3f}{median[name] / median['import deps']:>8.2f}x")
    ratio = median["verify 1.5"] / median["import deps"]
    ok = ratio <= 1.8
    print(f"\nverify 1.5 / import deps = {ratio:5.2f}x   budget 1.8x   {'ok' if ok else 'OVER'}")
    return 1 if (not ok and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
