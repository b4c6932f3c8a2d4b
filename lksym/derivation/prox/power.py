r"""The proximal operator of :math:`\lambda |x|^k`: which weights a proximal step sets to 0.

.. math::

    \operatorname{prox}(z) = \operatorname*{arg\,min}_x \; \tfrac12 (x - z)^2 + \lambda |x|^k ,
    \qquad \lambda > 0 .

The objective is even in :math:`(x, z)`, so :math:`\operatorname{prox}(-z) = -\operatorname{prox}(z)`
and everything is derived for :math:`z > 0`, where the minimiser lies in :math:`[0, z]`.

* :func:`power_threshold` — the largest :math:`z` mapped to exactly 0, derived by
  SymPy from the right branch of the gradient (for :math:`0 < k < 1` from the
  two conditions "stationary" and "as good as :math:`x = 0`").
* :func:`power_closed_form` — :math:`\operatorname{prox}(z)` for :math:`z` above
  the threshold, when the stationarity equation becomes a polynomial of degree
  at most 4 under :math:`x = t^q` (:math:`k = p/q`); the root is picked by
  checking the candidates against :func:`lksym.numerics.prox_solver.power_numeric`.
* :func:`lksym.numerics.prox_solver.power_numeric` — a bisection that works for every k, comparing the
  interior minimiser with :math:`x = 0` where the objective is not convex.
"""


from __future__ import annotations

from functools import lru_cache
from typing import Optional

import mpmath
import sympy as sp

from lksym.derivation.exact import MAX_EXACT_DIGITS, is_costly, largest_integer_digits, solve_positive, substitute, to_float
from lksym.derivation.symbols import LAM, X, Z
from lksym.numerics.prox_solver import power_numeric


MAX_DEGREE = 4
"""Highest polynomial degree solved in radicals: above it SymPy has no general formula."""


def _branch_gradient(k: sp.Expr) -> sp.Expr:
    return sp.powsimp(sp.diff(X**k, X), force=True)


@lru_cache(maxsize=64)
def power_threshold(k: sp.Expr) -> sp.Expr:
    r"""The largest :math:`|z|` that the proximal step maps to exactly 0.

    With :math:`g = f'` on :math:`x > 0`: if :math:`g(0^+)` is finite the optimality
    condition at 0 is :math:`|z| \le \lambda g(0^+)` (0 for :math:`k > 1`,
    :math:`\lambda` for :math:`k = 1`).  If :math:`g(0^+) = \infty` (:math:`k < 1`)
    the minimiser jumps: the threshold is the :math:`z` where the nonzero
    stationary point :math:`x` is exactly as good as 0,

    .. math::

        x - z + \lambda g(x) = 0, \qquad \tfrac12 (x - z)^2 + \lambda x^k = \tfrac12 z^2 ,

    solved by eliminating :math:`z`.

    Examples
    --------
    >>> power_threshold(sp.Integer(1)), power_threshold(sp.Integer(2))
    (lam, 0)
    >>> power_threshold(sp.Rational(1, 2))
    3*lam**(2/3)/2
    """
    g = _branch_gradient(k)
    g0 = sp.limit(g, X, 0, "+")
    if g0.is_finite:
        return LAM * g0
    z_stationary = X + LAM * g  # the stationarity condition solved for z
    # "As good as x = 0" with z eliminated leaves two monomials in x: c1 x^2 + c2 x^k = 0.
    tie = sp.powsimp(sp.expand((X - z_stationary) ** 2 / 2 + LAM * X**k - z_stationary**2 / 2), force=True)
    by_power: dict = {}
    for term in sp.Add.make_args(tie):
        coefficient, power = term.as_coeff_exponent(X)
        # Irrational k: SymPy does not merge these itself, nor equal exponents spelt two ways.
        power = next((p for p in by_power if p == power or (p - power).equals(0)), power)
        by_power[power] = by_power.get(power, 0) + coefficient
    terms = [sp.factor_terms(c) * X**e for e, c in by_power.items() if sp.factor_terms(c) != 0]
    if len(terms) != 2:
        raise ValueError(f"unexpected tie equation {tie} for k = {k}")
    x_star = solve_positive(terms[0], -terms[1])
    if x_star is None:
        raise ValueError(f"no jump threshold found for k = {k}")
    # z = x* (1 + c x*^m) with c x^m = lam g(x)/x; the tie c_a x*^a = -c_b x*^b gives x*^m as
    # (-c_b/c_a)^(m/(a-b)) (m/(a-b) = +-1) without taking the root of x*: a plain number.
    (c_a, a), (c_b, b) = (term.as_coeff_exponent(X) for term in terms)
    c, m = sp.powsimp(sp.expand(z_stationary / X - 1), force=True).as_coeff_exponent(X)
    short = None
    if not c.has(X):
        short = sp.Mul(x_star, sp.powsimp(1 + c * (-c_b / c_a) ** sp.cancel(m / (a - b)), force=True), evaluate=False)
        if is_costly(x_star):  # k = 1/1000: x* is a 1999th root; SymPy would spell its powers out
            return short
    # Both terms of x + lam g(x) at x* are c * lam**(1/(2-k)): factor_terms joins them
    # (simplify() would do the same but loads half of SymPy on first use).
    threshold = sp.factor_terms(sp.powsimp(sp.expand_power_base(z_stationary.subs(X, x_star), force=True), force=True))
    if short is None or largest_integer_digits(threshold) <= MAX_EXACT_DIGITS:
        return threshold
    return short


