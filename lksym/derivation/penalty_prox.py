r"""The proximal step of :math:`\lambda p` for any symmetric :class:`~lksym.derivation.penalty.Penalty`.

.. math::

    \operatorname{prox}(z) = \operatorname*{arg\,min}_x \; F(x),\qquad
    F(x) = \tfrac12 (x - z)^2 + \lambda\, p(x), \qquad \lambda > 0 .

:math:`p` is even, so :math:`\operatorname{prox}(-z) = -\operatorname{prox}(z)`; everything is
derived for :math:`z \ge 0` from the exact pieces of the right branch.  For a penalty that is
nondecreasing in :math:`|w|` (every catalogue entry; others are refused) the minimiser lies in
:math:`[0, z]`: :math:`-x` is never better than :math:`x`, and :math:`x > z` is never better than
:math:`z`.  ``lam`` is only the prox strength :data:`lksym.derivation.symbols.LAM`; a catalogue entry's own
parameters are exact numbers already in the pieces.

* :func:`prox_threshold` — the largest :math:`|z|` mapped to 0,
  :math:`T(\lambda) = \inf_{x>0} \, x/2 + \lambda (p(x) - p(0))/x`, per piece and per range of
  :math:`\lambda` (a ``Piecewise``); where no closed form exists the infimum itself
  (:class:`Infimum`), exact by definition and evaluable with ``sympy.N``.
* :func:`prox_closed_form` — :math:`\operatorname{prox}(z)` as a ``Piecewise`` in ``z`` (and in
  ``lam`` where its shape changes) for pieces that are polynomials of degree at most 2.
* :func:`prox_numeric`, :func:`prox_vector` — a global minimiser for any penalty.
* :func:`thresholding` — Fan and Li's three properties (sparse, continuous, unbiased) decided
  from the penalty and its proximal map, with their conditions in ``lam``.
* :func:`check_prox` — hold any implementation against :func:`prox_numeric`.
* :func:`prox_report` — what ``lksym prox PENALTY --lam L --z Z`` shows.

How ranges of :math:`\lambda` are found
---------------------------------------
Each result is the best of a few exact candidates (a value at a piece end, at a critical point,
a stationary point of a piece), each valid where it lies inside its piece.  Which one wins is
sampled on a logarithmic grid of :math:`\lambda` over :data:`LAM_RANGE` (wider for a penalty of very small
or large scale, :func:`lam_range`); where the winner changes
between two samples the exact change point is solved for (the two winners' values, or two
transition points, are equal there), and accepted only if the winners on both sides of it are the
sampled ones.  Every closed form is then checked against :func:`prox_numeric` at points spread
over each range (and at each change point); if any disagrees the answer is ``None``, never a
wrong formula.

Which candidate wins at one :math:`\lambda` is first decided in float balls (a midpoint and a
radius that holds the exact value, :func:`_ball_compile`): where every comparison clears the
radii, the 40- or 50-digit mpmath comparison would decide the same, at a fifth of the cost.  Where
a ball cannot decide (two transitions that coincide, a near tie next to a change point, a divisor
that may vanish) the mpmath signature is computed instead, and it is always recomputed on both
sides of every change the grid shows.  Change points of a polynomial in :math:`\sqrt\lambda` with
rational roots (SCAD's and MCP's) come from the quadratic formula; others from ``sympy.solve``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Optional, Union

import sympy as sp

from lksym.derivation.exact import bisect_root, continuous_value
from lksym.derivation.penalty import Penalty
from lksym.derivation.symbols import LAM, X, Z
from lksym.errors import InputError

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
        f = _compile(x, h, "mpmath")
        return sp.Float(_minimise(lambda t: float(f(t)), float(lo), float(hi)), prec)

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


def _minimise(f: Callable[[float], float], lo: float, hi: float) -> float:
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


def _compile(args, expr: sp.Expr, modules) -> Callable:
    """``sympy.lambdify`` without the docstring: printing ``expr`` a second time for it is ~40% of a call,
    and nothing reads it (the code, and ``inspect.getsource`` of it, are the same)."""
    return sp.lambdify(args, expr, modules, docstring_limit=0)


def _key(penalty: Penalty) -> tuple:
    """What the prox depends on: the pieces and p(0), not the name (``Min(abs(w), 1)`` is capped L1)."""
    return (tuple((p.expr, p.lo, p.hi) for p in penalty.pieces), penalty.at_zero)


def _limit(expr: sp.Expr, point: sp.Expr, direction: str) -> sp.Expr:
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
        value = _limit_at_infinity(expr)
        if value is not None:
            return value
    return sp.limit(expr, X, point, direction if point != sp.oo else "-")


def _limit_at_infinity(expr: sp.Expr) -> Optional[sp.Expr]:
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


def _num(expr: sp.Expr, lam: float) -> complex:
    try:
        value = complex(sp.N(expr.subs(LAM, lam), 20))
    except (TypeError, ValueError, ZeroDivisionError):
        return complex("nan")
    return value


def _real(value: complex) -> Optional[float]:
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


def _polynomial(expr: sp.Expr, max_degree: int) -> Optional[sp.Poly]:
    """The numerator of ``expr`` as a polynomial in X of bounded degree, or ``None``."""
    numerator, _ = sp.fraction(sp.together(sp.expand(expr)))
    try:
        poly = sp.Poly(sp.expand(numerator), X)
    except sp.PolynomialError:
        return None
    if any(c.has(X) for c in poly.coeffs()) or poly.degree() > max_degree:
        return None
    return poly


def _roots(poly: sp.Poly) -> Optional[list]:
    """Every root of ``poly`` (coefficients in ``lam``), or ``None`` if SymPy cannot give them all."""
    if poly.degree() <= 0:
        return []
    found = sp.roots(poly, X)
    if sum(found.values()) != poly.degree():
        return None
    return list(found)


def _solve_lam(expr: sp.Expr, lo: float, hi: float) -> list:
    """Exact roots of ``expr`` in ``lam`` with lo < root < hi (bounded in time; [] when SymPy cannot)."""
    from lksym.budget import Timeout, deadline

    expr = sp.together(expr)
    if not expr.has(LAM):
        return []
    rational = _rational_roots(sp.numer(expr), lo, hi)
    if rational is not None:
        return [s for s in rational if abs(complex(sp.N(expr.subs(LAM, s), 30))) < 1e-20]
    try:
        with deadline(SOLVE_LIMIT):
            # check=False: every solution is checked below at 30 digits anyway, and SymPy's own
            # check imports sympy.physics.units (~0.15 s) on its first use.
            solutions = sp.solve(sp.numer(expr), LAM, check=False)
    except Timeout:
        return []
    except (NotImplementedError, ValueError, TypeError):
        return []
    out = []
    for s in solutions:
        if s.free_symbols:
            continue
        v = _real(_num(s, 1.0))
        if v is not None and lo < v < hi and abs(complex(sp.N(expr.subs(LAM, s), 30))) < 1e-20:
            out.append(sp.nsimplify(s) if s.is_Float else s)
    return out


def _rational_roots(numerator: sp.Expr, lo: float, hi: float) -> Optional[list]:
    r"""The roots in ``(lo, hi)`` of a polynomial in :math:`\sqrt\lambda` when every one of them is rational, else ``None``.

    With :math:`\lambda = u^2`, :math:`u > 0` (SCAD's and MCP's change points: a piece end, linear
    in :math:`\lambda`, against a threshold :math:`c\sqrt\lambda`) the numerator is a polynomial in
    :math:`u`; all its roots are found exactly, so none is missed.  Only a rational answer is
    returned (it reads the same however it is found); anything else is left to ``sympy.solve``.

    Examples
    --------
    >>> _rational_roots(10 * LAM - sp.sqrt(470) * sp.sqrt(LAM), 1e-6, 1e7)
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
        v = _real(_num(r, 1.0))
        if v is None or v <= 0:
            continue  # not a u > 0: no lam
        lam = sp.expand(r**2)
        if lo < float(lam) < hi:
            if not lam.is_Rational:
                return None
            out.append(lam)
    return sorted(set(out))


# --------------------------------------------------------------------------- ranges of lam


@dataclass(frozen=True)
class _Regime:
    signature: tuple
    upper: Optional[sp.Expr]  # exact right end in lam; None for the last (to oo)
    closed: bool  # whether the right end belongs to this regime


def lam_range(key: tuple) -> tuple[float, float]:
    r"""The range of :math:`\lambda` sampled for changes of shape: :data:`LAM_RANGE`, widened for a penalty of
    very small or very large scale.

    The proximal problem keeps its shape when :math:`x`, :math:`z` scale by :math:`s` and :math:`p - p(0)` by
    :math:`q`, with :math:`\lambda` by :math:`s^2/q`: so each breakpoint :math:`b` has the scale
    :math:`b^2/(p(b) - p(0))` (capped L1's :math:`\theta`: its change is at :math:`\lambda = 2\theta`).
    Scales in :math:`[10^{-3}, 10^3]` (every catalogue default) keep :data:`LAM_RANGE` as it is; beyond, the
    range grows by the same factor (``Min(abs(w), 1/10^7)`` changes at :math:`2 \cdot 10^{-7}`).
    """
    pieces, p0 = key
    scales = []
    for expr, _, hi in pieces[:-1]:
        try:
            rise = float(sp.N(expr.subs(X, hi) - p0, 20))
            b = float(hi)
        except (TypeError, ValueError):
            continue
        if math.isfinite(rise) and rise > 0 and b > 0:
            scales.append(b * b / rise)
    lo, hi = LAM_RANGE
    if scales:
        lo *= min(1.0, min(scales) * 1e3)
        hi *= max(1.0, max(scales) / 1e3)
    return max(lo, 1e-300), min(hi, 1e300)


def _lam_grid(extra=(), lam_range: tuple = LAM_RANGE) -> list:
    lo, hi = lam_range
    # LAM_SAMPLES over LAM_RANGE's 13 decades, as densely over a wider range.
    n = max(LAM_SAMPLES, math.ceil(LAM_SAMPLES * math.log(hi / lo) / math.log(LAM_RANGE[1] / LAM_RANGE[0])))
    grid = {lo * (hi / lo) ** (i / (n - 1)) for i in range(n)}
    for e in extra:
        v = float(e)
        if lo < v < hi:
            grid.update({v * (1 - 1e-6), v * (1 + 1e-6)})
    return sorted(grid)


