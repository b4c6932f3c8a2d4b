r"""The reader of a typed expression in ``w``: its exact pieces on :math:`x = |w| > 0`.

:func:`from_expression` takes an expression SymPy already holds (read by lksym's safe
parser, :func:`lksym.derivation.expr.parse_expression`) and returns the
:class:`~lksym.derivation.subject.Penalty` it defines: every ``Min``, ``Max``,
``Heaviside``, ``Abs`` and ``sign`` is rewritten as a ``Piecewise``, the
breakpoints are the positive roots of the conditions (at most
:data:`MAX_BREAKPOINTS`), each piece is the active branch between two of them.

Contract: the penalty must be even in ``w`` (checked piece by piece against
:math:`w = -x`, at sample points and then exactly), real and finite for every
``w``, and finite at 0; anything else is refused with one
:class:`~lksym.errors.InputError` line naming the text.  A plain power
:math:`|w|^k` becomes the power family.  The caller bounds the time
(:func:`lksym.derivation.penalty.parse_penalty` runs this under a deadline).

Examples
--------
>>> p = from_expression(sp.log(1 + sp.Abs(W) / 10), "log(1 + abs(w)/10)")
>>> p.family, p.pieces[0].expr, p.at_zero
('expression', log(x/10 + 1), 0)
>>> from_expression(sp.Abs(W) ** 3, "abs(w)^3").family
'power'
"""

from __future__ import annotations

from typing import Optional

import sympy as sp

from lksym.derivation.exact import number_text, value_order
from lksym.derivation.subject import Penalty, Piece, power
from lksym.derivation.symbols import W, X
from lksym.errors import InputError

MAX_BREAKPOINTS = 12
"""An expression whose branch changes more often than this is refused (each piece is derived on its own)."""


def shown(text: str) -> str:
    """``text`` quoted for a one-line message, cut to 40 characters."""
    return repr(text if len(text) <= 40 else text[:37] + "...")


# --------------------------------------------------------------------------- expressions in w


def from_expression(expr: sp.Expr, text: str) -> Penalty:
    r"""The :class:`Penalty` of an even expression in :data:`W`: its exact pieces on :math:`x > 0`.

    The right branch is ``expr`` at :math:`w = x > 0` with every ``Min``, ``Max``,
    ``Heaviside``, ``Abs`` and ``sign`` rewritten as a ``Piecewise``; its
    breakpoints are the positive roots of the conditions; each piece is the
    active branch between two of them.  Evenness is checked piece by piece
    against :math:`w = -x`, and a power :math:`x^k` becomes the power family.

    Examples
    --------
    >>> p = from_expression(sp.Min(sp.Abs(W), 2), "min(|w|, 2)")
    >>> [(q.expr, q.lo, q.hi) for q in p.pieces]
    [(x, 0, 2), (2, 2, oo)]
    """
    right = _pieces(expr.subs(W, X), text)
    left = _pieces(expr.subs(W, -X), text)
    probe = _even_counterexample(right, left)
    if probe is not None:
        raise InputError(f"penalty must be even in w (p(-w) = p(w)): {text!r} differs at w = {probe} and -{probe}")
    at_zero = _value_at_zero(expr, right[0].expr, text)
    if len(right) == 1 and not right[0].expr.has(X) and right[0].expr == at_zero:
        # Heaviside(abs(w), 1): written in w, the same number everywhere, as abs(w)^0 (refused above)
        raise InputError(f"penalty {shown(text)} does not depend on w (it is the constant "
                         f"{sp.sstr(at_zero)[:20]}): a constant penalty does nothing to the weights")
    if len(right) == 1 and at_zero == 0:
        coefficient, exponent = right[0].expr.as_coeff_exponent(X)
        if coefficient == 1 and exponent.is_number and exponent.is_positive:
            return power(exponent)
    return Penalty("expression", (), tuple(right), at_zero, text)


def _as_piecewise(expr: sp.Expr) -> sp.Expr:
    rewritten = expr
    for kind in (sp.Min, sp.Max, sp.Heaviside, sp.Abs, sp.sign):
        if rewritten.has(kind):
            rewritten = rewritten.replace(lambda e, kind=kind: isinstance(e, kind), lambda e: e.rewrite(sp.Piecewise))
    return rewritten


def _conditions(expr: sp.Expr) -> list:
    found = []
    for pw in expr.atoms(sp.Piecewise):
        for _, condition in pw.args:
            found.extend(condition.atoms(sp.core.relational.Relational))
    return found


def _roots(relation) -> list:
    difference = relation.lhs - relation.rhs
    if not difference.has(X):
        return []
    try:
        solutions = sp.solve(sp.Eq(difference, 0), X)
    except (NotImplementedError, ValueError):
        raise InputError(f"cannot locate the breakpoints of {sp.sstr(relation)} exactly") from None
    roots = []
    for s in solutions:
        if s.is_number and s.is_real and s.is_positive and s.is_finite:
            roots.append(sp.nsimplify(s) if s.is_Float else s)
    return roots


