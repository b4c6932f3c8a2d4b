r"""Exact analysis of the penalty :math:`f(w) = |w|^k` for one exact k.

:func:`derive_power` and :func:`derive_penalty` ask a fixed set of questions of a
penalty; :func:`lksym.results.analyze` freezes the answers into one
:class:`~lksym.results.Analysis`.  Writers (Markdown, JSON, plots, terminal) only read it.

How the derivation avoids SymPy's pitfalls
------------------------------------------
Differentiating ``Abs(w)**k`` directly brings ``sign(w)**2`` and ``DiracDelta``
terms.  Instead every derivative is taken on the right branch
:math:`f_+(x) = x^k` with a *positive* symbol ``x`` and carried to the real line
by the parity of an even function,

.. math::

    f^{(n)}(w) = \operatorname{sign}(w)^n \, f_+^{(n)}(|w|), \qquad w \ne 0,

so limits at :math:`0^-` and :math:`-\infty` are :math:`(-1)^n` times those at
:math:`0^+` and :math:`+\infty`.  What happens *at* 0 is decided from the
one-sided difference quotients, not from a formula that is only valid for
:math:`w \ne 0`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import sympy as sp

from lksym.derivation.exact import PROBE_DIGITS, continuous_value, decide, solve_positive, to_float, value_order
from lksym.derivation.regime import classify
from lksym.derivation.symbols import ALPHA, ETA, TAU, W, X
from lksym.errors import InputError

POINTS = ("0+", "0-", "+oo", "-oo")
PART_NAMES = ("penalty", "gradient", "curvature")


@dataclass(frozen=True)
class AtZero:
    """What one derivative of the penalty does at :math:`w = 0` itself.

    Attributes
    ----------
    value
        The exact value of :math:`f^{(n)}(0)`, or ``None`` where it does not exist.
    subdifferential
        For the gradient of a convex penalty with a kink: the interval
        ``(lo, hi)`` of subgradients at 0; otherwise ``None``.
    continuous
        Whether :math:`f^{(n)}` exists at 0 and is continuous there.
    """

    value: Optional[sp.Expr]
    subdifferential: Optional[tuple[sp.Expr, sp.Expr]]
    continuous: bool


@dataclass(frozen=True)
class Part:
    """The penalty or one of its derivatives.

    Attributes
    ----------
    name
        ``"penalty"``, ``"gradient"`` or ``"curvature"``.
    order
        0, 1 or 2: which derivative.
    expr
        The derivative for :math:`w \\ne 0` in the real symbol ``w``, free of
        ``DiracDelta`` and ``sign(w)**2``.
    branch
        The same on the right branch, in the positive symbol ``x``.
    limits
        One-sided limits keyed by ``"0+"``, ``"0-"``, ``"+oo"``, ``"-oo"``.
    at_zero
        Value, subdifferential and continuity at 0.
    """

    name: str
    order: int
    expr: sp.Expr
    branch: sp.Expr
    limits: dict
    at_zero: AtZero


@dataclass(frozen=True)
class Crossover:
    """Where the gradient magnitude of :math:`|w|^k` meets that of a reference.

    Attributes
    ----------
    reference
        ``"L1"`` (:math:`|w|`) or ``"L2"`` (:math:`|w|^2`).
    weight
        The exact :math:`|w| > 0` where the magnitudes are equal, or ``None``
        when they never are (or are equal everywhere).
    identical
        The two penalties are the same.
    stronger_below
        Which gradient is larger for :math:`|w|` below ``weight``: ``"Lk"`` or
        the reference; ``None`` when identical.
    """

    reference: str
    weight: Optional[sp.Expr]
    identical: bool
    stronger_below: Optional[str]

    def sides(self, name: str) -> tuple[str, str]:
        """Who pulls harder below the crossing and who above it, with ``name`` for the penalty itself.

        Examples
        --------
        >>> Crossover("L1", sp.Rational(4, 9), False, "L1").sides("L1.5")
        ('L1', 'L1.5')
        """
        mine = self.stronger_below == "Lk"
        return (name, self.reference) if mine else (self.reference, name)


@dataclass(frozen=True)
class Overshoot:
    r"""Where one plain gradient step :math:`w \mapsto w - \eta f'(w)` jumps across 0.

    The step overshoots when :math:`\eta |f'(w)| > |w|`.

    Attributes
    ----------
    weight
        The :math:`|w|` where :math:`\eta |f'(w)| = |w|`, in the positive symbol
        ``eta``; ``None`` when no single weight separates the two behaviours.
    side
        ``"below"``: weights smaller than ``weight`` overshoot; ``"above"``:
        larger ones do; ``None`` with ``weight`` ``None``.
    step_limit
        When ``weight`` is ``None``: the step size above which *every* weight
        overshoots (1/2 for L2), else ``None``.
    """

    weight: Optional[sp.Expr]
    side: Optional[str]
    step_limit: Optional[sp.Expr]


@dataclass(frozen=True)
class Band:
    """An interval of :math:`|w|` with a fixed order of the three gradient magnitudes.

    ``order`` lists ``"L1"``, ``"L2"`` and ``"Lk"`` from the weakest to the
    strongest pull toward 0 on ``(lo, hi)``; ``hi`` is ``oo`` for the last band.
    ``ties`` names pairs that are equal throughout (when k is 1 or 2).
    """

    lo: sp.Expr
    hi: sp.Expr
    order: tuple[str, str, str]
    ties: tuple[tuple[str, str], ...]


# --------------------------------------------------------------------------- helpers


def _limit(expr: sp.Expr, point: sp.Expr) -> sp.Expr:
    """One-sided limit on the right branch, ``x -> point`` (0 or oo) from inside (0, oo)."""
    if not expr.has(X):
        return expr
    coeff, exponent = expr.as_coeff_exponent(X)
    if not coeff.has(X) and exponent.is_real and point in (0, sp.oo):
        # c*x**e, every branch lksym derives: the sign of e decides, no series needed
        # (limit() would also expand the coefficient's powers, which for k = 998.3 is slow).
        if coeff == 0:
            return sp.S.Zero
        grows = bool(exponent < 0) if point == 0 else bool(exponent > 0)
        return sp.sign(coeff) * sp.oo if grows else sp.S.Zero
    return sp.limit(expr, X, point, "+" if point == 0 else "-")


def to_real_line(branch: sp.Expr, order: int) -> sp.Expr:
    r"""Carry a right-branch derivative to :math:`w \ne 0` as :math:`\operatorname{sign}(w)^n f_+^{(n)}(|w|)`.

    Monomials :math:`c\,x^e` get the tidiest equivalent form: for odd ``order``
    and an odd integer e, :math:`\operatorname{sign}(w)|w|^e = w^e`; for an even
    integer e > 0, :math:`w^{e-1}|w|`.
    """
    coeff, exponent = branch.as_coeff_exponent(X)
    odd = order % 2 == 1
    if coeff.has(X):  # not a monomial: plain substitution is still correct
        expr = branch.subs(X, sp.Abs(W))
        return sp.sign(W) * expr if odd else expr
    if not odd:
        return coeff * sp.Abs(W) ** exponent  # SymPy turns |w|**even into w**even itself
    if exponent.is_integer and exponent.is_odd:
        return coeff * W**exponent
    if exponent.is_integer and exponent.is_positive:
        return coeff * W ** (exponent - 1) * sp.Abs(W)
    return coeff * sp.sign(W) * sp.Abs(W) ** exponent


def point_limits(branch: sp.Expr, order: int) -> dict:
    right0, right_inf = _limit(branch, sp.S.Zero), _limit(branch, sp.oo)
    flip = -1 if order % 2 else 1  # parity of an even function's n-th derivative
    return {"0+": right0, "0-": flip * right0, "+oo": right_inf, "-oo": flip * right_inf}


def _is_finite(value: sp.Expr) -> bool:
    return bool(value.is_finite)


def behaviour_at_zero(order: int, branches: list, limits: dict, below: Optional[AtZero], convex: bool) -> AtZero:
    r"""Value and continuity at 0 of :math:`f^{(n)}`, from the derivative below it.

    :math:`f^{(n)}(0)` exists when :math:`f^{(n-1)}(0) = v` exists and the
    difference quotients :math:`(f^{(n-1)}(\pm x) - v)/(\pm x)` have one finite
    common limit as :math:`x \to 0^+`; the penalty itself is :math:`0^k = 0`.
    A convex penalty whose quotients have different finite limits has the
    subdifferential between them (L1's :math:`[-1, 1]`).
    """
    value: Optional[sp.Expr]
    sub = None
    if order == 0:
        value = sp.S.Zero
    elif below is None or below.value is None:
        value = None
    else:
        v, b = below.value, branches[order - 1]
        right = _limit((b - v) / X, sp.S.Zero)
        left = _limit(((-1) ** (order - 1) * b - v) / (-X), sp.S.Zero)
        value = right if _is_finite(right) and left == right else None
        if value is None and convex and _is_finite(left) and _is_finite(right):
            sub = (left, right)
    continuous = value is not None and limits["0+"] == value and limits["0-"] == value
    return AtZero(value=value, subdifferential=sub, continuous=continuous)


def is_nonnegative_branch(branch: sp.Expr) -> bool:
    """Whether a right-branch expression is >= 0 for every x > 0."""
    known = branch.is_nonnegative
    if known is not None:
        return bool(known)
    coeff, _ = branch.as_coeff_exponent(X)
    if coeff.has(X):
        raise ValueError(f"cannot decide the sign of {branch}")
    return bool(coeff >= 0)  # c * x**e with x > 0 has the sign of c


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
    stronger = "Lk" if _at(gradient_branch, probe) > _at(ref, probe) else reference
    return Crossover(reference, weight, False, stronger)


def _at(expr: sp.Expr, x: float) -> sp.Float:
    """``expr`` at the point ``x`` (a float strictly between crossings), to :data:`PROBE_DIGITS` digits.

    Which of two pulls is stronger between two crossings is the same at every
    point there, so a float point decides it; exact substitution could make
    SymPy build and factor huge powers.
    """
    return expr.evalf(PROBE_DIGITS, subs={X: sp.Float(x, PROBE_DIGITS)})


def _bands(gradient_branch: sp.Expr, crossovers: tuple[Crossover, ...]) -> tuple[Band, ...]:
    magnitudes = {"L1": sp.S.One, "L2": 2 * X, "Lk": gradient_branch}
    # L1 and L2 gradients cross at |w| = 1/2 too: the order of the three changes there.
    cuts = sorted({c.weight for c in crossovers if c.weight is not None} | {sp.Rational(1, 2)}, key=value_order)
    edges = [sp.S.Zero, *cuts, sp.oo]
    bands = []
    for lo, hi in zip(edges, edges[1:]):
        probe = (to_float(lo) + to_float(hi)) / 2 if hi != sp.oo else to_float(lo) + 1
        values = {name: _at(g, probe) for name, g in magnitudes.items()}
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
        below = _at(gradient_branch, probe) > probe
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
    from lksym.derivation.gd import derive_gd  # imported here: both modules use this one's symbols
    from lksym.derivation.penalty import power_of
    from lksym.derivation.penalty_prox import thresholding
    from lksym.derivation.prox import derive_prox

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
        k=k,
        regime=regime,
        penalty=parts[0],
        gradient=parts[1],
        curvature=parts[2],
        smoothness=_smoothness(k),
        convex=convex,
        # Sparsity: a non-vanishing pull at 0+ beats the quadratic data term for small z.
        sparse=bool(limits[1]["0+"] > 0),
        # Lipschitz near 0 needs a continuous gradient (L1's jumps) and bounded curvature.
        lipschitz_gradient_near_zero=at_zero[1].continuous and _is_finite(limits[2]["0+"]),
        dead_zone=_dead_zone(branches[1], gradient_vanishes),
        overshoot=_overshoot(branches[1]),
        crossovers=crossovers,
        bands=_bands(branches[1], crossovers),
        prox=derive_prox(k),
        gd=derive_gd(branches[1], branches[2]),
        subject=subject,
        breakpoints=(),
        curvature_min=_infimum(branches[2], sp.S.Zero, sp.oo),
        thresholding=thresholding(subject),
    )


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

def _real_line_piecewise(branches: list, pieces, order: int) -> sp.Expr:
    """The n-th derivative for w != 0 off the breakpoints, from the right branch's pieces and parity."""
    if len(pieces) == 1:
        return to_real_line(branches[0], order)
    a = sp.Abs(W)
    body = sp.Piecewise(*[(b.subs(X, a), a <= p.hi) for b, p in zip(branches[:-1], pieces[:-1])], (branches[-1].subs(X, a), True))
    return sp.sign(W) * body if order % 2 else body


def _one_sided(expr: sp.Expr, at: sp.Expr, side: str) -> sp.Expr:
    if not expr.has(X):
        return expr
    if at != sp.oo:
        # A substitution where it provably is the limit, and a rational number reads the same however found.
        value = continuous_value(expr, at)
        if value is not None and value.is_Rational:
            return value
    if at in (0, sp.oo):
        return _limit(expr, at)
    return sp.limit(expr, X, at, side)


def _smoothness_at_zero(first: sp.Expr, value: sp.Expr) -> Optional[int]:
    r"""Largest n with p in C^n at 0 (-1: p jumps at 0; ``None``: C^inf), from the first piece.

    The n-th derivative of an even function is continuous at 0 when its one-sided
    limits are finite and equal: :math:`L` and :math:`(-1)^n L`, so odd orders must
    tend to 0 (the mean value theorem then gives the derivative at 0 itself).
    """
    if _one_sided(first, sp.S.Zero, "+") != value:
        return -1
    d = first
    for n in range(1, MAX_SMOOTHNESS_ORDER + 1):
        d = sp.diff(d, X)
        if d == 0:
            return None
        limit = _one_sided(d, sp.S.Zero, "+")
        if not limit.is_finite or (n % 2 and limit != 0):
            return n - 1
    y = sp.Symbol("y", real=True)
    return None if sp.simplify(first.subs(X, y) - first.subs(X, -y)) == 0 else MAX_SMOOTHNESS_ORDER


def _breakpoint(left: sp.Expr, right: sp.Expr, at: sp.Expr) -> Breakpoint:
    limits: dict = {}
    smoothness: Optional[int] = None
    dl, dr = left, right
    for n in range(MAX_SMOOTHNESS_ORDER + 1):
        lo, hi = _one_sided(dl, at, "-"), _one_sided(dr, at, "+")
        if n < 3:
            limits[PART_NAMES[n]] = {"left": lo, "right": hi}
        if smoothness is None and sp.simplify(lo - hi) != 0:
            smoothness = n - 1
        if smoothness is not None and n >= 2:
            break
        dl, dr = sp.diff(dl, X), sp.diff(dr, X)
    return Breakpoint(at, MAX_SMOOTHNESS_ORDER if smoothness is None else smoothness, limits)


def _infimum(expr: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> sp.Expr:
    """The infimum of ``expr`` over the open interval (lo, hi) of x: ends and critical points."""
    if not expr.has(X):
        return expr
    candidates = [_one_sided(expr, lo, "+"), _one_sided(expr, hi, "-")]
    coefficient, exponent = expr.as_coeff_exponent(X)
    if not coefficient.has(X):  # c*x**e is monotone: the ends decide (no solveset on x**97.1)
        return sp.Min(*candidates)
    slope = sp.diff(expr, X)
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


def derive_penalty(penalty) -> dict:
    """Every fact derivable for any :class:`~lksym.derivation.penalty.Penalty`, piece by piece.

    Returns the keyword arguments of :class:`lksym.results.Analysis`; call it under a deadline.

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_penalty
    >>> facts = derive_penalty(parse_penalty("mcp(lam=1, gamma=3)"))
    >>> facts["curvature_min"], [b.at for b in facts["breakpoints"]]
    (-1/3, [3])
    """
    from lksym.derivation.penalty_prox import prox_closed_form, prox_threshold, thresholding
    from lksym.derivation.prox import Prox

    pieces = penalty.pieces
    derivatives = [[p.expr] for p in pieces]
    for ds in derivatives:
        for _ in range(2):
            ds.append(sp.diff(ds[-1], X))
    first, last = derivatives[0], derivatives[-1]
    p0 = penalty.at_zero

    limits = []
    for n in range(3):
        right0, right_inf = _one_sided(first[n], sp.S.Zero, "+"), _one_sided(last[n], sp.oo, "-")
        flip = -1 if n % 2 else 1
        limits.append({"0+": right0, "0-": flip * right0, "+oo": right_inf, "-oo": flip * right_inf})

    breakpoints = tuple(
        _breakpoint(derivatives[i][0], derivatives[i + 1][0], pieces[i].hi) for i in range(len(pieces) - 1)
    )
    curvature_min = sp.Min(*[_infimum(ds[2], p.lo, p.hi) for ds, p in zip(derivatives, pieces)])
    continuous = limits[0]["0+"] == p0 and all(b.smoothness >= 0 for b in breakpoints)
    gradient_up = decide(limits[1]["0+"] >= 0) and all(
        decide(b.limits["gradient"]["left"] <= b.limits["gradient"]["right"]) for b in breakpoints
    )
    convex = continuous and gradient_up and decide(curvature_min >= 0)

    # What happens at 0 itself: p(0) is given; derivatives from difference quotients.
    at_zero: list[AtZero] = [AtZero(p0, None, limits[0]["0+"] == p0)]
    if at_zero[0].continuous:
        kink_up = decide(limits[1]["0+"] >= limits[1]["0-"])  # locally convex at 0: a subdifferential there
        for n in (1, 2):
            at_zero.append(behaviour_at_zero(n, first, limits[n], at_zero[-1], kink_up))
    else:
        at_zero += [AtZero(None, None, False), AtZero(None, None, False)]
    parts = tuple(
        Part(name, n, _real_line_piecewise([ds[n] for ds in derivatives], pieces, n), _piecewise_branch([ds[n] for ds in derivatives], pieces), limits[n], at_zero[n])
        for n, name in enumerate(PART_NAMES)
    )
    quotient = _one_sided((first[0] - p0) / X, sp.S.Zero, "+")
    facts = thresholding(penalty)
    weights, omitted = _penalty_gd_facts(derivatives, pieces, limits)
    return dict(
        k=None,
        regime=None,
        penalty=parts[0],
        gradient=parts[1],
        curvature=parts[2],
        smoothness=_smoothness_at_zero(first[0], p0),
        convex=convex,
        sparse=decide(quotient > 0),
        lipschitz_gradient_near_zero=at_zero[1].continuous and _is_finite(limits[2]["0+"]),
        dead_zone=weights["dead_zone"],
        overshoot=weights["overshoot"],
        crossovers=weights["crossovers"],
        bands=weights["bands"],
        prox=Prox(prox_threshold(penalty), prox_closed_form(penalty)),
        gd=weights["gd"],
        subject=penalty,
        breakpoints=breakpoints,
        curvature_min=curvature_min,
        thresholding=facts,
        omitted=omitted,
    )


def _piecewise_branch(branches: list, pieces) -> sp.Expr:
    if len(pieces) == 1:
        return branches[0]
    return sp.Piecewise(*[(b, X <= p.hi) for b, p in zip(branches[:-1], pieces[:-1])], (branches[-1], True))


# --------------------------------------------------------------------------- dead zone, overshoot, crossovers, gd of any penalty


class _NotExact(Exception):
    """A fact of a penalty has no single exact answer lksym can give; the message says why (for ``omitted``)."""


_LEVEL = sp.Symbol("level", positive=True)
"""The level c a monotone piecewise h(x) is cut at: tau/alpha, 1/eta or 2/eta."""


def _interval_text(lo: sp.Expr, hi: sp.Expr) -> str:
    return f"{sp.sstr(lo)} < |w|" + ("" if hi == sp.oo else f" <= {sp.sstr(hi)}")


def _direction(expr: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> Optional[int]:
    """How ``expr`` (in x) moves on (lo, hi): 0 constant, +1 nondecreasing, -1 nonincreasing, ``None`` neither or undecided."""
    slope = sp.cancel(sp.diff(expr, X))
    if slope == 0:
        return 0
    signs = _rational_signs(slope, lo, hi)
    if signs is not None:
        return 1 if min(signs) >= 0 else (-1 if max(signs) <= 0 else None)
    try:
        if decide(_infimum(slope, lo, hi) >= 0):
            return 1
        if decide(_infimum(-slope, lo, hi) >= 0):
            return -1
    except (InputError, TypeError, ValueError, NotImplementedError):
        return None
    return None


def direction(expr: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> Optional[int]:
    """How ``expr`` (in x) moves on (lo, hi): 0 constant, +1 nondecreasing, -1 nonincreasing, ``None`` undecided.

    Examples
    --------
    >>> direction(-1 / (1 + X) ** 2, sp.S.Zero, sp.oo), direction(sp.sin(X), sp.S.Zero, sp.oo)
    (1, None)
    """
    return _direction(expr, lo, hi)


def _rational_signs(expr: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> Optional[list]:
    """Signs of a rational function of x between its real zeros and poles in (lo, hi), or ``None`` if not rational.

    A rational function keeps its sign between consecutive real roots of its numerator and denominator,
    which :func:`sympy.real_roots` isolates exactly: one probe per gap decides it (far cheaper than solveset).
    """
    if not expr.is_rational_function(X):
        return None
    numerator, denominator = sp.fraction(sp.together(expr))
    cuts = set()
    for poly in (numerator, denominator):
        if poly.has(X):
            cuts |= {r for r in sp.real_roots(sp.Poly(poly, X)) if decide(r > lo) and (hi == sp.oo or decide(r < hi))}
    edges = [lo, *sorted(cuts, key=value_order), hi]
    signs = []
    for a, b in zip(edges, edges[1:]):
        probe = (to_float(a) + to_float(b)) / 2 if b != sp.oo else to_float(a) + 1
        value = _at(expr, probe)
        signs.append(0 if value == 0 else (1 if value > 0 else -1))
    return signs


def _monotone_pieces(pieces: list, what: str) -> tuple[int, list]:
    """The direction of a piecewise h over (0, oo) (jumps at breakpoints included) and each piece's own.

    ``pieces`` are ``(h_i, lo_i, hi_i)``.  Raises :class:`_NotExact` when h is not monotone.
    """
    directions = [_direction(h, lo, hi) for h, lo, hi in pieces]
    for d, (h, lo, hi) in zip(directions, pieces):
        if d is None:
            raise _NotExact(f"{what} is not monotone on {_interval_text(lo, hi)} (or SymPy cannot decide it there)")
    for (h0, _, b), (h1, _, _) in zip(pieces, pieces[1:]):
        step = sp.simplify(_one_sided(h1, b, "+") - _one_sided(h0, b, "-"))
        directions.append(0 if step == 0 else (1 if decide(step > 0) else -1))
    moving = {d for d in directions if d != 0}
    if len(moving) > 1:
        raise _NotExact(f"{what} rises on some |w| and falls on others, so the set is a union of intervals")
    return (moving.pop() if moving else 0), directions[: len(pieces)]


def _level_root(h: sp.Expr, lo: sp.Expr, hi: sp.Expr, start: sp.Expr, end: sp.Expr) -> sp.Expr:
    """The x in (lo, hi] with h(x) = level, for a strictly monotone piece whose values run from start to end."""
    a, b = sorted((start, end), key=lambda v: float(v) if v.is_finite else (float("inf") if v == sp.oo else -float("inf")))
    a = sp.Max(a, 0)
    if b == sp.oo:
        samples = [a + 1, a + 10] if a.is_finite else [sp.S(1), sp.S(10)]
    else:
        samples = [a + (b - a) / 3, a + 2 * (b - a) / 3]
    numerator = sp.fraction(sp.together(h - _LEVEL))[0]
    try:
        if numerator.is_polynomial(X):  # the roots of a polynomial in x: sp.roots is far quicker than solve
            candidates = list(sp.roots(sp.Poly(numerator, X)))
        else:
            candidates = sp.solve(h - _LEVEL, X)
    except (NotImplementedError, TypeError, ValueError, sp.PolynomialError):
        candidates = []
    found = []
    for root in candidates:
        ok = True
        for c in samples:
            value = sp.N(root.subs(_LEVEL, c), PROBE_DIGITS)
            if not value.is_real or not (sp.N(lo, PROBE_DIGITS) < value <= sp.N(hi, PROBE_DIGITS) * (1 + sp.Float(1e-25))):
                ok = False
                break
        if ok:
            found.append(root)
    if len(found) != 1:
        raise _NotExact(f"SymPy finds no single exact root of {sp.sstr(h)} = c on {_interval_text(lo, hi)}")
    return found[0]


def _level_clauses(pieces: list, direction: int, directions: list) -> list:
    r"""Where a monotone piecewise h(x) crosses the level c, as ordered clauses ``(x(c), bound, strict)``.

    For nondecreasing h (``direction`` >= 0) the first clause with :math:`c \le` bound (``<`` when strict)
    gives :math:`d(c) = \inf\{x : h(x) \ge c\}`, so :math:`h < c` exactly on :math:`(0, d)`; for
    nonincreasing h the first with :math:`c \ge` bound (``>``) gives :math:`s(c) = \sup\{x : h(x) > c\}`,
    so :math:`h > c` exactly on :math:`(0, s)`.  Past every clause x is :math:`\infty`.  Each root clause
    also carries its own range of c, ``(x(c), bound, strict, start)``: c strictly past ``start``.
    """
    clauses = [(sp.S.Zero, _one_sided(pieces[0][0], pieces[0][1], "+"), False, None)]
    previous = None
    for (h, lo, hi), d in zip(pieces, directions):
        start, end = _one_sided(h, lo, "+"), _one_sided(h, hi, "-")
        if previous is not None and sp.simplify(start - previous) != 0:
            clauses.append((lo, start, False, None))  # h jumps at lo: c between the two sides stops there
        if d != 0:
            clauses.append((_level_root(h, lo, hi, start, end), end, hi == sp.oo, start))
        previous = end
    return clauses


def _level_condition(up: bool, bound: sp.Expr, strict: bool, level: sp.Expr, eta: Optional[sp.Symbol]):
    """``level <= bound`` (``up``: h nondecreasing) or ``level >= bound`` (h nonincreasing), in the parameter.

    The level is positive: tau/alpha (``eta`` None; written ``tau <= bound*alpha``) or m/eta (written
    ``eta >= m/bound``); strict relations where ``strict``.
    """
    if bound == sp.oo:
        return sp.true if up else sp.false
    if bound == -sp.oo or decide(bound <= 0):  # bound <= 0 < level
        return sp.false if up else sp.true
    if eta is None:
        rel = (sp.Lt if strict else sp.Le) if up else (sp.Gt if strict else sp.Ge)
        return rel(TAU, bound * ALPHA)
    m = sp.cancel(level * eta)
    rel = (sp.Gt if strict else sp.Ge) if up else (sp.Lt if strict else sp.Le)
    return rel(eta, m / bound)


def _tidy(expr: sp.Expr, radicals: bool = True) -> sp.Expr:
    """A short form: a rational function factored; a short radical one with surds gathered (unless not ``radicals``).

    The shortest of ``radsimp`` after ``together``, ``radsimp``, then ``cancel`` (or the expression as built):
    ``tau*sqrt(-1/(-1 + tau/alpha))/(alpha*sqrt(1 + tau/alpha))`` becomes ``tau*sqrt(1/(alpha - tau))/sqrt(alpha + tau)``,
    as ``simplify`` gives, at a hundredth of its cost (and ``simplify``'s first call imports ``sympy.physics.units``,
    0.1 s more).
    """
    if expr.is_rational_function():
        return sp.factor(expr)
    if radicals and sp.count_ops(expr) <= TIDY_OPS:
        gathered = sp.radsimp(expr)
        return min((sp.radsimp(sp.together(expr)), gathered, sp.cancel(gathered), expr), key=sp.count_ops)
    return expr


TIDY_OPS = 30
"""Largest radical expression :func:`_tidy` rewrites (longer ones are left as built)."""


@lru_cache(maxsize=64)
def _crossing_shape(pieces: tuple, what: str) -> tuple[int, tuple, tuple]:
    # Which way h moves and where it meets a level depend on h alone: the overshoot (level 1/eta) and the
    # two-cycle (2/eta) of the same |p'(w)|/|w| share them, and they are SymPy's dearest part of both.
    direction, directions = _monotone_pieces(list(pieces), what)
    return direction, tuple(directions), tuple(_level_clauses(list(pieces), direction, directions))


def _level_piecewise(pieces: list, level: sp.Expr, solve_for: Optional[sp.Symbol], what: str,
                     roots_only: bool = False, above: bool = False):
    r"""The crossing of a monotone piecewise h with ``level`` as a Piecewise in the parameter, and h's directions.

    With ``roots_only`` only the clauses where h(x) = level has a root are kept, each with its own range of
    the parameter (no default: undefined elsewhere); the list of ``(value, condition, piece index)`` is returned too.
    With ``above`` a nondecreasing h gives :math:`\sup\{x : h(x) \le c\}`, so that :math:`h > c` exactly
    beyond it: every condition is strict, and a flat piece equal to the level stays below it (a plain step
    that lands a weight exactly on 0 does not throw it across).
    """
    direction, directions, clauses = _crossing_shape(tuple(pieces), what)
    if not roots_only:
        args = []
        for value, bound, strict, _ in clauses:
            strict = strict or (above and direction >= 0)
            cond = _level_condition(direction >= 0, bound, strict, level, solve_for)
            args.append((_tidy(value.subs(_LEVEL, level)), cond))
        return sp.Piecewise(*args, (sp.oo, True)), direction, []
    kept = []
    index = [i for i, d in enumerate(directions) if d != 0]
    for (value, bound, strict, start), i in zip([c for c in clauses if c[3] is not None], index):
        upper = _level_condition(direction >= 0, bound, strict, level, solve_for)
        # past start: the opposite of "level <= start" (nondecreasing) or "level >= start" (nonincreasing)
        lower = sp.Not(_level_condition(direction >= 0, start, False, level, solve_for))
        cond = sp.And(upper, lower)
        if cond != sp.false:
            kept.append((_tidy(value.subs(_LEVEL, level)), cond, i))
    if not kept:
        return None, direction, []
    return sp.Piecewise(*[(v, c) for v, c, _ in kept]), direction, kept


REFERENCES = (("L1", sp.S.One), ("L2", 2 * X))
"""The reference gradient magnitudes on x = |w| > 0: L1's 1 and L2's 2x."""


def _penalty_crossings(grads: list) -> tuple[Optional[tuple], tuple, Optional[str]]:
    """Crossovers with L1 and L2 (or ``None`` and why) and the bands of the three pulls, piece by piece.

    ``grads`` are ``(p'_i, lo_i, hi_i)``.  Every root of :math:`p'_i = 1` and :math:`p'_i = 2x` on its own
    interval, every breakpoint and L1 = L2 at 1/2 cut :math:`(0, \\infty)`; one probe per cut interval
    orders the three pulls (they cannot change order inside one); a piece equal to a reference is a tie.
    """
    ties: dict = {name: set() for name, _ in REFERENCES}
    roots: dict = {name: set() for name, _ in REFERENCES}
    for name, ref in REFERENCES:
        for i, (g, lo, hi) in enumerate(grads):
            difference = sp.cancel(g - ref)
            if difference == 0:
                ties[name].add(i)
                continue
            where = sp.Interval.open(lo, sp.oo) if hi == sp.oo else sp.Interval.Lopen(lo, hi)
            found = _linear_root(difference, lo, hi)
            if found is None:
                try:
                    found = sp.solveset(difference, X, where)
                except (TypeError, ValueError, NotImplementedError):
                    found = None
            if not isinstance(found, (sp.FiniteSet, type(sp.S.EmptySet))):
                raise _NotExact(f"SymPy cannot solve |p'(w)| = {'1' if name == 'L1' else '2|w|'} exactly on "
                                f"{_interval_text(lo, hi)}")
            roots[name] |= set(found)
    cuts = {hi for _, _, hi in grads[:-1]} | {sp.Rational(1, 2)} | roots["L1"] | roots["L2"]
    edges = [sp.S.Zero, *sorted(cuts, key=value_order), sp.oo]
    cells = []  # (lo, hi, order, ties, signs against each reference)
    for lo, hi in zip(edges, edges[1:]):
        probe = (to_float(lo) + to_float(hi)) / 2 if hi != sp.oo else to_float(lo) + 1
        index = next(i for i, (_, a, b) in enumerate(grads) if to_float(a) < probe and (b == sp.oo or probe <= to_float(b)))
        values = {"L1": sp.S.One, "L2": sp.Float(2 * probe, PROBE_DIGITS), "Lk": _at(grads[index][0], probe)}
        order = tuple(sorted(values, key=lambda name: (float(values[name]), name)))
        tied = {frozenset((name, "Lk")) for name, _ in REFERENCES if index in ties[name]}
        pairs = tuple((x, y) for i, x in enumerate(order) for y in order[i + 1:] if frozenset((x, y)) in tied)
        signs = {name: 0 if index in ties[name] else (1 if values["Lk"] > values[name] else -1) for name, _ in REFERENCES}
        cells.append((lo, hi, order, pairs, signs))
    bands: list[Band] = []
    for lo, hi, order, pairs, _ in cells:
        if bands and bands[-1].order == order and bands[-1].ties == pairs:
            bands[-1] = Band(bands[-1].lo, hi, order, pairs)
        else:
            bands.append(Band(lo, hi, order, pairs))
    crossovers, why = [], []
    for name, _ in REFERENCES:
        signs = [c[4][name] for c in cells]
        if all(s == 0 for s in signs):
            crossovers.append(Crossover(name, None, True, None))
            continue
        changes = [cells[i][1] for i in range(len(cells) - 1) if signs[i] != signs[i + 1]]
        if 0 not in signs and not changes and not roots[name]:
            crossovers.append(Crossover(name, None, False, "Lk" if signs[0] > 0 else name))
            continue
        if 0 not in signs and len(changes) == 1 and roots[name] == {changes[0]}:
            crossovers.append(Crossover(name, changes[0], False, "Lk" if signs[0] > 0 else name))
            continue
        why.append(f"{name}: " + _crossing_structure(cells, name, roots[name]))
    if why:
        return None, tuple(bands), ("the gradient magnitude does not meet the reference at one crossing weight ("
                                    + "; ".join(why) + "); the bands give the order of the three pulls exactly")
    return tuple(crossovers), tuple(bands), None


def _linear_root(difference: sp.Expr, lo: sp.Expr, hi: sp.Expr):
    """``solveset(difference, x, (lo, hi])`` when the numerator of ``difference`` (in lowest terms, as
    ``sympy.cancel`` leaves it) has rational coefficients and degree <= 1, else ``None``.

    Its one root is then a rational number, the same however it is found, and not a pole (numerator
    and denominator are coprime); solveset takes ~5 ms for what is a division and two comparisons.
    """
    numerator, _ = sp.fraction(difference)
    try:
        poly = sp.Poly(numerator, X)
    except sp.PolynomialError:
        return None
    if poly.degree() > 1 or not all(c.is_Rational for c in poly.all_coeffs()):
        return None
    if poly.degree() <= 0:
        return sp.S.EmptySet
    a, b = poly.all_coeffs()
    root = -b / a
    try:
        inside = bool(root > lo) and (hi == sp.oo or bool(root <= hi))
    except TypeError:  # an end SymPy cannot order against the root exactly
        return None
    return sp.FiniteSet(root) if inside else sp.S.EmptySet


def _crossing_structure(cells: list, name: str, roots: set) -> str:
    """Where |p'| equals a reference, in words: intervals of equality, single weights, jumps across it."""
    parts, run = [], None
    for lo, hi, _, _, signs in cells:
        if signs[name] == 0:
            run = (run[0] if run else lo, hi)
            continue
        if run:
            parts.append(f"equal on {_interval_text(*run)}")
            run = None
    if run:
        parts.append(f"equal on {_interval_text(*run)}")
    inside = [r for r in sorted(roots, key=value_order)
              if not any(c[4][name] == 0 and (c[0] == r or c[1] == r) for c in cells)]
    parts += [f"equal at |w| = {sp.sstr(r)}" for r in inside]
    for left, right in zip(cells, cells[1:]):
        a, b = left[4][name], right[4][name]
        if a * b < 0 and left[1] not in roots:
            parts.append(f"crosses it by a jump at |w| = {sp.sstr(left[1])}")
    return ", ".join(parts)


_GIVE_UP = (_NotExact, TypeError, ValueError, ArithmeticError, NotImplementedError)
"""What a weight fact may fail with: it is then left out with the reason, never the whole analysis (a Timeout still stops it)."""


def _why(error: Exception) -> str:
    """The reason a weight fact is left out, for ``omitted``."""
    if isinstance(error, (_NotExact, InputError)):
        return str(error)
    return f"SymPy could not derive it exactly ({type(error).__name__})"


def _penalty_gd_facts(derivatives: list, pieces, limits: list) -> tuple[dict, dict]:
    """Dead zone, overshoot, crossovers, bands and gradient descent of any penalty, from its exact pieces.

    Returns the fields for :class:`Analysis` and, for each fact that has no single exact answer, why (``omitted``).
    """
    from lksym.derivation.gd import GradientDescent, decay_near_zero

    grads = [(ds[1], p.lo, p.hi) for ds, p in zip(derivatives, pieces)]
    ratios = [(sp.cancel(g / X), lo, hi) for g, lo, hi in grads]  # |p'(x)|/x: a step overshoots where eta*ratio > 1
    g0 = limits[1]["0+"]
    facts: dict = {"dead_zone": None, "overshoot": None, "crossovers": None, "bands": None, "gd": None}
    omitted: dict = {}

    if g0 != 0:
        omitted["dead_zone"] = (f"the gradient does not vanish at 0 (|p'(0+)| = {sp.sstr(g0)}): the pull on small "
                                "weights does not fade, as for |w|^k with k <= 1")
    else:
        try:
            facts["dead_zone"] = _level_piecewise(grads, TAU / ALPHA, None, "the gradient magnitude")[0]
        except _GIVE_UP as error:
            omitted["dead_zone"] = _why(error)

    flat = all(sp.diff(q, X) == 0 for q, _, _ in ratios) and len({q for q, _, _ in ratios}) == 1
    if flat and ratios[0][0] == 0:
        omitted["overshoot"] = "the gradient is 0 for every w != 0: a plain step never moves a weight, none overshoots"
    elif flat:  # eta*|p'(w)|/|w| does not depend on w (a ridge): the step size alone decides
        facts["overshoot"] = Overshoot(None, None, 1 / ratios[0][0])
    else:
        try:
            # Overshoot is eta*|p'| > |w| strictly: where the ratio rises, the weights above sup{q <= 1/eta}.
            weight, direction, _ = _level_piecewise(ratios, 1 / ETA, ETA, "|p'(w)|/|w|", above=True)
            facts["overshoot"] = Overshoot(weight, "below" if direction < 0 else "above", None)
        except _GIVE_UP as error:
            omitted["overshoot"] = _why(error)

    try:
        facts["crossovers"], facts["bands"], why = _penalty_crossings(grads)
        if why is not None:
            omitted["crossovers"] = why
    except _GIVE_UP as error:
        omitted["crossovers"] = omitted["bands"] = _why(error)

    try:
        facts["gd"] = _penalty_gd(grads, ratios, flat, g0, omitted, GradientDescent, decay_near_zero)
    except _GIVE_UP as error:
        omitted["gd"] = _why(error)
    return facts, omitted


def _penalty_gd(grads, ratios, flat, g0, omitted, GradientDescent, decay_near_zero):
    """Two-cycle (where eta p'(a) = 2a, a Piecewise in eta), its multiplier and stability, decay near 0."""
    amplitude = multiplier = stable = None
    if not flat:
        amplitude, direction, kept = _level_piecewise(ratios, 2 / ETA, ETA, "|p'(w)|/|w|", roots_only=True)
        if amplitude is not None:
            clauses, verdicts = [], []
            for a, condition, i in kept:
                slope = sp.cancel(sp.diff(grads[i][0], X))
                clauses.append((_tidy((1 - ETA * slope.subs(X, a)) ** 2, radicals=False), condition))
                if slope == 0:
                    verdict = "neutral"  # multiplier exactly 1: as L1, a family of cycles, neither attracting nor repelling
                elif direction > 0:
                    verdict = "repelling"  # x p''/p' > 1 where p'/x grows: eta p''(a) > 2
                else:  # p'/x falls, so 0 < eta p''(a) < 2 exactly where p' rises
                    rises = _direction(grads[i][0], grads[i][1], grads[i][2])
                    verdict = {1: "attracting", -1: "repelling"}.get(rises, "undecided")
                verdicts.append((verdict, condition))
            multiplier = sp.Piecewise(*clauses)  # one clause that always holds is the expression itself
            kinds = {v for v, _ in verdicts}
            if kinds == {"attracting"}:
                stable = True
            elif kinds == {"repelling"}:
                stable = False
            elif kinds != {"neutral"}:
                omitted["gd.cycle_stable"] = "depends on eta: " + "; ".join(f"{v} for {sp.sstr(c)}" for v, c in verdicts)
    first = grads[0][0]
    if g0 != 0:
        decay = decay_near_zero(None)
    elif first == 0:
        decay = decay_near_zero(None)
        omitted["gd.decay"] = "the gradient is 0 near 0: plain gradient descent leaves small weights where they are"
    else:
        decay = decay_near_zero(first)
        if decay.kind is None:
            omitted["gd.decay"] = f"the gradient near 0, {sp.sstr(first)}, is not c*|w|^m: no exact decay law derived"
    return GradientDescent(amplitude, multiplier, stable, decay)
