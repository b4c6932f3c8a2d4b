"""Speed of analysing sums of powers and hyperbolic penalties (issue 26), as ratios to one that was always quick.

    python benchmarks/sums_of_powers.py            # 3 rounds, print a table

Each penalty is analysed in a fresh process (``lksym analyze``), rounds interleaved, medians; the ratio is to
``abs(w)^0.5 + w^2`` in the same run, so a busy machine moves all of them alike.  Before the fix,
``abs(w)^0.7 + w^2`` and ``abs(w)^0.5 + abs(w)`` hit the 20 s limit (the level equation |p'(x)|/x = c, a sum
of powers, went to ``solve`` as a degree-13 polynomial in x^(1/10); the crossing with L2 to ``solveset`` as a
cubic in sqrt(x)); ``log(cosh(w))`` hit it too (limits of sinh/cosh ratios at oo, ~1 s each).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

LKSYM = str(Path(sys.executable).with_name("lksym"))
BASE = "abs(w)^0.5 + w^2"
CASES = [BASE, "abs(w)^0.7 + w^2", "abs(w)^0.5 + abs(w)", "abs(w)^(1/3) + abs(w)^(2/3)", "log(cosh(w))", "tanh(abs(w))"]


def once(text: str) -> float:
    start = time.perf_counter()
    done = subprocess.run([LKSYM, "analyze", text], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        print(f"{text}: exit {done.returncode}: {done.stderr.strip()[:100]}", file=sys.stderr)
        return float("nan")
    return elapsed


def main(rounds: int = 3) -> None:
    times: dict = {text: [] for text in CASES}
    for _ in range(rounds):
        for text in CASES:
            times[text].append(once(text))
    base = statistics.median(times[BASE])
    print(f"{'penalty':32} {'median s':>9} {'/ base':>7}")
    for text in CASES:
        m = statistics.median(times[text])
        print(f"{text:32} {m:9.2f} {m / base:7.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