def stationarity_polynomial(k: sp.Expr) -> Optional[tuple[sp.Poly, sp.Symbol, int]]:
    """:math:`x - z + \\lambda k x^{k-1}` as a polynomial in :math:`t = x^{1/q}`, or ``None``."""
    if not k.is_Rational:
        return None
    p, q = int(k.p), int(k.q)
    t = sp.Symbol("t", positive=True)
    expr = t**q - Z + LAM * k * t ** (p - q)
    expr = sp.expand(expr * t ** max(0, q - p))  # clear the negative power for k < 1
    poly = sp.Poly(expr, t)
    if poly.degree() > MAX_DEGREE:
        return None
    return poly, t, q


def _sample_points(k: sp.Expr) -> list[tuple[float, float]]:
    """(z, lam) pairs above the threshold where a candidate root must match the numeric prox."""
    threshold = power_threshold(k)
    points = []
    for lam in (0.05, 0.7, 3.0):
        t = to_float(threshold, {LAM: lam})
        for z in (t + 1e-3 * (1 + t), 1.3 * t + 0.2, 3 * t + 2.0, 10 * t + 25.0):
            points.append((z, lam))
    return points


@lru_cache(maxsize=64)
def power_closed_form(k: sp.Expr) -> Optional[sp.Expr]:
    r"""Exact :math:`\operatorname{prox}(z)` for :math:`z` above the threshold, or ``None``.

    For :math:`k = p/q` the stationarity equation :math:`x - z + \lambda k x^{k-1} = 0`
    becomes, with :math:`x = t^q`, a polynomial in :math:`t`; when its degree is
    at most 4 SymPy solves it in radicals (Cardano/Ferrari: the cubic and quartic
    forms pass through complex numbers but are real above the threshold).  The candidate that equals :func:`power_numeric` at a dozen
    :math:`(z, \lambda)` spread above the threshold is the global minimiser; if
    none does, ``None``.

    Examples
    --------
    >>> power_closed_form(sp.Integer(2))
    z/(2*lam + 1)
    >>> power_closed_form(sp.Integer(1))
    -lam + z
    >>> power_closed_form(sp.Integer(10)) is None
    True
    """
    found = stationarity_polynomial(k)
    if found is None:
        return None
    poly, t, q = found
    points = _sample_points(k)
    want = [power_numeric(k, lam, z) for z, lam in points]
    if poly.degree() == 3:
        real = _real_cubic_form(k, poly, q, points, want)
        if real is not None:
            return real
    candidates = sp.roots(poly, t)
    if sum(candidates.values()) != poly.degree():
        return None
    for root in candidates:
        x = root**q
        # mpmath follows the same principal branches as SymPy's radicals (complex
        # intermediates of Cardano's formula included), and lambdify to it is cheap.
        f = sp.lambdify((Z, LAM), x, "mpmath")
        if all(_matches(f, z, lam, target) for (z, lam), target in zip(points, want)):
            return tidy_root(x)
    return None


def _depressed_cubic(poly: sp.Poly) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    r"""Shift and coefficients of :math:`a t^3 + b t^2 + c t + d` as :math:`s^3 + P s + Q`, :math:`t = s + \text{shift}`."""
    a, b, c, d = poly.all_coeffs()
    shift = -b / (3 * a)
    P = sp.factor_terms(sp.expand((3 * a * c - b**2) / (3 * a**2)))
    Q = sp.factor_terms(sp.expand((2 * b**3 - 9 * a * b * c + 27 * a**2 * d) / (27 * a**3)))
    return shift, P, Q


