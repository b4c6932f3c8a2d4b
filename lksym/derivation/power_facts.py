r"""Every fact of :math:`|w|^k` for one exact k (:func:`derive_power`), and :class:`PowerFacts`, what only the
power family has (its k and regime; the symbolic-k cases are :mod:`lksym.derivation.family`).

Smoothness :math:`C^{\lceil k \rceil - 1}`, crossovers with L1 and L2 and the bands between them are derived here
in closed form for :math:`|w|^k`, and from the pieces for every other penalty
(:mod:`lksym.derivation.weights`), so they are facts of every analysis, not of :class:`PowerFacts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import sympy as sp

from lksym.derivation.breakpoints import infimum_on
from lksym.derivation.exact import solve_positive, to_float, value_order
from lksym.derivation.gd import derive_gd
from lksym.derivation.parts import (
    AtZero,
    PART_NAMES,
    Part,
    behaviour_at_zero,
    is_finite_value,
    is_nonnegative_branch,
    point_limits,
    probe_at,
    to_real_line,
)
from lksym.derivation.penalty import power_of
from lksym.derivation.prox import derive_prox, thresholding
from lksym.derivation.regime import Regime, classify, integer_parity
from lksym.derivation.symbols import ALPHA, ETA, TAU, X
from lksym.derivation.weights import Band, Crossover, Overshoot


@dataclass(frozen=True)
class PowerFacts:
    r"""What only the power family :math:`|w|^k` has: ``Analysis.power``, ``None`` for every other penalty.

    Attributes
    ----------
    k
        The exponent, an exact positive SymPy number.
    regime
        The :class:`~lksym.derivation.regime.Regime` of ``k`` (:math:`0 < k < 1`, :math:`k = 1`, ...).

    Examples
    --------
    >>> facts = PowerFacts(sp.Integer(3), classify(sp.Integer(3)))
    >>> facts.regime.condition_text, facts.integer_parity
    ('k > 2', 'odd')
    """

    k: sp.Expr
    regime: Regime

    @property
    def integer_parity(self) -> Optional[str]:
        """``"even"``/``"odd"`` for an integer k, else ``None``."""
        return integer_parity(self.k)


def _smoothness(k: sp.Expr) -> Optional[int]:
    r"""Largest n with :math:`f \in C^n` at 0 (``None`` for :math:`C^\infty`).

    By the mean value theorem, if :math:`f^{(n-1)}` is continuous at 0 and both
    one-sided limits of :math:`f^{(n)}` at 0 agree and are finite, then
    :math:`f^{(n)}(0)` exists and :math:`f^{(n)}` is continuous there.  A
    derivative that vanishes identically makes every later one continuous.

    On :math:`x > 0` the n-th derivative of :math:`x^k` is
    :math:`(k)_n x^{k-n}` (falling factorial), and on :math:`x < 0` it is
    :math:`(-1)^n` times its mirror image, so only the exponent :math:`k - n`
    and whether :math:`(k)_n` vanishes matter: the coefficients themselves,
    products of up to a thousand factors for k near 1000, are never built.
    """
    n = 0
    while True:
        if k.is_integer and n > k:  # (k)_n = 0: the derivative vanishes identically from here on
            return None
        exponent = k - n
        if exponent.is_zero:  # a nonzero constant n! on the right, (-1)^n n! on the left
            if n % 2:
                return n - 1
        elif bool(exponent < 0):  # a pole: the one-sided limits are infinite
            return n - 1
        n += 1


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    """Whether two right-branch products of powers are identical (cheaper than simplify)."""
    return sp.powsimp(a / b, force=True) == 1


def _crossover(gradient_branch: sp.Expr, reference: str) -> Crossover:
    ref = {"L1": sp.S.One, "L2": 2 * X}[reference]
    if _same(gradient_branch, ref):
        return Crossover(reference, None, True, None)
    weight = solve_positive(gradient_branch, ref)
    probe = to_float(weight) / 2 if weight is not None else 1.0
    stronger = "Lk" if probe_at(gradient_branch, probe) > probe_at(ref, probe) else reference
    return Crossover(reference, weight, False, stronger)


def _bands(gradient_branch: sp.Expr, crossovers: tuple[Crossover, ...]) -> tuple[Band, ...]:
    magnitudes = {"L1": sp.S.One, "L2": 2 * X, "Lk": gradient_branch}
    # L1 and L2 gradients cross at |w| = 1/2 too: the order of the three changes there.
    cuts = sorted({c.weight for c in crossovers if c.weight is not None} | {sp.Rational(1, 2)}, key=value_order)
    edges = [sp.S.Zero, *cuts, sp.oo]
    bands = []
    for lo, hi in zip(edges, edges[1:]):
        probe = (to_float(lo) + to_float(hi)) / 2 if hi != sp.oo else to_float(lo) + 1
        values = {name: probe_at(g, probe) for name, g in magnitudes.items()}
        order = tuple(sorted(values, key=lambda name: (float(values[name]), name)))
        ties = tuple(
            (a, b)
            for i, a in enumerate(order)
            for b in order[i + 1 :]
            if _same(magnitudes[a], magnitudes[b])
        )
        bands.append(Band(lo, hi, order, ties))
    # Merge neighbours with the same order: a cut only matters where the order changes.
    merged: list[Band] = []
    for band in bands:
        if merged and merged[-1].order == band.order:
            merged[-1] = Band(merged[-1].lo, band.hi, band.order, band.ties)
        else:
            merged.append(band)
    return tuple(merged)


def _dead_zone(gradient_branch: sp.Expr, vanishes_at_zero: bool) -> Optional[sp.Expr]:
    if not vanishes_at_zero:
        return None
    return solve_positive(ALPHA * gradient_branch, TAU)


def _overshoot(gradient_branch: sp.Expr) -> Overshoot:
    weight = solve_positive(ETA * gradient_branch, X)
    if weight is not None:
        probe = to_float(weight, {ETA: 1}) / 2  # at eta = 1: which side overshoots does not depend on eta
        below = probe_at(gradient_branch, probe) > probe
        return Overshoot(weight, "below" if below else "above", None)
    # eta*|f'(w)|/|w| does not depend on w (L2): the step size alone decides.
    ratio = sp.simplify(gradient_branch / X)
    return Overshoot(None, None, 1 / ratio if ratio.is_positive else None)


# --------------------------------------------------------------------------- public


def derive_power(k: sp.Expr) -> dict:
    """Every fact of :math:`|w|^k` for one exact k, as the keyword arguments of :class:`lksym.results.Analysis`.

    ``k`` must already be checked (:func:`lksym.derivation.expr.parse_k`); call it under a deadline.

    Examples
    --------
    >>> import sympy as sp
    >>> facts = derive_power(sp.Rational(3, 2))
    >>> facts["smoothness"], facts["sparse"]
    (1, False)
    """
    subject = power_of(k)  # k is exact and checked: parsing it again inside the deadline would mask a timeout

    branches = [X**k]
    for _ in range(2):
        branches.append(sp.powsimp(sp.diff(branches[-1], X), force=True))

    regime = classify(k)
    limits = [point_limits(b, n) for n, b in enumerate(branches)]
    gradient_vanishes = limits[1]["0+"] == 0
    curvature_nonnegative = is_nonnegative_branch(branches[2])
    # A convex even function: curvature >= 0 off 0 and the gradient not decreasing across 0.
    convex = curvature_nonnegative and bool(limits[1]["0-"] <= limits[1]["0+"])

    at_zero: list[AtZero] = []
    for n in range(3):
        at_zero.append(behaviour_at_zero(n, branches, limits[n], at_zero[-1] if at_zero else None, convex))

    parts = tuple(
        Part(name, n, to_real_line(branches[n], n), branches[n], limits[n], at_zero[n])
        for n, name in enumerate(PART_NAMES)
    )
    crossovers = (_crossover(branches[1], "L1"), _crossover(branches[1], "L2"))
    return dict(
        power=PowerFacts(k, regime),
        penalty=parts[0],
        gradient=parts[1],
        curvature=parts[2],
        smoothness=_smoothness(k),
        convex=convex,
        # Sparsity: a non-vanishing pull at 0+ beats the quadratic data term for small z.
        sparse=bool(limits[1]["0+"] > 0),
        # Lipschitz near 0 needs a continuous gradient (L1's jumps) and bounded curvature.
        lipschitz_gradient_near_zero=at_zero[1].continuous and is_finite_value(limits[2]["0+"]),
        dead_zone=_dead_zone(branches[1], gradient_vanishes),
        overshoot=_overshoot(branches[1]),
        crossovers=crossovers,
        bands=_bands(branches[1], crossovers),
        prox=derive_prox(subject),
        gd=derive_gd(branches[1], branches[2]),
        subject=subject,
        breakpoints=(),
        curvature_min=infimum_on(branches[2], sp.S.Zero, sp.oo),
        thresholding=thresholding(subject),
    )
