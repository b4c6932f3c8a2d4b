"""Wall and CPU time of ``lksym train``: the default grid on 2 cores, and one configuration.

Budgets (issue 25): the default grid within 3 minutes on 2 cores, one configuration within 10 s.

* ``lksym train --jobs 2 --out DIR`` (the default grid: 9 penalties x 4 optimisers x 3 strengths + 4 baselines,
  20 epochs each, plus the one-weight predictions and the figures): wall <= 180 s, CPU <= 340 s
* ``lksym train --penalty 1 --optimizer adam-prox --alpha 0.1 --jobs 1`` (one configuration and its baseline,
  20 epochs, the whole process): wall <= 10 s, CPU <= 9 s

The machine these run on is shared, so beside the wall time the benchmark sums the CPU seconds of the
process and every process it starts (:func:`suite_time.measure`: ``/proc`` samples and the rusage at exit).
The CPU budgets are the wall budgets on an idle machine: 2 cores x 180 s less the start-up, before the pool,
that runs on one core (about 20 s); 10 s less the second a process of ours spends waiting on the disk on an
idle machine.  On a loaded machine only the CPU figure means something: the verdict (and ``--check``)
follows it; the wall verdict is printed too, with the load average before and after, to judge it by.

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

from suite_time import measure
from timing import ENV, lksym

BUDGETS = {"grid": (180.0, 340.0), "one": (10.0, 9.0)}
"""Wall and CPU seconds."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="runs of each (the median of each figure is used)")
    parser.add_argument("--only", choices=sorted(BUDGETS), default=None)
    parser.add_argument("--check", action="store_true", help="exit 1 when a CPU budget is exceeded")
    args = parser.parse_args()
    out = tempfile.mkdtemp(prefix="lksym-bench-train-")
    commands = {
        "one": lksym("train", "--penalty", "1", "--optimizer", "adam-prox", "--alpha", "0.1", "--jobs", "1"),
        "grid": lksym("train", "--jobs", "2", "--out", os.path.join(out, "train")),
    }
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'':5s} {'wall s':>8s} {'budget':>7s} {'':4s} {'CPU s':>8s} {'budget':>7s} {'':4s}  command")
    failed = False
    try:
        for name, command in commands.items():
            if args.only and name != args.only:
                continue
            walls, cpus = [], []
            for _ in range(args.rounds):
                shutil.rmtree(os.path.join(out, "train"), ignore_errors=True)
                code, wall, cpu, _ = measure(command, quiet=True, env=ENV)
                if code != 0:
                    raise SystemExit(f"{' '.join(command)} exited with {code}")
                walls.append(wall)
                cpus.append(cpu)
            wall, cpu = statistics.median(walls), statistics.median(cpus)
            wall_budget, cpu_budget = BUDGETS[name]
            failed |= cpu > cpu_budget
            print(f"{name:5s} {wall:8.1f} {wall_budget:7.0f} {'ok' if wall <= wall_budget else 'OVER':4s} "
                  f"{cpu:8.1f} {cpu_budget:7.0f} {'ok' if cpu <= cpu_budget else 'OVER':4s}  "
                  f"({' '.join(command[3:])})", flush=True)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 1 if failed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