def _regimes(signature: Callable[[float], Optional[tuple]], change_roots: Callable[[tuple, tuple, float, float], list],
             exact_lams=(), precise: Optional[Callable[[float], Optional[tuple]]] = None,
             lam_range: tuple = LAM_RANGE) -> Optional[list]:
    """Split ``lam > 0`` where ``signature`` changes, with exact change points, or ``None``.

    ``change_roots(sa, sb, la, lb)`` proposes exact lam in ``(la, lb)`` where the shape ``sa``
    may become ``sb``.  A change point is accepted when the signatures just left and right of it
    are those sampled on each side; brackets are narrowed up to a fixed depth.  ``precise``, if
    given, recomputes the signature on both sides of every change the (faster) ``signature`` shows.
    """
    points = {}
    for lam in _lam_grid(exact_lams, lam_range):
        sig = signature(lam)
        for j in range(1, 4):
            if sig is not None:
                break
            lam *= 1 + 1e-3 * j  # a grid point that happens to sit on a coincidence of two switch points
            sig = signature(lam)
        points[lam] = sig
    roots: dict = {}
    confirmed: set = set()
    for _ in range(12):
        while precise is not None:
            lams = sorted(points)
            todo = {l for la, lb in zip(lams, lams[1:]) if points[la] != points[lb] for l in (la, lb)} - confirmed
            if not todo:
                break
            for l in todo:
                confirmed.add(l)
                points[l] = precise(l)
        lams = sorted(points)
        if any(points[l] is None for l in lams):
            return None
        pending = []
        for la, lb in zip(lams, lams[1:]):
            if points[la] != points[lb] and not any(la < v < lb for v in roots):
                pending.append((la, lb))
        if not pending:
            break
        for la, lb in pending:
            if la not in points or lb not in points:
                continue  # a sample removed below: the next round looks again
            # A little wider than the bracket: a sample may sit on the change point itself.
            wa, wb = la * (1 - 1e-9), lb * (1 + 1e-9)
            found = change_roots(points[la], points[lb], wa, wb)
            found += [e for e in exact_lams if wa < float(e) < wb]
            if found:
                for r in found:
                    v = float(r)
                    roots.setdefault(v, r)
                    for s in [s for s in points if abs(s - v) <= 1e-8 * v]:
                        del points[s]
                    for s in (v * (1 - 1e-7), v * (1 + 1e-7)):
                        points[s] = signature(s)
            elif lb / la > 1 + 1e-9:
                mid = math.sqrt(la * lb)
                points[mid] = signature(mid)
            else:
                return None
    else:
        return None
    lams = sorted(points)
    regimes = []
    for la, lb in zip(lams, lams[1:]):
        if points[la] != points[lb]:
            inside = [v for v in roots if la < v < lb]
            if len(inside) != 1:
                return None
            regimes.append((points[la], roots[inside[0]]))
    out = []
    for sig, upper in regimes:
        out.append(_Regime(sig, upper, True))
    out.append(_Regime(points[lams[-1]], None, True))
    return out


# --------------------------------------------------------------------------- numeric core


@dataclass(frozen=True)
class _Numeric:
    p: tuple  # float -> float per piece
    dp: tuple  # numpy-vectorised derivative per piece
    his: tuple  # right ends (inf for the last)
    p0: float
    ds: tuple = ()  # per piece: the derivative for one Python float, or None (see _scalar_twin)


@lru_cache(maxsize=128)
def _numeric(key: tuple) -> _Numeric:
    import numpy as np

    pieces, at_zero = key
    p, dp, ds = [], [], []
    for expr, lo, hi in pieces:
        f = _compile(X, expr, "math")
        # The module object, not the string "numpy": the string runs ``from numpy import *``,
        # which loads numpy.testing, numpy.f2py and more (~0.1 s) for names never printed.
        derivative = sp.diff(expr, X)
        g = _compile(X, derivative, [np])
        p.append(f)
        dp.append(lambda x, g=g: np.asarray(g(x), dtype=float) + 0 * x)
        ds.append(_scalar_twin(derivative, g))
    his = tuple(float(hi) for _, _, hi in pieces)
    out = _Numeric(tuple(p), tuple(dp), his, float(at_zero), tuple(ds))
    _check_nondecreasing(out, pieces)
    return out


def _scalar_twin(expr: sp.Expr, vectorised) -> Optional[Callable]:
    """``expr`` lambdified for one Python float, if it runs exactly the operations of ``vectorised``.

    Bisection to the last float calls the derivative ~50 times per root, and numpy on a one-element
    array costs ~10 us a call.  The twin is used only for ``+``, ``*``, ``/`` and ``sqrt`` of numbers
    and ``x`` (every catalogue derivative), printed as the same code: IEEE arithmetic and ``sqrt``
    round the same for a Python float as for a numpy one, so every bisection step, and the root, is
    the same.  Not for other powers (numpy squares where Python calls ``pow``) nor for any other
    function (numpy's ``exp`` or ``log`` may round differently from ``math``'s).
    """
    import inspect

    for node in sp.preorder_traversal(expr):
        if not (node.is_Symbol or node.is_Rational or node.is_Float or node.is_Add or node.is_Mul
                or (node.is_Pow and node.exp in (-1, sp.S.Half))):
            return None
    f = _compile(X, expr, "math")
    try:
        same = inspect.getsource(f) == inspect.getsource(vectorised)
    except (OSError, TypeError):
        return None
    return f if same else None


def _sorted_unique(xs):
    """``np.unique`` of a float array without NaN, by sort and neighbour test.

    ``np.unique`` asks ``np.ma.is_masked``, and that first touch imports ``numpy.ma`` (~60 ms of
    a ~1 s command).
    """
    import numpy as np

    xs = np.sort(xs)
    return xs[np.concatenate(([True], xs[1:] != xs[:-1]))]


def _check_nondecreasing(n: _Numeric, pieces) -> None:
    import numpy as np

    previous = n.p0
    for i, (_, lo, hi) in enumerate(pieces):
        a, b = float(lo), float(hi) if hi != sp.oo else float(lo) + 1e6
        xs = _sorted_unique(np.concatenate([a + (b - a) * np.linspace(1e-9, 1, 400), a + (b - a) * np.geomspace(1e-12, 1, 200)]))
        with np.errstate(all="ignore"):  # exp(|w|) overflows far out: growing without bound is nondecreasing
            slopes = n.dp[i](xs)
        first = _value_or_inf(n.p[i], float(xs[0]))
        if np.any(slopes < -1e-12 * (1 + np.abs(slopes))) or first < previous - 1e-12 * (1 + abs(previous)):
            raise InputError("prox: the penalty must be nondecreasing in |w| (the minimiser is then in [0, |z|])")
        previous = _value_or_inf(n.p[i], float(xs[-1]))


def _value_or_inf(f, x: float) -> float:
    try:
        return f(x)
    except OverflowError:
        return math.inf


def _objective(n: _Numeric, lam: float, z: float, x: float) -> float:
    if x == 0:
        return 0.5 * z * z + lam * n.p0
    return 0.5 * (x - z) ** 2 + lam * n.p[_piece_index(n, x)](x)


def _piece_index(n: _Numeric, x: float) -> int:
    for i, hi in enumerate(n.his):
        if x <= hi:
            return i
    return len(n.his) - 1


@lru_cache(maxsize=1)
def _unit_grid():
    """The stationarity grid on [0, 1]: 2048 even steps and 300 geometric ones down to 1e-15, sorted."""
    import numpy as np

    grid = np.sort(np.concatenate([np.linspace(0, 1, 2049)[1:], np.geomspace(1e-15, 1, 300)]))
    grid.flags.writeable = False
    return grid


def _candidates(n: _Numeric, lam: float, a: float) -> list:
    """0, every breakpoint below ``a``, ``a`` itself and every local minimiser of F on each piece in (0, a)."""
    import numpy as np

    out = [0.0, a]
    lo = 0.0
    for i, hi in enumerate(n.his):
        if lo >= a:
            break
        top = min(hi, a)
        if hi < a:
            out.append(hi)
        width = top - lo
        # np.unique(lo + width * grid) without rebuilding and sorting the grid on every call:
        # scaling is monotone, so the scaled sorted grid is sorted; equal neighbours are dropped.
        xs = lo + width * _unit_grid()
        xs = xs[np.concatenate(([True], xs[1:] != xs[:-1]))]
        xs = xs[(xs > lo) & (xs <= top)]
        with np.errstate(all="ignore"):
            g = xs - a + lam * n.dp[i](xs)
        g = np.where(np.isnan(g), np.inf, g)
        down = np.nonzero((g[:-1] < 0) & (g[1:] >= 0))[0]

        def gf(x, i=i, twin=n.ds[i] if n.ds else None):
            if twin is not None:
                try:
                    value = float(x - a + lam * twin(x))
                    return math.inf if value != value else value
                except (ArithmeticError, ValueError, TypeError):
                    pass  # 1/0, an overflow, a negative base: numpy's inf or nan, as below
            with np.errstate(all="ignore"):
                value = float(x - a + lam * n.dp[i](np.array([x]))[0])
            return math.inf if value != value else value

        for j in down:
            out.append(bisect_root(gf, float(xs[j]), float(xs[j + 1])))
        out.extend(float(x) for x in xs[np.nonzero(g == 0)[0]])
        lo = hi
    return sorted(set(out))


def _best(n: _Numeric, lam: float, a: float) -> float:
    best_x, best_f = 0.0, _objective(n, lam, a, 0.0)
    for x in _candidates(n, lam, a):
        f = _objective(n, lam, a, x)
        # A tie (within rounding of the objective) goes to the smaller |x|: candidates come in increasing x.
        # Rounding is relative to the terms (no "+ 1": at |z| = 1e-7 that made every candidate a tie).
        if f < best_f - 4e-16 * (abs(best_f) + a * a):
            best_x, best_f = x, f
    return best_x


def _check_inputs(lam, z) -> tuple:
    lam, z = float(lam), float(z)
    if not (lam > 0 and math.isfinite(lam)):
        raise ValueError("lam must be a positive finite number")
    if not math.isfinite(z):
        raise ValueError("z must be a finite real number")
    return lam, z


def prox_numeric(penalty: Penalty, lam: float, z: float) -> float:
    r"""A global minimiser of :math:`\tfrac12 (x - z)^2 + \lambda p(x)`, for any penalty.

    On :math:`[0, |z|]` the candidates are 0 (where :math:`p(0)` may differ from
    :math:`p(0^+)`), every breakpoint, :math:`|z|`, and every local minimiser inside a piece:
    the stationarity function :math:`G(x) = x - |z| + \lambda p'(x)` (the derived derivative,
    lambdified, evaluated on :math:`x > 0` only) is sampled on a grid of each piece, linear and
    geometric towards its left end, and bisected to the last float wherever it crosses 0 upwards.
    The candidate with the least objective wins; a tie within rounding goes to the smaller
    :math:`|x|` (so the threshold itself maps to 0).  Deterministic; the power family uses
    :func:`lksym.derivation.prox.prox_numeric`.

    Parameters
    ----------
    penalty : Penalty
        Nondecreasing in :math:`|w|` (checked; :class:`~lksym.errors.InputError` otherwise).
    lam : float
        :math:`\lambda > 0`.
    z : float
        Any finite real number.

    Returns
    -------
    float
        :math:`\operatorname{prox}(z)`, with the sign of ``z``.

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_penalty
    >>> prox_numeric(parse_penalty("l0"), 0.5, 0.9), prox_numeric(parse_penalty("l0"), 0.5, 1.1)
    (0.0, 1.1)
    >>> round(prox_numeric(parse_penalty("logsum(eps=0.1)"), 0.3, 2.875), 4)
    2.7705
    """
    lam, z = _check_inputs(lam, z)
    if penalty.family == "power":
        from lksym.derivation import prox

        return prox.prox_numeric(penalty.k, lam, z)
    n = _numeric(_key(penalty))
    a = abs(z)
    if a == 0:
        return 0.0
    x = _best(n, lam, a)
    return math.copysign(x, z) if x != 0 else 0.0


