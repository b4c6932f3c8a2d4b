r"""The analysis for a *symbolic* exponent k: one set of facts per case of k.

The cases are the regimes of :mod:`lksym.derivation.regime`, with :math:`k > 2` split by
whether k is an even integer (then :math:`|w|^k = w^k` is a polynomial):

.. math::

    0 < k < 1, \quad k = 1, \quad 1 < k < 2, \quad k = 2, \quad
    k > 2,\ k \in 2\mathbb{Z}, \quad k > 2,\ k \notin 2\mathbb{Z}.

They cover every :math:`k > 0` and do not overlap.  Point cases are the numeric
analysis of that k.  An open interval is parametrised by a positive symbol
:math:`u` that ranges over exactly that interval,

.. math::

    k = \frac{1}{1+u} \in (0, 1), \qquad k = 1 + \frac{1}{1+u} \in (1, 2), \qquad k = 2 + u \in (2, \infty),

so SymPy's assumptions on :math:`u > 0` decide every limit and sign for the whole
interval at once; the same helpers as :func:`lksym.results.analyze` are used on
the substituted right branch.  Expressions are reported in the positive symbol ``k``.

Smoothness: the n-th right-branch derivative is :math:`k^{\underline{n}} x^{k-n}`;
it tends to 0 at :math:`0^\pm` while :math:`k - n > 0`, is the constant
:math:`\pm k!` (odd n: a jump) at :math:`n = k`, and blows up after unless k is
an integer.  So :math:`f \in C^n` exactly for the integers :math:`n < k`
(largest: :math:`\lceil k \rceil - 1`), except for even integers, where
:math:`f` is the polynomial :math:`w^k`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from lksym.derivation.analysis import (
    PART_NAMES,
    behaviour_at_zero,
    derive_power,
    is_nonnegative_branch,
    point_limits,
    to_real_line,
)
from lksym.derivation.regime import K, Regime
from lksym.derivation.symbols import X

U = sp.Symbol("u", positive=True)


@dataclass(frozen=True)
class Case:
    """The facts that hold for every k satisfying ``condition``.

    Attributes
    ----------
    name
        Regime name, with ``STEEP_EVEN``/``STEEP_OTHER`` for the split of :math:`k > 2`.
    condition
        A SymPy boolean in the positive symbol ``k``.
    penalty, gradient, curvature
        Expressions in ``k`` and the real symbol ``w`` (for :math:`w \\ne 0`).
    limits
        ``limits[part][point]`` as in :class:`~lksym.derivation.analysis.Part`.
    continuity
        Per part: continuous at 0.
    smoothness
        An int, ``None`` (:math:`C^\\infty`) or an expression in ``k``.
    convex, sparse, lipschitz_gradient_near_zero
        As in :class:`~lksym.results.Analysis`.
    """

    name: str
    title: str
    condition: sp.Basic
    penalty: sp.Expr
    gradient: sp.Expr
    curvature: sp.Expr
    limits: dict
    continuity: dict
    smoothness: object
    convex: bool
    sparse: bool
    lipschitz_gradient_near_zero: bool

    def holds_for(self, k: sp.Expr) -> bool:
        """Whether the exact number ``k`` is in this case."""
        return bool(self.condition.subs(K, k))


def _point_case(regime: Regime) -> Case:
    facts = derive_power(sp.Integer({Regime.L1: 1, Regime.L2: 2}[regime]))
    parts = [facts[name] for name in ("penalty", "gradient", "curvature")]
    return Case(
        name=regime.name,
        title=regime.title,
        condition=regime.condition,
        penalty=facts["penalty"].expr,
        gradient=facts["gradient"].expr,
        curvature=facts["curvature"].expr,
        limits={p.name: dict(p.limits) for p in parts},
        continuity={p.name: p.at_zero.continuous for p in parts},
        smoothness=facts["smoothness"],
        convex=facts["convex"],
        sparse=facts["sparse"],
        lipschitz_gradient_near_zero=facts["lipschitz_gradient_near_zero"],
    )


def _interval_case(name: str, title: str, condition: sp.Basic, parameter: sp.Expr, k_symbol: sp.Symbol) -> Case:
    branches = [X**k_symbol]
    for _ in range(2):
        branches.append(sp.powsimp(sp.diff(branches[-1], X), force=True))
    # Substituting the parametrisation lets u > 0 stand for "k anywhere in the interval".
    on_interval = [sp.powsimp(b.subs(k_symbol, parameter), force=True) for b in branches]
    limits = [point_limits(b, n) for n, b in enumerate(on_interval)]
    coefficient, _ = on_interval[2].as_coeff_exponent(X)
    convex = is_nonnegative_branch(sp.factor(coefficient)) and bool(limits[1]["0-"] <= limits[1]["0+"])
    at_zero = []
    for n in range(3):
        at_zero.append(behaviour_at_zero(n, on_interval, limits[n], at_zero[-1] if at_zero else None, convex))
    exprs = [to_real_line(b, n).subs(k_symbol, K) for n, b in enumerate(branches)]
    if k_symbol.is_even:
        smoothness = None  # |w|^k is the polynomial w^k (SymPy already wrote it so)
    else:
        # Largest integer n < k (see the module docstring), simplified on the interval when it is constant.
        smoothness = sp.ceiling(parameter) - 1
        smoothness = int(smoothness) if smoothness.is_Integer else sp.ceiling(K) - 1
    return Case(
        name=name,
        title=title,
        condition=condition,
        penalty=exprs[0],
        gradient=exprs[1],
        curvature=exprs[2],
        limits=dict(zip(PART_NAMES, limits)),
        continuity={name_: at_zero[n].continuous for n, name_ in enumerate(PART_NAMES)},
        smoothness=smoothness,
        convex=convex,
        sparse=bool(limits[1]["0+"] > 0),
        lipschitz_gradient_near_zero=at_zero[1].continuous and bool(limits[2]["0+"].is_finite),
    )


@lru_cache(maxsize=1)
def cases() -> tuple[Case, ...]:
    """Every case of k > 0, in increasing order of k.

    Examples
    --------
    >>> [c.name for c in cases()]
    ['SUBLINEAR', 'L1', 'BETWEEN', 'L2', 'STEEP_EVEN', 'STEEP_OTHER']
    >>> print(cases()[2].gradient)
    k*Abs(w)**(k - 1)*sign(w)
    >>> cases()[5].smoothness
    ceiling(k) - 1
    """
    even = sp.Symbol("k", positive=True, even=True)
    steep = Regime.STEEP.condition
    is_even = sp.Eq(sp.Mod(K, 2), 0)
    return (
        _interval_case("SUBLINEAR", Regime.SUBLINEAR.title, Regime.SUBLINEAR.condition, 1 / (1 + U), K),
        _point_case(Regime.L1),
        _interval_case("BETWEEN", Regime.BETWEEN.title, Regime.BETWEEN.condition, 1 + 1 / (1 + U), K),
        _point_case(Regime.L2),
        _interval_case("STEEP_EVEN", Regime.STEEP.title + ", k an even integer", sp.And(steep, is_even), 2 + U, even),
        _interval_case("STEEP_OTHER", Regime.STEEP.title + ", k not an even integer",
                       sp.And(steep, sp.Not(is_even)), 2 + U, K),
    )


def case_of(k: sp.Expr) -> Case:
    """The one case an exact positive k belongs to."""
    found = [c for c in cases() if c.holds_for(k)]
    if len(found) != 1:
        raise ValueError(f"k = {k} is in {len(found)} cases")
    return found[0]


# --------------------------------------------------------------------------- the general report


