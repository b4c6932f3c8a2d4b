"""The frozen result of one dynamics question: a penalty under one optimiser (``lksym dynamics``).

Built by :func:`lksym.api.dynamics` (also ``lksym.dynamics(...)``); read by the writers in
:mod:`lksym.writers.dynamics`.  A layer-2 module like :mod:`lksym.results`: it holds derived facts and
numbers, and imports no writer and no NumPy code.

Examples
--------
>>> import lksym
>>> d = lksym.dynamics("1", optimizer="prox-sgd", lr="1/10", alpha="1", starts=["0.25"], steps=5)
>>> d.behaviours[0].kind, d.fact("steps to exact zero").number
('exact zero', [3])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import sympy as sp

from lksym.derivation.dynamics import Fact
from lksym.derivation.optimizers import DataTerm, Optimizer
from lksym.derivation.penalty import Penalty


@dataclass(frozen=True)
class Dynamics:
    """Every fact and trajectory of one optimiser on :math:`\\alpha p(w)` (plus an optional data term).

    Attributes
    ----------
    penalty
        The :class:`~lksym.derivation.penalty.Penalty`.
    optimizer
        The :class:`~lksym.derivation.optimizers.Optimizer` with its exact parameters.
    alpha
        The penalty's strength, exact.
    data
        The :class:`~lksym.derivation.optimizers.DataTerm`, or ``None`` (the penalty alone).
    starts
        The exact starting weights.
    steps
        Steps simulated.
    facts
        The exact :class:`~lksym.derivation.dynamics.Fact` objects, then ``"long run"`` (from the simulation).
    path
        ``(steps + 1, len(starts))`` float64 trajectories (a diverged one repeats its last finite value).
    behaviours
        Per start, the :class:`lksym.numerics.dynamics.Behaviour` of its trajectory.
    diverged_at, notes
        Per start: the step of overflow (or ``None``); what was decided where torch gives NaN.
    exact
        Per start, the exact rational iterates (texts) when asked for (``exact_steps``), else ``()``.
    exact_reason
        Per start, why the exact run stopped early (empty if it did not).
    """

    penalty: Penalty
    optimizer: Optimizer
    alpha: sp.Expr
    data: Optional[DataTerm]
    starts: tuple
    steps: int
    facts: tuple
    path: object
    behaviours: tuple
    diverged_at: tuple
    notes: tuple
    exact: tuple = ()
    exact_reason: tuple = ()
    extra: dict = field(default_factory=dict)

    def fact(self, name: str) -> Optional[Fact]:
        """The fact called ``name`` (``"two-cycle"``, ``"first step"``, ...), or ``None``."""
        return next((f for f in self.facts if f.name == name), None)

    @property
    def label(self) -> str:
        """``L1.5 under adam``."""
        return f"{self.penalty.label} under {self.optimizer.name}"

    def __repr__(self) -> str:
        return f"<Dynamics of {self.label}>"