def prox_vector(penalty: Penalty, lam: float, z):
    """:func:`prox_numeric` coordinate by coordinate (the power family: :func:`lksym.derivation.prox.prox_vector`).

    Returns
    -------
    numpy.ndarray
        Same shape as ``z``.

    Examples
    --------
    >>> import numpy as np
    >>> from lksym.derivation.penalty import parse_penalty
    >>> prox_vector(parse_penalty("capped_l1(theta=1)"), 0.5, np.array([-2.0, 0.3, 1.0]))
    array([-2. ,  0. ,  0.5])
    """
    import numpy as np

    lam, _ = _check_inputs(lam, 0.0)
    values = np.asarray(z, dtype=float)
    if not np.all(np.isfinite(values)):
        raise ValueError("z must be finite real numbers")
    if penalty.family == "power":
        from lksym.derivation import prox

        return prox.prox_vector(penalty.k, lam, values)
    out = np.empty_like(values)
    flat, result = values.reshape(-1), out.reshape(-1)
    cache: dict = {}
    for i, v in enumerate(flat):
        a = abs(float(v))
        if a not in cache:
            cache[a] = prox_numeric(penalty, lam, a)
        result[i] = math.copysign(cache[a], v) if cache[a] != 0 else 0.0
    return out


def objective(penalty: Penalty, lam: float, z: float, x: float) -> float:
    r""":math:`\tfrac12 (x - z)^2 + \lambda p(x)` in floats (the quantity every minimiser is judged by).

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_penalty
    >>> objective(parse_penalty("l0"), 1.0, 2.0, 0.0), objective(parse_penalty("l0"), 1.0, 2.0, 2.0)
    (2.0, 1.0)
    """
    lam, z = _check_inputs(lam, z)
    x = float(x)
    if penalty.family == "power":
        return 0.5 * (x - z) ** 2 + lam * abs(x) ** float(penalty.k)
    n = _numeric(_key(penalty))
    return 0.5 * (x - z) ** 2 + (lam * n.p0 if x == 0 else lam * n.p[_piece_index(n, abs(x))](abs(x)))


# --------------------------------------------------------------------------- the threshold


@dataclass(frozen=True)
class _Candidate:
    value: sp.Expr  # in lam
    at: Optional[sp.Expr] = None  # the critical point in lam (None: always valid)
    lo: sp.Expr = sp.S.Zero
    hi: sp.Expr = sp.oo
    raw: bool = False  # value as derived, tidied (by tidy_form) only if it wins somewhere

    @property
    def tidy(self) -> sp.Expr:
        """The value as it is shown: a raw value is tidied first (and only where asked for)."""
        return tidy_form(self.value) if self.raw else self.value

    def valid(self, lam: float) -> bool:
        if self.at is None:
            return True
        x = _real(_num(self.at, lam))
        return x is not None and float(self.lo) < x < float(self.hi)


