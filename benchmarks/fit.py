"""``lksym fit``'s inner product and a refused ``lksym fit``, as ratios measured in one run (issue 22).

Same house style as ``benchmarks/dynamics.py``: whatever is compared is timed in the same run, interleaved
round by round, and the medians are compared.

    python benchmarks/fit.py              # 5 rounds, print a table
    python benchmarks/fit.py --rounds 3

Two figures:

* ``fixed_order_matvec`` (one ``add.accumulate``) against the column loop it replaced, on the 50 x 50 Gram
  matrix of every iteration of :func:`lksym.numerics.fitting.fit_one`; the bits are checked equal first.
* ``lksym fit 2`` into a folder whose ``fit/`` holds a user's file (refused, exit 2) against the same command
  into an empty folder: the refusal comes before the fits (``writers.index.check_page``), not after them.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from timing import header, lksym, medians

from lksym.fileio import write_folder
from lksym.numerics.fitting import fixed_order_matvec


def column_loop(A: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The loop ``fixed_order_matvec`` replaced: one column at a time."""
    columns = np.ascontiguousarray(A.T)
    out = np.zeros(A.shape[0])
    for j in range(columns.shape[0]):
        out += columns[j] * v[j]
    return out


def matvec_medians(rounds: int, calls: int = 2000) -> dict[str, float]:
    rng = np.random.default_rng(0)
    A, v = rng.standard_normal((50, 50)), rng.standard_normal(50)
    assert fixed_order_matvec(A, v).tobytes() == column_loop(A, v).tobytes()
    samples: dict[str, list[float]] = {"column loop": [], "fixed_order_matvec": []}
    for _ in range(rounds):
        for name, f in (("column loop", column_loop), ("fixed_order_matvec", fixed_order_matvec)):
            start = time.perf_counter()
            for _ in range(calls):
                f(A, v)
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (median is used)")
    rounds = parser.parse_args().rounds

    matvec = matvec_medians(rounds)
    print(f"{'2000 products (one fit)':<40}{'median s':>10}")
    for name, seconds in matvec.items():
        print(f"{name:<40}{seconds:>10.3f}")
    print(f"{'ratio loop / fixed_order_matvec':<40}{matvec['column loop'] / matvec['fixed_order_matvec']:>10.1f}\n")

    with tempfile.TemporaryDirectory() as tmp:
        empty, blocked = Path(tmp) / "empty", Path(tmp) / "blocked"
        write_folder(blocked / "fit", {"k-2.svg": "<svg/>"})
        (blocked / "fit" / "thesis.md").write_text("mine\n")
        commands = {"lksym fit 2 (written)": lksym("fit", "2", "--out", str(empty)),
                    "lksym fit 2 (refused: a user's file)": lksym("fit", "2", "--out", str(blocked))}
        times = medians(commands, rounds, ok=(0, 2),
                        before=lambda name, command: shutil.rmtree(empty, ignore_errors=True))
    print(header(40, rounds))
    for name, seconds in times.items():
        print(f"{name:<40}{seconds:>10.2f}")
    written, refused = times.values()
    print(f"{'ratio refused / written':<40}{refused / written:>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
