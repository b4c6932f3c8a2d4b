"""Regions of the line on which no building block of truth or claim switches branch, and proofs on them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import mpmath
import sympy as sp
# sympy.simplify imports sympy.physics.units on its first call (~0.1-0.3 s): here, once, rather than in every
# forked child that decides a claim (lksym.budget.in_child), where the import is lost with the child.
import sympy.physics.units  # noqa: F401,E402

from lksym.derivation.symbols import W, X
from lksym.verify.sampling import MAX_DIGITS

class _Unresolved(Exception):
    """A building block whose branch cannot be read off at a point."""


@dataclass(frozen=True)
class Breakpoints:
    """Where the branches of two expressions in ``w`` can switch.

    Attributes
    ----------
    points
        The exact real zeros, sorted, of every *switch argument*
        (:func:`switch_arguments`) of either expression; 0 is always one.
    unsolved
        Switch arguments whose real zeros SymPy could not list within the
        budget (a transcendental condition): they must be located numerically,
        and no region can then be proved.
    """

    points: tuple[sp.Expr, ...]
    unsolved: tuple[sp.Expr, ...] = ()


@dataclass(frozen=True)
class Region:
    """An open interval ``(lo, hi)`` of the line on which no building block of
    either expression changes branch (``lo`` may be ``-oo``, ``hi`` ``oo``)."""

    lo: sp.Expr
    hi: sp.Expr

    def __str__(self) -> str:
        return f"({sp.sstr(self.lo)}, {sp.sstr(self.hi)})"

    def contains(self, point: sp.Expr) -> bool:
        """Whether ``point`` (an exact real number) lies strictly inside."""
        return bool(sp.Lt(self.lo, point)) and bool(sp.Lt(point, self.hi))

    def representative(self) -> sp.Expr:
        """A small exact rational strictly inside: 1 or -1 when the region holds it."""
        for candidate in (sp.Integer(1), sp.Integer(-1)):
            if self.contains(candidate):
                return candidate
        if self.lo == -sp.oo:
            return sp.floor(self.hi) - 1
        if self.hi == sp.oo:
            return sp.ceiling(self.lo) + 1
        middle = sp.Rational(mpmath.nstr(mpmath.mpf(sp.Float(((self.lo + self.hi) / 2).evalf(40), 40)._mpf_), 30))
        if not self.contains(middle):
            raise _Unresolved("breakpoints too close to separate")
        return middle


def switch_arguments(expr: sp.Expr, symbol: sp.Symbol = W) -> list[sp.Expr]:
    """The expressions whose zeros are the only places where ``expr`` can switch branch.

    Arguments ``u`` of ``Abs(u)``, ``sign(u)``, ``Heaviside(u)``; pairwise
    differences ``a - b`` of the arguments of ``Min`` and ``Max``; ``lhs - rhs``
    of every relation in a ``Piecewise`` condition.  Between consecutive real
    zeros of all of them, ``expr`` is one analytic formula.

    Examples
    --------
    >>> switch_arguments(sp.Piecewise((W, sp.Abs(W) < 3), (0, True)))
    [Abs(w) - 3, w]
    """
    found: list[sp.Expr] = []

    def add(u: sp.Expr) -> None:
        if isinstance(u, sp.Expr) and u.has(symbol) and u not in found:
            found.append(u)

    def relations(condition) -> None:
        if isinstance(condition, sp.core.relational.Relational):
            add(condition.lhs - condition.rhs)
            for side in (condition.lhs, condition.rhs):
                visit(side)
        else:
            for arg in getattr(condition, "args", ()):
                relations(arg)

    def visit(node) -> None:
        if not isinstance(node, sp.Basic) or not node.has(symbol):
            return
        if isinstance(node, (sp.Abs, sp.sign, sp.Heaviside)):
            add(node.args[0])
        elif isinstance(node, (sp.Min, sp.Max)):
            for i, a in enumerate(node.args):
                for b in node.args[i + 1:]:
                    add(a - b)
        elif isinstance(node, sp.Piecewise):
            for _, condition in node.args:
                relations(condition)
        for arg in node.args:
            visit(arg)

    visit(expr)
    return found


def _real_zeros(u: sp.Expr, symbol: sp.Symbol) -> Optional[list[sp.Expr]]:
    """The real zeros of ``u``, exactly, or None when SymPy cannot list them all."""
    if u.is_polynomial(symbol):
        poly = sp.Poly(u, symbol)
        if poly.degree() == 1:  # the common case (w, w - 3): no solver needed
            a, b = poly.all_coeffs()
            # Exactly -b/a: nsimplify once rounded 1 + 10^-30 to 1, and the region between was never seen.
            return [-b / a] if (-b / a).is_real else None
    try:
        solutions = sp.solveset(u, symbol, domain=sp.S.Reals)
    except Exception:  # noqa: BLE001 - a solver failure means "not listed"
        return None
    if solutions is sp.S.EmptySet:
        return []
    if not isinstance(solutions, sp.FiniteSet):
        return None
    zeros = []
    for s in solutions:
        if s.free_symbols or s.is_real is not True or s.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
            return None
        zeros.append(s)
    return zeros


def breakpoints(*exprs: sp.Expr, symbol: sp.Symbol = W) -> Breakpoints:
    """All exact real breakpoints of the expressions (always including 0).

    Parameters
    ----------
    *exprs
        Expressions in ``symbol`` (the truth and the claim).
    symbol
        The real variable.

    Returns
    -------
    Breakpoints
        Sorted exact points, and the switch arguments whose zeros could not be
        listed.

    Examples
    --------
    >>> b = breakpoints(sp.sign(W), sp.Piecewise((W, sp.Abs(W) < 10**8), (0, True)))
    >>> b.points, b.unsolved
    ((-100000000, 0, 100000000), ())
    """
    points: list[sp.Expr] = [sp.Integer(0)]
    unsolved: list[sp.Expr] = []
    for expr in exprs:
        for u in switch_arguments(expr, symbol):
            zeros = _real_zeros(u, symbol)
            if zeros is None:
                unsolved.append(u)
                continue
            for z in zeros:
                if not any(sp.simplify(z - p) == 0 for p in points):
                    points.append(z)
    ordered = sorted(points, key=lambda p: (float(p), sp.default_sort_key(p)))
    return Breakpoints(tuple(ordered), tuple(unsolved))


def regions(expr_true: sp.Expr, expr_claim: sp.Expr, symbol: sp.Symbol = W) -> list[Region]:
    """The open intervals between consecutive breakpoints of truth and claim.

    On each, every ``Abs``, ``sign``, ``Heaviside``, ``Min``, ``Max`` and
    Piecewise condition keeps one branch, so equality can be proved there with
    plain algebra.  Unlisted zeros (:attr:`Breakpoints.unsolved`) are not
    included: check :func:`breakpoints` before trusting the intervals.

    Examples
    --------
    >>> [str(r) for r in regions(sp.sign(W), sp.Heaviside(W - 2))]
    ['(-oo, 0)', '(0, 2)', '(2, oo)']
    """
    return regions_between(breakpoints(expr_true, expr_claim, symbol=symbol).points)


def regions_between(points: Sequence[sp.Expr]) -> list[Region]:
    edges = [-sp.oo, *points, sp.oo]
    return [Region(a, b) for a, b in zip(edges, edges[1:])]


def _sign_at(u: sp.Expr, at: sp.Expr, symbol: sp.Symbol) -> int:
    if u == 0:
        return 0
    value = u.evalf(30, subs={symbol: at}, maxn=MAX_DIGITS)
    if not value.is_number or value.is_real is not True or value == 0:
        raise _Unresolved(f"sign of {sp.sstr(u)[:40]}")
    return 1 if value > 0 else -1


def _condition_at(condition, at: sp.Expr, symbol: sp.Symbol) -> bool:
    value = condition.subs(symbol, at)
    if value is sp.true or value is sp.false:
        return bool(value)
    raise _Unresolved(f"condition {sp.sstr(condition)[:40]}")


def resolve(expr: sp.Expr, at: sp.Expr, symbol: sp.Symbol = W) -> sp.Expr:
    """``expr`` with every switching building block replaced by its branch at ``at``.

    Valid on the whole region around ``at`` when ``at`` lies strictly between
    consecutive :func:`breakpoints`.  Raises ``_Unresolved`` when a branch
    cannot be read off (a non-real argument, a tie).

    Examples
    --------
    >>> resolve(sp.Piecewise((sp.Abs(W), W < 5), (0, True)) + sp.Max(W, 2), sp.Integer(3))
    2*w
    """
    if not isinstance(expr, sp.Basic) or expr.is_Atom or not expr.has(symbol):
        return expr
    if isinstance(expr, sp.Piecewise):
        for branch, condition in expr.args:
            if _condition_at(condition, at, symbol):
                return resolve(branch, at, symbol)
        return sp.nan  # no branch applies: undefined here
    args = [resolve(a, at, symbol) for a in expr.args]
    if isinstance(expr, (sp.Abs, sp.sign, sp.Heaviside)):
        u = args[0]
        s = _sign_at(u, at, symbol)
        if s == 0:
            return expr.func(*args)
        if isinstance(expr, sp.Abs):
            return s * u
        if isinstance(expr, sp.sign):
            return sp.Integer(s)
        return sp.Integer(1 if s > 0 else 0)
    if isinstance(expr, (sp.Min, sp.Max)):
        values = []
        for a in args:
            v = a.evalf(30, subs={symbol: at}, maxn=MAX_DIGITS)
            if not v.is_number or v.is_real is not True:
                raise _Unresolved("Min/Max of a non-real value")
            values.append(v)
        best = max(values) if isinstance(expr, sp.Max) else min(values)
        winners = [a for a, v in zip(args, values) if v == best]
        if len(set(winners)) != 1:
            raise _Unresolved("Min/Max tie")
        return winners[0]
    return expr.func(*args)


def _region_status(claim: sp.Expr, truth: sp.Expr, region: Region, symbol: sp.Symbol) -> str:
    """``"equal"``, ``"different"`` (proved never equal) or ``"unknown"`` on one region.

    A proof resolves every switching building block at one point of the region, so it
    holds only if no block switches inside: every switch argument must be proved to keep
    one sign on the whole region (:func:`keeps_sign`), whatever the breakpoint solver said.
    Otherwise the region is "unknown" and left to the sampling.
    """
    try:
        at = region.representative()
        c, t = resolve(claim, at, symbol), resolve(truth, at, symbol)
        switches = [resolve(u, at, symbol) for u in switch_arguments(claim, symbol) + switch_arguments(truth, symbol)]
    except _Unresolved:
        return "unknown"
    if not all(keeps_sign(u, region, symbol) for u in switches):
        return "unknown"
    sign = 1 if at > 0 else -1  # 0 is always a breakpoint: every region lies on one side
    difference = c.subs(symbol, sign * X) - t.subs(symbol, sign * X)
    if difference == 0:
        return "equal"
    if difference.has(sp.nan):
        return "unknown"
    if sp.piecewise_fold(difference).has(sp.Piecewise):
        difference = sp.piecewise_fold(difference)
    difference = sp.simplify(sp.powsimp(difference, force=True))
    if difference == 0:
        return "equal"
    if difference.is_zero is False:
        return "different"
    return "unknown"


_T = sp.Symbol("t", positive=True)


def keeps_sign(u: sp.Expr, region: Region, symbol: sp.Symbol = W) -> bool:
    r"""Whether SymPy proves that ``u`` is nonzero with one sign on the whole open ``region``.

    ``u`` is a switch argument already resolved on the region (no ``Abs``, ``Min``...
    of its own left).  The region is written as the image of :math:`t > 0`
    (:math:`w = lo + t`, :math:`hi - t` or :math:`(lo + hi\,t)/(1 + t)`) and the sign
    of ``u`` there is asked of SymPy's assumptions, after putting it over one
    denominator, and for a rational function by counting the numerator's and
    denominator's real roots on :math:`t > 0` (Sturm).  False means "not proved",
    never "changes sign".

    Examples
    --------
    >>> keeps_sign(W - 5, Region(sp.Integer(0), sp.Integer(5)))
    True
    >>> keeps_sign(1 - sp.Rational(7, 3) * W ** sp.Rational(4, 3), Region(sp.Integer(0), sp.oo))
    False
    """
    if not u.has(symbol):
        return bool(u.is_nonzero)
    lo, hi = region.lo, region.hi
    if hi == sp.oo:
        at = lo + _T
    elif lo == -sp.oo:
        at = hi - _T
    else:
        at = (lo + hi * _T) / (1 + _T)
    if _monotone_keeps_sign(u, region, symbol):
        return True
    e = u.subs(symbol, at)
    for form in (e, sp.together(e), sp.expand(e)):
        if form.is_positive or form.is_negative:
            return True
    return _rational_keeps_sign(sp.together(e))


_X = sp.Symbol("x", positive=True)


def _monotone_keeps_sign(u: sp.Expr, region: Region, symbol: sp.Symbol) -> bool:
    r"""For :math:`u = A x^p + C` with :math:`x = \pm w > 0` on the region (strictly monotone in x):
    whether its values at both ends are of one sign, so that all values between are."""
    if not (region.lo >= 0 or region.hi <= 0):
        return False
    side = 1 if region.lo >= 0 else -1
    v = sp.expand(u.subs(symbol, side * _X))
    constant, rest = v.as_independent(_X, as_Add=True)
    coefficient, exponent = rest.as_coeff_exponent(_X)
    if coefficient.has(_X) or exponent.has(_X) or coefficient == 0 or exponent == 0 or \
            sp.expand(coefficient * _X**exponent - rest) != 0 or exponent.is_real is not True:
        return False
    ends = sorted((abs(region.lo), abs(region.hi)), key=lambda e: (e == sp.oo, e))
    values = []
    for end in ends:
        if end == 0:
            value = constant if exponent > 0 else sp.sign(coefficient) * sp.oo
        elif end == sp.oo:
            value = constant if exponent < 0 else sp.sign(coefficient) * sp.oo
        else:
            value = sp.simplify(coefficient * end**exponent + constant)
        values.append(value)
    # "extended": oo is not positive to SymPy, only extended positive.
    if all(v.is_extended_nonnegative for v in values) and any(v.is_extended_positive for v in values):
        return True
    return all(v.is_extended_nonpositive for v in values) and any(v.is_extended_negative for v in values)


def _rational_keeps_sign(e: sp.Expr) -> bool:
    numerator, denominator = sp.fraction(e)
    for part in (numerator, denominator):
        try:
            poly = sp.Poly(sp.expand(part), _T)
        except sp.PolynomialError:
            return False
        if poly.is_zero or not poly.domain.is_Exact or poly.domain not in (sp.ZZ, sp.QQ):
            return False
        # Roots on t > 0: those on [0, oo) minus one at t = 0 (the region's open end).
        count = poly.count_roots(0, None) - (1 if poly.eval(0) == 0 else 0)
        if count:
            return False
    return True


def _point_status(claim: sp.Expr, truth: sp.Expr, point: sp.Expr, symbol: sp.Symbol) -> str:
    difference = claim.subs(symbol, point) - truth.subs(symbol, point)
    if difference.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return "unknown"
    return "equal" if difference == 0 or sp.simplify(difference) == 0 else "unknown"


def prove_regions(claim: sp.Expr, truth: sp.Expr, points: tuple, symbol: sp.Symbol, skip=frozenset()) -> list[tuple[str, str]]:
    """``(where, status)`` for every region and every breakpoint other than 0 (and other than ``skip``)."""
    statuses = [(str(r), _region_status(claim, truth, r, symbol)) for r in regions_between(points)]
    statuses += [(sp.sstr(p), _point_status(claim, truth, p, symbol)) for p in points if p != 0 and p not in skip]
    return statuses


