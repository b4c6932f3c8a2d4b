"""lksym.derivation.exact: a limit by substitution only where the expression is provably continuous."""

from __future__ import annotations

import pytest
import sympy as sp

from lksym.derivation.exact import continuous_value
from lksym.derivation.symbols import LAM, X

R = sp.Rational


@pytest.mark.parametrize(
    "expr, point",
    [
        (-5 * X**2 / 27 + 37 * X / 27 - R(5, 27), sp.S.One),
        (-5 * X**2 / 27 + 37 * X / 27 - R(5, 27), R(37, 10)),
        ((37 - 10 * X) / (27 * X), R(37, 10)),
        (1 / X, sp.S.One),
        (X + sp.sqrt(2) * sp.sqrt(LAM) * sp.sqrt(R(47, 20) - X), sp.S.Zero),
        (sp.sqrt(1 + X**2) - 1, sp.S.Zero),
        (X**2 + LAM * X, sp.S.Zero),
        ((X + 1) ** R(3, 2) / (X + 2), R(7, 3)),
        (X**X, sp.S.One),
    ],
)
def test_the_value_is_the_limit_from_both_sides(expr, point):
    value = continuous_value(expr, point)
    assert value is not None
    for side in ("+", "-"):
        assert sp.simplify(value - sp.limit(expr, X, point, side)) == 0


@pytest.mark.parametrize(
    "expr, point",
    [
        (1 / X, sp.S.Zero),  # a pole
        (sp.sqrt(X), sp.S.Zero),  # continuous from the right only: the base is not > 0 there
        (X ** R(1, 3) + 1, sp.S.Zero),
        (1 / (X - 1), sp.S.One),
        (sp.sqrt(1 - X), sp.S.One),
        (sp.Abs(X - 1), sp.S.One),  # a function: left to sympy.limit
        (sp.log(X), sp.S.One),
        (sp.Piecewise((X, X < 1), (2, True)), sp.S.One),  # a jump
        (X, sp.oo),
        (X + LAM, LAM),  # a point that is not a number
    ],
)
def test_anything_else_is_left_to_sympy(expr, point):
    assert continuous_value(expr, point) is None


def test_a_base_positive_for_every_lam_counts():
    assert continuous_value(sp.sqrt(LAM - X), sp.S.Zero) == sp.sqrt(LAM)
    assert continuous_value(sp.sqrt(LAM - 1 - X), sp.S.Zero) is None  # lam - 1 may be <= 0