def cubic_real_roots(P: sp.Expr, Q: sp.Expr) -> tuple[list[sp.Expr], list[sp.Expr]]:
    r"""Real-valued root formulas of :math:`s^3 + P s + Q` for :math:`P < 0`.

    With :math:`s = m \cos\theta`, :math:`m = 2\sqrt{-P/3}`, the cubic becomes
    :math:`\tfrac{m^3}{4}(4\cos^3\theta - 3\cos\theta) + Q = \tfrac{m^3}{4}\cos 3\theta + Q`
    (SymPy checks the identity in the tests), so where
    :math:`D = Q^2/4 + P^3/27 < 0` (three real roots, the *casus irreducibilis*)

    .. math:: s_j = m \cos\Bigl(\tfrac13 \arccos\bigl(-4Q/m^3\bigr) - \tfrac{2\pi j}{3}\Bigr),
              \quad j = 0, 1, 2 ,

    with no complex intermediate.  Where :math:`D > 0` (one real root) both
    Cardano radicands :math:`-Q/2 \pm \sqrt D` have the sign of :math:`-Q`
    (:math:`\sqrt D < \lvert Q\rvert/2` as :math:`P < 0`), so the real root is a
    sum of two real cube roots: ``(trig, cardano)``, the latter one formula per
    sign of :math:`Q`.

    Examples
    --------
    >>> trig, _ = cubic_real_roots(sp.Integer(-3), sp.Integer(1))
    >>> [round(float(s), 6) for s in trig]
    [1.532089, 0.347296, -1.879385]
    """
    m = 2 * sp.sqrt(-P / 3)
    angle = sp.acos(sp.factor_terms(-4 * Q / m**3)) / 3
    trig = [m * sp.cos(angle - 2 * sp.pi * j / 3) for j in range(3)]
    root_d = sp.sqrt(sp.factor_terms(sp.expand(Q**2 / 4 + P**3 / 27)))
    half = sp.factor_terms(-Q / 2)
    cardano = [sp.cbrt(half + root_d) + sp.cbrt(half - root_d),
               -(sp.cbrt(-half - root_d) + sp.cbrt(-half + root_d))]
    return trig, cardano


def _real_cubic_form(k: sp.Expr, poly: sp.Poly, q: int, points, want) -> Optional[sp.Expr]:
    r"""The prox as a real formula when :math:`x = t^q` with :math:`t` a root of a cubic, or ``None``.

    SymPy's own cubic formula passes through complex numbers (Cardano) whenever
    the cubic has three real roots, as it does above the threshold for
    :math:`k = 1/2`; there the trigonometric form of :func:`cubic_real_roots` is
    used.  When the sign of the discriminant changes above the threshold
    (:math:`k = 5/2`) the answer is a ``Piecewise`` of the trigonometric and the
    real Cardano form.  Each candidate is kept only if it equals
    :func:`power_numeric` at every sample point of its region.
    """
    shift, P, Q = _depressed_cubic(poly)
    if not P.is_negative:
        return None  # one real root everywhere: SymPy's radicals are real already
    D = sp.factor_terms(sp.expand(Q**2 / 4 + P**3 / 27))
    trig, cardano = cubic_real_roots(P, Q)
    d_at = sp.lambdify((Z, LAM), D, "mpmath")
    with mpmath.workdps(30):
        negative = [float(d_at(mpmath.mpf(z), mpmath.mpf(lam))) < 0 for z, lam in points]

    def pick(candidates, region):
        chosen = [(z, lam, w) for (z, lam), w, inside in zip(points, want, negative) if inside == region]
        for s in candidates:
            x = (s + shift) ** q
            f = sp.lambdify((Z, LAM), x, "mpmath")
            if all(_matches(f, z, lam, w) for z, lam, w in chosen):
                return x, bool(chosen)
        return None, bool(chosen)

    x_trig, has_trig = pick(trig, True)
    x_card, has_card = pick(cardano, False)
    threshold = power_threshold(k)
    u = sp.Symbol("u", positive=True)
    # D < 0 on all of z > threshold, proved on z = threshold + u: the trigonometric form alone.
    if sp.expand(D.subs(Z, threshold + u)).is_negative and x_trig is not None and not has_card:
        return x_trig
    if x_trig is None or x_card is None or not (has_trig and has_card):
        return None
    return sp.Piecewise((x_trig, D < 0), (x_card, True))


def _matches(f, z: float, lam: float, target: float) -> bool:
    try:
        value = mpmath.mpc(f(mpmath.mpf(z), mpmath.mpf(lam)))
    except (ZeroDivisionError, ValueError, OverflowError):
        return False
    scale = 1e-7 * (1 + abs(target))
    return abs(value.imag) <= scale and abs(value.real - target) <= scale