def _curvature_bound(expr: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> Optional[tuple]:
    """``(inf p'', constant?)`` on the piece ``(lo, hi)``, or ``None`` when it cannot be derived exactly."""
    from lksym.budget import Timeout, deadline

    c = sp.diff(expr, X, 2)
    if not c.has(X):
        return c, True
    c3 = sp.diff(c, X)
    try:
        with deadline(SOLVE_LIMIT):
            inside = sp.solveset(c3, X, sp.Interval.open(lo, hi))
    except Timeout:
        return None
    if inside == sp.S.EmptySet:
        inside = []
    elif not isinstance(inside, sp.FiniteSet):
        return None
    values = [_limit(c, lo, "+"), _limit(c, hi, "-"), *(c.subs(X, r) for r in inside)]
    if any(v.free_symbols or v.has(sp.nan, sp.zoo) for v in values):
        return None
    return min(values, key=lambda v: float(v) if v.is_finite else -math.inf), False


@lru_cache(maxsize=1024)
def _in_mpmath(args, expr: sp.Expr) -> Callable:
    """``sympy.lambdify(args, expr, "mpmath")``, once per expression: the thresholds, the transitions and
    the validity ends share many (a piece end such as ``37/10`` is compiled up to seven times otherwise).
    Equal SymPy expressions print the same code (a Float never equals a Rational), so sharing is exact."""
    return _compile(args, expr, "mpmath")


def _envelope(candidates: list, kind: str, lam_range: tuple = LAM_RANGE) -> Optional[sp.Expr]:
    """The pointwise min (``kind="min"``) or max of valid candidates, as a Piecewise in lam.

    Compared at 50 digits: next to a change point (sampled at 1e-7 from it) two candidates that
    touch there differ only at second order.
    """
    import mpmath

    pick = min if kind == "min" else max
    values = [_in_mpmath(LAM, c.value) for c in candidates]
    ats = [None if c.at is None else _in_mpmath(LAM, c.at) for c in candidates]

    memo: dict = {}

    def signature(lam: float):
        if lam not in memo:
            memo[lam] = precise_signature(lam)
        return memo[lam]

    def precise_signature(lam: float):
        best = None
        with mpmath.workdps(50):
            l = mpmath.mpf(lam)
            for i, c in enumerate(candidates):
                try:
                    if ats[i] is not None:
                        x = mpmath.mpc(ats[i](l))
                        if abs(x.imag) > mpmath.mpf(10) ** -40 * (1 + abs(x.real)) or not float(c.lo) < x.real < float(c.hi):
                            continue
                    v = mpmath.mpc(values[i](l))
                except (ValueError, ZeroDivisionError, TypeError):
                    continue
                if abs(v.imag) > mpmath.mpf(10) ** -40 * (1 + abs(v.real)) or not mpmath.isfinite(v.real):
                    continue
                v = v.real
                if best is None or (pick(v, best[1]) != best[1] and abs(v - best[1]) > mpmath.mpf(10) ** -40 * (1 + abs(v))):
                    best = (i, v)
        return None if best is None else (best[0],)

    # The same in float balls where every comparison is clear (see _Shapes.signature), else at 50 digits.
    distinct = list(dict.fromkeys(c.value for c in candidates))
    slot = [distinct.index(c.value) for c in candidates]
    value_balls = [_ball_compile(v, (LAM,)) for v in distinct]
    at_balls = [None if c.at is None else _ball_compile(c.at, (LAM,)) for c in candidates]
    fast = all(b is not None for b in value_balls) and all(
        (b is not None) == (c.at is not None) for b, c in zip(at_balls, candidates))
    sign = -1 if kind == "min" else 1  # compare sign * value: larger is better
    fixed = {}  # a critical point that does not move with lam: whether it counts, decided once as above
    for i, c in enumerate(candidates):
        if c.at is not None and not c.at.free_symbols:
            with mpmath.workdps(50):
                try:
                    x = mpmath.mpc(ats[i](mpmath.mpf(1)))
                    fixed[i] = not (abs(x.imag) > mpmath.mpf(10) ** -40 * (1 + abs(x.real)) or not float(c.lo) < x.real < float(c.hi))
                except (ValueError, ZeroDivisionError, TypeError):
                    fixed[i] = False

    def ball_signature(lam: float):
        args = (float(lam),)
        values: dict = {}
        best = None
        for i, c in enumerate(candidates):
            if i in fixed:
                if not fixed[i]:
                    continue
            elif at_balls[i] is not None:
                x = _b_finite(at_balls[i](args))
                if x[2] is not None:
                    if abs(x[2][0]) - x[2][1] <= 1e-39 * (1 + abs(x[0]) + x[1]):
                        raise _Unsure
                    continue
                lo, hi = float(c.lo), float(c.hi)
                if not (x[0] - x[1] > lo or x[0] + x[1] <= lo) or not (x[0] + x[1] < hi or x[0] - x[1] >= hi):
                    raise _Unsure
                if not lo < x[0] < hi:
                    continue
            if slot[i] not in values:
                values[slot[i]] = _b_finite(value_balls[slot[i]](args))
            v = values[slot[i]]
            if v[2] is not None:
                if abs(v[2][0]) - v[2][1] <= 1e-39 * (1 + abs(v[0]) + v[1]):
                    raise _Unsure
                continue
            if best is None:
                best = i
                continue
            if slot[i] == slot[best]:
                continue  # the same expression: a tie, which the earlier candidate keeps
            w = values[slot[best]]
            gap = sign * (v[0] - w[0])
            if gap - v[1] - w[1] > 1e-39 * (1 + abs(v[0]) + v[1] + abs(w[0]) + w[1]):
                best = i
            elif not gap + v[1] + w[1] <= 0:
                raise _Unsure
        return None if best is None else (best,)

    def fast_signature(lam: float):
        if fast:
            try:
                return ball_signature(lam)
            except _Unsure:
                pass
        return signature(lam)

    def change(sa, sb, la, lb):
        return _solve_lam(candidates[sa[0]].tidy - candidates[sb[0]].tidy, la, lb)

    regimes = _regimes(fast_signature, change, precise=signature, lam_range=lam_range)
    if regimes is None:
        return None
    branches = [(tidy_form(candidates[r.signature[0]].tidy), r.upper) for r in regimes]
    return _join(branches)


def _join(branches: list) -> sp.Expr:
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


def _piece_threshold(expr: sp.Expr, lo: sp.Expr, hi: sp.Expr, p0: sp.Expr) -> tuple[list, Optional[sp.Expr]]:
    r"""Candidates for :math:`\inf h` on one piece, or a non-closed term (an :class:`Infimum` branch)."""
    q = expr - p0
    h = X / 2 + LAM * q / X
    ends = [_limit(h, lo, "+"), _limit(h, hi, "-")]
    ends = [_Candidate(e) for e in ends if e.is_finite is not False and not e.has(sp.oo, sp.zoo, sp.nan)]
    # h'(x) = N(x) / (2 x^2) with N = x^2 + 2 lam (x q' - q): the critical points are the roots of N.
    n = X**2 + 2 * LAM * (X * sp.diff(q, X) - q)
    poly = _polynomial(n, 4)
    roots = _roots(poly) if poly is not None else None
    if roots is not None:
        # Most critical points never give the infimum; their (costly) tidy form waits for a win.
        crit = [_Candidate(h.subs(X, r), r, lo, hi, raw=True) for r in roots]
        return ends + crit, None
    # No closed-form critical points.  Where 1 + lam q'' >= 0 on the piece, N' = 2x(1 + lam q'') >= 0,
    # so if also N(lo+) >= 0 then h is nondecreasing and the infimum is h(lo+); otherwise the infimum.
    exact = Infimum(h, X, lo, hi)
    bound = _curvature_bound(expr, lo, hi)
    start = _limit(h, lo, "+")
    if bound is None or not start.is_finite or start.has(sp.oo):
        return [], exact
    cmin, _ = bound
    limits = []
    if cmin.is_negative:
        limits.append(-1 / cmin if cmin.is_finite else sp.S.Zero)
    n_lo = sp.expand(_limit(n, lo, "+"))  # linear in lam: alpha + beta lam
    beta = sp.diff(n_lo, LAM)
    alpha = n_lo.subs(LAM, 0)
    if n_lo.has(X) or n_lo.has(sp.oo, sp.nan) or beta.has(LAM):
        return [], exact
    if beta.is_negative:
        limits.append(alpha / -beta)
    elif alpha.is_negative:
        return [], exact
    if not limits:
        return [_Candidate(tidy_form(start))], None
    c = sp.Min(*limits)
    if c == 0:
        return [], exact
    return [], sp.Piecewise((tidy_form(start), LAM <= c), (exact, True))


@lru_cache(maxsize=128)
def _threshold(key: tuple) -> sp.Expr:
    pieces, p0 = key
    # p >= p(0) (nondecreasing), so h >= 0: if h(0+) = 0 for every lam, the threshold is 0.
    start = _limit(pieces[0][0] - p0, sp.S.Zero, "+")
    if start == 0 and sp.limit((pieces[0][0] - p0) / X, X, 0, "+") == 0:
        return sp.S.Zero
    candidates: list = []
    others: list = []
    for expr, lo, hi in pieces:
        found, other = _piece_threshold(expr, lo, hi, p0)
        candidates += found
        if other is not None:
            others.append(other)
    closed = None
    if candidates:
        unique = []
        for c in candidates:
            if not any(c.value == u.value and c.at == u.at for u in unique):
                unique.append(c)
        closed = _envelope(unique, "min", lam_range(key))
        if closed is None:
            raise _GiveUp("the minimising piece of the threshold could not be located exactly")
    terms = ([closed] if closed is not None else []) + others
    return terms[0] if len(terms) == 1 else sp.Min(*terms)


class _GiveUp(Exception):
    """An exact derivation stopped (a reason for the caller's ``None``)."""


def _bounded(fn, *args, limit: float = TIME_LIMIT):
    """``fn(*args)`` under its own time limit: :class:`_GiveUp` when that runs out.

    A caller's deadline that ends first (the analysis's own, :data:`lksym.results.TIME_LIMIT`)
    is the caller's to report, so its :class:`~lksym.budget.Timeout` goes through: taking it for
    this one would give up one fact and run the rest unbounded.
    """
    import time

    from lksym.budget import Timeout, deadline

    start = time.monotonic()
    try:
        with deadline(limit):
            return fn(*args)
    except Timeout:
        if time.monotonic() - start < limit:
            raise
        raise _GiveUp(f"exact work ran out of time ({limit:g} s)") from None


def prox_threshold(penalty: Penalty) -> sp.Expr:
    r"""The largest :math:`|z|` that the proximal step of :math:`\lambda p` maps to exactly 0.

    For :math:`z \ge 0`, :math:`\operatorname{prox}(z) = 0` iff :math:`F(x) \ge F(0)` for every
    :math:`x > 0`, i.e.

    .. math::

        z \le T(\lambda) = \inf_{x > 0} h(x), \qquad h(x) = \frac x2 + \lambda\,\frac{p(x) - p(0)}{x}.

    On each piece the infimum is at a piece end (a one-sided limit) or at a critical point, a
    root of :math:`x^2 + 2\lambda(x p'(x) - p(x) + p(0))` (solved exactly when it is a
    polynomial of degree at most 4).  Which one wins depends on :math:`\lambda`: the result is a
    ``Piecewise`` in ``lam``.  Where the critical point has no closed form, the piece contributes
    :class:`Infimum` (exact by definition), replaced by :math:`h(\text{lo}^+)` for the
    :math:`\lambda` where :math:`1 + \lambda p'' \ge 0` on the piece makes :math:`h` nondecreasing.
    The power family keeps :func:`lksym.derivation.prox.prox_threshold`'s result.

    Returns
    -------
    sympy.Expr
        In :data:`lksym.derivation.symbols.LAM`.

    Raises
    ------
    lksym.errors.InputError
        For a penalty that decreases somewhere in :math:`|w|`, or whose threshold could not be
        derived in :data:`TIME_LIMIT` seconds.

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_penalty
    >>> prox_threshold(parse_penalty("l0")), prox_threshold(parse_penalty("huber(delta=1)"))
    (sqrt(2)*sqrt(lam), 0)
    >>> prox_threshold(parse_penalty("scad(lam=1, a=3.7)"))
    Piecewise((lam, lam <= 47/10), (sqrt(470)*sqrt(lam)/10, True))
    >>> prox_threshold(parse_penalty("logsum(eps=0.1)"))
    Piecewise((10*lam, lam <= 1/100), (Infimum(lam*log(10*x + 1)/x + x/2, x, 0, oo), True))
    """
    if penalty.family == "power":
        from lksym.derivation import prox

        return prox.prox_threshold(penalty.k)
    _numeric(_key(penalty))  # the nondecreasing check
    # Where the whole map has a closed form (checked against the numeric prox on both sides of its
    # first branch's end), the threshold is that end: reading it is free, deriving it again ~0.06 s.
    form = prox_closed_form(penalty)
    threshold = threshold_from(form) if form is not None else None
    if threshold is not None:
        return threshold
    try:
        return _bounded(_threshold, _key(penalty))
    except _GiveUp as why:
        raise InputError(f"prox threshold of {penalty.text}: {why}") from None


def threshold_at(penalty: Penalty, lam: float) -> float:
    """The threshold at one ``lam`` as a float (an :class:`Infimum` branch is evaluated numerically).

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_penalty
    >>> round(threshold_at(parse_penalty("logsum(eps=0.1)"), 0.3), 6)
    1.217293
    """
    threshold, lam = prox_threshold(penalty), exact_number(lam)
    # Piecewise.subs puts lam into every branch; the branch of the first condition that holds is the value.
    for value, condition in threshold.args if isinstance(threshold, sp.Piecewise) else ():
        condition = condition.subs(LAM, lam)
        if condition is sp.true:
            return float(sp.N(value.subs(LAM, lam), 20))
        if condition is not sp.false:
            break
    return float(sp.N(threshold.subs(LAM, lam), 20))


# --------------------------------------------------------------------------- closed forms


@dataclass(frozen=True)
class _Quadratic:
    """The candidates of a penalty whose pieces are polynomials of degree <= 2."""

    xs: tuple  # candidate minimisers in (z, lam), in increasing x: 0, S1, B1, S2, ..., Sn
    fs: tuple  # their objectives in (z, lam)
    valid: tuple  # (d, e_lo, e_hi) for stationary candidates, None for fixed ones
    transitions: tuple  # exprs in lam: validity ends and crossing roots
    owners: tuple  # per transition: ("lo"|"hi", i) or ("cross", i, j)
    structural: tuple  # exact lam where some 1 + 2 lam c_i = 0


def _quadratic(key: tuple) -> Optional[_Quadratic]:
    pieces, p0 = key
    coeffs = []
    for expr, lo, hi in pieces:
        try:
            poly = sp.Poly(expr, X)
        except sp.PolynomialError:
            return None
        if poly.degree() > 2 or any(c.free_symbols for c in poly.coeffs()):
            return None
        a, b, c = (poly.coeff_monomial(X**i) for i in range(3))
        coeffs.append((a, b, c, lo, hi))
    xs, fs, valid = [sp.S.Zero], [Z**2 / 2 + LAM * p0], [None]
    structural = []
    rational = p0.is_Rational and all(v.is_Rational for a, b, c, lo, hi in coeffs for v in (a, b, c, lo) + ((hi,) if hi != sp.oo else ()))
    field = None if rational else _radical_field([p0] + [v for a, b, c, lo, hi in coeffs
                                                       for v in (a, b, c, lo) + ((hi,) if hi != sp.oo else ())])
    for i, (a, b, c, lo, hi) in enumerate(coeffs):
        d = 1 + 2 * LAM * c
        x = (Z - LAM * b) / d
        xs.append(sp.cancel(x))
        if field is not None:
            # In QQ<radicals>(lam) the arithmetic is exact and SymPy asks no assumptions: over EX, scad(lam=sqrt(2),
            # a=sqrt(7)) spent 13 s here, deciding signs of degree-9 polynomials with sqrt(7) in them.
            fs.append(sp.Poly(Z**2 / 2 + LAM * a - (Z - LAM * b) ** 2 / (2 * d), Z, domain=field[0]).as_expr())
        elif a.is_Rational and b.is_Rational and c.is_Rational:
            # F at its stationary point, z^2/2 + lam a - (z - lam b)^2 / (2 d): the same rational function,
            # and over the rationals sympy.cancel's normal form of it is the same (5x faster to reach).
            fs.append(sp.expand(sp.cancel(Z**2 / 2 + LAM * a - (Z - LAM * b) ** 2 / (2 * d))))
        else:  # over an algebraic field cancel's form depends on the input's: kept as it was derived
            fs.append(sp.expand(sp.cancel((x - Z) ** 2 / 2 + LAM * (a + b * x + c * x**2))))
        ends = [sp.expand(lo * d + LAM * b), sp.expand(hi * d + LAM * b) if hi != sp.oo else sp.oo]
        if field is not None:
            # One form per function of lam, as over QQ: equal ends in two forms (sqrt(2)*lam + sqrt(2) and
            # its unreduced twin) would otherwise swap places with rounding and fake a change of shape.
            ends = [e if e == sp.oo else field[0].to_sympy(field[0].convert(e)) for e in ends]
        valid.append((d, *ends))
        if c < 0:
            structural.append(-1 / (2 * c))
        if hi != sp.oo:
            xs.append(hi)
            fs.append(sp.expand((hi - Z) ** 2 / 2 + LAM * (a + b * hi + c * hi**2)))
            valid.append(None)
    transitions, owners = [], []
    for i, v in enumerate(valid):
        if v is not None:
            transitions.append(v[1])
            owners.append(("lo", i))
            if v[2] != sp.oo:
                transitions.append(v[2])
                owners.append(("hi", i))
    # Rational pieces: fs are rational functions of (z, lam) over QQ, and a polynomial over a field of
    # rational functions has one normal form however it is reached, so each objective is made a Poly once
    # and the 15 differences of SCAD's six are subtracted (~30 ms less than building each from its
    # expansion).  Over an algebraic field (EX) the two routes print differently: kept as derived.
    # With radicals the same in QQ<radicals>(lam), the discriminant factored over that field.
    if rational:
        polys = [sp.Poly(f, Z) for f in fs]
    elif field is not None:
        polys = [sp.Poly(f, Z, domain=field[0]) for f in fs]
    else:
        polys = None
    for i in range(len(fs)):
        for j in range(i + 1, len(fs)):
            poly = polys[i] - polys[j] if polys is not None else sp.Poly(sp.expand(fs[i] - fs[j]), Z)
            if poly.degree() <= 0:
                continue
            # In a domain (QQ(lam) or QQ<radicals>(lam)) the coefficients' own arithmetic gives lowest terms.
            exact = polys is not None
            if poly.degree() == 1:
                if exact:
                    # In its field: integer pieces (Min(abs(w), 1) + Min(abs(w), 2)) give ZZ[lam], no quotients.
                    K, (r1, r0) = poly.domain.get_field(), poly.to_field().rep.to_list()
                    transitions.append(K.to_sympy(-r0 / r1))
                else:
                    r1, r0 = poly.all_coeffs()
                    transitions.append(sp.cancel(-r0 / r1))
                owners.append(("cross", i, j))
                continue
            A, B, C = poly.all_coeffs()
            if exact:
                # The discriminant in the coefficients' field: factor's result depends only on the rational
                # function, and half of SCAD's are 0, which then needs no factor at all.
                K, (a, b, c) = poly.domain, poly.rep.to_list()
                disc = b * b - K.convert(4) * a * c
                extension = {} if field is None else {"extension": field[1]}
                disc = sp.S.Zero if not disc else sp.factor(K.to_sympy(disc), **extension)
            else:
                disc = sp.factor(B**2 - 4 * A * C)
            if disc == 0 and exact:
                # A double root, -B/(2A) in lowest terms: SCAD's lam + 1 is then one expression wherever it
                # arises (a piece end, a linear crossing), not three forms the signatures must tell apart.
                root = K.to_sympy(-b / (K.convert(2) * a))
                transitions += [root, root]
                owners += [("cross", i, j), ("cross", i, j)]
                continue
            for sgn in (1, -1):
                transitions.append((-B + sgn * sp.sqrt(disc)) / (2 * A))
                owners.append(("cross", i, j))
    return _Quadratic(tuple(xs), tuple(fs), tuple(valid), tuple(transitions), tuple(owners), tuple(structural))


def _radical_field(numbers: list) -> Optional[tuple]:
    """``(QQ<r1, r2, ...>(lam), [r1, r2, ...])`` when every number is a rational function of real radicals
    of rationals (``sqrt(2)``, ``1 + sqrt(7)``, ``2**(1/3)``), else ``None`` (then SymPy's EX domain is used)."""
    from sympy.polys.polyerrors import CoercionFailed, NotAlgebraic

    radicals = set()
    for v in numbers:
        if v.free_symbols or not v.is_real:
            return None
        for atom in sp.preorder_traversal(v):
            if atom.is_Pow and not atom.exp.is_Integer:
                if not (atom.base.is_Rational and atom.base > 0 and atom.exp.is_Rational):
                    return None
                radicals.add((atom.base, atom.exp.q))
            elif not (atom.is_Rational or atom.is_Add or atom.is_Mul or atom.is_Pow):
                return None  # pi, E, log(2), ...
    if not radicals:
        return None
    # One generator per base: 2**(1/3) and 2**(2/3) are both in QQ<2**(1/3)>.
    degree: dict = {}
    for base, q in radicals:
        degree[base] = math.lcm(degree.get(base, 1), int(q))
    radicals = {sp.Pow(base, sp.Rational(1, q)) for base, q in degree.items()}
    if len(radicals) > 1 and any(r.exp.q != 2 for r in radicals):
        # QQ<2**(1/3), 3**(1/3)>: SymPy finds its primitive element by PSLQ, 8 s for an MCP; over EX it is 2.5 s.
        return None
    gens = sorted(radicals, key=sp.default_sort_key)
    try:
        domain = sp.QQ.algebraic_field(*gens).frac_field(LAM)
        for v in numbers:
            domain.convert(v)
    except (CoercionFailed, NotAlgebraic, NotImplementedError, ValueError):
        return None
    return domain, gens


# --------------------------------------------------------------------------- float balls


_ULP = 2.0**-50
"""Rounding allowance per float operation (4 units): also covers the 40-digit error of the mpmath values."""


class _Unsure(Exception):
    """A float ball cannot decide (contains 0, a tie, an overflow): the caller asks mpmath instead."""


def _b_add(a: tuple, b: tuple) -> tuple:
    # A ball is (mid, radius, imaginary ball or None); an imaginary ball is only kept where it excludes 0.
    if a[2] is not None and b[2] is not None:
        raise _Unsure
    m = a[0] + b[0]
    return (m, a[1] + b[1] + _ULP * abs(m), a[2] if a[2] is not None else b[2])


def _b_mul(a: tuple, b: tuple) -> tuple:
    if a[2] is None and b[2] is None:
        m = a[0] * b[0]
        return (m, abs(a[0]) * b[1] + abs(b[0]) * a[1] + a[1] * b[1] + _ULP * abs(m), None)
    if a[2] is not None and b[2] is not None:
        if a[0] != 0 or a[1] != 0 or b[0] != 0 or b[1] != 0:
            raise _Unsure
        m, r, _ = _b_mul((a[2][0], a[2][1], None), (b[2][0], b[2][1], None))
        return (-m, r, None)  # (i x)(i y) = -x y
    real, comp = (a, b) if a[2] is None else (b, a)
    if abs(real[0]) <= real[1]:
        raise _Unsure
    re = _b_mul(real, (comp[0], comp[1], None))
    im = _b_mul(real, (comp[2][0], comp[2][1], None))
    if abs(im[0]) <= im[1]:
        raise _Unsure
    return (re[0], re[1], im[:2])


def _b_inv(a: tuple) -> tuple:
    if a[2] is not None:
        if a[0] != 0 or a[1] != 0:
            raise _Unsure
        m, r, _ = _b_inv((a[2][0], a[2][1], None))
        return (0.0, 0.0, (-m, r))  # 1/(i y) = -i/y
    m, r = a[0], a[1]
    if abs(m) <= r:
        raise _Unsure
    v = 1 / m
    return (v, r / (abs(m) * (abs(m) - r)) + _ULP * abs(v), None)


def _b_sqrt(a: tuple) -> tuple:
    m, r = a[0], a[1]
    if a[2] is not None:
        raise _Unsure
    if m - r > 0:
        s = math.sqrt(m)
        return (s, r / (s + math.sqrt(m - r)) + _ULP * s, None)
    if m + r < 0:
        s = math.sqrt(-m)
        return (0.0, 0.0, (s, r / (s + math.sqrt(-m - r)) + _ULP * s))
    raise _Unsure


def _b_pow(a: tuple, n: int) -> tuple:
    if n < 0:
        return _b_pow(_b_inv(a), -n)
    out = a
    for _ in range(n - 1):
        out = _b_mul(out, a)
    return out


def _ball_compile(expr: sp.Expr, symbols: tuple) -> Optional[Callable]:
    """:func:`_ball_node`, with a subexpression free of the symbols (``sqrt(470)/10``) evaluated once: the
    same float operations give the same ball on every call."""
    fn = _ball_node(expr, symbols)
    if fn is None or expr.is_Atom or expr.free_symbols:
        return fn
    try:
        ball = fn(())
    except Exception:  # _Unsure (or anything else) is raised again on every call, as before
        return fn
    return lambda args: ball


def _ball_in_z(expr: sp.Expr) -> Optional[Callable]:
    r"""An objective :math:`\sum_k c_k(\lambda) z^k` (expanded) as a ball function of ``(z, lam)``, or ``None``.

    The coefficient balls are computed once per lam and reused for every z of it (Horner in z): the winner
    at ~10 values of z is asked per lam.  Any other enclosure of the same exact value is as good: a ball
    only decides where it clears every other, and else the 40-digit computation decides.
    """
    by_power: dict = {}
    for term in sp.Add.make_args(expr):
        c, e = term.as_coeff_exponent(Z)
        if c.has(Z) or not (e.is_Integer and e >= 0):
            return None
        by_power[int(e)] = by_power.get(int(e), sp.S.Zero) + c
    top = max(by_power)
    parts = [_ball_compile(by_power.get(k, sp.S.Zero), (LAM,)) for k in range(top, -1, -1)]
    if any(p is None for p in parts):
        return None
    last: list = [None, None]  # the lam of the coefficients held, and those coefficients

    def f(args):
        z, lam = args
        if last[0] != lam:
            coeffs = [_b_finite(p((lam,))) for p in parts]
            last[0], last[1] = lam, coeffs
        coeffs = last[1]
        zb = (z, 0.0, None)
        out = coeffs[0]
        for c in coeffs[1:]:
            out = _b_add(_b_mul(out, zb), c)
        return out

    return f


def _ball_node(expr: sp.Expr, symbols: tuple) -> Optional[Callable]:
    """``expr`` as a function of float ``symbols`` returning a ball that holds its exact value, or ``None``.

    A ball is ``(mid, radius, None)`` for a real number, or ``(re_mid, re_radius, (im_mid, im_radius))``
    for one whose imaginary part is certainly nonzero.  Only ``+``, ``*``, integer powers and square
    roots of rationals and the symbols are compiled (every expression of :class:`_Quadratic`); the
    function raises :class:`_Unsure` where a ball cannot decide (a divisor or a square root's argument
    that may be 0, a product of two non-real numbers).
    """
    if expr.is_Symbol:
        if expr not in symbols:
            return None
        i = symbols.index(expr)
        return lambda args: (args[i], 0.0, None)
    if expr is sp.I:
        return lambda args: (0.0, 0.0, (1.0, 0.0))
    if expr.is_Rational or expr.is_Float:
        m = float(expr)
        ball = (m, 0.0 if expr.is_Integer and abs(m) < 2**53 else _ULP * abs(m), None)
        return lambda args: ball
    parts = [_ball_compile(a, symbols) for a in expr.args]
    if any(p is None for p in parts):
        return None
    if expr.is_Add or expr.is_Mul:
        op = _b_add if expr.is_Add else _b_mul

        def fold(args, parts=parts, op=op):
            out = parts[0](args)
            for p in parts[1:]:
                out = op(out, p(args))
            return out

        return fold
    if expr.is_Pow:
        base, e = parts[0], expr.exp
        if e.is_Integer:
            return lambda args: _b_pow(base(args), int(e))
        if e.is_Rational and e.q == 2:  # the principal root, as mpmath takes it
            return lambda args: _b_pow(_b_sqrt(base(args)), int(e.p))
    return None


def _b_finite(ball: tuple) -> tuple:
    if not all(math.isfinite(v) for v in ball[:2]) or (ball[2] is not None and not all(math.isfinite(v) for v in ball[2])):
        raise _Unsure
    return ball


def _b_apart(a: tuple, b: tuple, tol: float = 1e-19) -> bool:
    """Whether two real balls are separated by more than ``tol`` relative (far beyond mpmath's 1e-25 merging)."""
    return abs(a[0] - b[0]) - a[1] - b[1] > tol * (1 + max(abs(a[0]), abs(b[0])) + a[1] + b[1])


def _b_positive(ball: tuple) -> bool:
    """Whether a real ball is > 0 (raises :class:`_Unsure` when it holds 0)."""
    if ball[0] - ball[1] > 0:
        return True
    if ball[0] + ball[1] <= 0:
        return False
    raise _Unsure


class _Shapes:
    """Which candidate of a :class:`_Quadratic` wins on which z-interval at one lam (at 40 digits).

    Next to a change point in lam a stationary candidate can be valid on a z-interval of
    relative width 1e-7, and objectives there differ at second order: floats would blur them.
    """

    def __init__(self, q: _Quadratic):
        self.q = q
        self.f = [_in_mpmath((Z, LAM), f) for f in q.fs]
        # Many transitions are the same expression (both roots of a double crossing, a piece end
        # that is also a crossing): each distinct one is compiled and evaluated once per lam.
        distinct = list(dict.fromkeys(q.transitions))
        self.t = [_in_mpmath(LAM, t) for t in distinct]
        self.slot = [distinct.index(t) for t in q.transitions]
        self.d = [None if v is None else _in_mpmath(LAM, v[0]) for v in q.valid]
        self.e = [None if v is None else (_in_mpmath(LAM, v[1]),
                                          None if v[2] == sp.oo else _in_mpmath(LAM, v[2]))
                  for v in q.valid]
        self.memo: dict = {}
        # The same expressions as float balls (None: some expression has a form balls do not cover).
        fast = (
            [_ball_compile(t, (LAM,)) for t in distinct],
            [_ball_in_z(f) for f in q.fs],
            [None if v is None else (_ball_compile(v[0], (LAM,)), _ball_compile(v[1], (LAM,)),
                                     None if v[2] == sp.oo else _ball_compile(v[2], (LAM,))) for v in q.valid],
        )
        compiled = fast[0] + fast[1] + [b for v, bs in zip(q.valid, fast[2]) if v is not None
                                        for b, e in zip(bs, v) if e != sp.oo]
        self.fast = None if any(b is None for b in compiled) else fast

    def transition_values(self, lam) -> list:
        """Every transition of :attr:`q` at one lam (``None`` where not a finite real number)."""
        import mpmath

        out: list = []
        with mpmath.workdps(40):
            l = mpmath.mpf(lam)
            for f in self.t:
                try:
                    v = mpmath.mpc(f(l))
                except (ValueError, ZeroDivisionError, OverflowError):
                    out.append(None)
                    continue
                ok = mpmath.isfinite(v.real) and abs(v.imag) <= mpmath.mpf(10) ** -30 * (1 + abs(v.real))
                out.append(v.real if ok else None)
        return [out[i] for i in self.slot]

    def ranges(self, lam) -> list:
        """Per candidate at one lam: ``None`` (always valid), ``False`` (not a minimiser) or its z-interval."""
        import mpmath

        out = []
        for i in range(len(self.f)):
            if self.d[i] is None:
                out.append(None)
            elif not self.d[i](lam) > 0:
                out.append(False)
            else:
                out.append((self.e[i][0](lam), self.e[i][1](lam) if self.e[i][1] is not None else mpmath.inf))
        return out

    def winner(self, lam, z, ranges=None) -> int:
        import mpmath

        # The validity ends depend on lam only: a caller trying many z at one lam passes them once.
        ranges = self.ranges(lam) if ranges is None else ranges
        tolerance = mpmath.mpf(10) ** -30
        best, best_f = 0, None
        for i, f in enumerate(self.f):
            r = ranges[i]
            if r is False or (r is not None and not r[0] < z < r[1]):
                continue
            v = f(z, lam)
            if best_f is None or v < best_f - tolerance * (1 + abs(best_f)):
                best, best_f = i, v
        return best

    def signature(self, lam: float) -> Optional[tuple]:
        """The winner sequence in z and the transitions between them at one lam (see :meth:`precise_signature`).

        Decided in float balls where every comparison is clear by more than the balls' radii (then
        the 40-digit computation decides the same); otherwise, or where two transitions may coincide
        beyond what their 40-digit values settle, computed by :meth:`precise_signature`.
        """
        if self.fast is not None:
            try:
                return self._ball_signature(lam)
            except _Unsure:
                pass
        return self.precise_signature(lam)

    def _ball_signature(self, lam: float) -> tuple:
        import mpmath

        t_balls, f_balls, v_balls = self.fast
        args = (float(lam),)
        values: list = []  # per distinct transition: a real ball, or None (not a finite real number)
        for f in t_balls:
            b = _b_finite(f(args))
            if b[2] is not None:
                # Surely non-real at 40 digits too only if the imaginary part clears mpmath's 1e-30 test.
                if abs(b[2][0]) - b[2][1] <= 1e-29 * (1 + abs(b[0]) + b[1]):
                    raise _Unsure
                b = None
            values.append(b)
        order = sorted((s for s, b in enumerate(values) if b is not None and _b_positive(b)), key=lambda s: values[s][0])
        clusters: list = []  # [slots]: transitions whose balls do not separate
        for s in order:
            if clusters and not _b_apart(values[clusters[-1][-1]], values[s]):
                clusters[-1].append(s)
            else:
                clusters.append([s])
        points = []  # per cluster: (its slots, lower and upper end of its balls, its 40-digit value or None)
        for c in clusters:
            lo, hi = min(values[s][0] - values[s][1] for s in c), max(values[s][0] + values[s][1] for s in c)
            exact = None
            if len(c) > 1:
                # Equal transitions in different forms (a piece end that is also a crossing): mpmath merges
                # them within 1e-25 and picks the owner by their 40-digit values, so those decide here too.
                with mpmath.workdps(40):
                    exact = {s: self._precise_slot(s, lam) for s in c}
                    vs = sorted(exact.values(), key=lambda v: (v is None, v))
                    if vs[-1] is None or vs[-1] - vs[0] > mpmath.mpf(10) ** -25 * (1 + abs(vs[-1])):
                        raise _Unsure
            points.append((set(c), lo, hi, exact))
        if points:
            ends = [0.0] + [x for p in points for x in (p[1], p[2])] + [2 * points[-1][2] + 2]
            samples = [(ends[2 * i] + ends[2 * i + 1]) / 2 for i in range(len(points) + 1)]
            if any(not ends[2 * i] < z < ends[2 * i + 1] for i, z in enumerate(samples)) or points[0][1] <= 0:
                raise _Unsure
        else:
            samples = [1.0]
        ranges = []
        for v in v_balls:
            if v is None:
                ranges.append(None)
            elif not _b_positive(_b_finite(v[0](args))):
                ranges.append(False)
            else:
                ranges.append((_b_finite(v[1](args)), None if v[2] is None else _b_finite(v[2](args))))
        winners = [self._ball_winner(f_balls, ranges, z, args[0]) for z in samples]
        shape, bounds = [winners[0]], []
        for j in range(1, len(samples)):
            if winners[j] == shape[-1]:
                continue
            a, b = shape[-1], winners[j]
            slots, _, _, exact = points[j - 1]
            point = None if exact is None else min(exact.values())
            near = []  # the transitions within 1e-20 of the point, with their distance from it
            for t in range(len(self.q.owners)):
                s = self.slot[t]
                if s in slots and exact is None:
                    near.append((t, 0))
                elif s in slots:
                    with mpmath.workdps(40):
                        near.append((t, abs(exact[s] - point)))
                elif values[s] is not None and not all(_b_apart(values[s], values[c]) for c in slots):
                    raise _Unsure
            choice = None
            for rank in range(2):
                for t, distance in near:
                    owner = self.q.owners[t]
                    if (rank == 0 and owner in (("hi", a), ("lo", b))) or (rank == 1 and owner == ("cross", min(a, b), max(a, b))):
                        if choice is None or distance < choice[1]:
                            choice = (t, distance)
                if choice is not None:
                    break
            if choice is None:
                raise _Unsure
            shape.append(b)
            bounds.append(choice[0])
        return (tuple(shape), tuple(bounds))

    def _precise_slot(self, s: int, lam: float):
        """One distinct transition at 40 digits, as :meth:`transition_values` computes it."""
        import mpmath

        with mpmath.workdps(40):
            try:
                v = mpmath.mpc(self.t[s](mpmath.mpf(lam)))
            except (ValueError, ZeroDivisionError, OverflowError):
                return None
            ok = mpmath.isfinite(v.real) and abs(v.imag) <= mpmath.mpf(10) ** -30 * (1 + abs(v.real))
            return v.real if ok else None

    @staticmethod
    def _ball_winner(f_balls, ranges, z: float, lam: float) -> int:
        """:meth:`winner` in balls: ties (balls that overlap) and unclear validity ends raise :class:`_Unsure`."""
        best, best_f = 0, None
        for i, f in enumerate(f_balls):
            r = ranges[i]
            if r is False:
                continue
            if r is not None:
                inside = _b_positive(_b_add((z, 0.0, None), (-r[0][0], r[0][1], None))) and (
                    r[1] is None or _b_positive(_b_add(r[1], (-z, 0.0, None))))
                if not inside:
                    continue
            v = _b_finite(f((z, lam)))
            if v[2] is not None:
                raise _Unsure
            if best_f is None or v[0] + v[1] < best_f[0] - best_f[1] - 1e-29 * (1 + abs(best_f[0]) + best_f[1]):
                best, best_f = i, v
            elif not v[0] - v[1] >= best_f[0] + best_f[1]:
                raise _Unsure
        return best

    def precise_signature(self, lam: float) -> Optional[tuple]:
        """:meth:`_precise_signature`, once per lam (a fallback of :meth:`signature` is confirmed again)."""
        if lam not in self.memo:
            self.memo[lam] = self._precise_signature(lam)
        return self.memo[lam]

    def _precise_signature(self, lam: float) -> Optional[tuple]:
        import mpmath

        with mpmath.workdps(40):
            l = mpmath.mpf(lam)
            values = self.transition_values(l)
            pts = sorted({v for v in values if v is not None and v > 0})
            merged: list = []
            for v in pts:
                if not merged or v - merged[-1] > mpmath.mpf(10) ** -25 * (1 + abs(v)):
                    merged.append(v)
            samples = ([merged[0] / 2] + [(a + b) / 2 for a, b in zip(merged, merged[1:])] + [2 * merged[-1] + 1]) if merged else [mpmath.mpf(1)]
            ranges = self.ranges(l)
            winners = [self.winner(l, z, ranges) for z in samples]
            shape = [winners[0]]
            bounds = []
            for j in range(1, len(samples)):
                if winners[j] == shape[-1]:
                    continue
                a, b = shape[-1], winners[j]
                point = merged[j - 1]
                choice = None
                for rank in range(2):
                    for t, owner in enumerate(self.q.owners):
                        v = values[t]
                        if v is None or abs(v - point) > mpmath.mpf(10) ** -20 * (1 + abs(point)):
                            continue
                        if (rank == 0 and owner in (("hi", a), ("lo", b))) or (rank == 1 and owner == ("cross", min(a, b), max(a, b))):
                            if choice is None or abs(values[t] - point) < abs(values[choice] - point):
                                choice = t
                    if choice is not None:
                        break
                if choice is None:
                    return None
                shape.append(b)
                bounds.append(choice)
        return (tuple(shape), tuple(bounds))


def _formula(q: _Quadratic, sig: tuple) -> sp.Expr:
    shape, bounds = sig
    if len(shape) == 1:
        return tidy_form(q.xs[shape[0]])
    branches = [(tidy_form(q.xs[w]), Z <= tidy_form(q.transitions[b])) for w, b in zip(shape, bounds)]
    return sp.Piecewise(*branches, (tidy_form(q.xs[shape[-1]]), True))


@lru_cache(maxsize=256)
def _in_floats(form: sp.Expr):
    return _compile((Z, LAM), form, "math")


def _agrees(penalty: Penalty, form: sp.Expr, lam: sp.Expr, zs, exact: bool = True) -> bool:
    """Whether ``form`` at ``lam`` matches :func:`prox_numeric` at every z in ``zs``.

    ``exact=False`` (a lam well inside a range): the form is evaluated in floats at ``float(lam)``,
    compiled once per form; at a change point ``lam`` is put in exactly first (a denominator
    of the form may vanish there).
    """
    if form.has(Z) and not exact:
        g, lf = _in_floats(form), float(lam)
        f = lambda z: g(z, lf)
    else:
        f = _compile(Z, form.subs(LAM, lam), "math") if form.has(Z) else (lambda z, v=float(form.subs(LAM, lam)): v)
    lf = float(lam)
    for z in zs:
        try:
            mine = float(f(z))
        except (ValueError, ZeroDivisionError, TypeError, OverflowError):
            return False
        if not same_prox(penalty, lf, z, mine, prox_numeric(penalty, lf, z), TOLERANCE * 10):
            return False
    return True


def same_prox(penalty: Penalty, lam: float, z: float, a: float, b: float, tol: float) -> bool:
    """Whether two answers are both right: equal, or equally good minimisers (a jump's tie)."""
    if not math.isfinite(a):
        return False
    # Relative to the problem's own size: with 1 + |b| any two answers "agree" once z is 1e-7.
    if abs(a - b) <= tol * max(abs(a), abs(b), abs(z)):
        return True
    # Two distinct answers are both right only as equal minimisers with nothing lower between them: a
    # jump's two sides, or a flat stretch (MCP at lam = gamma).  Equal means within rounding, not within
    # tol: near a minimiser F grows with the square of the error, so an answer off by 1e-4 is within 1e-9
    # of the least F; and such a near miss is lower halfway back to the minimiser.  The constant lam p(0)
    # is left out of F's size (abs(w) + 10^12 made every answer a tie).
    base = lam * (0.0 if penalty.family == "power" else _numeric(_key(penalty)).p0)
    fa, fb, fm = (objective(penalty, lam, z, x) - base for x in (a, b, (a + b) / 2))
    rounding = 1e-13 * max(abs(fa), abs(fb), abs(base) * 1e-3)
    return abs(fa - fb) <= rounding and fm >= max(fa, fb) - rounding


def _z_samples(threshold: float, points) -> list:
    zs = {0.5 * threshold, 1.5 * threshold + 0.1, 3 * threshold + 1, 1e3 * (1 + threshold)}
    for p in points:
        if p is not None and p > 0:
            zs.update({p * (1 - 1e-3), p * (1 + 1e-3), 1.1 * p})
    return sorted(z for z in zs if z > 0)


def _shape_threshold(shapes: _Shapes, signature: tuple, lam: float) -> float:
    """The threshold a shape claims at one lam: the end of its first branch if that is x = 0, else 0."""
    shape, bounds = signature[:2]
    if shape[0] != 0 or not bounds:
        return 0.0
    value = shapes.transition_values(lam)[bounds[0]]
    return 0.0 if value is None else float(value)


def _bound_values(shapes: _Shapes, signature: tuple, lam: float) -> list:
    """The z where the winner changes in the given shape(s), at one lam (floats; None where undefined)."""
    values = shapes.transition_values(lam)
    bounds = [t for i in range(1, len(signature), 2) for t in signature[i]]
    return [None if values[t] is None else float(values[t]) for t in bounds]


@lru_cache(maxsize=128)
def _closed_form(key: tuple, penalty: Penalty) -> Optional[sp.Expr]:
    q = _quadratic(key)
    if q is None:
        return None
    shapes = _Shapes(q)

    def change(sa, sb, la, lb):
        # Sorted, not in set order: a change point found twice keeps its first form, and set order
        # follows the string hashes, which change from process to process (PYTHONHASHSEED).
        exprs = sorted({q.transitions[t] for t in sa[1] + sb[1]}, key=sp.default_sort_key)
        found = []
        for i in range(len(exprs)):
            for j in range(i + 1, len(exprs)):
                found += _solve_lam(exprs[i] - exprs[j], la, lb)
            for sq in exprs[i].atoms(sp.Pow):
                if sq.exp == sp.Rational(1, 2):
                    found += _solve_lam(sq.base, la, lb)
        return found

    span = lam_range(key)
    regimes = _regimes(shapes.signature, change, q.structural, shapes.precise_signature, span)
    if regimes is None:
        raise _GiveUp("the shape of the proximal map could not be followed across lam")
    forms = [_formula(q, r.signature) for r in regimes]
    # Check every form inside its range, and decide to which side each change point belongs.
    lowers = [sp.S.Zero] + [r.upper for r in regimes[:-1]]
    conditions = []
    for i, (r, form) in enumerate(zip(regimes, forms)):
        lo = float(lowers[i]) if lowers[i] != 0 else span[0]
        hi = float(r.upper) if r.upper is not None else span[1]
        for lam in (math.sqrt(lo * hi), lo * (hi / lo) ** 0.01 if lowers[i] != 0 else min(1e-3, hi / 2), hi * (lo / hi) ** 0.01 if r.upper is not None else max(1e3, lo * 10)):
            lam_q = exact_number(float(f"{lam:.12g}"))
            if not _agrees(penalty, form, lam_q, _z_samples(_shape_threshold(shapes, r.signature, float(lam_q)), _bound_values(shapes, r.signature, lam)), exact=False):
                raise _GiveUp(f"the derived form disagrees with the numeric prox at lam = {lam:g}")
        if r.upper is not None:
            zs = _z_samples(_shape_threshold(shapes, r.signature, float(r.upper)), _bound_values(shapes, r.signature + regimes[i + 1].signature, float(r.upper)))
            if _agrees(penalty, form, r.upper, zs):
                conditions.append(LAM <= r.upper)
            elif _agrees(penalty, forms[i + 1], r.upper, zs):
                conditions.append(LAM < r.upper)
            else:
                raise _GiveUp(f"neither side's form holds at lam = {r.upper}")
    merged: list = []
    for form, cond in zip(forms, conditions + [sp.true]):
        if merged and merged[-1][0] == form:
            merged[-1] = (form, cond)
        else:
            merged.append((form, cond))
    if len(merged) == 1:
        return merged[0][0]
    return sp.Piecewise(*merged[:-1], (merged[-1][0], True))


def prox_closed_form(penalty: Penalty) -> Optional[sp.Expr]:
    r"""Exact :math:`\operatorname{prox}(z)` for :math:`z > 0` when every piece has degree at most 2, else ``None``.

    On a piece :math:`p = a + b x + c x^2` the stationarity condition
    :math:`x - z + \lambda p'(x) = 0` gives :math:`x = (z - \lambda b)/(1 + 2\lambda c)`, a local
    minimiser where :math:`1 + 2\lambda c > 0` and it lies inside the piece.  With :math:`x = 0`
    and every breakpoint (where :math:`p'` may jump) these are all the candidates; the global
    minimiser is the one of least objective (quadratics in :math:`z`, compared exactly: the
    switching points are validity ends or roots of a difference of two objectives).  The winner
    sequence in :math:`z` is followed across :math:`\lambda` (see the module notes) and every
    form is checked against :func:`prox_numeric`.  Negative :math:`z`: :math:`-\operatorname{prox}(-z)`.

    Unlike :func:`lksym.derivation.prox.prox_closed_form` (used for the power family, and valid above the
    threshold only), the result covers every :math:`z > 0`: its first branch is
    ``(0, z <= T)``.

    Returns
    -------
    sympy.Expr or None
        In :data:`lksym.derivation.symbols.Z` and :data:`lksym.derivation.symbols.LAM`.

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_penalty
    >>> prox_closed_form(parse_penalty("l0"))
    Piecewise((0, z <= sqrt(2)*sqrt(lam)), (z, True))
    >>> prox_closed_form(parse_penalty("elastic_net(l1=0.5, l2=0.25)"))
    Piecewise((0, z <= lam/2), ((-lam + 2*z)/(lam + 2), True))
    >>> prox_closed_form(parse_penalty("logsum(eps=0.1)")) is None
    True
    """
    if penalty.family == "power":
        from lksym.derivation import prox

        return prox.prox_closed_form(penalty.k)
    _numeric(_key(penalty))
    return _closed_form_or_none(_key(penalty), penalty)


@lru_cache(maxsize=128)
def _closed_form_or_none(key: tuple, penalty: Penalty) -> Optional[sp.Expr]:
    # Cached here, not only in _closed_form: a derivation that gave up (an exception, which
    # lru_cache does not keep) must not be tried again by the threshold and by Fan and Li's properties.
    # A caller's own deadline is not cached: its Timeout passes through.
    try:
        return _bounded(_closed_form, key, penalty, limit=CLOSED_FORM_LIMIT)
    except _GiveUp:
        return None
    except AssertionError:
        # SymPy's own: sqrt of a product with 2**(1/3) in it trips an assertion in Mul.flatten (SymPy 1.14).
        # The map is then derived without a closed form, as where the derivation gives up.
        return None


# --------------------------------------------------------------------------- Fan and Li's properties


@dataclass(frozen=True)
class Thresholding:
    r"""Fan and Li's three properties of the proximal map (the thresholding rule) of :math:`\lambda p`.

    Attributes
    ----------
    sparse
        Small :math:`|z|` map to exactly 0.
    continuous
        :math:`\operatorname{prox}` is continuous in :math:`z`.
    unbiased
        :math:`\operatorname{prox}(z) - z \to 0` as :math:`z \to \infty`.
    unbiased_beyond
        The :math:`|z|` beyond which :math:`\operatorname{prox}(z) = z` exactly, in ``lam``
        (``Piecewise`` where needed), or ``None`` where :math:`p` is never constant.
    notes
        Why an answer is ``None`` (undecided), if any.
    unbiased_kind
        Which unbiasedness, where ``unbiased`` is true: ``"exact"`` (:math:`p` is constant
        beyond a point, so :math:`\operatorname{prox}(z) = z` exactly for large :math:`|z|`:
        SCAD, MCP, capped L1, L0) or ``"asymptotic"`` (:math:`p'(x) \to 0` but never
        vanishes: the bias :math:`z - \operatorname{prox}(z)` tends to 0 without reaching it:
        :math:`|w|^k` with :math:`k < 1`, log-sum, :math:`\arctan |w|`); else ``None``.

    Each property is ``True``, ``False``, a SymPy condition in ``lam`` (``lam <= 1/100``) or
    ``None`` when it could not be decided exactly.
    """

    sparse: Optional[Condition]
    continuous: Optional[Condition]
    unbiased: Optional[Condition]
    unbiased_beyond: Optional[sp.Expr]
    notes: tuple = ()
    unbiased_kind: Optional[str] = None


def _left_limit(expr, at):
    return _limit(expr, at, "-")


def _right_limit(expr, at):
    return _limit(expr, at, "+")


@lru_cache(maxsize=128)
def _thresholding(key: tuple, form: Optional[sp.Expr]) -> Thresholding:
    pieces, p0 = key
    notes = []
    first = pieces[0][0]
    slope = sp.limit((first - p0) / X, X, 0, "+")
    sparse: Optional[Condition] = bool(slope.is_extended_positive) if slope.is_extended_positive is not None else None
    if sparse is None:
        notes.append(f"sparse: the sign of lim (p(x) - p(0))/x = {sp.sstr(slope)} is unknown")

    continuous: Optional[Condition] = None
    jumps = []
    if _right_limit(first, sp.S.Zero) != p0:
        jumps.append("p jumps at 0")
    for (e1, _, t), (e2, _, _) in zip(pieces, pieces[1:]):
        if sp.simplify(_left_limit(e1, t) - _right_limit(e2, t)) != 0:
            jumps.append(f"p jumps at |w| = {t}")
        elif (_right_limit(sp.diff(e2, X), t) - _left_limit(sp.diff(e1, X), t)).is_negative:
            jumps.append(f"p' jumps down at |w| = {t}")
    if jumps:
        continuous = False
    else:
        bounds = [_curvature_bound(e, lo, hi) for e, lo, hi in pieces]
        if any(b is None for b in bounds):
            notes.append("continuous: the least curvature of some piece could not be derived")
        else:
            cmin = min((b[0] for b in bounds), key=lambda v: float(v) if v.is_finite else -math.inf)
            flat = any(b[1] and b[0] == cmin for b in bounds)
            if cmin == -sp.oo:
                continuous = False
            elif not cmin.is_negative:
                continuous = True
            else:
                continuous = (LAM < -1 / cmin) if flat else (LAM <= -1 / cmin)

    last = pieces[-1][0]
    tail = sp.limit(sp.diff(last, X), X, sp.oo)
    unbiased: Optional[Condition] = (tail == 0) if tail.is_number else None
    if unbiased is None:
        notes.append(f"unbiased: the slope at infinity {sp.sstr(tail)} is not a number")

    beyond = None
    if not last.has(X):
        # The closed form already holds the answer: reading it costs nothing, deriving it again ~0.1 s.
        beyond = identity_from(form) if form is not None else None
        if beyond is None:
            beyond = _unbiased_beyond(pieces, p0, last)
        if beyond is None:
            notes.append("unbiased_beyond: the sup of x + sqrt(2 lam (p_max - p(x))) could not be located exactly")
    kind = None if unbiased is not True else ("asymptotic" if last.has(X) else "exact")
    return Thresholding(sparse, continuous, unbiased, beyond, tuple(notes), kind)


def _upper_bound(condition, symbol: sp.Symbol) -> Optional[sp.Expr]:
    """``c`` of a condition ``symbol <= c`` or ``symbol < c`` (in either orientation), else ``None``."""
    if isinstance(condition, (sp.LessThan, sp.StrictLessThan)) and condition.lhs == symbol:
        return condition.rhs
    if isinstance(condition, (sp.GreaterThan, sp.StrictGreaterThan)) and condition.rhs == symbol:
        return condition.lhs
    return None


def _identity_in_z(form: sp.Expr) -> Optional[sp.Expr]:
    """The z from which a Piecewise in z is z itself: the bound of the last branch that is not."""
    if form == Z:
        return sp.S.Zero
    if not isinstance(form, sp.Piecewise) or form.args[-1] != (Z, sp.true):
        return None
    others = [c for e, c in form.args if e != Z]
    return _upper_bound(others[-1], Z) if others else sp.S.Zero


def _zero_in_z(form: sp.Expr) -> Optional[sp.Expr]:
    """The z up to which a Piecewise in z is 0: the bound of its first branch if that is 0, else 0."""
    branches = form.args if isinstance(form, sp.Piecewise) else ((form, sp.true),)
    if any(e == 0 for e, _ in branches[1:]):
        return None  # zero again after another branch: not the shape of a proximal map
    if branches[0][0] != 0:
        return sp.S.Zero
    return None if branches[0][1] == sp.true else _upper_bound(branches[0][1], Z)


def _read_per_range(form: sp.Expr, read: Callable[[sp.Expr], Optional[sp.Expr]]) -> Optional[sp.Expr]:
    """``read`` applied to a closed form's Piecewise in z in each range of lam, joined as a Piecewise in lam.

    The values read here are continuous in lam, so a change of range is written ``lam <= c``
    whichever side the closed form gives the point to; that the two values meet there is checked
    exactly.  ``None`` where ``read`` gives ``None`` in some range, or the values do not meet.
    """
    ranges = [(form, None)]
    if isinstance(form, sp.Piecewise) and not form.args[0][1].has(Z):
        ranges = [(f, _upper_bound(c, LAM)) for f, c in form.args[:-1]] + [(form.args[-1][0], None)]
        if any(c is None or c.free_symbols for _, c in ranges[:-1]) or form.args[-1][1] != sp.true:
            return None
    branches = [(read(f), c) for f, c in ranges]
    if any(b is None for b, _ in branches):
        return None
    for (b0, c), (b1, _) in zip(branches, branches[1:]):
        if sp.simplify(b0.subs(LAM, c) - b1.subs(LAM, c)) != 0:
            return None
    return _join(branches)


def identity_from(form: sp.Expr) -> Optional[sp.Expr]:
    r"""The :math:`|z|` from which a closed-form proximal map is the identity, read off the form, or ``None``.

    ``form`` is a :func:`prox_closed_form`: a ``Piecewise`` in :math:`z` (bounds in ``lam``),
    or a ``Piecewise`` over ranges of ``lam`` of such forms.  In each range the answer is the
    bound of the last branch that is not :math:`z` itself, after which
    :math:`\operatorname{prox}(z) = z` for every larger :math:`z`.  It is continuous in
    :math:`\lambda` (a supremum, see :func:`thresholding`).  ``None`` when some range never ends
    in :math:`z`, or a bound is not of the form ``z <= t``.

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_penalty
    >>> identity_from(prox_closed_form(parse_penalty("mcp(lam=1, gamma=3)")))
    Piecewise((3, lam <= 3), (sqrt(3)*sqrt(lam), True))
    """
    return _read_per_range(form, _identity_in_z)


def threshold_from(form: sp.Expr) -> Optional[sp.Expr]:
    r"""The threshold of a closed-form proximal map, read off the form, or ``None``.

    The bound of the first branch in each range of ``lam`` where that branch is 0, and 0 where it
    is not (the map is nondecreasing in :math:`z`, so it is 0 on an interval :math:`[0, T]`).
    :math:`T(\lambda) = \inf_x h(x)` is an infimum of functions linear in :math:`\lambda`,
    hence concave and continuous (see :func:`prox_threshold`).  ``None`` for a form that is 0 again
    after another branch.

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_penalty
    >>> threshold_from(prox_closed_form(parse_penalty("scad(lam=1, a=3.7)")))
    Piecewise((lam, lam <= 47/10), (sqrt(470)*sqrt(lam)/10, True))
    """
    return _read_per_range(form, _zero_in_z)


def _unbiased_beyond(pieces, p0, pmax) -> Optional[sp.Expr]:
    r"""max(c, sup_{0 <= x <= c} x + sqrt(2 lam (p_max - p(x)))) with p = p_max beyond c."""
    c = pieces[-1][1]
    candidates = [_Candidate(c), _Candidate(sp.sqrt(2 * LAM * (pmax - p0)))]
    for expr, lo, hi in pieces[:-1]:
        g = X + sp.sqrt(2 * LAM * (pmax - expr))
        for end, side in ((lo, "+"), (hi, "-")):
            v = _limit(g, end, side)
            if v.is_finite is not False:
                candidates.append(_Candidate(tidy_form(v)))
        # g' = 0  <=>  2 (p_max - p) = lam p'^2 (squared: extra roots are points of the piece, harmless for a sup)
        poly = _polynomial(2 * (pmax - expr) - LAM * sp.diff(expr, X) ** 2, 4)
        roots = _roots(poly) if poly is not None else None
        if roots is None:
            return None
        candidates += [_Candidate(tidy_form(g.subs(X, r)), r, lo, hi) for r in roots]
    return _envelope(candidates, "max", lam_range((tuple(pieces), p0)))


def thresholding(penalty: Penalty) -> Thresholding:
    r"""Decide Fan and Li's properties from the penalty and its proximal map.

    * **sparse** iff :math:`\lim_{x\to0^+} (p(x) - p(0))/x > 0` (incl. :math:`+\infty`): then
      :math:`T(\lambda) > 0` (:math:`p \ge p(0)` as :math:`p` is nondecreasing); for every
      :math:`\lambda`.
    * **continuous** iff :math:`p` is continuous on :math:`[0, \infty)`, :math:`p'` never jumps
      down, and :math:`z(x) = x + \lambda p'(x)` is strictly increasing: :math:`1 + \lambda p'' \ge 0`,
      not identically 0 on an interval.  With :math:`c = \inf p''`: :math:`c \ge 0` — always;
      :math:`c = -\infty` — never; else :math:`\lambda \le -1/c`, or :math:`\lambda < -1/c` when
      a piece has constant curvature :math:`c` (SCAD, MCP).
    * **unbiased** iff :math:`p'(+\infty) = 0`, since :math:`z - \operatorname{prox}(z) = \lambda p'(\operatorname{prox}(z))`.
    * **unbiased_beyond**: if :math:`p = p_{max}` beyond :math:`c`, :math:`x = z` beats every other
      :math:`x` iff :math:`(z - x)^2 \ge 2\lambda (p_{max} - p(x))` for :math:`x \le c`, so
      :math:`\operatorname{prox}(z) = z` for :math:`z > \max(c, \sup_{0 \le x \le c} x + \sqrt{2\lambda(p_{max} - p(x))})`,
      derived per piece (ends and critical points) as a ``Piecewise`` in ``lam``.

    The power family: :math:`p = x^k` gives sparse iff :math:`k \le 1`, continuous iff
    :math:`k \ge 1`, unbiased iff :math:`k < 1`, by the same rules.

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_penalty
    >>> t = thresholding(parse_penalty("scad(lam=1, a=3.7)"))
    >>> t.sparse, t.continuous, t.unbiased
    (True, lam < 27/10, True)
    >>> thresholding(parse_penalty("logsum(eps=0.1)")).continuous
    lam <= 1/100
    >>> thresholding(parse_penalty("l0")).unbiased_beyond
    sqrt(2)*sqrt(lam)
    """
    form = None
    if penalty.family != "power":
        _numeric(_key(penalty))
        if not penalty.pieces[-1].expr.has(X):
            form = prox_closed_form(penalty)
    try:
        return _bounded(_thresholding, _key(penalty), form)
    except _GiveUp as why:
        return Thresholding(None, None, None, None, (str(why),))


# --------------------------------------------------------------------------- checking an implementation


# --------------------------------------------------------------------------- lksym prox


