r"""A :class:`~lksym.dynamics_result.Dynamics` from exact facts and float64 runs, and the article re-judged.

:func:`dynamics_of` is the one place a Dynamics is assembled (``lksym.dynamics`` validates its input and
calls it).  :func:`judge_claims` holds each of the article's claims about small weights against each
optimiser over a few step sizes, from the trajectories themselves:

=====================================  ====================================================================
claim                                  holds in a run when
=====================================  ====================================================================
L1 is sparse                           every start reaches exactly 0 and stays
L2 never sets a weight exactly to 0    no start reaches exactly 0
L0.5 flips weights across 0            the sign still changes in the second half of the run
L3 / L10 leave small weights alone     a small start (0.05) keeps more than a tenth of its size
=====================================  ====================================================================

A claim that holds at every step size tried *holds*, at none *fails*, else *holds only for* those
step sizes.

Examples
--------
>>> v = judge_claims(optimizers=("sgd", "prox-sgd"), claims=CLAIMS[:1], steps=300)
>>> [(c.optimizer, c.verdict) for c in v]
[('sgd', 'fails'), ('prox-sgd', 'holds')]
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Optional, Sequence

import numpy as np
import sympy as sp

from lksym.derivation.dynamics import Fact, derive_facts
from lksym.derivation.exact_steps import exact_trajectory
from lksym.derivation.optimizers import NAMES, DataTerm, Optimizer, optimizer
from lksym.derivation.penalty import Penalty, parse_subject
from lksym.dynamics_result import Dynamics
from lksym.numerics.dynamics import Behaviour, Run, RunSpec, classify, run, run_batch


def dynamics_of(subject: Penalty, opt: Optimizer, alpha: sp.Expr, data: Optional[DataTerm], starts: Sequence,
                steps: int, exact_steps: int = 0) -> Dynamics:
    """Derive the facts, run the float64 trajectories, classify them and check them against the facts."""
    result = run(subject, opt, float(alpha), data, [float(s) for s in starts], steps)
    return _dynamics(subject, opt, alpha, data, starts, steps, result, exact_steps)


def _spec(subject: Penalty, opt: Optimizer, alpha: sp.Expr, data: Optional[DataTerm], starts: Sequence) -> RunSpec:
    return RunSpec(subject, opt, float(alpha), data, tuple(float(s) for s in starts))


def _dynamics(subject: Penalty, opt: Optimizer, alpha: sp.Expr, data: Optional[DataTerm], starts: Sequence,
              steps: int, result: Run, exact_steps: int = 0) -> Dynamics:
    """The :class:`Dynamics` of ``result``, the float64 run of these arguments."""
    facts = derive_facts(subject, opt, alpha, data, starts)
    behaviours = tuple(classify(result.path[:, i], result.diverged_at[i]) for i in range(len(starts)))
    facts = (*facts, long_run(facts, behaviours, [sp.sstr(s) for s in starts]))
    exact, reasons = (), ()
    if exact_steps:
        runs = [exact_trajectory(subject, opt, alpha, data, s, exact_steps) for s in starts]
        exact = tuple(tuple(str(v) for v in values) for values, _ in runs)
        reasons = tuple(why for _, why in runs)
    return Dynamics(subject, opt, alpha, data, tuple(starts), steps, facts, result.path, behaviours,
                    result.diverged_at, result.notes, exact, reasons)


def long_run(facts, behaviours: Sequence[Behaviour], texts: Sequence[str]) -> Fact:
    """The ``"long run"`` fact: what the trajectories do, checked against the derived two-cycle."""
    kinds = [b.kind for b in behaviours]
    lines = [f"w0 = {t}: {b.text}" for t, b in zip(texts, behaviours)]
    cycle = next(f for f in facts if f.name == "two-cycle")
    stability = next(f for f in facts if f.name == "two-cycle stability")
    notes = []
    if cycle.number:
        reached = []
        for b in behaviours:
            if b.kind == "two-cycle" and b.limit:
                amplitude = max(abs(x) for x in b.limit)
                reached.append(any(abs(amplitude - a) <= 1e-6 * a for a in cycle.number))
        if any(reached):
            notes.append("the trajectories that end on a two-cycle end on the derived one")
        elif any(stability.extra.get("attracts", [])):
            notes.append("the derived two-cycle attracts nearby states, yet no start simulated reaches it "
                         "within the steps run: the trajectories end elsewhere")
    counts = {k: kinds.count(k) for k in dict.fromkeys(kinds)}
    summary = ", ".join(f"{k} ({n} of {len(kinds)})" for k, n in counts.items())
    statement = f"observed in float64: {summary}" + ("" if not notes else "; " + "; ".join(notes))
    return Fact("long run", statement, None, kinds, None, "simulation", "", {"per_start": lines, "notes": notes})


# --------------------------------------------------------------------------- the article re-judged


@dataclass(frozen=True)
class Claim:
    """One claim of the article: its text, the penalties it is about and the test a run must pass."""

    text: str
    penalties: tuple
    test: str  # "all zero", "no zero", "flips", "small stays"


CLAIMS = (
    Claim("L1 is sparse (weights reach exactly 0)", ("1",), "all zero"),
    Claim("L2 never sets a weight exactly to 0", ("2",), "no zero"),
    Claim("L0.5 flips weights across 0", ("0.5",), "flips"),
    Claim("L3 and L10 leave small weights alone", ("3", "10"), "small stays"),
)

JUDGE_LRS = ("1/1000", "1/100", "1/10", "1/2")
"""Step sizes each claim is tried at (1/2: where SGD on L2 jumps to exactly 0 in one step)."""

JUDGE_STARTS = (0.3, -0.3, 0.05)


@dataclass(frozen=True)
class Verdict:
    """One claim under one optimiser: ``holds``, ``fails`` or ``holds only for lr in ...``, and why."""

    claim: str
    optimizer: str
    verdict: str
    reason: str


def _passes(test: str, path: np.ndarray, behaviours: Sequence[Behaviour]) -> bool:
    if test == "all zero":
        return all(b.kind == "exact zero" for b in behaviours)
    if test == "no zero":
        return not any(b.kind == "exact zero" for b in behaviours)
    if test == "flips":
        half = path[path.shape[0] // 2:]
        return any(bool(np.any(np.sign(half[1:, i]) * np.sign(half[:-1, i]) < 0)) for i in range(path.shape[1]))
    small = JUDGE_STARTS.index(0.05)
    return bool(abs(path[-1, small]) > 0.1 * 0.05)


def claim_specs(optimizers: Sequence[str] = NAMES, claims: Sequence[Claim] = CLAIMS,
                lrs: Sequence[str] = JUDGE_LRS) -> list[RunSpec]:
    """The runs :func:`judge_claims` judges: per claim, optimiser, penalty and lr (in that nesting)."""
    subjects = {penalty: parse_subject(penalty) for claim in claims for penalty in claim.penalties}
    return [RunSpec(subjects[penalty], optimizer(name, lr=lr), 1.0, None, JUDGE_STARTS)
            for claim in claims for name in optimizers for penalty in claim.penalties for lr in lrs]


def judge_claims(optimizers: Sequence[str] = NAMES, claims: Sequence[Claim] = CLAIMS, steps: int = 1000,
                 lrs: Sequence[str] = JUDGE_LRS) -> list[Verdict]:
    """Each claim under each optimiser (torch's defaults, alpha = 1, the penalty alone), over ``lrs``."""
    # Every run of every claim stepped together (one array of all their trajectories), then judged in order.
    runs = iter(run_batch(claim_specs(optimizers, claims, lrs), steps))
    out = []
    for claim in claims:
        for name in optimizers:
            passing, reasons = [], []
            for penalty in claim.penalties:
                for lr in lrs:
                    r = next(runs)
                    behaviours = [classify(r.path[:, i], r.diverged_at[i]) for i in range(len(JUDGE_STARTS))]
                    ok = _passes(claim.test, r.path, behaviours)
                    passing.append((penalty, lr, ok))
                    if lr == "1/100":
                        pick = -1 if claim.test == "small stays" else 0
                        reasons.append(f"L{penalty}, lr 1/100, w0 = {JUDGE_STARTS[pick]:g}: {behaviours[pick].text}")
            if all(ok for _, _, ok in passing):
                verdict = "holds"
            elif not any(ok for _, _, ok in passing):
                verdict = "fails"
            else:
                where = ", ".join(f"L{p} at lr {lr}" if len(claim.penalties) > 1 else f"lr {lr}"
                                  for p, lr, ok in passing if ok)
                verdict = f"holds only for {where}"
            out.append(Verdict(claim.text, name, verdict, "; ".join(reasons)))
    return out


PAGE_STEPS = 1000

TABLE_STARTS = (sp.Rational(3, 10), sp.Rational(1, 20))


def table_specs(subjects: Sequence[Penalty], optimizers: Sequence[str] = NAMES) -> list[RunSpec]:
    """The runs of :func:`penalty_table`: per penalty, then optimiser (defaults, lr 1/100, alpha 1)."""
    return [_spec(subject, optimizer(name), sp.S.One, None, TABLE_STARTS) for subject in subjects for name in optimizers]


def penalty_table(penalties: Sequence[str], optimizers: Sequence[str] = NAMES, steps: int = PAGE_STEPS) -> list[tuple]:
    """Per penalty and optimiser (defaults, lr 1/100, alpha 1): the :class:`Dynamics` from 0.3 and 0.05."""
    subjects = [parse_subject(penalty) for penalty in penalties]
    specs = table_specs(subjects, optimizers)
    # Every penalty's and optimiser's trajectories stepped together, then assembled one Dynamics each.
    runs = iter(zip(specs, run_batch(specs, steps)))
    return [(subject, [_dynamics(subject, spec.opt, sp.S.One, None, TABLE_STARTS, steps, result)
                       for spec, result in islice(runs, len(optimizers))])
            for subject in subjects]
