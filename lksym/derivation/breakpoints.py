r"""Where a penalty's definition changes (:class:`Breakpoint`): one-sided limits, smoothness across a
breakpoint and at 0, exact infima over a piece, and the hyperbolic functions written as exponentials.

Used by :func:`lksym.derivation.analysis.derive_penalty` for every penalty other than :math:`|w|^k`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import sympy as sp

from lksym.derivation.exact import continuous_value
from lksym.derivation.parts import PART_NAMES, limit_at, to_real_line
from lksym.derivation.symbols import W, X
from lksym.errors import InputError


# --------------------------------------------------------------------------- any penalty


@dataclass(frozen=True)
class Breakpoint:
    r"""A :math:`|w| = b > 0` where the penalty's definition changes.

    Attributes
    ----------
    at
        The exact :math:`b`.
    smoothness
        The largest n with :math:`p \in C^n` at b: -1 where :math:`p` itself jumps,
        ``None`` for :math:`C^\infty` (never for a true breakpoint).
    limits
        ``limits[part]["left"|"right"]``: the one-sided limits of the penalty, its
        gradient and its curvature at :math:`w = b` (on :math:`w = -b` the odd
        derivatives change sign).
    """

    at: sp.Expr
    smoothness: Optional[int]
    limits: dict


MAX_SMOOTHNESS_ORDER = 16
"""Derivatives compared at 0 and at breakpoints before a smooth penalty is called C^inf (even analytic) or C^16."""

def real_line_piecewise(branches: list, pieces, order: int) -> sp.Expr:
    """The n-th derivative for w != 0 off the breakpoints, from the right branch's pieces and parity."""
    if len(pieces) == 1:
        return to_real_line(branches[0], order)
    a = sp.Abs(W)
    body = sp.Piecewise(*[(b.subs(X, a), a <= p.hi) for b, p in zip(branches[:-1], pieces[:-1])], (branches[-1].subs(X, a), True))
    return sp.sign(W) * body if order % 2 else body


def one_sided_limit(expr: sp.Expr, at: sp.Expr, side: str) -> sp.Expr:
    if not expr.has(X):
        return expr
    if at != sp.oo:
        # A substitution where it provably is the limit, and a rational number reads the same however found.
        value = continuous_value(expr, at)
        if value is not None and value.is_Rational:
            return value
    if at in (0, sp.oo):
        return limit_at(expr, at)
    return sp.limit(expr, X, at, side)


def smoothness_at_zero(first: sp.Expr, value: sp.Expr) -> Optional[int]:
    r"""Largest n with p in C^n at 0 (-1: p jumps at 0; ``None``: C^inf), from the first piece.

    The n-th derivative of an even function is continuous at 0 when its one-sided
    limits are finite and equal: :math:`L` and :math:`(-1)^n L`, so odd orders must
    tend to 0 (the mean value theorem then gives the derivative at 0 itself).
    """
    if one_sided_limit(first, sp.S.Zero, "+") != value:
        return -1
    d = first
    for n in range(1, MAX_SMOOTHNESS_ORDER + 1):
        d = sp.diff(d, X)
        if d == 0:
            return None
        limit = one_sided_limit(d, sp.S.Zero, "+")
        if not limit.is_finite or (n % 2 and limit != 0):
            return n - 1
    y = sp.Symbol("y", real=True)
    return None if sp.simplify(first.subs(X, y) - first.subs(X, -y)) == 0 else MAX_SMOOTHNESS_ORDER


def breakpoint_between(left: sp.Expr, right: sp.Expr, at: sp.Expr) -> Breakpoint:
    limits: dict = {}
    smoothness: Optional[int] = None
    dl, dr = left, right
    for n in range(MAX_SMOOTHNESS_ORDER + 1):
        lo, hi = one_sided_limit(dl, at, "-"), one_sided_limit(dr, at, "+")
        if n < 3:
            limits[PART_NAMES[n]] = {"left": lo, "right": hi}
        if smoothness is None and sp.simplify(lo - hi) != 0:
            smoothness = n - 1
        if smoothness is not None and n >= 2:
            break
        dl, dr = sp.diff(dl, X), sp.diff(dr, X)
    return Breakpoint(at, MAX_SMOOTHNESS_ORDER if smoothness is None else smoothness, limits)