def _active(expr: sp.Expr, at: sp.Expr) -> sp.Expr:
    """``expr`` with every Piecewise replaced by its branch that holds at ``x = at``."""

    def choose(pw):
        for value, condition in pw.args:
            truth = condition.subs(X, at)
            if truth not in (sp.true, sp.false):
                truth = sp.N(condition.lhs.subs(X, at) - condition.rhs.subs(X, at), 30)
                truth = sp.true if type(condition)(truth, 0) else sp.false
            if truth == sp.true:
                return value
        return sp.nan

    return expr.replace(lambda e: isinstance(e, sp.Piecewise), choose)


def _pieces(branch: sp.Expr, text: str) -> list[Piece]:
    branch = sp.piecewise_fold(_as_piecewise(branch))
    cuts = sorted(set(r for rel in _conditions(branch) for r in _roots(rel)), key=value_order)
    if len(cuts) > MAX_BREAKPOINTS:
        raise InputError(f"penalty changes definition at more than {MAX_BREAKPOINTS} points: {text!r}")
    ends = [sp.Integer(0), *cuts, sp.oo]
    pieces: list[Piece] = []
    for lo, hi in zip(ends, ends[1:]):
        probe = (lo + hi) / 2 if hi != sp.oo else lo + 1
        piece = sp.expand(_active(branch, probe))
        if piece.has(sp.nan) or piece.has(sp.Piecewise):
            raise InputError(f"penalty is not defined for every w: {text!r}")
        if pieces and sp.simplify(pieces[-1].expr - piece) == 0:
            pieces[-1] = Piece(pieces[-1].expr, pieces[-1].lo, hi)  # the same formula on both sides: no breakpoint
        else:
            pieces.append(Piece(piece, lo, hi))
    for piece in pieces:
        _check_real(piece, text)
    return pieces


def _sample(piece: Piece) -> list:
    lo, hi = piece.lo, piece.hi
    if hi == sp.oo:
        return [lo + sp.Rational(1, 10**6), lo + sp.Rational(1, 3), lo + 1, lo + 10, lo + 10**6]
    return [lo + (hi - lo) * sp.Rational(i, 7) for i in range(1, 7)]


def _at(expr: sp.Expr, at: sp.Expr) -> sp.Expr:
    # A float point, never an exact one: x**x at x = 10**6 + 1/3 would spell out millions of digits.
    return expr.evalf(30, subs={X: sp.N(at, 30)})


def _check_real(piece: Piece, text: str) -> None:
    for at in _sample(piece):
        value = _at(piece.expr, at)
        if not (value.is_real and value.is_finite):
            raise InputError(f"penalty must be real and finite for every w: {text!r} is {sp.sstr(value)} at |w| = {sp.N(at, 6)}")


def _even_counterexample(right: list[Piece], left: list[Piece]) -> Optional[str]:
    points = set()
    for pieces in (right, left):
        for piece in pieces:
            points.update(_sample(piece))
    for at in sorted(points, key=lambda p: (abs(float(sp.log(p))), sp.default_sort_key(p))):  # report the plainest w first
        a, b = _value(right, at), _value(left, at)
        if abs(a - b) > 1e-20 * (1 + abs(a)):
            return number_text(at) if at.is_Rational else sp.sstr(sp.N(at, 6))
    for r, l in zip(right, left):
        if sp.simplify(r.expr - l.expr) != 0 or r.hi != l.hi:
            return "1" if len(right) == 1 else sp.sstr(sp.N((r.lo + (r.hi if r.hi != sp.oo else r.lo + 2)) / 2, 6))
    if len(right) != len(left):
        return sp.sstr(sp.N(right[-1].lo + 1, 6))
    return None


def _value(pieces: list[Piece], at: sp.Expr) -> sp.Expr:
    for piece in pieces:
        if at <= piece.hi:
            return _at(piece.expr, at)
    return _at(pieces[-1].expr, at)


def _value_at_zero(expr: sp.Expr, first: sp.Expr, text: str) -> sp.Expr:
    value = expr.subs(W, 0)  # at w = 0 itself: a Piecewise condition such as Eq(w, 0) decides here
    limit = sp.limit(first, X, 0, "+")
    if value.has(sp.nan, sp.zoo) or not value.is_finite:
        value = limit  # 0*log(0) and the like: the penalty is its limit at 0
    if not (value.is_finite and value.is_real):
        raise InputError(f"penalty must be finite at w = 0: {text!r} tends to {sp.sstr(limit)}")
    if not (limit.is_finite or limit == sp.oo):
        raise InputError(f"penalty must be finite near w = 0: {text!r} tends to {sp.sstr(limit)}")
    return sp.nsimplify(value) if isinstance(value, sp.Float) else value
