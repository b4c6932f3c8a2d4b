"""CPU seconds of the optimizers page and of its trajectories stepped together vs one run at a time (issue 22).

The ``optimizers`` target of ``lksym regenerate`` makes a few hundred float64 runs of 1000 steps (every claim
of the article at four step sizes, every penalty under every optimiser).  :func:`lksym.numerics.dynamics.run_batch`
steps all of a page's runs as one array; stepping them one :func:`~lksym.numerics.dynamics.run` at a time
is what the page did before (the cost is NumPy's per-call overhead on arrays of two or three numbers).
Both are timed here in the same process, interleaved round by round, and compared as a ratio.

    python benchmarks/optimizers_page.py              # 1 round: the page, batched runs, one run at a time
    python benchmarks/optimizers_page.py --rounds 3

CPU time of this process (``time.process_time``), not wall time: on a shared machine it is the steadier figure.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from lksym.app.optimizers import optimizers_page
from lksym.derivation.penalty import parse_subject
from lksym.numerics.dynamics import run, run_batch
from lksym.numerics.rejudge import PAGE_STEPS, claim_specs, table_specs
from lksym.regenerate import CATALOGUE_TEXTS
from lksym.writers.optimizers_page import ARTICLE


def cpu(work) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds (median is used)")
    args = parser.parse_args()
    claims = claim_specs()
    table = table_specs([parse_subject(p) for p in ARTICLE + CATALOGUE_TEXTS])
    runs = len(claims) + len(table)
    tasks = {
        "optimizers page (all of it)": lambda: optimizers_page(CATALOGUE_TEXTS),
        f"its {runs} runs, batched": lambda: (run_batch(claims, 1000), run_batch(table, PAGE_STEPS)),
        f"its {runs} runs, one at a time": lambda: ([run(s.penalty, s.opt, s.alpha, s.data, s.starts, 1000) for s in claims],
                                                    [run(s.penalty, s.opt, s.alpha, s.data, s.starts, PAGE_STEPS)
                                                     for s in table]),
    }
    run_batch(claims[:2] + table[:2], 3)  # warm the caches (lambdified gradients, prox pieces)
    samples: dict = {name: [] for name in tasks}
    for _ in range(args.rounds):
        for name, work in tasks.items():
            samples[name].append(cpu(work))
    median = {name: statistics.median(values) for name, values in samples.items()}
    print(f"{'task':<36}{'CPU s':>8}   (rounds: {args.rounds})")
    for name, value in median.items():
        print(f"{name:<36}{value:>8.2f}")
    batched, alone = list(median.values())[1:]
    print(f"\none at a time / batched = {alone / batched:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