def tidy_root(x: sp.Expr) -> sp.Expr:
    """A short closed form put in its tidiest equal shape (radicals denested, terms collected); long ones unchanged."""
    # Only small forms are tidied: on the cubic/quartic formulas even factor_terms costs 0.1 s.
    if sp.count_ops(x) > 40:
        return x
    small = sp.factor_terms(x)
    return small if sp.count_ops(small) <= sp.count_ops(x) else x


def prox_exact(k: sp.Expr, lam: sp.Expr, z: sp.Expr) -> Optional[sp.Expr]:
    """The exact value of :math:`\\operatorname{prox}(z)` when a closed form exists, else ``None``.

    Examples
    --------
    >>> prox_exact(sp.Integer(2), sp.Integer(1), sp.Integer(3))
    1
    >>> prox_exact(sp.Integer(1), sp.Integer(1), sp.Rational(1, 2))
    0
    """
    if z == 0:
        return sp.S.Zero
    if z.is_negative:
        value = prox_exact(k, lam, -z)
        return None if value is None else -value
    threshold = substitute(power_threshold(k), {LAM: lam})
    if bool(z <= threshold):
        return sp.S.Zero
    form = power_closed_form(k)
    if form is None:
        return None
    value = form.subs({Z: z, LAM: lam})
    # Small forms (k = 2, 3/2, 3) simplify to tidy numbers; the cubic/quartic ones are left as they are.
    return sp.radsimp(sp.powsimp(value)) if sp.count_ops(form) < 40 else value


# --------------------------------------------------------------------------- user input and output


PRECISE_DIGITS = 40
"""Significant digits of :func:`prox_precise`."""


def prox_precise(k, lam, z, digits: int = PRECISE_DIGITS):
    r"""The proximal step at ``digits`` significant digits, for numbers of any size (an ``mpmath.mpf``).

    The same rule as :func:`power_numeric` (the root of :math:`g(x) = x - z + \lambda k x^{k-1}`
    on :math:`x > 0`; for :math:`k < 1` the root right of the minimum of :math:`g`, kept only if
    it beats 0), in mpmath, whose exponents do not underflow: ``lam = 1e-400`` or
    :math:`\operatorname{prox}(z) \approx 4 \cdot 10^{-619}` are computed, not rounded to 0.  For
    :math:`k > 1` the root is bracketed by :math:`\min(z/2, (z/(2\lambda k))^{1/(k-1)})` and
    :math:`\min(z, (z/(\lambda k))^{1/(k-1)})` and bisected on a log scale, then linearly.

    Examples
    --------
    >>> import mpmath
    >>> mpmath.nstr(prox_precise(sp.Rational(3, 2), 1, sp.Rational(1, 10**309)), 5)
    '4.4444e-619'
    >>> float(prox_precise(sp.Integer(2), sp.Rational(1, 2), 2))
    1.0
    """
    work = digits + 20
    with mpmath.workdps(work):
        kf, lam, z = (mpmath.mpf(sp.Float(sp.N(v, work), work)._mpf_) for v in (sp.sympify(k), sp.sympify(lam), sp.sympify(z)))
        sign, z = (-1 if z < 0 else 1), abs(z)
        if z == 0:
            return mpmath.mpf(0)
        if kf == 1:
            return sign * max(z - lam, mpmath.mpf(0))

        def g(x):
            return x - z + lam * kf * x ** (kf - 1)

        if kf > 1:
            lo = min(z / 2, (z / (2 * lam * kf)) ** (1 / (kf - 1)))
            hi = min(z, (z / (lam * kf)) ** (1 / (kf - 1)))
        else:
            x_m = (lam * kf * (1 - kf)) ** (1 / (2 - kf))
            if x_m >= z or g(x_m) >= 0:
                return mpmath.mpf(0)
            lo, hi = x_m, z
        tolerance = mpmath.mpf(10) ** -(digits + 5)
        for _ in range(100_000):
            if hi - lo <= tolerance * hi:
                break
            mid = mpmath.sqrt(lo * hi) if hi > 4 * lo else (lo + hi) / 2
            if g(mid) < 0:
                lo = mid
            else:
                hi = mid
        x = (lo + hi) / 2
        if kf < 1 and not (x - z) ** 2 / 2 + lam * x**kf - z * z / 2 < 0:
            return mpmath.mpf(0)  # ties go to 0: the threshold itself maps to 0
        return sign * x


