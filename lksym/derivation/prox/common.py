r"""What every part of the proximal step shares: exact helpers, :class:`Infimum`, the record :class:`Prox`.

The objective is :math:`F(x) = \tfrac12 (x - z)^2 + \lambda p(x)` with :math:`\lambda` the symbol
:data:`lksym.derivation.symbols.LAM`.  Here: the time and tolerance constants, the key a
penalty's prox depends on (:func:`prox_key`: its pieces and :math:`p(0)`, not its name), one-sided
limits, exact roots of small polynomials, solving for :math:`\lambda`, and :class:`Infimum`,
an exact infimum evaluable with ``sympy.N``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Callable, Optional, Union

import sympy as sp

from lksym.budget import bounded
from lksym.derivation.exact import continuous_value, substitute
from lksym.derivation.symbols import LAM, X
from lksym.numerics.prox_solver import compile_expr


LAM_RANGE = (1e-6, 1e7)
"""Range of :math:`\\lambda` sampled for changes of shape (catalogue parameters lie in [1/1000, 1000])."""
LAM_SAMPLES = 66
TIME_LIMIT = 20.0
"""Seconds of exact work per penalty before a derivation gives up (``None`` with a reason)."""
CLOSED_FORM_LIMIT = 10.0
"""Seconds for the closed-form prox, half of an analysis's 20 s: when it gives up (``None``), the
threshold and Fan and Li's properties it would have given are derived on their own in the rest."""
SOLVE_LIMIT = 2.0
TOLERANCE = 1e-9

Condition = Union[bool, sp.Basic]


# --------------------------------------------------------------------------- an exact infimum


class Infimum(sp.Function):
    r"""``Infimum(h, x, lo, hi)``: :math:`\inf_{lo < x < hi} h(x)`, exact by definition.

    Used where the minimiser of :math:`h` solves an equation with no closed form (log-sum's
    threshold beyond :math:`\lambda = \varepsilon^2`).  ``x`` is bound; once every other symbol
    has a number, ``sympy.N`` evaluates it by a grid search refined by golden sections.

    Examples
    --------
    >>> t = Infimum(X / 2 + 1 / X, X, 0, sp.oo)
    >>> t.free_symbols, round(float(sp.N(t)), 9)
    (set(), 1.414213562)
    """

    nargs = 4

    @property
    def free_symbols(self):
        h, x, lo, hi = self.args
        return (h.free_symbols - {x}) | lo.free_symbols | hi.free_symbols

    def _eval_evalf(self, prec):
        h, x, lo, hi = self.args
        if self.free_symbols:
            return None
        f = compile_expr(x, h, "mpmath")
        return sp.Float(minimise(lambda t: float(f(t)), float(lo), float(hi)), prec)

    def _sympystr(self, printer):
        h, x, lo, hi = self.args
        return f"Infimum({printer.doprint(h)}, {printer.doprint(x)}, {printer.doprint(lo)}, {printer.doprint(hi)})"

    def _unicodetext(self, printer):
        h, x, lo, hi = self.args
        where = f"{printer.doprint(lo)} < {printer.doprint(x)}" + ("" if hi == sp.oo else f" < {printer.doprint(hi)}")
        return f"inf over {where} of ({printer.doprint(h)})"

    def _latex(self, printer):
        # As a reader writes it: \inf_{0 < x} (...), not the function call.
        h, x, lo, hi = self.args
        where = f"{printer._print(lo)} < {printer._print(x)}" + ("" if hi == sp.oo else f" < {printer._print(hi)}")
        return rf"\inf_{{{where}}} \left({printer._print(h)}\right)"


