"""lksym.derivation.mathtext.in_lambda: the prox strength shown as λ, nothing else changed."""

from __future__ import annotations

import pytest
import sympy as sp

from lksym.derivation.mathtext import LAMBDA, in_lambda
from lksym.derivation.symbols import LAM, Z

PLAIN_LAM = sp.Symbol("lam")  # no assumptions: a relation's symbol may come without them


@pytest.mark.parametrize(
    "expr, latex",
    [
        (sp.sqrt(2) * sp.sqrt(LAM), r"\sqrt{2} \sqrt{\lambda}"),
        (Z - LAM, r"- \lambda + z"),
        (sp.Rational(3, 2) * LAM ** sp.Rational(2, 3), r"\frac{3 \lambda^{\frac{2}{3}}}{2}"),
        (PLAIN_LAM < sp.Rational(27, 10), r"\lambda < \frac{27}{10}"),
        (sp.Integer(2), "2"),
    ],
)
def test_lam_is_printed_as_the_greek_letter(expr, latex):
    shown = in_lambda(expr)
    assert sp.latex(shown) == latex
    assert not any(s.name == "lam" for s in shown.free_symbols)
    # Renaming back gives the expression itself: only the name changed.
    assert shown.xreplace({LAMBDA: LAM}) == expr.xreplace({PLAIN_LAM: LAM})


def test_a_huge_power_stays_unexpanded():
    # 1541**(1000/541) * lam: substitute keeps it unevaluated instead of printing thousands of digits.
    expr = sp.Pow(1541, sp.Rational(1000, 541), evaluate=False) * LAM
    assert len(sp.latex(in_lambda(expr))) < 200
