r"""Fan and Li's three properties of a penalty's proximal map: sparse, continuous, unbiased.

Decided from the penalty's pieces and, where there is one, its closed-form map, with their
conditions in ``lam`` (:class:`Thresholding`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import sympy as sp

from lksym.budget import bounded
from lksym.derivation.penalty import Penalty
from lksym.derivation.prox.closed_form import identity_from, piecewise_closed_form
from lksym.derivation.prox.common import (
    TIME_LIMIT, Condition, GiveUp, exact_roots, one_sided_limit, out_of_time, polynomial_in_x, tidy_form,
)
from lksym.derivation.prox.regimes import lam_range
from lksym.derivation.prox.threshold import Candidate, curvature_bound, envelope
from lksym.derivation.symbols import LAM, X
from lksym.numerics.prox_solver import prox_key, numeric_pieces


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
    return one_sided_limit(expr, at, "-")


def _right_limit(expr, at):
    return one_sided_limit(expr, at, "+")


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
        bounds = [curvature_bound(e, lo, hi) for e, lo, hi in pieces]
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


def _unbiased_beyond(pieces, p0, pmax) -> Optional[sp.Expr]:
    r"""max(c, sup_{0 <= x <= c} x + sqrt(2 lam (p_max - p(x)))) with p = p_max beyond c."""
    c = pieces[-1][1]
    candidates = [Candidate(c), Candidate(sp.sqrt(2 * LAM * (pmax - p0)))]
    for expr, lo, hi in pieces[:-1]:
        g = X + sp.sqrt(2 * LAM * (pmax - expr))
        for end, side in ((lo, "+"), (hi, "-")):
            v = one_sided_limit(g, end, side)
            if v.is_finite is not False:
                candidates.append(Candidate(tidy_form(v)))
        # g' = 0  <=>  2 (p_max - p) = lam p'^2 (squared: extra roots are points of the piece, harmless for a sup)
        poly = polynomial_in_x(2 * (pmax - expr) - LAM * sp.diff(expr, X) ** 2, 4)
        roots = exact_roots(poly) if poly is not None else None
        if roots is None:
            return None
        candidates += [Candidate(tidy_form(g.subs(X, r)), r, lo, hi) for r in roots]
    return envelope(candidates, "max", lam_range((tuple(pieces), p0)))


def piecewise_thresholding(penalty: Penalty) -> Thresholding:
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
    >>> t = piecewise_thresholding(parse_penalty("scad(lam=1, a=3.7)"))
    >>> t.sparse, t.continuous, t.unbiased
    (True, lam < 27/10, True)
    >>> piecewise_thresholding(parse_penalty("logsum(eps=0.1)")).continuous
    lam <= 1/100
    >>> piecewise_thresholding(parse_penalty("l0")).unbiased_beyond
    sqrt(2)*sqrt(lam)
    """
    numeric_pieces(prox_key(penalty))
    form = piecewise_closed_form(penalty) if not penalty.pieces[-1].expr.has(X) else None
    return thresholding_with(penalty, form)


def thresholding_with(penalty: Penalty, form: Optional[sp.Expr]) -> Thresholding:
    """Fan and Li's properties of ``penalty`` given the closed-form map ``form`` its family found (or ``None``)."""
    try:
        facts = bounded(_thresholding, prox_key(penalty), form, limit=TIME_LIMIT)
    except GiveUp as why:
        return Thresholding(None, None, None, None, (str(why),))
    return facts if facts is not None else Thresholding(None, None, None, None, (out_of_time(TIME_LIMIT),))


