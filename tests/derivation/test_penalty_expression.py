"""The reader of expressions in w (:mod:`lksym.derivation.penalty_expression`), called directly on SymPy expressions.

``test_penalty.py`` reads typed text through ``parse_penalty``; here the pieces :func:`from_expression` finds
are held against the expression itself, evaluated by mpmath at both signs of w, away from the breakpoints.
"""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from lksym.derivation.penalty_expression import MAX_BREAKPOINTS, from_expression, shown
from lksym.derivation.symbols import W, X
from lksym.errors import InputError

EXPRESSIONS = [
    (sp.log(1 + sp.Abs(W) / 10), ()),
    (1 - sp.exp(-sp.Abs(W)), ()),
    (sp.sqrt(1 + W**2) - 1, ()),
    (sp.Min(sp.Abs(W), 2), (2,)),
    (sp.Max(W**2, sp.Abs(W)), (1,)),
    (sp.Piecewise((W**2 / 2, sp.Abs(W) <= 1), (sp.Abs(W) - sp.Rational(1, 2), True)), (1,)),
    (sp.Heaviside(sp.Abs(W) - 3) * 5 + sp.Abs(W), (3,)),
    (sp.Min(sp.Abs(W), 1) + sp.Min(sp.Abs(W), 4) / 2, (1, 4)),
]


def _mp(expr, w: float):
    return mpmath.mpf(str(sp.N(expr.subs(W, sp.Float(w, 40)), 30)))


@pytest.mark.parametrize("expr, breakpoints", EXPRESSIONS, ids=lambda e: str(e) if isinstance(e, sp.Basic) else None)
def test_pieces_are_the_expression_at_both_signs(expr, breakpoints):
    p = from_expression(expr, str(expr))
    assert p.breakpoints == tuple(sp.Integer(b) for b in breakpoints)
    assert p.pieces[0].lo == 0 and p.pieces[-1].hi == sp.oo
    assert all(a.hi == b.lo for a, b in zip(p.pieces, p.pieces[1:]))
    for piece in p.pieces:
        hi = piece.hi if piece.hi != sp.oo else piece.lo + 5
        for t in (0.13, 0.5, 0.87):
            x = float(piece.lo + (hi - piece.lo) * sp.Float(t))
            value = mpmath.mpf(str(sp.N(piece.expr.subs(X, sp.Float(x, 40)), 30)))
            for w in (x, -x):
                assert abs(value - _mp(expr, w)) <= mpmath.mpf(10) ** -25 * (1 + abs(value))


def test_a_plain_power_becomes_the_power_family():
    assert from_expression(sp.Abs(W) ** sp.Rational(3, 2), "abs(w)^1.5").family == "power"
    assert from_expression(2 * sp.Abs(W) ** sp.Rational(3, 2), "2*abs(w)^1.5").family == "expression"


@pytest.mark.parametrize("expr, message", [
    (W**3, "even in w"),
    (sp.Piecewise((W**2, W > 1), (sp.Abs(W), True)), "even in w"),
    (1 / sp.Abs(W), "finite at w = 0"),
    (sp.sqrt(1 - W**2), "real and finite"),
    (sp.Heaviside(sp.Abs(W), 1), "does not depend on w"),
])
def test_refusals(expr, message):
    with pytest.raises(InputError, match=message):
        from_expression(expr, str(expr))


def test_more_breakpoints_than_allowed_are_refused():
    # One Piecewise whose conditions switch at |w| = 1, 2, ..., MAX_BREAKPOINTS + 1 (a sum of Min's is folded far slower).
    many = sp.Piecewise(*[(n * sp.Abs(W), sp.Abs(W) <= n) for n in range(1, MAX_BREAKPOINTS + 2)], (0, True))
    with pytest.raises(InputError, match=f"more than {MAX_BREAKPOINTS} points"):
        from_expression(many, "many")


def test_value_at_zero_is_the_formula_there_or_its_limit():
    assert from_expression(sp.Piecewise((0, sp.Eq(W, 0)), (1, True)), "l0 typed").at_zero == 0
    assert from_expression(sp.Abs(W) * sp.log(sp.Abs(W)) ** 2, "x log(x)^2").at_zero == 0


def test_shown_cuts_long_text():
    assert shown("abc") == "'abc'"
    assert shown("x" * 50) == repr("x" * 37 + "...")