def infimum_on(expr: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> sp.Expr:
    """The infimum of ``expr`` over the open interval (lo, hi) of x: ends and critical points."""
    if not expr.has(X):
        return expr
    candidates = [one_sided_limit(expr, lo, "+"), one_sided_limit(expr, hi, "-")]
    coefficient, exponent = expr.as_coeff_exponent(X)
    if not coefficient.has(X):  # c*x**e is monotone: the ends decide (no solveset on x**97.1)
        return sp.Min(*candidates)
    slope = sp.diff(expr, X)
    if too_fine(slope):
        raise InputError(f"cannot find the least curvature of {sp.sstr(expr)[:60]} exactly")
    try:
        critical = sp.solveset(slope, X, sp.Interval.open(lo, hi))
    except (TypeError, ValueError, NotImplementedError):  # "undecidable set membership" and the like
        critical = None
    if critical is not None and not isinstance(critical, (sp.FiniteSet, type(sp.S.EmptySet))):
        periodic = _values_on_periodic_points(expr, critical, hi)
        if periodic is not None:
            return sp.Min(*candidates, *periodic)
    if critical is None or not isinstance(critical, (sp.FiniteSet, type(sp.S.EmptySet))):
        raise InputError(f"cannot find the least curvature of {sp.sstr(expr)[:60]} exactly")
    if isinstance(critical, sp.FiniteSet):
        candidates += [expr.subs(X, c) for c in critical]
    return sp.Min(*candidates)


def _values_on_periodic_points(expr: sp.Expr, critical: sp.Set, hi: sp.Expr) -> Optional[list]:
    r"""The values of ``expr`` on infinite families of critical points ``a*n + b`` (sin, cos), or ``None``.

    Sound only where each family reaches into the interval (its right end is
    :math:`+\infty` and a > 0) and the value does not depend on n: then every
    value listed is attained inside, and they are all the critical values.
    """
    if hi != sp.oo:
        return None
    families = [s for s in sp.preorder_traversal(critical) if isinstance(s, sp.ImageSet)]
    if not families:
        return None
    # Every part of the set must be one of these families (no ConditionSet or other leftovers).
    leftovers = [s for s in sp.preorder_traversal(critical)
                 if isinstance(s, sp.Set) and not isinstance(s, (sp.ImageSet, sp.Union, sp.Intersection, sp.Interval,
                                                                  sp.FiniteSet, type(sp.S.Integers)))]
    if leftovers:
        return None
    n = sp.Symbol("n", integer=True)
    values = []
    for family in families:
        (variable,), point = family.lamda.variables, family.lamda.expr
        point = point.subs(variable, n)
        slope = sp.diff(point, n)
        if family.base_sets != (sp.S.Integers,) or slope.has(n) or not slope.is_nonzero:
            return None
        value = sp.simplify(expr.subs(X, point))
        if value.has(n) or value.free_symbols:
            return None
        values.append(value)
    return values


def hyperbolic_form(expr: sp.Expr) -> sp.Expr:
    r"""``expr`` with :math:`\sinh/\cosh` written as :math:`\tanh` where that is shorter.

    SymPy differentiates :math:`\log\cosh x` to :math:`\sinh x/\cosh x` and on to
    :math:`1 - \sinh^2 x/\cosh^2 x`, where every later limit and solve takes seconds; in
    :math:`\tanh` they are :math:`\tanh x` and :math:`1 - \tanh^2 x`, which take milliseconds.

    Examples
    --------
    >>> hyperbolic_form(sp.diff(sp.log(sp.cosh(X)), X, 2))
    1 - tanh(x)**2
    """
    sinhs = expr.atoms(sp.sinh)
    if not sinhs or not expr.has(sp.cosh):
        return expr
    rewritten = sp.cancel(expr.subs({s: sp.tanh(s.args[0]) * sp.cosh(s.args[0]) for s in sinhs}))
    return rewritten if sp.count_ops(rewritten) < sp.count_ops(expr) else expr


def piecewise_branch(branches: list, pieces) -> sp.Expr:
    if len(pieces) == 1:
        return branches[0]
    return sp.Piecewise(*[(b, X <= p.hi) for b, p in zip(branches[:-1], pieces[:-1])], (branches[-1], True))


MAX_EXPONENT_HEIGHT = 10**6
"""Largest numerator or denominator of a rational number inside an exponent of x handed to solveset."""


def too_fine(expr: sp.Expr) -> bool:
    """Whether a power of x in ``expr`` has an exponent built from a rational of huge height (``sqrt(2)/10^9``).

    SymPy's solveset then clears the radicals by raising to that height's power (``unrad``), one
    big-integer power in C that holds the interpreter for minutes, where no time limit reaches:
    such an equation is refused before it starts.

    Examples
    --------
    >>> too_fine(X ** (sp.sqrt(2) / 10**9) - 1), too_fine(X ** sp.Rational(3, 2) - 1)
    (True, False)
    """
    for power in expr.atoms(sp.Pow):
        if power.base.has(X):
            for r in power.exp.atoms(sp.Rational):
                if max(abs(r.p), r.q) > MAX_EXPONENT_HEIGHT:
                    return True
    return False
