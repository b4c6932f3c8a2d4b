"""Wall time of ``lksym train``: the default grid on 2 cores, and one configuration.

Budgets (issue 25), absolute because the work is training, not start-up:

* ``lksym train --jobs 2`` (the default grid: 9 penalties x 4 optimisers x 3 strengths + 4 baselines,
  20 epochs each, plus the one-weight predictions and the figures)  <= 180 s
* ``lksym train --penalty 1 --optimizer adam-prox --alpha 0.1``  (one configuration and the baseline,
  20 epochs, the whole process)  <= 10 s

The machine is shared: the figures are the median of ``--rounds`` runs (one by default for the grid),
and the first line prints the load average so a reader can judge the noise.

    python benchmarks/train.py                 # both, print a table
    python benchmarks/train.py --only one --rounds 3 --check
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile

from timing import lksym, wall_time

BUDGETS = {"grid": 180.0, "one": 10.0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="runs of each (median is used)")
    parser.add_argument("--only", choices=sorted(BUDGETS), default=None)
    parser.add_argument("--check", action="store_true", help="exit 1 when a budget is exceeded")
    args = parser.parse_args()
    out = tempfile.mkdtemp(prefix="lksym-bench-train-")
    commands = {
        "one": lksym("train", "--penalty", "1", "--optimizer", "adam-prox", "--alpha", "0.1", "--jobs", "1"),
        "grid": lksym("train", "--jobs", "2", "--out", os.path.join(out, "train")),
    }
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    failed = False
    try:
        for name, command in commands.items():
            if args.only and name != args.only:
                continue
            times = [wall_time(command) for _ in range(args.rounds)]
            t = statistics.median(times)
            ok = t <= BUDGETS[name]
            failed |= not ok
            print(f"{name:5s} {t:7.1f} s  budget {BUDGETS[name]:5.0f} s  {'ok' if ok else 'OVER'}  ({' '.join(commands[name][3:])})")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return 1 if failed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
