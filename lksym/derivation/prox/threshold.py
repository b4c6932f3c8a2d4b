r"""The prox threshold of a piecewise penalty: the largest :math:`|z|` mapped to 0.

.. math::

    T(\lambda) = \inf_{x > 0} \; \frac x2 + \lambda\,\frac{p(x) - p(0)}{x},

per piece and per range of :math:`\lambda` (a ``Piecewise``), or :class:`~lksym.derivation.prox.common.Infimum`
where a critical point has no closed form.  The power family's own threshold is
:func:`lksym.derivation.prox.power.power_threshold`; :func:`lksym.derivation.prox.prox_threshold` chooses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import mpmath
import sympy as sp

from lksym.budget import bounded
from lksym.derivation.interval import Unsure, ball_compile, ball_finite
from lksym.derivation.penalty import Penalty
from lksym.derivation.prox.closed_form import piecewise_closed_form, threshold_from
from lksym.derivation.prox.common import (
    LAM_RANGE, SOLVE_LIMIT, TIME_LIMIT, GiveUp, Infimum, exact_roots,
    in_mpmath, join_branches, one_sided_limit, out_of_time, polynomial_in_x, real_or_none, solve_lam, tidy_form, value_at_lam,
)
from lksym.derivation.prox.regimes import lam_range, lam_regimes
from lksym.derivation.symbols import LAM, X
from lksym.errors import InputError
from lksym.numerics.prox_solver import prox_key, numeric_pieces


@dataclass(frozen=True)
class Candidate:
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
        x = real_or_none(value_at_lam(self.at, lam))
        return x is not None and float(self.lo) < x < float(self.hi)


def curvature_bound(expr: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> Optional[tuple]:
    """``(inf p'', constant?)`` on the piece ``(lo, hi)``, or ``None`` when it cannot be derived exactly."""
    c = sp.diff(expr, X, 2)
    if not c.has(X):
        return c, True
    c3 = sp.diff(c, X)
    inside = bounded(sp.solveset, c3, X, sp.Interval.open(lo, hi), limit=SOLVE_LIMIT)
    if inside is None:
        return None
    if inside == sp.S.EmptySet:
        inside = []
    elif not isinstance(inside, sp.FiniteSet):
        return None
    values = [one_sided_limit(c, lo, "+"), one_sided_limit(c, hi, "-"), *(c.subs(X, r) for r in inside)]
    if any(v.free_symbols or v.has(sp.nan, sp.zoo) for v in values):
        return None
    return min(values, key=lambda v: float(v) if v.is_finite else -math.inf), False


def envelope(candidates: list, kind: str, lam_range: tuple = LAM_RANGE) -> Optional[sp.Expr]:
    """The pointwise min (``kind="min"``) or max of valid candidates, as a Piecewise in lam.

    Compared at 50 digits: next to a change point (sampled at 1e-7 from it) two candidates that
    touch there differ only at second order.
    """
    pick = min if kind == "min" else max
    values = [in_mpmath(LAM, c.value) for c in candidates]
    ats = [None if c.at is None else in_mpmath(LAM, c.at) for c in candidates]

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

    # The same in float balls where every comparison is clear (see Shapes.signature), else at 50 digits.
    distinct = list(dict.fromkeys(c.value for c in candidates))
    slot = [distinct.index(c.value) for c in candidates]
    value_balls = [ball_compile(v, (LAM,)) for v in distinct]
    at_balls = [None if c.at is None else ball_compile(c.at, (LAM,)) for c in candidates]
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
                x = ball_finite(at_balls[i](args))
                if x[2] is not None:
                    if abs(x[2][0]) - x[2][1] <= 1e-39 * (1 + abs(x[0]) + x[1]):
                        raise Unsure
                    continue
                lo, hi = float(c.lo), float(c.hi)
                if not (x[0] - x[1] > lo or x[0] + x[1] <= lo) or not (x[0] + x[1] < hi or x[0] - x[1] >= hi):
                    raise Unsure
                if not lo < x[0] < hi:
                    continue
            if slot[i] not in values:
                values[slot[i]] = ball_finite(value_balls[slot[i]](args))
            v = values[slot[i]]
            if v[2] is not None:
                if abs(v[2][0]) - v[2][1] <= 1e-39 * (1 + abs(v[0]) + v[1]):
                    raise Unsure
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
                raise Unsure
        return None if best is None else (best,)

    def fast_signature(lam: float):
        if fast:
            try:
                return ball_signature(lam)
            except Unsure:
                pass
        return signature(lam)

    def change(sa, sb, la, lb):
        return solve_lam(candidates[sa[0]].tidy - candidates[sb[0]].tidy, la, lb)

    regimes = lam_regimes(fast_signature, change, precise=signature, lam_range=lam_range)
    if regimes is None:
        return None
    branches = [(tidy_form(candidates[r.signature[0]].tidy), r.upper) for r in regimes]
    return join_branches(branches)


def _piece_threshold(expr: sp.Expr, lo: sp.Expr, hi: sp.Expr, p0: sp.Expr) -> tuple[list, Optional[sp.Expr]]:
    r"""Candidates for :math:`\inf h` on one piece, or a non-closed term (an :class:`Infimum` branch)."""
    q = expr - p0
    h = X / 2 + LAM * q / X
    ends = [one_sided_limit(h, lo, "+"), one_sided_limit(h, hi, "-")]
    ends = [Candidate(e) for e in ends if e.is_finite is not False and not e.has(sp.oo, sp.zoo, sp.nan)]
    # h'(x) = N(x) / (2 x^2) with N = x^2 + 2 lam (x q' - q): the critical points are the roots of N.
    n = X**2 + 2 * LAM * (X * sp.diff(q, X) - q)
    poly = polynomial_in_x(n, 4)
    roots = exact_roots(poly) if poly is not None else None
    if roots is not None:
        # Most critical points never give the infimum; their (costly) tidy form waits for a win.
        crit = [Candidate(h.subs(X, r), r, lo, hi, raw=True) for r in roots]
        return ends + crit, None
    # No closed-form critical points.  Where 1 + lam q'' >= 0 on the piece, N' = 2x(1 + lam q'') >= 0,
    # so if also N(lo+) >= 0 then h is nondecreasing and the infimum is h(lo+); otherwise the infimum.
    exact = Infimum(h, X, lo, hi)
    bound = curvature_bound(expr, lo, hi)
    start = one_sided_limit(h, lo, "+")
    if bound is None or not start.is_finite or start.has(sp.oo):
        return [], exact
    cmin, _ = bound
    limits = []
    if cmin.is_negative:
        limits.append(-1 / cmin if cmin.is_finite else sp.S.Zero)
    n_lo = sp.expand(one_sided_limit(n, lo, "+"))  # linear in lam: alpha + beta lam
    beta = sp.diff(n_lo, LAM)
    alpha = n_lo.subs(LAM, 0)
    if n_lo.has(X) or n_lo.has(sp.oo, sp.nan) or beta.has(LAM):
        return [], exact
    if beta.is_negative:
        limits.append(alpha / -beta)
    elif alpha.is_negative:
        return [], exact
    if not limits:
        return [Candidate(tidy_form(start))], None
    c = sp.Min(*limits)
    if c == 0:
        return [], exact
    return [], sp.Piecewise((tidy_form(start), LAM <= c), (exact, True))


@lru_cache(maxsize=128)
def _threshold(key: tuple) -> sp.Expr:
    pieces, p0 = key
    # p >= p(0) (nondecreasing), so h >= 0: if h(0+) = 0 for every lam, the threshold is 0.
    start = one_sided_limit(pieces[0][0] - p0, sp.S.Zero, "+")
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
        closed = envelope(unique, "min", lam_range(key))
        if closed is None:
            raise GiveUp("the minimising piece of the threshold could not be located exactly")
    terms = ([closed] if closed is not None else []) + others
    return terms[0] if len(terms) == 1 else sp.Min(*terms)


def piecewise_threshold(penalty: Penalty) -> sp.Expr:
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
    (The power family's own: :func:`lksym.derivation.prox.power.power_threshold`, chosen by
    :func:`lksym.derivation.prox.prox_threshold`.)

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
    >>> piecewise_threshold(parse_penalty("l0")), piecewise_threshold(parse_penalty("huber(delta=1)"))
    (sqrt(2)*sqrt(lam), 0)
    >>> piecewise_threshold(parse_penalty("scad(lam=1, a=3.7)"))
    Piecewise((lam, lam <= 47/10), (sqrt(470)*sqrt(lam)/10, True))
    >>> piecewise_threshold(parse_penalty("logsum(eps=0.1)"))
    Piecewise((10*lam, lam <= 1/100), (Infimum(lam*log(10*x + 1)/x + x/2, x, 0, oo), True))
    """
    numeric_pieces(prox_key(penalty))  # the nondecreasing check
    # Where the whole map has a closed form (checked against the numeric prox on both sides of its
    # first branch's end), the threshold is that end: reading it is free, deriving it again ~0.06 s.
    form = piecewise_closed_form(penalty)
    threshold = threshold_from(form) if form is not None else None
    if threshold is not None:
        return threshold
    try:
        threshold = bounded(_threshold, prox_key(penalty), limit=TIME_LIMIT)
    except GiveUp as why:
        raise InputError(f"prox threshold of {penalty.text}: {why}") from None
    if threshold is None:
        raise InputError(f"prox threshold of {penalty.text}: {out_of_time(TIME_LIMIT)}")
    return threshold