def minimise(f: Callable[[float], float], lo: float, hi: float) -> float:
    """The infimum of a continuous ``f`` on ``(lo, hi)``: a grid, then golden sections around the best point."""
    top = hi if math.isfinite(hi) else max(lo, 1.0) * 1e6 + 1e6
    grid = sorted(
        {lo + (top - lo) * i / 4000 for i in range(1, 4000)}
        | {lo + (top - lo) * 10.0 ** (-e / 20) for e in range(0, 300)}
    )
    values = []
    for t in grid:
        try:
            values.append(f(t))
        except (ValueError, ZeroDivisionError, OverflowError):
            values.append(math.inf)
    j = min(range(len(grid)), key=lambda i: values[i])
    a = grid[j - 1] if j > 0 else lo
    b = grid[j + 1] if j + 1 < len(grid) else top
    g = (math.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(200):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = f(d)
    return min(values[j], fc, fd)


# --------------------------------------------------------------------------- small exact helpers


def one_sided_limit(expr: sp.Expr, point: sp.Expr, direction: str) -> sp.Expr:
    if not expr.has(X):
        return expr
    if point != sp.oo and point.is_finite and point != 0:
        value = expr.subs(X, point)
        if value.is_finite:
            return value
    if point == 0:
        value = continuous_value(expr, point)  # a substitution where it provably is the limit
        if value is not None:
            return value
    if point == sp.oo:
        value = limit_at_infinity(expr)
        if value is not None:
            return value
    return sp.limit(expr, X, point, direction if point != sp.oo else "-")


def limit_at_infinity(expr: sp.Expr) -> Optional[sp.Expr]:
    r"""The limit at :math:`x \to \infty` of a sum of terms :math:`c\,x^e` (``c`` free of x) when it is
    :math:`\pm\infty` or 0, else ``None``: the largest :math:`e` decides, by the sign of its coefficient."""
    terms = [t.as_coeff_exponent(X) for t in sp.Add.make_args(expr)]
    if any(c.has(X) or not e.is_real or not e.is_number for c, e in terms):
        return None
    top = max((e for _, e in terms), key=float)
    if top < 0:
        return sp.S.Zero
    lead = sp.Add(*[c for c, e in terms if e == top])
    if top > 0 and lead.is_positive:
        return sp.oo
    if top > 0 and lead.is_negative:
        return -sp.oo
    return None


@lru_cache(maxsize=1024)  # the same value is tidied again for each range of lam it wins on
def tidy_form(expr: sp.Expr) -> sp.Expr:
    """A closed form of the proximal step in a short equal shape.

    Only numeric denominators are rationalised (``1/(1 + sqrt(2))`` is ``sqrt(2) - 1``).  A symbolic
    one is left as it is: ``z/(1 + lam/sqrt(3))`` rationalised is ``z*(sqrt(3)*lam - 3)/(lam**2 - 3)``,
    0/0 at ``lam = sqrt(3)``, where the map itself is smooth.
    """
    expr = sp.powsimp(sp.radsimp(sp.cancel(sp.together(expr)), symbolic=False), force=False)
    small = sp.factor_terms(expr)
    return small if sp.count_ops(small) <= sp.count_ops(expr) else expr


def value_at_lam(expr: sp.Expr, lam: float) -> complex:
    try:
        value = complex(sp.N(expr.subs(LAM, lam), 20))
    except (TypeError, ValueError, ZeroDivisionError):
        return complex("nan")
    return value


def real_or_none(value: complex) -> Optional[float]:
    if value != value or math.isinf(value.real):
        return None
    if abs(value.imag) > 1e-10 * (1 + abs(value.real)):
        return None
    return value.real


def exact_number(value) -> sp.Expr:
    """A float as the exact decimal it prints as (``0.3`` is 3/10); exact numbers unchanged."""
    if isinstance(value, float):
        return sp.Rational(repr(value))
    return sp.sympify(value)


def polynomial_in_x(expr: sp.Expr, max_degree: int) -> Optional[sp.Poly]:
    """The numerator of ``expr`` as a polynomial in X of bounded degree, or ``None``."""
    numerator, _ = sp.fraction(sp.together(sp.expand(expr)))
    try:
        poly = sp.Poly(sp.expand(numerator), X)
    except sp.PolynomialError:
        return None
    if any(c.has(X) for c in poly.coeffs()) or poly.degree() > max_degree:
        return None
    return poly


def exact_roots(poly: sp.Poly) -> Optional[list]:
    """Every root of ``poly`` (coefficients in ``lam``), or ``None`` if SymPy cannot give them all."""
    if poly.degree() <= 0:
        return []
    found = sp.roots(poly, X)
    if sum(found.values()) != poly.degree():
        return None
    return list(found)


def solve_lam(expr: sp.Expr, lo: float, hi: float) -> list:
    """Exact roots of ``expr`` in ``lam`` with lo < root < hi (bounded in time; [] when SymPy cannot)."""
    expr = sp.together(expr)
    if not expr.has(LAM):
        return []
    rational = rational_roots(sp.numer(expr), lo, hi)
    if rational is not None:
        return [s for s in rational if abs(complex(sp.N(expr.subs(LAM, s), 30))) < 1e-20]
    try:
        # check=False: every solution is checked below at 30 digits anyway, and SymPy's own
        # check imports sympy.physics.units (~0.15 s) on its first use.
        solutions = bounded(lambda: sp.solve(sp.numer(expr), LAM, check=False), limit=SOLVE_LIMIT)
    except (NotImplementedError, ValueError, TypeError):
        return []
    if solutions is None:
        return []
    out = []
    for s in solutions:
        if s.free_symbols:
            continue
        v = real_or_none(value_at_lam(s, 1.0))
        if v is not None and lo < v < hi and abs(complex(sp.N(expr.subs(LAM, s), 30))) < 1e-20:
            out.append(sp.nsimplify(s) if s.is_Float else s)
    return out


def rational_roots(numerator: sp.Expr, lo: float, hi: float) -> Optional[list]:
    r"""The roots in ``(lo, hi)`` of a polynomial in :math:`\sqrt\lambda` when every one of them is rational, else ``None``.

    With :math:`\lambda = u^2`, :math:`u > 0` (SCAD's and MCP's change points: a piece end, linear
    in :math:`\lambda`, against a threshold :math:`c\sqrt\lambda`) the numerator is a polynomial in
    :math:`u`; all its roots are found exactly, so none is missed.  Only a rational answer is
    returned (it reads the same however it is found); anything else is left to ``sympy.solve``.

    Examples
    --------
    >>> rational_roots(10 * LAM - sp.sqrt(470) * sp.sqrt(LAM), 1e-6, 1e7)
    [47/10]
    """
    u = sp.Dummy("u", positive=True)
    try:
        poly = sp.Poly(sp.expand(numerator.subs(LAM, u**2)), u)
    except sp.PolynomialError:
        return None
    if poly.degree() > 2 or any(c.free_symbols for c in poly.coeffs()):
        return None
    if poly.degree() <= 0:
        return []
    if poly.degree() == 1:
        b, c = poly.all_coeffs()
        found = [-c / b]
    else:  # every root by the formula (sympy.roots spends ~0.2 s on its first algebraic coefficient)
        a, b, c = poly.all_coeffs()
        disc = sp.sqrt(b**2 - 4 * a * c)
        found = [(-b - disc) / (2 * a), (-b + disc) / (2 * a)]
    out = []
    for r in found:
        v = real_or_none(value_at_lam(r, 1.0))
        if v is None or v <= 0:
            continue  # not a u > 0: no lam
        lam = sp.expand(r**2)
        if lo < float(lam) < hi:
            if not lam.is_Rational:
                return None
            out.append(lam)
    return sorted(set(out))


@lru_cache(maxsize=1024)
def in_mpmath(args, expr: sp.Expr) -> Callable:
    """``sympy.lambdify(args, expr, "mpmath")``, once per expression: the thresholds, the transitions and
    the validity ends share many (a piece end such as ``37/10`` is compiled up to seven times otherwise).
    Equal SymPy expressions print the same code (a Float never equals a Rational), so sharing is exact."""
    return compile_expr(args, expr, "mpmath")


class GiveUp(Exception):
    """An exact derivation stopped (a reason for the caller's ``None``)."""


def out_of_time(limit: float) -> str:
    """The reason given when exact work of one part ran out of its own time (:func:`lksym.budget.bounded`)."""
    return f"exact work ran out of time ({limit:g} s)"


@dataclass(frozen=True)
class Prox:
    """The exact facts about the proximal operator of :math:`\\lambda |x|^k`.

    Attributes
    ----------
    threshold
        The largest :math:`|z|` with :math:`\\operatorname{prox}(z) = 0`, in ``lam``.
    closed_form
        :math:`\\operatorname{prox}(z)` for :math:`z` above the threshold, in ``z``
        and ``lam``; ``None`` where no closed form is attempted.
    """

    threshold: sp.Expr
    closed_form: Optional[sp.Expr]

    @cached_property
    def threshold_at_one(self) -> sp.Expr:
        """The threshold at :math:`\\lambda = 1`, exact (huge exact powers left unevaluated, as
        :func:`lksym.derivation.exact.substitute` does); derived once, on first use.

        Examples
        --------
        >>> Prox(threshold=sp.Rational(3, 2) * LAM ** sp.Rational(2, 3), closed_form=None).threshold_at_one
        3/2
        """
        return substitute(self.threshold, {LAM: 1})


def join_branches(branches: list) -> sp.Expr:
    """Piecewise((v1, lam <= c1), ..., (vn, True)), merging neighbours with the same value."""
    merged: list = []
    for value, upper in branches:
        if merged and merged[-1][0] == value:
            merged[-1] = (value, upper)
        else:
            merged.append((value, upper))
    if len(merged) == 1:
        return merged[0][0]
    return sp.Piecewise(*[(v, LAM <= u) for v, u in merged[:-1]], (merged[-1][0], True))
